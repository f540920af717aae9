import { describe, expect, it } from 'vitest'
import { AttemptLimiter } from './attempt-limiter.ts'

describe('AttemptLimiter', () => {
  const clock = (start = 1_000_000) => {
    let now = start
    return { now: () => now, advance: (ms: number) => (now += ms) }
  }

  it('lets a key fail `limit` times in a window, then says how long to wait', () => {
    const c = clock()
    const limiter = new AttemptLimiter({ limit: 3, windowMs: 60_000, now: c.now })
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBe(0)
      limiter.fail('a')
    }
    expect(limiter.retryAfterSeconds('a')).toBe(60)
    expect(limiter.retryAfterSeconds('b')).toBe(0)
    c.advance(59_500)
    expect(limiter.retryAfterSeconds('a')).toBe(1)
    c.advance(500)
    expect(limiter.retryAfterSeconds('a')).toBe(0)
    limiter.fail('a')
    expect(limiter.retryAfterSeconds('a')).toBe(0) // a new window
  })

  it('forgets a key on reset', () => {
    const limiter = new AttemptLimiter({ limit: 1, windowMs: 60_000 })
    limiter.fail('a')
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0)
    limiter.reset('a')
    expect(limiter.retryAfterSeconds('a')).toBe(0)
  })

  it('keeps memory bounded: finished windows go first, then the oldest', () => {
    const c = clock()
    const limiter = new AttemptLimiter({ limit: 1, windowMs: 1000, maxKeys: 3, now: c.now })
    limiter.fail('old')
    c.advance(2000)
    for (const key of ['a', 'b', 'c']) limiter.fail(key)
    for (const key of ['a', 'b', 'c']) expect(limiter.retryAfterSeconds(key)).toBe(1)
    limiter.fail('d') // evicts 'a', the oldest live window
    expect(limiter.retryAfterSeconds('a')).toBe(0)
    expect(limiter.retryAfterSeconds('d')).toBe(1)
  })
})
