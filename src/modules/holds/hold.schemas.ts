import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'
import { FIELD_CATEGORIES, IDENTIFIER_FIELDS } from '../../privacy/fields/field-catalog.ts'
import { HOLD_GROUNDS, HOLDABLE_RECORD_KINDS } from '../../privacy/holds/hold.ts'

const timestamp = Type.String({ format: 'date-time' })
const Texts = Type.Object({ de: Type.String(), en: Type.String() })
const HOLD_SOURCES = ['invoice', 'unpaid-invoice', 'phone-consent', 'entered'] as const
const HOLD_PURPOSES = ['invoicing_retention', 'legal_claims'] as const
const Actor = Type.Object({ type: Type.String(), id: Type.String() })

export const HoldParams = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Subject id.' }),
    holdId: Type.String({ format: 'uuid', description: 'The id of a hold the DPO entered.' }),
  },
  { additionalProperties: false },
)

/** What a hold keeps, why and until when (shared by the holds list and the erasure's answer). */
const HoldCommon = {
  source: Type.Enum(HOLD_SOURCES, {
    description:
      'invoice: an invoice keeps itself, its order and the billing identity for its retention period; unpaid-invoice: until paid; phone-consent: § 7a UWG proof with the number; entered: by the DPO.',
  }),
  exception: Type.String({ description: 'The Art. 17(3) GDPR exception.' }),
  law: Type.String({ description: 'The law that asks for keeping it.' }),
  purpose: Type.Enum(HOLD_PURPOSES, {
    description: 'The purpose that may still use what it keeps (Art. 18(2) exception).',
  }),
  reason: Texts,
  fields: Type.Array(Type.Enum(IDENTIFIER_FIELDS), { description: 'The identifiers it keeps.' }),
  categories: Type.Array(Type.Enum(FIELD_CATEGORIES)),
  records: Type.Array(
    Type.Object({
      kind: Type.String({ description: 'A table of the registry of record kinds.' }),
      count: nullable(Type.Integer({ description: 'How many rows; null: every row of the kind.' })),
    }),
  ),
  until: nullable(timestamp),
  untilEvent: nullable(Type.Enum(['paid', 'lifted'], { description: 'What ends it (besides `until`).' })),
}

export const HoldJson = Type.Object({
  id: Type.String({
    description:
      '`invoice:<id>`, `unpaid-invoice:<id>`, `phone-consent:<purpose>`, or the id of an entered hold.',
  }),
  inForce: Type.Boolean(),
  ...HoldCommon,
  consentProof: Type.Boolean({ description: 'Keeps the consent events with their proof.' }),
  entered: Type.Optional(
    Type.Object({
      ground: Type.Enum(HOLD_GROUNDS),
      setBy: Actor,
      createdAt: timestamp,
      liftedAt: nullable(timestamp),
      liftedBy: nullable(Actor),
    }),
  ),
})
export type HoldJson = Static<typeof HoldJson>

export const SubjectHoldsJson = Type.Object({
  subjectId: Type.String({ format: 'uuid' }),
  erasureRequestedAt: nullable(timestamp),
  erased: Type.Boolean(),
  holds: Type.Array(HoldJson),
})

export const NewHoldBody = Type.Object(
  {
    ground: Type.Enum(HOLD_GROUNDS, {
      description: 'Why: legal claims, a dispute, an authority’s request, other.',
    }),
    reason: Type.String({
      minLength: 10,
      maxLength: 500,
      description: 'The ground in words, naming the case by your file reference; no personal data.',
    }),
    fieldCategories: Type.Optional(
      Type.Array(Type.Enum(FIELD_CATEGORIES), {
        maxItems: FIELD_CATEGORIES.length,
        description: 'The categories whose identifiers it keeps (identity, contact, address, bank, notes).',
      }),
    ),
    recordKinds: Type.Optional(
      Type.Array(Type.Enum(HOLDABLE_RECORD_KINDS), {
        maxItems: HOLDABLE_RECORD_KINDS.length,
        description: 'The record kinds it keeps, every row of each (an order keeps its lines).',
      }),
    ),
    until: Type.Optional(nullable(timestamp)),
  },
  { additionalProperties: false },
)
export type NewHoldBody = Static<typeof NewHoldBody>

/** The answer to the person after an erasure (what was erased, kept, why, until when). */
export const ErasureAnswerJson = Type.Object({
  subjectId: Type.String({ format: 'uuid' }),
  erasedAt: timestamp,
  outcome: Type.Enum(['erased', 'held'], {
    description: 'erased: nothing kept; held: erased except what legal holds keep, restricted (Art. 18(2)).',
  }),
  erased: Type.Object({
    identifiers: Type.Array(Type.Enum(IDENTIFIER_FIELDS)),
    records: Type.Array(Type.Object({ kind: Type.String(), count: Type.Integer() })),
  }),
  kept: Type.Array(Type.Object({ holdId: Type.String(), ...HoldCommon })),
  restrictedTo: Type.Array(Type.Enum(HOLD_PURPOSES)),
  text: Type.Object(
    { de: Type.String(), en: Type.String() },
    { description: 'The answer in words, as a reply to the person quotes it.' },
  ),
})
export type ErasureAnswerJson = Static<typeof ErasureAnswerJson>
