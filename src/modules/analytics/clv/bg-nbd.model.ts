/**
 * The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "'Counting Your Customers' the Easy
 * Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275–284; equation numbers
 * below are the paper's). While alive, a customer buys as a Poisson process with rate λ; after each
 * purchase they drop out for good with probability p. Across customers λ ~ Gamma(r, α) (shape r,
 * rate α) and p ~ Beta(a, b), independently. Time is in whatever unit the histories use (weeks for
 * CDNOW); α carries that unit, the other three parameters are unitless.
 */
import { minimize } from './optimize.ts'
import { digamma, lnBeta, lnGamma, logAddExp, logistic, sumSeries } from './special-functions.ts'

/** The four population parameters, all > 0. */
export interface BgNbdParams {
  r: number
  alpha: number
  a: number
  b: number
}

/**
 * One customer's calibration-period history: `x` repeat purchases (after the first), the last of
 * them at `tx` (recency, 0 when x = 0), observed for `T` since the first purchase (age).
 */
export interface PurchaseHistory {
  x: number
  tx: number
  T: number
}

/** Sufficient statistics, grouped: `count` customers share the same (x, t_x, T). */
export interface GroupedHistory extends PurchaseHistory {
  count: number
}

/** Throws a RangeError naming what is wrong with a history (or a group of them). */
export function checkHistory(h: PurchaseHistory & { count?: number }): void {
  if (!(Number.isInteger(h.x) && h.x >= 0)) throw new RangeError(`x must be a whole number ≥ 0, got ${h.x}`)
  if (!(Number.isFinite(h.T) && h.T >= 0)) throw new RangeError(`T must be ≥ 0, got ${h.T}`)
  if (!(h.tx >= 0 && h.tx <= h.T)) throw new RangeError(`t_x must lie in [0, T], got ${h.tx} (T = ${h.T})`)
  if (h.x === 0 && h.tx !== 0) throw new RangeError(`t_x must be 0 when x = 0, got ${h.tx}`)
  if (h.count !== undefined && !(Number.isFinite(h.count) && h.count > 0)) {
    throw new RangeError(`count must be > 0, got ${h.count}`)
  }
}

/** Groups histories by identical (x, t_x, T): the likelihood sees only these, so a fit costs per group. */
export function groupHistories(histories: Iterable<PurchaseHistory>): GroupedHistory[] {
  const groups = new Map<string, GroupedHistory>()
  for (const h of histories) {
    const key = `${h.x}|${h.tx}|${h.T}`
    const group = groups.get(key)
    if (group) group.count++
    else groups.set(key, { x: h.x, tx: h.tx, T: h.T, count: 1 })
  }
  return [...groups.values()]
}

/**
 * ln L(r, α, a, b | x, t_x, T) of one customer, eq. (6), as the sum A₁ + A₂ + ln(e^{A₃} + δ_{x>0} e^{A₄})
 * of Fader, Hardie & Lee's note "Implementing the BG/NBD Model for Customer Base Analysis in Excel"
 * (2005): A₃ is "still alive at T", A₄ "dropped out right after the purchase at t_x". The sum is
 * formed in logs because e^{A₃} underflows for large x.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, h: PurchaseHistory): number {
  const { r, alpha, a, b } = params
  const { x, tx, T } = h
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha)
  const a2 = lnBeta(a, b + x) - lnBeta(a, b)
  const a3 = -(r + x) * Math.log(alpha + T)
  if (x === 0) return a1 + a2 + a3
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx)
  return a1 + a2 + logAddExp(a3, a4)
}

/** The sample log-likelihood, eq. (7): Σ count · ln L over groups, straight from `bgNbdLogLikelihood`. */
export function bgNbdTotalLogLikelihood(params: BgNbdParams, groups: readonly GroupedHistory[]): number {
  let sum = 0
  for (const g of groups) sum += g.count * bgNbdLogLikelihood(params, g)
  return sum
}

/**
 * The sample log-likelihood compiled for repeated evaluation, with its gradient ∂/∂(r, α, a, b)
 * written into `gradient` when one is passed. The terms that depend only on x, only on T or only on
 * t_x are computed once per distinct value and parameter set, so a group costs one exp and one log
 * (a fit over a million customers is a fit over their distinct histories). With w the posterior
 * probability of "dropped out at t_x" (the share of A₄ in e^{A₃} + e^{A₄}), each group adds
 *   ∂r: ψ(r+x) − ψ(r) + ln α − (1−w) ln(α+T) − w ln(α+t_x)
 *   ∂α: r/α − (r+x) ((1−w)/(α+T) + w/(α+t_x))
 *   ∂a: ψ(a+b) − ψ(a+b+x) + w/a
 *   ∂b: ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − w/(b+x−1).
 */
export function bgNbdLikelihood(
  groups: readonly GroupedHistory[],
): (params: BgNbdParams, gradient?: number[]) => number {
  for (const g of groups) checkHistory(g)
  const xs = distinct(groups.map((g) => g.x))
  const ts = distinct(groups.map((g) => g.T))
  const txs = distinct(groups.map((g) => g.tx))
  const xIndex = Uint32Array.from(groups, (g) => xs.index.get(g.x)!)
  const tIndex = Uint32Array.from(groups, (g) => ts.index.get(g.T)!)
  const txIndex = Uint32Array.from(groups, (g) => txs.index.get(g.tx)!)
  const counts = Float64Array.from(groups, (g) => g.count)
  // Customers per distinct x: the x-only terms of the value and gradient are weighted by it.
  const customersPerX = new Float64Array(xs.values.length)
  for (let g = 0; g < counts.length; g++) customersPerX[xIndex[g]!]! += counts[g]!
  const lnDropoutPerX = new Float64Array(xs.values.length)
  const inverseBPerX = new Float64Array(xs.values.length)
  const lnAlphaT = new Float64Array(ts.values.length)
  const inverseAlphaT = new Float64Array(ts.values.length)
  const lnAlphaTx = new Float64Array(txs.values.length)
  const inverseAlphaTx = new Float64Array(txs.values.length)
  return ({ r, alpha, a, b }, gradient) => {
    const lnAlpha = Math.log(alpha)
    const lnA = Math.log(a)
    const psiR = digamma(r)
    const psiB = digamma(b)
    const psiAB = digamma(a + b)
    const shared = r * lnAlpha - lnGamma(r) - lnBeta(a, b)
    let sum = 0
    let dR = 0
    let dAlpha = 0
    let dA = 0
    let dB = 0
    for (let i = 0; i < xs.values.length; i++) {
      const x = xs.values[i]!
      const n = customersPerX[i]!
      sum += n * (shared + lnGamma(r + x) + lnBeta(a, b + x))
      dR += n * (digamma(r + x) - psiR + lnAlpha)
      dAlpha += (n * r) / alpha
      const psiABX = digamma(a + b + x)
      dA += n * (psiAB - psiABX)
      dB += n * (psiAB + digamma(b + x) - psiB - psiABX)
      lnDropoutPerX[i] = x > 0 ? lnA - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY
      inverseBPerX[i] = x > 0 ? 1 / (b + x - 1) : 0
    }
    for (let i = 0; i < ts.values.length; i++) {
      lnAlphaT[i] = Math.log(alpha + ts.values[i]!)
      inverseAlphaT[i] = 1 / (alpha + ts.values[i]!)
    }
    for (let i = 0; i < txs.values.length; i++) {
      lnAlphaTx[i] = Math.log(alpha + txs.values[i]!)
      inverseAlphaTx[i] = 1 / (alpha + txs.values[i]!)
    }
    let dropoutShare = 0
    for (let g = 0; g < counts.length; g++) {
      const n = counts[g]!
      const xi = xIndex[g]!
      const ti = tIndex[g]!
      const txi = txIndex[g]!
      const rx = r + xs.values[xi]!
      const alive = -rx * lnAlphaT[ti]!
      const dropout = lnDropoutPerX[xi]! - rx * lnAlphaTx[txi]!
      // ln(e^alive + e^dropout) and w = e^dropout / (e^alive + e^dropout) from one exp.
      let w: number
      if (dropout > alive) {
        const e = Math.exp(alive - dropout)
        sum += n * (dropout + Math.log1p(e))
        w = 1 / (1 + e)
      } else {
        const e = Math.exp(dropout - alive)
        sum += n * (alive + Math.log1p(e))
        w = e / (1 + e)
      }
      dR -= n * ((1 - w) * lnAlphaT[ti]! + w * lnAlphaTx[txi]!)
      dAlpha -= n * rx * ((1 - w) * inverseAlphaT[ti]! + w * inverseAlphaTx[txi]!)
      dropoutShare += n * w
      dB -= n * w * inverseBPerX[xi]!
    }
    if (gradient) {
      gradient[0] = dR
      gradient[1] = dAlpha
      gradient[2] = dA + dropoutShare / a
      gradient[3] = dB
    }
    return sum
  }
}

/** A maximum-likelihood fit. */
export interface BgNbdFit {
  params: BgNbdParams
  /** The maximised sample log-likelihood, eq. (7). */
  logLikelihood: number
  /** Customers the fit saw (Σ count). */
  customers: number
  iterations: number
  evaluations: number
  converged: boolean
  /**
   * The parameters the maximum lies at the edge of the searched range for (|ln θ| near its
   * `PARAMETER_BOUNDS`), usually `a` and `b` together: the likelihood keeps rising as both grow with
   * a/(a+b) fixed, i.e. the data show no spread of the dropout probability between customers (the
   * beta distribution collapses to a point). The fit is then that limit, not a failure.
   */
  atBound: Array<keyof BgNbdParams>
}

/**
 * The search range of each parameter, as |ln θ| < bound: r and α within 1e-8 … 1e8, a and b within
 * 1e-4 … 1e4. Far outside any real fit (CDNOW's parameters lie within e^±2); it keeps a degenerate
 * maximum finite. Beyond a + b ≈ 1e4 the beta distribution is a point mass for every practical
 * purpose (standard deviation below 0.005) while the likelihood is so flat that a search only stalls.
 */
export const PARAMETER_BOUNDS: Readonly<Record<keyof BgNbdParams, number>> = {
  r: Math.log(1e8),
  alpha: Math.log(1e8),
  a: Math.log(1e4),
  b: Math.log(1e4),
}

/** Options of `fitBgNbd`. */
export interface BgNbdFitOptions {
  /** Where the search starts; default r = a = b = 1 and α = mean T / mean x. */
  start?: BgNbdParams
  /** Iteration cap of the optimiser; default 1,000. */
  maxIterations?: number
}

/**
 * Maximum-likelihood estimates of (r, α, a, b) from grouped histories, by BFGS with the analytic
 * gradient. The search runs over the logarithms of the parameters, so every step stays in the domain
 * (all > 0), squashed smoothly into ±`PARAMETER_BOUNDS` (ln θ = B·tanh(v/B), the identity near the
 * middle), so a maximum at infinity (a, b → ∞: no heterogeneity in dropout) ends at the bound with a
 * vanishing gradient instead of running away; and it minimises the mean negative log-likelihood per
 * customer, so its tolerance means the same for 2,000 customers as for a million.
 */
export function fitBgNbd(groups: readonly GroupedHistory[], options: BgNbdFitOptions = {}): BgNbdFit {
  const logLikelihood = bgNbdLikelihood(groups)
  let customers = 0
  let repeatPurchases = 0
  let age = 0
  for (const g of groups) {
    customers += g.count
    repeatPurchases += g.count * g.x
    age += g.count * g.T
  }
  // Without a single repeat purchase the likelihood keeps rising as r/α → 0: no maximum to find.
  if (repeatPurchases === 0) throw new RangeError('the BG/NBD needs at least one repeat purchase to fit')
  const start = options.start ?? { r: 1, alpha: age / repeatPurchases, a: 1, b: 1 }
  const names = ['r', 'alpha', 'a', 'b'] as const
  const bounds = names.map((name) => PARAMETER_BOUNDS[name])
  const squash = (v: number, i: number) => bounds[i]! * Math.tanh(v / bounds[i]!)
  const unsquash = (lnTheta: number, i: number) =>
    bounds[i]! * Math.atanh(Math.max(-0.999, Math.min(0.999, lnTheta / bounds[i]!)))
  const fromSearch = (v: readonly number[]): BgNbdParams => ({
    r: Math.exp(squash(v[0]!, 0)),
    alpha: Math.exp(squash(v[1]!, 1)),
    a: Math.exp(squash(v[2]!, 2)),
    b: Math.exp(squash(v[3]!, 3)),
  })
  const gradient = [0, 0, 0, 0]
  const result = minimize(
    (v, searchGradient) => {
      const params = fromSearch(v)
      const value = logLikelihood(params, gradient)
      // d/dv = θ · d/dθ · d ln θ/dv, with d ln θ/dv = 1 − tanh²(v/B)
      const scaled = [params.r, params.alpha, params.a, params.b]
      for (let i = 0; i < 4; i++) {
        const t = Math.tanh(v[i]! / bounds[i]!)
        searchGradient[i] = (-gradient[i]! * scaled[i]! * (1 - t * t)) / customers
      }
      return -value / customers
    },
    [start.r, start.alpha, start.a, start.b].map((theta, i) => unsquash(Math.log(theta), i)),
    options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations },
  )
  const params = fromSearch(result.x)
  // Within a factor e of the bound: the maximum lies beyond it.
  const atBound = names.filter((name) => Math.abs(Math.log(params[name])) > PARAMETER_BOUNDS[name] - 1)
  return {
    params,
    logLikelihood: logLikelihood(params),
    customers,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    atBound,
  }
}

/**
 * P(X(t) = n): the probability that a new customer makes exactly n repeat purchases in (0, t], eq. (8).
 * The NBD's upper tail in the second term is summed directly once the head passes one half, so the
 * result keeps its relative precision for large n instead of vanishing into 1 − (almost 1).
 */
export function probabilityOfRepeatPurchases(params: BgNbdParams, t: number, n: number): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`)
  if (!(t >= 0)) throw new RangeError(`t must be ≥ 0, got ${t}`)
  if (t === 0) return n === 0 ? 1 : 0
  const { r, alpha, a, b } = params
  const lnStay = r * -Math.log1p(t / alpha) // ln (α/(α+t))^r
  const z = t / (alpha + t)
  const lnZ = Math.log(z)
  // NBD(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j: purchases by time t of a customer who never drops out.
  const lnNbd = (j: number) => lnGamma(r + j) - lnGamma(r) - lnGamma(j + 1) + lnStay + j * lnZ
  const lnB = lnBeta(a, b)
  const exactly = Math.exp(lnBeta(a, b + n) - lnB + lnNbd(n))
  if (n === 0) return exactly
  // NBD(j + 1) = NBD(j) · (r + j)/(j + 1) · z, stepped in logs so that NBD(0) may underflow.
  let head = 0
  for (let j = 0, lnTerm = lnStay; j < n; lnTerm += Math.log((r + j) / (j + 1)) + lnZ, j++)
    head += Math.exp(lnTerm)
  const tail =
    head <= 0.5 ? 1 - head : sumSeries(Math.exp(lnNbd(n)), (k) => ((r + n + k) / (n + k + 1)) * z, z)
  return exactly + Math.exp(lnBeta(a + 1, b + n - 1) - lnB) * tail
}

/** Where `expectedGrowth` leaves the series for the point-mass limit: −(a − 1) ln(1 − z) above it. */
const POINT_MASS_EXPONENT = 600

/**
 * (c / (a − 1)) · [1 − (1 − z)^r ₂F₁(r, b; c; z)] with c = a + b − 1: the shape shared by eq. (9)
 * and the numerator of eq. (10). Euler's transformation (1 − z)^r ₂F₁(r, b; c; z) =
 * (1 − z)^{a−1} ₂F₁(c − r, a − 1; c; z) takes the factor (a − 1) into the series, so the value is
 * computed as c·(1 − (1 − z)^{a−1})/(a − 1) − (1 − z)^{a−1} Σ_{n≥1} (c−r)ₙ (a)ₙ₋₁ / ((c+1)ₙ₋₁ n!) zⁿ:
 * no 0/0 at a = 1 (where the paper's form is undefined and the fitted CDNOW a = 0.79 is not far), no
 * cancellation of two numbers near 1 for small t, and a series that converges faster than ₂F₁'s.
 * `lnOneMinusZ` is ln(1 − z), passed in because the callers know it exactly (−log1p(t/α)).
 */
function expectedGrowth(a: number, b: number, r: number, z: number, lnOneMinusZ: number): number {
  const c = a + b - 1
  const k = (a - 1) * lnOneMinusZ
  if (-k > POINT_MASS_EXPONENT) {
    // The series' terms grow like (1 − z)^{−(a−1)} before e^k takes them back: past e^600 they
    // overflow (a fit can send a and b to infinity together, e.g. on histories with hardly any spread
    // in dropout). A large a makes a + b large, so Beta(a, b) is all but a point mass at
    // p = a/(a + b), and E[X | λ, p] = (1 − e^{−λpt})/p (the paper's eq. (4)) averaged over
    // λ ~ Gamma(r, α) gives (1 − (1 + p·t/α)^{−r})/p, with t/α = z/(1 − z) = e^{−ln(1−z)} − 1.
    // At a = b = 200 it is within 0.2 % of the series.
    const p = a / (a + b)
    return -Math.expm1(-r * Math.log1p(p * Math.expm1(-lnOneMinusZ))) / p
  }
  const closedPart = a === 1 ? -lnOneMinusZ : -Math.expm1(k) / (a - 1)
  const series =
    z === 0
      ? 0
      : sumSeries((c - r) * z, (m) => (((c - r + m + 1) * (a + m)) / ((c + m + 1) * (m + 2))) * z, z)
  return c * closedPart - Math.exp(k) * series
}

/**
 * E[X(t)]: expected repeat purchases of a new customer in (0, t], eq. (9). The series takes at most
 * about 40 (α + t)/α terms (a RangeError past MAX_SERIES_TERMS): instant for any business horizon.
 */
export function expectedRepeatPurchases(params: BgNbdParams, t: number): number {
  if (!(t >= 0)) throw new RangeError(`t must be ≥ 0, got ${t}`)
  const { r, alpha, a, b } = params
  return expectedGrowth(a, b, r, t / (alpha + t), -Math.log1p(t / alpha))
}

/**
 * P(alive | x, t_x, T): the probability that the customer has not dropped out by T. The paper gives
 * no expression; Fader, Hardie & Lee's note "Computing P(alive) Using the BG/NBD Model" (2008)
 * derives it by Bayes' theorem from the two halves of eq. (6): 1 when x = 0, because in this model a
 * customer can only drop out right after a purchase, and otherwise
 * 1 / (1 + a/(b + x − 1) · ((α + T)/(α + t_x))^{r+x}).
 */
export function probabilityAlive(params: BgNbdParams, h: PurchaseHistory): number {
  checkHistory(h)
  if (h.x === 0) return 1
  const { r, alpha, a, b } = params
  const lnOdds = Math.log(a / (b + h.x - 1)) + (r + h.x) * Math.log((alpha + h.T) / (alpha + h.tx))
  return logistic(-lnOdds)
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] of a customer with this history, eq. (10).
 * Its denominator is 1 / P(alive), so it is P(alive) times the expectation for a customer known to
 * be alive at T, whose λ then follows Gamma(r + x, α + T) and p Beta(a, b + x).
 */
export function conditionalExpectedPurchases(params: BgNbdParams, t: number, h: PurchaseHistory): number {
  if (!(t >= 0)) throw new RangeError(`t must be ≥ 0, got ${t}`)
  const { r, alpha, a, b } = params
  const whileAlive = expectedGrowth(
    a,
    b + h.x,
    r + h.x,
    t / (alpha + h.T + t),
    -Math.log1p(t / (alpha + h.T)),
  )
  return probabilityAlive(params, h) * whileAlive
}

/**
 * P(Y(t) > 0 | x, t_x, T): the probability of at least one purchase in (T, T + t]. Derived from the
 * model (not in the paper): a customer who dropped out buys nothing; one alive at T drops out only
 * right after a purchase, so by memorylessness they buy within t unless their exponential waiting
 * time exceeds t, probability e^{−λt}. Given alive at T the posterior of λ is Gamma(r + x, α + T)
 * (the "alive" branch (1 − p)^x λ^x e^{−λT} of the individual-level likelihood, times the Gamma
 * prior), and E[e^{−λt}] under it is ((α + T)/(α + T + t))^{r+x}.
 * Hence P(alive | x, t_x, T) · (1 − ((α + T)/(α + T + t))^{r+x}). For x = 0, T = 0 it is 1 − P(X(t) = 0)
 * of eq. (8).
 */
export function probabilityOfPurchaseWithin(params: BgNbdParams, t: number, h: PurchaseHistory): number {
  if (!(t >= 0)) throw new RangeError(`t must be ≥ 0, got ${t}`)
  const { r, alpha } = params
  return probabilityAlive(params, h) * -Math.expm1(-(r + h.x) * Math.log1p(t / (alpha + h.T)))
}

function distinct(values: readonly number[]): { values: Float64Array; index: Map<number, number> } {
  const index = new Map<number, number>()
  for (const v of values) if (!index.has(v)) index.set(v, index.size)
  return { values: Float64Array.from(index.keys()), index }
}
