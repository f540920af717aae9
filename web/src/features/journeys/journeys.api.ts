import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api, apiRequest, isProblem } from '../../app/api'

export type Lang = 'de' | 'en'
export const TRIGGER_KINDS = ['doi-confirmed', 'p-alive-below', 'order-abandoned'] as const
export type TriggerKind = (typeof TRIGGER_KINDS)[number]

export interface JourneyTrigger {
  kind: TriggerKind
  purposeKey?: string
  threshold?: number
  hours?: number
}

export interface StepContent {
  subject: string
  text: string
}

export interface JourneyStep {
  type: 'wait' | 'send'
  minutes?: number
  channel?: 'email' | 'sms'
  purposeKey?: string
  content?: Partial<Record<Lang, StepContent>>
}

/** A journey (GET /api/v1/journeys). */
export interface Journey {
  id: string
  name: string
  description: string
  trigger: JourneyTrigger
  steps: JourneyStep[]
  segmentId: string | null
  defaultLang: Lang
  status: 'draft' | 'active' | 'paused'
  version: number
  activatedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface JourneyInput {
  name: string
  description?: string
  trigger: JourneyTrigger
  steps: JourneyStep[]
  segmentId: string | null
  defaultLang: Lang
  version?: number
}

/** Counts per step (GET /journeys/{id}/stats). */
export interface JourneyStats {
  version: number
  enrolled: number
  active: number
  completed: number
  stopped: Record<string, number>
  steps: {
    index: number
    type: 'wait' | 'send'
    entered: number
    waiting: number
    sent: number
    refused: Record<string, number>
    failed: Record<string, number>
    stopped: Record<string, number>
  }[]
}

export const journeyKeys = {
  all: () => ['journeys'] as const,
  list: () => ['journeys', 'list'] as const,
  stats: (id: string) => ['journeys', 'stats', id] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export function journeysQueryOptions() {
  return queryOptions({
    queryKey: journeyKeys.list(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: Journey[] }>('/api/v1/journeys', {}, signal)).items,
    retry: noRetryOnRefusal,
  })
}

export function journeyStatsQueryOptions(id: string) {
  return queryOptions({
    queryKey: journeyKeys.stats(id),
    queryFn: ({ signal }) =>
      api.get<JourneyStats>(`/api/v1/journeys/${encodeURIComponent(id)}/stats`, {}, signal),
    retry: noRetryOnRefusal,
  })
}

const path = (id: string) => `/api/v1/journeys/${encodeURIComponent(id)}`

export function createJourney(input: JourneyInput): Promise<Journey> {
  return api.post<Journey>('/api/v1/journeys', input)
}

export function updateJourney(id: string, input: JourneyInput): Promise<Journey> {
  return api.patch<Journey>(path(id), input)
}

export function setJourneyStatus(id: string, action: 'activate' | 'pause'): Promise<Journey> {
  return api.post<Journey>(`${path(id)}/${action}`)
}

export function deleteJourney(id: string): Promise<void> {
  return apiRequest<void>(path(id), { method: 'DELETE' })
}

export function invalidateJourneys(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: journeyKeys.all() })
}

/** A new step of the type, with values the server accepts as they are (content still to be written). */
export function newStep(type: 'wait' | 'send'): JourneyStep {
  return type === 'wait'
    ? { type, minutes: 60 * 24 }
    : { type, channel: 'email', purposeKey: 'newsletter_email', content: { de: { subject: '', text: '' } } }
}
