import type { DoubleOptInService } from './double-opt-in.service.ts'

/**
 * `doi.expire` (every 15 minutes): closes the double opt-in requests whose link ran out and
 * records their consents `expired`. Thin entry point; callable directly (tests pass `now`).
 */
export function expireDoiRequestsJob(
  doubleOptIn: DoubleOptInService,
  now?: Date,
): Promise<{ requests: number; failed: number }> {
  return doubleOptIn.expireDue(now)
}
