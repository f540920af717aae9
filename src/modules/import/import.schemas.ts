import { type Static, Type } from 'typebox'
import { IMPORT_KINDS } from './import-fields.ts'

export const ImportQuery = Type.Object(
  {
    kind: Type.Enum(IMPORT_KINDS, { description: 'What the rows are.' }),
    source: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Where the data was collected (required for subjects).',
      }),
    ),
    purpose: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]{1,62}$',
        description: 'The purpose it is collected for (required for subjects).',
      }),
    ),
    consentReference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Where the proof of the consents is kept (consent purposes).',
      }),
    ),
    textVersion: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The consent text version the people agreed to.',
      }),
    ),
    doiConfirmed: Type.Optional(
      Type.Boolean({ description: 'The addresses confirmed (double opt-in) as the proof shows.' }),
    ),
    subjectKind: Type.Optional(
      Type.String({
        pattern: '^[a-z_]{2,40}$',
        description: 'Kind of the people when the file has no column for it.',
      }),
    ),
    mapping: Type.Optional(
      Type.String({
        maxLength: 4000,
        description:
          'JSON object field → column header, e.g. {"email":"E-Mail-Adresse"}; other fields are found by their usual headers.',
      }),
    ),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    encoding: Type.Optional(
      Type.String({ maxLength: 40, description: 'CSV without byte-order mark, e.g. windows-1252.' }),
    ),
    sheet: Type.Optional(Type.String({ maxLength: 100, description: 'XLSX: the sheet to read.' })),
    preset: Type.Optional(
      Type.Literal('cdnow', { description: 'The CDNOW purchase data set (kind orders).' }),
    ),
  },
  { additionalProperties: false },
)
export type ImportQuery = Static<typeof ImportQuery>

/** Who ran an import, when, and the provenance it named (a stored run; a fresh report has them too). */
const RUN_FIELDS = {
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  actor: Type.Optional(
    Type.Object(
      { type: Type.String(), id: Type.String() },
      { description: 'Who ran it (user, token or CLI).' },
    ),
  ),
  source: Type.Optional(Type.String({ description: 'Where the people were collected (provenance).' })),
  purpose: Type.Optional(Type.String({ description: 'The purpose they were collected for.' })),
}

export const ImportResult = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    status: Type.String({
      description:
        'running, done, failed, or interrupted (its process ended mid-way: run the same file again to complete it)',
    }),
    rows: Type.Integer(),
    imported: Type.Integer(),
    skipped: Type.Integer({ description: 'Already stored (a re-run, or known people): not written again.' }),
    rejected: Type.Integer(),
    problems: Type.Array(
      Type.Object({
        row: Type.Integer({ description: 'CSV line or Excel row the record starts on.' }),
        column: Type.Optional(Type.String()),
        reason: Type.String(),
      }),
      { description: 'Rejected rows (up to 10,000; the counts go on). Never a cell value.' },
    ),
    problemsTruncated: Type.Boolean(),
    ignoredColumns: Type.Optional(Type.Array(Type.String())),
    warnings: Type.Optional(
      Type.Array(
        Type.Object({
          code: Type.Union([Type.Literal('default-kind')], {
            description:
              'default-kind: the file had no column for the kind of contact and no subjectKind was given, so every person got the default kind (`kinds`).',
          }),
          message: Type.String({ description: 'The same in English words.' }),
          kinds: Type.Optional(Type.Array(Type.String(), { description: 'default-kind: the kinds given.' })),
        }),
        {
          description:
            'What the import did without being asked (the rows were imported): absent when nothing; only on the result of the import itself.',
        },
      ),
    ),
    error: Type.Optional(Type.String()),
    reportUrl: Type.String(),
    ...RUN_FIELDS,
  },
  { $id: 'ImportResult' },
)
export type ImportResult = Static<typeof ImportResult>

/** An import in the list of the latest: the counts and who ran it when, without the problems. */
export const ImportSummary = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    status: Type.String({
      description:
        'running, done, failed, or interrupted (its process ended mid-way: run the same file again to complete it)',
    }),
    rows: Type.Integer(),
    imported: Type.Integer(),
    skipped: Type.Integer(),
    rejected: Type.Integer(),
    problemsTruncated: Type.Boolean(),
    error: Type.Optional(Type.String()),
    reportUrl: Type.String(),
    ...RUN_FIELDS,
  },
  { $id: 'ImportSummary' },
)
export type ImportSummary = Static<typeof ImportSummary>

export const ImportParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
