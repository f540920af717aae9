import { type Kysely, sql } from 'kysely'
import { byteaArray, integerArray, textArray } from '../../platform/db/array-literal.ts'
import { preparedAs } from '../../platform/db/prepared.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { AUDIT_COLUMNS } from './audit-hash.ts'

/** One record to insert; `at` is shared by the batch. */
export interface NewAuditEvent {
  seq: number
  actor_type: string
  actor_id: string
  actor_role: string | null
  action: string
  subject_ids: readonly string[] | null
  subject_set_id: string | null
  subject_set_size: number | null
  subject_set_digest: Uint8Array | null
  purpose: string | null
  legal_basis: string | null
  fields: readonly string[] | null
  request_id: string | null
  reason: string | null
  sealed_subject_id: string | null
  sealed_values: Uint8Array | null
  prev_hash: Uint8Array
  hash: Uint8Array
}

/**
 * A record of a verify batch that needs a look in process: the batch's first and last, any that
 * fails a check, and those at checkpoints, with linked sets, or beyond the head.
 */
export interface AuditVerifyRow {
  seq: number
  prevHash: Uint8Array
  hash: Uint8Array
  /** SHA-256(prev_hash || record_send(row of AUDIT_COLUMNS)), recomputed by the database. */
  computed: Uint8Array
  /** The seq of the record before it in the batch (null for the batch's first). */
  prevSeq: number | null
  /** prev_hash = the stored hash of the record before it in the batch (null for the first). */
  linkOk: boolean | null
  subjectSetId: string | null
  subjectSetSize: number | null
  subjectSetDigest: Uint8Array | null
  /** Records in the batch up to this one (on the batch's last record: all of them). */
  count: number
  clientEncoding: string
}

/** The stored columns of one record, with `at` in exact microseconds (a JS Date keeps only ms). */
export interface AuditChainRow {
  seq: number
  at_us: number
  actor_type: string
  actor_id: string
  actor_role: string | null
  action: string
  subject_ids: string[] | null
  subject_set_id: string | null
  subject_set_size: number | null
  subject_set_digest: Uint8Array | null
  purpose: string | null
  legal_basis: string | null
  fields: string[] | null
  request_id: string | null
  reason: string | null
  sealed_subject_id: string | null
  sealed_values: Uint8Array | null
  prev_hash: Uint8Array
  hash: Uint8Array
}

/** A record as the per-subject history shows it: no hashes, never the sealed values. */
export interface AuditHistoryRow {
  seq: number
  at: Date
  actor_type: string
  actor_id: string
  actor_role: string | null
  action: string
  purpose: string | null
  legal_basis: string | null
  fields: string[] | null
  request_id: string | null
  reason: string | null
}

export interface AuditCheckpointRow {
  seq: number
  hash: Uint8Array
  at_us: number
  signature: Uint8Array
  public_key: Uint8Array
}

/** Rows of a subject set per INSERT: the ids travel as one array parameter. */
const SET_CHUNK = 50_000

// `at` with its microseconds: extract(epoch) is numeric (exact) since PostgreSQL 14.
const atMicros = sql<number>`(extract(epoch from at) * 1000000)::int8`

/** SQL for the audit trail; one query per method. Writes take the caller's transaction. */
export class AuditRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Locks the head row until the transaction ends: this is what serialises appends. */
  lockHead(trx: Kysely<Schema>): Promise<{ seq: number; hash: Uint8Array } | undefined> {
    return trx.selectFrom('audit_head').select(['seq', 'hash']).forUpdate().executeTakeFirst()
  }

  /**
   * One INSERT for the whole batch: every column travels as one array parameter and `unnest`
   * turns them into rows, so the statement's size doesn't grow with the batch. Nested arrays
   * (subject ids, fields) can't be elements of a PostgreSQL array, so they go as array literals.
   *
   * With `moveHead`, the same statement first moves the head from `expected` to `to`, and inserts
   * only if the head was still at `expected` (same seq and hash): an append in one round trip,
   * atomic on its own, and safe against a writer in another process that moved the head first
   * (the UPDATE waits for that writer's transaction and then finds no row; nothing is inserted).
   * Returns the number of records inserted.
   */
  async insertEvents(
    trx: Kysely<Schema>,
    at: Date,
    events: readonly NewAuditEvent[],
    moveHead?: { expected: { seq: number; hash: Uint8Array }; to: { seq: number; hash: Uint8Array } },
  ): Promise<number> {
    if (events.length === 0) return 0
    const column = <K extends keyof NewAuditEvent>(key: K): NewAuditEvent[K][] => events.map((e) => e[key])
    const head = moveHead
      ? sql`with head as (
          update audit_head set seq = ${moveHead.to.seq}::int8, hash = ${moveHead.to.hash}::bytea
          where seq = ${moveHead.expected.seq}::int8 and hash = ${moveHead.expected.hash}::bytea
          returning 1)`
      : sql``
    const moved = moveHead ? sql`where exists (select from head)` : sql``
    const result =
      await sql`${preparedAs('audit-append')}${head} insert into audit_event (seq, at, actor_type, actor_id, actor_role, action,
        subject_ids, subject_set_id, subject_set_size, subject_set_digest, purpose, legal_basis, fields,
        request_id, reason, sealed_subject_id, sealed_values, prev_hash, hash)
      select seq, ${at}::timestamptz, actor_type, actor_id, actor_role, action, subject_ids::uuid[],
        subject_set_id, subject_set_size, subject_set_digest, purpose, legal_basis, fields::text[],
        request_id, reason, sealed_subject_id, sealed_values, prev_hash, hash
      from unnest(${integerArray(column('seq'))}::int8[], ${text(column('actor_type'))}::text[],
        ${text(column('actor_id'))}::text[], ${text(column('actor_role'))}::text[],
        ${text(column('action'))}::text[], ${text(events.map((e) => nestedLiteral(e.subject_ids)))}::text[],
        ${text(column('subject_set_id'))}::uuid[], ${orNull(column('subject_set_size'), integerArray)}::int4[],
        ${bytea(column('subject_set_digest'))}::bytea[], ${text(column('purpose'))}::text[],
        ${text(column('legal_basis'))}::text[], ${text(events.map((e) => nestedLiteral(e.fields)))}::text[],
        ${text(column('request_id'))}::text[], ${text(column('reason'))}::text[],
        ${text(column('sealed_subject_id'))}::uuid[], ${bytea(column('sealed_values'))}::bytea[],
        ${byteaArray(column('prev_hash'))}::bytea[], ${byteaArray(column('hash'))}::bytea[])
        as u(seq, actor_type, actor_id, actor_role, action, subject_ids, subject_set_id, subject_set_size,
          subject_set_digest, purpose, legal_basis, fields, request_id, reason, sealed_subject_id,
          sealed_values, prev_hash, hash)
      ${moved}`.execute(trx)
    return Number(result.numAffectedRows ?? 0n)
  }

  /** Stores a linked subject set; `subjectIds` distinct. Chunked so a million ids stay bounded. */
  async insertSubjectSet(trx: Kysely<Schema>, setId: string, subjectIds: readonly string[]): Promise<void> {
    for (let i = 0; i < subjectIds.length; i += SET_CHUNK) {
      const chunk = subjectIds.slice(i, i + SET_CHUNK)
      await sql`insert into audit_subject_set (set_id, subject_id)
        select ${setId}::uuid, unnest(${chunk}::uuid[])`.execute(trx)
    }
  }

  /**
   * The head and the highest stored seq, read in one statement so both come from one snapshot
   * (an append moves both in one transaction).
   */
  async bounds(): Promise<{ headSeq: number | null; headHash: Uint8Array | null; maxSeq: number | null }> {
    const result = await sql<{ headSeq: number | null; headHash: Uint8Array | null; maxSeq: number | null }>`
      select (select seq from audit_head) as "headSeq",
             (select hash from audit_head) as "headHash",
             (select max(seq) from audit_event) as "maxSeq"`.execute(this.#db)
    const row = result.rows[0]
    return { headSeq: row?.headSeq ?? null, headHash: row?.headHash ?? null, maxSeq: row?.maxSeq ?? null }
  }

  /**
   * Verifies the records with lowSeq < seq <= highSeq inside the database: recomputes each hash
   * from the stored fields (`record_send` gives the canonical encoding, see audit-hash.ts) and
   * compares it, the sequence and the link with the record before, in one pass, returning only
   * the records that need a look (`AuditVerifyRow`). Built-in functions and operators only, each
   * qualified with pg_catalog, so nothing a role can define (or put first on its search_path)
   * takes part in the check.
   */
  async verifyBatch(
    lowSeq: number,
    highSeq: number,
    headSeq: number,
    checkpointSeqs: readonly number[],
  ): Promise<AuditVerifyRow[]> {
    const columns = sql.join(AUDIT_COLUMNS.map((c) => sql.ref(`e.${c}`)))
    // The hash is computed in a narrow inner query (offset 0 keeps the planner from merging it),
    // so the window functions buffer a few columns, not whole records.
    const result = await sql<AuditVerifyRow>`
      select seq, prev_hash as "prevHash", hash, computed, prev_seq as "prevSeq", link_ok as "linkOk",
             subject_set_id as "subjectSetId", subject_set_size as "subjectSetSize",
             subject_set_digest as "subjectSetDigest", n as count,
             pg_catalog.current_setting('client_encoding') as "clientEncoding"
      from (
        select c.*,
               pg_catalog.lag(c.seq) over w as prev_seq,
               c.prev_hash operator(pg_catalog.=) pg_catalog.lag(c.hash) over w as link_ok,
               pg_catalog.lead(c.seq) over w is null as is_last,
               pg_catalog.row_number() over w as n
        from (
          select e.seq, e.prev_hash, e.hash, e.subject_set_id, e.subject_set_size, e.subject_set_digest,
                 pg_catalog.sha256(e.prev_hash operator(pg_catalog.||) pg_catalog.record_send(row(${columns})))
                   as computed
          from audit_event e
          where e.seq operator(pg_catalog.>) ${lowSeq}::int8 and e.seq operator(pg_catalog.<=) ${highSeq}::int8
          order by e.seq
          offset 0
        ) c
        window w as (order by c.seq)
      ) x
      where prev_seq is null or is_last or subject_set_id is not null
         or not (computed operator(pg_catalog.=) hash) or not link_ok
         or seq operator(pg_catalog.<>) (prev_seq operator(pg_catalog.+) 1)
         or seq operator(pg_catalog.>) ${headSeq}::int8
         or seq operator(pg_catalog.=) any(${checkpointSeqs}::int8[])
      order by seq`.execute(this.#db)
    return result.rows
  }

  /** Records as typed rows, in seq order: for verify in process (`independent`), tests and tools. */
  rows(afterSeq: number, untilSeq: number, limit: number): Promise<AuditChainRow[]> {
    return this.#db
      .selectFrom('audit_event')
      .select([
        'seq',
        atMicros.as('at_us'),
        'actor_type',
        'actor_id',
        'actor_role',
        'action',
        'subject_ids',
        'subject_set_id',
        'subject_set_size',
        'subject_set_digest',
        'purpose',
        'legal_basis',
        'fields',
        'request_id',
        'reason',
        'sealed_subject_id',
        'sealed_values',
        'prev_hash',
        'hash',
      ])
      .where('seq', '>', afterSeq)
      .where('seq', '<=', untilSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
  }

  /** Size and digest (as `subjectSetDigest` computes it) of each named set, from the set table. */
  subjectSetDigests(
    setIds: readonly string[],
  ): Promise<{ set_id: string; size: number; digest: Uint8Array }[]> {
    return this.#db
      .selectFrom('audit_subject_set')
      .select([
        'set_id',
        (eb) => eb.fn.countAll<number>().as('size'),
        sql<Uint8Array>`pg_catalog.sha256(string_agg(uuid_send(subject_id), ''::bytea order by subject_id))`.as(
          'digest',
        ),
      ])
      .where('set_id', '=', sql<string>`any(${setIds}::uuid[])`)
      .groupBy('set_id')
      .execute()
  }

  checkpoints(): Promise<AuditCheckpointRow[]> {
    return this.#db
      .selectFrom('audit_checkpoint')
      .select(['seq', 'hash', atMicros.as('at_us'), 'signature', 'public_key'])
      .orderBy('seq')
      .execute()
  }

  latestCheckpoint(): Promise<AuditCheckpointRow | undefined> {
    return this.#db
      .selectFrom('audit_checkpoint')
      .select(['seq', 'hash', atMicros.as('at_us'), 'signature', 'public_key'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  /** The current head, as committed. */
  head(): Promise<{ seq: number; hash: Uint8Array } | undefined> {
    return this.#db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirst()
  }

  /** Stores a checkpoint; one that already exists for this seq is kept as it is. */
  async insertCheckpoint(checkpoint: {
    seq: number
    hash: Uint8Array
    at: Date
    signature: Uint8Array
    publicKey: Uint8Array
  }): Promise<boolean> {
    const result = await this.#db
      .insertInto('audit_checkpoint')
      .values({
        seq: checkpoint.seq,
        hash: checkpoint.hash,
        at: checkpoint.at,
        signature: checkpoint.signature,
        public_key: checkpoint.publicKey,
      })
      .onConflict((oc) => oc.column('seq').doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  /**
   * Records that name the subject, inline or through a linked set, newest first, below `beforeSeq`.
   * Two index lookups (GIN on the inline ids, the set table by subject) each bounded by the page
   * size, merged: an OR across both would defeat the indexes.
   */
  /**
   * Records naming the subject or a subject merged into it (directly or through a chain of merges),
   * newest first.
   */
  async history(subjectId: string, beforeSeq: number | undefined, limit: number): Promise<AuditHistoryRow[]> {
    const before = beforeSeq ?? Number.MAX_SAFE_INTEGER
    const result = await sql<AuditHistoryRow>`
      with recursive ids(id) as (
        select ${subjectId}::uuid
        union
        select s.id from subject s join ids on s.merged_into = ids.id
      )
      select seq, at, actor_type, actor_id, actor_role, action, purpose, legal_basis, fields,
             request_id, reason
      from audit_event
      where seq in (
        (select seq from audit_event
          where subject_ids && (select array_agg(id) from ids) and seq < ${before}
          order by seq desc limit ${limit})
        union all
        (select e.seq from audit_subject_set s join audit_event e on e.subject_set_id = s.set_id
          where s.subject_id in (select id from ids) and e.seq < ${before}
          order by e.seq desc limit ${limit})
      )
      order by seq desc
      limit ${limit}`.execute(this.#db)
    return result.rows
  }

  async subjectExists(subjectId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('subject')
      .select('id')
      .where('id', '=', subjectId)
      .executeTakeFirst()
    return row !== undefined
  }
}

/**
 * A PostgreSQL array literal of the elements, each in double quotes with quotes and backslashes
 * escaped, so any text (commas, braces, quotes, "NULL") arrives as itself; null stays null.
 */
/**
 * A column's array literal, or NULL when every value is null: multi-argument `unnest` pads a
 * shorter (here: empty) array with NULLs, so nothing needs building or parsing for it.
 */
function orNull<T>(
  values: readonly (T | null)[],
  literal: (values: readonly (T | null)[]) => string,
): string | null {
  return values.every((v) => v === null) ? null : literal(values)
}
const text = (values: readonly (string | null)[]) => orNull(values, textArray)
const bytea = (values: readonly (Uint8Array | null)[]) => orNull(values, byteaArray)

function nestedLiteral(values: readonly string[] | null): string | null {
  return values === null ? null : textArray(values)
}
