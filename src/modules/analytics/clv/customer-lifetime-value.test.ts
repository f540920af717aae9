import { describe, expect, it } from 'vitest'
import { conditionalExpectedPurchases, fitBgNbd, groupHistories } from './bg-nbd.model.ts'
import { readCdnowSummary } from './cdnow.fixture.ts'
import { customerLifetimeValue, WEEKS_PER_MONTH } from './customer-lifetime-value.ts'
import { conditionalExpectedSpend, fitGammaGamma, groupSpend } from './gamma-gamma.model.ts'

const CDNOW = readCdnowSummary()
const BG_NBD = fitBgNbd(groupHistories(CDNOW)).params
const GAMMA_GAMMA = fitGammaGamma(groupSpend(CDNOW)).params
const customer = (id: number) => CDNOW.find((c) => c.id === id)!

describe('customerLifetimeValue', () => {
  it('reproduces the lifetimes documentation (12 months, 1 % a month)', () => {
    // lifetimes' Quickstart calls customer_lifetime_value on the CDNOW weeks with its default
    // freq 'D', i.e. 30 time units (here: weeks) a month; with that convention it lists these values.
    const options = { months: 12, monthlyDiscountRate: 0.01, periodsPerMonth: 30 }
    const clv = (id: number) => customerLifetimeValue(BG_NBD, GAMMA_GAMMA, customer(id), options)
    expect(clv(1)).toBeCloseTo(140.096211, 3)
    expect(clv(2)).toBeCloseTo(18.943467, 3)
    expect(clv(3)).toBeCloseTo(38.180574, 3)
    expect(clv(6)).toBeCloseTo(1003.868107, 2)
    expect(clv(7)).toBeCloseTo(28.109683, 3)
    expect(clv(9)).toBeCloseTo(167.418216, 3)
  })

  it('is expected spend × expected purchases when nothing is discounted', () => {
    const c = customer(6)
    const value = customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, {
      months: 24,
      monthlyDiscountRate: 0,
      periodsPerMonth: WEEKS_PER_MONTH,
    })
    const purchases = conditionalExpectedPurchases(BG_NBD, 24 * WEEKS_PER_MONTH, c)
    expect(value).toBeCloseTo(conditionalExpectedSpend(GAMMA_GAMMA, c) * purchases, 10)
  })

  it('discounts each month’s expected purchases by (1 + d)^m', () => {
    const c = customer(1)
    const d = 0.02
    const f = WEEKS_PER_MONTH
    const e1 = conditionalExpectedPurchases(BG_NBD, f, c)
    const e2 = conditionalExpectedPurchases(BG_NBD, 2 * f, c)
    const spend = conditionalExpectedSpend(GAMMA_GAMMA, c)
    expect(
      customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, {
        months: 2,
        monthlyDiscountRate: d,
        periodsPerMonth: f,
      }),
    ).toBeCloseTo(spend * (e1 / (1 + d) + (e2 - e1) / (1 + d) ** 2), 12)
  })

  it('grows with the horizon, shrinks with the discount rate, and is 0 over no months', () => {
    const c = customer(9)
    const clv = (months: number, monthlyDiscountRate: number) =>
      customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, {
        months,
        monthlyDiscountRate,
        periodsPerMonth: WEEKS_PER_MONTH,
      })
    expect(clv(0, 0.01)).toBe(0)
    expect(clv(24, 0.01)).toBeGreaterThan(clv(12, 0.01))
    expect(clv(12, 0.05)).toBeLessThan(clv(12, 0.01))
  })

  it('refuses a fractional horizon, a negative rate or no time unit', () => {
    const c = customer(1)
    const base = { months: 12, monthlyDiscountRate: 0.01, periodsPerMonth: WEEKS_PER_MONTH }
    expect(() => customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, { ...base, months: 1.5 })).toThrow(RangeError)
    expect(() =>
      customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, { ...base, monthlyDiscountRate: -0.1 }),
    ).toThrow(RangeError)
    expect(() => customerLifetimeValue(BG_NBD, GAMMA_GAMMA, c, { ...base, periodsPerMonth: 0 })).toThrow(
      RangeError,
    )
  })
})
