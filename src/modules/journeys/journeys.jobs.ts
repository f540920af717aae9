import type { JourneyService, TickResult } from './journey.service.ts'

/**
 * `journeys.tick` (every minute): enrols whom the active journeys' triggers found and moves every
 * due enrolment on (waits, sends through the permission check, stops, completions). Thin entry
 * point; callable directly (tests pass `now`). Redelivery and overlapping runs are safe.
 */
export function journeysTickJob(journeys: JourneyService, now?: Date): Promise<TickResult> {
  return journeys.tick({ now })
}
