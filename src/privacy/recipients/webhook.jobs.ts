import type { DeliveryRun, WebhookService } from './webhook.service.ts'

/**
 * `webhooks.deliver` (every minute): delivers what is due, batch after batch, until nothing due is
 * left (a delivery retried later is not due). Thin entry point; returns counts only (the job log
 * gets no subject ids).
 */
export async function deliverWebhooksJob(webhooks: WebhookService, now?: Date): Promise<DeliveryRun> {
  const total: DeliveryRun = { delivered: 0, retrying: 0, failed: 0, refused: 0, cancelled: 0 }
  for (;;) {
    const run = await webhooks.deliverDue(now ? { now } : {})
    for (const k of Object.keys(total) as (keyof DeliveryRun)[]) total[k] += run[k]
    if (Object.values(run).reduce((a, b) => a + b, 0) === 0) return total
  }
}
