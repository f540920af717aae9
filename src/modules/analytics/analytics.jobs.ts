import type { RecomputeSummary, ScoreService } from './score.service.ts'

/** The nightly run acts as a job of Tresor itself, in the admin role (in every purpose's scope). */
const SCORES_JOB_CONTEXT = { actor: { type: 'job' as const, id: 'analytics.scores', role: 'admin' } }

/** `analytics.scores`: thin entry point; the service fits, scores and removes what no longer holds. */
export async function recomputeScoresJob(
  scores: ScoreService,
): Promise<Omit<RecomputeSummary, 'model'> & { modelVersion: number }> {
  const { model, ...counts } = await scores.recompute(SCORES_JOB_CONTEXT)
  return { modelVersion: model.version, ...counts }
}
