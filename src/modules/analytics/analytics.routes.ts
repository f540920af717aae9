import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ScoreCharts } from '../../privacy/scores/score-charts.ts'
import { contextOf } from '../../server/request-context.ts'
import {
  ClvModel,
  RecomputeQuery,
  RecomputeResult,
  SubjectScoreParams,
  SubjectScores,
} from './analytics.schemas.ts'
import { AnalyticsCharts, shapeCharts } from './analytics-charts.ts'
import type { ScoreService } from './score.service.ts'

export const analyticsRoutes =
  (scores: ScoreService, charts: ScoreCharts): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/scores',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['analytics'],
          summary: "A subject's scores, each with its explanation",
          description:
            "CLV, P(alive), expected purchases and purchase probability in 30 and 90 days, churn risk, RFM quintiles and ABC class, each with what it means, the inputs it was computed from (this subject's numbers), the model and its parameters, in German and English (Art. 13(2)(f), 15(1)(h) GDPR; CJEU C-203/22). Read under the purpose `profiling_offers`: the role must be in its scope and hold the field category `derived`, else 403; the purpose's legal basis must hold for the subject (consent given and not withdrawn, no objection to it or to all marketing), else 403 naming the rule (`the purpose profiling_offers may not use this subject: no-consent`); an unknown or erased subject is 404. Scores exist only for subjects the purpose may use; a withdrawal or objection deletes them at once. The read and every refusal are audited.",
          params: SubjectScoreParams,
          response: { 200: SubjectScores },
        },
      },
      (request) => scores.subjectScores(contextOf(request), request.params.id),
    )

    app.get(
      '/analytics/clv',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'The fitted CLV model with its calibration chart',
          description:
            "The newest fit: the BG/NBD (r, α, a, b; time in weeks) and Gamma-Gamma (p, q, γ) parameters with their log-likelihood, the customers and the distinct sufficient statistics (groups) they were fitted on, when, the RFM cut points and ABC limits, the settings, and the BG/NBD paper's tracking chart (expected vs actual cumulative repeat purchases by week) for this installation's data. The models are fitted on pseudonymous aggregates of all customers (no subject named; restricted subjects left out). 404 before the first fit.",
          response: { 200: ClvModel },
        },
      },
      () => scores.model(),
    )

    app.post(
      '/analytics/scores/recompute',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'Fit the models and recompute every score now',
          description:
            "Synchronous (the worker also runs it nightly, job `analytics.scores`). Fits BG/NBD and Gamma-Gamma on the aggregates of all customers, then scores the subjects the purpose `profiling_offers` may use, page by page (each page checked again under a lock, stored and audited in one transaction), raises an event for each customer moving into the high churn-risk band, and removes the earlier scores of everyone the purpose no longer reaches. Answers with the counts, including the customers left without scores (no consent to profiling, withdrawn, objected). The role must be in the purpose's scope and hold the category `derived`. 409 while a recomputation is running.",
          querystring: RecomputeQuery,
          response: { 200: RecomputeResult },
        },
      },
      async (request) => {
        const result = await scores.recompute(contextOf(request), { pageSize: request.query.pageSize })
        charts.forget()
        return result
      },
    )

    app.get(
      '/analytics/charts',
      {
        config: { access: 'analytics:run' },
        schema: {
          tags: ['analytics'],
          summary: 'The population’s scores as charts: RFM grid, ABC and Pareto, P(alive), CLV, churn',
          description:
            'Counts over the stored scores — which exist only for customers the profiling purpose may use (an objection removes them at once) — with no customer named, so the look is not audited. The RFM grid has every recency × frequency cell; ABC the revenue share per class and the Pareto curve in twentieths of customers; P(alive) and CLV as histograms (CLV up to the 99th percentile); the churn-risk bands. Kept for five minutes, counted anew after a recomputation.',
          response: { 200: AnalyticsCharts },
        },
      },
      async () => shapeCharts(await charts.charts()),
    )
  }
