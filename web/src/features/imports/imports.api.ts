import { queryOptions } from '@tanstack/react-query'
import { IMPORT_KINDS, type ImportKind } from '../../../../src/modules/import/import-fields'
import { apiRequest, isProblem } from '../../app/api'

// The server's own closed set (plain data), so the choices can never drift from what it accepts.
export { IMPORT_KINDS, type ImportKind }

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** What the file input accepts: CSV (and the .txt German Excel sometimes writes) and XLSX. */
export const ACCEPTED_FILES = `.csv,.txt,text/csv,.xlsx,${XLSX_CONTENT_TYPE}`

/** One rejected row: where (row as in the file, column header) and why; never the cell's value. */
export interface ImportProblem {
  row: number
  column?: string
  reason: string
}

/** Something the import did without being asked; `default-kind`: everyone got the default kind. */
export interface ImportWarning {
  code: string
  message: string
  kinds?: string[]
}

/** `ImportResult` of the API: the counts of one import and its rejected rows. */
export interface ImportResult {
  id: string
  kind: string
  /** running, done, failed, or interrupted (its process ended before the import did) */
  status: string
  rows: number
  imported: number
  /** Already stored (a re-run, or known people): not written again. */
  skipped: number
  rejected: number
  problems: ImportProblem[]
  problemsTruncated: boolean
  ignoredColumns?: string[]
  /** Only on the result of the import itself, absent when nothing. */
  warnings?: ImportWarning[]
  error?: string
  reportUrl: string
  startedAt?: string
  finishedAt?: string
  actor?: { type: string; id: string }
  source?: string
  purpose?: string
}

/** An import in the list of the latest: no problem list (GET /imports/{id} has it). */
export type ImportSummary = Omit<ImportResult, 'problems' | 'ignoredColumns' | 'warnings'>

/** Where the people's data comes from and what it is for: required for people (Art. 5(2), Art. 7(1)). */
export interface ImportProvenance {
  source: string
  purpose: string
  consentReference?: string
  textVersion?: string
  doiConfirmed?: boolean
  subjectKind?: string
}

/** How to read the file when the detection guesses wrong. */
export interface ImportTableOptions {
  delimiter?: string
  encoding?: string
  sheet?: string
}

export interface ImportRequest {
  kind: ImportKind
  file: File
  provenance?: ImportProvenance
  table?: ImportTableOptions
}

export const isXlsx = (file: File) => /\.xlsx$/i.test(file.name) || file.type === XLSX_CONTENT_TYPE

/**
 * The type the server reads the body as. Browsers name CSV files differently (`text/csv`, `application/
 * vnd.ms-excel` on Windows, nothing at all), so the name decides; the server detects encoding and delimiter.
 */
export const contentTypeOf = (file: File) => (isXlsx(file) ? XLSX_CONTENT_TYPE : 'text/csv')

export const importKeys = {
  latest: () => ['imports', 'latest'] as const,
}

/** Sends the file as the raw request body; the options travel in the query string. */
export function runImport(request: ImportRequest): Promise<ImportResult> {
  const { provenance, table } = request
  return apiRequest<ImportResult>('/api/v1/imports', {
    method: 'POST',
    file: { data: request.file, contentType: contentTypeOf(request.file) },
    query: {
      kind: request.kind,
      ...(provenance
        ? {
            source: provenance.source,
            purpose: provenance.purpose,
            consentReference: provenance.consentReference,
            textVersion: provenance.textVersion,
            doiConfirmed: provenance.doiConfirmed ? 'true' : undefined,
            subjectKind: provenance.subjectKind,
          }
        : {}),
      delimiter: table?.delimiter,
      encoding: table?.encoding,
      sheet: table?.sheet,
    },
  })
}

/** The latest imports, newest first. */
export function latestImportsQueryOptions() {
  return queryOptions({
    queryKey: importKeys.latest(),
    queryFn: ({ signal }) => apiRequest<ImportSummary[]>('/api/v1/imports', { signal }),
    // A missing permission won't change by asking again.
    retry: (failures, error) => failures < 2 && !(isProblem(error) && error.status < 500),
  })
}
