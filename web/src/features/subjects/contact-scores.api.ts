import { queryOptions } from '@tanstack/react-query'
import { api, isProblem } from '../../app/api'
import { contactKeys, DENIAL_RULES, isOneOf } from './contact-overview.api'

type DenialRule = (typeof DENIAL_RULES)[number]

/** German and English, as the server explains every score. */
export interface Bilingual {
  de: string
  en: string
}

/** One output or input of a score: its value for this person and what it means. */
export interface ScoreTerm {
  key: string
  value: number | string | null
  label: Bilingual
  meaning: Bilingual
  unit: string | null
}

/** A score of one kind (`clv`, `rfm`) with its explanation (`GET /api/v1/subjects/{id}/scores`). */
export interface SubjectScore {
  kind: string
  title: Bilingual
  value: number | null
  band: string | null
  computedAt: string
  outputs: ScoreTerm[]
  explanation: {
    meaning: Bilingual
    inputs: ScoreTerm[]
    model: {
      name: string
      version: number
      fittedAt: string
      asOf: string
      description: Bilingual
      parameters: Record<string, unknown>
      settings: Record<string, unknown>
    }
  }
}

export interface SubjectScores {
  subjectId: string
  scores: SubjectScore[]
}

export const CHURN_BANDS = ['high', 'medium', 'low'] as const
export const ABC_CLASSES = ['A', 'B', 'C'] as const

/**
 * A contact's scores, read under the profiling purpose. Keyed under the contact's overview, so that
 * whatever refreshes the overview after a consent, withdrawal or objection refreshes them too.
 */
export function subjectScoresQueryOptions(id: string) {
  return queryOptions({
    queryKey: [...contactKeys.overviewOf(id), 'scores'] as const,
    queryFn: ({ signal }) =>
      api.get<SubjectScores>(`/api/v1/subjects/${encodeURIComponent(id)}/scores`, undefined, signal),
    // A refusal or a missing contact won't change by asking again.
    retry: (failures, error) => failures < 2 && !(isProblem(error) && error.status < 500),
  })
}

/**
 * Why the profiling purpose may not use the contact, from a 403's detail
 * ("the purpose profiling_offers may not use this subject: no-consent"); undefined when the
 * refusal is about the role (no field category derived, not in the purpose's scope).
 */
export function scoreDenialRule(error: unknown): DenialRule | undefined {
  if (!isProblem(error, 403)) return undefined
  const match = /may not use this subject: ([a-z0-9-]+)$/.exec(error.detail ?? '')
  return isOneOf(DENIAL_RULES, match?.[1]) ? match[1] : undefined
}

/** A product that goes with what the contact bought (`GET /subjects/{id}/recommendations`). */
export interface RecommendedProduct {
  productId: string
  sku: string
  name: string
  category: string | null
  score: number
  because: number
}

export function subjectRecommendationsQueryOptions(id: string) {
  return queryOptions({
    queryKey: [...contactKeys.overviewOf(id), 'recommendations'] as const,
    queryFn: ({ signal }) =>
      api.get<{ items: RecommendedProduct[] }>(
        `/api/v1/subjects/${encodeURIComponent(id)}/recommendations`,
        { limit: 5 },
        signal,
      ),
    retry: (failures, error) => failures < 2 && !(isProblem(error) && error.status < 500),
  })
}
