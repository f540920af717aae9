import { type Kysely, type Selectable, sql, type Updateable } from 'kysely'
import type { Schema, WebhookDeliveryTable, WebhookSubscriptionTable } from '../../platform/db/schema.ts'

export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionTable>
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>

/** The SQL of webhook subscriptions and their deliveries (the outbox). */
export class WebhookRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async subscriptions(recipientId?: string): Promise<WebhookSubscriptionRow[]> {
    let query = this.#db.selectFrom('webhook_subscription').selectAll()
    if (recipientId !== undefined) query = query.where('recipient_id', '=', recipientId)
    return query.orderBy('created_at').orderBy('id').execute()
  }

  async subscription(
    id: string,
    trx: Kysely<Schema> = this.#db,
  ): Promise<WebhookSubscriptionRow | undefined> {
    return trx.selectFrom('webhook_subscription').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async insertSubscription(
    row: { recipient_id: string; url: string; events: string[]; purpose_key: string },
    trx: Kysely<Schema>,
  ): Promise<WebhookSubscriptionRow> {
    return trx.insertInto('webhook_subscription').values(row).returningAll().executeTakeFirstOrThrow()
  }

  async updateSubscription(
    id: string,
    columns: Updateable<WebhookSubscriptionTable>,
    trx: Kysely<Schema>,
  ): Promise<WebhookSubscriptionRow | undefined> {
    return trx
      .updateTable('webhook_subscription')
      .set({ ...columns, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
  }

  /**
   * The outbox: one delivery per subject and active subscription to the event, one statement
   * (nothing to do, and one index probe, when nobody subscribed).
   */
  async enqueue(
    event: string,
    subjectIds: readonly string[],
    at: Date,
    trx: Kysely<Schema>,
  ): Promise<number> {
    if (subjectIds.length === 0) return 0
    const result = await sql`
      insert into webhook_delivery (subject_id, id, subscription_id, event, occurred_at, next_attempt_at)
      select s.id, gen_random_uuid(), w.id, ${event}, ${at}, ${at}
      from webhook_subscription w
      cross join unnest(${[...subjectIds]}::uuid[]) as s (id)
      where w.active and w.events @> array[${event}]::text[]`.execute(trx)
    return Number(result.numAffectedRows ?? 0)
  }

  /**
   * Claims due deliveries: moves their next attempt `leaseSeconds` on (a worker that dies mid-way
   * leaves them to be tried again then) and returns them. Skips rows another worker has locked.
   */
  async claimDue(now: Date, limit: number, leaseSeconds: number): Promise<WebhookDeliveryRow[]> {
    const result = await sql<WebhookDeliveryRow>`
      update webhook_delivery d
      set next_attempt_at = ${now}::timestamptz + make_interval(secs => ${leaseSeconds})
      from (
        select subject_id, id from webhook_delivery
        where status = 'pending' and next_attempt_at <= ${now}
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      ) due
      where d.subject_id = due.subject_id and d.id = due.id
      returning d.*`.execute(this.#db)
    return result.rows
  }

  async finish(
    subjectId: string,
    id: string,
    columns: Updateable<WebhookDeliveryTable>,
    trx: Kysely<Schema> = this.#db,
  ): Promise<void> {
    await trx
      .updateTable('webhook_delivery')
      .set(columns)
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .execute()
  }

  /** Pending deliveries of a subscription that ended: cancelled. */
  async cancelPending(subscriptionId: string, trx: Kysely<Schema>): Promise<void> {
    await trx
      .updateTable('webhook_delivery')
      .set({ status: 'cancelled', last_error: 'the subscription ended before delivery' })
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .execute()
  }

  /** A subscription's deliveries, newest first (a keyset page on occurred_at, id). */
  async deliveries(
    subscriptionId: string,
    options: { limit: number; status?: string | undefined },
  ): Promise<WebhookDeliveryRow[]> {
    let query = this.#db
      .selectFrom('webhook_delivery')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
    if (options.status !== undefined) query = query.where('status', '=', options.status)
    return query.orderBy('occurred_at', 'desc').orderBy('id').limit(options.limit).execute()
  }
}
