import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** How many customers fall in each cell of a chart; aggregates only, no subject id. */
export interface ScoreChartsRows {
  rfm: { recency: number; frequency: number; customers: number; monetary: number }[]
  abc: { abc: string; customers: number; revenue: number }[]
  /** Revenue per twentieth of customers, the best-paying twentieth first. */
  pareto: { twentieth: number; customers: number; revenue: number }[]
  pAlive: { bin: number; customers: number }[]
  churn: { band: string; customers: number }[]
  /** CLV in equal bins from 0 to `clvTop` (the 99th percentile; the last bin takes everything above). */
  clv: { bin: number; customers: number }[]
  clvTop: number | null
}

/** The bins of the P(alive) and CLV histograms. */
export const P_ALIVE_BINS = 10
export const CLV_BINS = 20

/**
 * SQL for the analytics page's charts over the stored scores: one query per chart, each an
 * aggregate over `subject_score` (which holds scores only of subjects the profiling purpose may use:
 * an objection removes them at once).
 */
export class ScoreChartsRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async charts(): Promise<ScoreChartsRows> {
    const [rfm, abc, pareto, pAlive, churn, clvTop] = await Promise.all([
      sql<{ recency: number; frequency: number; customers: string; monetary: string }>`
        select (outputs->>'recency')::int as recency, (outputs->>'frequency')::int as frequency,
               count(*) as customers, avg((outputs->>'monetary')::numeric) as monetary
        from subject_score where kind = 'rfm'
        group by 1, 2 order by 1, 2`.execute(this.#db),
      sql<{ abc: string; customers: string; revenue: string }>`
        select coalesce(band, '-') as abc, count(*) as customers,
               coalesce(sum((inputs->>'revenue')::numeric), 0) as revenue
        from subject_score where kind = 'rfm'
        group by 1 order by 1`.execute(this.#db),
      sql<{ twentieth: number; customers: string; revenue: string }>`
        select twentieth, count(*) as customers, sum(revenue) as revenue
        from (
          select ntile(20) over (order by (inputs->>'revenue')::numeric desc) as twentieth,
                 (inputs->>'revenue')::numeric as revenue
          from subject_score where kind = 'rfm'
        ) ranked
        group by twentieth order by twentieth`.execute(this.#db),
      sql<{ bin: number; customers: string }>`
        select least(floor((outputs->>'pAlive')::float8 * ${P_ALIVE_BINS}), ${P_ALIVE_BINS - 1})::int as bin,
               count(*) as customers
        from subject_score where kind = 'clv' and outputs->>'pAlive' is not null
        group by 1 order by 1`.execute(this.#db),
      sql<{ band: string; customers: string }>`
        select coalesce(band, '-') as band, count(*) as customers
        from subject_score where kind = 'clv'
        group by 1 order by 1`.execute(this.#db),
      sql<{ top: number | null }>`
        select percentile_cont(0.99) within group (order by value) as top
        from subject_score where kind = 'clv' and value is not null`.execute(this.#db),
    ])
    const top =
      clvTop.rows[0]?.top === null || clvTop.rows[0]?.top === undefined ? null : Number(clvTop.rows[0].top)
    const clv =
      top === null
        ? []
        : (
            await sql<{ bin: number; customers: string }>`
              select least(greatest(width_bucket(value, 0, ${Math.max(top, 0.01)}, ${CLV_BINS}), 1), ${CLV_BINS})::int as bin,
                     count(*) as customers
              from subject_score where kind = 'clv' and value is not null
              group by 1 order by 1`.execute(this.#db)
          ).rows
    return {
      rfm: rfm.rows.map((r) => ({
        recency: r.recency,
        frequency: r.frequency,
        customers: Number(r.customers),
        monetary: Number(r.monetary),
      })),
      abc: abc.rows.map((r) => ({ abc: r.abc, customers: Number(r.customers), revenue: Number(r.revenue) })),
      pareto: pareto.rows.map((r) => ({
        twentieth: r.twentieth,
        customers: Number(r.customers),
        revenue: Number(r.revenue),
      })),
      pAlive: pAlive.rows.map((r) => ({ bin: r.bin, customers: Number(r.customers) })),
      churn: churn.rows.map((r) => ({ band: r.band, customers: Number(r.customers) })),
      clv: clv.map((r) => ({ bin: r.bin, customers: Number(r.customers) })),
      clvTop: top,
    }
  }
}
