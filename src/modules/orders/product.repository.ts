import type { Insertable, Kysely, Selectable } from 'kysely'
import type { ProductTable, Schema } from '../../platform/db/schema.ts'

export type ProductRow = Selectable<ProductTable>

/** SQL for the product catalogue (not personal data); one query per method. */
export class ProductRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Inserts or updates by SKU. */
  upsert(row: Insertable<ProductTable>): Promise<ProductRow> {
    return this.#db
      .insertInto('product')
      .values(row)
      .onConflict((oc) =>
        oc.column('sku').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          category: eb.ref('excluded.category'),
          unit_price_cents: eb.ref('excluded.unit_price_cents'),
          currency: eb.ref('excluded.currency'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  list(limit: number, afterSku?: string): Promise<ProductRow[]> {
    return this.#db
      .selectFrom('product')
      .selectAll()
      .$if(afterSku !== undefined, (qb) => qb.where('sku', '>', afterSku as string))
      .orderBy('sku')
      .limit(limit)
      .execute()
  }

  bySkus(skus: readonly string[]): Promise<ProductRow[]> {
    if (skus.length === 0) return Promise.resolve([])
    return this.#db
      .selectFrom('product')
      .selectAll()
      .where('sku', 'in', [...skus])
      .execute()
  }
}
