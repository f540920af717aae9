import { Type } from 'typebox'

const DateTime = Type.String({ format: 'date-time' })
const PurposeKey = Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' })

export const JourneyParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The journey.' }) },
  { additionalProperties: false },
)

export const JourneyTriggerSchema = Type.Object(
  {
    kind: Type.Union(
      [Type.Literal('doi-confirmed'), Type.Literal('p-alive-below'), Type.Literal('order-abandoned')],
      {
        description:
          "`doi-confirmed`: a person confirmed a consent to `purposeKey` by double opt-in (the consent event `confirmed`) after the journey was activated — a welcome. `p-alive-below`: a customer's P(alive) (the `clv` score's `pAlive`, under the profiling purpose) is below `threshold` in a score computed after the activation (each recomputation, job `analytics.scores`) — a reactivation; once per person. `order-abandoned`: an order still `open` `hours` after it was placed (the moment falling after the activation), with no paid invoice naming it and no later open or fulfilled order of the customer — a reminder; once per order.",
      },
    ),
    purposeKey: Type.Optional(
      Type.String({
        ...PurposeKey,
        description: 'doi-confirmed: the purpose whose confirmed consent enrols (e.g. `newsletter_email`).',
      }),
    ),
    threshold: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description: 'p-alive-below: the P(alive) under which a customer enters (e.g. 0.3).',
      }),
    ),
    hours: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 720,
        description: 'order-abandoned: how many hours an order stays open before it counts as abandoned.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'What enrols a person. Checked when saved: the field its kind needs must be given (400 naming it).',
  },
)

export const StepContent = Type.Object(
  {
    subject: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'The e-mail subject line (required for e-mail; SMS has none).',
      }),
    ),
    text: Type.String({
      minLength: 1,
      maxLength: 100_000,
      description:
        "The plain-text body. Merge fields `{{firstName}}` and `{{lastName}}` are filled from the person, read through the gate under the step's purpose (empty when the purpose may not use the name); any other `{{…}}` is a 400. The unsubscribe link is appended by Tresor.",
    }),
  },
  { additionalProperties: false },
)

export const JourneyStepSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('wait'), Type.Literal('send')], {
      description:
        '`wait`: pause `minutes` before the next step. `send`: one message on `channel` under `purposeKey`.',
    }),
    minutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 525_600,
        description: 'wait: how long, in minutes (up to a year).',
      }),
    ),
    channel: Type.Optional(
      Type.Union([Type.Literal('email'), Type.Literal('sms')], {
        description:
          "send: the channel (default `email`). `sms` (consent only, § 7(2) UWG) where an SMS provider is set up (TRESOR_SMS_URL), else 400: the number is read through the gate, the campaigns' SMS sender appends the opt-out line with the unsubscribe link; the text must fit the allowed segments.",
      }),
    ),
    purposeKey: Type.Optional(
      Type.String({
        ...PurposeKey,
        description:
          "send: a direct-marketing purpose of the registry that uses the channel (e.g. `newsletter_email`, `existing_customer_email`). The permission for it is asked again for every message; a refusal stops the person's enrolment with the rule.",
      }),
    ),
    content: Type.Optional(
      Type.Object(
        { de: Type.Optional(StepContent), en: Type.Optional(StepContent) },
        {
          additionalProperties: false,
          description: "send: the message per language; the journey's `defaultLang` must be there.",
        },
      ),
    ),
  },
  { additionalProperties: false },
)

const Steps = Type.Array(JourneyStepSchema, {
  minItems: 1,
  maxItems: 20,
  description: 'The steps in order (1–20, at least one `send`); a person runs them one after the other.',
})
const Lang = Type.Union([Type.Literal('de'), Type.Literal('en')], {
  description: 'The language of the messages sent (default `de`).',
})

const SegmentId = Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
  description:
    "Optional: only members of this saved segment enter — its current definition when the trigger fires, limited to whom the first send step's purpose may reach on e-mail (segment ∩ permission, as the segment's count computes it). Your role must be able to evaluate it (else 403/400 naming it); an unknown segment is a 400. Null: no limit.",
})

export const JourneyInput = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'Unique, case-insensitively.',
    }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    trigger: JourneyTriggerSchema,
    steps: Steps,
    segmentId: Type.Optional(SegmentId),
    defaultLang: Type.Optional(Lang),
  },
  { additionalProperties: false },
)

export const JourneyPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    trigger: Type.Optional(JourneyTriggerSchema),
    steps: Type.Optional(Steps),
    segmentId: Type.Optional(SegmentId),
    defaultLang: Type.Optional(Lang),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'The version the edit started from: when the journey has moved on since, 409 instead of overwriting.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const Journey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  trigger: JourneyTriggerSchema,
  steps: Type.Array(JourneyStepSchema),
  segmentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The segment whose members alone may enter; null: everyone the trigger finds.',
  }),
  defaultLang: Lang,
  status: Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('paused')], {
    description:
      '`draft` (editable, deletable), `active` (the tick enrols and advances), `paused` (nobody enters or moves on; editable).',
  }),
  version: Type.Integer({
    description: 'Bumped by every change; an enrolment runs the version it entered with.',
  }),
  activatedAt: Type.Union([DateTime, Type.Null()], {
    description: 'The first activation: only what happens after it enrols.',
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
})

export const JourneyList = Type.Object({ items: Type.Array(Journey) })

export const EnrolmentsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('completed'), Type.Literal('stopped')]),
    ),
    after: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,300}$', description: 'The `nextCursor` of the page before.' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
)

export const EnrolmentsPage = Type.Object({
  items: Type.Array(
    Type.Object({
      subjectId: Type.String({ format: 'uuid', description: 'The person, by pseudonymous id only.' }),
      trigger: Type.String({ description: '`doi`, `p-alive` or `order` (an abandoned order).' }),
      version: Type.Integer({ description: 'The journey version the person runs.' }),
      step: Type.Integer({ description: 'The index of the next step (the number of steps once completed).' }),
      status: Type.Union([Type.Literal('active'), Type.Literal('completed'), Type.Literal('stopped')]),
      reason: Type.Union([Type.String(), Type.Null()], {
        description:
          'Why it stopped: the permission rule that refused the message (`consent-withdrawn`, `objected`, `no-consent`, `restricted`, `erased`, …), `no-address`, `order-completed` (the order was paid, completed or followed by another), `order-gone`, `send-failed`.',
      }),
      nextAt: Type.Union([DateTime, Type.Null()], {
        description: 'When the next step is due (active only).',
      }),
      enteredAt: DateTime,
      endedAt: Type.Union([DateTime, Type.Null()]),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

const ReasonCounts = Type.Record(Type.String(), Type.Integer(), { description: 'Counts by reason.' })

export const JourneyStats = Type.Object({
  version: Type.Integer(),
  enrolled: Type.Integer({ description: 'Everyone who ever entered (all versions).' }),
  active: Type.Integer(),
  completed: Type.Integer(),
  stopped: ReasonCounts,
  steps: Type.Array(
    Type.Object({
      index: Type.Integer(),
      type: Type.Union([Type.Literal('wait'), Type.Literal('send')]),
      entered: Type.Integer({ description: 'People who reached the step.' }),
      waiting: Type.Integer({ description: 'People whose next step this is, not yet due or not yet run.' }),
      sent: Type.Integer({ description: 'send: messages the SMTP server accepted.' }),
      refused: ReasonCounts,
      failed: ReasonCounts,
      stopped: ReasonCounts,
    }),
    {
      description:
        "Per step of the journey's current version (enrolments of older versions counted by index).",
    },
  ),
})
