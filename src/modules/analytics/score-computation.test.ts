import { describe, expect, it } from 'vitest'
import type { CustomerStatistics } from '../../privacy/scores/score-store.ts'
import { probabilityAlive } from './clv/bg-nbd.model.ts'
import { customerLifetimeValue, WEEKS_PER_MONTH } from './clv/customer-lifetime-value.ts'
import { abcClass, churnBand, computeScores, quintile, type ScoringModel } from './score-computation.ts'

const SETTINGS = {
  monthlyDiscountRate: 0.01,
  horizonMonths: 12,
  churnHigh: 0.3,
  churnMedium: 0.7,
  currency: 'EUR',
}
const CDNOW = {
  bgNbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
}
const MODEL: ScoringModel = {
  ...CDNOW,
  quintiles: {
    daysSinceLastPurchase: [10, 30, 90, 200],
    orders: [1, 1, 2, 4],
    revenueCents: [1000, 2000, 5000, 9000],
  },
  abc: { aMinRevenueCents: 8000, bMinRevenueCents: 3000 },
  settings: SETTINGS,
}
const customer = (over: Partial<CustomerStatistics> = {}): CustomerStatistics => ({
  subjectId: 'a',
  repeatPurchases: 2,
  recencyDays: 140,
  ageDays: 280,
  daysSinceLastPurchase: 140,
  orders: 3,
  revenueCents: 6000,
  repeatRevenueCents: 4000,
  ...over,
})

describe('scores of one customer', () => {
  it('bands and ranks as configured', () => {
    expect(quintile(0, [10, 30, 90, 200])).toBe(1)
    expect(quintile(30, [10, 30, 90, 200])).toBe(2)
    expect(quintile(500, [10, 30, 90, 200])).toBe(5)
    expect([0.29, 0.3, 0.69, 0.7].map((p) => churnBand(p, SETTINGS))).toEqual([
      'high',
      'medium',
      'medium',
      'low',
    ])
    expect([9000, 8000, 7999, 3000, 2999].map((r) => abcClass(r, MODEL.abc))).toEqual([
      'A',
      'A',
      'B',
      'B',
      'C',
    ])
  })

  it('computes the clv kind from the BG/NBD in weeks, with its inputs', () => {
    const [clv, rfm] = computeScores(MODEL, [customer()])
    expect(clv?.kind).toBe('clv')
    const history = { x: 2, tx: 20, T: 40 }
    expect(clv?.outputs.pAlive).toBeCloseTo(probabilityAlive(CDNOW.bgNbd, history), 4)
    expect(clv?.inputs).toEqual({ repeatPurchases: 2, recencyWeeks: 20, ageWeeks: 40, meanRepeatSpend: 20 })
    expect(clv?.band).toBe(churnBand(clv?.outputs.pAlive as number, SETTINGS))
    expect(clv?.value).toBeGreaterThan(0)
    const o = clv?.outputs as Record<string, number>
    expect(o.expectedPurchases90d).toBeGreaterThan(o.expectedPurchases30d as number)
    expect(o.purchaseProbability90d).toBeLessThanOrEqual(1)
    // R: 140 days since the last purchase is the fourth fifth → 2; F: 3 orders → 4; M: 60 € → 4; B.
    expect(rfm).toMatchObject({
      kind: 'rfm',
      value: 244,
      band: 'B',
      outputs: { recency: 2, frequency: 4, monetary: 4 },
    })
  })

  it('computes the CLV as customerLifetimeValue does, and the same for customers sharing a history', () => {
    const model = { ...MODEL, forecasts: new Map() }
    const [a, , b] = computeScores(model, [
      customer(),
      customer({ subjectId: 'b', repeatRevenueCents: 8000 }),
    ])
    const clv = (meanSpend: number) =>
      customerLifetimeValue(
        CDNOW.bgNbd,
        CDNOW.gammaGamma,
        { x: 2, tx: 20, T: 40, meanSpend },
        {
          months: 12,
          monthlyDiscountRate: 0.01,
          periodsPerMonth: WEEKS_PER_MONTH,
        },
      )
    expect(a?.outputs.clv).toBeCloseTo(clv(20), 2)
    expect(b?.outputs.clv).toBeCloseTo(clv(40), 2)
    expect(model.forecasts.size).toBe(1)
  })

  it('leaves out the clv kind without a BG/NBD fit, and the money values without a spend model', () => {
    expect(computeScores({ ...MODEL, bgNbd: null }, [customer()]).map((s) => s.kind)).toEqual(['rfm'])
    const [clv] = computeScores({ ...MODEL, gammaGamma: null }, [customer()])
    expect(clv?.value).toBeNull()
    expect(clv?.outputs).toMatchObject({ clv: null, expectedSpend: null })
    expect(clv?.outputs.pAlive).toBeGreaterThan(0)
  })

  it('gives a one-time buyer P(alive) = 1: the BG/NBD drops customers only after a repeat purchase', () => {
    const [clv] = computeScores(MODEL, [
      customer({ repeatPurchases: 0, recencyDays: 0, repeatRevenueCents: 0 }),
    ])
    expect(clv?.outputs.pAlive).toBe(1)
    expect(clv?.band).toBe('low')
  })
})
