import { infiniteQueryOptions, queryOptions, skipToken } from '@tanstack/react-query'
import { SUBJECT_KINDS, type SubjectKind } from '../../../../src/privacy/subjects/subject-kinds'
import { api, buildUrl } from '../../app/api'

export { SUBJECT_KINDS, type SubjectKind }

export function isSubjectKind(value: unknown): value is SubjectKind {
  return typeof value === 'string' && (SUBJECT_KINDS as readonly string[]).includes(value)
}

export const SUBJECT_SORTS = ['createdAt', 'updatedAt'] as const
export type SubjectSort = (typeof SUBJECT_SORTS)[number]
export const SORT_ORDERS = ['asc', 'desc'] as const
export type SortOrder = (typeof SORT_ORDERS)[number]

/** Pseudonymous attributes only; identifiers (name, e-mail) will live in the encrypted vault. */
export interface SubjectAttributes {
  country?: string
  region?: string
  ageBand?: string
  [name: string]: unknown
}

/** The identifiers the role may see: a search and a single read carry them, a list only the name and e-mail address. */
export interface SubjectIdentifiers {
  firstName?: string
  lastName?: string
  email?: string
  phone?: string
  [name: string]: string | undefined
}

export interface Subject {
  id: string
  kinds: string[]
  source: string
  identifiers?: SubjectIdentifiers
  attributes: SubjectAttributes
  createdAt: string
  updatedAt: string
}

export interface SubjectPage {
  items: Subject[]
  nextCursor: string | null
  /** Only on the first page. */
  total?: number
  /** Matching subjects the purpose may not use, left out of every page (first page only). */
  excluded?: number
  /** Why: the excluded counted by their first denial rule (first page only). */
  excludedBy?: Record<string, number>
  /** When the counts were taken (remembered for a while on large installations). */
  countedAt?: string
}

/** A value to filter an attribute on (a list: subjects having all of its values). */
export type AttributeFilterValue = string | number | boolean | string[]
/** Attribute filters: attribute key -> the value a subject must have. */
export type AttributeFilters = Record<string, AttributeFilterValue>

export interface SubjectListFilter {
  kind?: SubjectKind
  sort: SubjectSort
  order: SortOrder
  attributes?: AttributeFilters
}

export const SUBJECT_PAGE_SIZE = 50

function fetchSubjects(
  filter: Partial<SubjectListFilter> & { limit: number; cursor?: string | null },
  signal?: AbortSignal,
): Promise<SubjectPage> {
  const { attributes, ...rest } = filter
  const hasAttributes = attributes !== undefined && Object.keys(attributes).length > 0
  return api.get<SubjectPage>(
    '/api/v1/subjects',
    { ...rest, attributes: hasAttributes ? JSON.stringify(attributes) : undefined },
    signal,
  )
}

/**
 * A search by e-mail address or by name. Personal data: sent in a POST body and kept in memory
 * only, never in the URL (where it would end up in the history, bookmarks and server logs).
 */
export type SubjectSearch = { email: string } | { name: string }

/** What the search box asks for: an input with an `@` is an e-mail address, anything else a name. */
export function toSubjectSearch(input: string): SubjectSearch | undefined {
  const value = input.trim()
  if (value === '') return undefined
  return value.includes('@') ? { email: value } : { name: value }
}

export const subjectKeys = {
  all: ['subjects'] as const,
  list: (filter: SubjectListFilter) => ['subjects', 'list', filter] as const,
  search: (search: SubjectSearch | null) => ['subjects', 'search', search] as const,
  total: () => ['subjects', 'total'] as const,
}

/** Up to 50 subjects found by e-mail or name, with the identifiers the role may see; idle without a search. */
export function subjectSearchQueryOptions(search: SubjectSearch | null) {
  return queryOptions({
    queryKey: subjectKeys.search(search),
    queryFn: search
      ? ({ signal }) => api.post<SubjectPage>('/api/v1/subjects/search', search, { signal })
      : skipToken,
    // A search is an explicit action (and an audited read): asked again only when the user does.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 5 * 60_000,
  })
}

/** Cursor-paginated list; the first page carries the total for the current filter. */
export function subjectListQueryOptions(filter: SubjectListFilter) {
  return infiniteQueryOptions({
    queryKey: subjectKeys.list(filter),
    queryFn: ({ pageParam, signal }) =>
      fetchSubjects({ ...filter, limit: SUBJECT_PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
  })
}

/** The number of subjects, without filter. */
export function subjectTotalQueryOptions() {
  return queryOptions({
    queryKey: subjectKeys.total(),
    // An aggregate endpoint: counting reads no subject, so it leaves nothing in anyone's history.
    queryFn: async ({ signal }) =>
      (await api.get<{ total: number }>('/api/v1/subjects/count', {}, signal)).total,
  })
}

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/**
 * The export of the contacts of a kind (all kinds without one), every field the role may see, for
 * a purpose (on a channel; the server's default purpose without one). A plain link: the browser
 * streams the attachment to disk and sends the session cookie itself.
 */
export function subjectExportUrl(
  format: ExportFormat,
  kind?: SubjectKind,
  use: { purpose?: string | undefined; channel?: string | undefined; recipient?: string | undefined } = {},
): string {
  return buildUrl('/api/v1/subjects/export', {
    format,
    kind,
    purpose: use.purpose,
    channel: use.channel,
    // Who receives the file: a recipient of the registry (the transfer is checked), else internal.
    recipient: use.recipient,
  })
}

/** The limits of the server's `reason` for a rectification and a merge (both audited with it). */
export const REASON_MIN = 3
export const REASON_MAX = 500

/** `GET /subjects/export/preview`: what an export would hold, before it is made. */
export interface ExportPreview {
  columns: string[]
  withheld: string[]
  total: number
  excluded: number
  excludedBy: Record<string, number>
}

export function exportPreviewQueryOptions(
  kind: SubjectKind | undefined,
  use: { purpose?: string | undefined; channel?: string | undefined; recipient?: string | undefined },
  enabled: boolean,
) {
  return queryOptions({
    queryKey: [
      'subjects',
      'export-preview',
      kind ?? null,
      use.purpose ?? null,
      use.channel ?? null,
      use.recipient ?? null,
    ],
    queryFn: ({ signal }) =>
      api.get<ExportPreview>(
        '/api/v1/subjects/export/preview',
        { kind, purpose: use.purpose, channel: use.channel, recipient: use.recipient },
        signal,
      ),
    enabled,
    retry: false,
  })
}
