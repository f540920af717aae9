import { type Static, Type } from 'typebox'
import { Page, pageQuery } from '../../platform/pagination.ts'
import { ConsentBody } from '../../privacy/permissions/permission.schemas.ts'
import { CHANNELS } from '../../privacy/purposes/purpose.ts'
import { SUBJECT_KINDS, SUBJECT_SORT_FIELDS } from '../../privacy/subjects/subject-kinds.ts'

export { SUBJECT_KINDS }

export const SubjectKind = Type.Enum(SUBJECT_KINDS, { description: 'What the person is to the company.' })

const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const
const GENDERS = ['female', 'male', 'diverse'] as const
/** Where a subject created through the API came from (`demo` is Tresor's own). */
const SOURCES = ['touchpoint', 'import', 'manual'] as const

const text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description })

/** Direct identifiers: stored only encrypted under the subject's own key (the vault). */
export const Identifiers = Type.Object(
  {
    firstName: Type.Optional(text(200, 'Given name.')),
    lastName: Type.Optional(text(200, 'Family name.')),
    birthDate: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD.' })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    phone: Type.Optional(text(40, 'Any common format; stored and matched in E.164.')),
    street: Type.Optional(text(200, 'Street and house number.')),
    postalCode: Type.Optional(text(20, 'Postcode.')),
    city: Type.Optional(text(200, 'City.')),
    countryCode: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' })),
    iban: Type.Optional(
      Type.String({ pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$', description: 'IBAN, no spaces.' }),
    ),
    accountHolder: Type.Optional(text(200, 'Bank account holder.')),
    notes: Type.Optional(text(10_000, 'Free-text notes by staff.')),
  },
  { additionalProperties: false, description: 'Only the fields your role may see are returned.' },
)

/** A value of a catalog attribute (its type and options are checked by the gate). */
const AttributeValue = Type.Union([
  Type.String({ maxLength: 1_000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 60 }), { maxItems: 50 }),
])

/** Pseudonymous attributes for segmentation: in the clear, linked only by the subject id. */
export const Attributes = Type.Object(
  {
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    region: Type.Optional(
      Type.String({ maxLength: 20, description: 'Country plus postcode prefix, e.g. DE-10.' }),
    ),
    ageBand: Type.Optional(Type.Enum(AGE_BANDS)),
    gender: Type.Optional(Type.Enum(GENDERS)),
  },
  {
    additionalProperties: AttributeValue,
    description:
      'Pseudonymous attributes; besides the built-in ones any attribute of the field catalog (GET /api/v1/fields), checked against its type and options.',
  },
)

export const Subject = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kinds: Type.Array(Type.String()),
    source: Type.String({ description: 'touchpoint, import, manual or demo' }),
    identifiers: Identifiers,
    attributes: Attributes,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Subject' },
)
export type Subject = Static<typeof Subject>

const purposeParam = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,62}$',
  description: 'The purpose of this use (a key of the purpose registry); default contact_management.',
})

/** The channel a list or export is for: what the purpose may do depends on it (consent, objections). */
export const channelParam = Type.Enum(CHANNELS, {
  description:
    'The channel of the purpose the subjects are used on (email, sms, phone, post, web, or none: without contacting anyone); only subjects the purpose may use on it. Must be one of the purpose’s channels; needed when the purpose has several and `none` is not one of them (e.g. b2b_prospecting: phone or post); default `none` or the purpose’s only channel.',
})

export const NewSubjectInput = Type.Object(
  {
    kinds: Type.Array(SubjectKind, { minItems: 1, uniqueItems: true }),
    identifiers: Identifiers,
    attributes: Type.Optional(Attributes),
    source: Type.Optional(Type.Enum(SOURCES, { description: 'Default manual.' })),
    purpose: Type.Optional(purposeParam),
    consents: Type.Optional(
      Type.Array(ConsentBody, {
        maxItems: 20,
        description:
          'Consents the person gave with this data (a signed form, a letter), each with its proof: recorded in the same transaction (needs permissions:write). A special-category attribute (Art. 9) is stored only with the explicit consent to a purpose it serves, given here or before.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type NewSubjectInput = Static<typeof NewSubjectInput>

const orNull = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** Art. 16 rectification: the fields to change (null removes one), and why. */
export const SubjectPatch = Type.Object(
  {
    identifiers: Type.Optional(
      Type.Object(
        Object.fromEntries(
          Object.entries(Identifiers.properties).map(([k, v]) => [k, Type.Optional(orNull(Type.Unsafe(v)))]),
        ),
        { additionalProperties: false },
      ),
    ),
    attributes: Type.Optional(
      Type.Object(
        Object.fromEntries(
          Object.entries(Attributes.properties).map(([k, v]) => [k, Type.Optional(orNull(Type.Unsafe(v)))]),
        ),
        { additionalProperties: Type.Union([AttributeValue, Type.Null()]) },
      ),
    ),
    kinds: Type.Optional(Type.Array(SubjectKind, { minItems: 1, uniqueItems: true })),
    reason: Type.String({
      minLength: 3,
      maxLength: 500,
      description: 'Why the data is corrected (kept in the audit trail; no personal data).',
    }),
    purpose: Type.Optional(purposeParam),
  },
  { additionalProperties: false, minProperties: 2 },
)
export type SubjectPatch = Static<typeof SubjectPatch>

export const SubjectListQuery = Type.Object(
  {
    ...pageQuery(SUBJECT_SORT_FIELDS, 'createdAt'),
    kind: Type.Optional(SubjectKind),
    attributes: Type.Optional(
      Type.String({
        maxLength: 2_000,
        description:
          'Filter on attributes as a JSON object, e.g. {"region":"DE-10","interests":["travel"]}: subjects having these values (a list: all of them). Only attributes your role may see.',
      }),
    ),
    purpose: Type.Optional(purposeParam),
    channel: Type.Optional(channelParam),
  },
  { additionalProperties: false },
)
export type SubjectListQuery = Static<typeof SubjectListQuery>

export const SubjectParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
export const SubjectReadQuery = Type.Object(
  { purpose: Type.Optional(purposeParam) },
  { additionalProperties: false },
)

/** Reading one subject: for a purpose, and for a purpose with several channels the one it is read for. */
export const SubjectGetQuery = Type.Object(
  { purpose: Type.Optional(purposeParam), channel: Type.Optional(channelParam) },
  { additionalProperties: false },
)

export const SubjectPage = Page(Type.Ref('Subject'))

/** A page of the list: the total counts only the subjects the purpose may use on the channel. */
export const SubjectListPage = Type.Object({
  ...SubjectPage.properties,
  items: Type.Array(Type.Ref('Subject'), {
    description:
      'The subjects of the page with the pseudonymous attributes and, among the identifiers, only `firstName`, `lastName` and `email` — each only where your role (its field categories) and the purpose’s scope allow it; otherwise the field is simply absent (a role without identity and contact data, such as product, sees the pseudonymous view). The identifiers of the whole page are decrypted in one gated read, recorded once in the audit trail as one read naming the fields and the subjects of the page.',
  }),
  total: Type.Optional(
    Type.Integer({
      description:
        'Subjects matching the filter that the purpose may use (on the channel), over all pages. Only on the first page (no `cursor`): counting is the costly part of a list call, and the total does not change meaningfully while one pages on.',
    }),
  ),
  excluded: Type.Optional(
    Type.Integer({
      description:
        'Subjects matching the filter that the purpose may not use on the channel (an objection, no consent, a restriction, outside the purpose’s scope, ...): left out of every page. Only beside `total`.',
    }),
  ),
  excludedBy: Type.Optional(
    Type.Record(Type.String(), Type.Integer(), {
      description:
        'Why they were left out: the excluded subjects counted by the first denial rule that holds for each (`objected`, `no-consent`, `consent-withdrawn`, `restricted`, `subject-kind-not-covered`, … — the rules of the permission state). Only beside `total`.',
    }),
  ),
  countedAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'When `total`, `excluded` and `excludedBy` were counted. Where counting takes longer than 100 ms (large installations), the counts are remembered for 30 seconds or 60 times what the count took, whichever is longer (a million subjects: a few minutes), and then recounted in the background while the last figure is served (at most 10 minutes old), so a first page stays fast; smaller installations count on every first page. Only beside `total`.',
    }),
  ),
})
