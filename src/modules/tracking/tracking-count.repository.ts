import { type Kysely, sql } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type { Schema } from '../../platform/db/schema.ts'

/** One counter: on a day (UTC, `YYYY-MM-DD`), for a sending site, how many events had an outcome. */
export interface TrackingCount {
  day: string
  source: string
  outcome: string
  count: number
}

/** SQL for the counts of tracked and dropped events (table `tracking_count`); one query per method. */
export class TrackingCountRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Adds the counts in one statement; concurrent requests add up (the upsert increments). */
  async add(counts: readonly TrackingCount[]): Promise<void> {
    if (counts.length === 0) return
    await sql`
      insert into tracking_count (day, source, outcome, count)
      select * from unnest(
        ${textArray(counts.map((c) => c.day))}::date[],
        ${textArray(counts.map((c) => c.source))}::text[],
        ${textArray(counts.map((c) => c.outcome))}::text[],
        ${textArray(counts.map((c) => String(c.count)))}::bigint[]
      )
      on conflict (day, source, outcome) do update set count = tracking_count.count + excluded.count
    `.execute(this.#db)
  }

  /** The counters of the days from `from` to `to` (inclusive), optionally of one source. */
  async list(range: { from: string; to: string; source?: string | undefined }): Promise<TrackingCount[]> {
    let query = this.#db
      .selectFrom('tracking_count')
      .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'source', 'outcome', 'count'])
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
    if (range.source !== undefined) query = query.where('source', '=', range.source)
    const rows = await query.orderBy('day').orderBy('source').orderBy('outcome').execute()
    return rows.map((r) => ({ ...r, count: Number(r.count) }))
  }
}
