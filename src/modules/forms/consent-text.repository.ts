import { type Kysely, type Selectable, sql } from 'kysely'
import type { ConsentTextTable, Schema } from '../../platform/db/schema.ts'

export type ConsentTextRow = Selectable<ConsentTextTable>

/** SQL for consent texts; one query per method. Rows are only ever inserted (a trigger refuses the rest). */
export class ConsentTextRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  list(purposeKey?: string, db = this.#db): Promise<ConsentTextRow[]> {
    let query = db.selectFrom('consent_text').selectAll()
    if (purposeKey !== undefined) query = query.where('purpose_key', '=', purposeKey)
    return query.orderBy('purpose_key').orderBy('version').execute()
  }

  find(purposeKey: string, version: number, db = this.#db): Promise<ConsentTextRow | undefined> {
    return db
      .selectFrom('consent_text')
      .selectAll()
      .where('purpose_key', '=', purposeKey)
      .where('version', '=', version)
      .executeTakeFirst()
  }

  /** The newest version of each of these purposes (purposes without a text are absent). */
  latest(purposeKeys: readonly string[], db = this.#db): Promise<ConsentTextRow[]> {
    if (purposeKeys.length === 0) return Promise.resolve([])
    return db
      .selectFrom('consent_text')
      .selectAll()
      .distinctOn('purpose_key')
      .where('purpose_key', 'in', [...purposeKeys])
      .orderBy('purpose_key')
      .orderBy('version', 'desc')
      .execute()
  }

  /** Inserts version 1 of each purpose that has no text yet; returns the purposes it inserted. */
  async insertFirst(
    rows: readonly { purposeKey: string; de: string; en: string; createdAt: Date }[],
    db = this.#db,
  ): Promise<string[]> {
    if (rows.length === 0) return []
    const inserted = await db
      .insertInto('consent_text')
      .values(
        rows.map((r) => ({
          purpose_key: r.purposeKey,
          version: 1,
          text_de: r.de,
          text_en: r.en,
          created_at: r.createdAt,
        })),
      )
      .onConflict((oc) => oc.columns(['purpose_key', 'version']).doNothing())
      .returning('purpose_key')
      .execute()
    return inserted.map((r) => r.purpose_key)
  }

  /**
   * Inserts the next version (one more than the newest) and returns it. Two writers racing for the
   * same version: the primary key lets one win, the other gets undefined and tries again.
   */
  async insertNext(
    row: { purposeKey: string; de: string; en: string; createdAt: Date },
    db = this.#db,
  ): Promise<ConsentTextRow | undefined> {
    const { rows } = await sql<ConsentTextRow>`
      insert into consent_text (purpose_key, version, text_de, text_en, created_at)
      select ${row.purposeKey}::text, coalesce(max(version), 0) + 1, ${row.de}::text, ${row.en}::text,
        ${row.createdAt}::timestamptz
      from consent_text where purpose_key = ${row.purposeKey}
      on conflict (purpose_key, version) do nothing
      returning *
    `.execute(db)
    return rows[0]
  }
}
