import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import type {
  AssociationRun,
  RecommendationStore,
} from '../../privacy/recommendations/recommendation-store.ts'
import { MIN_CUSTOMERS, TOP_PARTNERS } from '../../privacy/recommendations/recommendation-store.ts'
import { contextOf } from '../../server/request-context.ts'

const Product = {
  productId: Type.String({ format: 'uuid' }),
  sku: Type.String(),
  name: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
}
const Strength = {
  customers: Type.Integer({ description: 'Customers who bought both.' }),
  confidence: Type.Number({
    description: 'Of the customers who bought the first, the share who bought this too.',
  }),
  lift: Type.Number({
    description: 'Confidence over this product’s base rate: above 1, bought together more than by chance.',
  }),
}
const RunJson = Type.Object({
  computedAt: Type.String({ format: 'date-time' }),
  customers: Type.Integer({ description: 'Customers whose purchases were counted.' }),
  products: Type.Integer(),
  pairs: Type.Integer({ description: 'Pairs kept (both directions).' }),
  minCustomers: Type.Integer({ description: 'A pair needs at least this many customers.' }),
  top: Type.Integer({ description: 'Partners kept per product.' }),
})
const Limit = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) },
  { additionalProperties: false },
)

const runJson = (r: AssociationRun) => ({ ...r, computedAt: r.computedAt.toISOString() })

/** "Bought this, also bought" (under /api/v1): the model, per product, per customer. */
export const recommendationRoutes =
  (recommendations: RecommendationStore): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/analytics/recommendations/recompute',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'Count which products are bought together, now',
          description: `Rebuilds the item-to-item co-occurrence from every customer's open and fulfilled orders (erased, held-for-erasure and restricted subjects left out) in one transaction: a pair is kept when at least ${MIN_CUSTOMERS} different customers bought both (so no pair tells what one person bought), each product with its ${TOP_PARTNERS} best partners. Stored as product pairs, no subject. The role must be in the scope of the profiling purpose; audited as one read of the orders naming nobody. The worker also runs it nightly.`,
          response: { 200: RunJson },
        },
      },
      async (request) => runJson(await recommendations.rebuild(contextOf(request))),
    )

    app.get(
      '/analytics/recommendations',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'The last co-occurrence run and the strongest product pairs',
          description: 'Products only. `run` is null before the first run.',
          querystring: Limit,
          response: {
            200: Type.Object({
              run: Type.Union([RunJson, Type.Null()]),
              pairs: Type.Array(
                Type.Object({ ...Product, ...Strength, withSku: Type.String(), withName: Type.String() }),
              ),
            }),
          },
        },
      },
      async (request) => {
        const [run, pairs] = await Promise.all([
          recommendations.lastRun(),
          recommendations.strongest(request.query.limit),
        ])
        return { run: run ? runJson(run) : null, pairs }
      },
    )

    app.get(
      '/products/:sku/also-bought',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['orders'],
          summary: 'Products bought together with this one',
          description:
            'From the last co-occurrence run, best first (most customers, then lift). Catalogue knowledge: no person in it. 404 for an unknown SKU.',
          params: Type.Object(
            { sku: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
          querystring: Limit,
          response: { 200: Type.Object({ items: Type.Array(Type.Object({ ...Product, ...Strength })) }) },
        },
      },
      async (request) => ({
        items: await recommendations.forProduct(request.params.sku, request.query.limit),
      }),
    )

    app.get(
      '/subjects/:id/recommendations',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['analytics'],
          summary: 'Products for this customer, from what they bought',
          description:
            'The products that go with what this person bought and that they have not bought, best first (`score`: summed confidence over their products; `because`: how many of their products it goes with). A profile of the person, so read only under the profiling purpose `profiling_offers`: your role must be in its scope and hold the category `derived`, and consent (or legitimate interest without objection) must hold for the subject — otherwise 403 naming the rule; 404 for an unknown or erased subject. Audited as a read.',
          params: SubjectParams,
          querystring: Limit,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  ...Product,
                  score: Type.Number(),
                  because: Type.Integer(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({
        items: await recommendations.forSubject({
          ...contextOf(request),
          subjectId: request.params.id.toLowerCase(),
          limit: request.query.limit,
        }),
      }),
    )
  }
