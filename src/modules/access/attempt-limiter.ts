import { createHash } from 'node:crypto'

/**
 * Counts failed attempts per key in a fixed window (e.g. 10 per minute per account and per IP
 * address) and says how long a key must wait once it has used them up. Keys are hashed: neither an
 * e-mail address nor an IP address is kept in memory in the clear. One instance per process: with
 * several API processes, each counts on its own (the limit is per process).
 */
export class AttemptLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #windows = new Map<string, { failures: number; resetAt: number }>()

  constructor(options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }) {
    this.#limit = options.limit
    this.#windowMs = options.windowMs
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#now = options.now ?? Date.now
  }

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfterSeconds(key: string): number {
    const window = this.#windows.get(hashKey(key))
    const now = this.#now()
    if (!window || window.resetAt <= now || window.failures < this.#limit) return 0
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000))
  }

  /** Records a failed attempt of `key`. */
  fail(key: string): void {
    const hashed = hashKey(key)
    const now = this.#now()
    const window = this.#windows.get(hashed)
    if (window && window.resetAt > now) {
      window.failures++
      return
    }
    if (this.#windows.size >= this.#maxKeys) this.#evict(now)
    this.#windows.set(hashed, { failures: 1, resetAt: now + this.#windowMs })
  }

  /** Forgets `key`'s failures (after a success). */
  reset(key: string): void {
    this.#windows.delete(hashKey(key))
  }

  /** Drops finished windows; if that is not enough, the oldest ones (memory stays bounded). */
  #evict(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key)
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < this.#maxKeys) break
      this.#windows.delete(key)
    }
  }
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('base64url')
