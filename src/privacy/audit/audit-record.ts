import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/**
 * What one audit record says (Art. 5(2) accountability: who did what, when, why). Records name
 * fields, never values. This file is the contract between the audit log and everyone who writes
 * to it; the chain itself lives in the audit log service.
 */

/** Who acted: a user, an API token, a scheduled/queued job, the data subject themself (portal), or Tresor. */
export const AUDIT_ACTOR_TYPES = ['user', 'token', 'job', 'subject', 'system'] as const
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number]

export interface AuditActor {
  type: AuditActorType
  /** User id, API token id, job name, subject id, or 'tresor'. */
  id: string
  /** The role the actor acted in, where there is one. */
  role?: string
}

export const AUDIT_ACTIONS = [
  'create',
  'read',
  'update',
  'delete',
  'export',
  'import',
  'combine',
  'consent',
  'objection',
  'restrict',
  'erase',
  'login',
  'logout',
  'denied',
  'configure',
  'key-rotation',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** One record to append. Sequence, time and hashes are the log's business. */
export interface AuditRecordInput {
  actor: AuditActor
  action: AuditAction
  /** The subjects concerned; large sets are stored as a linked set by the log. */
  subjectIds?: readonly string[]
  /** Purpose key from the purpose registry, when personal data is used. */
  purpose?: string
  /** Art. 6(1) basis the use relied on (`consent`, `contract`, ...). */
  legalBasis?: string
  /** Field names touched, never their values. */
  fields?: readonly string[]
  /** The HTTP request id, to tie the record to logs. */
  requestId?: string
  /** Free text why: the denial reason, the DSR number, the DPO's note. No personal data. */
  reason?: string
  /**
   * Old/new values that must be kept (rectification), already encrypted under the one subject's
   * data key by the vault, so an erasure shreds them while the chain still verifies.
   */
  sealedValues?: { subjectId: string; ciphertext: Uint8Array }
}

/** Anything that can append audit records; services depend on this, not on the log itself. */
export interface AuditWriter {
  /**
   * Appends the records in order. Pass the caller's transaction (`db.transaction()` trx) so the
   * records commit or roll back together with the change they describe.
   */
  append(records: readonly AuditRecordInput[], trx?: Kysely<Schema>): Promise<void>
}
