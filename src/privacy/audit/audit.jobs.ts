import type { AuditLog } from './audit-log.service.ts'

/**
 * `audit.checkpoint` (hourly): signs the chain head, so a rewrite of anything older is caught by
 * verify. Thin entry point; the log decides whether the head moved since the last checkpoint.
 */
export async function auditCheckpointJob(audit: AuditLog): Promise<{ seq: number; created: boolean } | null> {
  const checkpoint = await audit.checkpoint()
  return checkpoint && { seq: checkpoint.seq, created: checkpoint.created }
}
