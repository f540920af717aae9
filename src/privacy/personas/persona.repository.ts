import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** The features of one customer (no id): days since the last purchase, orders, revenue, P(alive). */
export type FeatureRow = [recencyDays: number, orders: number, revenue: number, pAlive: number]

/** Means and standard deviations of the transformed features, in FeatureRow order. */
export interface Scaling {
  means: number[]
  sds: number[]
}

/** What the clusters look like over every customer: size and typical (median) values per persona. */
export interface PersonaCounts {
  index: number
  customers: number
  recencyDays: number
  orders: number
  revenue: number
  pAlive: number
}

export interface PersonaModelRow {
  version: number
  fitted_at: Date
  k: number
  customers: number
  sample: number
  scaling: Record<string, unknown>
  personas: unknown[]
}

/**
 * SQL for personas over the stored scores (`subject_score`, which holds only subjects the profiling
 * purpose may use): a random sample of feature rows to fit on, and the nearest-centroid assignment
 * of every customer counted in the database. Features: log(1 + days since the last purchase),
 * log(1 + orders), log(1 + revenue), P(alive). No subject id leaves these queries.
 */
export class PersonaRepository {
  readonly #db: Kysely<Schema>
  readonly #reads: Kysely<Schema>
  /** `reads`: where the scores are read (a replica, DATABASE_REPLICA_URL), else `db`. */
  constructor(db: Kysely<Schema>, reads: Kysely<Schema> = db) {
    this.#db = db
    this.#reads = reads
  }

  /** How many customers have both scores. */
  async countCustomers(): Promise<number> {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from subject_score r
      join subject_score c on c.subject_id = r.subject_id and c.kind = 'clv'
      where r.kind = 'rfm'`.execute(this.#reads)
    return Number(rows[0]?.n ?? 0)
  }

  /** About `fraction` of the customers' feature rows, drawn at random. */
  async sample(fraction: number): Promise<FeatureRow[]> {
    const { rows } = await sql<{ r: number; o: number; m: number; p: number }>`
      select (r.inputs->>'daysSinceLastPurchase')::float8 as r, (r.inputs->>'orders')::float8 as o,
             (r.inputs->>'revenue')::float8 as m, coalesce((c.outputs->>'pAlive')::float8, 0) as p
      from subject_score r
      join subject_score c on c.subject_id = r.subject_id and c.kind = 'clv'
      where r.kind = 'rfm' and random() < ${fraction}`.execute(this.#reads)
    return rows.map((x) => [Number(x.r), Number(x.o), Number(x.m), Number(x.p)])
  }

  /** Every customer assigned to the nearest centroid (in the standard space); counts and medians. */
  async assign(scaling: Scaling, centroids: readonly number[][]): Promise<PersonaCounts[]> {
    const flat = centroids.flat()
    const [mr, mo, mm, mp] = scaling.means as [number, number, number, number]
    const [sr, so, sm, sp] = scaling.sds as [number, number, number, number]
    const { rows } = await sql<{
      i: number
      customers: string
      recency_days: number
      orders: number
      revenue: number
      p_alive: number
    }>`
      with features as (
        select (r.inputs->>'daysSinceLastPurchase')::float8 as days, (r.inputs->>'orders')::float8 as orders,
               (r.inputs->>'revenue')::float8 as revenue, coalesce((c.outputs->>'pAlive')::float8, 0) as p_alive
        from subject_score r
        join subject_score c on c.subject_id = r.subject_id and c.kind = 'clv'
        where r.kind = 'rfm'
      ),
      standard as (
        select days, orders, revenue, p_alive,
               (ln(1 + greatest(days, 0)) - ${mr}) / ${sr} as a, (ln(1 + greatest(orders, 0)) - ${mo}) / ${so} as b,
               (ln(1 + greatest(revenue, 0)) - ${mm}) / ${sm} as c, (p_alive - ${mp}) / ${sp} as d
        from features
      )
      select best.i, count(*) as customers,
             percentile_cont(0.5) within group (order by days) as recency_days,
             percentile_cont(0.5) within group (order by orders) as orders,
             percentile_cont(0.5) within group (order by revenue) as revenue,
             avg(p_alive) as p_alive
      from standard
      cross join lateral (
        select i from generate_series(0, ${centroids.length - 1}::int) as i
        order by power(a - (${flat}::float8[])[i * 4 + 1], 2) + power(b - (${flat}::float8[])[i * 4 + 2], 2)
               + power(c - (${flat}::float8[])[i * 4 + 3], 2) + power(d - (${flat}::float8[])[i * 4 + 4], 2), i
        limit 1
      ) best
      group by best.i
      order by best.i`.execute(this.#reads)
    return rows.map((r) => ({
      index: Number(r.i),
      customers: Number(r.customers),
      recencyDays: Number(r.recency_days),
      orders: Number(r.orders),
      revenue: Number(r.revenue),
      pAlive: Number(r.p_alive),
    }))
  }

  async save(model: Omit<PersonaModelRow, 'version'>): Promise<PersonaModelRow> {
    return this.#db
      .insertInto('persona_model')
      .values({
        fitted_at: model.fitted_at,
        k: model.k,
        customers: model.customers,
        sample: model.sample,
        scaling: JSON.stringify(model.scaling),
        personas: JSON.stringify(model.personas),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async latest(): Promise<PersonaModelRow | undefined> {
    return this.#db
      .selectFrom('persona_model')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst()
  }
}
