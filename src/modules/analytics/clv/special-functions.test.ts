import { describe, expect, it } from 'vitest'
import { digamma, hyp2f1, lnBeta, lnGamma, logAddExp, logistic } from './special-functions.ts'

const EULER_GAMMA = 0.5772156649015329

describe('lnGamma', () => {
  it('matches closed forms', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14)
    expect(lnGamma(2)).toBeCloseTo(0, 14)
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14)
    expect(lnGamma(10)).toBeCloseTo(Math.log(362_880), 13)
    // ln Γ(1/4) = ln 3.6256099082219083119…
    expect(lnGamma(0.25)).toBeCloseTo(Math.log(3.625609908221908), 13)
    // ln 99! by summing logs
    let ln99 = 0
    for (let k = 2; k <= 99; k++) ln99 += Math.log(k)
    expect(lnGamma(100)).toBeCloseTo(ln99, 10)
  })

  it('keeps the recurrence ln Γ(x + 1) = ln Γ(x) + ln x from 0.001 to 500', () => {
    for (let x = 0.001; x < 500; x *= 1.37) {
      expect(lnGamma(x + 1) - lnGamma(x)).toBeCloseTo(Math.log(x), 11)
    }
  })

  it('is NaN outside its domain', () => {
    expect(lnGamma(0)).toBeNaN()
    expect(lnGamma(-1.5)).toBeNaN()
  })

  it('gives ln B(a, b) symmetric and ln B(1, b) = −ln b', () => {
    expect(lnBeta(0.793, 2.426)).toBeCloseTo(lnBeta(2.426, 0.793), 14)
    expect(lnBeta(1, 7.5)).toBeCloseTo(-Math.log(7.5), 13)
  })
})

describe('digamma', () => {
  it('matches closed forms and the recurrence', () => {
    expect(digamma(1)).toBeCloseTo(-EULER_GAMMA, 14)
    expect(digamma(0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.log(2), 14)
    for (let x = 0.01; x < 300; x *= 1.53) expect(digamma(x + 1) - digamma(x)).toBeCloseTo(1 / x, 11)
  })

  it('is the derivative of lnGamma', () => {
    for (const x of [0.05, 0.243, 0.793, 1.5, 4.414, 9.99, 10.01, 62.3]) {
      const h = 1e-5 * x
      expect(digamma(x)).toBeCloseTo((lnGamma(x + h) - lnGamma(x - h)) / (2 * h), 6)
    }
  })
})

describe('hyp2f1', () => {
  it('matches elementary closed forms, close to z = 1 too', () => {
    for (const z of [0.1, 0.5, 0.95, 0.999]) {
      // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log1p(-z) / z, 10)
      // ₂F₁(a, b; b; z) = (1 − z)^−a
      expect(hyp2f1(0.243, 2.426, 2.426, z) / (1 - z) ** -0.243).toBeCloseTo(1, 12)
      // ₂F₁(1/2, 1/2; 3/2; z²) = arcsin(z)/z
      expect(hyp2f1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 10)
    }
  })

  it('is 1 at z = 0 and refuses |z| ≥ 1 or c a non-positive integer', () => {
    expect(hyp2f1(3, 4, 5, 0)).toBe(1)
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError)
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError)
  })

  it('terminates when a is a non-positive integer (a polynomial)', () => {
    // ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const [b, c, z] = [1.5, 2.5, 0.4]
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14)
  })
})

describe('logAddExp and logistic', () => {
  it('add in log space without overflow or underflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15)
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12)
    expect(logAddExp(-1000, -1001)).toBeCloseTo(-1000 + Math.log1p(Math.exp(-1)), 12)
    expect(logAddExp(Number.NEGATIVE_INFINITY, -5)).toBe(-5)
  })

  it('gives a logistic that stays in [0, 1] and is symmetric', () => {
    expect(logistic(0)).toBe(0.5)
    expect(logistic(800)).toBe(1)
    expect(logistic(-800)).toBe(0)
    expect(logistic(2) + logistic(-2)).toBeCloseTo(1, 15)
  })
})
