import type { CampaignService } from './campaign.service.ts'
import type { CampaignSend, SendRun } from './campaign-send.ts'

/**
 * How long one `campaigns.send` job sends before it hands over (releasing the campaign's lease):
 * below pg-boss's job expiry (15 minutes); `campaigns.start-due` starts the next job within a minute.
 */
export const SEND_JOB_BUDGET_MS = 10 * 60_000

/**
 * `campaigns.start-due` (every minute): the campaigns a send should run for — scheduled and due,
 * or sending with no live process (a crash, a handed-over job, a resume) — each enqueued as a
 * `campaigns.send` job. Returns counts only.
 */
export async function startDueCampaignsJob(
  campaigns: CampaignService,
  enqueue: (campaignId: string) => Promise<unknown>,
): Promise<{ started: number }> {
  const due = await campaigns.due()
  for (const id of due) await enqueue(id)
  return { started: due.length }
}

/**
 * `campaigns.send`: runs the campaign's send (docs/adr/0020). A redelivered or concurrent job finds
 * the lease held (`busy`) or nothing due and does nothing; a job past its budget hands over.
 */
export async function sendCampaignJob(
  send: CampaignSend,
  payload: { campaignId: string },
  budgetMs = SEND_JOB_BUDGET_MS,
): Promise<SendRun> {
  return send.run(payload.campaignId, { budgetMs })
}
