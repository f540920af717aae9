import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { aeadKey } from '../../platform/crypto/aead.ts'
import { type BlindIndex, type BlindIndexKind, InvalidIdentifierError } from './blind-index.ts'
import { encryptIdentity, type IdentityRecord } from './identifier-cipher.ts'

/**
 * The vault's bulk crypto (encrypting identifiers, blind-indexing e-mail and phone), on all
 * cores: a large batch is split across worker threads, a small one runs here. Pure functions of
 * their inputs; keys travel with each job and nothing stays in the workers between jobs.
 */

/** One subject's identity record to seal under its data key (raw 32 bytes). */
export interface SealGroup {
  subjectId: string
  dataKey: Uint8Array
  record: IdentityRecord
}

/** A value to normalise and digest. */
export interface DigestItem {
  kind: BlindIndexKind
  value: string
}

/** The digest, or why the value is not an e-mail address / phone number. */
export type DigestResult = Buffer | { invalid: string }

/** What a worker needs of the blind index: its key and the phone region. */
export interface BlindIndexSpec {
  key: Uint8Array
  phoneRegion: string
}

export function sealGroups(groups: readonly SealGroup[]): Buffer[] {
  return groups.map((g) => encryptIdentity(aeadKey(g.dataKey), g.subjectId, g.record))
}

export function digestItems(index: BlindIndex, items: readonly DigestItem[]): DigestResult[] {
  return items.map(({ kind, value }) => {
    try {
      return index.digest(kind, value)
    } catch (error) {
      if (error instanceof InvalidIdentifierError) return { invalid: error.reason }
      throw error
    }
  })
}

/** Below this many values a batch is done in this thread: handing it over would cost more. */
const PARALLEL_FROM = 1_024

/** One message to a worker (vault-crypto.worker.ts). */
export type CryptoJob =
  | { op: 'seal'; groups: readonly SealGroup[] }
  | { op: 'digest'; index: BlindIndexSpec; items: readonly DigestItem[] }

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/** Worker threads for the bulk crypto; created on first need, never keeping the process alive. */
class CryptoPool {
  readonly #workers: Worker[] = []
  readonly #pending = new Map<number, Pending>()
  #next = 0

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./vault-crypto.worker.ts', import.meta.url))
      worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
        const pending = this.#pending.get(message.id)
        if (!pending) return
        this.#pending.delete(message.id)
        this.#idleIfDone()
        if (message.error !== undefined) pending.reject(new Error(message.error))
        else pending.resolve(message.result)
      })
      worker.on('error', (error) => this.#failAll(error))
      // Idle workers must not keep the process alive (after the listeners: adding a 'message'
      // listener refs the worker again); busy ones must, or it exits with the job unanswered.
      worker.unref()
      this.#workers.push(worker)
    }
  }

  get size(): number {
    return this.#workers.length
  }

  run<T>(worker: number, job: CryptoJob): Promise<T> {
    const id = this.#next++
    if (this.#pending.size === 0) for (const w of this.#workers) w.ref()
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.#workers[worker]?.postMessage({ id, job })
    })
  }

  #idleIfDone(): void {
    if (this.#pending.size === 0) for (const w of this.#workers) w.unref()
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
    this.#idleIfDone()
    // A crashed worker is not reused: the next batch gets a fresh pool.
    if (pool === this) pool = undefined
    for (const worker of this.#workers) void worker.terminate()
  }
}

let pool: CryptoPool | undefined
const workerCount = Math.max(1, Math.min(8, availableParallelism()))

function thePool(): CryptoPool | undefined {
  if (workerCount < 2) return undefined
  pool ??= new CryptoPool(workerCount)
  return pool
}

/** Splits `items` into `parts` runs of about equal `weight`, in order. */
function split<T>(items: readonly T[], parts: number, weight: (item: T) => number): T[][] {
  const total = items.reduce((sum, item) => sum + weight(item), 0)
  const runs: T[][] = []
  let run: T[] = []
  let filled = 0
  for (const item of items) {
    run.push(item)
    filled += weight(item)
    if (filled >= (total * (runs.length + 1)) / parts && runs.length < parts - 1) {
      runs.push(run)
      run = []
    }
  }
  runs.push(run)
  return runs.filter((r) => r.length > 0)
}

/** The sealed record of each group, in input order. */
export async function sealInParallel(groups: readonly SealGroup[]): Promise<Buffer[]> {
  const workers = groups.length >= PARALLEL_FROM ? thePool() : undefined
  if (!workers) return sealGroups(groups)
  const runs = split(groups, workers.size, () => 1)
  const results = await Promise.all(
    runs.map((run, i) => workers.run<Uint8Array[]>(i, { op: 'seal', groups: run })),
  )
  return results.flat().map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))
}

/** Digests (or the reason a value is invalid), in input order. */
export async function digestInParallel(
  index: BlindIndex,
  spec: BlindIndexSpec,
  items: readonly DigestItem[],
): Promise<DigestResult[]> {
  const workers = items.length >= PARALLEL_FROM ? thePool() : undefined
  if (!workers) return digestItems(index, items)
  const runs = split(items, workers.size, () => 1)
  const results = await Promise.all(
    runs.map((run, i) => workers.run<DigestResult[]>(i, { op: 'digest', index: spec, items: run })),
  )
  return results
    .flat()
    .map((r) => (r instanceof Uint8Array ? Buffer.from(r.buffer, r.byteOffset, r.byteLength) : r))
}
