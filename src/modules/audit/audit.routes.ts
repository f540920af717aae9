import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts'
import { invalidField } from '../../platform/problem.ts'
import {
  SubjectHistoryPage,
  SubjectHistoryParams,
  SubjectHistoryQuery,
} from '../../privacy/audit/audit.schemas.ts'
import type { AuditLog } from '../../privacy/audit/audit-log.service.ts'

// The history is always newest first; the cursor carries the last seq shown and the subject it
// belongs to, so a cursor of one subject can't page through another's history.
const HISTORY_SORT = 'seq'
const HISTORY_ORDER = 'desc'

export const auditRoutes =
  (audit: AuditLog): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/history',
      {
        config: { access: 'subjects:history' },
        schema: {
          tags: ['subjects'],
          summary: "A subject's history",
          description:
            'Every audit record naming the subject (who did what, when, why: actor, action, purpose, legal basis, field names), newest first, keyset-paginated. Never values.',
          params: SubjectHistoryParams,
          querystring: SubjectHistoryQuery,
          response: { 200: SubjectHistoryPage },
        },
      },
      async (request) => {
        const subjectId = request.params.id.toLowerCase()
        let beforeSeq: number | undefined
        if (request.query.cursor !== undefined) {
          const cursor = decodeCursor(request.query.cursor, HISTORY_SORT, HISTORY_ORDER)
          if (cursor.id !== subjectId || !/^[1-9]\d{0,15}$/.test(cursor.value))
            throw invalidField('query', 'cursor', 'is not a cursor of this history')
          beforeSeq = Number(cursor.value)
        }
        const page = await audit.history(subjectId, { limit: request.query.limit, beforeSeq })
        const last = page.items.at(-1)
        return {
          items: page.items,
          nextCursor:
            page.more && last
              ? encodeCursor({
                  sort: HISTORY_SORT,
                  order: HISTORY_ORDER,
                  value: String(last.seq),
                  id: subjectId,
                })
              : null,
        }
      },
    )
  }
