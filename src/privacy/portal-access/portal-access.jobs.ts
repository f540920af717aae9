import type { PortalAccessService } from './portal-access.service.ts'

/**
 * `portal.purge` (every 15 minutes): deletes privacy portal sessions that ran out and sign-in
 * links a week after they ran out. Thin entry point; callable directly (tests pass `now`).
 */
export function purgePortalAccessJob(
  access: PortalAccessService,
  now?: Date,
): Promise<{ sessions: number; links: number }> {
  return access.purgeExpired(now)
}
