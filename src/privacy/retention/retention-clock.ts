import { addIsoDuration } from '../purposes/iso-duration.ts'
import { type ClockDate, type RetentionRuleDefinition, START_EVENT_CLOCKS } from './retention-rule.ts'

/**
 * The retention clock, pure: when a record falls due under a rule. The sweeper, the plan and the
 * deletion concept document all ask here; nothing else computes a due date.
 */

/** A record's dates, as the rule's kind records them (`RECORD_DATES`); absent or null: not (yet) known. */
export type RecordDates = Partial<Record<ClockDate, Date | null>>

/** The German law's calendar: "the end of the calendar year" is the end of 31 December in Germany. */
export const DEFAULT_TIME_ZONE = 'Europe/Berlin'

/** When a record falls due, and why. */
export interface RetentionDue {
  /** The instant the period runs from: the start event's date, or the end of its calendar year. */
  start: Date
  /** The period that applies: the rule's, or the previous law's (transition). */
  period: string
  /** From this instant on the record may be deleted: its period has run out. */
  due: Date
  /** Whether the transition kept the previous law's period (it had run out before the cut-over). */
  previousLaw: boolean
}

/**
 * When a record falls due under a rule; null when the start event hasn't happened (no decision, not
 * closed): then no clock runs and the record is kept. Periods that run from the end of a calendar
 * year (§ 257(5) HGB, § 147(4) AO) start at midnight of 1 January following the year the date falls
 * in, in `timeZone`; the period is added on the calendar (P1Y from 29 February ends on 1 March).
 */
export function retentionDue(
  rule: Pick<RetentionRuleDefinition, 'period' | 'startEvent' | 'transition'>,
  dates: RecordDates,
  timeZone: string = DEFAULT_TIME_ZONE,
): RetentionDue | null {
  const clock = START_EVENT_CLOCKS[rule.startEvent]
  const date = dates[clock.date]
  if (!date) return null
  const start = clock.endOfYear ? startOfYear(yearIn(date, timeZone) + 1, timeZone) : date
  const after = (period: string) =>
    clock.endOfYear ? addToLocal(start, period, timeZone) : addIsoDuration(start, period)
  if (rule.transition) {
    // Art. 97 § 19a EGAO, Art. 88 EGHGB (BEG IV): the 8 years apply to every voucher whose 10 years
    // had not run out on 1 January 2025; those that had, were due under the previous law.
    const previous = after(rule.transition.previousPeriod)
    if (previous.getTime() <= localMidnight(rule.transition.cutover, timeZone).getTime())
      return { start, period: rule.transition.previousPeriod, due: previous, previousLaw: true }
  }
  return { start, period: rule.period, due: after(rule.period), previousLaw: false }
}

/** When a record falls due under a rule, or null while its start event hasn't happened. */
export const dueDate = (
  rule: Pick<RetentionRuleDefinition, 'period' | 'startEvent' | 'transition'>,
  dates: RecordDates,
  timeZone: string = DEFAULT_TIME_ZONE,
): Date | null => retentionDue(rule, dates, timeZone)?.due ?? null

const DURATION = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/

/** Years and months as months, weeks and days as days. */
function parts(duration: string): { months: number; days: number } {
  const match = DURATION.exec(duration)
  if (!match) throw new RangeError(`not an ISO 8601 calendar duration: ${duration}`)
  const [, y = '0', m = '0', w = '0', d = '0'] = match
  return { months: Number(y) * 12 + Number(m), days: Number(w) * 7 + Number(d) }
}

/**
 * Whether `period` is at least `minimum` from every start date. Conservative where months and days
 * mix: months that make up for missing days count as few days as they can have (12 months 365, a
 * month 28), so P1M is not taken for at least P30D, and P2Y is for P730D.
 */
export function periodAtLeast(period: string, minimum: string): boolean {
  const p = parts(period)
  const min = parts(minimum)
  if (p.months < min.months) return false
  const extra = p.months - min.months
  return Math.floor(extra / 12) * 365 + (extra % 12) * 28 + p.days >= min.days
}

/** Whether the duration is longer than nothing (P0D and P0Y are not). */
export const isPositiveDuration = (duration: string): boolean => {
  if (!DURATION.test(duration)) return false
  const p = parts(duration)
  return p.months > 0 || p.days > 0
}

const yearFormat = new Map<string, Intl.DateTimeFormat>()

/** The calendar year `date` falls in, in `timeZone`. */
export function yearIn(date: Date, timeZone: string): number {
  let format = yearFormat.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric' })
    yearFormat.set(timeZone, format)
  }
  return Number(format.format(date))
}

const offsetFormat = new Map<string, Intl.DateTimeFormat>()

/** The zone's offset from UTC at `instant`, in milliseconds (Berlin in winter: +3,600,000). */
function offsetAt(instant: number, timeZone: string): number {
  // One formatter per zone: making one costs far more than using it (the sweeper's cutoffs ask often).
  let format = offsetFormat.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    offsetFormat.set(timeZone, format)
  }
  const values = format.formatToParts(new Date(instant))
  const get = (type: string) => Number(values.find((p) => p.type === type)?.value)
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return wall - (instant - (instant % 1000))
}

/** Midnight at the start of the given calendar day in `timeZone`. */
function midnight(year: number, monthIndex: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, monthIndex, day)
  // Midnight is never inside a daylight-saving switch in Europe; the second look settles zones where
  // the offset at the UTC guess differs from the one at the local midnight.
  const first = wall - offsetAt(wall, timeZone)
  return new Date(wall - offsetAt(first, timeZone))
}

/** Midnight at the start of 1 January of `year` in `timeZone`. */
export const startOfYear = (year: number, timeZone: string): Date => midnight(year, 0, 1, timeZone)

/** Midnight at the start of a `YYYY-MM-DD` day in `timeZone`. */
function localMidnight(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return midnight(y, m - 1, d, timeZone)
}

/** A local midnight plus a calendar duration, as the local midnight of the day it ends on. */
function addToLocal(start: Date, duration: string, timeZone: string): Date {
  const local = new Date(start.getTime() + offsetAt(start.getTime(), timeZone))
  const day = addIsoDuration(
    new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())),
    duration,
  )
  return midnight(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), timeZone)
}
