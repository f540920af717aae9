import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'
import { PurposeKey } from '../../privacy/purposes/purpose.schemas.ts'
import { FORM_FIELDS, FORM_TYPES } from './form-types.ts'

const texts = (maxLength: number, description?: string) =>
  Type.Object(
    {
      de: Type.String({ minLength: 1, maxLength }),
      en: Type.String({ minLength: 1, maxLength }),
    },
    { additionalProperties: false, ...(description ? { description } : {}) },
  )
const timestamp = Type.String({ format: 'date-time' })

export const FormKey = Type.String({
  pattern: '^[a-z][a-z0-9_-]{1,62}$',
  description: 'Stable identifier, used in the public URL /p/forms/{key}.',
})

const FormFieldEntry = Type.Object(
  {
    field: Type.Enum(FORM_FIELDS, { description: 'An identifier of the field catalog.' }),
    required: Type.Boolean(),
  },
  { additionalProperties: false },
)

const OfferedPurposeInput = Type.Object(
  {
    purposeKey: PurposeKey,
    textVersion: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The consent text version shown; default the newest.' }),
    ),
  },
  { additionalProperties: false },
)

export const FormNotice = Type.Object(
  {
    controller: texts(
      2000,
      'Art. 13(1)(a)-(b): the controller and the data protection officer, with contact details.',
    ),
    recipients: texts(
      2000,
      'Art. 13(1)(e)-(f): recipients or their categories, and transfers outside the EEA.',
    ),
  },
  {
    additionalProperties: false,
    description:
      'The parts of the Art. 13 notice that are not in the purpose registry; purposes, legal bases and retention come from the registry, rights and the right to object are added.',
  },
)
export type FormNotice = Static<typeof FormNotice>

const Fields = Type.Array(FormFieldEntry, { minItems: 1, maxItems: 20 })
const Purposes = Type.Array(OfferedPurposeInput, {
  maxItems: 10,
  description: 'Consent purposes offered, each as its own unticked checkbox.',
})

export const NewForm = Type.Object(
  {
    key: FormKey,
    type: Type.Enum(FORM_TYPES, {
      description: 'The touchpoint; decides which fields the form may ask for.',
    }),
    title: texts(200),
    fields: Fields,
    purposes: Purposes,
    notice: FormNotice,
    active: Type.Optional(
      Type.Boolean({ description: 'Default true; an inactive form takes no submissions.' }),
    ),
  },
  { additionalProperties: false },
)
export type NewForm = Static<typeof NewForm>

export const FormPatch = Type.Object(
  {
    title: Type.Optional(texts(200)),
    fields: Type.Optional(Fields),
    purposes: Type.Optional(Purposes),
    notice: Type.Optional(FormNotice),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type FormPatch = Static<typeof FormPatch>

export const FormParams = Type.Object(
  { key: Type.String({ maxLength: 63 }) },
  { additionalProperties: false },
)

export const FormJson = Type.Object({
  key: Type.String(),
  type: Type.Enum(FORM_TYPES),
  title: texts(200),
  fields: Type.Array(FormFieldEntry),
  purposes: Type.Array(Type.Object({ purposeKey: Type.String(), textVersion: Type.Integer() })),
  notice: FormNotice,
  active: Type.Boolean(),
  builtin: Type.Boolean(),
  version: Type.Integer(),
  publicUrl: Type.String({ description: 'Where the form page is served.' }),
  createdAt: timestamp,
  updatedAt: timestamp,
})

export const FormTypeJson = Type.Object({
  key: Type.Enum(FORM_TYPES),
  label: texts(200),
  purpose: nullable(Type.String({ description: 'The purpose the form’s own processing rests on.' })),
  fields: Type.Array(
    Type.Object({
      field: Type.Enum(FORM_FIELDS),
      required: Type.Boolean({ description: 'Every form of the type must ask for it.' }),
      why: Type.String({ description: 'Why the field is needed (Art. 5(1)(c)).' }),
    }),
  ),
})

export const ConsentTextJson = Type.Object({
  purposeKey: Type.String(),
  version: Type.Integer(),
  textVersion: Type.String({ description: 'What consent proofs name: `v<version>`.' }),
  text: texts(2000),
  createdAt: timestamp,
})

export const NewConsentText = Type.Object(
  { purposeKey: PurposeKey, text: texts(2000, 'The checkbox wording, German and English.') },
  { additionalProperties: false },
)
export type NewConsentText = Static<typeof NewConsentText>

export const ConsentTextQuery = Type.Object(
  { purpose: Type.Optional(PurposeKey) },
  { additionalProperties: false },
)

/** What a website's form sends (the same names as the HTML form's inputs). */
export const SubmissionBody = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The form’s fields by name (`email`, `firstName`, …), `consent`: the purpose keys ticked (an array), optional `lang` (`de`/`en`). Any other name is refused.',
})

export const SubmissionResult = Type.Object({
  status: Type.Literal('received'),
  confirmation: Type.Enum(['email', 'none'], {
    description:
      '`email`: a ticked consent needs confirming through the link mailed to the address (the same answer whether or not a mail went out now).',
  }),
})

export const PublicFormQuery = Type.Object(
  { lang: Type.Optional(Type.Enum(['de', 'en'])) },
  { additionalProperties: false },
)

export const PublicFormJson = Type.Object({
  key: Type.String(),
  lang: Type.Enum(['de', 'en']),
  title: Type.String(),
  fields: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      input: Type.String(),
      required: Type.Boolean(),
      maxLength: Type.Integer(),
    }),
  ),
  consents: Type.Array(
    Type.Object({
      purposeKey: Type.String(),
      textVersion: Type.String(),
      text: Type.String({ description: 'Show it next to an unticked checkbox named `consent`.' }),
      doubleOptIn: Type.Boolean(),
    }),
  ),
  honeypot: Type.String({ description: 'The name of a field to render hidden and leave empty.' }),
  notice: Type.Array(Type.Object({ heading: Type.String(), paragraphs: Type.Array(Type.String()) }), {
    description: 'The Art. 13 information, to show with the form.',
  }),
})
