import { type Kysely, type Selectable, sql } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type { Schema, ScoreEventTable, ScoreModelTable, SubjectScoreTable } from '../../platform/db/schema.ts'

export type ScoreRow = Selectable<SubjectScoreTable>
export type ScoreModelRow = Selectable<ScoreModelTable>
export type ScoreEventRow = Selectable<ScoreEventTable>

/** Which orders count, in which currency, up to which day (the end of the observation, UTC). */
export interface PurchaseQuery {
  /** ISO date: purchases on or before this day count; ages are measured to it. */
  asOf: string
  currency: string
  /** Order statuses that are purchases. */
  statuses: readonly string[]
}

/** One customer's purchase history, in whole days (a day with several orders is one purchase). */
export interface CustomerStatisticsRow {
  subject_id: string
  /** Purchase days − 1. */
  x: number
  /** Days from the first purchase day to the last. */
  tx_days: number
  /** Days from the first purchase day to `asOf`. */
  t_days: number
  /** Days from the last purchase day to `asOf`. */
  since_days: number
  orders: number
  revenue_cents: number
  /** Revenue of every purchase day but the first. */
  repeat_cents: number
}

/** The aggregates of all customers as one row; nothing in it names or singles out a subject. */
export interface PopulationRow {
  customers: number
  revenue_cents: number
  /** [x, t_x days, T days, customers] */
  histories: [number, number, number, number][] | null
  /** [x, mean repeat spend in cents (rounded), customers], x ≥ 1 */
  spend: [number, number, number][] | null
  /** Cut points at 20/40/60/80 %: [days since the last purchase, orders, revenue in cents]. */
  quintiles: [number[] | null, number[] | null, number[] | null]
  /** The least revenue (cents) still in class A and in class B; null: nobody. */
  abc: [number | null, number | null]
  /** [week since `origin`, customers whose first purchase day falls in it, repeat purchase days in it] */
  calendar: [number, number, number][] | null
  /** ISO date of the first purchase day of all, or null without purchases. */
  origin: string | null
}

/** A score to store for one subject. */
export interface NewScoreRow {
  subject_id: string
  kind: string
  value: number | null
  band: string | null
  outputs: Record<string, unknown>
  inputs: Record<string, unknown>
  model: string
}

/** When an upsert raises an event: the kind's band moved to `band` from another one. */
export interface BandEvent {
  scoreKind: string
  band: string
  /** The event's kind, e.g. `churn_risk_high`. */
  eventKind: string
  /** The output copied into the event's details (e.g. `pAlive`). */
  output: string
}

const daysOf = sql`(o.ordered_at at time zone 'UTC')::date`

/**
 * SQL of the scores (migration 0026): the purchase statistics they are computed from (pseudonymous
 * aggregates of everyone for fitting, per subject for the permitted ones), the set-based upsert
 * and deletes, and the fitted models. One query per method; only the privacy kernel uses it.
 */
export class ScoreRepository {
  readonly #db: Kysely<Schema>
  readonly #reads: Kysely<Schema>
  /** `reads`: where the population's aggregates are read (a replica, DATABASE_REPLICA_URL), else `db`. */
  constructor(db: Kysely<Schema>, reads: Kysely<Schema> = db) {
    this.#db = db
    this.#reads = reads
  }

  /**
   * Aggregates of every customer's purchases (restricted subjects left out: Art. 18(2) allows them
   * only storage), in one scan of the orders: the grouped (x, t_x, T) of the BG/NBD fit, the grouped
   * (x, mean spend) of the Gamma-Gamma fit, the RFM quintile cut points, the ABC revenue limits, and
   * first and repeat purchases per week for the calibration chart. No subject id leaves the query.
   */
  async population(query: PurchaseQuery, db = this.#reads): Promise<PopulationRow> {
    return db.transaction().execute(async (trx) => {
      // A few sorts of every customer: in memory rather than in temporary files (default 4MB).
      await sql`set local work_mem = '128MB'`.execute(trx)
      const { rows } = await sql<PopulationRow>`
        with d as (
          select o.subject_id, ${daysOf} as day, sum(o.total_cents)::int8 as cents, count(*)::int8 as orders
          from customer_order o
          where o.status = any(${textArray(query.statuses)}::text[]) and o.currency = ${query.currency}
            and ${daysOf} <= ${query.asOf}::date
            and not exists (select 1 from restriction_state r where r.subject_id = o.subject_id)
          group by 1, 2
        ),
        f as (select d.*, min(d.day) over (partition by d.subject_id) as first_day from d),
        c as materialized (
          select (count(*) - 1)::int4 as x, (max(day) - min(day))::int4 as tx,
                 (${query.asOf}::date - min(day))::int4 as t, (${query.asOf}::date - max(day))::int4 as since,
                 sum(orders)::int8 as orders, sum(cents)::int8 as revenue,
                 coalesce(sum(cents) filter (where day > first_day), 0)::int8 as repeat_cents
          from f group by subject_id
        ),
        total as (select count(*)::int8 as customers, coalesce(sum(revenue), 0)::int8 as revenue from c),
        ranked as (
          select revenue,
                 coalesce(sum(revenue) over (order by revenue desc rows between unbounded preceding and 1 preceding), 0)
                   as before
          from c
        ),
        origin as (select min(day) as day from d)
        select
          total.customers, total.revenue as revenue_cents,
          (select json_agg(json_build_array(x, tx, t, n))
             from (select x, tx, t, count(*)::int8 as n from c group by 1, 2, 3) h) as histories,
          (select json_agg(json_build_array(x, m, n))
             from (select x, round(repeat_cents::numeric / x)::int8 as m, count(*)::int8 as n
                   from c where x > 0 and repeat_cents > 0 group by 1, 2) s) as spend,
          (select json_build_array(
                    percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by since),
                    percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by orders),
                    percentile_disc(array[0.2, 0.4, 0.6, 0.8]) within group (order by revenue))
             from c) as quintiles,
          (select json_build_array(min(revenue) filter (where before < 0.8 * total.revenue),
                                   min(revenue) filter (where before < 0.95 * total.revenue))
             from ranked) as abc,
          (select json_agg(json_build_array(w, firsts, repeats) order by w)
             from (select (f.day - origin.day) / 7 as w,
                          count(*) filter (where f.day = f.first_day)::int8 as firsts,
                          count(*) filter (where f.day > f.first_day)::int8 as repeats
                   from f, origin group by 1) cal) as calendar,
          origin.day::text as origin
        from total, origin
      `.execute(trx)
      return rows[0] as PopulationRow
    })
  }

  /** Each given subject's purchase history (subjects without a counted purchase are absent). */
  async customerStatistics(
    subjectIds: readonly string[],
    query: PurchaseQuery,
    db = this.#db,
  ): Promise<CustomerStatisticsRow[]> {
    if (subjectIds.length === 0) return []
    const { rows } = await sql<CustomerStatisticsRow>`
      with d as (
        select o.subject_id, ${daysOf} as day, sum(o.total_cents)::int8 as cents, count(*)::int8 as orders
        from customer_order o
        where o.subject_id = any(${textArray(subjectIds)}::uuid[])
          and o.status = any(${textArray(query.statuses)}::text[]) and o.currency = ${query.currency}
          and ${daysOf} <= ${query.asOf}::date
        group by 1, 2
      ),
      f as (select d.*, min(d.day) over (partition by d.subject_id) as first_day from d)
      select subject_id, (count(*) - 1)::int4 as x, (max(day) - min(day))::int4 as tx_days,
             (${query.asOf}::date - min(day))::int4 as t_days, (${query.asOf}::date - max(day))::int4 as since_days,
             sum(orders)::int8 as orders, sum(cents)::int8 as revenue_cents,
             coalesce(sum(cents) filter (where day > first_day), 0)::int8 as repeat_cents
      from f group by subject_id
    `.execute(db)
    return rows
  }

  /**
   * Locks the subjects' rows against a concurrent change of their permissions or an erasure (both
   * lock them for update) until the transaction ends, in id order like every writer.
   */
  async lockSubjects(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void> {
    if (subjectIds.length === 0) return
    await sql`
      select id from subject where id = any(${textArray(subjectIds)}::uuid[]) order by id for share
    `.execute(trx)
  }

  /**
   * Inserts or replaces the scores in one statement (the rows travel as one JSON document: one
   * parameter, parsed once), and raises `event` for each subject whose band of the event's kind
   * moved to its band from another one (the previous row, read in the same statement's snapshot).
   * Returns how many scores were stored and events raised.
   */
  async upsert(
    rows: readonly NewScoreRow[],
    at: { modelVersion: number; computedAt: Date },
    event: BandEvent,
    trx: Kysely<Schema>,
  ): Promise<{ stored: number; events: number }> {
    if (rows.length === 0) return { stored: 0, events: 0 }
    const computedAt = at.computedAt.toISOString()
    const { rows: result } = await sql<{ stored: number; events: number }>`
      with n as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as u(subject_id uuid, kind text, value float8, band text, outputs jsonb, inputs jsonb, model text)
      ),
      -- Only subjects now in the event's band can raise one: their previous band.
      prev as (
        select s.subject_id, s.band from subject_score s
        where s.kind = ${event.scoreKind}
          and s.subject_id in (select subject_id from n where kind = ${event.scoreKind} and band = ${event.band})
      ),
      up as (
        insert into subject_score (subject_id, kind, value, band, outputs, inputs, model, model_version, computed_at)
        select subject_id, kind, value, band, outputs, inputs, model, ${at.modelVersion}, ${computedAt}::timestamptz
        from n
        on conflict (subject_id, kind) do update set
          value = excluded.value, band = excluded.band, outputs = excluded.outputs, inputs = excluded.inputs,
          model = excluded.model, model_version = excluded.model_version, computed_at = excluded.computed_at
        returning subject_id, kind, band, outputs
      ),
      ev as (
        insert into score_event (subject_id, kind, occurred_at, model_version, details)
        select up.subject_id, ${event.eventKind}, ${computedAt}::timestamptz, ${at.modelVersion},
               jsonb_build_object('from', prev.band, 'to', up.band, ${event.output}::text, up.outputs -> ${event.output}::text)
        from up join prev on prev.subject_id = up.subject_id
        where up.kind = ${event.scoreKind} and up.band = ${event.band} and prev.band is distinct from ${event.band}
        returning 1
      )
      select (select count(*) from up)::int8 as stored, (select count(*) from ev)::int8 as events
    `.execute(trx)
    return result[0] ?? { stored: 0, events: 0 }
  }

  /** Deletes every score and score event of the subjects; the subjects that had any. */
  async deleteFor(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<string[]> {
    if (subjectIds.length === 0) return []
    const ids = textArray(subjectIds)
    const { rows } = await sql<{ subject_id: string }>`
      with e as (delete from score_event where subject_id = any(${ids}::uuid[]) returning subject_id),
           s as (delete from subject_score where subject_id = any(${ids}::uuid[]) returning subject_id)
      select subject_id from e union select subject_id from s
    `.execute(trx)
    return rows.map((r) => r.subject_id)
  }

  /**
   * Deletes the scores a run did not write (of an older model version: the purpose no longer
   * reaches the subject, or they have no purchases left), with those subjects' events; the
   * subjects whose scores went.
   */
  async deleteStale(version: number, trx: Kysely<Schema>): Promise<string[]> {
    const { rows } = await sql<{ subject_id: string }>`
      with s as (delete from subject_score where model_version < ${version} returning subject_id),
           e as (delete from score_event where subject_id in (select subject_id from s) returning 1)
      select distinct subject_id from s
    `.execute(trx)
    return rows.map((r) => r.subject_id)
  }

  /** One subject's scores, by kind. */
  scoresOf(subjectId: string, db = this.#db): Promise<ScoreRow[]> {
    return db
      .selectFrom('subject_score')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('kind')
      .execute()
  }

  /** How many subjects have scores. */
  async countScored(db = this.#db): Promise<number> {
    const row = await db
      .selectFrom('subject_score')
      .select(sql<number>`count(distinct subject_id)`.as('n'))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  /** Score events after a (time, subject, id) cursor, oldest first: the campaigns' outbox. */
  events(
    after: { occurredAt: Date; subjectId: string; id: string } | undefined,
    limit: number,
    db = this.#db,
  ): Promise<ScoreEventRow[]> {
    return db
      .selectFrom('score_event')
      .selectAll()
      .$if(after !== undefined, (qb) =>
        qb.where(
          sql<boolean>`(occurred_at, subject_id, id) > (${after?.occurredAt.toISOString()}::timestamptz, ${after?.subjectId}::uuid, ${after?.id}::uuid)`,
        ),
      )
      .orderBy('occurred_at')
      .orderBy('subject_id')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  async insertModel(
    model: Omit<ScoreModelRow, 'version' | 'parameters' | 'settings' | 'explanation' | 'calibration'> & {
      parameters: Record<string, unknown>
      settings: Record<string, unknown>
      explanation: Record<string, unknown>
      calibration: Record<string, unknown>
    },
    db = this.#db,
  ): Promise<ScoreModelRow> {
    return db
      .insertInto('score_model')
      .values({
        ...model,
        parameters: JSON.stringify(model.parameters),
        settings: JSON.stringify(model.settings),
        explanation: JSON.stringify(model.explanation),
        calibration: JSON.stringify(model.calibration),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  latestModel(db = this.#db): Promise<ScoreModelRow | undefined> {
    return db.selectFrom('score_model').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst()
  }

  models(versions: readonly number[], db = this.#db): Promise<ScoreModelRow[]> {
    if (versions.length === 0) return Promise.resolve([])
    return db
      .selectFrom('score_model')
      .selectAll()
      .where('version', 'in', [...versions])
      .execute()
  }
}
