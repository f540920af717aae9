import type { Mailer } from '../../platform/mail/mailer.ts'
import { withUnsubscribeFooter } from '../../platform/mail/mailer.ts'
import type { FieldError, FieldErrorCode } from '../../platform/problem.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../../privacy/audit/audit-record.ts'
import type {
  AudienceCounts,
  CampaignLedger,
  ChannelAudienceCount,
} from '../../privacy/campaigns/campaign-ledger.ts'
import type { FieldCategory, PersonalField } from '../../privacy/fields/field-catalog.ts'
import type { Gate } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { SegmentGroup } from '../../privacy/segments/segment-rules.ts'
import type { CampaignRepository, CampaignRow, CampaignWrite, StoredCampaign } from './campaign.repository.ts'
import { audienceTotal, renderContent } from './campaign-send.ts'
import type { CampaignChannel } from './channels/channel-sender.ts'
import type { ChannelRegistry } from './channels/registry.ts'
import { smsTooLong } from './channels/sms-text.ts'
import { checkMergeFields, fieldsOfTemplates, render, valuesOf } from './merge-fields.ts'

export type CampaignStatus = CampaignRow['status']

export interface CampaignInput {
  name: string
  description?: string | undefined
  segmentId: string
  defaultLang: 'de' | 'en'
  channels: { channel: CampaignChannel; purposeKey: string; recipientId?: string | null | undefined }[]
  cap?: { messages: number; days: number } | null | undefined
  trackOpens?: boolean | undefined
  content: {
    channel: CampaignChannel
    lang: 'de' | 'en'
    subject?: string | undefined
    bodyText: string
    bodyHtml?: string | null | undefined
  }[]
}

export type CampaignPatch = Partial<CampaignInput> & { version?: number | undefined }

export interface CampaignCounts {
  audience: number
  sent: number
  delivered: number
  bounced: number
  failed: number
  skipped: number
}

export interface CampaignSummary {
  id: string
  name: string
  status: CampaignStatus
  segment: { id: string; name: string } | null
  channels: { channel: CampaignChannel; purposeKey: string }[]
  scheduledAt: string | null
  startedAt: string | null
  finishedAt: string | null
  counts: CampaignCounts
  updatedAt: string
  version: number
}

export interface CampaignView extends Omit<CampaignSummary, 'channels'> {
  description: string
  defaultLang: 'de' | 'en'
  cap: { messages: number; days: number } | null
  trackOpens: boolean
  channels: { channel: CampaignChannel; purposeKey: string; recipientId: string | null }[]
  content: {
    channel: CampaignChannel
    lang: 'de' | 'en'
    subject: string
    bodyText: string
    bodyHtml: string | null
  }[]
  audience: { decidedAt: string; segment: { total: number }; channels: ChannelAudienceCount[] } | null
  segmentVersion: number | null
  createdAt: string
}

export interface CampaignServiceDeps {
  repository: CampaignRepository
  ledger: CampaignLedger
  channels: ChannelRegistry
  gate: Pick<Gate, 'use'>
  audit: AuditWriter
  purposes: { find(key: string): Promise<Purpose | undefined> }
  segments: {
    get(
      id: string,
    ): Promise<{ id: string; name: string; purpose: string; rules: SegmentGroup; version: number }>
  }
  recipients: { find(id: string): Promise<{ id: string; role: string } | undefined> }
  roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
  categoryOf: (field: PersonalField) => FieldCategory | undefined
  /** Staff addresses only: a test send goes to users of Tresor, never to a customer. */
  isStaffAddress: (email: string) => Promise<boolean>
  mailer: Mailer
  publicUrl: string
  /** Segments an SMS may have at most, its opt-out line included (TRESOR_SMS_MAX_SEGMENTS). */
  smsMaxSegments: number
  clock?: () => Date
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)
const CHANGEABLE: readonly CampaignStatus[] = ['draft', 'scheduled']

/**
 * Campaigns (issue #17, docs/adr/0020): the configuration (a segment, channels each under a
 * direct-marketing purpose, content per language with merge fields checked against the purpose
 * and the saver's role), versioned and audited; the live audience, previews, test sends to staff;
 * the schedule (the worker's `campaigns.start-due` starts due campaigns) and the report from the
 * send ledger. Personal data only through the kernel (`CampaignLedger`, the gate).
 */
export class CampaignService {
  readonly #d: CampaignServiceDeps
  readonly #clock: () => Date
  constructor(deps: CampaignServiceDeps) {
    this.#d = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  async list(): Promise<CampaignSummary[]> {
    const [stored, names] = await Promise.all([this.#d.repository.list(), this.#d.repository.segmentNames()])
    const out: CampaignSummary[] = []
    for (const s of stored) out.push(await this.#summary(s, names))
    return out
  }

  async #stored(id: string): Promise<StoredCampaign> {
    const stored = await this.#d.repository.find(id)
    if (!stored) throw new ProblemError('not-found', 'no such campaign')
    return stored
  }

  async get(id: string): Promise<CampaignView> {
    return this.#view(await this.#stored(id))
  }

  async #counts(stored: StoredCampaign): Promise<CampaignCounts> {
    const counts: CampaignCounts = {
      audience: audienceTotal(stored.row.audience),
      sent: 0,
      delivered: 0,
      bounced: 0,
      failed: 0,
      skipped: 0,
    }
    if (!stored.row.started_at) return counts
    for (const c of await this.#d.ledger.counts(stored.row.id)) {
      // `sent` counts every message handed over, whatever became of it later.
      counts.sent += (c.byStatus.sent ?? 0) + (c.byStatus.delivered ?? 0) + (c.byStatus.bounced ?? 0)
      counts.delivered += c.byStatus.delivered ?? 0
      counts.bounced += c.byStatus.bounced ?? 0
      counts.failed += c.byStatus.failed ?? 0
      counts.skipped += c.byStatus.skipped ?? 0
    }
    return counts
  }

  async #summary(stored: StoredCampaign, names?: Map<string, string>): Promise<CampaignSummary> {
    const r = stored.row
    const segmentName = r.segment_id
      ? (names?.get(r.segment_id) ?? (await this.#d.repository.segmentName(r.segment_id))?.name ?? '')
      : null
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      segment: r.segment_id ? { id: r.segment_id, name: segmentName ?? '' } : null,
      channels: stored.channels.map((c) => ({ channel: c.channel, purposeKey: c.purposeKey })),
      scheduledAt: iso(r.scheduled_at),
      startedAt: iso(r.started_at),
      finishedAt: iso(r.finished_at),
      counts: await this.#counts(stored),
      updatedAt: r.updated_at.toISOString(),
      version: r.version,
    }
  }

  async #view(stored: StoredCampaign): Promise<CampaignView> {
    const r = stored.row
    return {
      ...(await this.#summary(stored)),
      description: r.description,
      defaultLang: r.default_lang,
      cap: r.cap_messages && r.cap_days ? { messages: r.cap_messages, days: r.cap_days } : null,
      trackOpens: r.track_opens,
      channels: stored.channels,
      content: stored.content,
      audience: (r.audience as CampaignView['audience']) ?? null,
      segmentVersion: r.segment_version,
      createdAt: r.created_at.toISOString(),
    }
  }

  /** Checks an input as a whole: 422 naming each bad field, 403 for a merge field the role may not use. */
  async #check(ctx: RequestContext, input: CampaignInput): Promise<CampaignWrite> {
    const invalid: FieldError[] = []
    const forbidden: FieldError[] = []
    const bad = (field: string, reason: string, code?: FieldErrorCode) =>
      invalid.push({ in: 'body', field, reason, ...(code ? { code } : {}) })
    try {
      await this.#d.segments.get(input.segmentId)
    } catch {
      bad('segmentId', 'is not a saved segment')
    }
    const purposes = new Map<CampaignChannel, Purpose>()
    const seen = new Set<string>()
    for (const [i, c] of input.channels.entries()) {
      if (seen.has(c.channel)) bad(`channels.${i}.channel`, 'is named twice')
      seen.add(c.channel)
      if (!this.#d.channels.has(c.channel))
        bad(`channels.${i}.channel`, `no sender for the channel ${c.channel} is installed`)
      const purpose = await this.#d.purposes.find(c.purposeKey)
      if (!purpose) bad(`channels.${i}.purposeKey`, 'is not a purpose in the registry')
      else if (!purpose.directMarketing)
        bad(`channels.${i}.purposeKey`, `purpose ${purpose.key} is not a direct-marketing purpose`)
      else if (!purpose.channels.includes(c.channel))
        bad(
          `channels.${i}.purposeKey`,
          `purpose ${purpose.key} does not use the channel ${c.channel} (it uses ${purpose.channels.join(', ')})`,
        )
      else purposes.set(c.channel, purpose)
      if (c.channel === 'post') {
        const recipient = c.recipientId ? await this.#d.recipients.find(c.recipientId) : undefined
        if (!c.recipientId)
          bad(
            `channels.${i}.recipientId`,
            'a post campaign names the letter shop (a processor of the recipients registry)',
          )
        else if (recipient?.role !== 'processor')
          bad(`channels.${i}.recipientId`, 'is not a processor in the recipients registry')
      } else if (c.recipientId) bad(`channels.${i}.recipientId`, 'only a post channel names a recipient')
    }
    if (input.channels.length === 0) bad('channels', 'a campaign reaches people on at least one channel')
    const langs = new Set<string>()
    const roleCategories = this.#d.roles.fieldCategoriesOf(ctx.actor.role)
    for (const [i, c] of input.content.entries()) {
      const key = `${c.channel}.${c.lang}`
      if (langs.has(key)) bad(`content.${i}.lang`, `the ${c.channel} content in ${c.lang} is given twice`)
      langs.add(key)
      if (!seen.has(c.channel)) bad(`content.${i}.channel`, 'is not a channel of the campaign')
      if (c.channel === 'email' && !(c.subject ?? '').trim())
        bad(`content.${i}.subject`, 'an e-mail needs a subject line', 'required')
      const purpose = purposes.get(c.channel)
      if (!purpose) continue
      const texts = [
        { path: `content.${i}.subject`, text: c.subject ?? '' },
        { path: `content.${i}.bodyText`, text: c.bodyText },
        ...(c.bodyHtml ? [{ path: `content.${i}.bodyHtml`, text: c.bodyHtml }] : []),
      ]
      const found = checkMergeFields(
        texts,
        this.#d.categoryOf,
        { key: purpose.key, categories: purpose.scope.fieldCategories },
        roleCategories,
      )
      invalid.push(...found.invalid)
      forbidden.push(...found.forbidden)
      // An SMS over TRESOR_SMS_MAX_SEGMENTS with its opt-out line, measured with the merge fields'
      // sample values (a longer real value is still refused at send: `too-long`).
      if (c.channel === 'sms' && !found.invalid.some((e) => e.field === `content.${i}.bodyText`)) {
        const tooLong = smsTooLong(
          render(c.bodyText, valuesOf(null, c.lang)),
          c.lang,
          this.#d.publicUrl,
          this.#d.smsMaxSegments,
        )
        if (tooLong) bad(`content.${i}.bodyText`, tooLong)
      }
    }
    for (const [i, c] of input.channels.entries())
      if (!input.content.some((x) => x.channel === c.channel && x.lang === input.defaultLang))
        bad(`channels.${i}.channel`, `has no content in the default language ${input.defaultLang}`)
    if (invalid.length > 0)
      throw new ProblemError('unprocessable', invalid.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors: invalid,
      })
    if (forbidden.length > 0) {
      await this.#d.audit.append([
        {
          actor: ctx.actor,
          action: 'denied',
          reason: `campaign content with merge fields the role may not use: ${forbidden.map((e) => e.field).join(', ')}`,
          ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        },
      ])
      throw new ProblemError('forbidden', forbidden.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors: forbidden,
      })
    }
    return {
      name: input.name.trim(),
      description: input.description ?? '',
      segmentId: input.segmentId,
      defaultLang: input.defaultLang,
      capMessages: input.cap?.messages ?? null,
      capDays: input.cap?.days ?? null,
      trackOpens: input.trackOpens ?? false,
      channels: input.channels.map((c) => ({
        channel: c.channel,
        purposeKey: c.purposeKey,
        recipientId: c.recipientId ?? null,
      })),
      content: input.content.map((c) => ({
        channel: c.channel,
        lang: c.lang,
        subject: c.subject ?? '',
        bodyText: c.bodyText,
        bodyHtml: c.bodyHtml ?? null,
      })),
    }
  }

  async create(ctx: RequestContext, input: CampaignInput): Promise<CampaignView> {
    const write = await this.#check(ctx, input)
    const id = await this.#d.repository.transaction(async (trx) => {
      const id = await this.#d.repository.insert(write, { at: this.#clock(), actor: ctx.actor }, trx)
      await this.#d.audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            reason: `campaign ${id} created (version 1)`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
      return id
    })
    return this.get(id)
  }

  /** A new version: only in draft or scheduled; with `version`, 409 when it moved on. The audit record names what changed. */
  async update(ctx: RequestContext, id: string, patch: CampaignPatch): Promise<CampaignView> {
    const current = await this.#view(await this.#stored(id))
    const input: CampaignInput = {
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      segmentId: patch.segmentId ?? current.segment?.id ?? '',
      defaultLang: patch.defaultLang ?? current.defaultLang,
      channels: patch.channels ?? current.channels,
      cap: patch.cap === undefined ? current.cap : patch.cap,
      trackOpens: patch.trackOpens ?? current.trackOpens,
      content: patch.content ?? current.content,
    }
    const write = await this.#check(ctx, input)
    const changed = (Object.keys(patch) as (keyof CampaignPatch)[]).filter(
      (k) =>
        k !== 'version' &&
        JSON.stringify(patch[k]) !== JSON.stringify((current as unknown as Record<string, unknown>)[k]),
    )
    await this.#d.repository.transaction(async (trx) => {
      const row = await this.#d.repository.lock(id, trx)
      if (!row) throw new ProblemError('not-found', 'no such campaign')
      if (patch.version !== undefined && patch.version !== row.version)
        throw new ProblemError(
          'conflict',
          `the campaign is at version ${row.version}, not ${patch.version}: reload it and save again`,
          {
            errors: [{ in: 'body', field: 'version', reason: `is ${row.version} now` }],
          },
        )
      if (!CHANGEABLE.includes(row.status))
        throw new ProblemError(
          'conflict',
          `a ${row.status} campaign can't be changed (only draft or scheduled ones)`,
          {
            errors: [{ in: 'body', field: 'status', reason: `is ${row.status}` }],
          },
        )
      const next = row.version + 1
      await this.#d.repository.update(id, next, write, this.#clock(), trx)
      await this.#d.audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            reason: `campaign ${id} changed (version ${next}): ${changed.join(', ') || 'nothing'}`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
    })
    return this.get(id)
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.#d.repository.transaction(async (trx) => {
      const row = await this.#d.repository.lock(id, trx)
      if (!row) throw new ProblemError('not-found', 'no such campaign')
      if (row.status !== 'draft' && row.status !== 'cancelled')
        throw new ProblemError(
          'conflict',
          `a ${row.status} campaign can't be deleted (only draft or cancelled ones)`,
        )
      if (await this.#d.ledger.hasRows(id, trx))
        throw new ProblemError(
          'conflict',
          'the campaign has sent messages: its ledger is kept (cancel it instead)',
        )
      await this.#d.repository.delete(id, trx)
      await this.#d.audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            reason: `campaign ${id} deleted`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
    })
  }

  /** The live audience per channel (aggregates; the role must act under the segment's and each channel's purpose). */
  async audience(ctx: RequestContext, id: string): Promise<AudienceCounts> {
    const stored = await this.#stored(id)
    if (!stored.row.segment_id) throw new ProblemError('conflict', 'the campaign has no segment')
    const segment = await this.#d.segments.get(stored.row.segment_id)
    return this.#d.ledger.count({
      actor: ctx.actor,
      requestId: ctx.requestId,
      campaignId: id,
      segment: { purpose: segment.purpose, rules: segment.rules },
      channels: stored.channels,
      cap:
        stored.row.cap_messages && stored.row.cap_days
          ? { messages: stored.row.cap_messages, days: stored.row.cap_days }
          : null,
    })
  }

  #content(stored: StoredCampaign, channel: string, lang: string | undefined, where: string) {
    const own = stored.channels.find((c) => c.channel === channel)
    if (!own)
      throw new ProblemError('unprocessable', `channel: is not a channel of the campaign`, {
        errors: [{ in: 'body', field: 'channel', reason: 'is not a channel of the campaign' }],
      })
    const content =
      stored.content.find((c) => c.channel === channel && c.lang === (lang ?? stored.row.default_lang)) ??
      (lang ? undefined : stored.content.find((c) => c.channel === channel))
    if (!content)
      throw new ProblemError('unprocessable', `lang: the campaign has no ${channel} content in ${lang}`, {
        errors: [
          { in: where, field: 'lang', reason: `the campaign has no ${channel} content in this language` },
        ],
      })
    return { channel: own, content }
  }

  /** A placeholder link for previews and test sends: shows where the person's own link goes (it unsubscribes nobody). */
  #sampleLink(): string {
    return `${this.#d.publicUrl}/p/unsubscribe/preview`
  }

  /**
   * The content rendered with merge fields: a person's values read through the gate under the
   * channel's purpose (audited, refused when the purpose may not reach them), or sample values;
   * e-mail with the unsubscribe footer.
   */
  async preview(
    ctx: RequestContext,
    id: string,
    body: { channel: CampaignChannel; lang: 'de' | 'en'; subjectId?: string | undefined },
  ): Promise<{ subject: string; text: string; html: string | null }> {
    const stored = await this.#stored(id)
    const { channel, content } = this.#content(stored, body.channel, body.lang, 'body')
    let subject = null
    if (body.subjectId) {
      const fields = fieldsOfTemplates([content.subject, content.bodyText, content.bodyHtml ?? ''])
      const used = await this.#d.gate.use({
        actor: ctx.actor,
        purpose: channel.purposeKey,
        channel: channel.channel,
        subjectIds: [body.subjectId],
        fields: fields.length ? fields : ['firstName'],
        reason: `campaign ${id} preview`,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      })
      const denied = used.denied[0]
      if (denied)
        throw new ProblemError(
          'unprocessable',
          `subjectId: the campaign may not reach this person (${denied.rule})`,
          {
            errors: [
              {
                in: 'body',
                field: 'subjectId',
                reason: `the purpose may not reach the person: ${denied.rule}`,
              },
            ],
          },
        )
      subject = used.subjects[0] ?? null
      if (!subject) throw new ProblemError('not-found', 'there is no such subject')
    }
    const rendered = renderContent(content, subject)
    if (body.channel !== 'email')
      return { subject: rendered.subject, text: rendered.bodyText, html: rendered.bodyHtml }
    const footed = withUnsubscribeFooter(
      { text: rendered.bodyText, html: rendered.bodyHtml ?? undefined },
      { unsubscribeUrl: this.#sampleLink(), lang: content.lang },
    )
    return { subject: rendered.subject, text: footed.text, html: footed.html ?? null }
  }

  /** Sends the e-mail content with sample values, subject "[Test] …", to staff addresses only; no ledger rows. */
  async testSend(
    ctx: RequestContext,
    id: string,
    body: { channel: 'email'; lang?: 'de' | 'en' | undefined; to: string[] },
  ): Promise<{ sent: number }> {
    const stored = await this.#stored(id)
    const { content } = this.#content(stored, body.channel, body.lang, 'body')
    const invalid: FieldError[] = []
    for (const [i, to] of body.to.entries())
      if (!(await this.#d.isStaffAddress(to)))
        invalid.push({
          in: 'body',
          field: `to.${i}`,
          reason: 'is not the address of a user of Tresor (test sends go to staff only)',
        })
    if (invalid.length > 0)
      throw new ProblemError('unprocessable', invalid.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors: invalid,
      })
    const rendered = renderContent(content, null)
    for (const to of body.to)
      await this.#d.mailer.send({
        to,
        subject: `[Test] ${rendered.subject}`,
        text: rendered.bodyText,
        html: rendered.bodyHtml ?? undefined,
        marketing: { unsubscribeUrl: this.#sampleLink(), lang: content.lang },
        lang: content.lang,
      })
    await this.#d.audit.append([
      {
        actor: ctx.actor,
        action: 'configure',
        reason: `campaign ${id} test-sent to ${body.to.length} staff address(es)`,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      },
    ])
    return { sent: body.to.length }
  }

  async #move(
    ctx: RequestContext,
    id: string,
    from: readonly CampaignStatus[],
    set: Parameters<CampaignRepository['setStatus']>[2],
    what: string,
  ): Promise<CampaignView> {
    const stored = await this.#stored(id)
    const moved = await this.#d.repository.transaction(async (trx) => {
      const ok = await this.#d.repository.setStatus(id, from, set, trx)
      if (ok) {
        if (set.status === 'cancelled') await this.#d.ledger.cancelQueued(id, trx)
        await this.#d.audit.append(
          [
            {
              actor: ctx.actor,
              action: 'configure',
              reason: `campaign ${id} ${what}`,
              ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
            },
          ],
          trx,
        )
      }
      return ok
    })
    if (!moved)
      throw new ProblemError(
        'conflict',
        `a ${stored.row.status} campaign can't be ${what.split(' ')[0]} (only from ${from.join(', ')})`,
        {
          errors: [{ in: 'body', field: 'status', reason: `is ${stored.row.status}` }],
        },
      )
    return this.get(id)
  }

  /** Schedules the send at `at` (missing or past: now; the worker starts it within a minute). */
  async schedule(ctx: RequestContext, id: string, at?: Date | undefined): Promise<CampaignView> {
    const stored = await this.#stored(id)
    for (const [i, c] of stored.channels.entries())
      if (!this.#d.channels.has(c.channel))
        throw new ProblemError(
          'unprocessable',
          `channels.${i}.channel: no sender for ${c.channel} is installed`,
          {
            errors: [
              {
                in: 'body',
                field: `channels.${i}.channel`,
                reason: `no sender for ${c.channel} is installed`,
              },
            ],
          },
        )
    const now = this.#clock()
    const when = at && at > now ? at : now
    return this.#move(
      ctx,
      id,
      ['draft', 'scheduled'],
      { status: 'scheduled', scheduled_at: when, at: now },
      `scheduled for ${when.toISOString()}`,
    )
  }

  pause(ctx: RequestContext, id: string): Promise<CampaignView> {
    return this.#move(ctx, id, ['scheduled', 'sending'], { status: 'paused', at: this.#clock() }, 'paused')
  }

  async resume(ctx: RequestContext, id: string): Promise<CampaignView> {
    const stored = await this.#stored(id)
    return this.#move(
      ctx,
      id,
      ['paused'],
      { status: stored.row.started_at ? 'sending' : 'scheduled', at: this.#clock() },
      'resumed',
    )
  }

  cancel(ctx: RequestContext, id: string): Promise<CampaignView> {
    return this.#move(
      ctx,
      id,
      ['draft', 'scheduled', 'sending', 'paused'],
      { status: 'cancelled', at: this.#clock() },
      'cancelled',
    )
  }

  /** The report: the audience decided at the start, the ledger's counts per channel, unsubscribes, the timeline. */
  async report(id: string) {
    const stored = await this.#stored(id)
    const audience = stored.row.audience as {
      channels?: { channel: string; audience: number; excludedBy: Record<string, number> }[]
    } | null
    const counts = stored.row.started_at ? await this.#d.ledger.counts(id) : []
    const span =
      stored.row.started_at &&
      (stored.row.finished_at ?? this.#clock()).getTime() - stored.row.started_at.getTime() > 6 * 3_600_000
        ? 'hour'
        : 'minute'
    const channels = []
    for (const c of stored.channels) {
      const decided = audience?.channels?.find((a) => a.channel === c.channel)
      const ledger = counts.find((x) => x.channel === c.channel)
      const by = ledger?.byStatus ?? {}
      channels.push({
        channel: c.channel,
        purposeKey: c.purposeKey,
        audience: decided?.audience ?? 0,
        excludedBy: decided?.excludedBy ?? {},
        queued: (by.queued ?? 0) + (by.sending ?? 0),
        sent: (by.sent ?? 0) + (by.delivered ?? 0) + (by.bounced ?? 0),
        delivered: by.delivered ?? 0,
        bounced: by.bounced ?? 0,
        failed: by.failed ?? 0,
        skipped: by.skipped ?? 0,
        skippedBy: ledger?.skippedBy ?? {},
        unsubscribed: stored.row.started_at
          ? await this.#d.ledger.unsubscribed(id, c.channel, c.purposeKey, stored.row.started_at)
          : 0,
        ...(stored.row.track_opens ? { opened: ledger?.opened ?? 0, clicked: ledger?.clicked ?? 0 } : {}),
      })
    }
    return {
      campaignId: id,
      status: stored.row.status,
      audience: audienceTotal(stored.row.audience),
      channels,
      timeline: stored.row.started_at ? await this.#d.ledger.timeline(id, span) : [],
    }
  }

  async deliveries(
    id: string,
    query: {
      channel?: string | undefined
      status?: string | undefined
      after?: string | undefined
      limit?: number | undefined
    },
  ) {
    await this.#stored(id)
    return this.#d.ledger.deliveries(id, { ...query, limit: Math.min(Math.max(query.limit ?? 100, 1), 1000) })
  }

  /** The campaigns a send should run for now (scheduled and due, or sending without a live process). */
  due(): Promise<string[]> {
    return this.#d.repository.due(this.#clock())
  }
}
