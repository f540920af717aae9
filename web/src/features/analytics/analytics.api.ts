import { queryOptions } from '@tanstack/react-query'
import { api, isProblem } from '../../app/api'

/** `GET /api/v1/analytics/charts`: the population's scores, shaped for charts. */
export interface AnalyticsCharts {
  customers: number
  rfm: { recency: number; frequency: number; customers: number; monetary: number }[]
  abc: { class: string; customers: number; revenueShare: number }[]
  pareto: { customerShare: number; revenueShare: number }[]
  pAlive: { from: number; to: number; customers: number }[]
  churn: { band: string; customers: number }[]
  clv: { from: number; to: number; customers: number }[]
}

interface Fit {
  logLikelihood: number
  customers: number
  groups: number
  iterations: number
  converged: boolean
}

/** `GET /api/v1/analytics/clv`: the fitted model with its calibration chart. */
export interface ClvModel {
  version: number
  fittedAt: string
  asOf: string
  customers: number
  bgNbd: ({ r: number; alpha: number; a: number; b: number } & Fit) | null
  gammaGamma: ({ p: number; q: number; gamma: number } & Fit) | null
  settings: { currency: string; horizonMonths: number; monthlyDiscountRate: number }
  notes: string[]
  calibration: {
    origin: string | null
    step: number
    points: { week: number; actual: number; expected: number | null }[]
  }
}

export interface RecomputeResult {
  customers: number
  scored: number
  excluded: number
}

const noRetryOn4xx = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export const analyticsKeys = {
  charts: () => ['analytics', 'charts'] as const,
  model: () => ['analytics', 'model'] as const,
}

export const analyticsChartsQueryOptions = () =>
  queryOptions({
    queryKey: analyticsKeys.charts(),
    queryFn: ({ signal }) => api.get<AnalyticsCharts>('/api/v1/analytics/charts', {}, signal),
    retry: noRetryOn4xx,
  })

export const clvModelQueryOptions = () =>
  queryOptions({
    queryKey: analyticsKeys.model(),
    queryFn: ({ signal }) => api.get<ClvModel>('/api/v1/analytics/clv', {}, signal),
    retry: noRetryOn4xx,
  })

export const recomputeScores = () => api.post<RecomputeResult>('/api/v1/analytics/scores/recompute')

/** `GET /api/v1/analytics/recommendations`: the last co-occurrence run and the strongest pairs. */
export interface BoughtTogether {
  run: { computedAt: string; customers: number; products: number; pairs: number; minCustomers: number } | null
  pairs: {
    sku: string
    name: string
    withSku: string
    withName: string
    customers: number
    confidence: number
    lift: number
  }[]
}

export const boughtTogetherQueryOptions = () =>
  queryOptions({
    queryKey: ['analytics', 'bought-together'] as const,
    queryFn: ({ signal }) =>
      api.get<BoughtTogether>('/api/v1/analytics/recommendations', { limit: 10 }, signal),
    retry: noRetryOn4xx,
  })

export const recountBoughtTogether = () => api.post<unknown>('/api/v1/analytics/recommendations/recompute')

type Level = 'high' | 'mid' | 'low'

/** `GET /api/v1/analytics/personas`: k-means clusters of the customers' scores. */
export interface PersonaModel {
  version: number
  fittedAt: string
  k: number
  customers: number
  sample: number
  personas: {
    index: number
    name: { de: string; en: string }
    description: { de: string; en: string }
    customers: number
    share: number
    typical: { recencyDays: number; orders: number; revenue: number; pAlive: number }
    levels: { recency: Level; frequency: Level; monetary: Level; pAlive: Level }
  }[]
}

export const personasQueryOptions = () =>
  queryOptions({
    queryKey: ['analytics', 'personas'] as const,
    queryFn: ({ signal }) => api.get<PersonaModel>('/api/v1/analytics/personas', {}, signal),
    retry: noRetryOn4xx,
  })

export const recomputePersonas = () => api.post<PersonaModel>('/api/v1/analytics/personas/recompute')
