/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415–430, and
 * Fader & Hardie's note "The Gamma-Gamma Model of Monetary Value", 2013). A customer's transaction
 * values are Gamma(p, ν) (shape p, rate ν) around their own mean p/ν; across customers
 * ν ~ Gamma(q, γ). Spend is assumed independent of the purchase process, so it is modelled apart from
 * the BG/NBD and only customers with at least one repeat purchase carry information about it.
 */
import { minimize } from './optimize.ts'
import { digamma, lnGamma } from './special-functions.ts'

/** The three population parameters, all > 0 (q > 1 for the expected spend to exist). */
export interface GammaGammaParams {
  p: number
  q: number
  gamma: number
}

/** One customer's spend: `x` repeat transactions (≥ 1) of mean value `meanSpend` (> 0). */
export interface SpendHistory {
  x: number
  meanSpend: number
}

/** Sufficient statistics, grouped: `count` customers share the same (x, mean spend). */
export interface GroupedSpend extends SpendHistory {
  count: number
}

/** Throws a RangeError naming what is wrong with a spend history (or a group of them). */
export function checkSpend(s: SpendHistory & { count?: number }): void {
  if (!(Number.isInteger(s.x) && s.x >= 1)) throw new RangeError(`x must be a whole number ≥ 1, got ${s.x}`)
  if (!(Number.isFinite(s.meanSpend) && s.meanSpend > 0)) {
    throw new RangeError(`the mean spend must be > 0, got ${s.meanSpend}`)
  }
  if (s.count !== undefined && !(Number.isFinite(s.count) && s.count > 0)) {
    throw new RangeError(`count must be > 0, got ${s.count}`)
  }
}

/**
 * Groups spend histories by identical (x, mean spend), leaving out customers without a repeat
 * purchase (x = 0): they have no mean spend to learn from.
 */
export function groupSpend(histories: Iterable<SpendHistory>): GroupedSpend[] {
  const groups = new Map<string, GroupedSpend>()
  for (const s of histories) {
    if (s.x === 0) continue
    const key = `${s.x}|${s.meanSpend}`
    const group = groups.get(key)
    if (group) group.count++
    else groups.set(key, { x: s.x, meanSpend: s.meanSpend, count: 1 })
  }
  return [...groups.values()]
}

/**
 * ln f(z̄ | p, q, γ; x): the density of a customer's mean spend z̄ over x transactions once ν is
 * integrated out (the note's marginal distribution of z̄). The sum of x Gamma(p, ν) values is
 * Gamma(px, ν), so z̄ ~ Gamma(px, xν); mixing over ν ~ Gamma(q, γ) gives
 * Γ(px + q)/(Γ(px)Γ(q)) · γ^q x^{px} z̄^{px−1} / (γ + x z̄)^{px+q}.
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, s: SpendHistory): number {
  const { p, q, gamma } = params
  const { x, meanSpend: z } = s
  const px = p * x
  return (
    lnGamma(px + q) -
    lnGamma(px) -
    lnGamma(q) +
    q * Math.log(gamma) +
    px * Math.log(x) +
    (px - 1) * Math.log(z) -
    (px + q) * Math.log(gamma + x * z)
  )
}

/** The sample log-likelihood, Σ count · ln f over groups, straight from `gammaGammaLogLikelihood`. */
export function gammaGammaTotalLogLikelihood(
  params: GammaGammaParams,
  groups: readonly GroupedSpend[],
): number {
  let sum = 0
  for (const g of groups) sum += g.count * gammaGammaLogLikelihood(params, g)
  return sum
}

/**
 * The sample log-likelihood compiled for repeated evaluation, with its gradient ∂/∂(p, q, γ) written
 * into `gradient` when one is passed: ln z̄ and ln x are computed once, the lnΓ and ψ terms once per
 * distinct x, so a group costs one log per evaluation. Each group adds
 *   ∂p: x (ψ(px+q) − ψ(px) + ln x + ln z̄ − ln(γ + x z̄))
 *   ∂q: ψ(px+q) − ψ(q) + ln γ − ln(γ + x z̄)
 *   ∂γ: q/γ − (px+q)/(γ + x z̄).
 */
export function gammaGammaLikelihood(
  groups: readonly GroupedSpend[],
): (params: GammaGammaParams, gradient?: number[]) => number {
  for (const g of groups) checkSpend(g)
  const xs = new Map<number, number>()
  for (const g of groups) if (!xs.has(g.x)) xs.set(g.x, xs.size)
  const xValues = Float64Array.from(xs.keys())
  const lnXValues = xValues.map(Math.log)
  const xIndex = Uint32Array.from(groups, (g) => xs.get(g.x)!)
  const rowX = Float64Array.from(groups, (g) => g.x)
  const spend = Float64Array.from(groups, (g) => g.meanSpend)
  const lnSpend = spend.map(Math.log)
  const counts = Float64Array.from(groups, (g) => g.count)
  const customersPerX = new Float64Array(xValues.length)
  for (let g = 0; g < counts.length; g++) customersPerX[xIndex[g]!]! += counts[g]!
  return ({ p, q, gamma }, gradient) => {
    const lnGammaParam = Math.log(gamma)
    const psiQ = digamma(q)
    let sum = 0
    let dP = 0
    let dQ = 0
    let dGamma = 0
    for (let i = 0; i < xValues.length; i++) {
      const x = xValues[i]!
      const n = customersPerX[i]!
      const px = p * x
      sum += n * (q * lnGammaParam - lnGamma(q) + lnGamma(px + q) - lnGamma(px) + px * lnXValues[i]!)
      const psiPxQ = digamma(px + q)
      dP += n * x * (psiPxQ - digamma(px) + lnXValues[i]!)
      dQ += n * (psiPxQ - psiQ + lnGammaParam)
      dGamma += (n * q) / gamma
    }
    for (let g = 0; g < counts.length; g++) {
      const n = counts[g]!
      const x = rowX[g]!
      const px = p * x
      const total = gamma + x * spend[g]!
      const lnTotal = Math.log(total)
      sum += n * ((px - 1) * lnSpend[g]! - (px + q) * lnTotal)
      dP += n * x * (lnSpend[g]! - lnTotal)
      dQ -= n * lnTotal
      dGamma -= (n * (px + q)) / total
    }
    if (gradient) {
      gradient[0] = dP
      gradient[1] = dQ
      gradient[2] = dGamma
    }
    return sum
  }
}

/** A maximum-likelihood fit. */
export interface GammaGammaFit {
  params: GammaGammaParams
  logLikelihood: number
  /** Customers the fit saw (Σ count). */
  customers: number
  iterations: number
  evaluations: number
  converged: boolean
}

/** Options of `fitGammaGamma`. */
export interface GammaGammaFitOptions {
  /** Where the search starts; default p = 1, q = 2, γ = the mean of the mean spends. */
  start?: GammaGammaParams
  /** Iteration cap of the optimiser; default 1,000. */
  maxIterations?: number
}

/**
 * Maximum-likelihood estimates of (p, q, γ) from grouped spend histories (customers with x ≥ 1), by
 * BFGS with the analytic gradient over log-parameters on the mean negative log-likelihood per
 * customer, as `fitBgNbd`. The default start p = 1, q = 2, γ = mean spend puts the population mean
 * spend pγ/(q − 1) at the observed one.
 */
export function fitGammaGamma(
  groups: readonly GroupedSpend[],
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  const logLikelihood = gammaGammaLikelihood(groups)
  let customers = 0
  let spend = 0
  for (const g of groups) {
    customers += g.count
    spend += g.count * g.meanSpend
  }
  if (customers === 0)
    throw new RangeError('the Gamma-Gamma model needs customers with a repeat purchase to fit')
  const start = options.start ?? { p: 1, q: 2, gamma: spend / customers }
  const fromLog = ([p, q, gamma]: readonly number[]): GammaGammaParams => ({
    p: Math.exp(p!),
    q: Math.exp(q!),
    gamma: Math.exp(gamma!),
  })
  const gradient = [0, 0, 0]
  const result = minimize(
    (logParams, logGradient) => {
      const params = fromLog(logParams)
      const value = logLikelihood(params, gradient)
      // d/d ln θ = θ · d/dθ
      const scaled = [params.p, params.q, params.gamma]
      for (let i = 0; i < 3; i++) logGradient[i] = (-gradient[i]! * scaled[i]!) / customers
      return -value / customers
    },
    [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)],
    options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations },
  )
  const params = fromLog(result.x)
  return {
    params,
    logLikelihood: logLikelihood(params),
    customers,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
  }
}

/**
 * E[M | p, q, γ, x, z̄]: the expected spend per transaction of a customer with x repeat transactions
 * of mean z̄, the posterior mean of p/ν. It is the weighted mean
 * (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · z̄ of the population mean pγ/(q − 1) and the
 * customer's own mean: the more transactions, the more their own mean counts. With x = 0 it is the
 * population mean (z̄ is then ignored). Needs q > 1.
 */
export function conditionalExpectedSpend(params: GammaGammaParams, s: SpendHistory): number {
  const { p, q, gamma } = params
  if (!(q > 1)) throw new RangeError(`the expected spend needs q > 1, got ${q}`)
  if (!(Number.isInteger(s.x) && s.x >= 0)) throw new RangeError(`x must be a whole number ≥ 0, got ${s.x}`)
  const px = p * s.x
  const ownMean = s.x === 0 ? 0 : s.meanSpend
  return (p * (gamma + s.x * ownMean)) / (px + q - 1)
}
