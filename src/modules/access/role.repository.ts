import type { Kysely, Transaction } from 'kysely'
import type { RoleRow, Schema } from '../../platform/db/schema.ts'

export type { RoleRow }

/** What a role may do, as stored. */
export interface RoleValues {
  description: string
  permissions: readonly string[]
  fieldCategories: readonly string[]
}

/** SQL for roles; one query per method. */
export class RoleRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Runs `fn` in one transaction with a repository bound to it (and the transaction, for the audit). */
  transaction<T>(fn: (repo: RoleRepository, trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => fn(new RoleRepository(trx), trx))
  }

  list(): Promise<RoleRow[]> {
    return this.#db.selectFrom('role').selectAll().orderBy('builtin', 'desc').orderBy('name').execute()
  }

  find(name: string): Promise<RoleRow | undefined> {
    return this.#db.selectFrom('role').selectAll().where('name', '=', name).executeTakeFirst()
  }

  /** Locks the role row for the rest of the transaction (PostgreSQL; PGlite is one session anyway). */
  findForUpdate(name: string): Promise<RoleRow | undefined> {
    return this.#db.selectFrom('role').selectAll().where('name', '=', name).forUpdate().executeTakeFirst()
  }

  /** Inserts a role; undefined when the name is taken. */
  insert(role: RoleValues & { name: string; builtin: boolean; seeded: boolean }) {
    return this.#db
      .insertInto('role')
      .values({
        name: role.name,
        description: role.description,
        permissions: [...role.permissions],
        field_categories: [...role.fieldCategories],
        builtin: role.builtin,
        seeded_permissions: role.seeded ? [...role.permissions] : null,
        seeded_field_categories: role.seeded ? [...role.fieldCategories] : null,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  update(name: string, values: RoleValues) {
    return this.#db
      .updateTable('role')
      .set({
        description: values.description,
        permissions: [...values.permissions],
        field_categories: [...values.fieldCategories],
        updated_at: new Date(),
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst()
  }

  /** A start-up seed of a built-in role: its values and what the seed said. */
  updateSeeded(
    name: string,
    values: RoleValues & { seededPermissions: readonly string[]; seededFieldCategories: readonly string[] },
  ) {
    return this.#db
      .updateTable('role')
      .set({
        description: values.description,
        permissions: [...values.permissions],
        field_categories: [...values.fieldCategories],
        builtin: true,
        seeded_permissions: [...values.seededPermissions],
        seeded_field_categories: [...values.seededFieldCategories],
        updated_at: new Date(),
      })
      .where('name', '=', name)
      .execute()
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('role')
      .where('name', '=', name)
      .where('builtin', '=', false)
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  }

  /** Users (enabled or not) holding the role. */
  async countUsers(name: string): Promise<number> {
    const row = await this.#db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', name)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** API tokens, not revoked, acting in the role. */
  async countActiveTokens(name: string): Promise<number> {
    const row = await this.#db
      .selectFrom('api_token')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
