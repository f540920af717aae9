import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** A vault secret as stored: wrapped under the master key `keyId`. */
export interface StoredSecret {
  wrapped: Uint8Array
  keyId: string
}

/** SQL for `vault_secret`; one query per method. */
export class VaultSecretRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async find(name: string, trx: Kysely<Schema> = this.#db): Promise<StoredSecret | undefined> {
    return trx
      .selectFrom('vault_secret')
      .select(['wrapped', 'master_key_id as keyId'])
      .where('name', '=', name)
      .executeTakeFirst()
  }

  /** Inserts the secret unless another process got there first (then theirs wins). */
  async insertIfAbsent(name: string, secret: StoredSecret, trx: Kysely<Schema> = this.#db): Promise<void> {
    await trx
      .insertInto('vault_secret')
      .values({ name, wrapped: secret.wrapped, master_key_id: secret.keyId })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
  }
}
