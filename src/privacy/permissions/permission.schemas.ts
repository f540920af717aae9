import { type Static, type TSchema, Type } from 'typebox'
import { ChannelSchema, PurposeKey } from '../purposes/purpose.schemas.ts'
import {
  CONSENT_EVENT_KINDS,
  DENIAL_RULES,
  OBJECTION_SCOPES,
  PERMISSION_SOURCES,
  RESTRICTION_GROUNDS,
  RESTRICTION_STATE_GROUNDS,
} from './permission-rules.ts'

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const timestamp = Type.String({ format: 'date-time' })
const optionalText = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength, description }))

// The lists live with the rules (no TypeBox there, so the CLI can name them without loading it).
export {
  ERASURE_HELD_GROUND,
  PERMISSION_SOURCES,
  type PermissionSource,
  RESTRICTION_GROUNDS,
  RESTRICTION_STATE_GROUNDS,
  type RestrictionGround,
  type RestrictionStateGround,
} from './permission-rules.ts'

export const SubjectParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Subject id.' }) },
  { additionalProperties: false },
)

/**
 * Art. 7(1): what demonstrates a consent event. No free-form properties: proof is evidence, and
 * what it may hold is fixed here.
 */
export const ConsentProof = Type.Object(
  {
    source: Type.Enum(PERMISSION_SOURCES, { description: 'How the consent (or withdrawal) reached us.' }),
    formKey: optionalText(100, 'The form or touchpoint it was collected on.'),
    textVersion: optionalText(100, 'The version of the consent text shown (required to request or grant).'),
    reference: optionalText(200, 'A reference to the evidence kept elsewhere, e.g. the scanned letter.'),
    collectedAt: Type.Optional({
      ...timestamp,
      description: 'When it was given, if before it was recorded.',
    }),
    ip: optionalText(64, 'Truncated or pseudonymised IP address it was given from (a form, the portal).'),
    userAgent: optionalText(500, 'User agent of the browser it was given in.'),
    doi: Type.Optional(
      Type.Object(
        {
          requestedAt: Type.Optional(timestamp),
          confirmedAt: Type.Optional(timestamp),
          ip: optionalText(64, 'Truncated or pseudonymised IP address of the confirmation.'),
          userAgent: optionalText(500, 'User agent of the confirmation.'),
        },
        { additionalProperties: false, description: 'Double opt-in confirmation data.' },
      ),
    ),
  },
  { additionalProperties: false },
)
export type ConsentProof = Static<typeof ConsentProof>

export const ConsentBody = Type.Object(
  {
    purposeKey: PurposeKey,
    channel: ChannelSchema,
    kind: Type.Enum(CONSENT_EVENT_KINDS, { description: 'What happened to the consent.' }),
    proof: ConsentProof,
  },
  { additionalProperties: false },
)
export type ConsentBody = Static<typeof ConsentBody>

export const ObjectionBody = Type.Object(
  {
    scope: Type.Enum(OBJECTION_SCOPES, {
      description: 'channel: all marketing on one channel; purpose: one purpose; all_marketing.',
    }),
    purposeKey: Type.Optional(PurposeKey),
    channel: Type.Optional(ChannelSchema),
    action: Type.Optional(Type.Enum(['raised', 'lifted'], { description: 'Default raised.' })),
    source: Type.Enum(PERMISSION_SOURCES, { description: 'How the objection reached us.' }),
    reference: optionalText(200, 'A reference to the evidence kept elsewhere, e.g. the scanned letter.'),
  },
  { additionalProperties: false },
)
export type ObjectionBody = Static<typeof ObjectionBody>

export const RestrictionBody = Type.Object(
  {
    ground: Type.Enum(RESTRICTION_GROUNDS, { description: 'Art. 18(1)(a)-(d).' }),
    note: optionalText(500, 'Why, for the DPO; no personal data.'),
  },
  { additionalProperties: false },
)
export type RestrictionBody = Static<typeof RestrictionBody>

const ConsentState = Type.Object({
  purposeKey: Type.String(),
  channel: Type.String(),
  status: Type.Enum(CONSENT_EVENT_KINDS, { description: 'The latest event.' }),
  requestedAt: nullable(timestamp),
  grantedAt: nullable(timestamp),
  confirmedAt: nullable(timestamp),
  withdrawnAt: nullable(timestamp),
  expiredAt: nullable(timestamp),
  expiresAt: nullable(timestamp),
  updatedAt: timestamp,
})

/** An objection in force (also the consent proof view's do-not-contact part). */
export const Objection = Type.Object({
  scope: Type.Enum(OBJECTION_SCOPES, { description: 'What it covers.' }),
  purposeKey: nullable(Type.String()),
  channel: nullable(Type.String()),
  source: Type.String(),
  raisedAt: timestamp,
})

const Restriction = Type.Object({
  ground: Type.Enum(RESTRICTION_STATE_GROUNDS, {
    description: 'Art. 18(1); `erasure-held`: an erasure keeps what legal holds need (Art. 17(3), 18(2)).',
  }),
  note: nullable(Type.String()),
  since: timestamp,
  liftNotice: nullable(
    Type.Object(
      {
        at: timestamp,
        channel: Type.Enum(['email', 'letter'], {
          description: 'email: Tresor mailed it; letter: staff sent it by post and recorded that.',
        }),
      },
      {
        description:
          'Art. 18(3): when and how the person was told the restriction will be lifted (POST /subjects/{id}/restriction/notice); null until then, and DELETE /subjects/{id}/restriction is refused (409) while null.',
      },
    ),
  ),
})

const Decision = Type.Object({
  purposeKey: Type.String(),
  channel: Type.String(),
  allowed: Type.Boolean(),
  basis: Type.Optional(Type.String({ description: 'The Art. 6(1) basis the use rests on, when allowed.' })),
  rule: Type.Optional(Type.Enum(DENIAL_RULES, { description: 'Why not, when denied.' })),
  reason: Type.Optional(Type.String()),
})

const HistoryEntry = Type.Object({
  type: Type.Enum(['consent', 'objection', 'restriction'], { description: 'Which kind of event.' }),
  at: timestamp,
  what: Type.String({ description: 'consent: the kind; objection: raised/lifted; restriction: set/lifted.' }),
  purposeKey: nullable(Type.String()),
  channel: nullable(Type.String()),
  scope: nullable(Type.String()),
  ground: nullable(Type.String()),
  source: nullable(Type.String()),
  purposeVersion: nullable(Type.Integer()),
  proof: nullable(Type.Record(Type.String(), Type.Unknown())),
  actor: Type.Object({ type: Type.String(), id: Type.String() }),
})

export const SubjectPermissions = Type.Object(
  {
    subjectId: Type.String({ format: 'uuid' }),
    erased: Type.Boolean(),
    customer: Type.Boolean({
      description:
        '§ 7(3) UWG: the subject bought from us (at least one order), so existing-customer purposes may reach them.',
    }),
    restriction: nullable(Restriction),
    objections: Type.Array(Objection),
    consents: Type.Array(ConsentState),
    decisions: Type.Array(Decision, {
      description: 'For every purpose and channel: may it be used now (without special categories)?',
    }),
    history: Type.Array(HistoryEntry, {
      description: 'Every consent, objection and restriction event, oldest first.',
    }),
  },
  { $id: 'SubjectPermissions' },
)
export type SubjectPermissionsJson = Static<typeof SubjectPermissions>
