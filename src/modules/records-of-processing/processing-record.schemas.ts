import { type Static, Type } from 'typebox'
import { RECORD_FORMATS, RECORD_LANGUAGES } from './processing-record-document.ts'

export const RecordDocumentQuery = Type.Object(
  {
    lang: Type.Enum(RECORD_LANGUAGES, { default: 'de', description: 'German (default) or English.' }),
    format: Type.Enum(RECORD_FORMATS, {
      default: 'html',
      description: 'HTML (default), PDF, XLSX (one sheet per section) or the canonical JSON with its hash.',
    }),
  },
  { additionalProperties: false },
)

const VersionInfo = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  sha256: Type.String({ description: 'Hex SHA-256 of the canonical JSON of the version’s record.' }),
  adoptedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  adoptedAt: Type.String({ format: 'date-time' }),
})
export type VersionInfoJson = Static<typeof VersionInfo>

const Change = Type.Object({
  section: Type.String({
    description:
      'controller, dpo, purposes, subjectCategories, dataCategories, recipients, erasureLimits or measures.',
  }),
  key: Type.String({
    description: 'The entry (a purpose key, a category, …), or the property of controller/DPO.',
  }),
  change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
  properties: Type.Array(Type.String(), { description: 'The properties that differ, for `changed`.' }),
})

/** The record itself: documented by its sections; sent as generated. */
const RecordJson = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  description:
    'The record of processing activities as data (Art. 30(1)): `controller` and `dpo` (name, address, e-mail), `purposes` (key, names, description, legal basis, Art. 9 basis, channels, profiling, direct marketing, subject kinds, field categories, roles, retention, version), `subjectCategories` (subject kind and the purposes reaching it), `dataCategories` (field category, its fields with identifier and special-category flags, the purposes using it), `recipients` (name, kind, country, in the EEA, transfer safeguard, purposes, field categories), `erasureLimits` (the retention rules: records, period, start event, legal minimum) and `measures` (the technical and organisational measures, de/en). Arrays are sorted by key.',
})

export const RecordView = Type.Object({
  record: RecordJson,
  sha256: Type.String({ description: 'Hex SHA-256 of the canonical JSON of the record as it stands.' }),
  adopted: Type.Union([VersionInfo, Type.Null()], {
    description:
      'The adopted version equal to the record as it stands; null while it differs from every one.',
  }),
  latest: Type.Union([VersionInfo, Type.Null()], { description: 'The newest adopted version.' }),
  changes: Type.Array(Change, {
    description:
      'The changes since the last version: the record against the newest version, or (when it is that version) that version against the one before.',
  }),
  changesSince: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The version the changes count from.',
  }),
  generatedAt: Type.String({ format: 'date-time' }),
})
export type RecordViewJson = Static<typeof RecordView>

export const VersionList = Type.Object({ items: Type.Array(VersionInfo) })
export const AdoptedVersion = Type.Intersect([
  VersionInfo,
  Type.Object({
    created: Type.Boolean({ description: 'False: the record equals the newest version, stored once.' }),
  }),
])
export const VersionWithRecord = Type.Intersect([VersionInfo, Type.Object({ record: RecordJson })])
export const VersionParams = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
