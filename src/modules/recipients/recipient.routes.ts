import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { art19Recipients } from '../../privacy/recipients/art19.ts'
import type { DisclosureService } from '../../privacy/recipients/disclosure.service.ts'
import type { RecipientService } from '../../privacy/recipients/recipient.service.ts'
import type { RecipientWithVerdict } from '../../privacy/recipients/recipient.ts'
import type {
  WebhookSubscription as Subscription,
  WebhookDelivery,
  WebhookService,
} from '../../privacy/recipients/webhook.service.ts'
import { contextOf } from '../../server/request-context.ts'
import {
  AdequacyDecisionList,
  AdequacyParams,
  CreateRecipientBody,
  CreateWebhookBody,
  DeliveryQuery,
  type RecipientJson,
  RecipientList,
  RecipientParams,
  SubjectDisclosureList,
  SubjectParams,
  UpdateAdequacyBody,
  UpdateRecipientBody,
  UpdateWebhookBody,
  WebhookDeliveryList,
  WebhookParams,
  WebhookQuery,
  type WebhookSubscriptionJson,
  WebhookSubscriptionList,
  WebhookSubscriptionWithSecret,
} from './recipient.schemas.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export const recipientJson = (r: RecipientWithVerdict): RecipientJson => ({
  ...r,
  retiredAt: iso(r.retiredAt),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

const subscriptionJson = (s: Subscription): WebhookSubscriptionJson => ({
  ...s,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
})

const deliveryJson = (d: WebhookDelivery) => ({
  ...d,
  occurredAt: d.occurredAt.toISOString(),
  nextAttemptAt: iso(d.nextAttemptAt),
  lastAttemptAt: iso(d.lastAttemptAt),
  deliveredAt: iso(d.deliveredAt),
})

const VERDICT =
  'Each recipient carries today’s verdict of the transfer check: inside the EEA nothing more is needed; outside it an adequacy decision in force for the country (the US one only with the recipient’s Data Privacy Framework certification, confirmed within a year), SCC of (EU) 2021/914 with module and date, BCR with their approval, or an Art. 49(1) derogation with point and reason; a processor needs its Art. 28(3) contract, joint controllers their Art. 26 arrangement. An unlawful recipient may be recorded — every disclosure to it is refused, naming what is missing.'

export const recipientRoutes =
  (
    recipients: RecipientService,
    disclosures: DisclosureService,
    webhooks: WebhookService,
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/recipients',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['recipients'],
          summary: 'List the recipients and the lawfulness of transfers to them',
          description: `The registry of recipients (Art. 4(9), 30(1)(d)-(e)): processors, controllers, joint controllers and authorities, with country, transfer mechanism, the purposes and field categories each receives, retired ones included. ${VERDICT}`,
          response: { 200: RecipientList },
        },
      },
      async () => ({ items: (await recipients.list()).map(recipientJson) }),
    )

    app.get(
      '/recipients/:id',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['recipients'],
          summary: 'One recipient, with today’s verdict',
          description: VERDICT,
          params: RecipientParams,
          response: { 200: Type.Ref('Recipient') },
        },
      },
      async (request) => recipientJson(await recipients.get(request.params.id.toLowerCase())),
    )

    app.post(
      '/recipients',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['recipients'],
          summary: 'Add a recipient',
          description: `Purposes must be keys of the purpose registry, the country an ISO 3166-1 alpha-2 code, dates not in the future; a contract date only for processors and joint controllers (400 problems naming the property). ${VERDICT} Audited as configure.`,
          body: CreateRecipientBody,
          response: { 201: Type.Ref('Recipient') },
        },
      },
      async (request, reply) => {
        const created = await recipients.create(request.body, contextOf(request))
        return reply.code(201).send(recipientJson(created))
      },
    )

    app.patch(
      '/recipients/:id',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['recipients'],
          summary: 'Change a recipient',
          description:
            'Changes the given properties (each replaced whole; null clears) and bumps the version; the verdict is computed anew and applies to the next disclosure. Nothing differs: unchanged, nothing audited. Audited as configure with the names of the changed properties.',
          params: RecipientParams,
          body: UpdateRecipientBody,
          response: { 200: Type.Ref('Recipient') },
        },
      },
      async (request) =>
        recipientJson(
          await recipients.update(request.params.id.toLowerCase(), request.body, contextOf(request)),
        ),
    )

    app.delete(
      '/recipients/:id',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['recipients'],
          summary: 'Retire a recipient',
          description:
            'The recipient receives nothing more (exports and webhook deliveries to it are refused), while the disclosures made to it stay answerable (Art. 15(1)(c), 19): it is kept, marked retired. Audited.',
          params: RecipientParams,
          response: { 200: Type.Ref('Recipient') },
        },
      },
      async (request) =>
        recipientJson(await recipients.retire(request.params.id.toLowerCase(), contextOf(request))),
    )

    app.get(
      '/adequacy-decisions',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['recipients'],
          summary: 'The Commission’s adequacy decisions the transfer check relies on',
          description:
            'Art. 45(3), as seeded from the rule book (as of 2025: Andorra, Argentina, Canada (commercial organisations), Faroe Islands, Guernsey, Israel, Isle of Man, Japan, Jersey, New Zealand, Republic of Korea, Switzerland, United Kingdom, Uruguay, and the United States for organisations certified under the EU-US Data Privacy Framework, decision (EU) 2023/1795 of 10 July 2023), with the DPO’s review (`validUntil`).',
          response: { 200: AdequacyDecisionList },
        },
      },
      async () => ({ items: await recipients.decisions() }),
    )

    app.patch(
      '/adequacy-decisions/:country',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['recipients'],
          summary: 'Record the end of an adequacy decision (or undo it)',
          description:
            'The day a decision stops carrying transfers — a judgment invalidating it (as Schrems II did the Privacy Shield), an expiry — or null when it is in force again. Every recipient relying on it is judged anew at once. 404 for a country without one. Audited.',
          params: AdequacyParams,
          body: UpdateAdequacyBody,
          response: { 200: AdequacyDecisionList.properties.items.items },
        },
      },
      async (request) =>
        recipients.setDecisionValidUntil(request.params.country, request.body.validUntil, contextOf(request)),
    )

    app.get(
      '/subjects/:id/disclosures',
      {
        config: { access: 'subjects:history' },
        schema: {
          tags: ['subjects'],
          summary: 'To whom the subject’s data was disclosed',
          description:
            'Every disclosure of the subject to a recipient — exports to a recipient and webhook deliveries — newest first: the recipient (name, role, country), when, through which channel, under which purpose and which fields (names, never values). The Art. 15(1)(c) answer; and `recipients`: each recipient once, with how an Art. 19 notification of a rectification, erasure or restriction reaches it — by its webhooks (`notifiedBy`) or by the DPO (`notifyByHand`). Erased subjects’ disclosures stay listed. 404 for an unknown subject; the reading is audited.',
          params: SubjectParams,
          response: { 200: SubjectDisclosureList },
        },
      },
      async (request) => {
        const items = await disclosures.ofSubject(request.params.id.toLowerCase(), contextOf(request))
        return {
          recipients: art19Recipients(items, await webhooks.list()).map((r) => ({
            ...r,
            lastDisclosedAt: r.lastDisclosedAt.toISOString(),
          })),
          items: items.map((d) => ({ ...d, at: d.at.toISOString() })),
        }
      },
    )

    app.get(
      '/webhooks',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['webhooks'],
          summary: 'List webhook subscriptions',
          description: 'Every subscription (optionally of one recipient), never its secret.',
          querystring: WebhookQuery,
          response: { 200: WebhookSubscriptionList },
        },
      },
      async (request) => ({
        items: (await webhooks.list(request.query.recipient?.toLowerCase())).map(subscriptionJson),
      }),
    )

    app.post(
      '/recipients/:id/webhooks',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['webhooks'],
          summary: 'Subscribe a recipient to events',
          description:
            'Each event about a subject (created, changed, erased, restricted, consent changed, objection recorded, request answered) is written to the outbox in the transaction of the change and delivered by the worker: a JSON body `{id, type, occurredAt, purpose, subject: {id, fields}}` carrying only the pseudonymous id and the fields the recipient may receive (its categories, the purpose’s legal basis for the subject, the transfer lawful at delivery; recorded as a disclosure), signed as Standard Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`), retried with exponential backoff (30 s doubling, up to 10 attempts) until a 2xx; redirects are not followed. The URL must be http(s) to a public address (SSRF), the purpose one the recipient receives; a recipient on an Art. 49 derogation can’t subscribe (occasional transfers only). The secret (`whsec_…`) is in this answer only. Audited.',
          params: RecipientParams,
          body: CreateWebhookBody,
          response: { 201: WebhookSubscriptionWithSecret },
        },
      },
      async (request, reply) => {
        const { subscription, secret } = await webhooks.subscribe(
          { recipientId: request.params.id.toLowerCase(), ...request.body },
          contextOf(request),
        )
        return reply.code(201).send({ subscription: subscriptionJson(subscription), secret })
      },
    )

    app.patch(
      '/webhooks/:id',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['webhooks'],
          summary: 'Change, end or resume a subscription, or rotate its secret',
          description:
            'URL and events replaced whole; `active: false` ends it and cancels its pending deliveries; `rotateSecret: true` returns a new secret (the old one stops at once). Audited.',
          params: WebhookParams,
          body: UpdateWebhookBody,
          response: { 200: WebhookSubscriptionWithSecret },
        },
      },
      async (request) => {
        const { subscription, secret } = await webhooks.update(
          request.params.id.toLowerCase(),
          request.body,
          contextOf(request),
        )
        return { subscription: subscriptionJson(subscription), ...(secret ? { secret } : {}) }
      },
    )

    app.get(
      '/webhooks/:id/deliveries',
      {
        config: { access: 'recipients:manage' },
        schema: {
          tags: ['webhooks'],
          summary: 'A subscription’s deliveries and their status',
          description:
            'Newest first: the delivery id (the receiver’s idempotency key), the event, the subject’s pseudonymous id, the status (pending, delivered, failed, refused, cancelled), attempts, the next attempt, the receiver’s last HTTP status and the last error. Never the payload.',
          params: WebhookParams,
          querystring: DeliveryQuery,
          response: { 200: WebhookDeliveryList },
        },
      },
      async (request) => ({
        items: (
          await webhooks.deliveries(request.params.id.toLowerCase(), {
            limit: request.query.limit,
            status: request.query.status,
          })
        ).map(deliveryJson),
      }),
    )
  }
