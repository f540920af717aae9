import type { KeyObject } from 'node:crypto'
import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditChainRow, AuditCheckpointRow, AuditRepository, NewAuditEvent } from './audit.repository.ts'
import {
  AuditChainVerifier,
  type AuditProblemAt,
  type ChainEntry,
  checkpointSignatureValid,
  type StoredCheckpoint,
} from './audit-chain-verifier.ts'
import {
  AuditRecordEncoder,
  type ChainFields,
  checkpointMessage,
  GENESIS_HASH,
  isUuid,
  normaliseSubjectIds,
  subjectSetDigest,
} from './audit-hash.ts'
import {
  AUDIT_ACTIONS,
  AUDIT_ACTOR_TYPES,
  type AuditAction,
  type AuditActorType,
  type AuditRecordInput,
  type AuditWriter,
} from './audit-record.ts'
import { type AuditSigner, rawPublicKey } from './audit-signer.ts'

/** Default size above which a record's subjects are stored once in `audit_subject_set`. */
export const SUBJECT_SET_THRESHOLD = 1_000
/** Rows per INSERT (each column is one array parameter, so this only bounds the statement's size). */
const INSERT_CHUNK = 5_000
/** Sequence numbers per verify batch: big enough to amortise round trips, small enough for memory. */
const VERIFY_BATCH = 25_000
/**
 * Verify batches in flight at once. On PostgreSQL each runs in its own backend and the hashing is
 * the database's CPU work, so verify scales with the cores (assumed: the database's match this
 * machine's); on PGlite they queue, and two keep the next batch ready.
 */
const VERIFY_PARALLEL = Math.max(2, availableParallelism())

export interface AuditLogOptions {
  /**
   * Signs checkpoints; its public key is trusted by verify. Without one, `checkpoint()` refuses.
   * A function is called once, on first need (the vault keeps the key wrapped by the master key).
   */
  signer?: AuditSigner | (() => Promise<AuditSigner>) | undefined
  /**
   * Public keys whose checkpoints verify accepts (e.g. after a key change, the old key too).
   * Default: the signer's. Never read from the database: a forger could write their own there.
   */
  trustedKeys?: readonly KeyObject[] | undefined
  /** Subject sets larger than this are stored as a linked set; default 1,000. */
  subjectSetThreshold?: number | undefined
  /** Sequence numbers per verify batch (a keyset range); default 25,000. */
  verifyBatchSize?: number | undefined
  clock?: (() => Date) | undefined
}

export interface AuditCheckpoint {
  seq: number
  /** Hex SHA-256 of the chain at `seq`. */
  hash: string
  at: string
  /** Whether this call created it (false: the head had not moved since the last checkpoint). */
  created: boolean
}

/** What `verify` found. */
export interface AuditVerification {
  ok: boolean
  /** Records whose hash was recomputed. */
  checked: number
  /** The range walked: records `from`..`to` (`from` > `to` when there was nothing to check). */
  from: number
  to: number
  /** The newest checkpoint whose signature and hash verified, if any. */
  lastCheckpoint: { seq: number; hash: string; at: string } | null
  /**
   * Records after `lastCheckpoint`: protected by the chain alone, so a forger who recomputes every
   * later hash goes unnoticed until the next checkpoint covers them.
   */
  unprotected: number
  firstBad?: AuditProblemAt
}

/** One entry of a subject's history: who did what, when, why. Never the sealed values. */
export interface AuditHistoryEntry {
  seq: number
  at: string
  /** `type` is one of AUDIT_ACTOR_TYPES as appended. */
  actor: { type: string; id: string; role: string | null }
  /** One of AUDIT_ACTIONS as appended. */
  action: string
  purpose: string | null
  legalBasis: string | null
  fields: string[]
  reason: string | null
  requestId: string | null
}

const isActorType = (value: string): value is AuditActorType =>
  (AUDIT_ACTOR_TYPES as readonly string[]).includes(value)
const isAction = (value: string): value is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(value)

const micros = (date: Date): number => date.getTime() * 1000
const isoFromMicros = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()

/**
 * The audit trail (Art. 5(2) accountability): appends hash-chained records, signs checkpoints,
 * verifies the chain, and answers a subject's history. Services write through `AuditWriter`.
 */
export class AuditLog implements AuditWriter {
  readonly #db: Kysely<Schema>
  readonly #repository: AuditRepository
  readonly #signer: (() => Promise<AuditSigner>) | undefined
  readonly #trustedKeys: readonly KeyObject[] | undefined
  readonly #threshold: number
  readonly #verifyBatch: number
  readonly #clock: () => Date
  readonly #encoder = new AuditRecordEncoder()
  /**
   * The head as this process last wrote it: the next append chains onto it in one statement. A
   * guess, never trusted: the statement checks it, and a wrong one (another writer, a rolled-back
   * transaction) costs one round trip and the locked path.
   */
  #head: ChainHead | undefined

  constructor(db: Kysely<Schema>, repository: AuditRepository, options: AuditLogOptions = {}) {
    this.#db = db
    this.#repository = repository
    const signer = options.signer
    if (typeof signer === 'function') {
      let loading: Promise<AuditSigner> | undefined
      this.#signer = () => {
        // A failed load (database down) is retried on the next call rather than cached.
        loading ??= signer().catch((error: unknown) => {
          loading = undefined
          throw error
        })
        return loading
      }
    } else if (signer) {
      this.#signer = async () => signer
    }
    this.#trustedKeys = options.trustedKeys
    this.#threshold = options.subjectSetThreshold ?? SUBJECT_SET_THRESHOLD
    this.#verifyBatch = options.verifyBatchSize ?? VERIFY_BATCH
    this.#clock = options.clock ?? (() => new Date())
  }

  /**
   * Appends the records in order, in the caller's transaction when given (so they commit or roll
   * back with the change they describe), otherwise on their own. Sequence numbers are gap-free and
   * every record links to the one before.
   *
   * The usual append is one statement: it moves the head from where this process last saw it and
   * inserts the records only if the head was still there. When another writer got there first (or
   * the batch needs more than one statement), the append takes the head lock instead, which holds
   * until its transaction ends.
   */
  async append(records: readonly AuditRecordInput[], trx?: Kysely<Schema>): Promise<void> {
    if (records.length === 0) return
    // Validate and normalise before touching the head: a bad record must not hold up other writers.
    const prepared = records.map(prepare)
    // In the caller's transaction: written there, committed or rolled back with it.
    if (trx) return this.#appendPrepared(prepared, trx)
    // On their own: appends arriving while one is written wait and go together in the next one
    // (group commit). Each caller's records stay contiguous and in order, and each caller returns
    // only once its records are committed; but a busy server takes the chain's head once per group
    // instead of once per request, which is what made concurrent reads queue behind each other.
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ prepared, resolve, reject })
      if (!this.#draining) void this.#drain()
    })
  }

  /** Appends waiting for the one being written (see `append`). */
  readonly #waiting: { prepared: PreparedRecord[]; resolve: () => void; reject: (error: unknown) => void }[] =
    []
  #draining = false

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      while (this.#waiting.length > 0) {
        // Up to one INSERT's worth of records per group (at least one caller's, however many).
        let count = 0
        let n = 0
        while (
          n < this.#waiting.length &&
          (n === 0 || count + this.#waiting[n]!.prepared.length <= INSERT_CHUNK)
        ) {
          count += this.#waiting[n]!.prepared.length
          n++
        }
        const group = this.#waiting.splice(0, n)
        try {
          await this.#appendPrepared(group.flatMap((g) => g.prepared))
          for (const g of group) g.resolve()
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error)
            continue
          }
          // One caller's failure must not be another's: each alone, so each gets its own answer.
          for (const g of group) {
            try {
              await this.#appendPrepared(g.prepared)
              g.resolve()
            } catch (own) {
              g.reject(own)
            }
          }
        }
      }
    } finally {
      this.#draining = false
    }
  }

  async #appendPrepared(prepared: PreparedRecord[], trx?: Kysely<Schema>): Promise<void> {
    const known = this.#head
    if (known && this.#fitsOneStatement(prepared)) {
      const planned = this.#plan(prepared, known)
      let inserted: number
      try {
        inserted = await this.#repository.insertEvents(trx ?? this.#db, planned.at, planned.rows, {
          expected: known,
          to: planned.head,
        })
      } catch (error) {
        this.#head = undefined
        throw error
      }
      if (inserted === planned.rows.length) {
        this.#head = planned.head
        return
      }
      // another writer moved the head since: append under the lock
    }
    this.#head = undefined
    const run = async (tx: Kysely<Schema>): Promise<ChainHead> => {
      const head = await this.#repository.lockHead(tx)
      if (!head) throw new Error('the audit head row is missing; the audit trail needs repair')
      const planned = this.#plan(prepared, head)
      for (const set of planned.sets) await this.#repository.insertSubjectSet(tx, set.id, set.subjectIds)
      for (let i = 0; i < planned.rows.length; i += INSERT_CHUNK) {
        const chunk = planned.rows.slice(i, i + INSERT_CHUNK)
        const inserted = await this.#repository.insertEvents(
          tx,
          planned.at,
          chunk,
          i === 0 ? { expected: head, to: planned.head } : undefined,
        )
        if (inserted !== chunk.length) throw new Error('the audit head moved while it was locked')
      }
      return planned.head
    }
    const head = await (trx ? run(trx) : this.#db.transaction().execute(run))
    this.#head = head
  }

  /** One statement does: no linked subject sets, and one INSERT's worth of records. */
  #fitsOneStatement(prepared: readonly PreparedRecord[]): boolean {
    return (
      prepared.length <= INSERT_CHUNK &&
      prepared.every((r) => r.subjectIds === null || r.subjectIds.length <= this.#threshold)
    )
  }

  /** The rows that chain the records onto `head`, timestamped now, and the head after them. */
  #plan(
    prepared: readonly PreparedRecord[],
    head: ChainHead,
  ): { at: Date; rows: NewAuditEvent[]; sets: { id: string; subjectIds: string[] }[]; head: ChainHead } {
    const at = this.#clock()
    const atUs = micros(at)
    let prevHash: Uint8Array = head.hash
    let seq = head.seq
    const rows: NewAuditEvent[] = []
    const sets: { id: string; subjectIds: string[] }[] = []
    for (const record of prepared) {
      seq++
      let subjectIds: string[] | null = record.subjectIds
      let subjectSet: ChainFields['subjectSet'] = null
      if (subjectIds && subjectIds.length > this.#threshold) {
        subjectSet = { id: randomUUID(), size: subjectIds.length, digest: subjectSetDigest(subjectIds) }
        sets.push({ id: subjectSet.id, subjectIds })
        subjectIds = null
      }
      const fields: ChainFields = { ...record, seq, atMicros: atUs, subjectIds, subjectSet }
      const hash = this.#encoder.hash(prevHash, fields)
      rows.push({
        seq,
        actor_type: fields.actorType,
        actor_id: fields.actorId,
        actor_role: fields.actorRole,
        action: fields.action,
        subject_ids: subjectIds,
        subject_set_id: subjectSet?.id ?? null,
        subject_set_size: subjectSet?.size ?? null,
        subject_set_digest: subjectSet?.digest ?? null,
        purpose: fields.purpose,
        legal_basis: fields.legalBasis,
        fields: fields.fields,
        request_id: fields.requestId,
        reason: fields.reason,
        sealed_subject_id: fields.sealedSubjectId,
        sealed_values: fields.sealedValues,
        prev_hash: prevHash,
        hash,
      })
      prevHash = hash
    }
    return { at, rows, sets, head: { seq, hash: prevHash } }
  }

  /**
   * Signs the current head (seq, hash, time) and stores the checkpoint. Returns null on an empty
   * log; when nothing was appended since the last checkpoint, returns that one.
   */
  async checkpoint(): Promise<AuditCheckpoint | null> {
    if (!this.#signer) throw new Error('no audit signing key is configured')
    const signer = await this.#signer()
    const head = await this.#repository.head()
    if (!head || head.seq === 0) return null
    const latest = await this.#repository.latestCheckpoint()
    if (latest && latest.seq === head.seq) return toCheckpoint(latest, false)
    const at = this.#clock()
    const signature = signer.sign(checkpointMessage(head.seq, head.hash, micros(at)))
    const created = await this.#repository.insertCheckpoint({
      seq: head.seq,
      hash: head.hash,
      at,
      signature,
      publicKey: rawPublicKey(signer.publicKey),
    })
    return {
      seq: head.seq,
      hash: Buffer.from(head.hash).toString('hex'),
      at: at.toISOString(),
      created,
    }
  }

  /**
   * Recomputes the chain in seq order, in keyset batches, and checks every checkpoint's signature
   * against the trusted keys and its hash against the chain. `fromCheckpoint` starts at the newest
   * checkpoint with a valid signature instead of the first record; `trustedKeys` replaces the
   * configured keys for this call (a key pinned by an auditor). By default the database recomputes
   * the hashes (built-in SHA-256 over the built-in row encoding; fast); `independent` recomputes
   * every hash in this process from the stored fields instead, trusting the database for nothing
   * but the rows (slower). Linkage, sequence and checkpoints are judged here either way, and
   * signatures are always checked here. Never decrypts anything: sealed
   * values are hashed as stored bytes, so the chain verifies after their subject key is shredded.
   */
  async verify(
    options: { fromCheckpoint?: boolean; trustedKeys?: readonly KeyObject[]; independent?: boolean } = {},
  ): Promise<AuditVerification> {
    const bounds = await this.#repository.bounds()
    const headSeq = bounds.headSeq ?? 0
    const end = Math.max(headSeq, bounds.maxSeq ?? 0)
    const checkpoints = (await this.#repository.checkpoints()).map(toStoredCheckpoint)
    const trustedKeys = options.trustedKeys ?? (await this.trustedKeys())

    let start: { seq: number; prevHash: Uint8Array | undefined } = { seq: 1, prevHash: GENESIS_HASH }
    if (options.fromCheckpoint) {
      // At or below the highest stored record: a checkpoint beyond it shows a truncated tail, which
      // a walk from an earlier point reports at the right place.
      const stored = bounds.maxSeq ?? 0
      const newestValid = checkpoints.findLast(
        (c) => c.seq <= stored && checkpointSignatureValid(c, trustedKeys),
      )
      if (newestValid) start = { seq: newestValid.seq, prevHash: undefined }
    }
    const verifier = new AuditChainVerifier({ start, headSeq, checkpoints, trustedKeys })

    let firstBad: AuditProblemAt | undefined
    let seen = 0
    const checkpointSeqs = checkpoints.map((c) => c.seq)
    const fetch = (low: number, high: number) =>
      options.independent
        ? this.#entriesInProcess(low, high)
        : this.#entriesInDatabase(low, high, headSeq, checkpointSeqs)
    // Ranges of seq values, a few in flight at once: on PostgreSQL each runs in its own backend,
    // so the database's cores share the hashing. Processed strictly in order.
    const inFlight: ReturnType<typeof fetch>[] = []
    let low = start.seq - 1
    const refill = () => {
      while (inFlight.length < VERIFY_PARALLEL && low < end) {
        const high = Math.min(low + this.#verifyBatch, end)
        inFlight.push(fetch(low, high))
        low = high
      }
    }
    refill()
    while (inFlight.length > 0 && !firstBad) {
      const batch = await inFlight.shift()!
      refill()
      seen += batch.count
      await this.#attachSets(batch.entries)
      for (const entry of batch.entries) {
        firstBad = verifier.push(entry)
        if (firstBad) break
      }
    }
    // Abandoned fetches must not surface as unhandled rejections.
    await Promise.allSettled(inFlight)
    firstBad ??= verifier.finish(
      bounds.headSeq === null || bounds.headHash === null
        ? undefined
        : { seq: bounds.headSeq, hash: bounds.headHash },
    )

    const checkpoint = verifier.lastVerifiedCheckpoint
    const lastGood = firstBad ? firstBad.seq - 1 : verifier.lastSeq
    return {
      ok: firstBad === undefined,
      checked: firstBad ? Math.min(seen, Math.max(0, firstBad.seq - start.seq)) : seen,
      from: start.seq,
      to: end,
      lastCheckpoint: checkpoint
        ? {
            seq: checkpoint.seq,
            hash: Buffer.from(checkpoint.hash).toString('hex'),
            at: isoFromMicros(checkpoint.atMicros),
          }
        : null,
      unprotected: Math.max(0, lastGood - (checkpoint?.seq ?? 0)),
      ...(firstBad ? { firstBad } : {}),
    }
  }

  /** The public keys verify trusts: the configured ones, else the signer's (none without either). */
  async trustedKeys(): Promise<readonly KeyObject[]> {
    if (this.#trustedKeys) return this.#trustedKeys
    return this.#signer ? [(await this.#signer()).publicKey] : []
  }

  /** Records naming the subject (inline or through a linked set), newest first. 404 for an unknown subject. */
  async history(
    subjectId: string,
    page: { limit: number; beforeSeq?: number | undefined },
  ): Promise<{ items: AuditHistoryEntry[]; more: boolean }> {
    const id = subjectId.toLowerCase()
    if (!isUuid(id) || !(await this.#repository.subjectExists(id)))
      throw new ProblemError('not-found', 'no subject with this id')
    const rows = await this.#repository.history(id, page.beforeSeq, page.limit + 1)
    return {
      items: rows.slice(0, page.limit).map((row) => ({
        seq: row.seq,
        at: row.at.toISOString(),
        // Shown as stored: the log writes only known types and actions, and anything else would be
        // a tampered record, which the history must not disguise.
        actor: { type: row.actor_type, id: row.actor_id, role: row.actor_role },
        action: row.action,
        purpose: row.purpose,
        legalBasis: row.legal_basis,
        fields: row.fields ?? [],
        reason: row.reason,
        requestId: row.request_id,
      })),
      more: rows.length > page.limit,
    }
  }

  async #entriesInDatabase(
    low: number,
    high: number,
    headSeq: number,
    checkpointSeqs: readonly number[],
  ): Promise<{ count: number; entries: ChainEntry[] }> {
    const inRange = checkpointSeqs.filter((seq) => seq > low && seq <= high)
    const rows = await this.#repository.verifyBatch(low, high, headSeq, inRange)
    const first = rows[0]
    // The encoding of text is the connection's; the chain hashes UTF-8.
    if (first && first.clientEncoding !== 'UTF8')
      throw new Error('audit verify needs a UTF8 database connection (client_encoding)')
    return {
      count: rows.at(-1)?.count ?? 0,
      entries: rows.map((row) => ({
        seq: row.seq,
        prevHash: row.prevHash,
        hash: row.hash,
        computed: row.computed,
        prevSeq: row.prevSeq ?? undefined,
        linkOk: row.linkOk ?? undefined,
        subjectSet:
          row.subjectSetId !== null && row.subjectSetSize !== null && row.subjectSetDigest !== null
            ? { id: row.subjectSetId, size: row.subjectSetSize, digest: row.subjectSetDigest }
            : null,
      })),
    }
  }

  async #entriesInProcess(low: number, high: number): Promise<{ count: number; entries: ChainEntry[] }> {
    const rows = await this.#repository.rows(low, high, high - low)
    const encoder = new AuditRecordEncoder()
    return {
      count: rows.length,
      entries: rows.map((row) => {
        const fields = chainFieldsOf(row)
        return {
          seq: row.seq,
          prevHash: row.prev_hash,
          hash: row.hash,
          computed: encoder.hash(row.prev_hash, fields),
          subjectSet: fields.subjectSet,
        }
      }),
    }
  }

  /** Looks up the live size and digest of every linked set the entries name (one query). */
  async #attachSets(entries: ChainEntry[]): Promise<void> {
    const ids = entries.flatMap((e) => (e.subjectSet ? [e.subjectSet.id] : []))
    if (ids.length === 0) return
    const found = new Map(
      (await this.#repository.subjectSetDigests(ids)).map((s) => [
        s.set_id,
        { size: s.size, digest: s.digest },
      ]),
    )
    for (const entry of entries) if (entry.subjectSet) entry.actualSet = found.get(entry.subjectSet.id)
  }
}

/** A record in its stored form, before it has a place in the chain. */
type PreparedRecord = Omit<ChainFields, 'seq' | 'atMicros' | 'subjectSet'> & { subjectIds: string[] | null }

/** Where the chain ends: the last record's seq and hash. */
type ChainHead = { seq: number; hash: Uint8Array }

/** Checks one input record and brings it to its stored form (what the hash covers). */
function prepare(record: AuditRecordInput): PreparedRecord {
  if (!isActorType(record.actor.type)) throw new TypeError('unknown audit actor type')
  if (!isAction(record.action)) throw new TypeError('unknown audit action')
  if (!record.actor.id) throw new TypeError('an audit actor needs an id')
  const subjectIds = record.subjectIds?.length ? normaliseSubjectIds(record.subjectIds) : null
  const sealedSubjectId = record.sealedValues?.subjectId.toLowerCase() ?? null
  if (sealedSubjectId !== null && !isUuid(sealedSubjectId))
    throw new TypeError('sealed values belong to a subject id (UUID)')
  return {
    actorType: record.actor.type,
    actorId: record.actor.id,
    actorRole: record.actor.role ?? null,
    action: record.action,
    subjectIds,
    purpose: record.purpose ?? null,
    legalBasis: record.legalBasis ?? null,
    fields: record.fields?.length ? [...record.fields] : null,
    requestId: record.requestId ?? null,
    reason: record.reason ?? null,
    sealedSubjectId,
    sealedValues: record.sealedValues ? Buffer.from(record.sealedValues.ciphertext) : null,
  }
}

/** A stored row as the chain hashes it. */
export const chainFieldsOf = (row: AuditChainRow): ChainFields => ({
  seq: row.seq,
  atMicros: row.at_us,
  actorType: row.actor_type,
  actorId: row.actor_id,
  actorRole: row.actor_role,
  action: row.action,
  subjectIds: row.subject_ids,
  // The check constraint keeps id, size and digest all set or all null.
  subjectSet:
    row.subject_set_id !== null && row.subject_set_size !== null && row.subject_set_digest !== null
      ? { id: row.subject_set_id, size: row.subject_set_size, digest: row.subject_set_digest }
      : null,
  purpose: row.purpose,
  legalBasis: row.legal_basis,
  fields: row.fields,
  requestId: row.request_id,
  reason: row.reason,
  sealedSubjectId: row.sealed_subject_id,
  sealedValues: row.sealed_values,
})

const toStoredCheckpoint = (row: AuditCheckpointRow): StoredCheckpoint => ({
  seq: row.seq,
  hash: row.hash,
  atMicros: row.at_us,
  signature: row.signature,
})

const toCheckpoint = (row: AuditCheckpointRow, created: boolean): AuditCheckpoint => ({
  seq: row.seq,
  hash: Buffer.from(row.hash).toString('hex'),
  at: isoFromMicros(row.at_us),
  created,
})
