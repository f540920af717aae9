import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely'
import type { OrganisationTable, Schema } from '../../platform/db/schema.ts'

export type OrganisationRow = Selectable<OrganisationTable>

/** SQL for organisations (not personal data); one query per method. */
export class OrganisationRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Inserts, or returns the organisation already imported under the same external reference. */
  async insert(row: Insertable<OrganisationTable>): Promise<{ row: OrganisationRow; created: boolean }> {
    const inserted = await this.#db
      .insertInto('organisation')
      .values(row)
      .onConflict((oc) => oc.column('external_ref').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (inserted) return { row: inserted, created: true }
    const existing = await this.#db
      .selectFrom('organisation')
      .selectAll()
      .where('external_ref', '=', row.external_ref as string)
      .executeTakeFirstOrThrow()
    return { row: existing, created: false }
  }

  update(id: string, patch: Updateable<OrganisationTable>): Promise<OrganisationRow | undefined> {
    return this.#db
      .updateTable('organisation')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
  }

  find(id: string): Promise<OrganisationRow | undefined> {
    return this.#db.selectFrom('organisation').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** A page by name (prefix match on the lower-cased name index), then id. */
  list(query: {
    prefix?: string | undefined
    limit: number
    after?: string | undefined
  }): Promise<OrganisationRow[]> {
    return this.#db
      .selectFrom('organisation')
      .selectAll()
      .$if(query.prefix !== undefined, (qb) =>
        qb.where(sql<string>`lower(name)`, 'like', `${escapeLike((query.prefix as string).toLowerCase())}%`),
      )
      .$if(query.after !== undefined, (qb) => qb.where('id', '>', query.after as string))
      .orderBy('id')
      .limit(query.limit)
      .execute()
  }
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)
