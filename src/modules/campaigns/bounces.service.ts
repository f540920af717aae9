import { invalidField } from '../../platform/problem.ts'
import type {
  CampaignChannelKernel,
  ReportOutcome,
} from '../../privacy/campaign-channels/campaign-channels.service.ts'
import { BounceFormatError, type BounceReport, bounceFromProvider, parseBounceMessage } from './bounces.ts'

/** What a bounce did: the report's kind and code, and the ledger's answer (no address). */
export interface BounceResult extends ReportOutcome {
  kind: BounceReport['kind']
  statusCode: string
}

/**
 * Bounces of campaign messages (docs/adr/0020): a DSN (RFC 3464) or an ARF complaint as received, or
 * a provider's JSON webhook. The ledger row is found by the original Message-ID (or the provider's
 * id); a hard bounce (`5.x.x`) makes it `bounced` and suppresses the channel for the person
 * (`campaign_suppression`, `hard-bounce`, the status code as its detail); a complaint suppresses it
 * (`complaint`); a soft bounce (`4.x.x`) is noted in the row's reason only. A report naming no
 * message of a campaign is answered `matched: false` (a bounce of some other mail).
 */
export class BounceService {
  readonly #kernel: CampaignChannelKernel
  constructor(kernel: CampaignChannelKernel) {
    this.#kernel = kernel
  }

  /** A DSN or ARF message as received (an `.eml` of the bounce mailbox). 400 naming `raw` if it is none. */
  async fromMessage(
    raw: string,
    where: { in: string; field: string } = { in: 'body', field: 'raw' },
    requestId?: string,
  ) {
    let report: BounceReport
    try {
      report = parseBounceMessage(raw)
    } catch (error) {
      if (error instanceof BounceFormatError) throw invalidField(where.in, where.field, error.message)
      throw error
    }
    return this.#apply(report, requestId)
  }

  /** A provider's webhook: `{ messageId, type, status? }`. */
  async fromProvider(
    body: { messageId: string; type: 'hard' | 'soft' | 'complaint'; status?: string | undefined },
    requestId?: string,
  ) {
    let report: BounceReport
    try {
      report = bounceFromProvider(body)
    } catch (error) {
      if (error instanceof BounceFormatError) throw invalidField('body', error.field, error.message)
      throw error
    }
    return this.#apply(report, requestId)
  }

  async #apply(report: BounceReport, requestId?: string): Promise<BounceResult> {
    const outcome = await this.#kernel.applyBounce({
      messageIds: report.messageIds,
      kind: report.kind,
      detail: report.status,
      requestId,
    })
    return { ...outcome, kind: report.kind, statusCode: report.status }
  }
}
