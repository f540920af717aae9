import type {
  CallList,
  CallOutcome,
  CampaignChannelKernel,
  RecordedCall,
} from '../../../privacy/campaign-channels/campaign-channels.service.ts'
import type { RequestContext } from '../../../privacy/gate/request-context.ts'

/**
 * The agents' side of a phone campaign: the call list (names and numbers read through the gate
 * under the channel's purpose on `phone`, re-checked at every read: a withdrawn consent drops off)
 * and the calls recorded with their outcome — each a use of the § 7a UWG consent, so the proof's
 * keep-until moves, and an objection or withdrawal said on the call recorded at once.
 */
export class PhoneCallService {
  readonly #kernel: CampaignChannelKernel
  constructor(kernel: CampaignChannelKernel) {
    this.#kernel = kernel
  }

  callList(
    ctx: RequestContext,
    request: { campaignId: string; after?: string | undefined; limit?: number | undefined },
  ): Promise<CallList> {
    return this.#kernel.callList(ctx, { ...request, limit: Math.min(Math.max(request.limit ?? 100, 1), 500) })
  }

  recordCall(
    ctx: RequestContext,
    request: { campaignId: string; subjectId: string; outcome: CallOutcome; note?: string | undefined },
  ): Promise<RecordedCall> {
    return this.#kernel.recordCall(ctx, request)
  }
}
