import type { BreachNoticeService } from './breach-notice.service.ts'

/** `breaches.remind`: thin entry point; the service finds the breaches whose 72 hours run out and mails the DPO. */
export function remindBreachesJob(
  notices: BreachNoticeService,
): Promise<{ reminded: number; unaddressed: number }> {
  return notices.remind()
}
