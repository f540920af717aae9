import { describe, expect, it } from 'vitest'
import { dueDate, periodAtLeast, retentionDue } from './retention-clock.ts'
import type { RetentionRuleDefinition } from './retention-rule.ts'
import { RETENTION_SEED } from './retention-seed.ts'

const seeded = (key: string): RetentionRuleDefinition => {
  const rule = RETENTION_SEED.find((r) => r.key === key)
  if (!rule) throw new Error(`no seeded rule ${key}`)
  return rule
}
const vouchers = seeded('accounting_vouchers')
const at = (iso: string) => new Date(iso)
/** Midnight at the start of 1 January in Berlin (CET, UTC+1). */
const newYearInBerlin = (year: number) => at(`${year - 1}-12-31T23:00:00Z`)

describe('the retention clock', () => {
  it('runs accounting vouchers 8 years from the end of the calendar year they were issued in (§ 147(3), (4) AO)', () => {
    const due = retentionDue(vouchers, { created: at('2024-06-15T10:00:00Z') })
    expect(due).toEqual({
      start: newYearInBerlin(2025),
      period: 'P8Y',
      due: newYearInBerlin(2033),
      previousLaw: false,
    })
  })

  it('takes the calendar year in Germany: an invoice of New Year’s night belongs to the new year', () => {
    // 00:30 on 1 January 2025 in Berlin is still 2024 in UTC.
    expect(dueDate(vouchers, { created: at('2024-12-31T23:30:00Z') })).toEqual(newYearInBerlin(2034))
    // An invoice dated 1 January, stored as local midnight.
    expect(dueDate(vouchers, { created: newYearInBerlin(2025) })).toEqual(newYearInBerlin(2034))
    // The last minute of 2024 in Berlin.
    expect(dueDate(vouchers, { created: at('2024-12-31T22:59:00Z') })).toEqual(newYearInBerlin(2033))
    // The same record in a UTC calendar.
    expect(dueDate(vouchers, { created: at('2024-12-31T23:30:00Z') }, 'UTC')).toEqual(
      at('2033-01-01T00:00:00Z'),
    )
  })

  it('applies the BEG IV transition: 10 years where they had run out by 2025-01-01, else 8', () => {
    // 2014: the 10 years ended with 2024, so they had run out on the cut-over day: previous law.
    expect(retentionDue(vouchers, { created: at('2014-03-01T00:00:00Z') })).toMatchObject({
      period: 'P10Y',
      due: newYearInBerlin(2025),
      previousLaw: true,
    })
    expect(retentionDue(vouchers, { created: at('2013-11-30T00:00:00Z') })).toMatchObject({
      due: newYearInBerlin(2024),
      previousLaw: true,
    })
    // 2015: the 10 years would have run to the end of 2025; the 8 years apply and had run out already.
    expect(retentionDue(vouchers, { created: at('2015-07-01T00:00:00Z') })).toMatchObject({
      period: 'P8Y',
      due: newYearInBerlin(2024),
      previousLaw: false,
    })
    expect(retentionDue(vouchers, { created: at('2017-12-31T12:00:00Z') })).toMatchObject({
      due: newYearInBerlin(2026),
      previousLaw: false,
    })
    // Without the transition, 2014 would have been due a year earlier under 8 years.
    expect(dueDate({ ...vouchers, transition: null }, { created: at('2014-03-01T00:00:00Z') })).toEqual(
      newYearInBerlin(2023),
    )
  })

  it('adds periods on the calendar, never ending before the law does (leap years, short months)', () => {
    const tracking = seeded('web_tracking_touchpoints')
    expect(dueDate(tracking, { created: at('2024-02-29T12:00:00Z') })).toEqual(at('2025-03-29T12:00:00Z'))
    const oneYear = { ...tracking, period: 'P1Y' }
    // 29 February plus a year: 1 March, not 28 February.
    expect(dueDate(oneYear, { created: at('2024-02-29T12:00:00Z') })).toEqual(at('2025-03-01T12:00:00Z'))
    const applicants = seeded('rejected_applicants')
    // 31 August plus 6 months: after 28 February.
    expect(dueDate(applicants, { decision: at('2024-08-31T09:00:00Z') })).toEqual(at('2025-03-03T09:00:00Z'))
    // From the end of a leap year.
    const letters = seeded('commercial_letters_orders')
    expect(dueDate(letters, { created: at('2024-02-29T12:00:00Z') })).toEqual(newYearInBerlin(2031))
    expect(dueDate(seeded('unconfirmed_double_opt_in'), { created: at('2024-02-15T08:00:00Z') })).toEqual(
      at('2024-03-16T08:00:00Z'),
    )
  })

  it('lets nothing fall due while the start event has not happened', () => {
    expect(dueDate(seeded('rejected_applicants'), { created: at('2024-01-01T00:00:00Z') })).toBeNull()
    expect(
      dueDate(seeded('closed_data_subject_requests'), { created: at('2024-01-01T00:00:00Z'), closure: null }),
    ).toBeNull()
    expect(dueDate(seeded('closed_data_subject_requests'), { closure: at('2024-05-05T10:00:00Z') })).toEqual(
      newYearInBerlin(2028),
    )
  })

  it('runs the § 7a UWG proof from the grant or the latest use, whichever the caller found later', () => {
    const proof = seeded('phone_consent_proof')
    expect(dueDate(proof, { lastUse: at('2026-02-01T09:00:00Z') })).toEqual(at('2031-02-01T09:00:00Z'))
    expect(dueDate(proof, { created: at('2026-02-01T09:00:00Z') })).toBeNull()
  })

  it('compares periods conservatively', () => {
    expect(periodAtLeast('P8Y', 'P8Y')).toBe(true)
    expect(periodAtLeast('P96M', 'P8Y')).toBe(true)
    expect(periodAtLeast('P7Y12M', 'P8Y')).toBe(true)
    expect(periodAtLeast('P7Y11M', 'P8Y')).toBe(false)
    expect(periodAtLeast('P10Y', 'P8Y')).toBe(true)
    expect(periodAtLeast('P5Y', 'P8Y')).toBe(false)
    expect(periodAtLeast('P1M', 'P30D')).toBe(false)
    expect(periodAtLeast('P1M2D', 'P30D')).toBe(true)
    expect(periodAtLeast('P5W', 'P1M')).toBe(false)
    expect(periodAtLeast('P2Y', 'P730D')).toBe(true)
  })
})
