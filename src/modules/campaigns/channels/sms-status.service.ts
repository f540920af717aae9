import type {
  CampaignChannelKernel,
  ReportOutcome,
} from '../../../privacy/campaign-channels/campaign-channels.service.ts'

/** Provider words for a final delivery state; anything else (`queued`, `sent`, `buffered`, …) changes nothing. */
const DELIVERED = new Set(['delivered', 'delivrd', 'success'])
const FAILED = new Set(['failed', 'undelivered', 'undeliv', 'rejected', 'expired', 'error'])

/**
 * SMS delivery reports (`POST /campaigns/sms-status`): the ledger row found by the message id (the
 * provider's, or Tresor's reference) becomes `delivered` or `failed` (with the provider's error code
 * as the reason); an intermediate status is acknowledged and changes nothing.
 */
export class SmsStatusService {
  readonly #kernel: CampaignChannelKernel
  constructor(kernel: CampaignChannelKernel) {
    this.#kernel = kernel
  }

  async report(
    body: {
      messageId?: string | undefined
      reference?: string | undefined
      status: string
      errorCode?: string | undefined
    },
    requestId?: string,
  ): Promise<ReportOutcome & { final: boolean }> {
    const word = body.status.trim().toLowerCase()
    const final = DELIVERED.has(word) ? 'delivered' : FAILED.has(word) ? 'failed' : undefined
    if (!final) return { matched: false, final: false }
    const ids = [body.messageId, body.reference].filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    )
    const outcome = await this.#kernel.applyDeliveryReport({
      messageIds: ids,
      status: final,
      detail: final === 'failed' ? (body.errorCode ?? word) : '',
      requestId,
    })
    return { ...outcome, final: true }
  }
}
