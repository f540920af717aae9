import { queryOptions } from '@tanstack/react-query'
import { api, apiRequest } from '../../app/api'

/** The grounds of a hold the DPO enters (the server's list, `HOLD_GROUNDS`). */
export const HOLD_GROUNDS = ['legal_claims', 'dispute', 'authority_request', 'other'] as const
/** What an entered hold may keep besides identifiers (the server's `HOLDABLE_RECORD_KINDS`). */
export const HOLDABLE_RECORD_KINDS = [
  'invoice',
  'customer_order',
  'touchpoint',
  'deal',
  'subject_note',
  'subject_organisation',
] as const
/** The categories whose identifiers a hold keeps. */
export const HOLDABLE_CATEGORIES = ['identity', 'contact', 'address', 'bank', 'notes'] as const

/** One legal hold (Art. 17(3)) as `GET /subjects/{id}/holds` lists it. */
export interface Hold {
  id: string
  inForce: boolean
  source: 'invoice' | 'unpaid-invoice' | 'phone-consent' | 'entered'
  exception: string
  law: string
  purpose: string
  reason: { de: string; en: string }
  fields: string[]
  categories: string[]
  records: { kind: string; count: number | null }[]
  until: string | null
  untilEvent: 'paid' | 'lifted' | null
  consentProof: boolean
  entered?: {
    ground: string
    setBy: { type: string; id: string }
    createdAt: string
    liftedAt: string | null
  }
}

export interface SubjectHolds {
  subjectId: string
  erasureRequestedAt: string | null
  erased: boolean
  holds: Hold[]
}

export interface NewHold {
  ground: (typeof HOLD_GROUNDS)[number]
  reason: string
  fieldCategories: string[]
  recordKinds: string[]
  until?: string | null
}

export const holdKeys = {
  of: (subjectId: string) => ['subjects', 'holds', subjectId] as const,
}

export function subjectHoldsQueryOptions(subjectId: string) {
  return queryOptions({
    queryKey: holdKeys.of(subjectId),
    queryFn: ({ signal }) => api.get<SubjectHolds>(`/api/v1/subjects/${subjectId}/holds`, {}, signal),
    retry: false,
  })
}

export const addHold = (subjectId: string, hold: NewHold) =>
  api.post<Hold>(`/api/v1/subjects/${subjectId}/holds`, hold)

export const liftHold = (subjectId: string, holdId: string) =>
  apiRequest<Hold>(`/api/v1/subjects/${subjectId}/holds/${holdId}`, { method: 'DELETE' })
