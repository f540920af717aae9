import { type Static, type TSchema, Type } from 'typebox'
import { FIELD_CATEGORIES } from '../../privacy/fields/field-catalog.ts'
import {
  ADEQUACY_SCOPES,
  ART49_POINTS,
  DISCLOSURE_CHANNELS,
  RECIPIENT_ROLES,
  TRANSFER_MECHANISMS,
  WEBHOOK_EVENTS,
} from '../../privacy/recipients/recipient.ts'
import { DELIVERY_STATUSES } from '../../privacy/recipients/webhook.service.ts'

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Day = (description: string) => Type.String({ format: 'date', description })
const Uuid = Type.String({ format: 'uuid' })

const Derogation = Type.Object(
  {
    point: Type.Enum(ART49_POINTS, {
      description:
        'Art. 49(1): a (explicit consent, informed of the risks), b (contract with the subject), c (contract in their interest), d (public interest), e (legal claims), f (vital interests), g (public register), compelling_interests (second subparagraph: not repetitive, few subjects, the authority informed).',
    }),
    reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why the derogation applies.' }),
  },
  { additionalProperties: false, description: 'The Art. 49(1) derogation (mechanism derogation_49).' },
)

/** The editable properties of a recipient. */
const editable = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'The recipient as the contract names it.' }),
  role: Type.Enum(RECIPIENT_ROLES, {
    description: 'processor (Art. 28), controller, joint_controller (Art. 26) or authority.',
  }),
  country: Type.String({
    pattern: '^[A-Z]{2}$',
    description: 'ISO 3166-1 alpha-2 code of the country where the data is processed.',
  }),
  contractDate: nullable(
    Day(
      'The Art. 28(3) processing contract (processors) or Art. 26 arrangement (joint controllers), signed on.',
    ),
  ),
  mechanism: Type.Enum(TRANSFER_MECHANISMS, {
    description:
      'The ground of a transfer to the country (Chapter V): eea, adequacy (Art. 45, the seeded list), scc (Art. 46(2)(c)), bcr (Art. 47), derogation_49 (Art. 49(1)) or none (only inside the EEA).',
  }),
  dpfCertifiedOn: nullable(
    Day(
      'EU-US Data Privacy Framework: the day the certification was last confirmed on the DPF list; the US adequacy decision covers only certified organisations, and a confirmation over a year old no longer counts.',
    ),
  ),
  sccModule: nullable(
    Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Literal(4)], {
      description: 'SCC module of (EU) 2021/914: 1 C2C, 2 C2P, 3 P2P, 4 P2C.',
    }),
  ),
  sccDate: nullable(Day('SCC signed on (the clauses of 2021/914: from 2021-06-27).')),
  bcrReference: nullable(
    Type.String({ minLength: 1, maxLength: 200, description: "BCR: the approving authority's reference." }),
  ),
  derogation: nullable(Derogation),
  purposes: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }), {
    maxItems: 50,
    uniqueItems: true,
    description: 'Purposes (keys of the purpose registry) data is disclosed to it for.',
  }),
  fieldCategories: Type.Array(Type.Enum(FIELD_CATEGORIES), {
    uniqueItems: true,
    description: 'Categories of personal data it receives; fields of other categories are withheld.',
  }),
  note: nullable(Type.String({ maxLength: 2000, description: 'For the DPO: contact, contract reference.' })),
}

const TransferGap = Type.Object({
  field: Type.String({ description: 'The property of the recipient the gap concerns.' }),
  reason: Type.String(),
})

const Verdict = Type.Object(
  {
    lawful: Type.Boolean({ description: 'Whether data may be disclosed to it today.' }),
    thirdCountry: Type.Boolean({ description: 'Outside the EEA: a transfer in the sense of Chapter V.' }),
    basis: nullable(Type.String({ description: 'The ground in words, when lawful.' })),
    missing: Type.Array(TransferGap, { description: 'What is missing, each naming a property.' }),
  },
  { description: "Today's verdict of the transfer check (the one the export and webhook gate applies)." },
)

export const Recipient = Type.Object(
  {
    id: Uuid,
    ...editable,
    retiredAt: nullable(Type.String({ format: 'date-time', description: 'Receives nothing since.' })),
    version: Type.Integer({ minimum: 1 }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    verdict: Verdict,
  },
  { $id: 'Recipient' },
)
export type RecipientJson = Static<typeof Recipient>

export const RecipientList = Type.Object({ items: Type.Array(Type.Ref('Recipient')) })

export const CreateRecipientBody = Type.Object(
  {
    name: editable.name,
    role: editable.role,
    country: editable.country,
    mechanism: editable.mechanism,
    contractDate: Type.Optional(editable.contractDate),
    dpfCertifiedOn: Type.Optional(editable.dpfCertifiedOn),
    sccModule: Type.Optional(editable.sccModule),
    sccDate: Type.Optional(editable.sccDate),
    bcrReference: Type.Optional(editable.bcrReference),
    derogation: Type.Optional(editable.derogation),
    purposes: Type.Optional(editable.purposes),
    fieldCategories: Type.Optional(editable.fieldCategories),
    note: Type.Optional(editable.note),
  },
  { additionalProperties: false },
)
export type CreateRecipientBody = Static<typeof CreateRecipientBody>

export const UpdateRecipientBody = Type.Partial(Type.Object(editable), {
  additionalProperties: false,
  minProperties: 1,
  description: 'The properties to change, each replaced whole (null clears).',
})

export const RecipientParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const AdequacyDecision = Type.Object({
  country: Type.String({ description: 'ISO 3166-1 alpha-2.' }),
  name: Type.Object({ de: Type.String(), en: Type.String() }),
  decision: Type.String({ description: 'The decision, e.g. (EU) 2023/1795.' }),
  adoptedOn: Type.String({ format: 'date' }),
  scope: Type.Enum(ADEQUACY_SCOPES, {
    description:
      'full, commercial (organisations under a law, e.g. PIPEDA) or certified (only certified organisations: the EU-US Data Privacy Framework).',
  }),
  note: Type.Object({ de: Type.String(), en: Type.String() }),
  validUntil: nullable(
    Type.String({ format: 'date', description: 'From this day on it carries no transfer.' }),
  ),
})

export const AdequacyDecisionList = Type.Object({ items: Type.Array(AdequacyDecision) })

export const AdequacyParams = Type.Object(
  { country: Type.String({ pattern: '^[A-Z]{2}$' }) },
  { additionalProperties: false },
)

export const UpdateAdequacyBody = Type.Object(
  {
    validUntil: nullable(
      Type.String({
        format: 'date',
        description: 'The day the decision stops carrying transfers (a judgment, an expiry); null: in force.',
      }),
    ),
  },
  { additionalProperties: false },
)

const Art19Event = Type.Union([
  Type.Literal('subject.changed'),
  Type.Literal('subject.erased'),
  Type.Literal('subject.restricted'),
])

export const SubjectDisclosureList = Type.Object({
  recipients: Type.Array(
    Type.Object({
      recipient: Type.Object({
        id: Uuid,
        name: Type.String(),
        role: Type.Enum(RECIPIENT_ROLES),
        country: Type.String(),
      }),
      lastDisclosedAt: Type.String({ format: 'date-time' }),
      notifiedBy: Type.Array(Art19Event, {
        description: 'The Art. 19 events the recipient’s active webhook subscriptions deliver by themselves.',
      }),
      notifyByHand: Type.Array(Art19Event, {
        description:
          'The Art. 19 events no subscription delivers: the DPO tells the recipient by other means.',
      }),
    }),
    {
      description:
        'Art. 19: each recipient the data was disclosed to, once, and how a rectification, erasure or restriction reaches it.',
    },
  ),
  items: Type.Array(
    Type.Object({
      id: Uuid,
      at: Type.String({ format: 'date-time' }),
      channel: Type.Enum(DISCLOSURE_CHANNELS),
      purpose: Type.String(),
      fields: Type.Array(Type.String(), { description: 'The field names disclosed (the id always).' }),
      reference: nullable(Type.String({ description: "The export's format or the webhook delivery's id." })),
      recipient: Type.Object({
        id: Uuid,
        name: Type.String(),
        role: Type.Enum(RECIPIENT_ROLES),
        country: Type.String(),
      }),
    }),
  ),
})

export const SubjectParams = Type.Object({ id: Uuid }, { additionalProperties: false })

const WebhookUrl = Type.String({
  minLength: 8,
  maxLength: 2000,
  description:
    'http:// or https://, no credentials, no fragment; public addresses only (unless TRESOR_WEBHOOKS_ALLOW_PRIVATE). Redirects are not followed.',
})
const Events = Type.Array(Type.Enum(WEBHOOK_EVENTS), {
  minItems: 1,
  uniqueItems: true,
  description:
    'subject.created, subject.changed, subject.erased, subject.restricted, consent.changed, objection.recorded, request.answered.',
})

export const WebhookSubscription = Type.Object(
  {
    id: Uuid,
    recipientId: Uuid,
    url: Type.String(),
    events: Type.Array(Type.Enum(WEBHOOK_EVENTS)),
    purpose: Type.String({ description: 'The purpose the payloads are disclosed under.' }),
    secretVersion: Type.Integer({ minimum: 1 }),
    active: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookSubscription' },
)
export type WebhookSubscriptionJson = Static<typeof WebhookSubscription>

export const WebhookSubscriptionWithSecret = Type.Object({
  subscription: Type.Ref('WebhookSubscription'),
  secret: Type.Optional(
    Type.String({
      description:
        'The signing secret (`whsec_…`, Standard Webhooks), shown only when the subscription is made or its secret rotated.',
    }),
  ),
})

export const WebhookSubscriptionList = Type.Object({ items: Type.Array(Type.Ref('WebhookSubscription')) })

export const CreateWebhookBody = Type.Object(
  {
    url: WebhookUrl,
    events: Events,
    purpose: Type.String({
      pattern: '^[a-z][a-z0-9_]{1,62}$',
      description: "One of the recipient's purposes: the payloads are disclosed under it.",
    }),
  },
  { additionalProperties: false },
)

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(Events),
    active: Type.Optional(
      Type.Boolean({ description: 'false ends the subscription (pending deliveries are cancelled).' }),
    ),
    rotateSecret: Type.Optional(
      Type.Literal(true, {
        description: 'A new signing secret, returned in the answer; the old one stops at once.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const WebhookParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const WebhookQuery = Type.Object({ recipient: Type.Optional(Uuid) }, { additionalProperties: false })

export const DeliveryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
  },
  { additionalProperties: false },
)

export const WebhookDeliveryList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid', description: 'The `webhook-id` header: the same on every attempt.' }),
      subscriptionId: Uuid,
      subjectId: Uuid,
      event: Type.Enum(WEBHOOK_EVENTS),
      occurredAt: Type.String({ format: 'date-time' }),
      status: Type.Enum(DELIVERY_STATUSES, {
        description:
          'pending (next attempt at nextAttemptAt), delivered, failed (attempts used up), refused (the transfer check or the recipient’s purposes said no), cancelled (the subscription ended).',
      }),
      attempts: Type.Integer({ minimum: 0 }),
      nextAttemptAt: nullable(Type.String({ format: 'date-time' })),
      lastAttemptAt: nullable(Type.String({ format: 'date-time' })),
      lastStatus: nullable(Type.Integer({ description: "The receiver's HTTP status." })),
      lastError: nullable(Type.String()),
      deliveredAt: nullable(Type.String({ format: 'date-time' })),
    }),
  ),
})
