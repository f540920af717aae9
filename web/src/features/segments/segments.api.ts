import { type QueryClient, queryOptions } from '@tanstack/react-query'
import type {
  SegmentCondition,
  SegmentGroup,
  SegmentNode,
} from '../../../../src/privacy/segments/segment-rules'
import {
  COMPARISONS,
  MAX_DEPTH,
  ORDER_MEASURES,
  SCORE_BANDS,
  SCORE_MEASURES,
} from '../../../../src/privacy/segments/segment-vocabulary'
import { api, apiRequest, isProblem } from '../../app/api'

export type { SegmentCondition, SegmentGroup, SegmentNode }
// The server's closed sets: the builder offers exactly what a definition accepts.
export { COMPARISONS, MAX_DEPTH, ORDER_MEASURES, SCORE_BANDS, SCORE_MEASURES }

export const CONDITION_TYPES = [
  'kind',
  'attribute',
  'touchpoints',
  'orders',
  'score',
  'scoreBand',
  'permission',
] as const
export type ConditionType = (typeof CONDITION_TYPES)[number]

/** A saved segment (GET /api/v1/segments). */
export interface Segment {
  id: string
  name: string
  description: string
  purpose: string
  rules: SegmentGroup
  version: number
  createdAt: string
  updatedAt: string
}

/** A segment's live counts (POST /segments/preview, GET /segments/{id}/count). */
export interface SegmentCounts {
  purpose: string
  audiencePurpose: string
  total: number
  audience: { channel: string; permitted: number; excluded: number; excludedBy?: Record<string, number> }[]
  countedAt: string
}

export interface MembersPage {
  purpose: string
  channel: string
  items: { id: string; kinds: string[]; attributes: Record<string, unknown> }[]
  nextCursor: string | null
}

export interface SegmentInput {
  name: string
  description?: string
  purpose: string
  rules: SegmentGroup
  version?: number
}

export const segmentKeys = {
  all: () => ['segments'] as const,
  list: () => ['segments', 'list'] as const,
  count: (id: string, purpose: string | undefined) => ['segments', 'count', id, purpose ?? null] as const,
  preview: (body: object) => ['segments', 'preview', body] as const,
  members: (id: string, purpose: string | undefined, channel: string | undefined) =>
    ['segments', 'members', id, purpose ?? null, channel ?? null] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export function segmentsQueryOptions() {
  return queryOptions({
    queryKey: segmentKeys.list(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: Segment[] }>('/api/v1/segments', {}, signal)).items,
    retry: noRetryOnRefusal,
  })
}

/** Counts are live on the server (nothing cached there), so they are asked again whenever shown. */
export function segmentCountQueryOptions(id: string, purpose?: string) {
  return queryOptions({
    queryKey: segmentKeys.count(id, purpose),
    queryFn: ({ signal }) =>
      api.get<SegmentCounts & { segment: { id: string; version: number } }>(
        `/api/v1/segments/${encodeURIComponent(id)}/count`,
        { purpose },
        signal,
      ),
    retry: noRetryOnRefusal,
  })
}

export interface PreviewRequest {
  purpose: string
  audiencePurpose?: string | undefined
  rules: SegmentGroup
}

export function segmentPreviewQueryOptions(body: PreviewRequest, enabled: boolean) {
  return queryOptions({
    queryKey: segmentKeys.preview(body),
    queryFn: ({ signal }) =>
      apiRequest<SegmentCounts>('/api/v1/segments/preview', {
        method: 'POST',
        body: { ...body, reasons: true },
        signal,
      }),
    enabled,
    retry: noRetryOnRefusal,
    placeholderData: (previous) => previous,
  })
}

export function fetchMembers(
  id: string,
  query: { purpose?: string | undefined; channel?: string | undefined; after?: string | undefined },
): Promise<MembersPage> {
  return api.get<MembersPage>(`/api/v1/segments/${encodeURIComponent(id)}/members`, { ...query, limit: 50 })
}

export function createSegment(input: SegmentInput): Promise<Segment> {
  return api.post<Segment>('/api/v1/segments', input)
}

export function updateSegment(id: string, input: SegmentInput): Promise<Segment> {
  return apiRequest<Segment>(`/api/v1/segments/${encodeURIComponent(id)}`, { method: 'PUT', body: input })
}

export function deleteSegment(id: string): Promise<void> {
  return apiRequest<void>(`/api/v1/segments/${encodeURIComponent(id)}`, { method: 'DELETE' })
}

export function invalidateSegments(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: segmentKeys.all() })
}

/** A new condition of the type, with values the server accepts as they are. */
export function newCondition(type: ConditionType): SegmentCondition {
  switch (type) {
    case 'kind':
      return { type, kinds: ['customer'] }
    case 'attribute':
      return { type, field: 'country', op: 'in', values: ['DE'] }
    case 'touchpoints':
      return { type, withinDays: 30, op: 'gte', value: 1 }
    case 'orders':
      return { type, measure: 'count', op: 'gte', value: 1 }
    case 'score':
      return { type, score: 'pAlive', op: 'gte', value: 0.5 }
    case 'scoreBand':
      return { type, band: 'churnRisk', values: ['high'] }
    case 'permission':
      return { type, purpose: 'newsletter_email', channel: 'email' }
  }
}

export const emptyRules = (): SegmentGroup => ({
  type: 'group',
  combine: 'and',
  conditions: [newCondition('kind')],
})
