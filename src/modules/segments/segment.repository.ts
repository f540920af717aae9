import type { Kysely, Selectable } from 'kysely'
import type { Schema, SegmentTable, SegmentVersionTable } from '../../platform/db/schema.ts'

export type SegmentRow = Selectable<SegmentTable>
export type SegmentVersionRow = Selectable<SegmentVersionTable>

/** What a save writes: the definition and who saved it. */
export interface SegmentWrite {
  name: string
  description: string
  purposeKey: string
  rules: unknown
  at: Date
  actor: { type: string; id: string }
}

/** SQL of the saved segment definitions and their versions (not personal data). `db` may be a transaction. */
export class SegmentRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  transaction<T>(work: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(work)
  }

  list(): Promise<SegmentRow[]> {
    return this.#db.selectFrom('segment').selectAll().orderBy('name').orderBy('id').execute()
  }

  find(id: string, db = this.#db): Promise<SegmentRow | undefined> {
    return db.selectFrom('segment').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Locks the segment's row until the transaction ends: saves of one segment serialise. */
  lock(id: string, trx: Kysely<Schema>): Promise<SegmentRow | undefined> {
    return trx.selectFrom('segment').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  /** Whether another segment has the name (names are unique, case-insensitively). */
  async nameTaken(name: string, except: string | undefined, db = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom('segment')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .$if(except !== undefined, (qb) => qb.where('id', '<>', except as string))
      .executeTakeFirst()
    return row !== undefined
  }

  async insert(write: SegmentWrite, trx: Kysely<Schema>): Promise<SegmentRow> {
    const row = await trx
      .insertInto('segment')
      .values({
        name: write.name,
        description: write.description,
        purpose_key: write.purposeKey,
        rules: JSON.stringify(write.rules),
        version: 1,
        created_at: write.at,
        updated_at: write.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.insertVersion(row, write, trx)
    return row
  }

  async update(id: string, version: number, write: SegmentWrite, trx: Kysely<Schema>): Promise<SegmentRow> {
    const row = await trx
      .updateTable('segment')
      .set({
        name: write.name,
        description: write.description,
        purpose_key: write.purposeKey,
        rules: JSON.stringify(write.rules),
        version,
        updated_at: write.at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.insertVersion(row, write, trx)
    return row
  }

  async insertVersion(row: SegmentRow, write: SegmentWrite, trx: Kysely<Schema>): Promise<void> {
    await trx
      .insertInto('segment_version')
      .values({
        segment_id: row.id,
        version: row.version,
        name: write.name,
        description: write.description,
        purpose_key: write.purposeKey,
        rules: JSON.stringify(write.rules),
        saved_at: write.at,
        actor_type: write.actor.type,
        actor_id: write.actor.id,
      })
      .execute()
  }

  versions(id: string): Promise<SegmentVersionRow[]> {
    return this.#db
      .selectFrom('segment_version')
      .selectAll()
      .where('segment_id', '=', id)
      .orderBy('version', 'desc')
      .execute()
  }

  async delete(id: string, trx: Kysely<Schema>): Promise<boolean> {
    const result = await trx.deleteFrom('segment').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }
}
