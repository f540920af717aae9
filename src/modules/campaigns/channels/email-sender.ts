import type { CampaignSettings, MailSettings } from '../../../platform/config.ts'
import type { Logger } from '../../../platform/logger.ts'
import { createMailer, type Mailer, type MailLanguage } from '../../../platform/mail/mailer.ts'
import type { ChannelBatch, ChannelSender, DeliveryOutcome } from './channel-sender.ts'

/** What the e-mail sender needs: the mail settings and the unsubscribe links. */
export interface EmailSenderDeps {
  mail: MailSettings
  campaigns: Pick<CampaignSettings, 'smtpPoolSize' | 'smtpRatePerSecond' | 'retryBaseSeconds'>
  /** The people's unsubscribe links for the purpose on e-mail, at once (`UnsubscribeService.linksFor`). */
  linksFor(
    subjectIds: readonly string[],
    purposeKey: string,
    channel: 'email',
    options: { lang: MailLanguage },
  ): Promise<Map<string, string>>
  /**
   * Opens and clicks (`CampaignTrackingLinks.html`, src/modules/campaigns/tracking.ts): the HTML of
   * one mail with its links through the click redirect and the open pixel. Called only for a batch
   * with `trackOpens` and a recipient with `trackingConsent`; without it nothing is tracked.
   */
  trackedHtml?: (html: string, messageId: string) => Promise<string>
  /** The lines naming the controller and the DPO (as every mail of Tresor ends with them). */
  identity?: (lang: MailLanguage) => Promise<readonly string[]>
  logger?: Logger | undefined
  /** How many attempts a temporary failure gets (default 5). */
  maxAttempts?: number
  clock?: () => Date
}

/** The SMTP reply code of a nodemailer error, if the server gave one. */
const replyCode = (error: unknown): number | undefined => {
  const code = (error as { responseCode?: unknown }).responseCode
  return typeof code === 'number' ? code : undefined
}

/**
 * The e-mail channel of campaigns: the mailer of `src/platform/mail/mailer.ts` (its marketing
 * option puts the person's unsubscribe link into the RFC 8058 headers and the visible footer, and
 * the identity footer follows), over a pooled SMTP transport (TRESOR_SMTP_POOL_SIZE connections,
 * TRESOR_SMTP_RATE_PER_SECOND at most), or the .eml outbox of the embedded default. Each mail
 * carries the Message-ID the ledger fixed before the first attempt. SMTP 4xx (and a lost
 * connection) → `retry` with exponential backoff; 5xx → `failed` with the reply code.
 * For a campaign with `trackOpens`, the HTML part of a mail to a person whose tracking consent the
 * kernel found holding gets the open pixel and its links through the click redirect (`trackedHtml`)
 * — before the mailer appends the unsubscribe and identity footers, so those links are never
 * rewritten; the plain-text part is never changed.
 */
export class EmailSender implements ChannelSender {
  readonly channel = 'email' as const
  readonly fields = ['email'] as const
  readonly maxAttempts: number
  readonly #deps: EmailSenderDeps
  readonly #mailer: Mailer
  readonly #clock: () => Date
  readonly #identity = new Map<MailLanguage, { at: number; lines: Promise<readonly string[]> }>()

  constructor(deps: EmailSenderDeps) {
    this.#deps = deps
    this.maxAttempts = deps.maxAttempts ?? 5
    this.#clock = deps.clock ?? (() => new Date())
    const identity = deps.identity
    this.#mailer = createMailer(deps.mail, undefined, {
      // The settings are read at most every 30 s, not once per mail of a million.
      ...(identity
        ? {
            identity: (lang: MailLanguage) => {
              const cached = this.#identity.get(lang)
              if (cached && Date.now() - cached.at < 30_000) return cached.lines
              const lines = identity(lang)
              this.#identity.set(lang, { at: Date.now(), lines })
              return lines
            },
          }
        : {}),
      pool: { maxConnections: deps.campaigns.smtpPoolSize, ratePerSecond: deps.campaigns.smtpRatePerSecond },
      logEachMail: false,
    })
  }

  /** `smtp` or `file` (the embedded default's outbox). */
  get transport(): 'smtp' | 'file' {
    return this.#mailer.transport
  }

  /** The batch's unsubscribe links, made while the batch before is still being sent. */
  async prepare(batch: ChannelBatch): Promise<ChannelBatch> {
    return { ...batch, ready: await this.#links(batch) }
  }

  /** The links of the batch in one go per language (one query, one insert), not one round trip per mail. */
  async #links(batch: ChannelBatch): Promise<Map<string, string>> {
    const links = new Map<string, string>()
    for (const lang of ['de', 'en'] as const) {
      const ids = batch.recipients.filter((r) => r.content.lang === lang).map((r) => r.subject.id)
      if (ids.length === 0) continue
      for (const [id, url] of await this.#deps.linksFor(ids, batch.purposeKey, 'email', { lang }))
        links.set(id, url)
    }
    return links
  }

  async deliver(batch: ChannelBatch): Promise<DeliveryOutcome[]> {
    const started = Date.now()
    const links = batch.ready ?? (await this.#links(batch))
    let trackedMails = 0
    const outcomes = await Promise.all(
      batch.recipients.map(async (r): Promise<DeliveryOutcome> => {
        const to = r.subject.identifiers.email
        if (!to) return { subjectId: r.subject.id, status: 'skipped', reason: 'no-address' }
        try {
          const unsubscribeUrl = links.get(r.subject.id.toLowerCase())
          // No link, no marketing mail (the person was erased a moment ago).
          if (!unsubscribeUrl) return { subjectId: r.subject.id, status: 'skipped', reason: 'erased' }
          const tracked = batch.trackOpens === true && r.trackingConsent === true && this.#deps.trackedHtml
          const html =
            r.content.bodyHtml !== null && tracked
              ? await tracked(r.content.bodyHtml, r.messageId)
              : (r.content.bodyHtml ?? undefined)
          if (html !== undefined && tracked) trackedMails++
          await this.#mailer.send({
            to,
            subject: r.content.subject,
            text: r.content.bodyText,
            html,
            marketing: { unsubscribeUrl, lang: r.content.lang },
            lang: r.content.lang,
            messageId: r.messageId,
          })
          return { subjectId: r.subject.id, status: 'sent' }
        } catch (error) {
          const code = replyCode(error)
          if (code !== undefined && code >= 500)
            return { subjectId: r.subject.id, status: 'failed', reason: `smtp-${code}` }
          const delay = this.#deps.campaigns.retryBaseSeconds * 1000 * 2 ** Math.max(0, r.attempt - 1)
          return {
            subjectId: r.subject.id,
            status: 'retry',
            reason: code !== undefined ? `smtp-${code}` : 'smtp-connection',
            retryAt: new Date(this.#clock().getTime() + delay),
          }
        }
      }),
    )
    const count = (s: string) => outcomes.filter((o) => o.status === s).length
    // Counts only: no address, no subject id, no content.
    this.#deps.logger?.info(
      {
        component: 'campaigns',
        campaignId: batch.campaignId,
        channel: 'email',
        transport: this.#mailer.transport,
        sent: count('sent'),
        retry: count('retry'),
        failed: count('failed'),
        skipped: count('skipped'),
        ...(batch.trackOpens ? { tracked: trackedMails } : {}),
        ms: Date.now() - started,
      },
      'campaign batch mailed',
    )
    return outcomes
  }

  close(): void {
    this.#mailer.close()
  }
}
