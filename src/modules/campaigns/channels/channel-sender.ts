import type { PersonalField } from '../../../privacy/fields/field-catalog.ts'
import type { GatedSubject } from '../../../privacy/gate/gate.service.ts'

/** The channels a campaign reaches people on (migration 0038). */
export type CampaignChannel = 'email' | 'sms' | 'post' | 'phone'

/** A campaign's content in one language on one channel, as stored (campaign_content). */
export interface ChannelContent {
  lang: 'de' | 'en'
  subject: string
  bodyText: string
  bodyHtml: string | null
}

/** One person of a batch, permitted now: read through the gate under the channel's purpose. */
export interface BatchRecipient {
  subject: GatedSubject
  /** Fixed in the ledger before the first attempt (e-mail: the Message-ID; SMS: the client reference). */
  messageId: string
  /** The content in the person's language (or the campaign's default language). */
  content: ChannelContent
  /** The ledger row's attempts so far, this one included. */
  attempt: number
  /**
   * E-mail of a campaign with `trackOpens`: whether the person's consent to `web_tracking` (on
   * `web`) held when this batch was re-checked — decided by the kernel
   * (`CampaignLedger.trackingConsents`), never by a sender. Only then does the mail's HTML get the
   * open pixel and the click redirects; otherwise it goes out untracked.
   */
  trackingConsent?: boolean | undefined
}

/** A batch of one campaign on one channel, after the per-batch re-check (docs/adr/0020). */
export interface ChannelBatch {
  campaignId: string
  campaignName: string
  channel: CampaignChannel
  purposeKey: string
  /** post: the letter shop (a processor of the recipients registry) the print list is disclosed to. */
  recipientId: string | null
  recipients: BatchRecipient[]
  /** The campaign asks for opens and clicks (`campaign.track_opens`; e-mail only, off by default). */
  trackOpens?: boolean | undefined
  requestId?: string | undefined
  /**
   * What the sender's `prepare` made ready for the batch (e-mail: the unsubscribe links per
   * subject id), while the batch before was still being delivered.
   */
  ready?: ReadonlyMap<string, string> | undefined
}

/**
 * What became of one person's message:
 * - `sent`: handed over (SMTP 2xx, provider accepted, on the print list, on the call list);
 * - `retry`: a temporary failure (SMTP 4xx, provider 429/5xx): the ledger row goes back to
 *   `queued` with `retryAt`; after the sender's maximum attempts the core records `failed`;
 * - `failed`: permanent (SMTP 5xx, provider rejected the number): recorded with the reason;
 * - `skipped`: the channel can't reach the person (no address, no phone number).
 */
export interface DeliveryOutcome {
  subjectId: string
  status: 'sent' | 'retry' | 'failed' | 'skipped'
  /** The SMTP reply code, the provider's status, `no-address`; never an address or a name. */
  reason?: string | undefined
  /** The id the provider gave, when it differs from the one fixed beforehand. */
  messageId?: string | undefined
  retryAt?: Date | undefined
}

/**
 * A channel of the campaign sender (src/modules/campaigns): e-mail over SMTP, SMS through a provider
 * adapter, post as the letter shop's print list, phone as the agents' call list. The core decides the
 * audience, re-checks each batch through the gate (purpose, channel, suppression, frequency cap),
 * reads `fields` of the permitted people through the gate, and hands them over here; a sender never
 * reads personal data itself and never decides who may be reached.
 */
export interface ChannelSender {
  readonly channel: CampaignChannel
  /** The fields this channel needs from the gate (e-mail: email; SMS/phone: phone; post: name and address). */
  readonly fields: readonly PersonalField[]
  /** How many attempts a `retry` gets before the row is `failed`. */
  readonly maxAttempts: number
  /**
   * Optional: the batch's database work done ahead (the core calls it in the stage that overlaps
   * the previous batch's delivery); returns the batch with `ready` set.
   */
  prepare?(batch: ChannelBatch): Promise<ChannelBatch>
  deliver(batch: ChannelBatch): Promise<DeliveryOutcome[]>
}
