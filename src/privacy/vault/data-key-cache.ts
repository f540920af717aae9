import type { KeyObject } from 'node:crypto'

/**
 * Unwrapped data keys kept for a few seconds, so a list page read again (the same 50 people, by
 * the next user or the next refresh) does not unwrap 50 keys under the master key again: the
 * unwrap and the key import were two thirds of the vault's time per page (ADR 0023).
 *
 * An entry is found only with the wrapped bytes the database holds now. The vault always reads
 * the wrapped key in the same statement as the identity record, so a shredded key (its row
 * deleted) or a replaced one (a held erasure re-seals under a new key; a master-key rotation
 * re-wraps) never matches an entry, wherever the shredding happened: the cache can't resurrect
 * what was destroyed. It only shortens the work for keys that still exist. Entries live at most
 * `ttlMs`, at most `max` of them; the vault forgets a subject's entry as soon as it shreds it.
 */
export class DataKeyCache {
  readonly #entries = new Map<string, { keyId: string; wrapped: Uint8Array; key: KeyObject; until: number }>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor(options: { ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 10_000
    this.#max = options.max ?? 20_000
    this.#now = options.now ?? (() => performance.now())
  }

  /** The key unwrapped from exactly these bytes under master key `keyId`, if still held. */
  get(subjectId: string, keyId: string, wrapped: Uint8Array): KeyObject | undefined {
    const entry = this.#entries.get(subjectId)
    if (!entry) return undefined
    if (entry.until <= this.#now()) {
      this.#entries.delete(subjectId)
      return undefined
    }
    return entry.keyId === keyId && sameBytes(entry.wrapped, wrapped) ? entry.key : undefined
  }

  set(subjectId: string, keyId: string, wrapped: Uint8Array, key: KeyObject): void {
    if (this.#ttlMs <= 0 || this.#max <= 0) return
    const now = this.#now()
    this.#entries.delete(subjectId) // re-inserted at the end: the map stays in order of expiry
    this.#entries.set(subjectId, { keyId, wrapped: Uint8Array.from(wrapped), key, until: now + this.#ttlMs })
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= this.#max && entry.until > now) break
      this.#entries.delete(id)
    }
  }

  /** Drops the subjects' entries (their keys are being destroyed). */
  forget(subjectIds: Iterable<string>): void {
    for (const id of subjectIds) this.#entries.delete(id)
  }

  get size(): number {
    return this.#entries.size
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}
