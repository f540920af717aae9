import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely'
import type { JourneyEnrolmentTable, JourneySendTable, Schema } from '../../platform/db/schema.ts'

export type JourneyEnrolmentRow = Selectable<JourneyEnrolmentTable>
export type JourneySendRow = Selectable<JourneySendTable>

/** An enrolment's key: person × journey × what triggered it. */
export interface EnrolmentKey {
  subjectId: string
  journeyId: string
  triggerRef: string
}

/** What a trigger's window enrols: the rows the statement inserts all carry these. */
interface EnrolInsert {
  journeyId: string
  version: number
  from: Date
  to: Date
  now: Date
  /** Only subjects (`subject s`) meeting this condition enter (a segment's permitted audience). */
  where?: RawBuilder<SqlBool> | undefined
}

const only = (input: EnrolInsert) => input.where ?? sql<SqlBool>`true`

const keyOf = (k: EnrolmentKey) =>
  sql<boolean>`subject_id = ${k.subjectId}::uuid and journey_id = ${k.journeyId}::uuid and trigger_ref = ${k.triggerRef}`

/**
 * SQL of the journeys' enrolments and send ledger, and the triggers' reads of consent events,
 * scores and orders; one statement per method. `db` may be a transaction.
 */
export class JourneyEnrolmentRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Enrols who confirmed a consent to the purpose (double opt-in) within (from, to]; once per
   * person and journey. The subjects enrolled now.
   */
  async enrolConfirmed(input: EnrolInsert & { purposeKey: string }, db = this.#db): Promise<string[]> {
    const { rows } = await sql<{ subject_id: string }>`
      insert into journey_enrolment (subject_id, journey_id, trigger_ref, journey_version, step, next_at, status, entered_at, updated_at)
      select distinct e.subject_id, ${input.journeyId}::uuid, 'doi', ${input.version}::int, 0,
             ${input.now.toISOString()}::timestamptz, 'active', ${input.now.toISOString()}::timestamptz, ${input.now.toISOString()}::timestamptz
      from consent_event e join subject s on s.id = e.subject_id
      where e.kind = 'confirmed' and e.purpose_key = ${input.purposeKey}
        and e.occurred_at > ${input.from.toISOString()}::timestamptz and e.occurred_at <= ${input.to.toISOString()}::timestamptz
        and s.erased_at is null and s.merged_into is null and s.erasure_requested_at is null
        and ${only(input)}
      on conflict do nothing
      returning subject_id
    `.execute(db)
    return rows.map((r) => r.subject_id)
  }

  /**
   * Enrols customers whose P(alive) (the `clv` score's `pAlive`) is below the threshold in a score
   * computed within (from, to]; once per person and journey.
   */
  async enrolPAliveBelow(input: EnrolInsert & { threshold: number }, db = this.#db): Promise<string[]> {
    const { rows } = await sql<{ subject_id: string }>`
      insert into journey_enrolment (subject_id, journey_id, trigger_ref, journey_version, step, next_at, status, entered_at, updated_at)
      select sc.subject_id, ${input.journeyId}::uuid, 'p-alive', ${input.version}::int, 0,
             ${input.now.toISOString()}::timestamptz, 'active', ${input.now.toISOString()}::timestamptz, ${input.now.toISOString()}::timestamptz
      from subject_score sc join subject s on s.id = sc.subject_id
      where sc.kind = 'clv'
        and sc.computed_at > ${input.from.toISOString()}::timestamptz and sc.computed_at <= ${input.to.toISOString()}::timestamptz
        and (case when jsonb_typeof(sc.outputs -> 'pAlive') = 'number' then (sc.outputs ->> 'pAlive')::float8 end) < ${input.threshold}::float8
        and s.erased_at is null and s.merged_into is null and s.erasure_requested_at is null
        and ${only(input)}
      on conflict do nothing
      returning subject_id
    `.execute(db)
    return rows.map((r) => r.subject_id)
  }

  /**
   * Enrols the customers of orders abandoned within the window: still `open` `hours` after they were
   * placed, with the moment they became abandoned in (from, to], no paid invoice naming them and no
   * later open or fulfilled order of the same customer. One enrolment per order.
   */
  async enrolAbandonedOrders(input: EnrolInsert & { hours: number }, db = this.#db): Promise<string[]> {
    const shift = input.hours * 3_600_000
    const placedAfter = new Date(input.from.getTime() - shift).toISOString()
    const placedUntil = new Date(input.to.getTime() - shift).toISOString()
    const { rows } = await sql<{ subject_id: string }>`
      insert into journey_enrolment (subject_id, journey_id, trigger_ref, journey_version, step, next_at, status, entered_at, updated_at)
      select o.subject_id, ${input.journeyId}::uuid, 'order:' || o.id::text, ${input.version}::int, 0,
             ${input.now.toISOString()}::timestamptz, 'active', ${input.now.toISOString()}::timestamptz, ${input.now.toISOString()}::timestamptz
      from customer_order o join subject s on s.id = o.subject_id
      where o.status = 'open'
        and o.ordered_at > ${placedAfter}::timestamptz and o.ordered_at <= ${placedUntil}::timestamptz
        and s.erased_at is null and s.merged_into is null and s.erasure_requested_at is null
        and ${only(input)}
        and not exists (select 1 from invoice i
                        where i.subject_id = o.subject_id and i.order_id = o.id and i.paid_at is not null)
        and not exists (select 1 from customer_order l
                        where l.subject_id = o.subject_id and l.ordered_at > o.ordered_at and l.status in ('open', 'fulfilled'))
      on conflict do nothing
      returning subject_id
    `.execute(db)
    return rows.map((r) => r.subject_id)
  }

  /**
   * Whether an order is still abandoned: `open`, no paid invoice naming it, no later open or
   * fulfilled order of the customer. Undefined: no such order (erased, merged away).
   */
  async orderStillOpen(subjectId: string, orderId: string, db = this.#db): Promise<boolean | undefined> {
    const { rows } = await sql<{ open: boolean }>`
      select (o.status = 'open'
              and not exists (select 1 from invoice i
                              where i.subject_id = o.subject_id and i.order_id = o.id and i.paid_at is not null)
              and not exists (select 1 from customer_order l
                              where l.subject_id = o.subject_id and l.ordered_at > o.ordered_at and l.status in ('open', 'fulfilled'))
             ) as open
      from customer_order o where o.subject_id = ${subjectId}::uuid and o.id = ${orderId}::uuid
    `.execute(db)
    return rows[0]?.open
  }

  /**
   * Claims up to `limit` active enrolments of active journeys whose next step is due: their
   * `next_at` moves to `leaseUntil`, so a concurrent tick skips them (and a crashed one's come back
   * after the lease). The claimed rows as they were.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number, db = this.#db): Promise<JourneyEnrolmentRow[]> {
    const { rows } = await sql<JourneyEnrolmentRow>`
      with due as (
        select e.subject_id, e.journey_id, e.trigger_ref
        from journey_enrolment e join journey j on j.id = e.journey_id
        where e.status = 'active' and e.next_at <= ${now.toISOString()}::timestamptz and j.status = 'active'
        order by e.next_at, e.subject_id
        limit ${limit}
        for update of e skip locked
      )
      update journey_enrolment e set next_at = ${leaseUntil.toISOString()}::timestamptz
      from due
      where e.subject_id = due.subject_id and e.journey_id = due.journey_id and e.trigger_ref = due.trigger_ref
      returning e.*
    `.execute(db)
    return rows
  }

  /** Moves a claimed enrolment on, if it is still at `fromStep` and active; whether it was. */
  async move(
    key: EnrolmentKey,
    fromStep: number,
    to: {
      step: number
      nextAt: Date | null
      status: 'active' | 'completed' | 'stopped'
      reason: string | null
      attempts: number
      at: Date
    },
    db = this.#db,
  ): Promise<boolean> {
    const result = await db
      .updateTable('journey_enrolment')
      .set({
        step: to.step,
        next_at: to.nextAt,
        status: to.status,
        reason: to.reason,
        attempts: to.attempts,
        updated_at: to.at,
        ended_at: to.status === 'active' ? null : to.at,
      })
      .where(keyOf(key))
      .where('step', '=', fromStep)
      .where('status', '=', 'active')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** Writes the ledger row of a step (`sending`) unless there is one; whether this call wrote it. */
  async beginSend(
    key: EnrolmentKey,
    step: number,
    send: { channel: 'email' | 'sms'; purposeKey: string; at: Date },
    db = this.#db,
  ): Promise<boolean> {
    const rows = await db
      .insertInto('journey_send')
      .values({
        subject_id: key.subjectId,
        journey_id: key.journeyId,
        trigger_ref: key.triggerRef,
        step,
        channel: send.channel,
        purpose_key: send.purposeKey,
        status: 'sending',
        created_at: send.at,
        updated_at: send.at,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('step')
      .execute()
    return rows.length > 0
  }

  findSend(key: EnrolmentKey, step: number, db = this.#db): Promise<JourneySendRow | undefined> {
    return db
      .selectFrom('journey_send')
      .selectAll()
      .where(keyOf(key))
      .where('step', '=', step)
      .executeTakeFirst()
  }

  /** Records what became of a `sending` ledger row (or of an interrupted one). */
  async finishSend(
    key: EnrolmentKey,
    step: number,
    outcome: {
      status: 'sent' | 'refused' | 'failed'
      reason: string | null
      messageId: string | null
      at: Date
    },
    db = this.#db,
  ): Promise<void> {
    await db
      .updateTable('journey_send')
      .set({
        status: outcome.status,
        reason: outcome.reason,
        message_id: outcome.messageId,
        updated_at: outcome.at,
      })
      .where(keyOf(key))
      .where('step', '=', step)
      .where('status', '=', 'sending')
      .execute()
  }

  /** A temporary failure: the `sending` row goes, so a later attempt may write it again. */
  async releaseSend(key: EnrolmentKey, step: number, db = this.#db): Promise<void> {
    await db
      .deleteFrom('journey_send')
      .where(keyOf(key))
      .where('step', '=', step)
      .where('status', '=', 'sending')
      .execute()
  }

  /** A page of a journey's enrolments in key order (pseudonymous: ids, steps, statuses). */
  page(
    journeyId: string,
    query: {
      status?: string | undefined
      after?: { subjectId: string; triggerRef: string } | undefined
      limit: number
    },
    db = this.#db,
  ): Promise<JourneyEnrolmentRow[]> {
    return db
      .selectFrom('journey_enrolment')
      .selectAll()
      .where('journey_id', '=', journeyId)
      .$if(query.status !== undefined, (qb) =>
        qb.where('status', '=', query.status as 'active' | 'completed' | 'stopped'),
      )
      .$if(query.after !== undefined, (qb) =>
        qb.where(
          sql<boolean>`(subject_id, trigger_ref) > (${query.after?.subjectId}::uuid, ${query.after?.triggerRef})`,
        ),
      )
      .orderBy('subject_id')
      .orderBy('trigger_ref')
      .limit(query.limit)
      .execute()
  }

  /** Enrolments of a journey counted by status, step and reason. */
  async enrolmentCounts(
    journeyId: string,
    db = this.#db,
  ): Promise<{ status: string; step: number; reason: string | null; n: number }[]> {
    const { rows } = await sql<{ status: string; step: number; reason: string | null; n: string | number }>`
      select status, step, reason, count(*) as n from journey_enrolment
      where journey_id = ${journeyId}::uuid group by status, step, reason
    `.execute(db)
    return rows.map((r) => ({ ...r, n: Number(r.n) }))
  }

  /** Ledger rows of a journey counted by step, status and reason. */
  async sendCounts(
    journeyId: string,
    db = this.#db,
  ): Promise<{ status: string; step: number; reason: string | null; n: number }[]> {
    const { rows } = await sql<{ status: string; step: number; reason: string | null; n: string | number }>`
      select status, step, reason, count(*) as n from journey_send
      where journey_id = ${journeyId}::uuid group by status, step, reason
    `.execute(db)
    return rows.map((r) => ({ ...r, n: Number(r.n) }))
  }

  /** Whether a journey has anyone enrolled (a journey that has run is not deleted). */
  async anyEnrolled(journeyId: string, db = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom('journey_enrolment')
      .select('subject_id')
      .where('journey_id', '=', journeyId)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }
}
