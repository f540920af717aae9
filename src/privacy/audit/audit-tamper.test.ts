import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { type Kysely, sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { AuditRepository } from './audit.repository.ts'
import { AuditRecordEncoder, GENESIS_HASH } from './audit-hash.ts'
import { type AuditVerification, chainFieldsOf } from './audit-log.service.ts'
import { AUDIT_ACTIONS, AUDIT_ACTOR_TYPES, type AuditRecordInput } from './audit-record.ts'
import { generateAuditSigner } from './audit-signer.ts'
import { asTamperer, auditLogFor, resetAuditTrail } from './audit-test-support.ts'

/**
 * Property tests: random histories, random tamperings by someone with the table owner's rights
 * (triggers disabled). Every tampering must be detected, and `firstBad` must name where.
 */

const RUNS = 40
const SUBJECTS = Array.from({ length: 10 }, () => randomUUID())
/** Small, so that random histories use linked subject sets too. */
const THRESHOLD = 3

// PostgreSQL text can't hold NUL; everything else, including astral characters, must round-trip.
const text = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replaceAll('\u0000', ''))
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })

const recordArb: fc.Arbitrary<AuditRecordInput> = fc.record(
  {
    actor: fc.record(
      {
        type: fc.constantFrom(...AUDIT_ACTOR_TYPES),
        id: text.filter((s) => s.length > 0),
        role: optional(text),
      },
      { requiredKeys: ['type', 'id'] },
    ),
    action: fc.constantFrom(...AUDIT_ACTIONS),
    subjectIds: optional(fc.subarray(SUBJECTS, { maxLength: 7 })),
    purpose: optional(text),
    legalBasis: optional(fc.constantFrom('consent', 'contract', 'legal_obligation', 'legitimate_interest')),
    fields: optional(fc.array(text, { maxLength: 4 })),
    requestId: optional(fc.uuid()),
    reason: optional(text),
    sealedValues: optional(
      fc.record({
        subjectId: fc.constantFrom(...SUBJECTS),
        ciphertext: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      }),
    ),
  },
  { requiredKeys: ['actor', 'action'] },
)

/** Batches appended one after another; after each, maybe a checkpoint. */
const historyArb = fc.array(
  fc.record({ records: fc.array(recordArb, { minLength: 1, maxLength: 4 }), checkpoint: fc.boolean() }),
  { minLength: 1, maxLength: 6 },
)
type History = { records: AuditRecordInput[]; checkpoint: boolean }[]

const signer = generateAuditSigner()

describeEachEngine('audit tampering is detected', (runtime) => {
  const db = () => runtime().database.db
  const log = () => auditLogFor(db(), { signer, subjectSetThreshold: THRESHOLD, verifyBatchSize: 3 })
  const repository = () => new AuditRepository(db())

  /**
   * Verifies in the database (the default) and in process (`independent`): two implementations of
   * the encoding, which must agree on every verdict.
   */
  async function verifyBothWays(options: { fromCheckpoint?: boolean } = {}): Promise<AuditVerification> {
    const inDatabase = await log().verify(options)
    const inProcess = await log().verify({ ...options, independent: true })
    expect(inProcess).toEqual(inDatabase)
    return inDatabase
  }

  /** Writes the history from scratch; returns the record count and the checkpointed seqs. */
  async function write(history: History): Promise<{ n: number; checkpoints: number[] }> {
    await resetAuditTrail(db())
    const checkpoints: number[] = []
    for (const batch of history) {
      await log().append(batch.records)
      if (batch.checkpoint) checkpoints.push((await log().checkpoint())!.seq)
    }
    const n = history.reduce((sum, b) => sum + b.records.length, 0)
    const intact = await verifyBothWays()
    expect(intact, 'the untouched history verifies').toMatchObject({ ok: true, checked: n })
    return { n, checkpoints: [...new Set(checkpoints)] }
  }

  const pick = (n: number, choice: number) => 1 + (choice % n)

  it('a changed field of any record is caught at that record', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), fc.nat(), async (history, recordChoice, fieldChoice) => {
        const { n } = await write(history)
        const seq = pick(n, recordChoice)
        const [row] = await repository().rows(seq - 1, seq, 1)
        const changes = changesFor(row!)
        const change = changes[fieldChoice % changes.length]!
        await asTamperer(db(), async (trx) => {
          await change(trx, seq)
        })
        const result = await verifyBothWays()
        expect(result.ok).toBe(false)
        expect(result.firstBad?.seq).toBe(seq)
        expect(['hash-mismatch', 'broken-link', 'subject-set-mismatch']).toContain(result.firstBad?.problem)
      }),
      { numRuns: RUNS * 2 },
    )
  })

  it('a removed record is caught where it is missing', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), async (history, choice) => {
        const { n } = await write(history)
        const seq = pick(n, choice)
        await asTamperer(db(), async (trx) => {
          await sql`delete from audit_event where seq = ${seq}`.execute(trx)
        })
        const result = await verifyBothWays()
        expect(result.firstBad).toMatchObject({
          seq,
          problem: seq === n ? 'truncated' : 'missing-record',
        })
      }),
      { numRuns: RUNS },
    )
  })

  it('an inserted forged record is caught where it breaks the chain', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.nat(),
        recordArb,
        fc.boolean(),
        async (history, choice, forged, wellForged) => {
          const { n, checkpoints } = await write(history)
          const at = 1 + (choice % (n + 1)) // 1..n+1: anywhere, including after the last record
          const before = at > 1 ? (await repository().rows(at - 2, at - 1, 1))[0]!.hash : GENESIS_HASH
          const fields = {
            ...chainFieldsOf({
              ...emptyRow(at),
              actor_type: forged.actor.type,
              actor_id: forged.actor.id,
              action: forged.action,
              reason: forged.reason ?? null,
            }),
          }
          const hash = wellForged ? new AuditRecordEncoder().hash(before, fields) : Buffer.alloc(32, 7)
          await asTamperer(db(), async (trx) => {
            await shiftFrom(trx, at, 1)
            await trx
              .insertInto('audit_event')
              .values({
                seq: at,
                at: new Date(fields.atMicros / 1000),
                actor_type: fields.actorType,
                actor_id: fields.actorId,
                action: fields.action,
                reason: fields.reason,
                prev_hash: before,
                hash,
              })
              .execute()
          })
          const result = await verifyBothWays()
          expect(result.ok).toBe(false)
          // A forged record with a consistent hash is betrayed by a checkpoint at its place, else by
          // its successor, which no longer links to it (or, appended last, by lying beyond the head).
          const expected = !wellForged || checkpoints.includes(at) || at > n ? at : at + 1
          expect(result.firstBad?.seq).toBe(expected)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('two swapped records are caught at the first of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb.filter((h) => h.reduce((s, b) => s + b.records.length, 0) >= 2),
        fc.nat(),
        fc.nat(),
        async (history, a, b) => {
          const { n } = await write(history)
          const i = pick(n, a)
          let j = pick(n, b)
          if (j === i) j = i === n ? 1 : i + 1
          await asTamperer(db(), async (trx) => {
            // Renumber through a free range: the primary key is checked row by row.
            const parked = n + 1_000
            await sql`update audit_event set seq = ${parked} where seq = ${i}`.execute(trx)
            await sql`update audit_event set seq = ${i} where seq = ${j}`.execute(trx)
            await sql`update audit_event set seq = ${j} where seq = ${parked}`.execute(trx)
          })
          const result = await verifyBothWays()
          expect(result.ok).toBe(false)
          expect(result.firstBad?.seq).toBe(Math.min(i, j))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('a tail truncated past a checkpoint is caught, even when the head is moved back too', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb.filter((h) => h.some((b) => b.checkpoint)),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        async (history, c, m, moveHead) => {
          const { checkpoints } = await write(history)
          const checkpoint = checkpoints[c % checkpoints.length]!
          const keep = m % checkpoint // 0..checkpoint-1 records stay
          const hash = keep > 0 ? (await repository().rows(keep - 1, keep, 1))[0]!.hash : GENESIS_HASH
          await asTamperer(db(), async (trx) => {
            await sql`delete from audit_event where seq > ${keep}`.execute(trx)
            if (moveHead) await sql`update audit_head set seq = ${keep}, hash = ${hash}`.execute(trx)
          })
          const result = await verifyBothWays()
          expect(result.firstBad).toMatchObject({ seq: keep + 1, problem: 'truncated' })
          const quick = await verifyBothWays({ fromCheckpoint: true })
          expect(quick.firstBad).toMatchObject({ seq: keep + 1, problem: 'truncated' })
        },
      ),
      { numRuns: RUNS },
    )
  })

  it("a change with only that record's hash recomputed is caught where the chain breaks", async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), text, async (history, choice, newReason) => {
        const { n, checkpoints } = await write(history)
        const seq = pick(n, choice)
        const [row] = await repository().rows(seq - 1, seq, 1)
        const reason = row!.reason === newReason ? `${newReason}!` : newReason
        const hash = new AuditRecordEncoder().hash(row!.prev_hash, chainFieldsOf({ ...row!, reason }))
        await asTamperer(db(), async (trx) => {
          await sql`update audit_event set reason = ${reason}, hash = ${hash} where seq = ${seq}`.execute(trx)
        })
        const result = await verifyBothWays()
        // Self-consistent, but a checkpoint at it, the next record's link, or the head gives it away.
        if (checkpoints.includes(seq)) {
          expect(result.firstBad).toMatchObject({ seq, problem: 'checkpoint-mismatch' })
        } else if (seq < n) {
          expect(result.firstBad).toMatchObject({ seq: seq + 1, problem: 'broken-link' })
        } else {
          expect(result.firstBad).toMatchObject({ seq, problem: 'head-mismatch' })
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('forged hashes (a change with the chain recomputed after it) are caught at the next checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), text, async (history, choice, newReason) => {
        const { n, checkpoints } = await write(history)
        const seq = pick(n, choice)
        const stored = await repository().rows(0, n, n)
        const original = stored[seq - 1]!
        const reason = original.reason === newReason ? `${newReason}!` : newReason
        // The forger rewrites the record, recomputes every hash from there on, and moves the head.
        const encoder = new AuditRecordEncoder()
        let prev: Uint8Array = original.prev_hash
        const rewritten = stored.slice(seq - 1).map((row) => {
          const fields = chainFieldsOf(row.seq === seq ? { ...row, reason } : row)
          const hash = encoder.hash(prev, fields)
          const updated = { seq: row.seq, prev: prev, hash }
          prev = hash
          return updated
        })
        await asTamperer(db(), async (trx) => {
          await sql`update audit_event set reason = ${reason} where seq = ${seq}`.execute(trx)
          for (const r of rewritten)
            await sql`update audit_event set prev_hash = ${r.prev}, hash = ${r.hash} where seq = ${r.seq}`.execute(
              trx,
            )
          await sql`update audit_head set hash = ${prev}`.execute(trx)
        })
        const result = await verifyBothWays()
        const next = checkpoints.filter((c) => c >= seq).sort((a, b) => a - b)[0]
        if (next === undefined) {
          // The documented limit: records after the newest checkpoint are protected by the chain
          // alone, and a forger who recomputes it goes unnoticed until a checkpoint covers them.
          expectIntactButUnprotected(result, n - Math.max(0, ...checkpoints))
        } else {
          expect(result.firstBad).toMatchObject({ seq: next, problem: 'checkpoint-mismatch' })
        }
      }),
      { numRuns: RUNS },
    )
  })
})

function expectIntactButUnprotected(result: AuditVerification, unprotected: number): void {
  expect(result.ok).toBe(true)
  expect(result.unprotected).toBe(unprotected)
}

/** Moves records with seq >= from up by `by`, through a free range (the primary key is checked per row). */
async function shiftFrom(trx: Kysely<Schema>, from: number, by: number): Promise<void> {
  const far = 1_000_000
  await sql`update audit_event set seq = seq + ${far} where seq >= ${from}`.execute(trx)
  await sql`update audit_event set seq = seq - ${far - by} where seq >= ${from + far}`.execute(trx)
}

type Change = (trx: Kysely<Schema>, seq: number) => Promise<unknown>
type ChainRow = Awaited<ReturnType<AuditRepository['rows']>>[number]

const TEXT_COLUMNS = [
  'actor_type',
  'actor_id',
  'actor_role',
  'action',
  'purpose',
  'legal_basis',
  'request_id',
  'reason',
] as const

/** Every way to change one stored value of this record (each keeps the table's check constraints). */
function changesFor(row: ChainRow): Change[] {
  const run = (statement: string) => (trx: Kysely<Schema>, seq: number) =>
    sql`${sql.raw(statement)} where seq = ${seq}`.execute(trx)
  const changes: Change[] = [
    run(`update audit_event set at = at + interval '1 microsecond'`),
    run(`update audit_event set fields = coalesce(fields, '{}') || 'x'::text`),
    run(`update audit_event set prev_hash = sha256(prev_hash)`),
    run(`update audit_event set hash = sha256(hash)`),
    ...TEXT_COLUMNS.map((column) => run(`update audit_event set ${column} = coalesce(${column}, '') || 'x'`)),
  ]
  if (row.subject_set_id === null) {
    changes.push(run(`update audit_event set subject_ids = coalesce(subject_ids, '{}') || gen_random_uuid()`))
    if (row.subject_ids && row.subject_ids.length > 0)
      changes.push(run(`update audit_event set subject_ids = subject_ids[2:]`))
  } else {
    const setId = row.subject_set_id
    changes.push(
      run(`update audit_event set subject_set_id = gen_random_uuid()`),
      run(`update audit_event set subject_set_size = subject_set_size + 1`),
      run(`update audit_event set subject_set_digest = sha256(subject_set_digest)`),
      (trx) => sql`insert into audit_subject_set values (${setId}, gen_random_uuid())`.execute(trx),
      (trx) =>
        sql`delete from audit_subject_set where set_id = ${setId}
            and subject_id = (select min(subject_id::text)::uuid from audit_subject_set where set_id = ${setId})`.execute(
          trx,
        ),
    )
  }
  if (row.sealed_values !== null) {
    changes.push(
      run(`update audit_event set sealed_values = sealed_values || '\\x00'::bytea`),
      run(`update audit_event set sealed_subject_id = gen_random_uuid()`),
    )
  }
  return changes
}

function emptyRow(seq: number): ChainRow {
  return {
    seq,
    at_us: Date.now() * 1000,
    actor_type: 'system',
    actor_id: 'tresor',
    actor_role: null,
    action: 'read',
    subject_ids: null,
    subject_set_id: null,
    subject_set_size: null,
    subject_set_digest: null,
    purpose: null,
    legal_basis: null,
    fields: null,
    request_id: null,
    reason: null,
    sealed_subject_id: null,
    sealed_values: null,
    prev_hash: GENESIS_HASH,
    hash: GENESIS_HASH,
  }
}
