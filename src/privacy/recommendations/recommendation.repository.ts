import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** The last run of the co-occurrence model. */
export interface AssociationRun {
  computedAt: Date
  customers: number
  products: number
  pairs: number
  minCustomers: number
  top: number
}

/** A product bought together with another, and how strongly. */
export interface AssociatedProduct {
  productId: string
  sku: string
  name: string
  category: string | null
  customers: number
  confidence: number
  lift: number
}

/** A product recommended to one customer: from what they bought, never what they have. */
export interface RecommendedProduct {
  productId: string
  sku: string
  name: string
  category: string | null
  /** Sum over the customer's products of the confidence that the recommended one goes with it. */
  score: number
  /** How many of the customer's products it goes with. */
  because: number
}

/**
 * SQL for "bought this, also bought": the co-occurrence of products in customers' purchases (order
 * lines of open and fulfilled orders; restricted and erased subjects left out, Art. 18(2)), counted
 * per customer (a product bought twice counts once). One query per method.
 */
export class RecommendationRepository {
  readonly #db: Kysely<Schema>
  readonly #reads: Kysely<Schema>
  /** `reads`: where the pairs are read for the catalogue (a replica, DATABASE_REPLICA_URL), else `db`. */
  constructor(db: Kysely<Schema>, reads: Kysely<Schema> = db) {
    this.#db = db
    this.#reads = reads
  }

  /**
   * Rebuilds the associations in one transaction: every pair bought by at least `minCustomers`
   * customers, each product's best `top` partners (most customers, then highest lift). Returns the run.
   */
  async rebuild(options: {
    statuses: readonly string[]
    minCustomers: number
    top: number
    at: Date
  }): Promise<AssociationRun> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`delete from product_association`.execute(trx)
      // Each customer's distinct products, materialised once: the pairs self-join it.
      await sql`
        create temporary table basket on commit drop as
        select distinct ol.subject_id, ol.product_id
        from order_line ol
        join customer_order o on o.subject_id = ol.subject_id and o.id = ol.order_id
        join subject s on s.id = ol.subject_id
        where ol.product_id is not null
          and o.status = any(${[...options.statuses]}::text[])
          and s.erased_at is null and s.erasure_requested_at is null
          and not exists (select 1 from restriction_state r where r.subject_id = ol.subject_id)
      `.execute(trx)
      // Statistics for the planner (a temporary table has none): the self-join is a hash join.
      await sql`analyze basket`.execute(trx)
      const { rows } = await sql<{ customers: string; products: string; pairs: string }>`
        with counts as (
          select product_id, count(*) as n from basket group by product_id
        ),
        total as (
          select count(distinct subject_id) as t from basket
        ),
        pairs as (
          select a.product_id as pa, b.product_id as pb, count(*) as n
          from basket a join basket b on b.subject_id = a.subject_id and b.product_id <> a.product_id
          group by a.product_id, b.product_id
          having count(*) >= ${options.minCustomers}
        ),
        ranked as (
          select p.pa, p.pb, p.n,
                 p.n::float8 / ca.n as confidence,
                 p.n::float8 * total.t / (ca.n::float8 * cb.n) as lift,
                 row_number() over (partition by p.pa order by p.n desc, p.n::float8 * total.t / (ca.n::float8 * cb.n) desc, p.pb) as rk
          from pairs p
          join counts ca on ca.product_id = p.pa
          join counts cb on cb.product_id = p.pb
          cross join total
        ),
        inserted as (
          insert into product_association (product_id, other_product_id, customers, confidence, lift, rank)
          select pa, pb, n, least(confidence, 1), lift, rk from ranked where rk <= ${options.top}
          returning 1
        )
        select (select t from total) as customers, (select count(*) from counts) as products,
               (select count(*) from inserted) as pairs
      `.execute(trx)
      const run = {
        computed_at: options.at,
        customers: Number(rows[0]?.customers ?? 0),
        products: Number(rows[0]?.products ?? 0),
        pairs: Number(rows[0]?.pairs ?? 0),
        min_customers: options.minCustomers,
        top: options.top,
      }
      await trx
        .insertInto('product_association_run')
        .values({ id: true, ...run })
        .onConflict((oc) => oc.column('id').doUpdateSet(run))
        .execute()
      return toRun(run)
    })
  }

  async lastRun(): Promise<AssociationRun | undefined> {
    const row = await this.#db.selectFrom('product_association_run').selectAll().executeTakeFirst()
    return row ? toRun(row) : undefined
  }

  /** The products bought together with `productId`, best first. */
  async associated(productId: string, limit: number): Promise<AssociatedProduct[]> {
    const rows = await this.#reads
      .selectFrom('product_association as a')
      .innerJoin('product as p', 'p.id', 'a.other_product_id')
      .select(['p.id', 'p.sku', 'p.name', 'p.category', 'a.customers', 'a.confidence', 'a.lift'])
      .where('a.product_id', '=', productId)
      .orderBy('a.rank')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      productId: r.id,
      sku: r.sku,
      name: r.name,
      category: r.category,
      customers: r.customers,
      confidence: r.confidence,
      lift: r.lift,
    }))
  }

  /** The strongest pairs of all, for the analytics page. */
  async strongest(limit: number): Promise<(AssociatedProduct & { withSku: string; withName: string })[]> {
    const { rows } = await sql<{
      id: string
      sku: string
      name: string
      category: string | null
      with_sku: string
      with_name: string
      customers: number
      confidence: number
      lift: number
    }>`
      select o.id, o.sku, o.name, o.category, p.sku as with_sku, p.name as with_name,
             a.customers, a.confidence, a.lift
      from product_association a
      join product p on p.id = a.product_id
      join product o on o.id = a.other_product_id
      where a.product_id < a.other_product_id
      order by a.customers desc, a.lift desc, p.sku, o.sku
      limit ${limit}
    `.execute(this.#reads)
    return rows.map((r) => ({
      productId: r.id,
      sku: r.sku,
      name: r.name,
      category: r.category,
      withSku: r.with_sku,
      withName: r.with_name,
      customers: Number(r.customers),
      confidence: Number(r.confidence),
      lift: Number(r.lift),
    }))
  }

  /** For one customer: products that go with what they bought, that they haven't bought, best first. */
  async forSubject(subjectId: string, limit: number): Promise<RecommendedProduct[]> {
    const { rows } = await sql<{
      id: string
      sku: string
      name: string
      category: string | null
      score: number
      because: string
    }>`
      with mine as (
        select distinct product_id from order_line where subject_id = ${subjectId} and product_id is not null
      )
      select p.id, p.sku, p.name, p.category, sum(a.confidence) as score, count(*) as because
      from product_association a
      join product p on p.id = a.other_product_id
      where a.product_id in (select product_id from mine)
        and a.other_product_id not in (select product_id from mine)
      group by p.id, p.sku, p.name, p.category
      order by sum(a.confidence) desc, max(a.lift) desc, p.sku
      limit ${limit}
    `.execute(this.#db)
    return rows.map((r) => ({
      productId: r.id,
      sku: r.sku,
      name: r.name,
      category: r.category,
      score: Number(r.score),
      because: Number(r.because),
    }))
  }

  async productBySku(sku: string): Promise<{ id: string } | undefined> {
    return this.#db.selectFrom('product').select('id').where('sku', '=', sku).executeTakeFirst()
  }
}

const toRun = (r: {
  computed_at: Date
  customers: number
  products: number
  pairs: number
  min_customers: number
  top: number
}): AssociationRun => ({
  computedAt: r.computed_at,
  customers: r.customers,
  products: r.products,
  pairs: r.pairs,
  minCustomers: r.min_customers,
  top: r.top,
})
