import type { RetentionSweeper } from './retention-sweep.service.ts'

/**
 * `retention.sweep` (daily): goes on with runs a stopped process left, then — once the DPO approved
 * a first plan, off until then — plans and runs the rules still at the versions approved last (the
 * standing approval). Thin entry point; returns counts and rule keys only (the job log gets no
 * subject ids); the run's progress and failures are on the page and in `tresor retention runs`.
 */
export async function sweepRetentionJob(
  sweeper: RetentionSweeper,
): Promise<{ enabled: boolean; resumed: number; runId: string | null; ran: string[]; skipped: string[] }> {
  const report = await sweeper.sweep()
  return {
    enabled: report.enabled,
    resumed: report.resumed,
    runId: report.runId,
    ran: report.ran,
    skipped: report.skipped.map((s) => s.ruleKey),
  }
}
