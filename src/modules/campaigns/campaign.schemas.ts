import { Type } from 'typebox'
import { MERGE_FIELDS } from './merge-fields.ts'

const DateTime = Type.String({ format: 'date-time' })
const Channel = Type.Union(
  [Type.Literal('email'), Type.Literal('sms'), Type.Literal('post'), Type.Literal('phone')],
  {
    description: 'email, sms, post or phone.',
  },
)
const Lang = Type.Union([Type.Literal('de'), Type.Literal('en')])
const Status = Type.Union(
  [
    Type.Literal('draft'),
    Type.Literal('scheduled'),
    Type.Literal('sending'),
    Type.Literal('paused'),
    Type.Literal('sent'),
    Type.Literal('cancelled'),
  ],
  { description: 'draft → scheduled → sending → sent; paused and cancelled on the way.' },
)
const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }))

const MERGE_HELP = `Merge fields: ${Object.entries(MERGE_FIELDS)
  .map(([k, v]) => `{{${k}}} (${v.description})`)
  .join(
    ', ',
  )}. Each must read fields the channel's purpose uses (else 422 naming e.g. \`content.1.bodyText\`) and your role holds (else 403); values are HTML-escaped in bodyHtml.`

export const CampaignParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The campaign.' }) },
  { additionalProperties: false },
)

const ChannelInput = Type.Object(
  {
    channel: Channel,
    purposeKey: Type.String({
      pattern: '^[a-z][a-z0-9_]{1,63}$',
      description:
        'A direct-marketing purpose of the registry that uses the channel (newsletter_email, existing_customer_email on email; sms_marketing; postal_advertising; phone_marketing). Else 422 naming `channels.N.purposeKey`.',
    }),
    recipientId: Type.Optional(
      Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description: 'post only: the letter shop, a processor of the recipients registry.',
      }),
    ),
  },
  { additionalProperties: false },
)

const ContentInput = Type.Object(
  {
    channel: Channel,
    lang: Lang,
    subject: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'E-mail subject line (required for email); letter heading; call-script title.',
      }),
    ),
    bodyText: Type.String({
      minLength: 1,
      maxLength: 100_000,
      description: `The text. ${MERGE_HELP} SMS: with its opt-out line (\`Abmelden: <link>\` / \`Unsubscribe: <link>\`) at most TRESOR_SMS_MAX_SEGMENTS segments (default 3; GSM-7 160/153 characters per segment, UCS-2 70/67 as soon as one character is outside GSM-7), measured with the merge fields' sample values — else 422 naming \`content.N.bodyText\` and the segment count.`,
    }),
    bodyHtml: Type.Optional(
      Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()], {
        description: 'E-mail only: the HTML part.',
      }),
    ),
  },
  { additionalProperties: false },
)

const Cap = Type.Union(
  [
    Type.Object(
      {
        messages: Type.Integer({ minimum: 1, maximum: 1000 }),
        days: Type.Integer({ minimum: 1, maximum: 365 }),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description:
      "Frequency cap: at most `messages` marketing messages per channel per person within `days`, counting every campaign's sent messages; null: none.",
  },
)

const inputFields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  segmentId: Type.String({
    format: 'uuid',
    description: 'The saved segment the campaign is for (who is meant).',
  }),
  defaultLang: Lang,
  channels: Type.Array(ChannelInput, { minItems: 1, maxItems: 4 }),
  cap: Type.Optional(Cap),
  trackOpens: Type.Optional(
    Type.Boolean({
      description:
        "Track opens and clicks of the e-mails (e-mail channel only; default false). Only for recipients whose consent to the purpose `web_tracking` (channel `web`) holds when their batch is sent does the HTML part get a 1×1 open pixel (`GET /t/o/{token}.gif`) and its http(s) links rewritten through the click redirect (`GET /t/c/{token}?u=<link>`, 302 to the original link); everyone else's mail, and every plain-text part, goes out untracked, and the unsubscribe link is never rewritten. The token is the message's signed id: no personal data in the URLs. Recorded — the delivery's first open (`openedAt`) and first click (`clickedAt`, which also counts as an open), audited under `web_tracking` — only while the campaign has `trackOpens` and the person's tracking consent still holds at that moment; the report then shows `opened` and `clicked` per channel.",
    }),
  ),
  content: Type.Array(ContentInput, {
    minItems: 1,
    maxItems: 8,
    description:
      'Per channel and language; each channel needs content in the default language. A person gets their own language (the catalog attribute `language`, where there is one) or the default.',
  }),
}

export const CampaignInput = Type.Object(inputFields, { additionalProperties: false })

export const CampaignPatch = Type.Object(
  {
    name: Type.Optional(inputFields.name),
    description: inputFields.description,
    segmentId: Type.Optional(inputFields.segmentId),
    defaultLang: Type.Optional(inputFields.defaultLang),
    channels: Type.Optional(inputFields.channels),
    cap: inputFields.cap,
    trackOpens: inputFields.trackOpens,
    content: Type.Optional(inputFields.content),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'The version the edit started from: 409 when the campaign moved on since.',
      }),
    ),
  },
  { additionalProperties: false },
)

const CampaignCounts = Type.Object({
  audience: Type.Integer(),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  bounced: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
})

const summaryFields = {
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: Status,
  segment: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  scheduledAt: Type.Union([DateTime, Type.Null()]),
  startedAt: Type.Union([DateTime, Type.Null()]),
  finishedAt: Type.Union([DateTime, Type.Null()]),
  counts: CampaignCounts,
  updatedAt: DateTime,
  version: Type.Integer(),
}

export const CampaignSummary = Type.Object({
  ...summaryFields,
  channels: Type.Array(Type.Object({ channel: Channel, purposeKey: Type.String() })),
})

export const CampaignList = Type.Object({ items: Type.Array(CampaignSummary) })

const ChannelAudience = Type.Object({
  channel: Channel,
  purposeKey: Type.String(),
  permitted: Type.Integer({ description: 'Segment ∩ the permission for the purpose and channel.' }),
  suppressed: Type.Integer({
    description: 'Of the permitted: suppressed on the channel (hard bounce, complaint).',
  }),
  capped: Type.Integer({ description: 'Of the permitted and not suppressed: the frequency cap reached.' }),
  audience: Type.Integer({ description: 'Who is (would be) sent: permitted − suppressed − capped.' }),
  excludedBy: Type.Record(Type.String(), Type.Integer(), {
    description:
      "The segment's members left out by reason: the gate's denial rule (no-consent, consent-withdrawn, objected, restricted, …), suppressed, frequency-cap.",
  }),
})

export const Campaign = Type.Object({
  ...summaryFields,
  description: Type.String(),
  defaultLang: Lang,
  cap: Cap,
  trackOpens: Type.Boolean({
    description:
      'Opens and clicks are tracked — in the mails of recipients with a `web_tracking` consent only (see the input field).',
  }),
  channels: Type.Array(
    Type.Object({
      channel: Channel,
      purposeKey: Type.String(),
      recipientId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  content: Type.Array(
    Type.Object({
      channel: Channel,
      lang: Lang,
      subject: Type.String(),
      bodyText: Type.String(),
      bodyHtml: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  audience: Type.Union(
    [
      Type.Object(
        {
          decidedAt: DateTime,
          segment: Type.Object({
            total: Type.Union([Type.Integer(), Type.Null()], {
              description:
                "The segment's members; null for the moment after the start until they are counted.",
            }),
          }),
          channels: Type.Array(ChannelAudience),
          excludedCountedAt: Type.Optional(
            Type.Union([DateTime, Type.Null()], {
              description:
                "When the segment's total and the excluded by the gate's rule (`excludedBy`) were counted: right after the audience was decided, beside the first batches (docs/adr/0022). Null until then; `excludedBy` holds only `suppressed` and `frequency-cap` meanwhile.",
            }),
          ),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ],
    { description: 'The audience as decided when the send started (null before).' },
  ),
  segmentVersion: Type.Union([Type.Integer(), Type.Null()], {
    description: "The segment's version the audience was decided from.",
  }),
  createdAt: DateTime,
})

export const AudienceCounts = Type.Object({
  countedAt: DateTime,
  segment: Type.Object({
    total: Type.Integer({ description: 'Members of the segment (erased aside), whatever the permissions.' }),
  }),
  channels: Type.Array(ChannelAudience),
})

export const PreviewInput = Type.Object(
  {
    channel: Channel,
    lang: Lang,
    subjectId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          "A person whose values fill the merge fields (read through the gate under the channel's purpose, audited). Without: sample values.",
      }),
    ),
  },
  { additionalProperties: false },
)

export const Preview = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
})

export const TestSendInput = Type.Object(
  {
    channel: Type.Literal('email'),
    lang: Type.Optional(Lang),
    to: Type.Array(Type.String({ minLength: 3, maxLength: 254 }), {
      minItems: 1,
      maxItems: 10,
      description: 'Addresses of users of Tresor (staff) only; another address is a 422 naming `to.N`.',
    }),
  },
  { additionalProperties: false },
)

export const TestSendResult = Type.Object({ sent: Type.Integer() })

export const ScheduleInput = Type.Object(
  {
    at: Type.Optional(DateTime),
  },
  { additionalProperties: false, description: 'When to start; missing or past: now.' },
)

export const Report = Type.Object({
  campaignId: Type.String(),
  status: Status,
  audience: Type.Integer({
    description:
      'The audience decided when the send started (all channels): segment ∩ permission ∩ not suppressed ∩ under the frequency cap. Each batch is checked again before it goes out.',
  }),
  channels: Type.Array(
    Type.Object({
      channel: Channel,
      purposeKey: Type.String(),
      audience: Type.Integer(),
      excludedBy: Counts,
      queued: Type.Integer({
        description:
          'Not yet sent: queued, waiting for a retry, or in a batch (the audience decided at the start that has not yet entered the send ledger included).',
      }),
      sent: Type.Integer({
        description:
          'Handed over (SMTP accepted, provider accepted, on the list), including those later delivered or bounced.',
      }),
      delivered: Type.Integer(),
      bounced: Type.Integer(),
      failed: Type.Integer(),
      skipped: Type.Integer(),
      skippedBy: Type.Record(Type.String(), Type.Integer(), {
        description:
          "Why rows were skipped at their batch: the gate's denial rule (consent-withdrawn, objected, restricted, …), erased, suppressed, frequency-cap, no-address, cancelled.",
      }),
      unsubscribed: Type.Integer({
        description:
          "People reached who withdrew the channel's purpose consent on the channel or objected (purpose, channel or all marketing) since the send started.",
      }),
      opened: Type.Optional(
        Type.Integer({
          description:
            'Campaigns with `trackOpens` only: deliveries opened (pixel loaded or a link clicked), recorded only with the tracking consent.',
        }),
      ),
      clicked: Type.Optional(
        Type.Integer({
          description:
            'Campaigns with `trackOpens` only: deliveries with a link clicked, recorded only with the tracking consent.',
        }),
      ),
    }),
  ),
  timeline: Type.Array(
    Type.Object({ at: DateTime, sent: Type.Integer(), failed: Type.Integer(), bounced: Type.Integer() }),
    { description: 'Per minute (per hour for sends longer than six hours), for a chart.' },
  ),
})

export const DeliveriesQuery = Type.Object(
  {
    channel: Type.Optional(Channel),
    status: Type.Optional(
      Type.Union([
        Type.Literal('queued'),
        Type.Literal('sending'),
        Type.Literal('sent'),
        Type.Literal('delivered'),
        Type.Literal('bounced'),
        Type.Literal('failed'),
        Type.Literal('skipped'),
      ]),
    ),
    after: Type.Optional(
      Type.String({
        maxLength: 100,
        pattern: '^[0-9a-fA-F-]{36}\\.[a-z]+$',
        description: 'nextCursor of the previous page.',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
)

export const Deliveries = Type.Object({
  items: Type.Array(
    Type.Object({
      subjectId: Type.String(),
      channel: Channel,
      status: Type.String(),
      reason: Type.Union([Type.String(), Type.Null()]),
      attempts: Type.Integer(),
      sentAt: Type.Union([DateTime, Type.Null()]),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
