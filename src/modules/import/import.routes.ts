import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { invalidField } from '../../platform/problem.ts'
import { contextOf } from '../../server/request-context.ts'
import { ImportParams, ImportQuery, type ImportResult } from './import.schemas.ts'
import { type ImportService, problemsCsv, toImportResult, toImportSummary } from './import.service.ts'

/** Files are sent as the raw request body; these are the types a browser or curl sends for them. */
const FILE_TYPES = [
  'text/csv',
  'text/plain',
  'application/octet-stream',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
]
const MAX_FILE_BYTES = 200 * 1024 * 1024

function parseMapping(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalidField('query', 'mapping', 'is not a JSON object')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidField('query', 'mapping', 'is not a JSON object')
  const entries = Object.entries(value)
  if (entries.some(([, v]) => typeof v !== 'string'))
    throw invalidField('query', 'mapping', 'maps fields to column names (strings)')
  return Object.fromEntries(entries) as Record<string, string>
}

export const importRoutes =
  (imports: ImportService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addContentTypeParser(
      FILE_TYPES,
      { parseAs: 'buffer', bodyLimit: MAX_FILE_BYTES },
      (_request, body, done) => done(null, body),
    )

    app.post(
      '/imports',
      {
        config: { access: 'subjects:import' },
        bodyLimit: MAX_FILE_BYTES,
        schema: {
          tags: ['import'],
          summary: 'Import a CSV or XLSX file of subjects, touchpoints or orders',
          description:
            'The file is the request body (`text/csv` or the XLSX type). Encoding and delimiter are detected (German Excel writes Windows-1252 and `;`). Each row is checked on its own; good rows are stored in batches (a row whole or not at all), bad rows are reported with row number, column and reason, and the report can be downloaded as CSV. Re-running a file stores nothing twice. Subjects need their provenance: `source`, `purpose`, and for a consent purpose `consentReference` and `textVersion`.',
          querystring: ImportQuery,
          response: { 200: Type.Ref('ImportResult') },
        },
      },
      async (request) => {
        const body = request.body
        if (!Buffer.isBuffer(body) || body.length === 0)
          throw invalidField('body', 'file', 'send the file as the request body')
        const q = request.query
        const report = await imports.run(
          contextOf(request),
          { bytes: body },
          {
            kind: q.kind,
            mapping: parseMapping(q.mapping),
            provenance:
              q.source || q.purpose
                ? {
                    source: q.source ?? '',
                    purpose: q.purpose ?? '',
                    consentReference: q.consentReference,
                    textVersion: q.textVersion,
                    doiConfirmed: q.doiConfirmed,
                  }
                : undefined,
            subjectKinds: q.subjectKind ? [q.subjectKind] : undefined,
            table: {
              ...(q.delimiter ? { delimiter: q.delimiter } : {}),
              ...(q.encoding ? { encoding: q.encoding } : {}),
              ...(q.sheet ? { sheet: q.sheet } : {}),
            },
            preset: q.preset,
          },
        )
        return toImportResult(report)
      },
    )

    app.get(
      '/imports',
      {
        config: { access: 'subjects:import' },
        schema: {
          tags: ['import'],
          summary: 'The latest imports, newest first',
          description:
            'Counts, who ran each and when, and its provenance; the problems are in GET /imports/{id}.',
          response: { 200: Type.Array(Type.Ref('ImportSummary')) },
        },
      },
      async () => (await imports.list()).map(toImportSummary),
    )

    app.get(
      '/imports/:id',
      {
        config: { access: 'subjects:import' },
        schema: {
          tags: ['import'],
          summary: 'One import with its counts and rejected rows',
          params: ImportParams,
          response: { 200: Type.Ref('ImportResult') },
        },
      },
      async (request): Promise<ImportResult> => toImportResult(await imports.get(request.params.id)),
    )

    app.get(
      '/imports/:id/report',
      {
        config: { access: 'subjects:import' },
        schema: {
          tags: ['import'],
          summary: 'The rejected rows of an import as CSV (row, column, reason), to fix the file',
          params: ImportParams,
          produces: ['text/csv'],
        },
      },
      async (request, reply) => {
        const batch = await imports.get(request.params.id)
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="import-${batch.id}-report.csv"`)
        return problemsCsv(batch)
      },
    )
  }
