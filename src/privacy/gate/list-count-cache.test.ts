import { describe, expect, it } from 'vitest'
import { ListCountCache } from './list-count-cache.ts'

/** A count that "takes" `tookMs` on the fake clock and returns `usable`, counting its calls. */
function counter(clock: { now: number }, tookMs: number) {
  const calls = { n: 0, usable: 0 }
  const count = async () => {
    calls.n++
    clock.now += tookMs
    return { usable: calls.usable, excluded: 1, excludedBy: { objected: 1 } }
  }
  return { calls, count }
}

describe('ListCountCache', () => {
  it('counts a cheap list on every first page, exactly', async () => {
    const clock = { now: 0 }
    const cache = new ListCountCache({ clock: () => clock.now })
    const { calls, count } = counter(clock, 5)
    calls.usable = 10
    expect((await cache.get('k', count)).usable).toBe(10)
    calls.usable = 11
    expect((await cache.get('k', count)).usable).toBe(11)
    expect(calls.n).toBe(2)
  })

  it('remembers an expensive count, serves it stale while recounting once, and waits when too old', async () => {
    const clock = { now: 0 }
    const cache = new ListCountCache({ clock: () => clock.now, freshMs: 30_000, maxStaleMs: 600_000 })
    const { calls, count } = counter(clock, 2_000)
    calls.usable = 1_000_000
    const first = await cache.get('k', count)
    expect(first).toMatchObject({ usable: 1_000_000, excludedBy: { objected: 1 } })
    expect(first.countedAt.getTime()).toBe(2_000)

    // Fresh: no recount, even though the data changed.
    calls.usable = 1_000_001
    clock.now += 10_000
    expect((await cache.get('k', count)).usable).toBe(1_000_000)
    expect(calls.n).toBe(1)

    // Still fresh after freshMs: a count costing 2 s stays fresh 60 times as long (2 minutes).
    clock.now += 30_000
    expect((await cache.get('k', count)).usable).toBe(1_000_000)
    expect(calls.n).toBe(1)

    // Stale: the old figure at once, one recount behind it (not one per request).
    clock.now += 85_000
    const [a, b] = await Promise.all([cache.get('k', count), cache.get('k', count)])
    expect([a.usable, b.usable]).toEqual([1_000_000, 1_000_000])
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls.n).toBe(2)
    expect((await cache.get('k', count)).usable).toBe(1_000_001)

    // Too old to serve: the page waits for the recount.
    calls.usable = 1_000_002
    clock.now += 700_000
    expect((await cache.get('k', count)).usable).toBe(1_000_002)
    expect(calls.n).toBe(3)
  })

  it('shares one count in flight between concurrent first pages, and keys lists apart', async () => {
    const clock = { now: 0 }
    const cache = new ListCountCache({ clock: () => clock.now })
    const { calls, count } = counter(clock, 500)
    calls.usable = 7
    const both = await Promise.all([cache.get('a', count), cache.get('a', count)])
    expect(both.map((c) => c.usable)).toEqual([7, 7])
    expect(calls.n).toBe(1)
    await cache.get('b', count)
    expect(calls.n).toBe(2)
  })

  it('forgets a failed count, so the next page counts again', async () => {
    const cache = new ListCountCache()
    await expect(cache.get('k', () => Promise.reject(new Error('database gone')))).rejects.toThrow(
      'database gone',
    )
    const counted = await cache.get('k', async () => ({ usable: 3, excluded: 0, excludedBy: {} }))
    expect(counted.usable).toBe(3)
  })
})
