/**
 * The counts a list's first page shows (how many subjects the purpose may use, how many it leaves
 * out and why), remembered when they are expensive. Counting is one scan over every subject of the
 * list: 17 ms at 5,000 subjects, seconds at a million — too much for every first page a user opens.
 *
 * A count that took less than `cheapMs` is not remembered: small installations (and every test)
 * see exact counts on every page. A count that took longer is served for `freshMs` — or 60 times
 * its own cost where that is longer (a count of a million subjects costs seconds) — as it is; after
 * that the stale figure is served once more while one recount runs in the background (stale while
 * revalidate), so the page stays fast; past `maxStaleMs` a page waits for the recount. Concurrent
 * first pages share one count in flight. Every answer carries `countedAt`, so a list can say "as of".
 *
 * The counts are aggregates naming nobody; the cache is per process and keyed by everything the
 * count depends on (purpose, channel, kind, attribute filter, whether a special category is read).
 */
export interface ListCounts {
  usable: number
  excluded: number
  excludedBy: Record<string, number>
  countedAt: Date
}

export interface ListCountCacheOptions {
  cheapMs?: number
  freshMs?: number
  maxStaleMs?: number
  /** Entries kept at most (the least recently counted go first). */
  maxEntries?: number
  clock?: () => number
}

interface Entry {
  counts?: ListCounts
  /** Counted at (clock ms). */
  at: number
  /** How long the count stays fresh: `freshMs`, or longer for a count that costs more (see get). */
  freshFor?: number
  inFlight?: Promise<ListCounts>
}

/** How many times its own cost a count stays fresh (at least `freshMs`). */
const FRESH_PER_COST = 60

export class ListCountCache {
  readonly #cheapMs: number
  readonly #freshMs: number
  readonly #maxStaleMs: number
  readonly #maxEntries: number
  readonly #clock: () => number
  readonly #entries = new Map<string, Entry>()

  constructor(options: ListCountCacheOptions = {}) {
    this.#cheapMs = options.cheapMs ?? 100
    this.#freshMs = options.freshMs ?? 30_000
    this.#maxStaleMs = options.maxStaleMs ?? 10 * 60_000
    this.#maxEntries = options.maxEntries ?? 200
    this.#clock = options.clock ?? Date.now
  }

  /** The counts for `key`: remembered ones where they are expensive, else `count()`'s. */
  async get(key: string, count: () => Promise<Omit<ListCounts, 'countedAt'>>): Promise<ListCounts> {
    const now = this.#clock()
    const entry = this.#entries.get(key)
    if (entry?.counts) {
      const age = now - entry.at
      if (age <= (entry.freshFor ?? this.#freshMs)) return entry.counts
      if (age <= this.#maxStaleMs) {
        // Recount in the background; a failure leaves the stale figure for the next try.
        this.#recount(key, entry, count).catch(() => {})
        return entry.counts
      }
    }
    if (entry?.inFlight) return entry.inFlight
    return this.#recount(key, entry ?? this.#add(key), count)
  }

  #add(key: string): Entry {
    const entry: Entry = { at: 0 }
    this.#entries.set(key, entry)
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return entry
  }

  #recount(
    key: string,
    entry: Entry,
    count: () => Promise<Omit<ListCounts, 'countedAt'>>,
  ): Promise<ListCounts> {
    if (entry.inFlight) return entry.inFlight
    const started = this.#clock()
    const inFlight = count()
      .then((counted) => {
        const finished = this.#clock()
        const counts = { ...counted, countedAt: new Date(finished) }
        const cost = finished - started
        if (cost >= this.#cheapMs) {
          entry.counts = counts
          entry.at = finished
          // A count costing a second is redone at most once a minute (a million subjects: every
          // two minutes or so), so recounting takes at most ~2 % of the database's time.
          entry.freshFor = Math.min(Math.max(this.#freshMs, cost * FRESH_PER_COST), this.#maxStaleMs)
          // Most recently counted last: the eviction order.
          this.#entries.delete(key)
          this.#entries.set(key, entry)
        } else {
          // Cheap: counted again next time, exactly.
          this.#entries.delete(key)
        }
        return counts
      })
      .finally(() => {
        delete entry.inFlight
      })
    entry.inFlight = inFlight
    return inFlight
  }
}
