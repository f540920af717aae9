import { describe, expect, it } from 'vitest'
import {
  type BgNbdParams,
  bgNbdLikelihood,
  bgNbdLogLikelihood,
  bgNbdTotalLogLikelihood,
  conditionalExpectedPurchases,
  expectedRepeatPurchases,
  fitBgNbd,
  groupHistories,
  type PurchaseHistory,
  probabilityAlive,
  probabilityOfPurchaseWithin,
  probabilityOfRepeatPurchases,
} from './bg-nbd.model.ts'
import { readCdnowSummary } from './cdnow.fixture.ts'
import { numericGradient } from './optimize.ts'
import { randomGamma, seededRandom } from './seeded-random.ts'
import { drawTraits, simulateRepeatPurchases } from './simulate-population.ts'
import { hyp2f1 } from './special-functions.ts'

const CDNOW = readCdnowSummary()
const GROUPED = groupHistories(CDNOW)
const FIT = fitBgNbd(GROUPED)
/** The paper's estimates on the CDNOW sample (Fader, Hardie & Lee 2005, section 4). */
const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }

/** eq. (9) as printed, through ₂F₁: an independent route to E[X(t)] for a ≠ 1. */
const paperExpectation = ({ r, alpha, a, b }: BgNbdParams, t: number) =>
  ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

/** Σ n · P(X(t) = n) over eq. (8): a route to E[X(t)] without any hypergeometric function. */
function expectationFromPmf(params: BgNbdParams, t: number): { mean: number; total: number } {
  let mean = 0
  let total = 0
  for (let n = 0; n < 20_000; n++) {
    const p = probabilityOfRepeatPurchases(params, t, n)
    mean += n * p
    total += p
    if (n > 10 && n * p < 1e-16) break
  }
  return { mean, total }
}

describe('BG/NBD on CDNOW', () => {
  it('reproduces the published estimates and log-likelihood', () => {
    expect(FIT.converged).toBe(true)
    expect(FIT.customers).toBe(2357)
    expect(Math.abs(FIT.params.r - PUBLISHED.r)).toBeLessThan(0.01)
    expect(Math.abs(FIT.params.alpha - PUBLISHED.alpha)).toBeLessThan(0.01)
    expect(Math.abs(FIT.params.a - PUBLISHED.a)).toBeLessThan(0.01)
    expect(Math.abs(FIT.params.b - PUBLISHED.b)).toBeLessThan(0.01)
    expect(Math.abs(FIT.logLikelihood - -9582.4)).toBeLessThan(0.1)
    // The rounded published values are no better than the fit: it is the maximum.
    expect(bgNbdTotalLogLikelihood(PUBLISHED, GROUPED)).toBeLessThan(FIT.logLikelihood)
  })

  it('fits the grouped statistics exactly as the customers one by one', () => {
    expect(GROUPED.length).toBeLessThan(CDNOW.length / 2)
    expect(GROUPED.reduce((sum, g) => sum + g.count, 0)).toBe(CDNOW.length)
    const oneByOne = fitBgNbd(CDNOW.map((c) => ({ x: c.x, tx: c.tx, T: c.T, count: 1 })))
    expect(oneByOne.converged).toBe(true)
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      // Two runs of the optimiser over the same likelihood agree to its stopping precision.
      expect(oneByOne.params[key] / FIT.params[key]).toBeCloseTo(1, 5)
    }
    expect(oneByOne.logLikelihood).toBeCloseTo(FIT.logLikelihood, 6)
  })

  it('reproduces the conditional expectations of the lifetimes documentation (t = 1 week)', () => {
    // lifetimes' Quickstart ranks the CDNOW customers by E[Y(1) | x, t_x, T] under its own fit,
    // which equals this one to six digits.
    expect(conditionalExpectedPurchases(FIT.params, 1, { x: 26, tx: 30.86, T: 31 })).toBeCloseTo(0.710623, 5)
    expect(conditionalExpectedPurchases(FIT.params, 1, { x: 29, tx: 37.71, T: 38 })).toBeCloseTo(0.662396, 5)
    expect(conditionalExpectedPurchases(FIT.params, 1, { x: 18, tx: 35.14, T: 35.86 })).toBeCloseTo(
      0.424877,
      5,
    )
  })
})

describe('BG/NBD fit when every customer has the same dropout probability', () => {
  it('converges at the bound of a and b, where Beta(a, b) is a point mass at the true p', () => {
    // The likelihood keeps rising as a, b → ∞ with a/(a+b) fixed: without the bound the search
    // stalls somewhere past 1e5 without converging (what the demo data did on some dates).
    const random = seededRandom(1)
    const histories: PurchaseHistory[] = []
    for (let i = 0; i < 3000; i++) {
      const T = 20 + 30 * random()
      const { purchases } = simulateRepeatPurchases({ lambda: randomGamma(2, 8, random), p: 0.3 }, T, random)
      histories.push({ x: purchases.length, tx: purchases.at(-1) ?? 0, T })
    }
    const fit = fitBgNbd(groupHistories(histories))
    expect(fit.converged).toBe(true)
    expect(fit.atBound).toEqual(['a', 'b'])
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeCloseTo(0.3, 1)
    expect(fit.params.r / fit.params.alpha).toBeCloseTo(2 / 8, 1)
    expect(FIT.atBound).toEqual([])
  })
})

describe('BG/NBD log-likelihood', () => {
  const atPoints: BgNbdParams[] = [
    PUBLISHED,
    { r: 1.3, alpha: 0.7, a: 2.5, b: 0.4 },
    { r: 0.05, alpha: 40, a: 1, b: 9 },
  ]

  it('compiled for fitting, equals the sum of the individual likelihoods (eq. 6, 7)', () => {
    for (const params of atPoints) {
      expect(bgNbdLikelihood(GROUPED)(params)).toBeCloseTo(bgNbdTotalLogLikelihood(params, GROUPED), 7)
    }
  })

  it('has the analytic gradient its finite differences give', () => {
    const likelihood = bgNbdLikelihood(GROUPED)
    for (const params of atPoints) {
      const gradient = [0, 0, 0, 0]
      likelihood(params, gradient)
      const numeric = numericGradient(
        ([r, alpha, a, b]) => likelihood({ r: r!, alpha: alpha!, a: a!, b: b! }),
        [params.r, params.alpha, params.a, params.b],
        1e-7,
      )
      gradient.forEach((g, i) => {
        expect(Math.abs(g - numeric[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(g)))
      })
    }
  })

  it('splits into "alive at T" and "dropped out at t_x" as the model says', () => {
    // x = 0: Γ(r)α^r / (Γ(r)(α+T)^r) = (α/(α+T))^r, as P(no purchase in T | λ) averaged over λ.
    const { r, alpha } = PUBLISHED
    expect(bgNbdLogLikelihood(PUBLISHED, { x: 0, tx: 0, T: 20 })).toBeCloseTo(
      r * Math.log(alpha / (alpha + 20)),
      12,
    )
  })

  it('refuses impossible histories', () => {
    const fail = (h: PurchaseHistory & { count: number }) => () => bgNbdLikelihood([h])
    expect(fail({ x: 1.5, tx: 1, T: 2, count: 1 })).toThrow(RangeError)
    expect(fail({ x: 1, tx: 3, T: 2, count: 1 })).toThrow(RangeError)
    expect(fail({ x: 0, tx: 1, T: 2, count: 1 })).toThrow(RangeError)
    expect(fail({ x: 1, tx: 1, T: 2, count: 0 })).toThrow(RangeError)
    expect(() => fitBgNbd([{ x: 0, tx: 0, T: 5, count: 10 }])).toThrow(/at least one repeat purchase/)
  })
})

describe('E[X(t)] and P(X(t) = n)', () => {
  const points: BgNbdParams[] = [
    FIT.params,
    { r: 1.3, alpha: 0.7, a: 2.5, b: 0.4 },
    { r: 0.5, alpha: 3, a: 1.7, b: 6 },
  ]

  it('is 0 at t = 0 and grows like r t / α at first (no one has dropped out yet)', () => {
    expect(expectedRepeatPurchases(FIT.params, 0)).toBe(0)
    const t = 1e-6
    expect(expectedRepeatPurchases(FIT.params, t) / ((FIT.params.r * t) / FIT.params.alpha)).toBeCloseTo(1, 5)
  })

  it('equals eq. (9) through ₂F₁ and the mean of eq. (8)', () => {
    for (const params of points) {
      for (const t of [0.5, 13, 39, 78, 520]) {
        const expected = expectedRepeatPurchases(params, t)
        expect(expected / paperExpectation(params, t)).toBeCloseTo(1, 9)
        if (t <= 78) {
          const { mean, total } = expectationFromPmf(params, t)
          expect(total).toBeCloseTo(1, 10)
          expect(expected / mean).toBeCloseTo(1, 9)
        }
      }
    }
  })

  it('is continuous through a = 1, where eq. (9) as printed is 0/0', () => {
    const at = (a: number) => expectedRepeatPurchases({ ...FIT.params, a }, 39)
    const exact = at(1)
    expect(Number.isFinite(exact)).toBe(true)
    expect(at(1 + 1e-9)).toBeCloseTo(exact, 8)
    expect(at(1 - 1e-9)).toBeCloseTo(exact, 8)
    expect(expectationFromPmf({ ...FIT.params, a: 1 }, 39).mean).toBeCloseTo(exact, 9)
  })

  it('stays finite when a fit sends a and b to infinity together: Beta(a, b) becomes a point mass', () => {
    // (1 − (1 + p t/α)^{−r}) / p with p = a/(a + b): the model with a fixed dropout probability.
    const limit = ({ r, alpha, a, b }: BgNbdParams, t: number) => {
      const p = a / (a + b)
      return -Math.expm1(-r * Math.log1p((p * t) / alpha)) / p
    }
    const near = { r: 0.65, alpha: 3.96, a: 200, b: 200 }
    for (const t of [4, 13, 52]) expect(expectedRepeatPurchases(near, t) / limit(near, t)).toBeCloseTo(1, 2)
    // A degenerate fit of real data (a ≈ 1.9e7, b ≈ 2e7): the series alone would overflow to NaN.
    const degenerate = { r: 0.655, alpha: 3.965, a: 19_365_155.9, b: 20_081_351 }
    for (const t of [4, 13, 52, 520]) {
      expect(expectedRepeatPurchases(degenerate, t)).toBeCloseTo(limit(degenerate, t), 6)
      const y = conditionalExpectedPurchases(degenerate, t, { x: 2, tx: 10, T: 30 })
      expect(Number.isFinite(y) && y > 0).toBe(true)
    }
  })

  it('gives the CDNOW customers about the repeat purchases they made in the calibration period', () => {
    // Σ E[X(T_i)] over the sample: 2,494.0 expected against 2,457 made.
    const expected = CDNOW.reduce((sum, c) => sum + expectedRepeatPurchases(FIT.params, c.T), 0)
    const actual = CDNOW.reduce((sum, c) => sum + c.x, 0)
    expect(actual).toBe(2457)
    expect(Math.abs(expected - actual) / actual).toBeLessThan(0.02)
  })
})

describe('P(alive), E[Y(t) | history] and P(purchase within t)', () => {
  const params = FIT.params

  it('P(alive) is 1 without repeat purchases, whatever the age', () => {
    for (const T of [0, 1, 38.86, 500]) expect(probabilityAlive(params, { x: 0, tx: 0, T })).toBe(1)
  })

  it('P(alive) is the posterior weight of the "alive" half of the likelihood', () => {
    const h = { x: 2, tx: 30.43, T: 38.86 }
    const { r, alpha, a, b } = params
    const alive = (alpha + h.T) ** -(r + h.x)
    const dropped = (a / (b + h.x - 1)) * (alpha + h.tx) ** -(r + h.x)
    expect(probabilityAlive(params, h)).toBeCloseTo(alive / (alive + dropped), 14)
  })

  it('P(alive) falls the longer a customer has not bought, and is highest right after a purchase', () => {
    const at = (T: number) => probabilityAlive(params, { x: 3, tx: 10, T })
    expect(at(10)).toBeGreaterThan(at(20))
    expect(at(20)).toBeGreaterThan(at(38))
    expect(probabilityAlive(params, { x: 3, tx: 38, T: 38 })).toBeGreaterThan(at(38))
  })

  it('E[Y(t)] of a customer just acquired is E[X(t)]', () => {
    for (const t of [1, 39, 78]) {
      expect(conditionalExpectedPurchases(params, t, { x: 0, tx: 0, T: 0 })).toBeCloseTo(
        expectedRepeatPurchases(params, t),
        12,
      )
    }
  })

  it('P(purchase within t) is 1 − P(X(t) = 0) for a customer just acquired, and E[Y(t)] for small t', () => {
    for (const t of [1, 39]) {
      expect(probabilityOfPurchaseWithin(params, t, { x: 0, tx: 0, T: 0 })).toBeCloseTo(
        1 - probabilityOfRepeatPurchases(params, t, 0),
        14,
      )
    }
    const h = { x: 4, tx: 30, T: 38 }
    const t = 1e-5
    expect(
      probabilityOfPurchaseWithin(params, t, h) / conditionalExpectedPurchases(params, t, h),
    ).toBeCloseTo(1, 4)
    expect(probabilityOfPurchaseWithin(params, 1e6, h)).toBeCloseTo(probabilityAlive(params, h), 6)
  })

  it('agree on average with customers simulated from the model (law of total probability)', () => {
    // For any quantity Q of the future, the mean over customers of E[Q | their history] is E[Q]:
    // simulate customers, compute the model's conditional predictions from what a calibration
    // period would show, and compare with what the simulated customers then did.
    const random = seededRandom(20_050_101)
    const horizon = 39
    let n = 0
    let predicted = { alive: 0, buys: 0, purchases: 0 }
    let actual = { alive: 0, buys: 0, purchases: 0 }
    const frequent = { n: 0, predictedAlive: 0, alive: 0 }
    for (let i = 0; i < 40_000; i++) {
      const T = 1 + 38 * random()
      const { purchases, droppedOutAt } = simulateRepeatPurchases(
        drawTraits(params, random),
        T + horizon,
        random,
      )
      const calibration = purchases.filter((p) => p <= T)
      const h = { x: calibration.length, tx: calibration.at(-1) ?? 0, T }
      const later = purchases.length - calibration.length
      const alive = droppedOutAt > T
      n++
      predicted = {
        alive: predicted.alive + probabilityAlive(params, h),
        buys: predicted.buys + probabilityOfPurchaseWithin(params, horizon, h),
        purchases: predicted.purchases + conditionalExpectedPurchases(params, horizon, h),
      }
      actual = {
        alive: actual.alive + (alive ? 1 : 0),
        buys: actual.buys + (later > 0 ? 1 : 0),
        purchases: actual.purchases + later,
      }
      if (h.x >= 3) {
        frequent.n++
        frequent.predictedAlive += probabilityAlive(params, h)
        frequent.alive += alive ? 1 : 0
      }
    }
    expect(predicted.alive / n).toBeCloseTo(actual.alive / n, 2)
    expect(predicted.buys / n).toBeCloseTo(actual.buys / n, 2)
    expect(Math.abs(predicted.purchases - actual.purchases) / actual.purchases).toBeLessThan(0.03)
    expect(frequent.n).toBeGreaterThan(1000)
    expect(Math.abs(frequent.predictedAlive - frequent.alive) / frequent.n).toBeLessThan(0.03)
  })
})
