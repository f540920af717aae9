import { describe, expect, it } from 'vitest'
import { dueDate, startOfYear } from './retention-clock.ts'
import { retentionCutoff } from './retention-cutoff.ts'
import type { RetentionRuleDefinition } from './retention-rule.ts'
import { RETENTION_SEED } from './retention-seed.ts'

const seeded = (key: string) => RETENTION_SEED.find((r) => r.key === key) as RetentionRuleDefinition
const BERLIN = 'Europe/Berlin'

describe('the sweeper’s cutoff', () => {
  it('is the first instant not due, to the millisecond, for a period from the date itself', () => {
    const rule = seeded('web_tracking_touchpoints')
    const asOf = new Date('2026-12-07T03:00:00Z')
    const cutoff = retentionCutoff(rule, asOf) as Date
    expect(cutoff.toISOString()).toBe('2025-11-07T03:00:00.001Z')
    const before = new Date(cutoff.getTime() - 1)
    expect((dueDate(rule, { created: before }) as Date).getTime()).toBeLessThanOrEqual(asOf.getTime())
    expect((dueDate(rule, { created: cutoff }) as Date).getTime()).toBeGreaterThan(asOf.getTime())
  })

  it('is 1 January, midnight in Berlin, of the first year not due, for periods from the end of a year', () => {
    // Invoices: 8 years from the end of the year (BEG IV); those of 2017 ran out on 1 January 2026.
    const vouchers = seeded('accounting_vouchers')
    const cutoff = retentionCutoff(vouchers, new Date('2026-12-07T03:00:00Z')) as Date
    expect(cutoff).toEqual(startOfYear(2018, BERLIN))
    expect(cutoff.toISOString()).toBe('2017-12-31T23:00:00.000Z')
    // 00:30 on New Year's night in Berlin is the new year: not due; half an hour earlier is.
    expect(new Date('2017-12-31T23:30:00Z').getTime()).toBeGreaterThanOrEqual(cutoff.getTime())
    expect(new Date('2017-12-31T22:30:00Z').getTime()).toBeLessThan(cutoff.getTime())
    // Orders: 6 years from the end of the year: 2019's ran out on 1 January 2026.
    expect(retentionCutoff(seeded('commercial_letters_orders'), new Date('2026-12-07T03:00:00Z'))).toEqual(
      startOfYear(2020, BERLIN),
    )
  })

  it('moves at the turn of the year in Berlin, not in UTC', () => {
    const orders = seeded('commercial_letters_orders')
    // 23:30 UTC on 31 December is already 1 January in Berlin: 2019's letters are due.
    expect(retentionCutoff(orders, new Date('2025-12-31T23:30:00Z'))).toEqual(startOfYear(2020, BERLIN))
    expect(retentionCutoff(orders, new Date('2025-12-31T22:30:00Z'))).toEqual(startOfYear(2019, BERLIN))
  })

  it('keeps the previous law’s 10 years where the transition says so, and stops at the first year not due', () => {
    const vouchers = seeded('accounting_vouchers')
    // Before the cut-over the clock jumps: 2014's 10 years end 1 Jan 2025, 2015's 8 years 1 Jan 2024.
    // The scan stops at 2014 (not due on 1 June 2024): nothing after it goes, 2015's neither.
    expect(retentionCutoff(vouchers, new Date('2024-06-01T00:00:00Z'))).toEqual(startOfYear(2014, BERLIN))
  })

  it('is null when nothing is due', () => {
    expect(retentionCutoff(seeded('accounting_vouchers'), new Date('1905-01-01T00:00:00Z'))).toBeNull()
    expect(retentionCutoff(seeded('leads_without_interaction'), new Date('1901-01-01T00:00:00Z'))).toBeNull()
  })
})
