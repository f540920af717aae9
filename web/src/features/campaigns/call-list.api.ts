import { infiniteQueryOptions, type QueryClient } from '@tanstack/react-query'
import { api, isProblem } from '../../app/api'
import type { ContentLanguage } from './api'

/**
 * A phone campaign's call list for agents (issue #17; src/modules/campaigns/channel-routes.ts),
 * with `campaigns:call`: `GET /campaigns/{id}/call-list` reads names and numbers through the gate
 * under the phone channel's purpose, re-checked at every read; `POST /campaigns/{id}/calls` records
 * a call as a use of the § 7a UWG consent, and an objection or withdrawal said on the call at once.
 */

/** What a call came to, in the order the agent is offered them (the server's CALL_OUTCOMES). */
export const CALL_OUTCOMES = [
  'reached',
  'no-answer',
  'callback',
  'wrong-number',
  'objected',
  'withdrawn',
] as const
export type CallOutcome = (typeof CALL_OUTCOMES)[number]

/** Outcomes that take the person off the list for good (the server's delivery becomes final). */
export const FINAL_OUTCOMES: readonly CallOutcome[] = ['reached', 'wrong-number', 'objected', 'withdrawn']
/** Outcomes that change the person's permissions at once (an objection, a withdrawn consent). */
export const PERMISSION_OUTCOMES: readonly CallOutcome[] = ['objected', 'withdrawn']

export interface CallListItem {
  subjectId: string
  firstName: string | null
  lastName: string | null
  /** E.164. */
  phone: string | null
  calls: number
  lastOutcome: CallOutcome | null
  lastCalledAt: string | null
}

export interface CallScript {
  lang: ContentLanguage
  title: string
  text: string
}

export interface CallListPage {
  campaignId: string
  campaignName: string
  purposeKey: string
  items: CallListItem[]
  /** People of this page dropped because the purpose no longer allows calling them, by rule. */
  droppedBy: Record<string, number>
  nextCursor: string | null
  scripts: CallScript[]
}

/** A recorded call (`POST /campaigns/{id}/calls` → 201). */
export interface RecordedCall {
  id: string
  subjectId: string
  outcome: CallOutcome
  deliveryStatus: string
  permissionChange: 'objection' | 'withdrawal' | null
  /** § 7a UWG: until when the proof of the consent must now be kept (five years from this use). */
  consentProofKeptUntil: string | null
}

export const CALL_LIST_PAGE_SIZE = 100

const path = (id: string, rest: string) => `/api/v1/campaigns/${encodeURIComponent(id)}${rest}`

export const callListKey = (campaignId: string) => ['campaigns', 'call-list', campaignId] as const

export function callListQueryOptions(campaignId: string) {
  return infiniteQueryOptions({
    queryKey: callListKey(campaignId),
    queryFn: ({ pageParam, signal }) =>
      api.get<CallListPage>(
        path(campaignId, '/call-list'),
        { limit: CALL_LIST_PAGE_SIZE, after: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    // A refusal (403), no such campaign (404) or no phone channel (409) won't change by asking again.
    retry: (failures, error) => failures < 2 && !(isProblem(error) && error.status < 500),
    // Every read re-checks the permissions on the server; reading again on focus is what we want.
    refetchOnWindowFocus: true,
  })
}

export function recordCall(
  campaignId: string,
  body: { subjectId: string; outcome: CallOutcome; note?: string },
): Promise<RecordedCall> {
  return api.post<RecordedCall>(path(campaignId, '/calls'), body)
}

export function invalidateCallList(queryClient: QueryClient, campaignId: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: callListKey(campaignId) })
}
