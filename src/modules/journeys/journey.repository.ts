import { type Kysely, type Selectable, sql } from 'kysely'
import type { JourneyTable, JourneyVersionTable, Schema } from '../../platform/db/schema.ts'

export type JourneyRow = Selectable<JourneyTable>
export type JourneyVersionRow = Selectable<JourneyVersionTable>

/** What a save writes (the row and its version). */
export interface JourneyWrite {
  name: string
  description: string
  triggerKind: JourneyRow['trigger_kind']
  trigger: Record<string, unknown>
  steps: unknown[]
  segmentId: string | null
  defaultLang: 'de' | 'en'
  at: Date
  actor: { type: string; id: string }
}

/** SQL of the journeys and their versions (configuration, not personal data). `db` may be a transaction. */
export class JourneyRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  transaction<T>(work: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(work)
  }

  list(db = this.#db): Promise<JourneyRow[]> {
    return db.selectFrom('journey').selectAll().orderBy(sql`lower(name)`).orderBy('id').execute()
  }

  find(id: string, db = this.#db): Promise<JourneyRow | undefined> {
    return db.selectFrom('journey').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Locks the journey's row until the transaction ends: changes of one journey serialise. */
  lock(id: string, trx: Kysely<Schema>): Promise<JourneyRow | undefined> {
    return trx.selectFrom('journey').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  async nameTaken(name: string, except: string | undefined, db = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom('journey')
      .select('id')
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .$if(except !== undefined, (qb) => qb.where('id', '<>', except as string))
      .executeTakeFirst()
    return row !== undefined
  }

  async insert(w: JourneyWrite, trx: Kysely<Schema>): Promise<JourneyRow> {
    const row = await trx
      .insertInto('journey')
      .values({
        name: w.name,
        description: w.description,
        trigger_kind: w.triggerKind,
        trigger: JSON.stringify(w.trigger),
        steps: JSON.stringify(w.steps),
        segment_id: w.segmentId,
        default_lang: w.defaultLang,
        created_at: w.at,
        updated_at: w.at,
        created_by_type: w.actor.type,
        created_by_id: w.actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.#insertVersion(row.id, 1, w, trx)
    return row
  }

  async update(id: string, version: number, w: JourneyWrite, trx: Kysely<Schema>): Promise<JourneyRow> {
    const row = await trx
      .updateTable('journey')
      .set({
        name: w.name,
        description: w.description,
        trigger_kind: w.triggerKind,
        trigger: JSON.stringify(w.trigger),
        steps: JSON.stringify(w.steps),
        segment_id: w.segmentId,
        default_lang: w.defaultLang,
        version,
        updated_at: w.at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.#insertVersion(id, version, w, trx)
    return row
  }

  async #insertVersion(id: string, version: number, w: JourneyWrite, trx: Kysely<Schema>): Promise<void> {
    await trx
      .insertInto('journey_version')
      .values({
        journey_id: id,
        version,
        name: w.name,
        trigger_kind: w.triggerKind,
        trigger: JSON.stringify(w.trigger),
        steps: JSON.stringify(w.steps),
        segment_id: w.segmentId,
        default_lang: w.defaultLang,
        saved_at: w.at,
        actor_type: w.actor.type,
        actor_id: w.actor.id,
      })
      .execute()
  }

  /** Sets the status; an activation starts the trigger scan now (the first also sets `activated_at`). */
  async setStatus(
    id: string,
    status: 'active' | 'paused',
    at: Date,
    trx: Kysely<Schema>,
  ): Promise<JourneyRow> {
    return trx
      .updateTable('journey')
      .set({
        status,
        updated_at: at,
        ...(status === 'active'
          ? {
              activated_at: sql<Date>`coalesce(activated_at, ${at.toISOString()}::timestamptz)`,
              // what happened while it was paused does not enter
              scanned_until: at,
            }
          : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async delete(id: string, trx: Kysely<Schema>): Promise<void> {
    await trx.deleteFrom('journey').where('id', '=', id).execute()
  }

  /** The active journeys, for the tick. */
  active(db = this.#db): Promise<JourneyRow[]> {
    return db.selectFrom('journey').selectAll().where('status', '=', 'active').orderBy('id').execute()
  }

  /** The trigger scan reached `at` (never moves back). */
  async scanned(id: string, at: Date, db = this.#db): Promise<void> {
    await db
      .updateTable('journey')
      .set({ scanned_until: sql<Date>`greatest(scanned_until, ${at.toISOString()}::timestamptz)` })
      .where('id', '=', id)
      .execute()
  }

  version(id: string, version: number, db = this.#db): Promise<JourneyVersionRow | undefined> {
    return db
      .selectFrom('journey_version')
      .selectAll()
      .where('journey_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst()
  }
}
