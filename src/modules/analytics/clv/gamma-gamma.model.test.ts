import { describe, expect, it } from 'vitest'
import { readCdnowSummary } from './cdnow.fixture.ts'
import {
  conditionalExpectedSpend,
  fitGammaGamma,
  type GammaGammaParams,
  gammaGammaLikelihood,
  gammaGammaLogLikelihood,
  gammaGammaTotalLogLikelihood,
  groupSpend,
} from './gamma-gamma.model.ts'
import { numericGradient } from './optimize.ts'
import { randomGamma, seededRandom } from './seeded-random.ts'

const CDNOW = readCdnowSummary()
const GROUPED = groupSpend(CDNOW)
const FIT = fitGammaGamma(GROUPED)
/** The JMR paper's estimates on the CDNOW sample's 946 repeat customers and their mean spend. */
const PUBLISHED: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 }

describe('Gamma-Gamma on CDNOW', () => {
  it('reproduces the published estimates from the mean spend of the repeat purchases', () => {
    // The summary's zbar is the mean dollar value of the repeat occasions (datasets/cdnow/README.md),
    // the monetary value the paper and lifetimes fit on; customers with x = 0 are left out.
    expect(FIT.converged).toBe(true)
    expect(FIT.customers).toBe(946)
    expect(Math.abs(FIT.params.p - PUBLISHED.p)).toBeLessThan(0.01)
    expect(Math.abs(FIT.params.q - PUBLISHED.q)).toBeLessThan(0.01)
    expect(Math.abs(FIT.params.gamma - PUBLISHED.gamma)).toBeLessThan(0.01)
  })

  it('fits the grouped statistics exactly as the customers one by one', () => {
    const oneByOne = fitGammaGamma(
      CDNOW.filter((c) => c.x > 0).map((c) => ({ x: c.x, meanSpend: c.meanSpend, count: 1 })),
    )
    expect(GROUPED.length).toBeLessThan(946)
    for (const key of ['p', 'q', 'gamma'] as const)
      expect(oneByOne.params[key] / FIT.params[key]).toBeCloseTo(1, 6)
    expect(oneByOne.logLikelihood).toBeCloseTo(FIT.logLikelihood, 6)
  })

  it('reproduces the expected spend of the lifetimes documentation', () => {
    // lifetimes' Quickstart lists E[M | x, z̄] for the first CDNOW customers under its own fit.
    const spend = (x: number, meanSpend: number) => conditionalExpectedSpend(FIT.params, { x, meanSpend })
    expect(spend(2, 22.35)).toBeCloseTo(24.658619, 4)
    expect(spend(1, 11.77)).toBeCloseTo(18.911489, 4)
    expect(spend(0, 0)).toBeCloseTo(35.170981, 4)
    expect(spend(7, 73.74)).toBeCloseTo(71.462843, 4)
    expect(spend(2, 25.55)).toBeCloseTo(27.282408, 4)
  })
})

describe('Gamma-Gamma likelihood', () => {
  const points: GammaGammaParams[] = [PUBLISHED, { p: 1.2, q: 1.5, gamma: 3 }, { p: 20, q: 8, gamma: 100 }]

  it('compiled for fitting, equals the sum of the individual likelihoods', () => {
    for (const params of points) {
      expect(gammaGammaLikelihood(GROUPED)(params)).toBeCloseTo(
        gammaGammaTotalLogLikelihood(params, GROUPED),
        7,
      )
    }
  })

  it('has the analytic gradient its finite differences give', () => {
    const likelihood = gammaGammaLikelihood(GROUPED)
    for (const params of points) {
      const gradient = [0, 0, 0]
      likelihood(params, gradient)
      const numeric = numericGradient(
        ([p, q, gamma]) => likelihood({ p: p!, q: q!, gamma: gamma! }),
        [params.p, params.q, params.gamma],
        1e-7,
      )
      gradient.forEach((g, i) => {
        expect(Math.abs(g - numeric[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(g)))
      })
    }
  })

  it('is a density of the mean spend: it integrates to 1 for every x', () => {
    for (const x of [1, 3, 12]) {
      // Trapezoid rule on a log grid: ∫ f(z) dz = ∫ f(e^u) e^u du.
      let integral = 0
      const step = 0.001
      for (let u = Math.log(1e-4); u < Math.log(1e5); u += step) {
        integral += Math.exp(gammaGammaLogLikelihood(PUBLISHED, { x, meanSpend: Math.exp(u) }) + u) * step
      }
      expect(integral).toBeCloseTo(1, 5)
    }
  })

  it('refuses spend histories without a repeat purchase or with no spend', () => {
    expect(() => gammaGammaLikelihood([{ x: 0, meanSpend: 10, count: 1 }])).toThrow(RangeError)
    expect(() => gammaGammaLikelihood([{ x: 2, meanSpend: 0, count: 1 }])).toThrow(RangeError)
    expect(groupSpend([{ x: 0, meanSpend: 0 }])).toEqual([])
    expect(() => fitGammaGamma([])).toThrow(RangeError)
  })
})

describe('conditional expected spend', () => {
  const params = FIT.params
  const populationMean = (params.p * params.gamma) / (params.q - 1)

  it('weighs the population mean against the customer’s own, more so the more they bought', () => {
    expect(conditionalExpectedSpend(params, { x: 0, meanSpend: 999 })).toBeCloseTo(populationMean, 12)
    const own = 80
    const weights = [1, 5, 50, 5000].map((x) => {
      const e = conditionalExpectedSpend(params, { x, meanSpend: own })
      return (e - populationMean) / (own - populationMean)
    })
    for (let i = 1; i < weights.length; i++) expect(weights[i]!).toBeGreaterThan(weights[i - 1]!)
    weights.forEach((w, i) => {
      const x = [1, 5, 50, 5000][i]!
      expect(w).toBeCloseTo((params.p * x) / (params.p * x + params.q - 1), 12)
    })
  })

  it('is on average the truth for customers simulated from the model, closer than their own mean', () => {
    // E[M | x, z̄] is the posterior mean of a customer's true mean spend p/ν, so it averages to the
    // truth and has a smaller squared error than z̄ itself (the Bayes estimator under squared loss).
    const random = seededRandom(42)
    let bias = 0
    let posteriorError = 0
    let rawError = 0
    const n = 20_000
    const x = 2
    for (let i = 0; i < n; i++) {
      const nu = randomGamma(params.q, params.gamma, random)
      const truth = params.p / nu
      const meanSpend = randomGamma(params.p * x, x * nu, random)
      const estimate = conditionalExpectedSpend(params, { x, meanSpend })
      bias += estimate - truth
      posteriorError += (estimate - truth) ** 2
      rawError += (meanSpend - truth) ** 2
    }
    expect(Math.abs(bias / n)).toBeLessThan(0.5)
    expect(posteriorError).toBeLessThan(rawError)
  })

  it('needs q > 1', () => {
    expect(() => conditionalExpectedSpend({ p: 1, q: 0.9, gamma: 1 }, { x: 1, meanSpend: 5 })).toThrow(
      RangeError,
    )
  })
})
