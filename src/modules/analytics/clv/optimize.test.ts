import { describe, expect, it } from 'vitest'
import { minimize, numericGradient, type Objective } from './optimize.ts'

// Rosenbrock's valley: the classic hard case for descent methods, minimum 0 at (1, 1, …).
const rosenbrock: Objective = (x, gradient) => {
  let value = 0
  gradient.fill(0)
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! ** 2
    const b = 1 - x[i]!
    value += 100 * a * a + b * b
    gradient[i]! += -400 * x[i]! * a - 2 * b
    gradient[i + 1]! += 200 * a
  }
  return value
}

describe('minimize (BFGS)', () => {
  it('finds the minimum of the Rosenbrock function in two and four dimensions', () => {
    for (const start of [
      [-1.2, 1],
      [-1.2, 1, -1.2, 1],
    ]) {
      const result = minimize(rosenbrock, start, { gradientTolerance: 1e-10 })
      expect(result.converged).toBe(true)
      for (const v of result.x) expect(v).toBeCloseTo(1, 6)
      expect(result.value).toBeLessThan(1e-12)
    }
  })

  it('handles badly scaled quadratics exactly', () => {
    const scales = [1e-3, 1, 1e3]
    const target = [5, -2, 0.25]
    const result = minimize(
      (x, g) => {
        let value = 0
        for (let i = 0; i < 3; i++) {
          const d = x[i]! - target[i]!
          value += scales[i]! * d * d
          g[i] = 2 * scales[i]! * d
        }
        return value
      },
      [0, 0, 0],
    )
    expect(result.converged).toBe(true)
    result.x.forEach((v, i) => {
      expect(v).toBeCloseTo(target[i]!, 5)
    })
  })

  it('steps back from where the objective is not finite', () => {
    // x − ln x has its minimum at 1 and is undefined for x ≤ 0, where a long first step would land.
    const result = minimize(
      ([x], g) => {
        g[0] = 1 - 1 / x!
        return x! - Math.log(x!)
      },
      [40],
    )
    expect(result.converged).toBe(true)
    expect(result.x[0]).toBeCloseTo(1, 8)
  })

  it('calls it converged when rounding noise in f, not the gradient, stops the line search', () => {
    // A sum over a million customers has noise of about 1e-13 relative to its value; the gradient
    // tolerance can then not be met, but the point is the optimum as far as f can tell.
    const result = minimize(
      (x, g) => {
        g[0] = 2 * (x[0]! - 1) + 1e-7
        g[1] = 20 * (x[1]! + 2)
        return 4 + (x[0]! - 1) ** 2 + 10 * (x[1]! + 2) ** 2 + 1e-12 * Math.sin(1e9 * x[0]! + 7e8 * x[1]!)
      },
      [3, 3],
    )
    expect(result.converged).toBe(true)
    expect(result.x[0]).toBeCloseTo(1, 5)
    expect(result.x[1]).toBeCloseTo(-2, 5)
  })

  it('is deterministic', () => {
    const once = () => minimize(rosenbrock, [-1.2, 1, -1.2, 1])
    expect(once()).toEqual(once())
  })

  it('reports when the iteration cap stops it', () => {
    const result = minimize(rosenbrock, [-1.2, 1], { maxIterations: 3 })
    expect(result.converged).toBe(false)
    expect(result.iterations).toBe(3)
  })

  it('refuses a start where the objective is not finite', () => {
    expect(() => minimize(() => Number.NaN, [1])).toThrow(RangeError)
  })
})

describe('numericGradient', () => {
  it('agrees with an analytic gradient', () => {
    const x = [-0.7, 1.3, 0.4]
    const analytic = [0, 0, 0]
    rosenbrock(x, analytic)
    const numeric = numericGradient((p) => rosenbrock(p, [0, 0, 0]), x)
    numeric.forEach((v, i) => {
      expect(v).toBeCloseTo(analytic[i]!, 5)
    })
  })
})
