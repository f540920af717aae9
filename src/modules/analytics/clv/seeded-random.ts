/**
 * A seeded pseudo-random source and the distributions the customer-base models draw from, so a
 * simulated population is the same on every machine and every run.
 */

/** Uniform numbers in [0, 1) with 53 random bits. */
export type Random = () => number

/**
 * xoshiro128** (Blackman & Vigna 2018), its state filled from the seed by splitmix32 so that nearby
 * seeds give unrelated streams. Period 2^128 − 1: far beyond the few hundred million draws of a
 * simulated million customers.
 */
export function seededRandom(seed: number): Random {
  let mix = seed >>> 0
  const splitmix32 = () => {
    mix = (mix + 0x9e3779b9) >>> 0
    let z = mix
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let s0 = splitmix32()
  let s1 = splitmix32()
  let s2 = splitmix32()
  let s3 = splitmix32()
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    return result
  }
  return () => ((next() >>> 5) * 67_108_864 + (next() >>> 6)) / 9_007_199_254_740_992
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k))

/** Exponential with the given rate (mean 1/rate); Infinity when the rate is 0. */
export function randomExponential(rate: number, random: Random): number {
  return -Math.log1p(-random()) / rate
}

/** Standard normal, by Marsaglia's polar method. */
export function randomNormal(random: Random): number {
  for (;;) {
    const u = 2 * random() - 1
    const v = 2 * random() - 1
    const s = u * u + v * v
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s)
  }
}

/**
 * Gamma with shape k and rate θ (mean k/θ), by Marsaglia & Tsang (2000, "A Simple Method for
 * Generating Gamma Variables", ACM TOMS 26(3)); a shape below 1 is drawn as Gamma(k + 1)·U^{1/k}, their
 * boost, since the method itself needs k ≥ 1.
 */
export function randomGamma(shape: number, rate: number, random: Random): number {
  if (shape < 1) return randomGamma(shape + 1, rate, random) * random() ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = randomNormal(random)
    const base = 1 + c * x
    if (base <= 0) continue
    const v = base * base * base
    const u = random()
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return (d * v) / rate
  }
}

/** Beta(a, b), as X / (X + Y) of X ~ Gamma(a) and Y ~ Gamma(b). */
export function randomBeta(a: number, b: number, random: Random): number {
  for (;;) {
    const x = randomGamma(a, 1, random)
    const y = randomGamma(b, 1, random)
    // Both can underflow to 0 for shapes far below 1; draw again rather than return NaN.
    if (x + y > 0) return x / (x + y)
  }
}
