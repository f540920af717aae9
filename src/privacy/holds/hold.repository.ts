import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type { LegalHoldTable, Schema } from '../../platform/db/schema.ts'
import type { FieldCategory } from '../fields/field-catalog.ts'
import type { Channel } from '../purposes/purpose.ts'
import type { EnteredHold, HoldableRecordKind, HoldFacts, HoldGround } from './hold.ts'

export type LegalHoldRow = Selectable<LegalHoldTable>

const uuids = (ids: readonly string[]) => sql<string>`any(${textArray(ids)}::uuid[])`

export const toEnteredHold = (r: LegalHoldRow): EnteredHold => ({
  subjectId: r.subject_id,
  id: r.id,
  ground: r.ground as HoldGround,
  reason: r.reason,
  fieldCategories: r.field_categories as FieldCategory[],
  recordKinds: r.record_kinds as HoldableRecordKind[],
  until: r.until,
  setBy: { type: r.set_by_type, id: r.set_by_id },
  createdAt: r.created_at,
  liftedAt: r.lifted_at,
  liftedBy: r.lifted_by_type && r.lifted_by_id ? { type: r.lifted_by_type, id: r.lifted_by_id } : null,
})

/** A subject as an erasure sees it. */
export interface ErasureSubject {
  id: string
  erasedAt: Date | null
  erasureRequestedAt: Date | null
}

/**
 * SQL of legal holds, the facts derived holds are computed from, the erasure's marks on the
 * subject and the erasure ledger; one query per method, every method takes the caller's transaction.
 */
export class HoldRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Locks the subjects for an erasure (`FOR UPDATE`, in id order like every writer, so overlapping
   * erasures and writes wait for each other instead of deadlocking); unknown ids are absent.
   */
  async lockForErasure(ids: readonly string[], trx: Kysely<Schema>): Promise<ErasureSubject[]> {
    if (ids.length === 0) return []
    const rows = await trx
      .selectFrom('subject')
      .select(['id', 'erased_at', 'erasure_requested_at'])
      .where('id', '=', uuids(ids))
      .orderBy('id')
      .forUpdate()
      .execute()
    return rows.map((r) => ({ id: r.id, erasedAt: r.erased_at, erasureRequestedAt: r.erasure_requested_at }))
  }

  /** The subjects as an erasure sees them, without locking. */
  async subjects(ids: readonly string[], db = this.#db): Promise<ErasureSubject[]> {
    if (ids.length === 0) return []
    const rows = await db
      .selectFrom('subject')
      .select(['id', 'erased_at', 'erasure_requested_at'])
      .where('id', '=', uuids(ids))
      .execute()
    return rows.map((r) => ({ id: r.id, erasedAt: r.erased_at, erasureRequestedAt: r.erasure_requested_at }))
  }

  /** The subjects' invoices, as the derived holds need them. */
  async invoices(
    ids: readonly string[],
    db = this.#db,
  ): Promise<
    { subject_id: string; id: string; order_id: string | null; issued_at: Date; paid_at: Date | null }[]
  > {
    return db
      .selectFrom('invoice')
      .select(['subject_id', 'id', 'order_id', 'issued_at', 'paid_at'])
      .where('subject_id', '=', uuids(ids))
      .execute()
  }

  /**
   * Per subject, purpose and channel (of `channels`): when a consent was last given and last used
   * (a touchpoint under the purpose on the channel), the uses, and whether the purpose is
   * advertising (null: no such purpose). One query over the set.
   */
  async consents(
    ids: readonly string[],
    channels: readonly string[],
    db = this.#db,
  ): Promise<
    {
      subject_id: string
      purpose_key: string
      channel: string
      direct_marketing: boolean | null
      last_given_at: Date | null
      last_used_at: Date | null
      use_ids: string[]
    }[]
  > {
    if (channels.length === 0) return []
    const { rows } = await sql<{
      subject_id: string
      purpose_key: string
      channel: string
      direct_marketing: boolean | null
      last_given_at: Date | null
      last_used_at: Date | null
      use_ids: string[]
    }>`
      select c.subject_id, c.purpose_key, c.channel, p.direct_marketing, c.last_given_at, u.last_used_at,
             coalesce(u.use_ids, '{}') as use_ids
      from (
        select subject_id, purpose_key, channel,
               max(occurred_at) filter (where kind in ('granted', 'confirmed')) as last_given_at
        from consent_event
        where subject_id = ${uuids(ids)} and channel = any(${textArray(channels)}::text[])
        group by subject_id, purpose_key, channel
      ) c
      left join purpose p on p.key = c.purpose_key
      left join lateral (
        select max(t.occurred_at) as last_used_at, array_agg(t.id::text) as use_ids
        from touchpoint t
        where t.subject_id = c.subject_id and t.purpose_key = c.purpose_key and t.channel = c.channel
      ) u on true
      order by c.subject_id, c.purpose_key, c.channel
    `.execute(db)
    return rows
  }

  /** Every legal hold of the subjects, lifted ones too, oldest first. */
  enteredHolds(ids: readonly string[], db = this.#db): Promise<LegalHoldRow[]> {
    return db
      .selectFrom('legal_hold')
      .selectAll()
      .where('subject_id', '=', uuids(ids))
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  }

  async insertHold(row: Insertable<LegalHoldTable>, trx: Kysely<Schema>): Promise<LegalHoldRow> {
    return trx.insertInto('legal_hold').values(row).returningAll().executeTakeFirstOrThrow()
  }

  /** Lifts a hold in force; undefined when there is none with this id (or it was lifted). */
  liftHold(
    subjectId: string,
    id: string,
    by: { type: string; id: string },
    at: Date,
    trx: Kysely<Schema>,
  ): Promise<LegalHoldRow | undefined> {
    return trx
      .updateTable('legal_hold')
      .set({ lifted_at: at, lifted_by_type: by.type, lifted_by_id: by.id })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .where('lifted_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
  }

  /**
   * Art. 17(3): marks a held erasure (the time of the first one stays) and clears the pseudonymous
   * attributes, which no hold keeps.
   */
  async markErasureRequested(ids: readonly string[], at: Date, trx: Kysely<Schema>): Promise<void> {
    if (ids.length === 0) return
    await trx
      .updateTable('subject')
      .set((eb) => ({
        erasure_requested_at: eb.fn.coalesce(
          'erasure_requested_at',
          sql<Date>`${at.toISOString()}::timestamptz`,
        ),
        attributes: sql`'{}'::jsonb`,
        updated_at: at,
      }))
      .where('id', '=', uuids(ids))
      .execute()
  }

  /** A page of subjects whose erasure is held (not finished), by id after `after`. */
  async heldErasures(after: string | undefined, limit: number, db = this.#db): Promise<string[]> {
    const rows = await db
      .selectFrom('subject')
      .select('id')
      .where('erasure_requested_at', 'is not', null)
      .where('erased_at', 'is', null)
      .$if(after !== undefined, (qb) => qb.where('id', '>', after as string))
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  /** Appends to the erasure ledger (the database's copy). */
  async appendLedger(
    entries: readonly {
      subjectId: string
      erasedAt: Date
      kind: 'full' | 'held' | 'finished'
      holds: readonly string[]
    }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (entries.length === 0) return
    await trx
      .insertInto('erasure_ledger')
      .values(
        entries.map((e) => ({
          subject_id: e.subjectId,
          erased_at: e.erasedAt,
          kind: e.kind,
          holds: [...e.holds],
        })),
      )
      .execute()
  }

  /** Per subject, the holds its latest held erasure kept for (subjects with none are absent). */
  async lastHeld(ids: readonly string[], db = this.#db): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map()
    const rows = await db
      .selectFrom('erasure_ledger')
      .select(['subject_id', 'holds'])
      .distinctOn('subject_id')
      .where('subject_id', '=', uuids(ids))
      .where('kind', '=', 'held')
      .orderBy('subject_id')
      .orderBy('seq', 'desc')
      .execute()
    return new Map(rows.map((r) => [r.subject_id, r.holds]))
  }
}

/** The facts of the subjects' holds, grouped (`HoldRepository` rows → `HoldFacts` per subject). */
export function groupFacts(
  ids: readonly string[],
  invoices: Awaited<ReturnType<HoldRepository['invoices']>>,
  consents: Awaited<ReturnType<HoldRepository['consents']>>,
  entered: readonly LegalHoldRow[],
): Map<string, HoldFacts> {
  const facts = new Map<
    string,
    {
      invoices: HoldFacts['invoices'][number][]
      consents: HoldFacts['consents'][number][]
      entered: EnteredHold[]
    }
  >(ids.map((id) => [id, { invoices: [], consents: [], entered: [] }]))
  for (const i of invoices)
    facts
      .get(i.subject_id)
      ?.invoices.push({ id: i.id, orderId: i.order_id, issuedAt: i.issued_at, paidAt: i.paid_at })
  for (const c of consents)
    facts.get(c.subject_id)?.consents.push({
      purposeKey: c.purpose_key,
      channel: c.channel as Channel,
      directMarketing: c.direct_marketing,
      lastGivenAt: c.last_given_at,
      lastUsedAt: c.last_used_at,
      useIds: c.use_ids,
    })
  for (const h of entered) facts.get(h.subject_id)?.entered.push(toEnteredHold(h))
  return facts
}
