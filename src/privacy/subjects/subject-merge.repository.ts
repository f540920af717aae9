import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { kindsMerged, type TableMerged } from '../records/record-kinds.ts'

/** One statement of a merge, over the survivor's and the duplicate's ids. */
type MergeStatement = (survivor: RawBuilder<string>, duplicate: RawBuilder<string>) => RawBuilder<unknown>

/**
 * How the duplicate's rows come over where the registry says `move-distinct`, `move-renumbered` or
 * `latest-wins`: the SQL depends on the table's key, so each such table has its statement here (a
 * kind registered with one of these actions and no statement fails the build). What stays behind
 * of the duplicate is deleted afterwards.
 */
const BRING_OVER: {
  [T in TableMerged<'move-distinct' | 'move-renumbered' | 'latest-wins'>]: MergeStatement
} = {
  // The same sender id at both is one touchpoint: the survivor's stays.
  touchpoint: (s, d) => sql`
    update touchpoint t set subject_id = ${s}
    where t.subject_id = ${d}
      and not (t.external_id is not null
               and exists (select 1 from touchpoint u where u.subject_id = ${s} and u.external_id = t.external_id))`,
  // Orders are parents of lines and invoices (composite keys): copied here, the lines and invoices
  // moved after, the duplicate's originals deleted last.
  customer_order: (s, d) => sql`
    insert into customer_order (subject_id, id, order_number, ordered_at, status, currency, total_cents, item_count,
                                payment_method, source, created_at)
    select ${s}, o.id,
           o.order_number || case when exists (select 1 from customer_order x where x.subject_id = ${s}
                                               and x.order_number = o.order_number)
                                  then '-' || left(${d}::text, 8) else '' end,
           o.ordered_at, o.status, o.currency, o.total_cents, o.item_count, o.payment_method, o.source, o.created_at
    from customer_order o where o.subject_id = ${d}`,
  invoice: (s, d) => sql`
    update invoice i set subject_id = ${s},
      invoice_number = i.invoice_number || case when exists (select 1 from invoice x where x.subject_id = ${s}
                                                             and x.invoice_number = i.invoice_number)
                                                then '-' || left(${d}::text, 8) else '' end
    where i.subject_id = ${d}`,
  subject_organisation: (s, d) => sql`
    update subject_organisation m set subject_id = ${s}
    where m.subject_id = ${d}
      and not exists (select 1 from subject_organisation x where x.subject_id = ${s}
                      and x.organisation_id = m.organisation_id)`,
  permission_state: (s, d) => sql`
    insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at, confirmed_at,
                                  withdrawn_at, expired_at, expires_at, updated_at)
    select ${s}, purpose_key, channel, status, requested_at, granted_at, confirmed_at, withdrawn_at, expired_at,
           expires_at, updated_at
    from permission_state where subject_id = ${d}
    on conflict (subject_id, purpose_key, channel) do update set
      status = excluded.status, requested_at = excluded.requested_at, granted_at = excluded.granted_at,
      confirmed_at = excluded.confirmed_at, withdrawn_at = excluded.withdrawn_at, expired_at = excluded.expired_at,
      expires_at = excluded.expires_at, updated_at = excluded.updated_at
    where excluded.updated_at > permission_state.updated_at`,
  objection_state: (s, d) => sql`
    update objection_state o set subject_id = ${s}
    where o.subject_id = ${d}
      and not exists (select 1 from objection_state x where x.subject_id = ${s}
                      and x.scope = o.scope and x.target = o.target)`,
  restriction_state: (s, d) => sql`
    update restriction_state set subject_id = ${s}
    where subject_id = ${d} and not exists (select 1 from restriction_state x where x.subject_id = ${s})`,
}

/** A kind moved by re-sealing (`reseal`): notes, data subject requests. */
export type ResealedKind = ReturnType<typeof kindsMerged<'reseal'>>[number]
/** A sealed column of such a kind. */
export type ResealedColumn = ResealedKind['sealed'][number]['column']

/**
 * SQL that moves everything of a duplicate subject to the survivor of a merge (Art. 5(1)(d)), as
 * the registry of record kinds says per table (`record-kinds.ts`); one statement per table, all in
 * the caller's transaction. Numbers that would clash (an order or invoice number the survivor has
 * too) get the duplicate's short id appended; the records of both stay.
 */
export class SubjectMergeRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Every kind the registry moves, merges or drops (not the sealed ones: `sealedRows`,
   * `moveSealed`). Consents, objections and restriction: every event moves (the proof of both
   * stays); the state is the later one per purpose and channel for consents, the union for
   * objections (any objection counts), and a restriction of either holds. Unsubscribe links and
   * pending double opt-in confirmations move too (their consent events did); the duplicate's
   * portal sign-ins end.
   */
  async moveRecords(survivor: string, duplicate: string, trx: Kysely<Schema> = this.#db): Promise<void> {
    const s = sql<string>`${survivor}::uuid`
    const d = sql<string>`${duplicate}::uuid`
    // Parents first: an order's copy is there before its lines and invoices point at it.
    for (const kind of kindsMerged('move', 'move-distinct', 'move-renumbered', 'latest-wins').reverse()) {
      if (kind.merge === 'move')
        await trx.updateTable(kind.table).set({ subject_id: s }).where('subject_id', '=', d).execute()
      else await BRING_OVER[kind.table](s, d).execute(trx)
    }
    // Children first: what stayed behind (rows the survivor had already, the originals of copied
    // orders, the portal sign-ins) goes.
    for (const kind of kindsMerged('move-distinct', 'move-renumbered', 'latest-wins', 'drop'))
      await trx.deleteFrom(kind.table).where('subject_id', '=', d).execute()
  }

  /** The duplicate's rows of a kind with sealed columns, to re-seal under the survivor's key. */
  async sealedRows(
    kind: ResealedKind,
    duplicate: string,
    trx: Kysely<Schema> = this.#db,
  ): Promise<({ id: string } & Record<string, unknown>)[]> {
    return trx.selectFrom(kind.table).selectAll().where('subject_id', '=', duplicate).execute()
  }

  /** Moves one row to the survivor with its values sealed again (a data subject request's deadline runs on). */
  async moveSealed(
    kind: ResealedKind,
    duplicate: string,
    survivor: string,
    id: string,
    values: readonly { column: ResealedColumn; sealed: Uint8Array | null }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    const sealed = values.map((v) => sql`${sql.ref(v.column)} = ${v.sealed}`)
    await sql`
      update ${sql.table(kind.table)} set subject_id = ${survivor}::uuid, ${sql.join(sealed)}
      where subject_id = ${duplicate}::uuid and id = ${id}::uuid
    `.execute(trx)
  }

  async markMerged(duplicate: string, survivor: string, trx: Kysely<Schema>): Promise<void> {
    await trx.updateTable('subject').set({ merged_into: survivor }).where('id', '=', duplicate).execute()
  }

  /** Locks both subject rows (in id order, like every writer) and returns them. */
  lock(ids: readonly string[], trx: Kysely<Schema>) {
    return trx
      .selectFrom('subject')
      .selectAll()
      .where('id', 'in', [...ids])
      .orderBy('id')
      .forUpdate()
      .execute()
  }
}
