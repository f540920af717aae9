import type { CampaignTracking, TrackingOutcome } from '../../privacy/campaign-channels/campaign-tracking.ts'

/** A transparent 1×1 GIF. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

/**
 * Opens and clicks of campaign e-mails, for campaigns with `trackOpens` (off by default): the
 * tracked HTML of one mail (every http(s) link through `/t/c/{token}?u=…`, an open pixel
 * `/t/o/{token}.gif` at the end of the body), and the answers of those two public URLs. Recorded only
 * with the person's `web_tracking` consent (the kernel's `CampaignTracking`); the token is the
 * message's id, signed: no personal data in the URL.
 *
 * The e-mail sender calls `html()` for a campaign with `trackOpens`, per mail, only for the people
 * whose tracking consent the kernel found holding at the batch (`ChannelBatch.trackOpens`,
 * `BatchRecipient.trackingConsent`); the unsubscribe footer is added after it, and a link to the
 * installation's own unsubscribe pages or tracking URLs in the content is never rewritten.
 */
export class CampaignTrackingLinks {
  readonly #tracking: CampaignTracking
  readonly #base: string
  constructor(tracking: CampaignTracking, publicUrl: string) {
    this.#tracking = tracking
    this.#base = publicUrl.replace(/\/$/, '')
  }

  /** The public URLs of a message: the pixel and a click on `url`. */
  async urls(messageId: string): Promise<{ pixel: string; click: (url: string) => string }> {
    const token = await this.#tracking.tokenFor(messageId)
    return {
      pixel: `${this.#base}/t/o/${token}.gif`,
      click: (url) => `${this.#base}/t/c/${token}?u=${encodeURIComponent(url)}`,
    }
  }

  /** A link to the installation's unsubscribe pages or tracking URLs: never rewritten. */
  #own(url: string): boolean {
    const lower = url.toLowerCase()
    const base = this.#base.toLowerCase()
    return lower.startsWith(`${base}/p/unsubscribe`) || lower.startsWith(`${base}/t/`)
  }

  /** The mail's HTML with tracked links (not unsubscribe links) and the open pixel. */
  async html(html: string, messageId: string): Promise<string> {
    const { pixel, click } = await this.urls(messageId)
    const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
    const fromAttr = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
    const linked = html.replace(
      /href\s*=\s*("([^"]*)"|'([^']*)')/gi,
      (whole, _q, dq?: string, sq?: string) => {
        const url = fromAttr((dq ?? sq ?? '').trim())
        return /^https?:\/\//i.test(url) && !this.#own(url) ? `href="${attr(click(url))}"` : whole
      },
    )
    const img = `<img src="${attr(pixel)}" width="1" height="1" alt="" style="display:none">`
    return /<\/body>/i.test(linked) ? linked.replace(/<\/body>/i, `${img}</body>`) : `${linked}${img}`
  }

  open(token: string, requestId?: string): Promise<TrackingOutcome> {
    return this.#tracking.open(token, requestId)
  }

  click(token: string, url: string, requestId?: string): Promise<TrackingOutcome & { redirectTo?: string }> {
    return this.#tracking.click(token, url, requestId)
  }
}
