import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { SUBJECT_KINDS, type SubjectKind } from '../../../../src/modules/subjects/subject-kinds'
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

export interface Subject {
  id: string
  kinds: string[]
  source: string
  attributes: SubjectAttributes
  createdAt: string
  updatedAt: string
}

export interface SubjectPage {
  items: Subject[]
  nextCursor: string | null
  /** Only on the first page. */
  total?: number
}

export interface SubjectListFilter {
  kind?: SubjectKind
  sort: SubjectSort
  order: SortOrder
}

export const SUBJECT_PAGE_SIZE = 50

function fetchSubjects(
  filter: Partial<SubjectListFilter> & { limit: number; cursor?: string | null },
  signal?: AbortSignal,
): Promise<SubjectPage> {
  return api.get<SubjectPage>('/api/v1/subjects', { ...filter }, signal)
}

export const subjectKeys = {
  all: ['subjects'] as const,
  list: (filter: SubjectListFilter) => ['subjects', 'list', filter] as const,
  total: () => ['subjects', 'total'] as const,
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
 * The export of the contacts of a kind (all kinds without one), every field the role may see. A plain
 * link: the browser streams the attachment to disk and sends the session cookie itself.
 */
export function subjectExportUrl(format: ExportFormat, kind?: SubjectKind): string {
  return buildUrl('/api/v1/subjects/export', { format, kind })
}
