import { type QueryClient, queryOptions } from '@tanstack/react-query'
import {
  ART49_POINTS,
  RECIPIENT_ROLES,
  TRANSFER_MECHANISMS,
  WEBHOOK_EVENTS,
} from '../../../../src/privacy/recipients/recipient'
import { api, apiRequest, isProblem } from '../../app/api'

// The server's closed sets (a plain-data module): the form offers exactly what the registry takes.
export { ART49_POINTS, RECIPIENT_ROLES, TRANSFER_MECHANISMS, WEBHOOK_EVENTS }

/** A recipient as GET /api/v1/recipients lists it, with today's verdict of the transfer check. */
export interface RecipientSummary {
  id: string
  name: string
  role: string
  country: string
  contractDate: string | null
  mechanism: string
  dpfCertifiedOn: string | null
  sccModule: number | null
  sccDate: string | null
  bcrReference: string | null
  derogation: { point: string; reason: string } | null
  purposes: string[]
  fieldCategories: string[]
  note: string | null
  retiredAt: string | null
  version: number
  verdict: {
    lawful: boolean
    thirdCountry: boolean
    basis: string | null
    missing: { field: string; reason: string }[]
  }
}

/** What the form sends (POST, or PATCH replacing each property). */
export type RecipientInput = Omit<RecipientSummary, 'id' | 'retiredAt' | 'version' | 'verdict'>

export interface AdequacyDecision {
  country: string
  name: { de: string; en: string }
  decision: string
  adoptedOn: string
  scope: string
  note: { de: string; en: string }
  validUntil: string | null
}

export interface WebhookSubscription {
  id: string
  recipientId: string
  url: string
  events: string[]
  purpose: string
  active: boolean
  createdAt: string
}

export interface WebhookDelivery {
  id: string
  subjectId: string
  event: string
  occurredAt: string
  status: string
  attempts: number
  nextAttemptAt: string | null
  lastStatus: number | null
  lastError: string | null
  deliveredAt: string | null
}

export const recipientKeys = {
  all: () => ['recipients'] as const,
  adequacy: () => ['adequacy-decisions'] as const,
  webhooks: () => ['webhooks'] as const,
  deliveries: (id: string) => ['webhooks', id, 'deliveries'] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export const recipientsQueryOptions = () =>
  queryOptions({
    queryKey: recipientKeys.all(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RecipientSummary[] }>('/api/v1/recipients', {}, signal)).items,
    retry: noRetryOnRefusal,
  })

export const adequacyQueryOptions = () =>
  queryOptions({
    queryKey: recipientKeys.adequacy(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: AdequacyDecision[] }>('/api/v1/adequacy-decisions', {}, signal)).items,
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })

export const webhooksQueryOptions = () =>
  queryOptions({
    queryKey: recipientKeys.webhooks(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: WebhookSubscription[] }>('/api/v1/webhooks', {}, signal)).items,
    retry: noRetryOnRefusal,
  })

export const deliveriesQueryOptions = (subscriptionId: string) =>
  queryOptions({
    queryKey: recipientKeys.deliveries(subscriptionId),
    queryFn: async ({ signal }) =>
      (
        await api.get<{ items: WebhookDelivery[] }>(
          `/api/v1/webhooks/${encodeURIComponent(subscriptionId)}/deliveries`,
          { limit: 50 },
          signal,
        )
      ).items,
    retry: noRetryOnRefusal,
  })

export const createRecipient = (input: RecipientInput) =>
  api.post<RecipientSummary>('/api/v1/recipients', input)

export const updateRecipient = (id: string, input: RecipientInput) =>
  api.patch<RecipientSummary>(`/api/v1/recipients/${encodeURIComponent(id)}`, input)

export const retireRecipient = (id: string) =>
  apiRequest<RecipientSummary>(`/api/v1/recipients/${encodeURIComponent(id)}`, { method: 'DELETE' })

export const subscribeRecipient = (id: string, input: { url: string; events: string[]; purpose: string }) =>
  api.post<{ subscription: WebhookSubscription; secret: string }>(
    `/api/v1/recipients/${encodeURIComponent(id)}/webhooks`,
    input,
  )

export const setWebhookActive = (id: string, active: boolean) =>
  api.patch<{ subscription: WebhookSubscription }>(`/api/v1/webhooks/${encodeURIComponent(id)}`, { active })

export async function invalidateRecipients(client: QueryClient): Promise<void> {
  await client.invalidateQueries({ queryKey: recipientKeys.all() })
  await client.invalidateQueries({ queryKey: recipientKeys.webhooks() })
}
