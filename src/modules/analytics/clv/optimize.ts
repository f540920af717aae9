/**
 * An objective with its gradient: returns f(x) and writes ∇f(x) into `gradient` (same length as x).
 * It may return a non-finite value outside its domain; the line search then steps back.
 */
export type Objective = (x: readonly number[], gradient: number[]) => number

/** Options of `minimize`; the defaults suit a mean negative log-likelihood over a few log-parameters. */
export interface MinimizeOptions {
  /**
   * Converged when no component of the gradient exceeds this, or when the step BFGS proposes
   * promises a decrease below f's rounding error (or, if the line search finds none, a negligible
   * one). Default 1e-9.
   */
  gradientTolerance?: number
  /** Iteration cap (one line search each). Default 1,000. */
  maxIterations?: number
}

/** Where `minimize` stopped. */
export interface MinimizeResult {
  x: number[]
  value: number
  /** The gradient at x. */
  gradient: number[]
  iterations: number
  evaluations: number
  /** False when the iteration cap was reached or the line search could not go further first. */
  converged: boolean
}

// Wolfe constants (Nocedal & Wright, Numerical Optimization, 2nd ed., §3.1): sufficient decrease and
// curvature. c2 = 0.9 is the usual choice for quasi-Newton methods.
const SUFFICIENT_DECREASE = 1e-4
const CURVATURE = 0.9
/** Halvings before the line search gives up: 2^−40 of the first trial step. */
const MAX_LINE_SEARCH_STEPS = 40
/** Relative change of f treated as rounding noise: a few ulps of a sum over many terms. */
const RESOLUTION = 1e-14
/**
 * When the line search fails, the relative decrease the quadratic model may still promise for the
 * point to count as the optimum. For a mean log-likelihood this is far below anything statistical:
 * 1e-10 of it is a change of the total log-likelihood of 1e-10 · N · |mean| (4e-4 for a million
 * customers), where a confidence region spans units.
 */
const STALL_TOLERANCE = 1e-10

/**
 * Minimises a smooth function by BFGS (Nocedal & Wright §6.1, the inverse-Hessian update (6.17))
 * with a weak-Wolfe line search by bisection and extrapolation (Lewis & Overton 2013, "Nonsmooth
 * optimization via quasi-Newton methods", Math. Program. 141). The weak Wolfe conditions guarantee
 * yᵀs > 0, so the update keeps the inverse Hessian positive definite. The first step is scaled as in
 * Nocedal & Wright (6.20). Deterministic: the same objective and start give the same answer.
 */
export function minimize(
  objective: Objective,
  start: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const tolerance = options.gradientTolerance ?? 1e-9
  const maxIterations = options.maxIterations ?? 1_000
  const n = start.length
  if (n === 0) throw new RangeError('minimize needs at least one parameter')

  let evaluations = 0
  const evaluate = (x: readonly number[]) => {
    evaluations++
    const gradient = new Array<number>(n).fill(0)
    const value = objective(x, gradient)
    const finite = Number.isFinite(value) && gradient.every(Number.isFinite)
    return { value: finite ? value : Number.POSITIVE_INFINITY, gradient }
  }

  let x = [...start]
  let { value, gradient } = evaluate(x)
  if (value === Number.POSITIVE_INFINITY) throw new RangeError('the objective is not finite at the start')
  // The inverse Hessian approximation, row-major; identity until the first step tells the scale.
  let inverse = identity(n)
  let iterations = 0
  let converged = maxAbs(gradient) <= tolerance

  while (!converged && iterations < maxIterations) {
    iterations++
    let direction = multiply(inverse, gradient).map((v) => -v)
    let slope = dot(gradient, direction)
    if (!(slope < 0)) {
      // Rounding can spoil the approximation; steepest descent is always a descent direction.
      inverse = identity(n)
      direction = gradient.map((v) => -v)
      slope = dot(gradient, direction)
    }
    // −slope is the decrease the quadratic model promises for the full step (twice the model's
    // minimum). Below the rounding error of f no line search can confirm it: that is the optimum,
    // as far as double precision can tell.
    if (-slope <= RESOLUTION * (1 + Math.abs(value))) {
      converged = true
      break
    }
    // Before any curvature is known, the first trial step moves no coordinate by more than 1.
    let step = iterations === 1 ? Math.min(1, 1 / maxAbs(direction)) : 1
    let low = 0
    let high = Number.POSITIVE_INFINITY
    let accepted: { x: number[]; value: number; gradient: number[] } | undefined
    for (let k = 0; k < MAX_LINE_SEARCH_STEPS; k++) {
      const trialX = x.map((v, i) => v + step * direction[i]!)
      const trial = evaluate(trialX)
      if (!(trial.value <= value + SUFFICIENT_DECREASE * step * slope)) high = step
      else if (dot(trial.gradient, direction) < CURVATURE * slope) low = step
      else {
        accepted = { x: trialX, ...trial }
        break
      }
      step = high === Number.POSITIVE_INFINITY ? 2 * low : (low + high) / 2
    }
    if (!accepted) {
      // No step of any length decreased f as the model promised: rounding noise in f. That is the
      // optimum if the model promises next to nothing anyway; otherwise the search is stuck.
      converged = -slope <= STALL_TOLERANCE * (1 + Math.abs(value))
      break
    }
    const s = accepted.x.map((v, i) => v - x[i]!)
    const y = accepted.gradient.map((v, i) => v - gradient[i]!)
    const sy = dot(s, y)
    if (iterations === 1) inverse = scaledIdentity(n, sy / dot(y, y))
    inverse = bfgsUpdate(inverse, s, y, sy)
    x = accepted.x
    value = accepted.value
    gradient = accepted.gradient
    converged = maxAbs(gradient) <= tolerance
  }
  return { x, value, gradient, iterations, evaluations, converged }
}

/**
 * Central-difference gradient of a value-only function, for checking analytic gradients in tests and
 * for objectives that have none; `step` is relative to each coordinate's magnitude (at least 1).
 */
export function numericGradient(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  step = 1e-6,
): number[] {
  return x.map((v, i) => {
    const h = step * Math.max(1, Math.abs(v))
    const up = [...x]
    const down = [...x]
    up[i] = v + h
    down[i] = v - h
    return (f(up) - f(down)) / (2 * h)
  })
}

/** H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/(yᵀs): Nocedal & Wright (6.17). */
function bfgsUpdate(h: number[][], s: number[], y: number[], sy: number): number[][] {
  const n = s.length
  const rho = 1 / sy
  const hy = multiply(h, y)
  const yhy = dot(y, hy)
  // Expanded: H − ρ(H y sᵀ + s yᵀ H) + (ρ² yᵀHy + ρ) s sᵀ, using the symmetry of H.
  const next: number[][] = []
  for (let i = 0; i < n; i++) {
    const row: number[] = []
    for (let j = 0; j < n; j++) {
      row.push(h[i]![j]! - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!)
    }
    next.push(row)
  }
  return next
}

const identity = (n: number) => scaledIdentity(n, 1)

function scaledIdentity(n: number, scale: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)))
}

function multiply(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v))
}

function dot(u: readonly number[], v: readonly number[]): number {
  let sum = 0
  for (let i = 0; i < u.length; i++) sum += u[i]! * v[i]!
  return sum
}

function maxAbs(v: readonly number[]): number {
  let max = 0
  for (const value of v) max = Math.max(max, Math.abs(value))
  return max
}
