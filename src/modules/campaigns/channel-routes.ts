import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { invalidField } from '../../platform/problem.ts'
import { CALL_OUTCOMES } from '../../privacy/campaign-channels/campaign-channels.service.ts'
import { contextOf } from '../../server/request-context.ts'
import { requireWebhookSecret } from './channel-routes.secret.ts'
import type { CampaignChannelServices } from './channel-routes.services.ts'

/** A DSN of a bounce mailbox is small; 5 MiB covers one with the returned message attached. */
const MAX_BOUNCE_BYTES = 5 * 1024 * 1024
const MESSAGE_TYPES = ['message/rfc822', 'multipart/report']

const CampaignParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The campaign.' }) },
  { additionalProperties: false },
)

const PrintListQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], {
      default: 'csv',
      description: 'csv (UTF-8 with BOM and `;`, as German Excel opens it) or xlsx.',
    }),
  },
  { additionalProperties: false },
)

const CallListQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({ format: 'uuid', description: 'The nextCursor of the previous page.' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'People per page.' }),
    ),
  },
  { additionalProperties: false },
)

const timestamp = Type.String({ format: 'date-time' })

const CallList = Type.Object({
  campaignId: Type.String(),
  campaignName: Type.String(),
  purposeKey: Type.String({ description: "The phone channel's purpose every number was read under." }),
  items: Type.Array(
    Type.Object({
      subjectId: Type.String(),
      firstName: Type.Union([Type.String(), Type.Null()]),
      lastName: Type.Union([Type.String(), Type.Null()]),
      phone: Type.Union([Type.String(), Type.Null()], { description: 'E.164.' }),
      calls: Type.Integer({ description: 'Calls recorded for this person in this campaign so far.' }),
      lastOutcome: Type.Union([Type.Enum(CALL_OUTCOMES), Type.Null()]),
      lastCalledAt: Type.Union([timestamp, Type.Null()]),
    }),
  ),
  droppedBy: Type.Record(Type.String(), Type.Integer(), {
    description:
      'People of this page dropped from the list because the purpose no longer allows calling them, by denial rule (consent-withdrawn, objected, restricted, erased …); their deliveries became skipped.',
  }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  scripts: Type.Array(
    Type.Object({ lang: Type.Enum(['de', 'en']), title: Type.String(), text: Type.String() }),
    { description: "The call script per language (the phone channel's content)." },
  ),
})

const CallBody = Type.Object(
  {
    subjectId: Type.String({ format: 'uuid', description: 'A person on the call list.' }),
    outcome: Type.Enum(CALL_OUTCOMES, {
      description:
        'reached (the delivery becomes delivered), no-answer or callback (stays on the list), wrong-number (failed), objected (an objection to the purpose is recorded at once; delivered), withdrawn (the consent is withdrawn at once — an objection where the purpose rests on legitimate interest; delivered).',
    }),
    note: Type.Optional(
      Type.String({
        maxLength: 2000,
        description:
          "The agent's note; stored sealed under the person's data key, shown in their access report.",
      }),
    ),
  },
  { additionalProperties: false },
)

const RecordedCall = Type.Object({
  id: Type.String(),
  subjectId: Type.String(),
  outcome: Type.Enum(CALL_OUTCOMES),
  deliveryStatus: Type.String({ description: "The campaign delivery's status after the call." }),
  permissionChange: Type.Union([Type.Literal('objection'), Type.Literal('withdrawal'), Type.Null()], {
    description: 'What the call recorded at once in the permissions.',
  }),
  consentProofKeptUntil: Type.Union([timestamp, Type.Null()], {
    description: '§ 7a UWG: until when the proof of the consent must now be kept (five years from this use).',
  }),
})

const ReportOutcome = Type.Object({
  matched: Type.Boolean({
    description: 'Whether the message is one of a campaign (false: a bounce of some other mail).',
  }),
  campaignId: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  status: Type.Optional(Type.String({ description: "The delivery's status after the report." })),
  suppressed: Type.Optional(
    Type.Boolean({ description: 'Whether the channel is now suppressed for the person.' }),
  ),
})

const SmsStatusBody = Type.Object(
  {
    messageId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "The provider's message id." }),
    ),
    reference: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "Tresor's reference sent with the message." }),
    ),
    status: Type.String({
      minLength: 1,
      maxLength: 40,
      description:
        'delivered (also DELIVRD, success) or failed (also undelivered, rejected, expired, error); other words (queued, sent, buffered) change nothing.',
    }),
    errorCode: Type.Optional(Type.String({ maxLength: 40, pattern: '^[A-Za-z0-9._-]*$' })),
  },
  { additionalProperties: false },
)

const SECRET_DOC =
  'Authenticated by a shared secret, not a session or API token: `Authorization: Bearer <secret>` (or the header `X-Tresor-Webhook-Secret`), compared in constant time; without the setting the endpoint refuses everyone (401).'

/**
 * The campaign channels' routes (issue #17; src/modules/campaigns/channels/README.md): the letter
 * shop's print list, the agents' call list and calls, bounces and SMS delivery reports.
 */
export const campaignChannelRoutes =
  (channels: CampaignChannelServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addContentTypeParser(
      MESSAGE_TYPES,
      { parseAs: 'string', bodyLimit: MAX_BOUNCE_BYTES },
      (_request, body, done) => done(null, body),
    )

    app.get(
      '/campaigns/:id/print-list',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['campaigns'],
          summary: "A post campaign's print list for its letter shop (CSV or XLSX)",
          description:
            "The people the post channel put on the print list (their deliveries are `sent`), with name and postal address: columns reference (the pseudonymous subject id, for returned mail), firstName, lastName, street, postalCode, city, countryCode. A **disclosure to the campaign's letter shop** (the channel's recipient, a processor of the registry): before anything is read the transfer to it must be lawful today (EEA, an adequacy decision, SCC, BCR …; a processor needs its Art. 28 contract) and the purpose one it receives, else 403 problem+json naming the recipient and each missing property (audited); a shop that doesn't receive the address categories gets 403 too. The list is read through the gate under the channel's purpose (`postal_advertising` by default) on `post` as an export, re-checked now: someone who objected since the send is left out (their delivery becomes skipped with the rule) and counted in the print-list record (`GET /campaigns/{id}/print-lists`). Every subject on the list is recorded as disclosed to the shop (`GET /subjects/{id}/disclosures`). 404: no such campaign; 409: the campaign has no post channel or no letter shop.",
          params: CampaignParams,
          querystring: PrintListQuery,
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request)
        const download = await channels.printLists.start(ctx, {
          campaignId: request.params.id,
          format: request.query.format,
        })
        const body = new PassThrough()
        reply
          .type(download.contentType)
          .header('content-disposition', `attachment; filename="${download.filename}"`)
          .header('x-tresor-recipient', download.recipient.id)
        download.write(body).catch((error: unknown) => {
          request.log.error({ err: { type: (error as Error).name } }, 'print list failed while streaming')
          body.destroy(error instanceof Error ? error : new Error('print list failed'))
        })
        return reply.send(body)
      },
    )

    app.get(
      '/campaigns/:id/print-lists',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: ['campaigns'],
          summary: 'The print lists handed to the letter shop of a post campaign',
          description:
            'Newest first: when, the disclosure it was recorded as, the format, how many rows, and how many people were left out because the purpose no longer allowed them (by denial rule). Names nobody.',
          params: CampaignParams,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.String(),
                  disclosureId: Type.String(),
                  format: Type.String(),
                  rows: Type.Integer(),
                  leftOut: Type.Integer(),
                  leftOutBy: Type.Record(Type.String(), Type.Integer()),
                  createdAt: timestamp,
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({
        items: (await channels.printLists.list(request.params.id)).map((p) => ({
          ...p,
          createdAt: p.createdAt.toISOString(),
        })),
      }),
    )

    app.get(
      '/campaigns/:id/call-list',
      {
        config: { access: 'campaigns:call' },
        schema: {
          tags: ['campaigns'],
          summary: "A phone campaign's call list for agents",
          description:
            "The people the phone channel put on the call list who have no final outcome yet (their deliveries are `sent`), in pages by subject id, with first and last name and phone number (E.164) read through the gate under the channel's purpose (`phone_marketing` by default) on `phone` — audited, and re-checked at every read: a person whose consent was withdrawn, who objected, or who is restricted or erased drops off (their delivery becomes skipped; counted in `droppedBy`). With each person the calls recorded so far and the last outcome; with the list the call script per language. Needs `campaigns:call` and a role that may act under the purpose. 404: no such campaign; 409: the campaign has no phone channel.",
          params: CampaignParams,
          querystring: CallListQuery,
          response: { 200: CallList },
        },
      },
      async (request) => {
        const list = await channels.calls.callList(contextOf(request), {
          campaignId: request.params.id,
          after: request.query.after,
          limit: request.query.limit,
        })
        return {
          ...list,
          items: list.items.map((i) => ({ ...i, lastCalledAt: i.lastCalledAt?.toISOString() ?? null })),
        }
      },
    )

    app.post(
      '/campaigns/:id/calls',
      {
        config: { access: 'campaigns:call' },
        schema: {
          tags: ['campaigns'],
          summary: 'Record a call from the call list, as a use of the § 7a UWG consent',
          description:
            "Records the call with its outcome and the agent's note (sealed under the person's key), in one transaction with: the use of the consent to phone advertising (a `marketing_call` touchpoint under the channel's purpose on `phone`, so the consent proof's keep-until moves to five years from this call: `consentProofKeptUntil`, and `GET /subjects/{id}/consent-proof`); the delivery (reached, objected, withdrawn → delivered; wrong-number → failed; no-answer, callback → stays on the list with the outcome as reason); and, for `objected`, an objection to the purpose (Art. 21(2)-(3)), for `withdrawn` the withdrawal of the consent (Art. 7(3)), recorded at once through the permission service with source `phone` — the person is not called or reached for that purpose again. 409 naming `subjectId` when the person is not on the call list, or when the purpose no longer allows calling them (the rule is named; the delivery becomes skipped). 403 for a role that may not act under the purpose.",
          params: CampaignParams,
          body: CallBody,
          response: { 201: RecordedCall },
        },
      },
      async (request, reply) => {
        const call = await channels.calls.recordCall(contextOf(request), {
          campaignId: request.params.id,
          subjectId: request.body.subjectId,
          outcome: request.body.outcome,
          note: request.body.note,
        })
        return reply.code(201).send({
          ...call,
          consentProofKeptUntil: call.consentProofKeptUntil?.toISOString() ?? null,
        })
      },
    )

    app.post(
      '/campaigns/bounces',
      {
        config: { access: 'public' },
        bodyLimit: MAX_BOUNCE_BYTES,
        onRequest: async (request) =>
          requireWebhookSecret(request.headers, channels.settings.bounceSecret, 'TRESOR_BOUNCE_SECRET'),
        schema: {
          tags: ['campaigns'],
          summary: 'Report a bounce or a complaint of a campaign message (DSN upload or provider webhook)',
          description: `${SECRET_DOC} Setting: TRESOR_BOUNCE_SECRET. The body is one of: a delivery status notification as received (RFC 3464, \`multipart/report; report-type=delivery-status\`) or a complaint (RFC 5965, \`report-type=feedback-report\`) sent as \`message/rfc822\` (or \`multipart/report\`); the same as JSON \`{ "raw": "<the whole message>" }\`; or a provider's JSON webhook \`{ "messageId": "…", "type": "hard" | "soft" | "complaint", "status": "5.1.1" }\`. The campaign delivery is found by the original message's Message-ID (the report's Original-Message-ID, or the Message-ID of the returned message or headers) or the provider's id. A hard bounce (Action failed, status 5.x.x) makes the delivery \`bounced\` and suppresses the channel for the person (\`hard-bounce\`, the status code as detail: later campaigns skip them as \`suppressed\`); a complaint suppresses it (\`complaint\`); a soft bounce (delayed, 4.x.x) is noted in the delivery's reason only. A message of no campaign is answered \`matched: false\`. Nothing in the answer, the logs or the errors names an address. 400 naming \`raw\` (or the field) for a body that is no report.`,
          response: {
            200: Type.Object({
              ...ReportOutcome.properties,
              kind: Type.Enum(['hard', 'soft', 'complaint']),
              statusCode: Type.String({ description: 'The status code of the report (never an address).' }),
            }),
          },
        },
      },
      async (request) => {
        const body: unknown = request.body
        if (typeof body === 'string') {
          if (body.trim() === '')
            throw invalidField('body', 'raw', 'send the bounce message as the request body')
          return channels.bounces.fromMessage(body, { in: 'body', field: 'raw' }, request.id)
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw invalidField(
            'body',
            'raw',
            'send a DSN as message/rfc822, or JSON { raw } or { messageId, type, status }',
          )
        const json = body as Record<string, unknown>
        if ('raw' in json) {
          const extra = Object.keys(json).find((k) => k !== 'raw')
          if (extra) throw invalidField('body', extra, 'is not a field of a DSN upload ({ raw })')
          if (typeof json.raw !== 'string' || json.raw.trim() === '')
            throw invalidField('body', 'raw', 'must be the whole bounce message as a string')
          return channels.bounces.fromMessage(json.raw, { in: 'body', field: 'raw' }, request.id)
        }
        const extra = Object.keys(json).find((k) => !['messageId', 'type', 'status'].includes(k))
        if (extra)
          throw invalidField(
            'body',
            extra,
            'is not a field of a provider bounce ({ messageId, type, status })',
          )
        if (typeof json.messageId !== 'string' || json.messageId.trim() === '' || json.messageId.length > 998)
          throw invalidField('body', 'messageId', 'must be the message id the bounce is about')
        if (json.type !== 'hard' && json.type !== 'soft' && json.type !== 'complaint')
          throw invalidField('body', 'type', 'must be hard, soft or complaint')
        if (json.status !== undefined && typeof json.status !== 'string')
          throw invalidField('body', 'status', 'must be a status code (e.g. 5.1.1)')
        return channels.bounces.fromProvider(
          { messageId: json.messageId, type: json.type, status: json.status as string | undefined },
          request.id,
        )
      },
    )

    app.post(
      '/campaigns/sms-status',
      {
        config: { access: 'public' },
        onRequest: async (request) =>
          requireWebhookSecret(
            request.headers,
            channels.settings.smsStatusSecret,
            'TRESOR_SMS_STATUS_SECRET',
          ),
        schema: {
          tags: ['campaigns'],
          summary: "An SMS provider's delivery report",
          description: `${SECRET_DOC} Setting: TRESOR_SMS_STATUS_SECRET. The campaign delivery is found by \`messageId\` (the provider's id) or \`reference\` (Tresor's reference sent with the message); \`delivered\` makes it delivered, \`failed\` (undelivered, rejected, expired) failed with the error code as reason; other statuses change nothing. A message of no campaign is answered \`matched: false\`.`,
          body: SmsStatusBody,
          response: { 200: Type.Object({ ...ReportOutcome.properties, final: Type.Boolean() }) },
        },
      },
      async (request) => {
        if (!request.body.messageId && !request.body.reference)
          throw invalidField('body', 'messageId', 'name the message: messageId or reference')
        return channels.smsStatus.report(request.body, request.id)
      },
    )
  }
