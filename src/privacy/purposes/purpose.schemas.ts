import { type Static, type TSchema, Type } from 'typebox'
import { ART9_BASES, CHANNELS, LEGAL_BASES } from './purpose.ts'

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
