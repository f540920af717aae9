import { infiniteQueryOptions, type QueryClient, queryOptions } from '@tanstack/react-query'
import { DETAILS_MAX_LENGTH, REQUEST_KIND_INFO } from '../../../../src/modules/requests/request-kinds'
import {
  DSR_CHANNELS,
  DSR_KINDS,
  DSR_OPEN_STATUSES,
  DSR_STATUSES,
  type DsrChannel,
  type DsrKind,
  REFUSAL_GROUNDS,
  VERIFICATION_METHODS,
} from '../../../../src/privacy/requests/dsr'
import { api, isProblem } from '../../app/api'

export type { DsrChannel, DsrKind }
// The server's closed vocabularies and the words of each kind (plain-data modules), so the labels
// can never drift from what it sends.
export {
  DETAILS_MAX_LENGTH,
  DSR_CHANNELS,
  DSR_KINDS,
  DSR_OPEN_STATUSES,
  DSR_STATUSES,
  REFUSAL_GROUNDS,
  REQUEST_KIND_INFO,
  VERIFICATION_METHODS,
}

/**
 * How staff record what reached them, in the order the form offers them (request.schemas.ts'
 * STAFF_CHANNELS, which the UI can't import: it pulls in TypeBox). The person files in the portal.
 */
export const STAFF_CHANNELS = ['letter', 'phone', 'email', 'in-person'] as const satisfies readonly Exclude<
  DsrChannel,
  'portal'
>[]
export type StaffChannel = (typeof STAFF_CHANNELS)[number]

/** The longest reference to the original (the scanned letter, the call note) the server takes. */
export const REFERENCE_MAX = 200

/** One data subject request as `GET /requests` and `GET /subjects/{id}/requests` send it. */
export interface DataSubjectRequest {
  id: string
  subjectId: string
  kind: string
  channel: string
  status: string
  receivedAt: string
  dueAt: string
  /** Still open after its due date (the server's clock). */
  overdue: boolean
  hasDetails: boolean
  /**
   * What the person wrote: only on the subject's list; null once the subject was erased (the key
   * that sealed it is destroyed).
   */
  details?: string | null
  reference: string | null
  recordedBy: { type: string; id: string }
  recordedAt: string
  /** The workflow (Art. 12; issue #15). */
  assigneeId: string | null
  verification: { at: string; method: string; note: string | null } | null
  startedAt: string | null
  extension: { at: string; reason: string; firstDueAt: string } | null
  closedAt: string | null
  refusal: { ground: string; reason: string } | null
  answerNote: string | null
  /** The answer Tresor generated for the kind (docs/adr/0021); null otherwise. */
  answer?: unknown
}

/** Whether a request is still open (not answered or refused). */
export const isOpen = (status: string): boolean => (DSR_OPEN_STATUSES as readonly string[]).includes(status)

/** The kinds Tresor answers with the generated access report. */
export const REPORT_KINDS: readonly string[] = ['access', 'copy']

/** One step of the workflow, as POST /requests/{id}/steps takes it. */
export type RequestStep =
  | { step: 'verify'; method: string; note?: string }
  | { step: 'start' }
  | {
      step: 'answer'
      lang?: 'de' | 'en'
      withheldNotes?: 'all'
      note?: string
      rectification?: { identifiers?: Record<string, string | null>; reason: string }
      erasure?: Record<string, never>
      restriction?: { ground: string }
      objection?: { purposeKey: string; decision: 'upheld' | 'rejected'; reasons?: string }
      humanReview?: { outcome: 'confirmed' | 'changed'; decision?: string; reasons: string }
    }
  | { step: 'refuse'; ground: string; reason: string }
  | { step: 'extend'; months: 1 | 2; reason: string }
  | { step: 'assign'; assigneeId: string | null }

export function takeStep(id: string, step: RequestStep): Promise<DataSubjectRequest> {
  return api.post<DataSubjectRequest>(`/api/v1/requests/${encodeURIComponent(id)}/steps`, step)
}

/** The access report as JSON (a preview until answered, then the one given), for the preview. */
export interface AccessReportPreview {
  lang: 'de' | 'en'
  generatedAt: string
  subject: {
    identifiers: Record<string, string>
    attributes: Record<string, unknown>
    withheld: { field: string }[]
  }
  sections: {
    table: string
    title: { de: string; en: string }
    rows: unknown[]
    providedByYou: boolean
    truncated: boolean
    withheld?: { count: number; reason: string }
  }[]
  recipients: { statement: { de: string; en: string } }
  profiling: { statement: { de: string; en: string } }
}

export function reportQueryOptions(id: string, lang: 'de' | 'en', withholdNotes: boolean, enabled: boolean) {
  return queryOptions({
    queryKey: ['requests', 'report', id, lang, withholdNotes] as const,
    queryFn: ({ signal }) =>
      api.get<AccessReportPreview>(
        `/api/v1/requests/${encodeURIComponent(id)}/report`,
        { format: 'json', lang, ...(withholdNotes ? { withheldNotes: 'all' } : {}) },
        signal,
      ),
    enabled,
    retry: noRetryOnRefusal,
    staleTime: 0,
  })
}

/** Where the report opens as HTML or PDF (GET with the session cookie: no CSRF token needed). */
export function reportUrl(
  id: string,
  format: 'html' | 'pdf' | 'zip',
  lang: 'de' | 'en',
  withholdNotes: boolean,
): string {
  const query = new URLSearchParams({ format, lang, ...(withholdNotes ? { withheldNotes: 'all' } : {}) })
  return `/api/v1/requests/${encodeURIComponent(id)}/report?${query.toString()}`
}

/** An open request in the inbox: with the person's name and e-mail where the role may see them. */
export interface OpenRequest extends DataSubjectRequest {
  contact?: { firstName?: string; lastName?: string; email?: string }
}

export interface OpenRequestPage {
  items: OpenRequest[]
  nextCursor: string | null
  /** Every open request, on the first page. */
  total?: number
}

/** GET /api/v1/request-kinds: the deadline every request gets (ISO 8601 duration). */
export interface RequestKinds {
  deadline: string
  law: string
  channels: string[]
  kinds: { kind: string; article: string; detailsRequired: boolean }[]
}

/** POST /api/v1/subjects/{id}/requests. */
export interface NewRequest {
  kind: DsrKind
  channel: StaffChannel
  receivedAt?: string
  details?: string
  reference?: string
}

export const OPEN_REQUESTS_PAGE_SIZE = 50

export const requestKeys = {
  all: () => ['requests'] as const,
  open: () => ['requests', 'open'] as const,
  ofSubject: (subjectId: string) => ['requests', 'subject', subjectId] as const,
  kinds: () => ['request-kinds'] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

/** Everyone's open requests, the one due first on top, cursor-paginated; the look is audited. */
export function openRequestsQueryOptions() {
  return infiniteQueryOptions({
    queryKey: requestKeys.open(),
    queryFn: ({ pageParam, signal }) =>
      api.get<OpenRequestPage>(
        '/api/v1/requests',
        { limit: OPEN_REQUESTS_PAGE_SIZE, cursor: pageParam },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    retry: noRetryOnRefusal,
  })
}

/** A subject's requests with what the person wrote, the latest received first; audited as a read. */
export function subjectRequestsQueryOptions(subjectId: string, enabled = true) {
  return queryOptions({
    queryKey: requestKeys.ofSubject(subjectId),
    queryFn: ({ signal }) =>
      api.get<DataSubjectRequest[]>(`/api/v1/subjects/${encodeURIComponent(subjectId)}/requests`, {}, signal),
    enabled,
    retry: noRetryOnRefusal,
  })
}

/** The kinds and the configured deadline: configuration, so it is kept for a while. */
export function requestKindsQueryOptions() {
  return queryOptions({
    queryKey: requestKeys.kinds(),
    queryFn: ({ signal }) => api.get<RequestKinds>('/api/v1/request-kinds', {}, signal),
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

export function recordRequest(subjectId: string, request: NewRequest): Promise<DataSubjectRequest> {
  return api.post<DataSubjectRequest>(`/api/v1/subjects/${encodeURIComponent(subjectId)}/requests`, request)
}

/** After recording: the subject's list, everyone's open requests and the subject's history changed. */
export async function invalidateAfterRequest(queryClient: QueryClient, subjectId: string): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: requestKeys.all() }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'history', subjectId] }),
  ])
}

const DAY_MS = 86_400_000
/** Due within this many days: shown as urgent. */
export const DUE_SOON_DAYS = 7

export type DueUrgency = 'overdue' | 'soon' | 'later' | 'closed'

/**
 * How pressing a request is: past its due date (red), due within a week (orange), or later. The
 * server's `overdue` is what it saw when it answered; the clock here decides the rest.
 */
export function dueUrgency(
  request: Pick<DataSubjectRequest, 'status' | 'dueAt' | 'overdue'>,
  now = Date.now(),
): { urgency: DueUrgency; days: number } {
  const due = new Date(request.dueAt).getTime()
  const left = due - now
  // Whole days left, rounded up: due in 30 hours is "in 2 days"; overdue by 30 hours is "1 day".
  const days = left >= 0 ? Math.ceil(left / DAY_MS) : Math.floor(-left / DAY_MS)
  if (!isOpen(request.status)) return { urgency: 'closed', days }
  if (request.overdue || left < 0) return { urgency: 'overdue', days }
  if (left <= DUE_SOON_DAYS * DAY_MS) return { urgency: 'soon', days }
  return { urgency: 'later', days }
}

/** The deadline `P1M` / `P30D` / `P4W` parsed for translation; null for anything else. */
export function parseDeadline(deadline: string): { unit: 'months' | 'weeks' | 'days'; count: number } | null {
  const match = /^P(\d+)([MWD])$/.exec(deadline)
  if (!match) return null
  const unit = match[2] === 'M' ? 'months' : match[2] === 'W' ? 'weeks' : 'days'
  return { unit, count: Number(match[1]) }
}
