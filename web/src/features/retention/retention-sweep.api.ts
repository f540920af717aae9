import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../app/api'

type Who = { type: string; id: string }

/** One rule of a plan (POST/GET /api/v1/retention/plans). */
export interface PlanRule {
  ruleKey: string
  ruleVersion: number
  recordKind: string | null
  period: string
  startEvent: string
  status: 'due' | 'nothing_due' | 'not_recorded' | 'not_in_tresor'
  action: 'erase_subjects' | 'delete_records' | 'none'
  cutoff: string | null
  columns: string[]
  note: string | null
  subjects: number
  records: number
  sample: { subjectId: string; recordId: string }[]
}

/** A plan: the dry run, and its approval. */
export interface RetentionPlan {
  id: string
  createdAt: string
  asOf: string
  trigger: 'manual' | 'schedule'
  createdBy: Who
  rules: PlanRule[]
  approval: { kind: 'dpo' | 'standing'; by: Who; at: string } | null
}

/** A rule of a run: planned, done, or why not run. */
export interface RunRule {
  ruleKey: string
  ruleVersion: number
  recordKind: string | null
  status: 'pending' | 'done' | 'skipped'
  skipReason: string | null
  cutoff: string | null
  planned: { subjects: number; records: number }
  done: { subjects: number; records: number; erased: number; held: number; failed: number }
  failures: { subject: string; reason: string }[]
}

export interface RetentionRun {
  id: string
  planId: string
  trigger: 'manual' | 'schedule'
  actor: Who
  status: 'running' | 'done'
  startedAt: string
  finishedAt: string | null
  rules: RunRule[]
}

export interface SweeperStatus {
  enabled: boolean
  lastApproval: { planId: string; at: string; by: Who } | null
  approvedVersions: { ruleKey: string; ruleVersion: number }[]
}

export const sweepKeys = {
  all: ['retention-sweep'] as const,
  status: () => ['retention-sweep', 'status'] as const,
  plans: () => ['retention-sweep', 'plans'] as const,
  runs: () => ['retention-sweep', 'runs'] as const,
}

export const sweeperStatusQueryOptions = () =>
  queryOptions({
    queryKey: sweepKeys.status(),
    queryFn: ({ signal }) => api.get<SweeperStatus>('/api/v1/retention/status', {}, signal),
  })

/** The newest plan, if any. */
export const latestPlanQueryOptions = () =>
  queryOptions({
    queryKey: sweepKeys.plans(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RetentionPlan[] }>('/api/v1/retention/plans', { limit: 1 }, signal)).items[0] ??
      null,
  })

/** The last runs; asked again every two seconds while one is running (its progress). */
export const runsQueryOptions = () =>
  queryOptions({
    queryKey: sweepKeys.runs(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RetentionRun[] }>('/api/v1/retention/runs', { limit: 5 }, signal)).items,
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'running') ? 2_000 : false),
  })

/** POST /api/v1/retention/plans: the dry run (nothing is deleted). */
export const makePlan = () => api.post<RetentionPlan>('/api/v1/retention/plans')

/** POST /api/v1/retention/plans/{id}/approve: the DPO's approval (audited). */
export const approvePlan = (id: string) =>
  api.post<RetentionPlan>(`/api/v1/retention/plans/${encodeURIComponent(id)}/approve`)

/** POST /api/v1/retention/runs: starts a run of an approved plan; it goes on in the background. */
export const startRun = (planId: string) => api.post<RetentionRun>('/api/v1/retention/runs', { planId })

export const invalidateSweep = (queryClient: QueryClient) =>
  queryClient.invalidateQueries({ queryKey: sweepKeys.all })
