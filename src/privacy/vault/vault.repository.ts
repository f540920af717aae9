import { type Kysely, sql } from 'kysely'
import { byteaArray, integerArray, textArray } from '../../platform/db/array-literal.ts'
import { preparedAs } from '../../platform/db/prepared.ts'
import type { Schema } from '../../platform/db/schema.ts'
import type { BlindIndexKind, IndexKind, NameIndexKind } from './blind-index.ts'

/** A subject of a write: whether it was erased. */
export interface LockedSubject {
  id: string
  erased: boolean
}

export interface StoredKey {
  subjectId: string
  wrapped: Uint8Array
  keyId: string
}

/** A data key with the subject's sealed identity record (null: none). */
export interface KeyWithIdentity extends StoredKey {
  identity: Uint8Array | null
}

/** A field of the subject_identifier table of before migration 0014 (converted at start). */
export interface LegacyIdentifierRow {
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
   * Locks the subjects (in id order, like the erasure: overlapping calls can't deadlock) until the
   * end of `trx`: an erasure (which updates the subject row) waits for this write, this write sees a
   * committed erasure, and two writers of one subject's identity record take turns. Read the keys
   * and records after this, in a statement of their own: its snapshot then includes what a writer
   * waited for committed.
   */
  async lockSubjects(ids: readonly string[], trx: Kysely<Schema>): Promise<LockedSubject[]> {
    const rows = await trx
      .selectFrom('subject')
      .select(['id', 'erased_at'])
      .where('id', '=', sql<string>`any(${uuids(ids)})`)
      .orderBy('id')
      .forNoKeyUpdate()
      .execute()
    return rows.map((r) => ({ id: r.id, erased: r.erased_at !== null }))
  }

  /** The data keys of a set of subjects (subjects without one are absent). */
  async keys(ids: readonly string[], trx: Kysely<Schema> = this.#db): Promise<StoredKey[]> {
    return trx
      .selectFrom('subject_key')
      .select(['subject_id as subjectId', 'wrapped_key as wrapped', 'master_key_id as keyId'])
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  /**
   * Inserts new data keys, with the identity record where one is given; returns the subjects whose
   * key was inserted (a concurrent writer may have won).
   */
  async insertKeys(keys: readonly KeyWithIdentity[], trx: Kysely<Schema>): Promise<string[]> {
    if (keys.length === 0) return []
    const rows = await trx
      .insertInto('subject_key')
      .columns(['subject_id', 'wrapped_key', 'master_key_id', 'identity'])
      .expression(
        sql`select * from unnest(${uuids(keys.map((k) => k.subjectId))}, ${byteaArray(keys.map((k) => k.wrapped))}::bytea[], ${textArray(keys.map((k) => k.keyId))}::text[], ${byteaArray(keys.map((k) => k.identity))}::bytea[])`,
      )
      .onConflict((oc) => oc.column('subject_id').doNothing())
      .returning('subject_id')
      .execute()
    return rows.map((r) => r.subject_id)
  }

  /** Replaces the identity records of subjects that have a key (null: the subject has none left). */
  async updateIdentities(
    rows: readonly { subjectId: string; identity: Uint8Array | null }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (rows.length === 0) return
    await sql`
      update subject_key as k set identity = v.identity
      from unnest(${uuids(rows.map((r) => r.subjectId))}, ${byteaArray(rows.map((r) => r.identity))}::bytea[])
        as v(subject_id, identity)
      where k.subject_id = v.subject_id
    `.execute(trx)
  }

  /**
   * The data keys of a set of subjects with their identity records, in one query (one snapshot: a
   * key shredded meanwhile takes its record with it). Subjects without a key (erased, or never given
   * identifiers) are absent.
   */
  async keysWithIdentity(ids: readonly string[], trx: Kysely<Schema> = this.#db): Promise<KeyWithIdentity[]> {
    const { rows } = await sql<KeyWithIdentity>`${preparedAs('vault-identities')}
      select subject_id as "subjectId", wrapped_key as wrapped, master_key_id as "keyId", identity
      from subject_key where subject_id = any(${uuids(ids)})`.execute(trx)
    return rows
  }

  /** Up to `limit` subjects that still have identifier rows of before migration 0014. */
  async legacySubjects(limit: number, trx: Kysely<Schema> = this.#db): Promise<string[]> {
    const rows = await trx
      .selectFrom('subject_identifier')
      .select('subject_id')
      .distinct()
      .orderBy('subject_id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.subject_id)
  }

  /** The identifier rows of before migration 0014 of these subjects. */
  legacyIdentifiers(ids: readonly string[], trx: Kysely<Schema>): Promise<LegacyIdentifierRow[]> {
    return trx
      .selectFrom('subject_identifier')
      .select(['subject_id as subjectId', 'field', 'ciphertext'])
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
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

  /**
   * Claims blind-index keys until the end of `trx` (migration 0022): inserted in key order, so two
   * transactions claiming overlapping sets wait for each other instead of deadlocking. A transaction
   * that claims a key another one holds waits until that one ends.
   */
  async claim(keys: readonly string[], trx: Kysely<Schema>): Promise<void> {
    if (keys.length === 0) return
    await trx
      .insertInto('blind_index_claim')
      .columns(['key'])
      .expression(sql`select distinct k from unnest(${textArray(keys)}::bigint[]) as k order by k`)
      .onConflict((oc) => oc.doNothing())
      .execute()
  }

  /**
   * Deletes the claims of `trx` again: nothing is kept, yet they hold until the transaction ends
   * (a row deleted by a running transaction still occupies its key in the unique index).
   */
  async dropClaims(keys: readonly string[], trx: Kysely<Schema>): Promise<void> {
    if (keys.length === 0) return
    await trx
      .deleteFrom('blind_index_claim')
      .where('key', '=', sql<string>`any(${textArray(keys)}::bigint[])`)
      .execute()
  }

  /** Which of these e-mail and phone digests are stored (for anyone): one query for both sets. */
  async storedDigests(
    emails: readonly Uint8Array[],
    phones: readonly Uint8Array[],
    trx: Kysely<Schema>,
  ): Promise<{ kind: BlindIndexKind; digest: Uint8Array }[]> {
    if (emails.length + phones.length === 0) return []
    const rows = await trx
      .selectFrom('blind_index')
      .select(['kind', 'digest'])
      .distinct()
      .where((eb) =>
        eb.or([
          eb.and([
            eb('kind', '=', 'email'),
            eb('digest', '=', sql<Uint8Array>`any(${byteaArray(emails)}::bytea[])`),
          ]),
          eb.and([
            eb('kind', '=', 'phone'),
            eb('digest', '=', sql<Uint8Array>`any(${byteaArray(phones)}::bytea[])`),
          ]),
        ]),
      )
      .execute()
    return rows.map((r) => ({ kind: r.kind as BlindIndexKind, digest: r.digest }))
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

  /**
   * Replaces a subject's data key and identity record (an erasure that keeps held identifiers
   * under a new key): the old wrapped key is overwritten, so what was sealed under it is noise.
   */
  async replaceKey(
    subjectId: string,
    key: { wrapped: Uint8Array; keyId: string; identity: Uint8Array | null },
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('subject_key')
      .set({
        wrapped_key: Buffer.from(key.wrapped),
        master_key_id: key.keyId,
        identity: key.identity ? Buffer.from(key.identity) : null,
      })
      .where('subject_id', '=', subjectId)
      .execute()
  }

  /** Destroys the data keys: the crypto-shredding itself. */
  async deleteKeys(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await trx
      .deleteFrom('subject_key')
      .where('subject_id', '=', sql<string>`any(${uuids(ids)})`)
      .execute()
  }

  /** Deletes the identifier rows of before migration 0014 (after conversion, or on erasure). */
  async deleteLegacyIdentifiers(ids: readonly string[], trx: Kysely<Schema>): Promise<void> {
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
