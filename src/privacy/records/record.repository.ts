import { randomUUID } from 'node:crypto'
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import { integerArray, textArray } from '../../platform/db/array-literal.ts'
import type {
  CustomerOrderTable,
  DealTable,
  InvoiceTable,
  OrderLineTable,
  Schema,
  SubjectNoteTable,
  SubjectOrganisationTable,
  TouchpointTable,
} from '../../platform/db/schema.ts'
import { HELD_ROW_KEY, type HeldRecords, isHoldableTable } from '../holds/hold.ts'
import { kindsErased } from './record-kinds.ts'

export type TouchpointRow = Selectable<TouchpointTable>
export type OrderRow = Selectable<CustomerOrderTable>
export type OrderLineRow = Selectable<OrderLineTable>
export type InvoiceRow = Selectable<InvoiceTable>
export type DealRow = Selectable<DealTable>
export type NoteRow = Selectable<SubjectNoteTable>
export type MembershipRow = Selectable<SubjectOrganisationTable> & {
  organisation_name: string
  organisation_city: string | null
}

export interface NewTouchpoint {
  subject_id: string
  type: string
  channel: string
  occurred_at: Date
  received_at: Date
  purpose_key: string
  legal_basis: string
  properties: Record<string, unknown>
  source: string
  external_id: string | null
}

/**
 * SQL for the records kept about subjects (touchpoints, orders, invoices, deals, notes,
 * organisation memberships); one query per method. Only the privacy kernel uses it: these are
 * personal tables (the architecture test).
 */
export class RecordRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Inserts touchpoints in one statement; a touchpoint whose (subject, external id) is already
   * stored is skipped. Returns, per input row, its id, or null for a skipped duplicate.
   */
  async insertTouchpoints(rows: readonly NewTouchpoint[], db = this.#db): Promise<(string | null)[]> {
    if (rows.length === 0) return []
    // Ids are made here so RETURNING says which rows went in, whatever order it returns them in.
    const ids = rows.map(() => randomUUID())
    // One statement whatever the batch size: the columns travel as arrays (no parameter limit).
    const result = await sql<{ id: string }>`
      insert into touchpoint (id, subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis,
                              properties, source, external_id)
      select * from unnest(
        ${textArray(ids)}::uuid[],
        ${textArray(rows.map((r) => r.subject_id))}::uuid[],
        ${textArray(rows.map((r) => r.type))}::text[],
        ${textArray(rows.map((r) => r.channel))}::text[],
        ${textArray(rows.map((r) => r.occurred_at.toISOString()))}::timestamptz[],
        ${textArray(rows.map((r) => r.received_at.toISOString()))}::timestamptz[],
        ${textArray(rows.map((r) => r.purpose_key))}::text[],
        ${textArray(rows.map((r) => r.legal_basis))}::text[],
        ${textArray(rows.map((r) => JSON.stringify(r.properties)))}::jsonb[],
        ${textArray(rows.map((r) => r.source))}::text[],
        ${textArray(rows.map((r) => r.external_id))}::text[]
      )
      on conflict (subject_id, external_id) where external_id is not null do nothing
      returning id
    `.execute(db)
    const inserted = new Set(result.rows.map((r) => r.id))
    return ids.map((id) => (inserted.has(id) ? id : null))
  }

  touchpoints(subjectId: string, limit: number, db = this.#db): Promise<TouchpointRow[]> {
    return db
      .selectFrom('touchpoint')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('occurred_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  async insertOrder(
    order: Insertable<CustomerOrderTable>,
    lines: readonly Omit<Insertable<OrderLineTable>, 'subject_id' | 'order_id'>[],
    db = this.#db,
  ): Promise<string | null> {
    const row = await db
      .insertInto('customer_order')
      .values(order)
      .onConflict((oc) => oc.columns(['subject_id', 'order_number']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!row) return null
    if (lines.length > 0)
      await db
        .insertInto('order_line')
        .values(lines.map((l) => ({ ...l, subject_id: order.subject_id, order_id: row.id })))
        .execute()
    return row.id
  }

  /**
   * Inserts many orders and their lines in two statements; an order whose number the subject
   * already has is skipped. Returns the ids of the inserted orders by `subject|orderNumber`.
   */
  async insertOrders(
    orders: readonly (Omit<Insertable<CustomerOrderTable>, 'id'> & {
      lines: readonly Omit<Insertable<OrderLineTable>, 'subject_id' | 'order_id'>[]
    })[],
    db = this.#db,
  ): Promise<Map<string, string>> {
    if (orders.length === 0) return new Map()
    const ids = orders.map(() => randomUUID())
    const at = (d: Date | string | undefined) =>
      d instanceof Date ? d.toISOString() : (d ?? new Date().toISOString())
    const inserted = await sql<{ id: string; subject_id: string; order_number: string }>`
      insert into customer_order (id, subject_id, order_number, ordered_at, status, currency, total_cents, item_count,
                                  payment_method, source, created_at)
      select * from unnest(
        ${textArray(ids)}::uuid[],
        ${textArray(orders.map((o) => o.subject_id))}::uuid[],
        ${textArray(orders.map((o) => o.order_number))}::text[],
        ${textArray(orders.map((o) => at(o.ordered_at)))}::timestamptz[],
        ${textArray(orders.map((o) => o.status))}::text[],
        ${textArray(orders.map((o) => o.currency))}::text[],
        ${integerArray(orders.map((o) => o.total_cents))}::int8[],
        ${integerArray(orders.map((o) => o.item_count))}::int4[],
        ${textArray(orders.map((o) => o.payment_method ?? null))}::text[],
        ${textArray(orders.map((o) => o.source))}::text[],
        ${textArray(orders.map((o) => at(o.created_at)))}::timestamptz[]
      )
      on conflict (subject_id, order_number) do nothing
      returning id, subject_id, order_number
    `.execute(db)
    const fresh = new Set(inserted.rows.map((r) => r.id))
    const lines = orders.flatMap((o, i) =>
      fresh.has(ids[i] as string)
        ? o.lines.map((l, n) => ({
            ...l,
            order_id: ids[i] as string,
            subject_id: o.subject_id,
            line_no: n + 1,
          }))
        : [],
    )
    if (lines.length > 0)
      await sql`
        insert into order_line (subject_id, order_id, line_no, product_id, description, quantity, unit_price_cents)
        select * from unnest(
          ${textArray(lines.map((l) => l.subject_id))}::uuid[],
          ${textArray(lines.map((l) => l.order_id))}::uuid[],
          ${integerArray(lines.map((l) => l.line_no))}::int4[],
          ${textArray(lines.map((l) => l.product_id ?? null))}::uuid[],
          ${textArray(lines.map((l) => l.description ?? null))}::text[],
          ${integerArray(lines.map((l) => l.quantity))}::int4[],
          ${integerArray(lines.map((l) => l.unit_price_cents))}::int8[]
        )
      `.execute(db)
    return new Map(inserted.rows.map((r) => [`${r.subject_id}|${r.order_number}`, r.id]))
  }

  orderIdByNumber(subjectId: string, orderNumber: string, db = this.#db): Promise<string | undefined> {
    return db
      .selectFrom('customer_order')
      .select('id')
      .where('subject_id', '=', subjectId)
      .where('order_number', '=', orderNumber)
      .executeTakeFirst()
      .then((r) => r?.id)
  }

  orders(subjectId: string, limit: number, db = this.#db): Promise<OrderRow[]> {
    return db
      .selectFrom('customer_order')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('ordered_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  orderLines(subjectId: string, orderIds: readonly string[], db = this.#db): Promise<OrderLineRow[]> {
    if (orderIds.length === 0) return Promise.resolve([])
    return db
      .selectFrom('order_line')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('order_id', '=', sql<string>`any(${textArray(orderIds)}::uuid[])`)
      .orderBy('order_id')
      .orderBy('line_no')
      .execute()
  }

  async insertInvoice(invoice: Insertable<InvoiceTable>, db = this.#db): Promise<string | null> {
    const row = await db
      .insertInto('invoice')
      .values(invoice)
      .onConflict((oc) => oc.columns(['subject_id', 'invoice_number']).doNothing())
      .returning('id')
      .executeTakeFirst()
    return row?.id ?? null
  }

  invoices(subjectId: string, limit: number, db = this.#db): Promise<InvoiceRow[]> {
    return db
      .selectFrom('invoice')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('issued_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  async markInvoicePaid(subjectId: string, id: string, paidAt: Date, db = this.#db): Promise<boolean> {
    const result = await db
      .updateTable('invoice')
      .set({ paid_at: paidAt })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .where('paid_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async insertDeal(deal: Insertable<DealTable>, db = this.#db): Promise<string> {
    const row = await db.insertInto('deal').values(deal).returning('id').executeTakeFirstOrThrow()
    return row.id
  }

  async moveDeal(subjectId: string, id: string, stageKey: string, at: Date, db = this.#db): Promise<boolean> {
    const result = await db
      .updateTable('deal')
      .set({ stage_key: stageKey, updated_at: at })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  deals(subjectId: string, limit: number, db = this.#db): Promise<DealRow[]> {
    return db
      .selectFrom('deal')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  async insertNote(note: Insertable<SubjectNoteTable>, db = this.#db): Promise<string> {
    const row = await db.insertInto('subject_note').values(note).returning('id').executeTakeFirstOrThrow()
    return row.id
  }

  async completeTask(subjectId: string, id: string, at: Date, db = this.#db): Promise<boolean> {
    const result = await db
      .updateTable('subject_note')
      .set({ done_at: at, updated_at: at })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .where('kind', '=', 'task')
      .where('done_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  notes(subjectId: string, limit: number, db = this.#db): Promise<NoteRow[]> {
    return db
      .selectFrom('subject_note')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  async upsertMembership(row: Insertable<SubjectOrganisationTable>, db = this.#db): Promise<void> {
    await db
      .insertInto('subject_organisation')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['subject_id', 'organisation_id']).doUpdateSet((eb) => ({
          job_title: eb.ref('excluded.job_title'),
          department: eb.ref('excluded.department'),
        })),
      )
      .execute()
  }

  /** Links many people to organisations in one statement per 2,000; a link there already is updated. */
  async upsertMemberships(
    rows: readonly Insertable<SubjectOrganisationTable>[],
    db = this.#db,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += 2_000)
      await db
        .insertInto('subject_organisation')
        .values(rows.slice(i, i + 2_000))
        .onConflict((oc) =>
          oc.columns(['subject_id', 'organisation_id']).doUpdateSet((eb) => ({
            job_title: eb.ref('excluded.job_title'),
            department: eb.ref('excluded.department'),
          })),
        )
        .execute()
  }

  /**
   * Inserts many invoices in one statement, each linked to the subject's order of its number (none
   * if there is no such order); an invoice number the subject has already is skipped. Returns the
   * inserted ones as `subject|invoiceNumber`.
   */
  async insertInvoices(
    rows: readonly (Omit<Insertable<InvoiceTable>, 'id' | 'order_id'> & { order_number: string | null })[],
    db = this.#db,
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set()
    const at = (d: Date | string | null | undefined) => (d instanceof Date ? d.toISOString() : (d ?? null))
    const inserted = await sql<{ subject_id: string; invoice_number: string }>`
      insert into invoice (subject_id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, paid_at,
                           created_at)
      select i.subject_id, i.invoice_number, o.id, i.issued_at, i.due_on, i.amount_cents, i.currency, i.paid_at,
             i.created_at
      from unnest(
        ${textArray(rows.map((r) => r.subject_id))}::uuid[],
        ${textArray(rows.map((r) => r.invoice_number))}::text[],
        ${textArray(rows.map((r) => r.order_number))}::text[],
        ${textArray(rows.map((r) => at(r.issued_at)))}::timestamptz[],
        ${textArray(rows.map((r) => r.due_on))}::date[],
        ${integerArray(rows.map((r) => r.amount_cents))}::int8[],
        ${textArray(rows.map((r) => r.currency))}::text[],
        ${textArray(rows.map((r) => at(r.paid_at)))}::timestamptz[],
        ${textArray(rows.map((r) => at(r.created_at)))}::timestamptz[]
      ) as i(subject_id, invoice_number, order_number, issued_at, due_on, amount_cents, currency, paid_at, created_at)
      left join customer_order o on o.subject_id = i.subject_id and o.order_number = i.order_number
      on conflict (subject_id, invoice_number) do nothing
      returning subject_id, invoice_number
    `.execute(db)
    return new Set(inserted.rows.map((r) => `${r.subject_id}|${r.invoice_number}`))
  }

  async deleteMembership(subjectId: string, organisationId: string, db = this.#db): Promise<boolean> {
    const result = await db
      .deleteFrom('subject_organisation')
      .where('subject_id', '=', subjectId)
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  memberships(subjectId: string, db = this.#db): Promise<MembershipRow[]> {
    return db
      .selectFrom('subject_organisation as m')
      .innerJoin('organisation as o', 'o.id', 'm.organisation_id')
      .selectAll('m')
      .select(['o.name as organisation_name', 'o.city as organisation_city'])
      .where('m.subject_id', '=', subjectId)
      .orderBy('o.name')
      .execute()
  }

  /**
   * Art. 17: every row of the kinds the registry erases by deleting (records, pending
   * confirmations, portal sign-ins, unsubscribe links) goes with the subjects, children before
   * parents; the caller decided Art. 17(3) and shreds the vault in the same transaction.
   */
  async deleteAll(subjectIds: readonly string[], db = this.#db): Promise<Map<string, Map<string, number>>> {
    const deleted = new Map<string, Map<string, number>>()
    if (subjectIds.length === 0) return deleted
    const ids = textArray(subjectIds)
    // Legal holds go too: a full erasure happens only when none is in force (privacy/holds).
    for (const { table } of [...kindsErased('delete'), ...kindsErased('keep-until-ended')]) {
      // Counted per subject for the answer to the person, in the same statement.
      const { rows } = await sql<{ subject_id: string; n: number }>`
        with gone as (delete from ${sql.table(table)} where subject_id = any(${ids}::uuid[]) returning subject_id)
        select subject_id, count(*)::int as n from gone group by subject_id
      `.execute(db)
      for (const r of rows) {
        const counts = deleted.get(r.subject_id) ?? new Map<string, number>()
        counts.set(table, Number(r.n))
        deleted.set(r.subject_id, counts)
      }
    }
    // A send's audience still waiting in chunks names people by id (docs/adr/0022): they leave it.
    await sql`
      update campaign_audience_chunk
      set subject_ids = array(select x from unnest(subject_ids) as x where x <> all(${ids}::uuid[]))
      where subject_ids && ${ids}::uuid[]
    `.execute(db)
    return deleted
  }

  /** A subject's notes an erasure keeps (`all`, or these ids), to seal again under its new key. */
  heldNotes(
    subjectId: string,
    keep: readonly string[] | 'all',
    db = this.#db,
  ): Promise<{ id: string; sealed_text: Uint8Array }[]> {
    return db
      .selectFrom('subject_note')
      .select(['id', 'sealed_text'])
      .where('subject_id', '=', subjectId)
      .$if(keep !== 'all', (qb) =>
        qb.where('id', '=', sql<string>`any(${textArray(keep as readonly string[])}::uuid[])`),
      )
      .execute()
  }

  /** Replaces a note's sealed text (sealed again under the subject's new key by a held erasure). */
  async resealNote(subjectId: string, id: string, sealed: Uint8Array, db = this.#db): Promise<void> {
    await db
      .updateTable('subject_note')
      .set({ sealed_text: Buffer.from(sealed) })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .execute()
  }

  /**
   * Art. 17 with holds (Art. 17(3)): deletes one subject's rows of the `delete` kinds except those
   * `kept` names, children before parents: per table every row (`all`) or the rows with these keys
   * (`HELD_ROW_KEY`: an order's lines follow the order). Legal holds stay. Returns the rows deleted
   * per table.
   */
  async deleteExcept(subjectId: string, kept: HeldRecords, db = this.#db): Promise<Map<string, number>> {
    const deleted = new Map<string, number>()
    for (const { table } of kindsErased('delete')) {
      const holdable = isHoldableTable(table) ? table : undefined
      const keep = holdable ? kept[holdable === 'order_line' ? 'customer_order' : holdable] : undefined
      if (keep === 'all') continue
      const column = holdable ? HELD_ROW_KEY[holdable] : undefined
      const result = await db
        .deleteFrom(table)
        .where('subject_id', '=', subjectId)
        .$if(column !== undefined && keep !== undefined && keep.length > 0, (qb) =>
          qb.where(
            sql<boolean>`not (${sql.ref(column as string)} = any(${textArray(keep as readonly string[])}::uuid[]))`,
          ),
        )
        .executeTakeFirst()
      deleted.set(table, Number(result.numDeletedRows))
    }
    return deleted
  }
}
