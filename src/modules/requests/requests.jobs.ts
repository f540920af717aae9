import type { RequestWorkflowService } from './request-workflow.service.ts'

/**
 * `requests.deadlines`: thin entry point. Mails the DPO the open requests due within 7 days
 * (Art. 12(3)), and deletes stored answers whose 30-day download window ended.
 */
export async function requestDeadlinesJob(
  workflow: RequestWorkflowService,
): Promise<{ due: number; mailed: boolean; purged: number }> {
  const warned = await workflow.warnDue(7)
  const purged = await workflow.purgeExpiredAnswers()
  return { ...warned, purged }
}
