import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { StatisticsService } from '../../privacy/statistics/statistics.service.ts'
import { contextOf } from '../../server/request-context.ts'
import type { RolePolicy } from '../access/role.service.ts'
import { DashboardJson } from './dashboard.schemas.ts'

/** The dashboard's figures (under /api/v1): what each role needs first, as counts. */
export const dashboardRoutes =
  (statistics: StatisticsService, roles: RolePolicy): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/dashboard',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['dashboard'],
          summary:
            'The dashboard: contacts by kind, consent activity and coverage, open requests by due date',
          description:
            'Counts only — no contact is named or listed, so the look is not audited. Each section is present only for roles that may see it (see each field). The counts are kept for a minute.',
          response: { 200: DashboardJson },
        },
      },
      async (request): Promise<DashboardJson> => {
        const role = contextOf(request).actor.role
        const reads = roles.has(role, 'subjects:read')
        const inbox = roles.has(role, 'requests:manage')
        const [timeZone, kinds, weeks, coverage, due] = await Promise.all([
          statistics.timeZone(),
          reads ? statistics.contactsByKind() : undefined,
          reads ? statistics.consentWeeks(12) : undefined,
          reads ? statistics.consentCoverage() : undefined,
          inbox ? statistics.openRequestsByDue() : undefined,
        ])
        return {
          timeZone,
          generatedAt: new Date().toISOString(),
          ...(kinds ? { contactsByKind: kinds } : {}),
          ...(weeks ? { consentWeeks: weeks } : {}),
          ...(coverage
            ? {
                consentCoverage: coverage.map((c) => ({
                  purpose: c.purpose_key,
                  channel: c.channel,
                  count: c.count,
                })),
              }
            : {}),
          ...(due
            ? { requests: { overdue: due.overdue, dueWithin7Days: due.due_7_days, dueLater: due.due_later } }
            : {}),
        }
      },
    )
  }
