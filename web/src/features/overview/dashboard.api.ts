import { queryOptions } from '@tanstack/react-query'
import { api } from '../../app/api'

/** GET /api/v1/dashboard: counts only; sections the role may not see are absent. */
export interface Dashboard {
  timeZone: string
  generatedAt: string
  contactsByKind?: { kind: string; count: number }[]
  consentWeeks?: { week: string; granted: number; confirmed: number; withdrawn: number }[]
  consentCoverage?: { purpose: string; channel: string; count: number }[]
  requests?: { overdue: number; dueWithin7Days: number; dueLater: number }
}

export function dashboardQueryOptions() {
  return queryOptions({
    queryKey: ['dashboard'],
    queryFn: ({ signal }) => api.get<Dashboard>('/api/v1/dashboard', {}, signal),
    staleTime: 60_000,
  })
}
