import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** One row of a report section: the registered columns, as the database returns them. */
export type ReportRow = Record<string, unknown>

/**
 * The SQL of the access report (Art. 15): one statement per registered kind, its table and
 * columns taken from the registry of record kinds (`record-kinds.ts`) — identifiers quoted by
 * Kysely, never concatenated — and the subject's id as a parameter.
 */
export class AccessReportRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The subject's rows of one table: the columns asked for, newest first by `orderBy`, at most `limit`. */
  async rows(
    table: string,
    columns: readonly string[],
    subjectId: string,
    orderBy: string | undefined,
    limit: number,
    db: Kysely<Schema> = this.#db,
  ): Promise<ReportRow[]> {
    const order = orderBy ? sql`order by ${sql.ref(orderBy)} desc` : sql``
    const result = await sql<ReportRow>`
      select ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)}
      where subject_id = ${subjectId}::uuid ${order} limit ${limit}`.execute(db)
    return result.rows
  }

  /** The lines of the subject's orders (shown within each order). */
  async orderLines(subjectId: string, db: Kysely<Schema> = this.#db): Promise<ReportRow[]> {
    return db
      .selectFrom('order_line')
      .select(['order_id', 'line_no', 'product_id', 'description', 'quantity', 'unit_price_cents'])
      .where('subject_id', '=', subjectId)
      .orderBy('order_id')
      .orderBy('line_no')
      .execute()
  }

  /** The subject's order ids by number, to put the lines into their orders. */
  async orderIds(
    subjectId: string,
    db: Kysely<Schema> = this.#db,
  ): Promise<{ id: string; order_number: string }[]> {
    return db
      .selectFrom('customer_order')
      .select(['id', 'order_number'])
      .where('subject_id', '=', subjectId)
      .execute()
  }
}
