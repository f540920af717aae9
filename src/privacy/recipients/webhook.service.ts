import { createHmac, randomBytes } from 'node:crypto'
import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { IDENTIFIER_FIELDS, type PersonalField } from '../fields/field-catalog.ts'
import type { FieldRegistry } from '../fields/field-registry.ts'
import type { GateActor, UseRequest, UseResult } from '../gate/gate.service.ts'
import type { AuthorizedDisclosure, DisclosureService } from './disclosure.service.ts'
import type { RecipientService } from './recipient.service.ts'
import type { WebhookEvent } from './recipient.ts'
import type { WebhookDeliveryRow, WebhookRepository, WebhookSubscriptionRow } from './webhook.repository.ts'
import { SECRET_PREFIX, signWebhook } from './webhook-signature.ts'
import { isPublicAddress, webhookUrlProblem } from './webhook-url.ts'

/** Who delivers: the worker's job, acting under every purpose; the recipient's categories narrow what goes. */
export const WEBHOOK_ACTOR: GateActor = { type: 'job', id: 'webhooks.deliver', role: 'admin' }

/** The vault secret the subscriptions' signing secrets are derived from. */
const SIGNING_SECRET = 'webhook-signing'

/** A subscription as the API shows it (never its secret). */
export interface WebhookSubscription {
  id: string
  recipientId: string
  url: string
  events: WebhookEvent[]
  purpose: string
  secretVersion: number
  active: boolean
  createdAt: Date
  updatedAt: Date
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'refused', 'cancelled'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/** A delivery as the API shows it: its status and the last attempt, never the payload. */
export interface WebhookDelivery {
  id: string
  subscriptionId: string
  subjectId: string
  event: WebhookEvent
  occurredAt: Date
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  lastAttemptAt: Date | null
  lastStatus: number | null
  lastError: string | null
  deliveredAt: Date | null
}

export interface WebhookSettings {
  /** Receivers on loopback, private and link-local addresses (TRESOR_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivateNetworks: boolean
  /** Attempts before a delivery is `failed`. */
  maxAttempts: number
  /** The first retry's delay; each next one doubles, up to six hours. */
  firstRetrySeconds: number
  /** How long an attempt may take. */
  timeoutMs: number
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivateNetworks: false,
  maxAttempts: 10,
  firstRetrySeconds: 30,
  timeoutMs: 10_000,
}

const MAX_DELAY_SECONDS = 6 * 3600

/** The delay before attempt `attempts + 1`, after `attempts` failed ones: exponential, capped. */
export const retryDelaySeconds = (attempts: number, first: number): number =>
  Math.min(MAX_DELAY_SECONDS, first * 2 ** Math.max(0, attempts - 1))

/** What a run of `deliverDue` did. */
export interface DeliveryRun {
  delivered: number
  retrying: number
  failed: number
  refused: number
  cancelled: number
}

const toSubscription = (r: WebhookSubscriptionRow): WebhookSubscription => ({
  id: r.id,
  recipientId: r.recipient_id,
  url: r.url,
  events: r.events as WebhookEvent[],
  purpose: r.purpose_key,
  secretVersion: r.secret_version,
  active: r.active,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toDelivery = (r: WebhookDeliveryRow): WebhookDelivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  subjectId: r.subject_id,
  event: r.event as WebhookEvent,
  occurredAt: r.occurred_at,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
})

/**
 * Webhooks: the outbound channel to recipients. A change to a subject (created, changed, erased,
 * restricted, consent, objection, request answered) is written to the outbox (`webhook_delivery`)
 * in the change's own transaction, one row per subscription to the event; the job
 * `webhooks.deliver` builds each payload when it sends it — through the disclosure gate (transfer
 * lawful today, purpose received, categories received), through the gate (the purpose's legal basis
 * for the subject, audited as an export), recorded as a disclosure — signs it (Standard Webhooks)
 * and posts it, retrying with exponential backoff; the delivery id stays the same (the receiver's
 * idempotency key). docs/adr/0016.
 */
export class WebhookService {
  readonly #db: Kysely<Schema>
  readonly #repo: WebhookRepository
  readonly #recipients: RecipientService
  readonly #disclosures: DisclosureService
  readonly #gate: { use(request: UseRequest): Promise<UseResult>; readonly fields: FieldRegistry }
  readonly #secrets: { get(name: string, create: () => Buffer): Promise<Buffer> }
  readonly #audit: AuditWriter
  readonly #settings: WebhookSettings
  readonly #clock: () => Date

  constructor(deps: {
    db: Kysely<Schema>
    repository: WebhookRepository
    recipients: RecipientService
    disclosures: DisclosureService
    gate: { use(request: UseRequest): Promise<UseResult>; readonly fields: FieldRegistry }
    secrets: { get(name: string, create: () => Buffer): Promise<Buffer> }
    audit: AuditWriter
    settings?: Partial<WebhookSettings>
    clock?: () => Date
  }) {
    this.#db = deps.db
    this.#repo = deps.repository
    this.#recipients = deps.recipients
    this.#disclosures = deps.disclosures
    this.#gate = deps.gate
    this.#secrets = deps.secrets
    this.#audit = deps.audit
    this.#settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...deps.settings }
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** The outbox write: in the caller's transaction, one row per subject and subscription to the event. */
  async emit(event: WebhookEvent, subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void> {
    await this.#repo.enqueue(event, [...new Set(subjectIds)], this.#clock(), trx)
  }

  async list(recipientId?: string): Promise<WebhookSubscription[]> {
    if (recipientId !== undefined && !isUuid(recipientId)) return []
    return (await this.#repo.subscriptions(recipientId)).map(toSubscription)
  }

  async get(id: string): Promise<WebhookSubscription> {
    const row = isUuid(id) ? await this.#repo.subscription(id) : undefined
    if (!row) throw new ProblemError('not-found', 'there is no such webhook subscription')
    return toSubscription(row)
  }

  /**
   * Subscribes a recipient: the URL checked against SSRF, the purpose one the recipient receives
   * data for, not a recipient on an Art. 49 derogation (those cover occasional transfers, not a
   * standing feed: EDPB Guidelines 2/2018). Returns the signing secret, shown only now. Audited.
   */
  async subscribe(
    input: { recipientId: string; url: string; events: readonly WebhookEvent[]; purpose: string },
    ctx: { actor: AuditActor; requestId?: string | undefined },
  ): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const recipient = await this.#recipients.find(input.recipientId)
    if (!recipient) throw invalidField('body', 'recipientId', 'there is no such recipient')
    if (recipient.retiredAt) throw invalidField('body', 'recipientId', 'the recipient is retired')
    if (recipient.mechanism === 'derogation_49')
      throw invalidField(
        'body',
        'recipientId',
        'the recipient is reached under an Art. 49(1) derogation, which covers occasional transfers, not a standing subscription (EDPB Guidelines 2/2018): record SCC, BCR or an adequacy decision for it',
      )
    this.#checkUrl(input.url)
    if (!recipient.purposes.includes(input.purpose))
      throw invalidField(
        'body',
        'purpose',
        `the recipient receives data only for ${recipient.purposes.join(', ') || 'no purpose'}`,
      )
    const row = await this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#repo.insertSubscription(
        {
          recipient_id: recipient.id,
          url: input.url,
          events: [...new Set(input.events)],
          purpose_key: input.purpose,
        },
        trx,
      )
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            purpose: input.purpose,
            fields: ['url', 'events', 'purpose'],
            reason: `webhook subscription ${inserted.id} of recipient ${recipient.id} added: ${inserted.events.join(', ')}`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
      return inserted
    })
    return { subscription: toSubscription(row), secret: await this.#secretOf(row) }
  }

  /**
   * Changes the URL or the events, ends (`active: false`; pending deliveries are cancelled) or
   * resumes a subscription, or rotates its secret (returned only then). Audited.
   */
  async update(
    id: string,
    changes: {
      url?: string | undefined
      events?: readonly WebhookEvent[] | undefined
      active?: boolean | undefined
      rotateSecret?: boolean | undefined
    },
    ctx: { actor: AuditActor; requestId?: string | undefined },
  ): Promise<{ subscription: WebhookSubscription; secret?: string }> {
    const current = await this.get(id)
    if (changes.url !== undefined) this.#checkUrl(changes.url)
    const row = await this.#db.transaction().execute(async (trx) => {
      const updated = await this.#repo.updateSubscription(
        id,
        {
          ...(changes.url === undefined ? {} : { url: changes.url }),
          ...(changes.events === undefined ? {} : { events: [...new Set(changes.events)] }),
          ...(changes.active === undefined ? {} : { active: changes.active }),
          ...(changes.rotateSecret ? { secret_version: current.secretVersion + 1 } : {}),
        },
        trx,
      )
      if (!updated) throw new ProblemError('not-found', 'there is no such webhook subscription')
      if (changes.active === false) await this.#repo.cancelPending(id, trx)
      const changed = Object.entries(changes)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => (k === 'rotateSecret' ? 'secret' : k))
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            fields: changed,
            reason: `webhook subscription ${id} changed`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
      return updated
    })
    return {
      subscription: toSubscription(row),
      ...(changes.rotateSecret ? { secret: await this.#secretOf(row) } : {}),
    }
  }

  /** A subscription's deliveries with their status, newest first. */
  async deliveries(
    subscriptionId: string,
    options: { limit: number; status?: DeliveryStatus | undefined },
  ): Promise<WebhookDelivery[]> {
    await this.get(subscriptionId)
    return (await this.#repo.deliveries(subscriptionId, options)).map(toDelivery)
  }

  #checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.#settings.allowPrivateNetworks)
    if (problem) throw invalidField('body', 'url', problem)
  }

  /** The signing secret: derived from the vault secret, the subscription and its secret version; never stored. */
  async #secretOf(row: Pick<WebhookSubscriptionRow, 'id' | 'secret_version'>): Promise<string> {
    const key = await this.#secrets.get(SIGNING_SECRET, () => randomBytes(32))
    const derived = createHmac('sha256', key).update(`webhook:${row.id}:${row.secret_version}`).digest()
    return `${SECRET_PREFIX}${derived.toString('base64')}`
  }

  /**
   * Delivers what is due at `now`: claims up to `limit` pending deliveries, and for each builds the
   * payload through the disclosure gate and the gate, records the disclosure, signs and posts it. A
   * 2xx answer is `delivered`; anything else (an error status, a redirect, no answer) is retried
   * after an exponentially growing delay until `maxAttempts`, then `failed`; a refused transfer is
   * `refused` (audited by the disclosure gate) and not retried.
   */
  async deliverDue(options: { now?: Date; limit?: number } = {}): Promise<DeliveryRun> {
    const now = options.now ?? this.#clock()
    const run: DeliveryRun = { delivered: 0, retrying: 0, failed: 0, refused: 0, cancelled: 0 }
    const limit = options.limit ?? 50
    // Long enough for the whole batch to time out one by one: another worker must not take it over.
    const lease = Math.ceil((limit * this.#settings.timeoutMs) / 1000) + 60
    const due = await this.#repo.claimDue(now, limit, lease)
    const subscriptions = new Map<string, WebhookSubscriptionRow | undefined>()
    const authorized = new Map<string, AuthorizedDisclosure | ProblemError>()
    // Per subscription: what each of its subjects in this batch may carry, read once for the batch.
    const payloads = new Map<string, Map<string, Record<string, unknown>>>()
    for (const delivery of due) {
      let subscription = subscriptions.get(delivery.subscription_id)
      if (!subscriptions.has(delivery.subscription_id)) {
        subscription = await this.#repo.subscription(delivery.subscription_id)
        subscriptions.set(delivery.subscription_id, subscription)
      }
      if (!subscription?.active) {
        await this.#repo.finish(delivery.subject_id, delivery.id, {
          status: 'cancelled',
          last_error: 'the subscription ended before delivery',
        })
        run.cancelled++
        continue
      }
      let target = authorized.get(subscription.id)
      if (!target) {
        target = await this.#disclosures
          .authorize({
            actor: WEBHOOK_ACTOR,
            recipientId: subscription.recipient_id,
            purpose: subscription.purpose_key,
            where: 'subscription',
          })
          .catch(problemOnly)
        if (!(target instanceof ProblemError)) {
          // What each of the subscription's subjects in this batch may carry: one gate read for all.
          const subjects = due.filter((d) => d.subscription_id === subscription.id).map((d) => d.subject_id)
          const read = await this.#payloadFields(subscription, target, subjects).catch(problemOnly)
          if (read instanceof ProblemError) target = read
          else payloads.set(subscription.id, read)
        }
        authorized.set(subscription.id, target)
      }
      if (target instanceof ProblemError) {
        await this.#repo.finish(delivery.subject_id, delivery.id, {
          status: 'refused',
          last_attempt_at: now,
          last_error: (target.detail ?? target.message).slice(0, 1000),
        })
        run.refused++
        continue
      }
      const outcome = await this.#attempt(
        delivery,
        subscription,
        target,
        payloads.get(subscription.id)?.get(delivery.subject_id) ?? {},
        now,
      )
      run[outcome]++
    }
    return run
  }

  /**
   * What each subject's payload carries: every personal field of the catalog, less special
   * categories (they leave only through their Art. 9 purpose's own processes), less the categories
   * the recipient doesn't receive — through the gate under the subscription's purpose, one audited
   * use for the batch. A subject the purpose may not use (erased, objected) carries nothing.
   */
  async #payloadFields(
    subscription: WebhookSubscriptionRow,
    target: AuthorizedDisclosure,
    subjectIds: readonly string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const catalog = this.#gate.fields
    const all: PersonalField[] = [...IDENTIFIER_FIELDS, ...catalog.attributes()].filter(
      (f) => !catalog.get(f)?.specialCategory,
    )
    const { allowed } = target.receivable(all)
    const values = new Map<string, Record<string, unknown>>()
    if (allowed.length === 0) return values
    const used = await this.#gate.use({
      actor: WEBHOOK_ACTOR,
      purpose: subscription.purpose_key,
      subjectIds,
      fields: allowed,
      action: 'export',
      reason: `webhook deliveries of subscription ${subscription.id} to recipient ${target.recipient.id}`,
    })
    for (const subject of used.subjects) {
      const fields: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(subject.identifiers)) if (v !== undefined) fields[k] = v
      for (const [k, v] of Object.entries(subject.attributes))
        if (v !== undefined && v !== null) fields[k] = v
      values.set(subject.id, fields)
    }
    return values
  }

  async #attempt(
    delivery: WebhookDeliveryRow,
    subscription: WebhookSubscriptionRow,
    target: AuthorizedDisclosure,
    values: Record<string, unknown>,
    now: Date,
  ): Promise<'delivered' | 'retrying' | 'failed'> {
    // Art. 15(1)(c), 19: recorded before the first byte leaves; once per delivery, whatever the attempts.
    let disclosureId = delivery.disclosure_id
    if (!disclosureId) {
      const disclosure = await target.open({
        channel: 'webhook',
        fields: Object.keys(values),
        reference: delivery.id,
      })
      await disclosure.add([delivery.subject_id])
      disclosureId = disclosure.id
    }
    const body = JSON.stringify({
      id: delivery.id,
      type: delivery.event,
      occurredAt: delivery.occurred_at.toISOString(),
      purpose: subscription.purpose_key,
      subject: { id: delivery.subject_id, fields: values },
    })
    const timestamp = Math.floor(now.getTime() / 1000)
    const secret = await this.#secretOf(subscription)
    const attempts = delivery.attempts + 1
    let status: number | null = null
    let error: string | null = null
    const problem = webhookUrlProblem(subscription.url, this.#settings.allowPrivateNetworks)
    if (problem) error = `url ${problem}`
    else {
      try {
        status = await post(
          new URL(subscription.url),
          body,
          {
            'content-type': 'application/json',
            'user-agent': 'Tresor-Webhooks',
            'webhook-id': delivery.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(secret, delivery.id, timestamp, body),
          },
          this.#settings,
        )
        if (status < 200 || status >= 300)
          error =
            status >= 300 && status < 400
              ? `answered ${status}: redirects are not followed`
              : `answered ${status}`
      } catch (e) {
        error = e instanceof Error ? e.message.slice(0, 500) : 'the request failed'
      }
    }
    if (error === null) {
      await this.#repo.finish(delivery.subject_id, delivery.id, {
        status: 'delivered',
        attempts,
        last_attempt_at: now,
        last_status: status,
        last_error: null,
        delivered_at: now,
        disclosure_id: disclosureId,
      })
      return 'delivered'
    }
    const exhausted = attempts >= this.#settings.maxAttempts
    await this.#repo.finish(delivery.subject_id, delivery.id, {
      status: exhausted ? 'failed' : 'pending',
      attempts,
      last_attempt_at: now,
      last_status: status,
      last_error: error,
      disclosure_id: disclosureId,
      next_attempt_at: new Date(
        now.getTime() + retryDelaySeconds(attempts, this.#settings.firstRetrySeconds) * 1000,
      ),
    })
    return exhausted ? 'failed' : 'retrying'
  }
}

/** A refusal (problem) is an outcome to record; anything else is a fault to rethrow. */
const problemOnly = (error: unknown): ProblemError => {
  if (error instanceof ProblemError) return error
  throw error
}

/** Resolves the name and refuses it if any address is not public (DNS rebinding). */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0)
    const list = addresses as unknown as dns.LookupAddress[]
    const first = list[0]
    if (!first || list.some((a) => !isPublicAddress(a.address)))
      return callback(
        Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'EACCES' }),
        '',
        0,
      )
    if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list)
    else callback(null, first.address, first.family)
  })
}

/** One POST; resolves with the status (the answer's body is read and dropped). Never follows a redirect. */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  settings: WebhookSettings,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: settings.timeoutMs,
        ...(settings.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
        response.on('error', reject)
      },
    )
    request.on('timeout', () => request.destroy(new Error(`no answer within ${settings.timeoutMs} ms`)))
    request.on('error', reject)
    request.end(body)
  })
}
