/**
 * Synthetic customer bases drawn from the models themselves: the ground truth a fit must recover,
 * and a million customers for the bench without a million real ones. Deterministic per seed.
 */
import type { BgNbdParams, GroupedHistory } from './bg-nbd.model.ts'
import type { GammaGammaParams, GroupedSpend } from './gamma-gamma.model.ts'
import { type Random, randomBeta, randomExponential, randomGamma, seededRandom } from './seeded-random.ts'

/** One simulated customer's latent traits: purchase rate λ and dropout probability p. */
export interface Traits {
  lambda: number
  p: number
}

/** λ ~ Gamma(r, α), p ~ Beta(a, b): one customer drawn from the BG/NBD population. */
export function drawTraits(params: BgNbdParams, random: Random): Traits {
  return { lambda: randomGamma(params.r, params.alpha, random), p: randomBeta(params.a, params.b, random) }
}

/** A simulated purchase history: repeat purchase times, and when the customer dropped out. */
export interface SimulatedHistory {
  /** Times of the repeat purchases in (0, until], first purchase at 0. */
  purchases: number[]
  /** The time of the purchase after which the customer dropped out; Infinity if alive at `until`. */
  droppedOutAt: number
}

/**
 * A customer's repeat purchases in (0, until], first purchase at 0, as the BG/NBD assumes them:
 * exponential gaps at rate λ while alive, and after each repeat purchase a coin with probability p
 * ends the customer's life. Dropping out is only possible right after a repeat purchase (which is
 * why P(alive | x = 0) = 1).
 */
export function simulateRepeatPurchases(traits: Traits, until: number, random: Random): SimulatedHistory {
  const purchases: number[] = []
  let t = 0
  for (;;) {
    t += randomExponential(traits.lambda, random)
    if (!(t <= until)) return { purchases, droppedOutAt: Number.POSITIVE_INFINITY }
    purchases.push(t)
    if (random() < traits.p) return { purchases, droppedOutAt: t }
  }
}

/** How a synthetic base is laid out in time, in days, like the CDNOW cohort. */
export interface PopulationOptions {
  bgNbd: BgNbdParams
  gammaGamma: GammaGammaParams
  customers: number
  seed: number
  /** First purchases fall uniformly on days 0 … firstPurchaseDays − 1 (CDNOW: 84, its first twelve weeks). */
  firstPurchaseDays: number
  /** The calibration period ends with this day (CDNOW: 272, 1997-09-30). */
  calibrationEndDay: number
  /** Days per model time unit: 7 for weeks. */
  daysPerUnit: number
}

/** The grouped sufficient statistics of a synthetic base, ready for `fitBgNbd` and `fitGammaGamma`. */
export interface SimulatedPopulation {
  histories: GroupedHistory[]
  spend: GroupedSpend[]
}

/**
 * Draws `customers` customers from the BG/NBD and the Gamma-Gamma models and returns their grouped
 * statistics as a real calibration period would give them: purchase times recorded as whole days
 * (so t_x and T take few distinct values and the groups stay few, as with real data), mean spend in
 * whole cents. A customer's spend is drawn as the Gamma-Gamma model says: ν ~ Gamma(q, γ), and the
 * mean of x Gamma(p, ν) values is Gamma(px, xν).
 */
export function simulatePopulation(options: PopulationOptions): SimulatedPopulation {
  const { bgNbd, gammaGamma, customers, firstPurchaseDays, calibrationEndDay, daysPerUnit } = options
  if (
    !(
      Number.isInteger(firstPurchaseDays) &&
      firstPurchaseDays >= 1 &&
      firstPurchaseDays <= calibrationEndDay + 1
    )
  ) {
    throw new RangeError('first purchases must fall on days 0 … calibrationEndDay')
  }
  const random = seededRandom(options.seed)
  const days = calibrationEndDay + 1
  const histories = new Map<number, GroupedHistory>()
  const spendByX = new Map<number, Map<number, GroupedSpend>>()
  for (let i = 0; i < customers; i++) {
    const firstDay = Math.floor(random() * firstPurchaseDays)
    const ageDays = calibrationEndDay - firstDay
    const { purchases } = simulateRepeatPurchases(drawTraits(bgNbd, random), ageDays / daysPerUnit, random)
    const x = purchases.length
    // Recorded in whole days since the first purchase; rounded, not floored, so t_x is not biased
    // towards the past (which the fit would read as earlier dropout).
    const recencyDays = x === 0 ? 0 : Math.round(purchases[x - 1]! * daysPerUnit)
    const key = (x * days + recencyDays) * days + ageDays
    const group = histories.get(key)
    if (group) group.count++
    else histories.set(key, { x, tx: recencyDays / daysPerUnit, T: ageDays / daysPerUnit, count: 1 })
    if (x === 0) continue
    const nu = randomGamma(gammaGamma.q, gammaGamma.gamma, random)
    const cents = Math.max(1, Math.round(100 * randomGamma(gammaGamma.p * x, x * nu, random)))
    let ofX = spendByX.get(x)
    if (!ofX) {
      ofX = new Map()
      spendByX.set(x, ofX)
    }
    const spend = ofX.get(cents)
    if (spend) spend.count++
    else ofX.set(cents, { x, meanSpend: cents / 100, count: 1 })
  }
  return { histories: [...histories.values()], spend: [...spendByX.values()].flatMap((m) => [...m.values()]) }
}
