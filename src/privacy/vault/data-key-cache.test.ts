import { createSecretKey, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DataKeyCache } from './data-key-cache.ts'

describe('data key cache', () => {
  const key = () => createSecretKey(randomBytes(32))
  const wrapped = (byte: number) => new Uint8Array(60).fill(byte)

  it('gives a key back only for the same master key and the same wrapped bytes', () => {
    const cache = new DataKeyCache()
    const k = key()
    cache.set('s1', 'mk1', wrapped(1), k)
    expect(cache.get('s1', 'mk1', wrapped(1))).toBe(k)
    expect(cache.get('s1', 'mk1', wrapped(2))).toBeUndefined()
    expect(cache.get('s1', 'mk2', wrapped(1))).toBeUndefined()
    expect(cache.get('s2', 'mk1', wrapped(1))).toBeUndefined()
  })

  it('keeps its own copy of the bytes: a caller reusing its buffer changes nothing', () => {
    const cache = new DataKeyCache()
    const bytes = wrapped(1)
    const k = key()
    cache.set('s1', 'mk1', bytes, k)
    bytes.fill(2)
    expect(cache.get('s1', 'mk1', wrapped(2))).toBeUndefined()
    expect(cache.get('s1', 'mk1', wrapped(1))).toBe(k)
  })

  it('forgets after its time, on demand, and beyond its size (oldest first)', () => {
    let now = 0
    const cache = new DataKeyCache({ ttlMs: 1_000, max: 2, now: () => now })
    cache.set('s1', 'mk', wrapped(1), key())
    now = 999
    expect(cache.get('s1', 'mk', wrapped(1))).toBeDefined()
    now = 1_000
    expect(cache.get('s1', 'mk', wrapped(1))).toBeUndefined()
    expect(cache.size).toBe(0)

    cache.set('a', 'mk', wrapped(1), key())
    cache.set('b', 'mk', wrapped(1), key())
    cache.set('c', 'mk', wrapped(1), key())
    expect(cache.size).toBe(2)
    expect(cache.get('a', 'mk', wrapped(1))).toBeUndefined()
    expect(cache.get('c', 'mk', wrapped(1))).toBeDefined()
    cache.forget(['b', 'c'])
    expect(cache.size).toBe(0)
  })

  it('keeps nothing with a time of 0', () => {
    const cache = new DataKeyCache({ ttlMs: 0 })
    cache.set('s1', 'mk', wrapped(1), key())
    expect(cache.size).toBe(0)
  })
})
