/**
 * The special functions the customer-base models need and JavaScript lacks: log-gamma, log-beta,
 * Gauss's hypergeometric function and a stable log(e^u + e^v). Pure, double precision.
 */

// Lanczos approximation with g = 7, n = 9 (the coefficients published by Godfrey): relative
// error below 2e-15 for x ≥ 1/2, which is what the likelihoods (differences of lnΓ) need.
const LANCZOS_G = 7
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const
const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI)

/** ln Γ(x) for x > 0 (the models only take positive arguments); NaN otherwise. */
export function lnGamma(x: number): number {
  if (!(x > 0)) return Number.NaN
  // Reflection Γ(x)Γ(1−x) = π / sin(πx) keeps the series where it is accurate.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  const y = x - 1
  let sum = LANCZOS[0]
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (y + i)
  const t = y + LANCZOS_G + 0.5
  return HALF_LN_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(sum)
}

/**
 * The digamma function ψ(x) = d ln Γ(x) / dx for x > 0 (the likelihoods' gradients); NaN otherwise.
 * ψ(x) = ψ(x + 1) − 1/x lifts x to 10 or more, where the asymptotic series
 * ln x − 1/(2x) − Σ B₂ₖ/(2k x^{2k}) (Abramowitz & Stegun 6.3.18) is exact to double precision.
 */
export function digamma(x: number): number {
  if (!(x > 0)) return Number.NaN
  let shift = 0
  while (x < 10) {
    shift -= 1 / x
    x += 1
  }
  const inv2 = 1 / (x * x)
  const series =
    inv2 *
    (1 / 12 -
      inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760))))))
  return shift + Math.log(x) - 0.5 / x - series
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b)
}

/** ln(e^u + e^v) without overflow or underflow; −Infinity when both are. */
export function logAddExp(u: number, v: number): number {
  if (u === Number.NEGATIVE_INFINITY) return v
  if (v === Number.NEGATIVE_INFINITY) return u
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v))
}

/** 1 / (1 + e^−u), without overflow for large |u|. */
export function logistic(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u))
  const e = Math.exp(u)
  return e / (1 + e)
}

/** Terms a series may take before it is declared not to converge (z too close to 1). */
export const MAX_SERIES_TERMS = 1_000_000

/**
 * Sums Σ_{n≥0} term_n from term_0 and the ratio term_{n+1}/term_n, until the next term is below
 * double precision of the sum. `z` (the ratio's limit) bounds the geometric tail: a term smaller
 * than ε·|sum|·(1 − |z|) leaves a tail smaller than ε·|sum|.
 */
export function sumSeries(first: number, ratio: (n: number) => number, z: number): number {
  let term = first
  let sum = first
  const tail = 1e-17 * (1 - Math.abs(z))
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= ratio(n)
    sum += term
    if (term === 0 || Math.abs(term) <= tail * Math.abs(sum)) return sum
  }
  throw new RangeError(`series did not converge in ${MAX_SERIES_TERMS} terms (|z| = ${Math.abs(z)})`)
}

/**
 * Gauss's hypergeometric function ₂F₁(a, b; c; z) = Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ for |z| < 1 and c
 * not a non-positive integer, by its power series (all the BG/NBD needs: z = t/(α+t) ∈ [0, 1)).
 * The series needs about 40 / (1 − |z|) terms, so z very close to 1 (t ≫ α) is slow and, past
 * MAX_SERIES_TERMS, a RangeError.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1 needs |z| < 1, got ${z}`)
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 is undefined for c = ${c}`)
  if (z === 0) return 1
  return sumSeries(1, (n) => (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z, z)
}
