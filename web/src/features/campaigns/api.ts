import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api, apiRequest, buildUrl, isProblem, ProblemError, type ProblemFieldError } from '../../app/api'

/**
 * The campaigns API (issue #17) as the UI uses it: `/api/v1/campaigns…`, read with
 * `campaigns:read`, changed with `campaigns:manage`. The shapes follow the campaigns module's
 * TypeBox schemas (src/modules/campaigns/*.schemas.ts).
 */

export const CAMPAIGN_CHANNELS = ['email', 'sms', 'post', 'phone'] as const
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number]

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number]

export const CONTENT_LANGUAGES = ['de', 'en'] as const
export type ContentLanguage = (typeof CONTENT_LANGUAGES)[number]

/**
 * The merge fields content may use, in the order the editor offers them. The server checks each
 * against what the channel's purpose and the saving user's role may use (422/403 naming the field).
 */
export const MERGE_FIELDS = [
  'salutation',
  'firstName',
  'lastName',
  'street',
  'postalCode',
  'city',
  'countryCode',
  'country',
  'region',
] as const
export type MergeField = (typeof MERGE_FIELDS)[number]

/** The field category each merge field reads (src/modules/campaigns/merge-fields.ts, the field catalog). */
export const MERGE_FIELD_CATEGORY: Record<MergeField, string> = {
  salutation: 'identity',
  firstName: 'identity',
  lastName: 'identity',
  street: 'address',
  postalCode: 'address',
  city: 'address',
  countryCode: 'address',
  country: 'socio_demographic',
  region: 'socio_demographic',
}

/** Channels whose content has a subject line (e-mail subject, letter heading, call-script title). */
export const SUBJECT_CHANNELS: readonly CampaignChannel[] = ['email', 'post', 'phone']
/** Channels whose content may have an HTML version. */
export const HTML_CHANNELS: readonly CampaignChannel[] = ['email']

export interface CampaignChannelConfig {
  channel: CampaignChannel
  purposeKey: string
  /** post: the letter shop (a processor of the recipients registry). */
  recipientId?: string | null
}

export interface CampaignContent {
  channel: CampaignChannel
  lang: ContentLanguage
  subject: string
  bodyText: string
  bodyHtml?: string | null
}

export interface CampaignCounts {
  audience: number
  sent: number
  delivered: number
  bounced: number
  failed: number
  skipped: number
}

/** A campaign as `GET /campaigns` lists it. */
export interface CampaignSummary {
  id: string
  name: string
  status: CampaignStatus
  segment: { id: string; name: string } | null
  channels: CampaignChannelConfig[]
  scheduledAt: string | null
  startedAt: string | null
  finishedAt: string | null
  counts: CampaignCounts
  updatedAt: string
  version: number
}

/** The audience decided when the send started, per channel (the report has it in full). */
export interface DecidedAudience {
  decidedAt: string
  /** null for the moment after the start until the segment's members are counted. */
  segment: { total: number | null }
  /** When the excluded by reason were counted (a moment after the start); null until then. */
  excludedCountedAt?: string | null
  channels: {
    channel: CampaignChannel
    purposeKey: string
    audience: number
    excludedBy: Record<string, number>
  }[]
}

/** One campaign (`GET /campaigns/{id}`). */
export interface Campaign extends CampaignSummary {
  description: string
  defaultLang: ContentLanguage
  cap: { messages: number; days: number } | null
  trackOpens: boolean
  content: CampaignContent[]
  audience: DecidedAudience | null
  segmentVersion: number | null
}

export interface CampaignInput {
  name: string
  description?: string
  segmentId: string
  defaultLang: ContentLanguage
  channels: CampaignChannelConfig[]
  cap?: { messages: number; days: number } | null
  trackOpens?: boolean
  content: CampaignContent[]
}

/** The live audience before sending (`GET /campaigns/{id}/audience`). */
export interface LiveAudience {
  countedAt: string
  segment: { total: number }
  channels: {
    channel: CampaignChannel
    purposeKey: string
    permitted: number
    suppressed: number
    capped: number
    audience: number
    excludedBy: Record<string, number>
  }[]
}

export interface RenderedPreview {
  subject: string
  text: string
  html: string | null
}

export interface ReportChannel {
  channel: CampaignChannel
  purposeKey: string
  audience: number
  excludedBy: Record<string, number>
  queued: number
  sent: number
  delivered: number
  bounced: number
  failed: number
  skipped: number
  skippedBy: Record<string, number>
  unsubscribed: number
  opened?: number | null
  clicked?: number | null
}

/** A campaign's report (`GET /campaigns/{id}/report`): counts over the send ledger. */
export interface CampaignReport {
  campaignId: string
  status: CampaignStatus
  audience: number
  channels: ReportChannel[]
  timeline: { at: string; sent: number; failed: number; bounced: number }[]
}

export const campaignKeys = {
  all: () => ['campaigns'] as const,
  list: () => ['campaigns', 'list'] as const,
  one: (id: string) => ['campaigns', 'one', id] as const,
  audience: (id: string) => ['campaigns', 'audience', id] as const,
  report: (id: string) => ['campaigns', 'report', id] as const,
}

const path = (id: string, rest = '') => `/api/v1/campaigns/${encodeURIComponent(id)}${rest}`

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

/** Whether a campaign is still being sent (its counts move): the list and report refresh then. */
export const isActive = (status: CampaignStatus | undefined) => status === 'sending' || status === 'scheduled'

export function campaignsQueryOptions() {
  return queryOptions({
    queryKey: campaignKeys.list(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: CampaignSummary[] }>('/api/v1/campaigns', {}, signal)).items,
    retry: noRetryOnRefusal,
    refetchInterval: (query) => (query.state.data?.some((c) => isActive(c.status)) ? 5_000 : false),
  })
}

export function campaignQueryOptions(id: string) {
  return queryOptions({
    queryKey: campaignKeys.one(id),
    queryFn: ({ signal }) => api.get<Campaign>(path(id), {}, signal),
    retry: noRetryOnRefusal,
    refetchInterval: (query) => (isActive(query.state.data?.status) ? 3_000 : false),
  })
}

/** Counted live on the server each time (nothing cached there). */
export function audienceQueryOptions(id: string, enabled = true) {
  return queryOptions({
    queryKey: campaignKeys.audience(id),
    queryFn: ({ signal }) => api.get<LiveAudience>(path(id, '/audience'), {}, signal),
    retry: noRetryOnRefusal,
    enabled,
  })
}

export function reportQueryOptions(id: string, live: boolean) {
  return queryOptions({
    queryKey: campaignKeys.report(id),
    queryFn: ({ signal }) => api.get<CampaignReport>(path(id, '/report'), {}, signal),
    retry: noRetryOnRefusal,
    refetchInterval: live ? 3_000 : false,
  })
}

export function createCampaign(input: CampaignInput): Promise<Campaign> {
  return api.post<Campaign>('/api/v1/campaigns', input)
}

export function updateCampaign(
  id: string,
  input: Partial<CampaignInput> & { version: number },
): Promise<Campaign> {
  return api.patch<Campaign>(path(id), input)
}

export function deleteCampaign(id: string): Promise<void> {
  return apiRequest<void>(path(id), { method: 'DELETE' })
}

export function previewCampaign(
  id: string,
  body: { channel: CampaignChannel; lang: ContentLanguage },
): Promise<RenderedPreview> {
  return api.post<RenderedPreview>(path(id, '/preview'), body)
}

export function testSendCampaign(
  id: string,
  body: { channel: 'email'; lang?: ContentLanguage; to: string[] },
): Promise<unknown> {
  return api.post<unknown>(path(id, '/test-send'), body)
}

/** Without `at` (or with a past one) the send starts now. */
export function scheduleCampaign(id: string, at?: string): Promise<Campaign> {
  return api.post<Campaign>(path(id, '/schedule'), at ? { at } : {})
}

export type CampaignAction = 'pause' | 'resume' | 'cancel'

export function campaignAction(id: string, action: CampaignAction): Promise<Campaign> {
  return api.post<Campaign>(path(id, `/${action}`), {})
}

export function invalidateCampaigns(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: campaignKeys.all() })
}

/** Which actions a status allows (the server refuses the others with 409). */
export const editable = (status: CampaignStatus) => status === 'draft' || status === 'scheduled'
export const canPause = (status: CampaignStatus) => status === 'sending' || status === 'scheduled'
export const canResume = (status: CampaignStatus) => status === 'paused'
export const canCancel = (status: CampaignStatus) =>
  status === 'draft' || status === 'scheduled' || status === 'sending' || status === 'paused'
export const canDelete = (status: CampaignStatus) => status === 'draft' || status === 'cancelled'
export const hasReport = (status: CampaignStatus) =>
  status === 'sending' || status === 'paused' || status === 'sent' || status === 'cancelled'

/** One row of the send ledger, pseudonymous (`GET /campaigns/{id}/deliveries`). */
export interface Delivery {
  subjectId: string
  channel: CampaignChannel
  status: DeliveryStatus
  reason: string | null
  attempts: number
  sentAt: string | null
}

export const DELIVERY_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'bounced',
  'failed',
  'skipped',
] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export function fetchDeliveries(
  id: string,
  query: { status?: DeliveryStatus | undefined; after?: string | undefined },
): Promise<{ items: Delivery[]; nextCursor: string | null }> {
  return api.get(path(id, '/deliveries'), { ...query, limit: 50 })
}

/** A print list handed to the letter shop (`GET /campaigns/{id}/print-lists`): counts, no names. */
export interface PrintListRecord {
  id: string
  disclosureId: string
  format: string
  rows: number
  leftOut: number
  leftOutBy: Record<string, number>
  createdAt: string
}

export function printListsQueryOptions(id: string, enabled: boolean) {
  return queryOptions({
    queryKey: [...campaignKeys.one(id), 'print-lists'] as const,
    queryFn: async ({ signal }) =>
      (await api.get<{ items: PrintListRecord[] }>(path(id, '/print-lists'), {}, signal)).items,
    retry: noRetryOnRefusal,
    enabled,
  })
}

/**
 * The post channel's print list for the letter shop, saved as a file: a disclosure the server
 * checks and records. Fetched rather than linked, so a refusal (403: the transfer is not lawful
 * today) shows as an error instead of a downloaded problem document.
 */
export async function downloadPrintList(id: string, format: 'csv' | 'xlsx'): Promise<void> {
  const response = await fetch(buildUrl(path(id, '/print-list'), { format }), {
    credentials: 'same-origin',
    headers: { Accept: '*/*' },
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Partial<{
      title: string
      detail: string
      errors: ProblemFieldError[]
    }>
    throw new ProblemError({
      title: body.title ?? response.statusText,
      status: response.status,
      ...(body.detail ? { detail: body.detail } : {}),
      errors: Array.isArray(body.errors) ? body.errors : [],
    })
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1]
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = name ?? `print-list.${format}`
  document.body.append(link)
  link.click()
  link.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 1_000)
}
