import { DEFAULT_TIME_ZONE, dueDate, startOfYear, yearIn } from './retention-clock.ts'
import { type RetentionRuleDefinition, START_EVENT_CLOCKS } from './retention-rule.ts'

/**
 * The sweeper's cutoff, pure: the instant before which a record's date makes it due under a rule at
 * `asOf` — so the plan can ask the database for `date < cutoff` instead of judging row by row. It is
 * found with the one clock (`dueDate`), never computed a second way:
 * - a period from the end of a calendar year (§ 257(5) HGB, § 147(4) AO) depends only on the year
 *   the date falls in (Europe/Berlin): the cutoff is 1 January 00:00 Berlin time of the first year
 *   whose records are not due, scanning years upwards. The scan stops at the first such year, which
 *   is conservative where a transition makes the clock jump (before BEG IV's cut-over the 10 years
 *   of an earlier year could end after the 8 years of a later one): nothing after it goes;
 * - any other period is added on the calendar, which is monotone in the date: the cutoff is found by
 *   bisection to the millisecond.
 * Null: nothing is due (not even a record of 1 January 1900).
 */
export function retentionCutoff(
  rule: Pick<RetentionRuleDefinition, 'period' | 'startEvent' | 'transition'>,
  asOf: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
): Date | null {
  const clock = START_EVENT_CLOCKS[rule.startEvent]
  const dueAt = (instant: Date) => {
    const due = dueDate(rule, { [clock.date]: instant }, timeZone)
    return due !== null && due.getTime() <= asOf.getTime()
  }
  const first = yearIn(asOf, timeZone) + 1
  if (clock.endOfYear) {
    for (let year = FIRST_YEAR; year <= first; year++) {
      const start = startOfYear(year, timeZone)
      if (!dueAt(start)) return year === FIRST_YEAR ? null : start
    }
    return startOfYear(first, timeZone)
  }
  let lo = startOfYear(FIRST_YEAR, timeZone).getTime()
  if (!dueAt(new Date(lo))) return null
  // A period is longer than nothing (the registry refuses P0D), so a record of `asOf` is never due.
  let hi = asOf.getTime()
  if (dueAt(new Date(hi))) return new Date(hi + 1)
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (dueAt(new Date(mid))) lo = mid
    else hi = mid
  }
  return new Date(hi)
}

/** No record of Tresor's is older. */
const FIRST_YEAR = 1900
