import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/**
 * SQL that moves everything of a duplicate subject to the survivor of a merge (Art. 5(1)(d)); one
 * statement per table, all in the caller's transaction. Numbers that would clash (an order or
 * invoice number the survivor has too) get the duplicate's short id appended; the records of both
 * stay.
 */
export class SubjectMergeRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async moveRecords(survivor: string, duplicate: string, trx: Kysely<Schema> = this.#db): Promise<void> {
    const s = sql`${survivor}::uuid`
    const d = sql`${duplicate}::uuid`
    const suffix = sql`'-' || left(${duplicate}::text, 8)`
    // Touchpoints: the same sender id at both is one touchpoint; keep the survivor's.
    await sql`delete from touchpoint t where t.subject_id = ${d} and t.external_id is not null
      and exists (select 1 from touchpoint u where u.subject_id = ${s} and u.external_id = t.external_id)`.execute(
      trx,
    )
    await sql`update touchpoint set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    // Orders are parents of lines and invoices (composite keys): copy, move the children, delete.
    await sql`insert into customer_order (subject_id, id, order_number, ordered_at, status, currency, total_cents,
                                          item_count, payment_method, source, created_at)
      select ${s}, o.id,
             o.order_number || case when exists (select 1 from customer_order x where x.subject_id = ${s}
                                                 and x.order_number = o.order_number) then ${suffix} else '' end,
             o.ordered_at, o.status, o.currency, o.total_cents, o.item_count, o.payment_method, o.source, o.created_at
      from customer_order o where o.subject_id = ${d}`.execute(trx)
    await sql`update order_line set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`update invoice i set subject_id = ${s},
        invoice_number = i.invoice_number || case when exists (select 1 from invoice x where x.subject_id = ${s}
                                                   and x.invoice_number = i.invoice_number) then ${suffix} else '' end
      where i.subject_id = ${d}`.execute(trx)
    await sql`delete from customer_order where subject_id = ${d}`.execute(trx)
    await sql`update deal set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`insert into subject_organisation (subject_id, organisation_id, job_title, department, created_at)
      select ${s}, organisation_id, job_title, department, created_at from subject_organisation where subject_id = ${d}
      on conflict do nothing`.execute(trx)
    await sql`delete from subject_organisation where subject_id = ${d}`.execute(trx)
  }

  /**
   * Consent, objection and restriction: every event moves (the proof of both stays); the state is
   * the later one per purpose and channel for consents, the union for objections (any objection
   * counts), and a restriction of either holds. Unsubscribe links and pending double opt-in
   * confirmations move too (their consent events did); the duplicate's portal sign-ins end.
   */
  async movePermissions(survivor: string, duplicate: string, trx: Kysely<Schema> = this.#db): Promise<void> {
    const s = sql`${survivor}::uuid`
    const d = sql`${duplicate}::uuid`
    await sql`update consent_event set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at,
                                            confirmed_at, withdrawn_at, expired_at, expires_at, updated_at)
      select ${s}, purpose_key, channel, status, requested_at, granted_at, confirmed_at, withdrawn_at, expired_at,
             expires_at, updated_at
      from permission_state where subject_id = ${d}
      on conflict (subject_id, purpose_key, channel) do update set
        status = excluded.status, requested_at = excluded.requested_at, granted_at = excluded.granted_at,
        confirmed_at = excluded.confirmed_at, withdrawn_at = excluded.withdrawn_at, expired_at = excluded.expired_at,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at
      where excluded.updated_at > permission_state.updated_at`.execute(trx)
    await sql`delete from permission_state where subject_id = ${d}`.execute(trx)
    await sql`update objection_event set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`insert into objection_state (subject_id, scope, target, source, raised_at)
      select ${s}, scope, target, source, raised_at from objection_state where subject_id = ${d}
      on conflict do nothing`.execute(trx)
    await sql`delete from objection_state where subject_id = ${d}`.execute(trx)
    await sql`update restriction_event set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`insert into restriction_state (subject_id, ground, note, since)
      select ${s}, ground, note, since from restriction_state where subject_id = ${d}
      on conflict do nothing`.execute(trx)
    await sql`delete from restriction_state where subject_id = ${d}`.execute(trx)
    // The duplicate's unsubscribe links (in mails already sent) now unsubscribe the survivor.
    await sql`update unsubscribe_token set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    // A confirmation link mailed to the duplicate confirms the moved `requested` consents of the
    // survivor; an erasure of the survivor then takes these rows with it.
    await sql`update doi_request set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    await sql`update doi_token set subject_id = ${s} where subject_id = ${d}`.execute(trx)
    // The duplicate's portal sign-ins end: the person signs in again as the survivor.
    await sql`delete from portal_session where subject_id = ${d}`.execute(trx)
    await sql`delete from portal_token where subject_id = ${d}`.execute(trx)
    await sql`delete from portal_link where subject_id = ${d}`.execute(trx)
  }

  /** The duplicate's notes (sealed under its key), to re-seal under the survivor's. */
  notes(
    duplicate: string,
    trx: Kysely<Schema> = this.#db,
  ): Promise<{ id: string; sealed_text: Uint8Array }[]> {
    return trx
      .selectFrom('subject_note')
      .select(['id', 'sealed_text'])
      .where('subject_id', '=', duplicate)
      .execute()
  }

  async moveNote(
    duplicate: string,
    survivor: string,
    id: string,
    sealed: Uint8Array,
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('subject_note')
      .set({ subject_id: survivor, sealed_text: sealed })
      .where('subject_id', '=', duplicate)
      .where('id', '=', id)
      .execute()
  }

  /** The duplicate's data subject requests with their sealed details, to re-seal under the survivor's key. */
  dsrRequests(
    duplicate: string,
    trx: Kysely<Schema> = this.#db,
  ): Promise<{ id: string; details_sealed: Uint8Array | null }[]> {
    return trx
      .selectFrom('dsr_request')
      .select(['id', 'details_sealed'])
      .where('subject_id', '=', duplicate)
      .execute()
  }

  /** Moves one request to the survivor (its deadline runs on: it was received when it was received). */
  async moveDsrRequest(
    duplicate: string,
    survivor: string,
    id: string,
    sealed: Uint8Array | null,
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('dsr_request')
      .set({ subject_id: survivor, details_sealed: sealed })
      .where('subject_id', '=', duplicate)
      .where('id', '=', id)
      .execute()
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
