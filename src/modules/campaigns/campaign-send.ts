import { randomUUID } from 'node:crypto'
import type { CampaignSettings } from '../../platform/config.ts'
import type { Logger } from '../../platform/logger.ts'
import type {
  AudienceCounts,
  CampaignLedger,
  ClaimedRow,
  DecidedAudience,
  LedgerOutcome,
} from '../../privacy/campaigns/campaign-ledger.ts'
import type { PersonalField } from '../../privacy/fields/field-catalog.ts'
import type { GateActor, GatedSubject } from '../../privacy/gate/gate.service.ts'
import type { SegmentGroup } from '../../privacy/segments/segment-rules.ts'
import type { CampaignRepository, ChannelRow, ContentRow, StoredCampaign } from './campaign.repository.ts'
import type {
  BatchRecipient,
  CampaignChannel,
  ChannelBatch,
  ChannelContent,
  ChannelSender,
} from './channels/channel-sender.ts'
import type { ChannelRegistry } from './channels/registry.ts'
import { fieldsOfTemplates, render, valuesOf } from './merge-fields.ts'

/**
 * Who reads the people of a send through the gate: a system actor in the admin role, bounded by
 * this code (it asks only for the channel's fields and the content's merge fields), like the
 * marketing mail's sender. The audit records name it and the campaign.
 */
export const CAMPAIGN_SENDER: GateActor = { type: 'system', id: 'campaigns', role: 'admin' }

/** What a run did. */
export interface SendRun {
  /** `done`: finished (`sent`); `stopped`: paused or cancelled; `busy`: another process holds it; `not-due`: nothing to send; `continuing`: the time budget ran out, the next run goes on. */
  state: 'done' | 'stopped' | 'busy' | 'not-due' | 'continuing'
  batches: number
  sent: number
  failed: number
  skipped: number
  retrying: number
}

export interface SendOptions {
  /** Stop after this long (releasing the lease) and report `continuing`; default: no limit. */
  budgetMs?: number
  /** Called after each batch with the rows it finished (sent, failed or skipped) and the audience. */
  onProgress?: (done: number, audience: number) => void | Promise<void>
  signal?: AbortSignal
  /** Called once the audience is decided (when this run decided it), with how long that took. */
  onAudience?: (audience: DecidedAudience, ms: number) => void | Promise<void>
}

export interface SendDeps {
  repository: CampaignRepository
  ledger: CampaignLedger
  channels: ChannelRegistry
  segments: {
    get(id: string): Promise<{ purpose: string; rules: SegmentGroup; version: number }>
    versions(id: string): Promise<{ purpose: string; rules: SegmentGroup; version: number }[]>
  }
  fields: { get(key: string): unknown }
  settings: Pick<CampaignSettings, 'batchSize' | 'leaseSeconds'>
  /** The domain of the Message-IDs (`<uuid@domain>`): the sender address's. */
  messageDomain: string
  logger?: Logger | undefined
  clock?: () => Date
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** How often a send claims from the range of queued rows while chunks are still to enter (retries). */
const RANGE_CLAIM_EVERY_MS = 5_000

/** The catalog attribute a person's language is read from, when the catalog has it (values `de`, `en`). */
export const LANGUAGE_ATTRIBUTE = 'language'

/**
 * The send (docs/adr/0020, 0022): one process at a time holds a campaign's lease; it decides the
 * audience once (the kernel's snapshot in chunks of ids), then works through batches — claim (the
 * next chunk, moved into the ledger already claimed; retries from the queue), re-check through the gate, hand
 * the permitted to the channel's sender, write the outcomes — until no chunk is left and no row is
 * `queued` or `sending`. Pause and cancel are seen between batches. A process that dies leaves
 * its lease to run out; the next one puts the rows left `sending` back to `queued` with their
 * Message-ID, so at most the messages in flight at the crash go out twice, recognisably.
 */
export class CampaignSend {
  readonly #d: SendDeps
  readonly #clock: () => Date
  constructor(deps: SendDeps) {
    this.#d = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  async run(campaignId: string, options: SendOptions = {}): Promise<SendRun> {
    const d = this.#d
    const owner = randomUUID()
    const run: SendRun = { state: 'done', batches: 0, sent: 0, failed: 0, skipped: 0, retrying: 0 }
    const taken = await d.repository.takeLease(campaignId, owner, this.#clock(), d.settings.leaseSeconds)
    if (!taken) {
      // A sending campaign refuses the lease only while another holder's is in force: busy, even
      // if that lease has run out by now (comparing with the clock again raced with its end).
      const found = await d.repository.find(campaignId)
      return { ...run, state: found?.row.status === 'sending' ? 'busy' : 'not-due' }
    }
    const started = Date.now()
    let inflight: Promise<void> | null = null
    // The excluded by reason, counted beside the first batches once the audience is decided.
    let excluded: Promise<void> | null = null
    const settle = async () => {
      const previous = inflight
      inflight = null
      await previous
    }
    try {
      // Rows a dead holder left `sending` go back to `queued` (their Message-ID kept).
      const requeued = await d.ledger.requeueSending(campaignId)
      if (requeued > 0)
        d.logger?.warn(
          { campaignId, requeued },
          'campaign send resumed: rows left sending by an ended process requeued',
        )
      let stored = (await d.repository.find(campaignId)) as StoredCampaign
      if (stored.row.status === 'scheduled' || stored.row.audience === null) {
        const segment = stored.row.segment_id ? await d.segments.get(stored.row.segment_id) : null
        if (!segment) throw new Error('the campaign has no segment')
        if (stored.row.status === 'scheduled')
          await d.repository.markStarted(campaignId, this.#clock(), segment.version)
        const deciding = performance.now()
        const audience = await d.ledger.decide({
          actor: CAMPAIGN_SENDER,
          campaignId,
          segment: { purpose: segment.purpose, rules: segment.rules },
          channels: stored.channels,
          cap: capOf(stored),
          // A chunk is a batch: it enters the ledger claimed (docs/adr/0022).
          chunkSize: d.settings.batchSize,
        })
        await d.repository.setAudience(campaignId, audienceJson(audience))
        await options.onAudience?.(audience, performance.now() - deciding)
        d.logger?.info(
          {
            campaignId,
            audience: audience.channels.map((c) => ({ channel: c.channel, audience: c.audience })),
          },
          'campaign audience decided',
        )
        stored = (await d.repository.find(campaignId)) as StoredCampaign
      }
      if (stored.row.audience && !(stored.row.audience as { excludedCountedAt?: string }).excludedCountedAt)
        excluded = this.#countExcluded(stored).catch((error: unknown) => {
          d.logger?.error(
            { campaignId, err: { type: (error as Error).name } },
            'counting the excluded of a campaign failed; the next run counts again',
          )
        })
      // The audience decided at the start enters the ledger a chunk (a batch) at a time, already
      // claimed. The range of queued rows (retries, rows an ended run left, a send decided before
      // chunks) is claimed when no chunk is left, and every few seconds meanwhile — each range
      // claim walks the index entries of the rows already gone on.
      const filling = new Set(await d.ledger.unfilled(campaignId))
      const rangeClaimed = new Map<string, number>()
      const claim = async (channel: ChannelRow): Promise<ClaimedRow[]> => {
        const ch = channel.channel
        const size = d.settings.batchSize
        const rows: ClaimedRow[] = []
        const last = rangeClaimed.get(ch)
        if (!filling.has(ch) || last === undefined || Date.now() - last >= RANGE_CLAIM_EVERY_MS) {
          rangeClaimed.set(ch, Date.now())
          rows.push(...(await d.ledger.claim(campaignId, ch, size, d.messageDomain)))
        }
        while (rows.length < size && filling.has(ch)) {
          const next = await d.ledger.fill(campaignId, ch, d.messageDomain)
          if (next === null) filling.delete(ch)
          else rows.push(...next)
        }
        return rows
      }
      const total = audienceTotal(stored.row.audience)
      let done = 0
      // Two stages: while one batch is with its sender, the next is claimed and re-checked.
      const deliverAndRecord = async (prepared: Prepared) => {
        const outcomes = await this.#deliver(prepared)
        await d.ledger.record(campaignId, prepared.channel.channel, outcomes)
        run.batches++
        for (const o of outcomes) {
          if (o.status === 'sent') run.sent++
          else if (o.status === 'failed') run.failed++
          else if (o.status === 'skipped') run.skipped++
          else run.retrying++
          if (o.status !== 'queued') done++
        }
        await options.onProgress?.(done, total)
      }
      for (;;) {
        if (options.signal?.aborted) return { ...run, state: 'continuing' }
        const current = await d.repository.renewLease(
          campaignId,
          owner,
          this.#clock(),
          d.settings.leaseSeconds,
        )
        if (!current) return { ...run, state: 'busy' }
        if (current.status !== 'sending') return { ...run, state: 'stopped' }
        if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs)
          return { ...run, state: 'continuing' }
        let progressed = false
        for (const channel of stored.channels) {
          const sender = d.channels.get(channel.channel)
          if (!sender) continue
          const rows = await claim(channel)
          if (rows.length === 0) continue
          progressed = true
          const prepared = await this.#prepare(stored, channel, sender, rows)
          await settle()
          const next = deliverAndRecord(prepared)
          // Awaited by the next settle(); a failure surfaces there, not as an unhandled rejection.
          next.catch(() => {})
          inflight = next
        }
        if (progressed) continue
        await settle()
        const pending = await d.ledger.pending(campaignId)
        if (pending.queued === 0 && pending.sending === 0 && pending.unfilled.length === 0) {
          await d.repository.markSent(campaignId, this.#clock())
          d.logger?.info({ campaignId, ...run }, 'campaign sent')
          return { ...run, state: 'done' }
        }
        // Rows of a channel whose sender is not installed wait until it is (no busy loop over them).
        const orphaned = stored.channels.filter((c) => !d.channels.get(c.channel))
        if (orphaned.length > 0) {
          d.logger?.error(
            { campaignId, channels: orphaned.map((c) => c.channel) },
            'campaign rows wait for a channel without a sender',
          )
          return { ...run, state: 'continuing' }
        }
        // Only retries are left: wait for the next due one, renewing the lease at least twice per
        // lease period.
        const wait = pending.nextDue ? pending.nextDue.getTime() - this.#clock().getTime() : 0
        const cap = (d.settings.leaseSeconds * 1000) / 3
        if (options.budgetMs !== undefined && Date.now() - started + Math.max(wait, 0) > options.budgetMs)
          return { ...run, state: 'continuing' }
        await sleep(Math.min(Math.max(wait, 50), cap), options.signal)
      }
    } finally {
      // The batch with its sender finishes (and is recorded) before the lease is given up.
      await settle().catch(() => {})
      await excluded
      await d.repository.releaseLease(campaignId, owner)
    }
  }

  /**
   * The segment's total and the excluded by the gate's rule, counted after the decision (docs/adr/
   * 0022) under the segment's version the send started with, merged into `campaign.audience`.
   */
  async #countExcluded(stored: StoredCampaign): Promise<void> {
    const d = this.#d
    const id = stored.row.segment_id
    if (!id) return
    const version = stored.row.segment_version
    const segment =
      (version === null ? undefined : (await d.segments.versions(id)).find((v) => v.version === version)) ??
      (await d.segments.get(id))
    const counted = await d.ledger.excluded({
      actor: CAMPAIGN_SENDER,
      segment: { purpose: segment.purpose, rules: segment.rules },
      channels: stored.channels,
    })
    const current = (await d.repository.find(stored.row.id))?.row.audience as {
      segment?: { total: number | null }
      channels?: { channel: string; excludedBy?: Record<string, number> }[]
    } | null
    if (!current) return
    await d.repository.setAudience(stored.row.id, {
      ...current,
      segment: { total: counted.total },
      excludedCountedAt: counted.countedAt,
      channels: (current.channels ?? []).map((c) => ({
        ...c,
        excludedBy: {
          ...(counted.excludedBy.get(c.channel as CampaignChannel) ?? {}),
          ...(c.excludedBy ?? {}),
        },
      })),
    })
  }

  /** One claimed batch re-checked through the gate and rendered: who is skipped, who goes to the sender. */
  async #prepare(
    stored: StoredCampaign,
    channel: ChannelRow,
    sender: ChannelSender,
    rows: readonly { subjectId: string; messageId: string; attempts: number }[],
  ): Promise<Prepared> {
    const d = this.#d
    const contents = stored.content.filter((c) => c.channel === channel.channel)
    const fields = new Set<PersonalField>([
      ...sender.fields,
      ...fieldsOfTemplates(contents.flatMap((c) => [c.subject, c.bodyText, c.bodyHtml ?? ''])),
    ])
    if (d.fields.get(LANGUAGE_ATTRIBUTE)) fields.add(LANGUAGE_ATTRIBUTE)
    const checked = await d.ledger.recheck({
      actor: CAMPAIGN_SENDER,
      campaignId: stored.row.id,
      channel: channel.channel,
      purposeKey: channel.purposeKey,
      subjectIds: rows.map((r) => r.subjectId),
      fields: [...fields],
      cap: capOf(stored),
    })
    const outcomes: LedgerOutcome[] = checked.skipped.map((s) => ({
      subjectId: s.subjectId,
      status: 'skipped',
      reason: s.reason,
    }))
    const byId = new Map(rows.map((r) => [r.subjectId, r]))
    // Opens and clicks: only e-mail of a campaign that asks for it, and only for the people whose
    // tracking consent holds now — the kernel's decision, per batch.
    const tracking =
      stored.row.track_opens && channel.channel === 'email'
        ? await d.ledger.trackingConsents(checked.permitted.map((s) => s.id))
        : null
    const recipients: BatchRecipient[] = checked.permitted.map((subject) => {
      const row = byId.get(subject.id) as { messageId: string; attempts: number }
      return {
        subject,
        messageId: row.messageId,
        attempt: row.attempts,
        content: contentFor(subject, contents, stored.row.default_lang),
        ...(tracking ? { trackingConsent: tracking.has(subject.id) } : {}),
      }
    })
    const batch: ChannelBatch = {
      campaignId: stored.row.id,
      campaignName: stored.row.name,
      channel: channel.channel,
      purposeKey: channel.purposeKey,
      recipientId: channel.recipientId,
      recipients,
      trackOpens: stored.row.track_opens,
    }
    // The sender's own database work for the batch (e-mail: the unsubscribe links), done here,
    // beside the previous batch's delivery. A failure leaves it to `deliver`.
    const ready =
      sender.prepare && recipients.length > 0 ? await sender.prepare(batch).catch(() => batch) : batch
    return { stored, channel, sender, byId, batch: ready, outcomes }
  }

  /** Hands a prepared batch to the channel's sender; every row's outcome (a sender error retries the batch). */
  async #deliver(prepared: Prepared): Promise<LedgerOutcome[]> {
    const { stored, channel, sender, byId, batch } = prepared
    const recipients = batch.recipients
    const outcomes = [...prepared.outcomes]
    if (recipients.length === 0) return outcomes
    try {
      const delivered = await sender.deliver(batch)
      const answered = new Set<string>()
      for (const o of delivered) {
        const row = byId.get(o.subjectId)
        if (!row || answered.has(o.subjectId)) continue
        answered.add(o.subjectId)
        if (o.status === 'retry')
          outcomes.push(
            row.attempts >= sender.maxAttempts
              ? { subjectId: o.subjectId, status: 'failed', reason: o.reason ?? 'retries-exhausted' }
              : {
                  subjectId: o.subjectId,
                  status: 'queued',
                  reason: o.reason,
                  retryAt: o.retryAt ?? this.#clock(),
                },
          )
        else
          outcomes.push({
            subjectId: o.subjectId,
            status: o.status,
            reason: o.reason,
            messageId: o.messageId,
          })
      }
      // A sender that named not everyone: the rest are retried.
      for (const r of recipients)
        if (!answered.has(r.subject.id))
          outcomes.push({
            subjectId: r.subject.id,
            status: 'queued',
            reason: 'no-outcome',
            retryAt: this.#clock(),
          })
    } catch (error) {
      this.#d.logger?.error(
        { campaignId: stored.row.id, channel: channel.channel, err: { type: (error as Error).name } },
        'campaign channel sender failed; the batch is retried',
      )
      const retryAt = new Date(this.#clock().getTime() + 30_000)
      for (const r of recipients)
        outcomes.push({ subjectId: r.subject.id, status: 'queued', reason: 'sender-error', retryAt })
    }
    return outcomes
  }
}

/** A batch ready for its sender. */
interface Prepared {
  stored: StoredCampaign
  channel: ChannelRow
  sender: ChannelSender
  byId: Map<string, { subjectId: string; messageId: string; attempts: number }>
  /** The permitted, rendered, with what the sender prepared. */
  batch: ChannelBatch
  /** The rows the re-check skipped. */
  outcomes: LedgerOutcome[]
}

const capOf = (stored: StoredCampaign) =>
  stored.row.cap_messages && stored.row.cap_days
    ? { messages: stored.row.cap_messages, days: stored.row.cap_days }
    : null

/**
 * The campaign's `audience` column: the counts decided at the start, per channel; the segment's
 * total and the excluded by rule follow a moment later (`excludedCountedAt`).
 */
export function audienceJson(counts: AudienceCounts | DecidedAudience): Record<string, unknown> {
  return {
    decidedAt: counts.countedAt,
    segment: counts.segment,
    channels: counts.channels,
    excludedCountedAt: counts.segment.total === null ? null : counts.countedAt,
  }
}

export function audienceTotal(audience: unknown): number {
  const channels = (audience as { channels?: { audience?: number }[] } | null)?.channels ?? []
  return channels.reduce((n, c) => n + (c.audience ?? 0), 0)
}

/** The content in the person's language (the `language` attribute, where the catalog has it), else the default, rendered. */
function contentFor(
  subject: GatedSubject,
  contents: readonly ContentRow[],
  defaultLang: 'de' | 'en',
): ChannelContent {
  const own = subject.attributes[LANGUAGE_ATTRIBUTE]
  const content =
    contents.find((c) => c.lang === own) ??
    contents.find((c) => c.lang === defaultLang) ??
    (contents[0] as ContentRow)
  return renderContent(content, subject)
}

/** A content with the person's merge values (or the samples, for null), HTML-escaped in the HTML. */
export function renderContent(content: ContentRow, subject: GatedSubject | null): ChannelContent {
  const values = valuesOf(subject, content.lang)
  return {
    lang: content.lang,
    subject: render(content.subject, values).replace(/[\r\n]+/g, ' '),
    bodyText: render(content.bodyText, values),
    bodyHtml: content.bodyHtml === null ? null : render(content.bodyHtml, values, true),
  }
}

export type { CampaignChannel }
