import { type Kysely, sql } from 'kysely'
import { byteaArray, integerArray, textArray } from '../../platform/db/array-literal.ts'
import type { Schema } from '../../platform/db/schema.ts'
import type { BlindIndexKind, IndexKind, NameIndexKind } from './blind-index.ts'

/** A subject of a write, with its wrapped data key if it has one. */
export interface SubjectKeyState {
  id: string
  erased: boolean
  wrapped: Uint8Array | null
  keyId: string | null
}

export interface StoredKey {
  subjectId: string
  wrapped: Uint8Array
  keyId: string
}

export interface IdentifierRow {
  subjectId: string
  field: string
  ciphertext: Uint8Array
}

export interface BlindIndexRow {
  kind: IndexKind
  digest: Uint8Array
  subjectId: string
}

// Sets travel as one array parameter each (unnest / any): one statement per table and batch,
// whatever the batch size, and no parameter limit to hit.
const uuids = (ids: readonly string[]) => sql`${textArray(ids)}::uuid[]`

/** SQL of the vault; one query per method. Every method takes the caller's transaction. */
export class VaultRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * The subjects with their data keys, share-locked until the end of `trx`: an erasure (which
   * updates the subject row) waits for this write, and this write sees a committed erasure.
   */
  async lockSubjectsWithKeys(ids: readonly string[], trx: Kysely<Schema>): Promise<SubjectKeyState[]> {
    const rows = await trx
      .selectFrom('subject as s')
      .leftJoin('subject_key as k', 'k.subject_id', 's.id')
      .select(['s.id', 's.erased_at', 'k.wrapped_key', 'k.master_key_id'])
      .where('s.id', '=', sql<string>`any(${uuids(ids)})`)
      // locks taken in id order, like the erasure's: two overlapping calls can't deadlock
      .orderBy('s.id')
      .forShare('s')
      .execute()
    return rows.map((r) => ({
      id: r.id,
      erased: r.erased_at !== null,
      wrapped: r.wrapped_key,
      keyId: r.master_key_id,
    }))
  }

  /** The data keys of a set of subjects (subjects without one are absent). */
  async keys(ids: readonly string[], trx: Kysely<Schema> = this.#db): Promise<StoredKey[]> {
    return trx
      .selectFrom('subject_key')
      .select(['subject_id as subjectId', 'wrapped_key as wrapped', 'master_key_id as keyId'])
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  /** Inserts new data keys; returns the subjects whose key was inserted (a concurrent writer may have won). */
  async insertKeys(keys: readonly StoredKey[], trx: Kysely<Schema>): Promise<string[]> {
    if (keys.length === 0) return []
    const rows = await trx
      .insertInto('subject_key')
      .columns(['subject_id', 'wrapped_key', 'master_key_id'])
      .expression(
        sql`select * from unnest(${uuids(keys.map((k) => k.subjectId))}, ${byteaArray(keys.map((k) => k.wrapped))}::bytea[], ${textArray(keys.map((k) => k.keyId))}::text[])`,
      )
      .onConflict((oc) => oc.column('subject_id').doNothing())
      .returning('subject_id')
      .execute()
    return rows.map((r) => r.subject_id)
  }

  async upsertIdentifiers(rows: readonly IdentifierRow[], trx: Kysely<Schema>): Promise<void> {
    if (rows.length === 0) return
    await trx
      .insertInto('subject_identifier')
      .columns(['subject_id', 'field', 'ciphertext'])
      .expression(
        sql`select * from unnest(${uuids(rows.map((r) => r.subjectId))}, ${textArray(rows.map((r) => r.field))}::text[], ${byteaArray(rows.map((r) => r.ciphertext))}::bytea[])`,
      )
      .onConflict((oc) =>
        oc.columns(['subject_id', 'field']).doUpdateSet({
          ciphertext: (eb) => eb.ref('excluded.ciphertext'),
          updated_at: sql`now()`,
        }),
      )
      .execute()
  }

  /** Deletes the given (subject, field) pairs. */
  async deleteIdentifiers(
    pairs: readonly { subjectId: string; field: string }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (pairs.length === 0) return
    await trx
      .deleteFrom('subject_identifier')
      .where(
        sql<boolean>`(subject_id, field) in (select * from unnest(${uuids(pairs.map((p) => p.subjectId))}, ${pairs.map((p) => p.field)}::text[]))`,
      )
      .execute()
  }

  /**
   * The data keys of a set of subjects with the ciphertexts of `fields`, in one query: a row per
   * stored field (`field` and `ciphertext` null for a subject with a key but none of the fields).
   * Subjects without a key (erased, or never given identifiers) are absent.
   */
  async keysWithIdentifiers(
    ids: readonly string[],
    fields: readonly string[],
    trx: Kysely<Schema> = this.#db,
  ): Promise<(StoredKey & { field: string | null; ciphertext: Uint8Array | null })[]> {
    return trx
      .selectFrom('subject_key as k')
      .leftJoin('subject_identifier as i', (join) =>
        join
          .onRef('i.subject_id', '=', 'k.subject_id')
          .on('i.field', '=', sql<string>`any(${[...fields]}::text[])`),
      )
      .select([
        'k.subject_id as subjectId',
        'k.wrapped_key as wrapped',
        'k.master_key_id as keyId',
        'i.field',
        'i.ciphertext',
      ])
      .where('k.subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  /** Deletes the index entries of the given (subject, kind) pairs. */
  async deleteBlindIndexes(
    pairs: readonly { subjectId: string; kind: IndexKind }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (pairs.length === 0) return
    await trx
      .deleteFrom('blind_index')
      .where(
        sql<boolean>`(subject_id, kind) in (select * from unnest(${uuids(pairs.map((p) => p.subjectId))}, ${pairs.map((p) => p.kind)}::text[]))`,
      )
      .execute()
  }

  async insertBlindIndexes(rows: readonly BlindIndexRow[], trx: Kysely<Schema>): Promise<void> {
    if (rows.length === 0) return
    await trx
      .insertInto('blind_index')
      .columns(['kind', 'digest', 'subject_id'])
      .expression(
        sql`select * from unnest(${textArray(rows.map((r) => r.kind))}::text[], ${byteaArray(rows.map((r) => r.digest))}::bytea[], ${uuids(rows.map((r) => r.subjectId))})`,
      )
      .onConflict((oc) => oc.doNothing())
      .execute()
  }

  /**
   * Subjects that have, for each of `tokens` query words, an entry of one of the words' digests
   * (any of the name kinds): every word must match, in the first or the last name.
   */
  async findByNameTokens(
    entries: readonly { kind: NameIndexKind; digest: Uint8Array; token: number }[],
    tokens: number,
    limit: number,
    trx: Kysely<Schema> = this.#db,
  ): Promise<string[]> {
    if (entries.length === 0) return []
    const result = await sql<{ subject_id: string }>`
      select b.subject_id
      from unnest(${textArray(entries.map((e) => e.kind))}::text[], ${byteaArray(entries.map((e) => e.digest))}::bytea[],
                  ${integerArray(entries.map((e) => e.token))}::int4[]) as q(kind, digest, token)
      join blind_index b on b.kind = q.kind and b.digest = q.digest
      group by b.subject_id
      having count(distinct q.token) = ${tokens}
      order by b.subject_id
      limit ${limit}
    `.execute(trx)
    return result.rows.map((r) => r.subject_id)
  }

  /**
   * Other subjects that look like the same person as `subjectId`: the same e-mail address or phone
   * number, or the same words in both first and last name. One query over the blind index; the
   * reasons name the kinds that matched.
   */
  async lookalikes(
    subjectId: string,
    limit: number,
    trx: Kysely<Schema> = this.#db,
  ): Promise<{ subjectId: string; kinds: string[] }[]> {
    const result = await sql<{ subject_id: string; kinds: string[] }>`
      with mine as (select kind, digest from blind_index where subject_id = ${subjectId}::uuid),
      matches as (
        select b.subject_id, b.kind, count(*) as n
        from blind_index b join mine m on m.kind = b.kind and m.digest = b.digest
        where b.subject_id <> ${subjectId}::uuid
        group by b.subject_id, b.kind
      ),
      name_words as (select kind, count(*) as n from mine where kind in ('first_name', 'last_name') group by kind)
      select m.subject_id, array_agg(m.kind order by m.kind) as kinds
      from matches m
      left join name_words w on w.kind = m.kind
      -- e-mail or phone match outright; a name only with all its words, first and last name both
      where m.kind in ('email', 'phone') or m.n = w.n
      group by m.subject_id
      having bool_or(m.kind in ('email', 'phone'))
          or (bool_or(m.kind = 'first_name') and bool_or(m.kind = 'last_name'))
      order by m.subject_id
      limit ${limit}
    `.execute(trx)
    return result.rows.map((r) => ({ subjectId: r.subject_id, kinds: r.kinds }))
  }

  /** A page of subjects that have a data key (living ones), by id, after `after`. */
  async subjectsWithKeys(
    after: string | undefined,
    limit: number,
    trx: Kysely<Schema> = this.#db,
  ): Promise<string[]> {
    const rows = await trx
      .selectFrom('subject_key')
      .select('subject_id')
      .$if(after !== undefined, (qb) => qb.where('subject_id', '>', after as string))
      .orderBy('subject_id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.subject_id)
  }

  /** For each digest of `kind`, the subjects that have it: one query for a set. */
  findByDigests(
    kind: BlindIndexKind,
    digests: readonly Uint8Array[],
    trx: Kysely<Schema> = this.#db,
  ): Promise<{ digest: Uint8Array; subject_id: string }[]> {
    if (digests.length === 0) return Promise.resolve([])
    return trx
      .selectFrom('blind_index')
      .select(['digest', 'subject_id'])
      .where('kind', '=', kind)
      .where('digest', '=', sql<Uint8Array>`any(${byteaArray(digests)}::bytea[])`)
      .execute()
  }

  /** Subjects whose identifier of `kind` has this digest. */
  async findByDigest(
    kind: BlindIndexKind,
    digest: Uint8Array,
    trx: Kysely<Schema> = this.#db,
  ): Promise<string[]> {
    const rows = await trx
      .selectFrom('blind_index')
      .select('subject_id')
      .where('kind', '=', kind)
      .where('digest', '=', digest)
      .orderBy('subject_id')
      .execute()
    return rows.map((r) => r.subject_id)
  }

  /**
   * Art. 17: turns the subjects into tombstones: pseudonymous attributes cleared, erasure time
   * set (kept from the first erasure if repeated). Rows are locked in id order, as writers lock
   * them, so an erasure and a write over overlapping sets can't deadlock.
   */
  async markErased(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await sql`
      update subject as s
      set attributes = '{}'::jsonb, erased_at = coalesce(s.erased_at, now()), updated_at = now()
      from (select id from subject where id = any(${uuids(ids)}) order by id for update) as locked
      where s.id = locked.id
    `.execute(trx)
  }

  /** Destroys the data keys: the crypto-shredding itself. */
  async deleteKeys(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await trx
      .deleteFrom('subject_key')
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  async deleteAllIdentifiers(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await trx
      .deleteFrom('subject_identifier')
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  async deleteAllBlindIndexes(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await trx
      .deleteFrom('blind_index')
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }
}
