import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../../server/request-context.ts'
import type { PersonaService } from './persona.service.ts'

const Texts = Type.Object({ de: Type.String(), en: Type.String() })
const Level = Type.Enum(['high', 'mid', 'low'])
const PersonaModel = Type.Object({
  version: Type.Integer(),
  fittedAt: Type.String({ format: 'date-time' }),
  k: Type.Integer({ description: 'Personas found.' }),
  customers: Type.Integer({ description: 'Customers with scores, all counted into a persona.' }),
  sample: Type.Integer({
    description: 'Customers the clusters were fitted on (a random sample of at most 50,000).',
  }),
  personas: Type.Array(
    Type.Object({
      index: Type.Integer(),
      name: Texts,
      description: Texts,
      customers: Type.Integer(),
      share: Type.Number({ minimum: 0, maximum: 1 }),
      typical: Type.Object(
        {
          recencyDays: Type.Number({ description: 'Median days since the last purchase.' }),
          orders: Type.Number({ description: 'Median orders.' }),
          revenue: Type.Number({ description: 'Median revenue.' }),
          pAlive: Type.Number({ description: 'Mean P(alive).' }),
        },
        { description: 'Typical values of the persona’s customers.' },
      ),
      levels: Type.Object(
        { recency: Level, frequency: Level, monetary: Level, pAlive: Level },
        {
          description:
            'Where the persona’s centre stands against all customers (more than half a standard deviation above or below: high/low). Recency high means long ago.',
        },
      ),
    }),
    { description: 'Largest first.' },
  ),
})

/** Personas (under /api/v1): k-means clusters of the customers' scores. */
export const personaRoutes =
  (personas: PersonaService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/analytics/personas/recompute',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'Cluster the customers into personas, now',
          description:
            'k-means (k-means++ seeding, best of four seeded runs) over the standardised log days since the last purchase, log orders, log revenue and P(alive) of a random sample of at most 50,000 customers with scores (only those the profiling purpose may use have scores); then every such customer is counted into the nearest persona in the database. Each persona gets a name from where its centre stands (Champions, Loyal customers, At risk, New or occasional, Hibernating), its size and typical values. Pseudonymous: nothing per person is stored. The role must be in the profiling purpose’s scope; audited as one read of the scores naming nobody. 409 when fewer customers have scores than personas are asked for.',
          querystring: Type.Object(
            { k: Type.Integer({ minimum: 2, maximum: 12, default: 5, description: 'How many personas.' }) },
            { additionalProperties: false },
          ),
          response: { 200: PersonaModel },
        },
      },
      (request) => personas.recompute(contextOf(request), request.query.k),
    )

    app.get(
      '/analytics/personas',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'The newest personas: names, sizes and typical values',
          description: 'As the last recomputation left them (404 before the first).',
          response: { 200: PersonaModel },
        },
      },
      () => personas.latest(),
    )
  }
