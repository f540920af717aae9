import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  AudienceCounts,
  Campaign,
  CampaignInput,
  CampaignList,
  CampaignParams,
  CampaignPatch,
  Deliveries,
  DeliveriesQuery,
  Preview,
  PreviewInput,
  Report,
  ScheduleInput,
  TestSendInput,
  TestSendResult,
} from './campaign.schemas.ts'
import type { CampaignService } from './campaign.service.ts'

const TAGS = ['campaigns']
const STATES =
  'States: draft → scheduled → sending → sent; paused (resume continues) and cancelled (the rows not yet sent are skipped as `cancelled`) on the way.'

/** The core of campaigns (issue #17): configuration, audience, preview, test send, schedule, report. */
export const campaignRoutes =
  (campaigns: CampaignService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/campaigns',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: 'List the campaigns',
          description: `Every campaign, newest first, with its segment, channels (each under its direct-marketing purpose), schedule and counts from the send ledger (audience decided at the start, sent, delivered, bounced, failed, skipped). ${STATES}`,
          response: { 200: CampaignList },
        },
      },
      async () => ({ items: await campaigns.list() }),
    )

    app.post(
      '/campaigns',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: TAGS,
          summary: 'Create a campaign (draft, version 1)',
          description:
            "A segment reached on one or more channels, each under a direct-marketing purpose that uses the channel (422 naming `channels.N.purposeKey` otherwise; post names the letter shop, a processor of the recipients registry, as `recipientId`), content per channel and language with merge fields checked against the channel's purpose and your role (422/403 naming `content.N.bodyText`; an SMS text longer than TRESOR_SMS_MAX_SEGMENTS segments with its opt-out line: 422 naming `content.N.bodyText` and the segment count), an optional frequency cap, opens and clicks tracking off by default (`trackOpens`: only for recipients with a `web_tracking` consent). Nobody is typed in: the audience is decided when the send starts (segment ∩ permission ∩ not suppressed ∩ under the cap) and re-checked per batch. Audited as a configuration change.",
          body: CampaignInput,
          response: { 201: Campaign },
        },
      },
      async (request, reply) => {
        const campaign = await campaigns.create(contextOf(request), request.body)
        return reply.code(201).header('location', `/api/v1/campaigns/${campaign.id}`).send(campaign)
      },
    )

    app.get(
      '/campaigns/:id',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: 'A campaign with its content and the audience decided at the start',
          params: CampaignParams,
          response: { 200: Campaign },
        },
      },
      (request) => campaigns.get(request.params.id),
    )

    app.patch(
      '/campaigns/:id',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: TAGS,
          summary: 'Change a draft or scheduled campaign (a new version)',
          description:
            'Any of the create fields; checked as a whole as on create. With `version` (the one you started from), 409 when it moved on; 409 for a campaign that is sending, paused, sent or cancelled. The audit record names the fields that changed.',
          params: CampaignParams,
          body: CampaignPatch,
          response: { 200: Campaign },
        },
      },
      (request) => campaigns.update(contextOf(request), request.params.id, request.body),
    )

    app.delete(
      '/campaigns/:id',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: TAGS,
          summary: 'Delete a draft or cancelled campaign that sent nothing',
          description:
            'Only in draft or cancelled, and only without send-ledger rows (409 otherwise: the ledger of a send is kept). Audited.',
          params: CampaignParams,
          response: { 204: { type: 'null', description: 'Deleted.' } },
        },
      },
      async (request, reply) => {
        await campaigns.delete(contextOf(request), request.params.id)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/campaigns/:id/audience',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: "The campaign's audience now, per channel (live count before sending)",
          description:
            "The segment's size and, per channel, the members its purpose may reach (the gate's decision plan), of them the suppressed and those at the frequency cap, the audience that would be queued, and the excluded by reason. Aggregates only, naming nobody; your role must act under the segment's and each channel's purpose.",
          params: CampaignParams,
          response: { 200: AudienceCounts },
        },
      },
      (request) => campaigns.audience(contextOf(request), request.params.id),
    )

    app.post(
      '/campaigns/:id/preview',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: 'The content rendered for one channel and language',
          description:
            "Subject, text and HTML with the merge fields filled: with `subjectId`, that person's values read through the gate under the channel's purpose (audited; 422 when the purpose may not reach them); without, sample values. E-mail with the unsubscribe footer (a placeholder link).",
          params: CampaignParams,
          body: PreviewInput,
          response: { 200: Preview },
        },
      },
      (request) => campaigns.preview(contextOf(request), request.params.id, request.body),
    )

    app.post(
      '/campaigns/:id/test-send',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: TAGS,
          summary: 'Send the e-mail content to staff addresses, as a test',
          description:
            'Rendered with sample values, the subject prefixed "[Test]", with the unsubscribe footer and headers (a placeholder link), only to addresses of users of Tresor (422 naming `to.N` otherwise). Writes no ledger rows. Audited.',
          params: CampaignParams,
          body: TestSendInput,
          response: { 200: TestSendResult },
        },
      },
      (request) => campaigns.testSend(contextOf(request), request.params.id, request.body),
    )

    app.post(
      '/campaigns/:id/schedule',
      {
        config: { access: 'campaigns:manage' },
        // No body at all is "now", like `{}`.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {}
        },
        schema: {
          tags: TAGS,
          summary: 'Schedule the send (a draft or scheduled campaign)',
          description:
            "`at` in the future: the worker starts it then; missing or past: now (within a minute, the worker's `campaigns.start-due` schedule; or `tresor campaigns send ID` in the foreground). When it starts, the audience is decided into the send ledger; each batch is re-checked through the gate, so a withdrawal, objection, restriction or erasure arriving during the send stops the rest for that person.",
          params: CampaignParams,
          body: ScheduleInput,
          response: { 200: Campaign },
        },
      },
      (request) =>
        campaigns.schedule(
          contextOf(request),
          request.params.id,
          request.body?.at ? new Date(request.body.at) : undefined,
        ),
    )

    for (const [action, summary, description] of [
      [
        'pause',
        'Pause a scheduled or sending campaign',
        'The send stops after the batches already claimed (at most two); resume continues it.',
      ],
      [
        'resume',
        'Resume a paused campaign',
        'Back to sending (or scheduled, if it had not started); the worker continues within a minute.',
      ],
      [
        'cancel',
        'Cancel a campaign',
        'The send stops after the batches already claimed (at most two); the rows not yet sent are skipped as `cancelled`. What was sent stays in the ledger.',
      ],
    ] as const) {
      app.post(
        `/campaigns/:id/${action}`,
        {
          config: { access: 'campaigns:manage' },
          schema: {
            tags: TAGS,
            summary,
            description: `${description} ${STATES} Audited.`,
            params: CampaignParams,
            response: { 200: Campaign },
          },
        },
        (request) => campaigns[action](contextOf(request), request.params.id),
      )
    }

    app.get(
      '/campaigns/:id/report',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: "The campaign's report: audience at send time, outcomes, unsubscribes, timeline",
          description:
            'From the send ledger (counts by channel, status and reason) and the audience decided at the start: no second bookkeeping. Per channel: audience, excluded by reason, queued, sent, delivered, bounced, failed, skipped by reason, unsubscribed (people reached who withdrew or objected since the start), opened and clicked for campaigns with `trackOpens` (recorded only for people whose `web_tracking` consent held when they opened or clicked); a timeline of sent, failed and bounced for a chart. Aggregates only.',
          params: CampaignParams,
          response: { 200: Report },
        },
      },
      (request) => campaigns.report(request.params.id),
    )

    app.get(
      '/campaigns/:id/deliveries',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: TAGS,
          summary: "The send ledger's rows, pseudonymous",
          description:
            "One row per person and channel: the subject id (no name, no address), status, reason (the gate's rule, suppressed, frequency-cap, the SMTP reply code…), attempts and when it was sent; filtered by channel and status, in keyset pages (`after` = the previous `nextCursor`).",
          params: CampaignParams,
          querystring: DeliveriesQuery,
          response: { 200: Deliveries },
        },
      },
      (request) => campaigns.deliveries(request.params.id, request.query),
    )
  }
