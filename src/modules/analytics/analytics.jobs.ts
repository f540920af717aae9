import type {
  AssociationRun,
  RecommendationStore,
} from '../../privacy/recommendations/recommendation-store.ts'
import type { RecomputeSummary, ScoreService } from './score.service.ts'

/** The nightly run acts as a job of Tresor itself, in the admin role (in every purpose's scope). */
const SCORES_JOB_CONTEXT = { actor: { type: 'job' as const, id: 'analytics.scores', role: 'admin' } }

/**
 * `analytics.scores`: thin entry point; the services fit, score and remove what no longer holds, then
 * count the products bought together.
 */
export async function recomputeScoresJob(
  scores: ScoreService,
  recommendations?: RecommendationStore,
): Promise<
  Omit<RecomputeSummary, 'model'> & {
    modelVersion: number
    recommendations?: Omit<AssociationRun, 'computedAt'>
  }
> {
  const { model, ...counts } = await scores.recompute(SCORES_JOB_CONTEXT)
  const run = recommendations ? await recommendations.rebuild(SCORES_JOB_CONTEXT) : undefined
  return {
    modelVersion: model.version,
    ...counts,
    ...(run
      ? {
          recommendations: {
            customers: run.customers,
            products: run.products,
            pairs: run.pairs,
            minCustomers: run.minCustomers,
            top: run.top,
          },
        }
      : {}),
  }
}
