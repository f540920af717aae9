/**
 * From fitted population models and one customer's purchase statistics to their scores: pure, no
 * I/O. The kernel hands in the statistics of subjects the profiling purpose may use and stores
 * what comes out (`ScoreStore.scorePage`).
 */
import type { BandEvent, CustomerStatistics, NewScore } from '../../privacy/scores/score-store.ts'
import {
  type BgNbdParams,
  conditionalExpectedPurchases,
  type PurchaseHistory,
  probabilityAlive,
  probabilityOfPurchaseWithin,
} from './clv/bg-nbd.model.ts'
import { WEEKS_PER_MONTH } from './clv/customer-lifetime-value.ts'
import { conditionalExpectedSpend, type GammaGammaParams } from './clv/gamma-gamma.model.ts'
import type { ExplanationSettings } from './score-explanation.ts'

/** Histories are measured in days and the models fitted in weeks. */
export const DAYS_PER_WEEK = 7

export const CHURN_BANDS = ['high', 'medium', 'low'] as const
export type ChurnBand = (typeof CHURN_BANDS)[number]
export const ABC_CLASSES = ['A', 'B', 'C'] as const
export type AbcClass = (typeof ABC_CLASSES)[number]

/** The model names stored with each score. */
export const CLV_MODEL = 'bg-nbd/gamma-gamma'
export const RFM_MODEL = 'rfm-quintiles/abc'

/** A recomputation raises this when a customer's churn risk moves into `high` (the campaigns' trigger). */
export const CHURN_EVENT: BandEvent = {
  scoreKind: 'clv',
  band: 'high',
  eventKind: 'churn_risk_high',
  output: 'pAlive',
}

/** What the BG/NBD says about one purchase history: the same for every customer who shares it. */
export interface Forecast {
  pAlive: number
  expected30: number
  expected90: number
  probability30: number
  probability90: number
  /**
   * Σ over the months m of the horizon of (E[Y(m)] − E[Y(m − 1)]) / (1 + d)^m: the CLV is this times
   * the expected spend per purchase, as `customerLifetimeValue` composes it (spend and purchases are
   * independent in the two models).
   */
  discountedPurchases: number
}

/** What the scores of one run are computed with: the fits, the cut points, the settings. */
export interface ScoringModel {
  /** Null: the BG/NBD could not be fitted (no repeat purchase yet): no `clv` scores. */
  bgNbd: BgNbdParams | null
  /** Null: no Gamma-Gamma fit, or q ≤ 1 (no finite expected spend): `clv` without the money values. */
  gammaGamma: GammaGammaParams | null
  /** RFM cut points at 20, 40, 60, 80 % (empty: no `rfm` scores). */
  quintiles: { daysSinceLastPurchase: number[]; orders: number[]; revenueCents: number[] }
  abc: { aMinRevenueCents: number | null; bMinRevenueCents: number | null }
  settings: ExplanationSettings
  /**
   * Forecasts by (x, t_x days, T days), kept for the run: customers with the same history get the
   * same forecast, so the series are summed once per distinct history, as the fit's likelihood is.
   */
  forecasts?: Map<string, Forecast>
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** 1 + how many cut points the value exceeds: 1 (lowest fifth) to 5 (highest). */
export const quintile = (value: number, cuts: readonly number[]): number =>
  1 + cuts.filter((c) => value > c).length

/** The churn-risk band of a P(alive) under the configured thresholds. */
export const churnBand = (
  pAlive: number,
  settings: Pick<ExplanationSettings, 'churnHigh' | 'churnMedium'>,
) => (pAlive < settings.churnHigh ? 'high' : pAlive < settings.churnMedium ? 'medium' : 'low')

/** The ABC class of a revenue: A from the least revenue in A, B from the least in B, else C. */
export function abcClass(revenueCents: number, abc: ScoringModel['abc']): AbcClass {
  if (abc.aMinRevenueCents !== null && revenueCents >= abc.aMinRevenueCents) return 'A'
  if (abc.bMinRevenueCents !== null && revenueCents >= abc.bMinRevenueCents) return 'B'
  return 'C'
}

/** The BG/NBD's forecasts for one history (time in weeks), over the run's horizon and discount. */
export function forecast(
  bgNbd: BgNbdParams,
  history: PurchaseHistory,
  settings: Pick<ExplanationSettings, 'horizonMonths' | 'monthlyDiscountRate'>,
): Forecast {
  const in30 = 30 / DAYS_PER_WEEK
  const in90 = 90 / DAYS_PER_WEEK
  let discountedPurchases = 0
  let before = 0
  for (let m = 1; m <= settings.horizonMonths; m++) {
    const upTo = conditionalExpectedPurchases(bgNbd, m * WEEKS_PER_MONTH, history)
    discountedPurchases += (upTo - before) / (1 + settings.monthlyDiscountRate) ** m
    before = upTo
  }
  return {
    pAlive: probabilityAlive(bgNbd, history),
    expected30: conditionalExpectedPurchases(bgNbd, in30, history),
    expected90: conditionalExpectedPurchases(bgNbd, in90, history),
    probability30: probabilityOfPurchaseWithin(bgNbd, in30, history),
    probability90: probabilityOfPurchaseWithin(bgNbd, in90, history),
    discountedPurchases,
  }
}

/** The `clv` score of one customer: BG/NBD forecasts, the Gamma-Gamma spend and the CLV, the churn band. */
export function clvScore(model: ScoringModel & { bgNbd: BgNbdParams }, s: CustomerStatistics): NewScore {
  const { bgNbd, gammaGamma, settings } = model
  const history: PurchaseHistory = {
    x: s.repeatPurchases,
    tx: s.recencyDays / DAYS_PER_WEEK,
    T: s.ageDays / DAYS_PER_WEEK,
  }
  const meanSpend = s.repeatPurchases > 0 ? s.repeatRevenueCents / s.repeatPurchases / 100 : 0
  const key = `${s.repeatPurchases}|${s.recencyDays}|${s.ageDays}`
  let f = model.forecasts?.get(key)
  if (!f) {
    f = forecast(bgNbd, history, settings)
    model.forecasts?.set(key, f)
  }
  const { pAlive } = f
  let expectedSpend: number | null = null
  let clv: number | null = null
  if (gammaGamma) {
    expectedSpend = conditionalExpectedSpend(gammaGamma, { x: history.x, meanSpend })
    clv = expectedSpend * f.discountedPurchases
  }
  const band = churnBand(pAlive, settings)
  return {
    subjectId: s.subjectId,
    kind: 'clv',
    value: clv === null ? null : round(clv, 2),
    band,
    outputs: {
      pAlive: round(pAlive, 4),
      expectedPurchases30d: round(f.expected30, 4),
      expectedPurchases90d: round(f.expected90, 4),
      purchaseProbability30d: round(f.probability30, 4),
      purchaseProbability90d: round(f.probability90, 4),
      expectedSpend: expectedSpend === null ? null : round(expectedSpend, 2),
      clv: clv === null ? null : round(clv, 2),
      churnRisk: band,
    },
    inputs: {
      repeatPurchases: s.repeatPurchases,
      recencyWeeks: round(history.tx, 2),
      ageWeeks: round(history.T, 2),
      meanRepeatSpend: round(meanSpend, 2),
    },
    model: CLV_MODEL,
  }
}

/** The `rfm` score of one customer: R, F and M quintiles against everyone's, and the ABC class. */
export function rfmScore(model: ScoringModel, s: CustomerStatistics): NewScore {
  const { quintiles } = model
  // Fewer days since the last purchase is better: the most recent fifth gets 5.
  const r = 6 - quintile(s.daysSinceLastPurchase, quintiles.daysSinceLastPurchase)
  const f = quintile(s.orders, quintiles.orders)
  const m = quintile(s.revenueCents, quintiles.revenueCents)
  const abc = abcClass(s.revenueCents, model.abc)
  return {
    subjectId: s.subjectId,
    kind: 'rfm',
    value: r * 100 + f * 10 + m,
    band: abc,
    outputs: { recency: r, frequency: f, monetary: m, abc },
    inputs: {
      daysSinceLastPurchase: s.daysSinceLastPurchase,
      orders: s.orders,
      revenue: round(s.revenueCents / 100, 2),
    },
    model: RFM_MODEL,
  }
}

/** Every score of every customer given: `clv` where the BG/NBD is fitted, `rfm` where cut points exist. */
export function computeScores(model: ScoringModel, statistics: readonly CustomerStatistics[]): NewScore[] {
  const scores: NewScore[] = []
  const clv = model.bgNbd ? { ...model, bgNbd: model.bgNbd } : null
  const rfm = model.quintiles.orders.length > 0
  for (const s of statistics) {
    if (clv) scores.push(clvScore(clv, s))
    if (rfm) scores.push(rfmScore(model, s))
  }
  return scores
}
