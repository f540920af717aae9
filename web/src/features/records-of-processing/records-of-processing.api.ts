import { queryOptions } from '@tanstack/react-query'
import { api } from '../../app/api'

/** One change since the last version (GET /api/v1/records-of-processing). */
export interface RecordChange {
  section:
    | 'controller'
    | 'dpo'
    | 'purposes'
    | 'subjectCategories'
    | 'dataCategories'
    | 'recipients'
    | 'erasureLimits'
    | 'measures'
  key: string
  change: 'added' | 'removed' | 'changed'
  properties: string[]
}

export interface RecordVersion {
  version: number
  sha256: string
  adoptedBy: { type: string; id: string }
  adoptedAt: string
}

/** The record of processing activities as the API returns it (the record's sections counted here). */
export interface RecordView {
  record: {
    purposes: { key: string; name: { de: string; en: string }; legalBasis: string }[]
    subjectCategories: { key: string }[]
    dataCategories: { key: string }[]
    recipients: { key: string; name: string; country: string; inEea: boolean; safeguard: string | null }[]
    erasureLimits: { key: string }[]
    measures: { key: string }[]
  }
  sha256: string
  adopted: RecordVersion | null
  latest: RecordVersion | null
  changes: RecordChange[]
  changesSince: number | null
  generatedAt: string
}

export const recordKeys = {
  view: () => ['records-of-processing'] as const,
  versions: () => ['records-of-processing', 'versions'] as const,
}

export function recordViewQueryOptions() {
  return queryOptions({
    queryKey: recordKeys.view(),
    queryFn: ({ signal }) => api.get<RecordView>('/api/v1/records-of-processing', {}, signal),
  })
}

export function recordVersionsQueryOptions() {
  return queryOptions({
    queryKey: recordKeys.versions(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RecordVersion[] }>('/api/v1/records-of-processing/versions', {}, signal)).items,
  })
}

/** POST /api/v1/records-of-processing/versions: adopts the record as it stands (audited). */
export function adoptRecord(): Promise<RecordVersion & { created: boolean }> {
  return api.post('/api/v1/records-of-processing/versions')
}

export const RECORD_FORMATS = ['pdf', 'xlsx', 'html'] as const
export type RecordFormat = (typeof RECORD_FORMATS)[number]

/** Where a document of the record is downloaded (same origin; the session cookie goes along). */
export const recordDocumentUrl = (lang: 'de' | 'en', format: RecordFormat) =>
  `/api/v1/records-of-processing/document?lang=${lang}&format=${format}`
