import type { ChannelBatch, ChannelSender, DeliveryOutcome } from './channel-sender.ts'
import type { SmsProvider } from './sms-provider.ts'
import { optOutLine, smsLength, withOptOut } from './sms-text.ts'

/** What the SMS sender needs. */
export interface SmsSenderDeps {
  /** The provider; absent (no TRESOR_SMS_URL): every message fails with `no-provider`. */
  provider: SmsProvider | undefined
  /** The sender id shown on the phone. */
  sender: string
  /** Segments a message may have at most, the opt-out line included. */
  maxSegments: number
  /** The person's unsubscribe link for the purpose on `sms` (`UnsubscribeService.linkFor`). */
  linkFor(
    subjectId: string,
    purposeKey: string,
    channel: 'sms',
    options: { lang: 'de' | 'en' },
  ): Promise<string>
  /** How many attempts a temporary failure gets (default 5). */
  maxAttempts?: number
  /** Messages in flight at once (default 4). */
  concurrency?: number
  clock?: () => Date
}

const E164 = /^\+[1-9]\d{6,14}$/

/**
 * The SMS channel of campaigns (§ 7(2) No. 2 UWG: consent only — the core's gate re-check under the
 * channel's purpose, `sms_marketing` by default, decides who is permitted; this sender never
 * decides). Per person: the number from the vault (E.164; none: `skipped` `no-phone`), the content
 * the core rendered, and an opt-out line with the person's unsubscribe link (`Abmelden: …` /
 * `Unsubscribe: …`, the link withdraws the SMS consent in one click) — every marketing SMS carries
 * it, so objecting is as easy as the message was to receive. A text longer than the allowed
 * segments (GSM-7 160/153, UCS-2 70/67 per segment) is `failed` `too-long`. The provider's answer:
 * accepted → `sent` (its id kept for the delivery reports), 429/5xx/network → `retry`, another 4xx
 * → `failed` with `http-<status>`.
 */
export class SmsSender implements ChannelSender {
  readonly channel = 'sms' as const
  readonly fields = ['phone'] as const
  readonly maxAttempts: number
  readonly #deps: SmsSenderDeps
  readonly #clock: () => Date

  constructor(deps: SmsSenderDeps) {
    this.#deps = deps
    this.maxAttempts = deps.maxAttempts ?? 5
    this.#clock = deps.clock ?? (() => new Date())
  }

  async deliver(batch: ChannelBatch): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = []
    const queue = [...batch.recipients]
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) outcomes.push(await this.#one(batch, r))
    }
    await Promise.all(Array.from({ length: Math.max(1, this.#deps.concurrency ?? 4) }, worker))
    return outcomes
  }

  async #one(batch: ChannelBatch, r: ChannelBatch['recipients'][number]): Promise<DeliveryOutcome> {
    const subjectId = r.subject.id
    const phone = r.subject.identifiers.phone?.trim()
    if (!phone) return { subjectId, status: 'skipped', reason: 'no-phone' }
    if (!E164.test(phone)) return { subjectId, status: 'failed', reason: 'invalid-number' }
    const provider = this.#deps.provider
    if (!provider) return { subjectId, status: 'failed', reason: 'no-provider' }
    const lang = r.content.lang
    let link: string
    try {
      link = await this.#deps.linkFor(subjectId, batch.purposeKey, 'sms', { lang })
    } catch {
      // Erased since the re-check (or the purpose changed): the next batch's re-check decides.
      return { subjectId, status: 'retry', reason: 'no-unsubscribe-link' }
    }
    const text = withOptOut(r.content.bodyText, optOutLine(lang, link))
    const length = smsLength(text)
    if (length.segments > this.#deps.maxSegments)
      return { subjectId, status: 'failed', reason: `too-long (${length.segments} segments)` }
    const result = await provider.send({ from: this.#deps.sender, to: phone, text, reference: r.messageId })
    switch (result.status) {
      case 'accepted':
        return {
          subjectId,
          status: 'sent',
          ...(result.providerId && result.providerId !== r.messageId ? { messageId: result.providerId } : {}),
        }
      case 'retry':
        return {
          subjectId,
          status: 'retry',
          reason: result.reason,
          ...(result.retryAfterMs !== undefined
            ? { retryAt: new Date(this.#clock().getTime() + result.retryAfterMs) }
            : {}),
        }
      default:
        return { subjectId, status: 'failed', reason: result.reason }
    }
  }
}
