import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** The tables whose rows are wrapped by the master key. */
export const WRAPPED_TABLES = ['subject_key', 'vault_secret'] as const
export type WrappedTable = (typeof WRAPPED_TABLES)[number]

/** A row wrapped by the master key, as read for a rotation. */
export interface WrappedRow {
  /** `subject_id` of a subject key, `name` of a secret. */
  id: string
  wrapped: Uint8Array
  keyId: string
}

/** A row rewrapped: the new bytes, the key id they are under, and the key id they were under. */
export interface RewrappedRow {
  id: string
  fromKeyId: string
  wrapped: Buffer
  keyId: string
}

/** SQL about the master key: which one is active, and the rows it wraps. One query per method. */
export class MasterKeyRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Records `keyId` as the active master key unless one is recorded already (first start). */
  async initActiveKeyId(keyId: string, trx: Kysely<Schema> = this.#db): Promise<void> {
    await trx
      .insertInto('vault_keyring')
      .values({ id: 1, active_key_id: keyId })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
  }

  async activeKeyId(trx: Kysely<Schema> = this.#db): Promise<string | undefined> {
    const row = await trx
      .selectFrom('vault_keyring')
      .select('active_key_id')
      .where('id', '=', 1)
      .executeTakeFirst()
    return row?.active_key_id
  }

  /**
   * The active key id, share-locked until the end of `trx`: everyone who wraps under the master
   * key reads it this way, so a rotation's switch (`setActiveKeyId`) waits for wraps in flight and
   * no wrap under the old key can commit after the switch.
   */
  async lockActiveKeyId(trx: Kysely<Schema>): Promise<string> {
    const row = await trx
      .selectFrom('vault_keyring')
      .select('active_key_id')
      .where('id', '=', 1)
      .forShare()
      .executeTakeFirst()
    if (!row) throw new Error('the vault keyring is not initialised (the runtime does this at start)')
    return row.active_key_id
  }

  async setActiveKeyId(keyId: string, trx: Kysely<Schema> = this.#db): Promise<void> {
    await trx
      .updateTable('vault_keyring')
      .set({ active_key_id: keyId, updated_at: sql`now()` })
      .where('id', '=', 1)
      .execute()
  }

  /** How many rows of each table are wrapped under each master key. */
  async countByKeyId(
    trx: Kysely<Schema> = this.#db,
  ): Promise<{ table: WrappedTable; keyId: string; rows: number }[]> {
    const rows = await trx
      .selectFrom('subject_key')
      .select([
        sql<WrappedTable>`'subject_key'`.as('table'),
        'master_key_id as keyId',
        (eb) => eb.fn.countAll<number>().as('rows'),
      ])
      .groupBy('master_key_id')
      .unionAll((eb) =>
        eb
          .selectFrom('vault_secret')
          .select([
            sql<WrappedTable>`'vault_secret'`.as('table'),
            'master_key_id as keyId',
            (eb) => eb.fn.countAll<number>().as('rows'),
          ])
          .groupBy('master_key_id'),
      )
      .execute()
    return rows.map((r) => ({ table: r.table, keyId: r.keyId, rows: Number(r.rows) }))
  }

  /** The next `limit` subject keys after `after` (in subject id order) not yet under `keyId`. */
  async subjectKeysNotUnder(
    keyId: string,
    after: string | undefined,
    limit: number,
    trx: Kysely<Schema> = this.#db,
  ): Promise<WrappedRow[]> {
    return trx
      .selectFrom('subject_key')
      .select(['subject_id as id', 'wrapped_key as wrapped', 'master_key_id as keyId'])
      .where('master_key_id', '<>', keyId)
      .$if(after !== undefined, (qb) => qb.where('subject_id', '>', after as string))
      .orderBy('subject_id')
      .limit(limit)
      .execute()
  }

  /**
   * Stores rewrapped subject keys in one statement. A row is only replaced if it is still under
   * the key it was read under: a subject shredded in the meantime stays shredded.
   */
  async rewrapSubjectKeys(rows: readonly RewrappedRow[], trx: Kysely<Schema> = this.#db): Promise<void> {
    if (rows.length === 0) return
    await sql`
      update subject_key as k
      set wrapped_key = v.wrapped, master_key_id = v.key_id
      from unnest(
        ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.fromKeyId)}::text[],
        ${rows.map((r) => r.wrapped)}::bytea[], ${rows.map((r) => r.keyId)}::text[]
      ) as v(subject_id, from_key_id, wrapped, key_id)
      where k.subject_id = v.subject_id and k.master_key_id = v.from_key_id
    `.execute(trx)
  }

  /** Every vault secret not under `keyId` (there are a handful). */
  async secretsNotUnder(keyId: string, trx: Kysely<Schema> = this.#db): Promise<WrappedRow[]> {
    return trx
      .selectFrom('vault_secret')
      .select(['name as id', 'wrapped', 'master_key_id as keyId'])
      .where('master_key_id', '<>', keyId)
      .orderBy('name')
      .execute()
  }

  /** Stores rewrapped secrets in one statement, guarded like `rewrapSubjectKeys`. */
  async rewrapSecrets(rows: readonly RewrappedRow[], trx: Kysely<Schema> = this.#db): Promise<void> {
    if (rows.length === 0) return
    await sql`
      update vault_secret as s
      set wrapped = v.wrapped, master_key_id = v.key_id, updated_at = now()
      from unnest(
        ${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.fromKeyId)}::text[],
        ${rows.map((r) => r.wrapped)}::bytea[], ${rows.map((r) => r.keyId)}::text[]
      ) as v(name, from_key_id, wrapped, key_id)
      where s.name = v.name and s.master_key_id = v.from_key_id
    `.execute(trx)
  }
}
