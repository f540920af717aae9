import { infiniteQueryOptions } from '@tanstack/react-query'
import { AUDIT_ACTIONS, AUDIT_ACTOR_TYPES } from '../../../../src/privacy/audit/audit-record'
import { LEGAL_BASES } from '../../../../src/privacy/purposes/purpose'
import { api } from '../../app/api'

/** Who did what with a subject's data, when and why: one audit record. Never values. */
export interface HistoryEntry {
  seq: number
  at: string
  actor: { type: string; id: string; role: string | null }
  action: string
  purpose: string | null
  legalBasis: string | null
  fields: string[]
  reason: string | null
  requestId: string | null
}

export interface HistoryPage {
  items: HistoryEntry[]
  nextCursor: string | null
}

export const HISTORY_PAGE_SIZE = 50

// The server's own closed sets, so labels and colours can never drift from what it records.
export { AUDIT_ACTIONS as HISTORY_ACTIONS, AUDIT_ACTOR_TYPES as HISTORY_ACTOR_TYPES, LEGAL_BASES }

export const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value)

/** Newest first, cursor-paginated. */
export function subjectHistoryQueryOptions(subjectId: string) {
  return infiniteQueryOptions({
    queryKey: ['subjects', 'history', subjectId] as const,
    queryFn: ({ pageParam, signal }) =>
      api.get<HistoryPage>(
        `/api/v1/subjects/${encodeURIComponent(subjectId)}/history`,
        { limit: HISTORY_PAGE_SIZE, cursor: pageParam },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    // A missing subject or a missing permission won't change by asking again.
    retry: (failures, error) =>
      failures < 2 &&
      !(error instanceof Error && 'status' in error && [403, 404].includes(Number(error.status))),
  })
}
