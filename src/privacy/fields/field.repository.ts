import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { FieldDefinitionTable, Schema } from '../../platform/db/schema.ts'

export type FieldDefinitionRow = Selectable<FieldDefinitionTable>

/** SQL for the field catalog; one query per method. */
export class FieldRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  list(db = this.#db): Promise<FieldDefinitionRow[]> {
    return db.selectFrom('field_definition').selectAll().orderBy('position').orderBy('key').execute()
  }

  find(key: string, db = this.#db): Promise<FieldDefinitionRow | undefined> {
    return db.selectFrom('field_definition').selectAll().where('key', '=', key).executeTakeFirst()
  }

  /** Inserts the rows whose key is missing; returns the inserted keys. */
  async insertMissing(rows: readonly Insertable<FieldDefinitionTable>[], db = this.#db): Promise<string[]> {
    if (rows.length === 0) return []
    const inserted = await db
      .insertInto('field_definition')
      .values([...rows])
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute()
    return inserted.map((r) => r.key)
  }

  async nextPosition(db = this.#db): Promise<number> {
    const row = await db
      .selectFrom('field_definition')
      .select((eb) => eb.fn.max('position').as('max'))
      .executeTakeFirst()
    return Number(row?.max ?? 0) + 1
  }

  insert(row: Insertable<FieldDefinitionTable>, db = this.#db): Promise<FieldDefinitionRow | undefined> {
    return db
      .insertInto('field_definition')
      .values(row)
      .onConflict((oc) => oc.column('key').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  update(
    key: string,
    change: Updateable<FieldDefinitionTable>,
    db = this.#db,
  ): Promise<FieldDefinitionRow | undefined> {
    return db
      .updateTable('field_definition')
      .set(change)
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirst()
  }
}
