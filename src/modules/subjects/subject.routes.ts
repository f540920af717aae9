import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SubjectListQuery, SubjectPage } from './subject.schemas.ts'
import type { SubjectService } from './subject.service.ts'

export const subjectRoutes =
  (subjects: SubjectService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'List subjects',
          description: 'Keyset-paginated; filter by kind; sort by createdAt or updatedAt.',
          querystring: SubjectListQuery,
          response: { 200: SubjectPage },
        },
      },
      (request) => subjects.list(request.query),
    )
  }
