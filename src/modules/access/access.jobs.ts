import type { AccessService } from './access.service.ts'

/** `access.purge-sessions`: thin entry point; the service decides what is expired. */
export async function purgeSessionsJob(access: AccessService): Promise<{ deleted: number }> {
  return { deleted: await access.purgeExpiredSessions() }
}
