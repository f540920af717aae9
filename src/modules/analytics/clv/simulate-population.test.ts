import { describe, expect, it } from 'vitest'
import { type BgNbdParams, fitBgNbd } from './bg-nbd.model.ts'
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma.model.ts'
import { randomBeta, randomGamma, seededRandom } from './seeded-random.ts'
import { drawTraits, simulatePopulation, simulateRepeatPurchases } from './simulate-population.ts'

const BG_NBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
const GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 }
const CDNOW_LAYOUT = { firstPurchaseDays: 84, calibrationEndDay: 272, daysPerUnit: 7 }

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0
  let squares = 0
  for (let i = 0; i < n; i++) {
    const v = draw()
    sum += v
    squares += v * v
  }
  const mean = sum / n
  return { mean, variance: squares / n - mean * mean }
}

describe('seeded random numbers', () => {
  it('repeat per seed and differ between seeds', () => {
    const a = seededRandom(7)
    const b = seededRandom(7)
    const c = seededRandom(8)
    const first = Array.from({ length: 5 }, a)
    expect(Array.from({ length: 5 }, b)).toEqual(first)
    expect(Array.from({ length: 5 }, c)).not.toEqual(first)
    for (const v of first) expect(v >= 0 && v < 1).toBe(true)
  })

  it('draw Gamma and Beta variables with the right mean and variance', () => {
    const random = seededRandom(1)
    for (const [shape, rate] of [
      [0.243, 4.414],
      [3.74, 15.44],
      [12.5, 0.5],
    ] as const) {
      const { mean, variance } = moments(() => randomGamma(shape, rate, random), 200_000)
      expect(mean / (shape / rate)).toBeCloseTo(1, 1)
      expect(variance / (shape / rate ** 2)).toBeCloseTo(1, 1)
    }
    const [a, b] = [0.793, 2.426]
    const { mean, variance } = moments(() => randomBeta(a, b, random), 200_000)
    expect(mean).toBeCloseTo(a / (a + b), 2)
    expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2)
  })
})

describe('simulateRepeatPurchases', () => {
  it('keeps a customer alive until a repeat purchase ends their life', () => {
    const random = seededRandom(3)
    const immortal = simulateRepeatPurchases({ lambda: 2, p: 0 }, 10, random)
    expect(immortal.droppedOutAt).toBe(Number.POSITIVE_INFINITY)
    expect(immortal.purchases.every((t, i, all) => t > 0 && t <= 10 && (i === 0 || t > all[i - 1]!))).toBe(
      true,
    )
    const once = simulateRepeatPurchases({ lambda: 2, p: 1 }, 1000, random)
    expect(once.purchases).toHaveLength(1)
    expect(once.droppedOutAt).toBe(once.purchases[0])
  })
})

describe('simulatePopulation', () => {
  const population = (customers: number, seed: number) =>
    simulatePopulation({ bgNbd: BG_NBD, gammaGamma: GAMMA_GAMMA, customers, seed, ...CDNOW_LAYOUT })

  it('is deterministic per seed and groups every customer', () => {
    const once = population(5_000, 11)
    expect(population(5_000, 11)).toEqual(once)
    expect(once.histories.reduce((sum, g) => sum + g.count, 0)).toBe(5_000)
    const repeaters = once.histories.filter((g) => g.x > 0).reduce((sum, g) => sum + g.count, 0)
    expect(once.spend.reduce((sum, g) => sum + g.count, 0)).toBe(repeaters)
    for (const g of once.histories) expect(g.T).toBeLessThanOrEqual(272 / 7)
  })

  it('gives back the parameters it was drawn from, within sampling error', () => {
    // 200,000 customers: standard errors about a ninth of CDNOW's (lifetimes reports 0.013, 0.38,
    // 0.19 and 0.71 for r, α, a, b on its 2,357), so these bounds are three to four of them.
    const { histories, spend } = population(200_000, 2005)
    const bgNbd = fitBgNbd(histories)
    expect(bgNbd.converged).toBe(true)
    expect(bgNbd.params.r).toBeCloseTo(BG_NBD.r, 2)
    expect(Math.abs(bgNbd.params.alpha - BG_NBD.alpha)).toBeLessThan(0.2)
    expect(Math.abs(bgNbd.params.a - BG_NBD.a)).toBeLessThan(0.08)
    expect(Math.abs(bgNbd.params.b - BG_NBD.b)).toBeLessThan(0.3)
    const gammaGamma = fitGammaGamma(spend)
    expect(gammaGamma.converged).toBe(true)
    expect(gammaGamma.params.p / GAMMA_GAMMA.p).toBeCloseTo(1, 1)
    expect(gammaGamma.params.q / GAMMA_GAMMA.q).toBeCloseTo(1, 1)
    expect(gammaGamma.params.gamma / GAMMA_GAMMA.gamma).toBeCloseTo(1, 1)
  })

  it('draws traits from the population', () => {
    const random = seededRandom(5)
    const { mean } = moments(() => drawTraits(BG_NBD, random).p, 100_000)
    expect(mean).toBeCloseTo(BG_NBD.a / (BG_NBD.a + BG_NBD.b), 2)
  })
})
