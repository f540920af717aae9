import { type Static, type TSchema, Type } from 'typebox'
import { FIELD_CATEGORIES } from '../fields/field-catalog.ts'
import { SUBJECT_KINDS } from '../subjects/subject-kinds.ts'
import { ART9_BASES, CHANNELS, LEGAL_BASES, REQUIRED_RECORDS, RESTRICTION_EXCEPTIONS } from './purpose.ts'

const texts = (maxLength: number, description: string) =>
  Type.Object(
    {
      de: Type.String({ minLength: 1, maxLength, description: 'German.' }),
      en: Type.String({ minLength: 1, maxLength, description: 'English.' }),
    },
    { additionalProperties: false, description },
  )

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const PurposeKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,62}$',
  description: 'Stable identifier, snake_case.',
})
export const LegalBasisSchema = Type.Enum(LEGAL_BASES, {
  description: 'Art. 6(1) GDPR basis: exactly one per purpose.',
})
export const Art9BasisSchema = Type.Enum(ART9_BASES, {
  description: 'Art. 9(2) GDPR exception, where special categories are processed.',
})
export const ChannelSchema = Type.Enum(CHANNELS, {
  description: 'Contact channel; `none` is processing without contacting anyone.',
})
const Duration = Type.String({
  pattern: '^P(?=\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$',
  description: 'ISO 8601 duration, e.g. P8Y, P6M, P30D.',
})
const Curie = Type.String({
  minLength: 3,
  maxLength: 200,
  pattern: '^[a-z][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9_.-]*$',
})

const RoleName = Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$', description: 'A role name.' })

/** What a purpose covers: who may act under it, whom it reaches, which data it uses. */
export const PurposeScopeSchema = Type.Object(
  {
    roles: Type.Array(RoleName, {
      maxItems: 100,
      uniqueItems: true,
      description:
        'The roles whose users and API tokens may act under the purpose; anyone else naming it gets 403. The admin role may act under every purpose.',
    }),
    subjectKinds: Type.Array(Type.Enum(SUBJECT_KINDS), {
      uniqueItems: true,
      description:
        'The subject kinds it reaches (any of them qualifies); empty: every kind. B2B prospecting reaches only b2b_contact (§ 7(2) No. 1 UWG).',
    }),
    requiresRecord: nullable(
      Type.Enum(REQUIRED_RECORDS, {
        description:
          'A record the subject must have: a record-bound duty reaches only subjects with such records (invoicing retention: invoice).',
      }),
    ),
    fieldCategories: Type.Array(Type.Enum(FIELD_CATEGORIES), {
      uniqueItems: true,
      description:
        'The field categories it uses (Art. 5(1)(c)); fields and record kinds of other categories are withheld under it whatever the role may see.',
    }),
    restrictionException: nullable(
      Type.Enum(RESTRICTION_EXCEPTIONS, {
        description:
          'Art. 18(2): the ground on which it may process restricted subjects (within its scope); each such use is audited with it. Null: restricted subjects are only stored.',
      }),
    ),
  },
  { additionalProperties: false, description: 'What the purpose covers (Art. 5(1)(b)-(c), Art. 18(2)).' },
)

/** The editable properties of a purpose, each as the API and the CLI file take them. */
const definition = {
  name: texts(200, 'Name shown to staff and data subjects.'),
  description: texts(2000, 'What the purpose is, as shown to data subjects.'),
  legalBasis: LegalBasisSchema,
  art9Basis: nullable(Art9BasisSchema),
  channels: Type.Array(ChannelSchema, { minItems: 1, maxItems: CHANNELS.length, uniqueItems: true }),
  doubleOptIn: Type.Boolean({ description: 'Consent counts only once confirmed by the address owner.' }),
  profiling: Type.Boolean({ description: 'Profiling (Art. 4(4)).' }),
  directMarketing: Type.Boolean({ description: 'Direct marketing: an objection is absolute (Art. 21(3)).' }),
  existingCustomers: Type.Boolean({
    description:
      '§ 7(3) UWG: electronic mail only to own customers whose address was obtained in a sale. Required for direct marketing by e-mail or SMS on legitimate interest; the gate then allows only subjects with an order.',
  }),
  retention: Type.Object(
    {
      period: nullable(Duration),
      rule: texts(2000, 'The retention rule in words, naming the law.'),
    },
    { additionalProperties: false },
  ),
  consentValidity: nullable(Duration),
  scope: PurposeScopeSchema,
  dpvPurpose: Curie,
  dpvLegalBasis: Curie,
}

export const Purpose = Type.Object(
  {
    key: PurposeKey,
    ...definition,
    version: Type.Integer({ minimum: 1, description: 'Bumped by every change.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Purpose' },
)
export type PurposeJson = Static<typeof Purpose>

export const PurposeList = Type.Object({ items: Type.Array(Type.Ref('Purpose')) })

export const CreatePurposeBody = Type.Object(
  {
    key: PurposeKey,
    name: definition.name,
    description: definition.description,
    legalBasis: definition.legalBasis,
    art9Basis: Type.Optional(definition.art9Basis),
    channels: definition.channels,
    doubleOptIn: definition.doubleOptIn,
    profiling: definition.profiling,
    directMarketing: definition.directMarketing,
    existingCustomers: Type.Optional({ ...definition.existingCustomers, default: false }),
    retention: definition.retention,
    consentValidity: Type.Optional(definition.consentValidity),
    scope: Type.Optional(
      Type.Partial(PurposeScopeSchema, {
        additionalProperties: false,
        description:
          'What the purpose covers; omitted parts default to: roles [dpo], every subject kind, no record required, every field category, no Art. 18(2) exception.',
      }),
    ),
    dpvPurpose: Type.Optional({
      ...definition.dpvPurpose,
      description: 'Default dpv:DirectMarketing or dpv:Purpose.',
    }),
    dpvLegalBasis: Type.Optional({
      ...definition.dpvLegalBasis,
      description: 'Default: the basis in the DPV GDPR extension.',
    }),
  },
  { additionalProperties: false },
)
export type CreatePurposeBody = Static<typeof CreatePurposeBody>

export const UpdatePurposeBody = Type.Partial(Type.Object(definition), {
  additionalProperties: false,
  minProperties: 1,
  description: 'The properties to change; nested objects are replaced whole.',
})
export type UpdatePurposeBody = Static<typeof UpdatePurposeBody>

export const PurposeParams = Type.Object({ key: PurposeKey }, { additionalProperties: false })
