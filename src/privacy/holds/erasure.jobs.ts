import type { ErasureService } from './erasure.service.ts'

/**
 * `erasures.finish` (daily): completes the held erasures whose legal holds have all ended, narrows
 * those where some ended. Thin entry point; callable directly (tests pass `now`). Returns counts
 * only (the job log gets no subject ids); `tresor erasures finish` names the failures.
 */
export async function finishHeldErasuresJob(
  erasures: ErasureService,
  now?: Date,
): Promise<{ checked: number; finished: number; narrowed: number; failed: number }> {
  const report = await erasures.finishHeldErasures(now ? { now } : {})
  return { ...report, failed: report.failed.length }
}
