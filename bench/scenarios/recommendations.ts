import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'

/** The run acts as the nightly job does. */
const JOB = { actor: { type: 'job' as const, id: 'bench-recommendations', role: 'admin' } }
/** Products in the catalogue; popularity falls off like a Zipf law, so some pairs are common. */
const PRODUCTS = 2_000

/**
 * Issue #16's target: item-to-item co-occurrence over 3,000,000 order lines in under 10 s on
 * PostgreSQL. Loaded in SQL (untimed): `scale` customers, each with 1–3 fulfilled orders of 1–2
 * lines (≈ 3 lines per customer, so 1,000,000 customers ≈ 3,000,000 lines) over a catalogue of
 * 2,000 products with Zipf-like popularity. Timed: `RecommendationStore.rebuild` as the nightly job
 * runs it — every customer's distinct products, every pair of at least three customers, each
 * product's 20 best partners, stored in one transaction.
 */
export const recommendations: Scenario = {
  name: 'recommendations',
  description:
    'in-process: rebuild "bought this, also bought" (item-to-item co-occurrence per customer, pairs of ≥ 3 ' +
    'customers, 20 partners per product) over `scale` synthetic customers with ≈ 3 order lines each (loaded in SQL).',
  defaultScale: 100_000,
  async run(ctx) {
    const instance = await ctx.instance('recommendations')
    const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
      logger: createLogger('warn'),
    })
    ctx.defer(() => runtime.close())
    if (runtime.database.engine !== ctx.db)
      throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
    const db = runtime.database.db
    const n = ctx.scale

    ctx.log(`loading ${n.toLocaleString('en')} customers with their orders (untimed)`)
    let t = performance.now()
    await sql`select setseed(0.42)`.execute(db)
    await sql`
      insert into product (sku, name, category, created_at, updated_at)
      select 'B-' || i, 'Bench product ' || i, 'bench', now(), now() from generate_series(1, ${PRODUCTS}::int) as i
    `.execute(db)
    await sql`
      insert into subject (id, kinds, source, created_at, updated_at)
      select gen_random_uuid(), '{customer}', 'bench', now(), now() from generate_series(1, ${n}::int)
    `.execute(db)
    await sql`
      insert into customer_order (subject_id, order_number, ordered_at, status, currency, total_cents, item_count,
                                  source, created_at)
      select s.id, 'B-' || k, now() - make_interval(days => floor(random() * 700)::int), 'fulfilled', 'EUR', 1000, 1,
             'bench', now()
      from (select id, 1 + floor(random() * 3)::int as orders from subject) s, generate_series(1, s.orders) as k
    `.execute(db)
    // Zipf-like: the product number is ⌈PRODUCTS ^ u⌉ for uniform u — product 1 is the most popular.
    await sql`
      with numbered as (
        select row_number() over (order by sku) as i, id from product
      ),
      lines as materialized (
        select o.subject_id, o.id as order_id, l as line_no,
               least(${PRODUCTS}, ceil(power(${PRODUCTS}, random()))::int) as product_no
        from (select subject_id, id, 1 + floor(random() * 2)::int as lines from customer_order) o,
             generate_series(1, o.lines) as l
      )
      insert into order_line (subject_id, order_id, line_no, product_id, description, quantity, unit_price_cents)
      select lines.subject_id, lines.order_id, lines.line_no, numbered.id, null, 1, 1000
      from lines join numbered on numbered.i = lines.product_no
    `.execute(db)
    const { rows } = await sql<{ lines: number }>`select count(*)::int8 as lines from order_line`.execute(db)
    ctx.log(
      `loaded in ${Math.round(performance.now() - t)} ms: ${Number(rows[0]?.lines ?? 0).toLocaleString('en')} order lines`,
    )
    await settle(ctx, db, ['subject', 'customer_order', 'order_line', 'product'])

    return measure(
      ctx,
      'rebuild',
      { warmups: 1, runs: n >= 500_000 ? 2 : 3 },
      { rebuild_ms: 'ms', order_lines: 'lines', pairs: 'pairs', lines_per_s: 'lines/s' },
      async () => {
        t = performance.now()
        const run = await runtime.services.recommendations.rebuild(JOB)
        const ms = performance.now() - t
        if (run.customers !== n) throw new Error(`${run.customers} customers counted, not ${n}`)
        if (run.pairs === 0) throw new Error('no pair kept')
        const lines = Number(rows[0]?.lines ?? 0)
        return { rebuild_ms: ms, order_lines: lines, pairs: run.pairs, lines_per_s: (lines / ms) * 1000 }
      },
    )
  },
}
