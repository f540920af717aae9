import { createHash, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { IdentifierField } from '../fields/field-catalog.ts'
import type { Gate, GatedSubject, SubjectDenial } from '../gate/gate.service.ts'
import { requireActUnder } from '../gate/purpose-scope.ts'
import type { RequestContext } from '../gate/request-context.ts'
import { consentProofRetention } from '../permissions/consent-proof-retention.ts'
import type { PermissionService } from '../permissions/permission.service.ts'
import type { PurposeService } from '../purposes/purpose.service.ts'
import type { Purpose } from '../purposes/purpose.ts'
import type {
  AuthorizedDisclosure,
  DisclosureService,
  OpenDisclosure,
} from '../recipients/disclosure.service.ts'
import type { RecordRepository } from '../records/record.repository.ts'
import { CAMPAIGN_CALL_NOTE_AAD } from '../records/record-kinds.ts'
import {
  type CallOutcome,
  CampaignChannelRepository,
  type CampaignChannelRow,
  type LedgerChannel,
  type LedgerMatch,
  type LedgerStatus,
} from './campaign-channel.repository.ts'

export type { CallOutcome, LedgerChannel } from './campaign-channel.repository.ts'

export const CALL_OUTCOMES = [
  'reached',
  'no-answer',
  'wrong-number',
  'callback',
  'objected',
  'withdrawn',
] as const satisfies readonly CallOutcome[]

/** The columns of a print list: the pseudonymous reference (for returned mail) and the postal address. */
export const PRINT_LIST_FIELDS = [
  'firstName',
  'lastName',
  'street',
  'postalCode',
  'city',
  'countryCode',
] as const satisfies readonly IdentifierField[]
/** Without these a letter can't be addressed: a letter shop that doesn't receive them gets no list. */
const ADDRESS_NEEDED: readonly IdentifierField[] = ['lastName', 'street', 'postalCode', 'city']

/** What an agent sees of a person on the call list. */
export const CALL_LIST_FIELDS = [
  'firstName',
  'lastName',
  'phone',
] as const satisfies readonly IdentifierField[]

/** Ledger rows read per gate call: one audit record and one vault read per page. */
const PAGE = 2_000

/** The webhook endpoints' actor (bounces, delivery reports): the system, acting on the ledger only. */
export const CHANNEL_REPORTS_ACTOR: AuditActor = { type: 'system', id: 'campaign-reports' }

/** A print list checked and begun: its columns, and its rows page by page. */
export interface StartedPrintList {
  columns: string[]
  recipient: { id: string; name: string; country: string }
  /** The rows (reference, then the address fields); each page's subjects recorded as disclosed first. */
  rows(): AsyncGenerator<(string | null)[]>
  /** After the rows were written: records the print list, audits the export as a whole. */
  finish(): Promise<PrintListSummary>
}

export interface PrintListSummary {
  id: string
  disclosureId: string
  rows: number
  /** On the list when the send ran, left out now because the purpose no longer allows them. */
  leftOut: number
  leftOutBy: Record<string, number>
}

/** One person on the call list, as an agent sees them. */
export interface CallListEntry {
  subjectId: string
  firstName: string | null
  lastName: string | null
  phone: string | null
  calls: number
  lastOutcome: CallOutcome | null
  lastCalledAt: Date | null
}

export interface CallList {
  campaignId: string
  campaignName: string
  purposeKey: string
  items: CallListEntry[]
  /** Dropped from this page because the purpose no longer allows calling them, by rule. */
  droppedBy: Record<string, number>
  nextCursor: string | null
  /** The call script per language (the phone channel's content). */
  scripts: { lang: 'de' | 'en'; title: string; text: string }[]
}

export interface RecordedCall {
  id: string
  subjectId: string
  outcome: CallOutcome
  /** The ledger row's status after the call. */
  deliveryStatus: LedgerStatus
  /** What was recorded at once with the call: an objection, a withdrawal, or nothing. */
  permissionChange: 'objection' | 'withdrawal' | null
  /** § 7a UWG: until when the proof of the consent must now be kept (null: no such rule for the purpose). */
  consentProofKeptUntil: Date | null
}

/** The kernel's parts the campaign channels use. */
export interface CampaignChannelKernelDeps {
  db: Kysely<Schema>
  gate: Gate
  permissions: PermissionService
  purposes: PurposeService
  disclosures: DisclosureService
  records: RecordRepository
  vault: {
    seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer>
  }
  audit: AuditWriter
  clock?: () => Date
}

/** The campaign channels' kernel part, with its repository. */
export const createCampaignChannelKernel = (deps: CampaignChannelKernelDeps): CampaignChannelKernel =>
  new CampaignChannelKernel({ ...deps, repository: new CampaignChannelRepository(deps.db) })

/** What a bounce or a delivery report did to the ledger. */
export interface ReportOutcome {
  matched: boolean
  campaignId?: string | undefined
  channel?: LedgerChannel | undefined
  /** The ledger row's status after the report. */
  status?: LedgerStatus | undefined
  suppressed?: boolean | undefined
}

/**
 * The kernel part of the campaign channels (issue #17; src/modules/campaigns/channels): what reads
 * or writes personal data for post, phone, bounces and SMS delivery reports.
 * - The **print list** of a post campaign: the ledger's post rows that are on the list, read through
 *   the gate under the channel's purpose on `post` as an export, disclosed to the campaign's letter
 *   shop through the disclosure gate (transfer check before anything is read; each page's subjects
 *   recorded as disclosed); people the purpose no longer allows are left out, counted, and their
 *   ledger rows `skipped` with the rule.
 * - The **call list** of a phone campaign: the rows on the list (`sent`), names and numbers through
 *   the gate under the channel's purpose on `phone` (re-checked: a withdrawn consent drops off).
 * - A **call**: recorded with its outcome (`campaign_call`, the note sealed), as a use of the § 7a UWG
 *   consent (a `marketing_call` touchpoint under the purpose on `phone`, which is what moves the
 *   proof's keep-until), the ledger moved on, and an objection or withdrawal on the call recorded
 *   through the permission service — all in one transaction.
 * - **Bounces** and **delivery reports**: the ledger row found by its message id; a hard bounce or a
 *   complaint suppresses the channel for the person.
 */
export class CampaignChannelKernel {
  readonly #db: Kysely<Schema>
  readonly #repo: CampaignChannelRepository
  readonly #gate: Gate
  readonly #permissions: PermissionService
  readonly #purposes: PurposeService
  readonly #disclosures: DisclosureService
  readonly #records: RecordRepository
  readonly #vault: {
    seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer>
  }
  readonly #audit: AuditWriter
  readonly #clock: () => Date

  constructor(deps: CampaignChannelKernelDeps & { repository: CampaignChannelRepository }) {
    this.#db = deps.db
    this.#repo = deps.repository
    this.#gate = deps.gate
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#disclosures = deps.disclosures
    this.#records = deps.records
    this.#vault = deps.vault
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** The campaign's channel, or the problem: 404 no campaign, 409 the campaign has no such channel. */
  async #channelOf(campaignId: string, channel: LedgerChannel): Promise<CampaignChannelRow> {
    const found = isUuid(campaignId) ? await this.#repo.channel(campaignId.toLowerCase(), channel) : undefined
    if (!found) throw new ProblemError('not-found', 'there is no such campaign')
    if (!found.channel)
      throw new ProblemError('conflict', `the campaign has no ${channel} channel`, {
        errors: [{ in: 'path', field: 'id', reason: `the campaign does not reach people by ${channel}` }],
      })
    return found.channel
  }

  /**
   * Checks and begins the print list of a post campaign for its letter shop: the transfer to the
   * shop must be lawful and the purpose one it receives (403 naming what is missing, audited, before
   * anything is read); the shop must receive the address (403 otherwise); the first page is read
   * through the gate before anything is written.
   */
  async startPrintList(
    ctx: RequestContext,
    request: { campaignId: string; format: 'csv' | 'xlsx' },
  ): Promise<StartedPrintList> {
    const channel = await this.#channelOf(request.campaignId, 'post')
    if (!channel.recipientId)
      throw new ProblemError('conflict', 'the post channel of the campaign names no letter shop', {
        errors: [
          {
            in: 'campaign',
            field: 'channels.recipientId',
            reason: 'a post campaign needs its letter shop (a processor of the registry)',
          },
        ],
      })
    const common = { actor: ctx.actor, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) }
    // Art. 44-49, 28: the transfer check before any byte is read or written.
    const target: AuthorizedDisclosure = await this.#disclosures.authorize({
      ...common,
      recipientId: channel.recipientId,
      purpose: channel.purposeKey,
      where: 'campaign',
    })
    const { allowed, withheld } = target.receivable(PRINT_LIST_FIELDS)
    const missing = ADDRESS_NEEDED.filter((f) => withheld.includes(f as (typeof PRINT_LIST_FIELDS)[number]))
    const label = `${target.recipient.name} (${target.recipient.country})`
    if (missing.length > 0)
      throw new ProblemError(
        'forbidden',
        `${label} does not receive what a letter needs: ${missing.join(', ')}`,
        {
          errors: [
            {
              in: 'campaign',
              field: 'recipient',
              reason: `${label} does not receive the categories of ${missing.join(', ')} (the registry's field categories of the recipient)`,
            },
          ],
        },
      )
    const campaignId = channel.campaignId
    const reason = `print list of campaign ${campaignId} for recipient ${target.recipient.id} (${target.recipient.country})`
    const readPage = async (after: string | undefined) => {
      const ledger = await this.#repo.ledgerPage({
        campaignId,
        channel: 'post',
        statuses: ['sent', 'delivered'],
        after,
        limit: PAGE,
      })
      if (ledger.length === 0)
        return { subjects: [] as GatedSubject[], denied: [] as SubjectDenial[], last: undefined, full: false }
      const used = await this.#gate.use({
        ...common,
        purpose: channel.purposeKey,
        channel: 'post',
        subjectIds: ledger.map((r) => r.subjectId),
        fields: allowed,
        action: 'export',
        reason,
      })
      // The role may not see the address: nothing goes out.
      const deniedAddress = used.deniedFields.filter((d) =>
        ADDRESS_NEEDED.includes(d.field as IdentifierField),
      )
      if (deniedAddress.length > 0)
        throw new ProblemError(
          'forbidden',
          `your role may not use ${deniedAddress.map((d) => d.field).join(', ')} under ${channel.purposeKey}`,
        )
      return {
        subjects: used.subjects,
        denied: used.denied,
        last: ledger.at(-1)?.subjectId,
        full: ledger.length === PAGE,
      }
    }
    let page = await readPage(undefined)
    const disclosure: OpenDisclosure = await target.open({
      channel: 'export',
      fields: allowed,
      reference: `campaign ${campaignId} print list (${request.format})`,
    })
    const leftOutBy: Record<string, number> = {}
    const hash = createHash('sha256')
    let rows = 0
    // Recorded once, when the last row has been handed to the writer (before it ends the file, so an
    // answer that has ended has its record), or by `finish()` if the rows were never read to the end.
    let finished: Promise<PrintListSummary> | undefined
    const finishOnce = (): Promise<PrintListSummary> => {
      finished ??= (async () => {
        const id = randomUUID()
        const leftOut = Object.values(leftOutBy).reduce((a, b) => a + b, 0)
        await this.#db.transaction().execute(async (trx) => {
          await this.#repo.insertPrintList(
            {
              id,
              campaignId,
              disclosureId: disclosure.id,
              format: request.format,
              rows,
              leftOut,
              leftOutBy,
              actorType: ctx.actor.type,
              actorId: ctx.actor.id,
              at: this.#clock(),
            },
            trx,
          )
          await this.#audit.append(
            [
              {
                ...common,
                action: 'export',
                purpose: channel.purposeKey,
                fields: allowed,
                reason: `${reason} finished: ${rows} rows as ${request.format}, ${leftOut} left out, sha256 of the ids ${hash.digest('hex')}`,
              },
            ],
            trx,
          )
        })
        return { id, disclosureId: disclosure.id, rows, leftOut, leftOutBy }
      })()
      return finished
    }
    const repo = this.#repo
    const clock = this.#clock
    async function* rowsOf(): AsyncGenerator<(string | null)[]> {
      for (;;) {
        if (page.denied.length > 0) {
          for (const d of page.denied) leftOutBy[d.rule] = (leftOutBy[d.rule] ?? 0) + 1
          // No letter goes to them: the report says so, with the gate's rule.
          for (const d of page.denied)
            await repo.setOutcome(
              [{ campaignId, subjectId: d.subjectId, channel: 'post', reason: d.rule }],
              'skipped',
              ['sent'],
              clock(),
            )
        }
        // Art. 15(1)(c), 19: recorded as disclosed before their rows are written.
        await disclosure.add(page.subjects.map((s) => s.id))
        for (const s of page.subjects) {
          hash.update(`${s.id}\n`)
          rows++
          yield [
            s.id,
            ...PRINT_LIST_FIELDS.map((f) => (allowed.includes(f) ? (s.identifiers[f] ?? null) : null)),
          ]
        }
        if (!page.full || page.last === undefined) {
          await finishOnce()
          return
        }
        page = await readPage(page.last)
      }
    }
    return {
      columns: ['reference', ...PRINT_LIST_FIELDS],
      recipient: { id: target.recipient.id, name: target.recipient.name, country: target.recipient.country },
      rows: rowsOf,
      finish: finishOnce,
    }
  }

  /** The print lists handed out for a campaign (404 for an unknown campaign). */
  async printLists(campaignId: string) {
    await this.#channelOf(campaignId, 'post')
    return (await this.#repo.printLists(campaignId.toLowerCase())).map((r) => ({
      id: r.id,
      disclosureId: r.disclosure_id,
      format: r.format,
      rows: r.row_count,
      leftOut: r.left_out,
      leftOutBy: r.left_out_by,
      createdAt: r.created_at,
    }))
  }

  /**
   * A page of the call list: the people on it (ledger `sent`), read through the gate under the phone
   * channel's purpose (audited); those the purpose no longer allows (a withdrawn consent, an
   * objection, a restriction, an erasure) are dropped — their ledger rows `skipped` with the rule —
   * and counted.
   */
  async callList(
    ctx: RequestContext,
    request: { campaignId: string; after?: string | undefined; limit: number },
  ): Promise<CallList> {
    const channel = await this.#channelOf(request.campaignId, 'phone')
    const campaignId = channel.campaignId
    if (request.after !== undefined && !isUuid(request.after))
      throw invalidField('query', 'after', 'must be the nextCursor of the previous page')
    const ledger = await this.#repo.ledgerPage({
      campaignId,
      channel: 'phone',
      statuses: ['sent'],
      after: request.after?.toLowerCase(),
      limit: request.limit,
    })
    const droppedBy: Record<string, number> = {}
    let items: CallListEntry[] = []
    if (ledger.length > 0) {
      const used = await this.#gate.use({
        actor: ctx.actor,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        purpose: channel.purposeKey,
        channel: 'phone',
        subjectIds: ledger.map((r) => r.subjectId),
        fields: CALL_LIST_FIELDS,
        reason: `call list of campaign ${campaignId}`,
      })
      if (used.deniedFields.some((d) => d.field === 'phone'))
        throw new ProblemError('forbidden', `your role may not use phone numbers under ${channel.purposeKey}`)
      for (const d of used.denied) droppedBy[d.rule] = (droppedBy[d.rule] ?? 0) + 1
      await this.#repo.setOutcome(
        used.denied.map((d) => ({
          campaignId,
          subjectId: d.subjectId,
          channel: 'phone' as const,
          reason: d.rule,
        })),
        'skipped',
        ['sent'],
        this.#clock(),
      )
      const calls = await this.#repo.callsOf(
        campaignId,
        used.subjects.map((s) => s.id),
      )
      items = used.subjects.map((s) => {
        const c = calls.get(s.id)
        return {
          subjectId: s.id,
          firstName: s.identifiers.firstName ?? null,
          lastName: s.identifiers.lastName ?? null,
          phone: s.identifiers.phone ?? null,
          calls: c?.calls ?? 0,
          lastOutcome: c?.lastOutcome ?? null,
          lastCalledAt: c?.lastAt ?? null,
        }
      })
    }
    const scripts = (await this.#repo.content(campaignId, 'phone')).map((c) => ({
      lang: c.lang,
      title: c.subject,
      text: c.body_text,
    }))
    return {
      campaignId,
      campaignName: channel.name,
      purposeKey: channel.purposeKey,
      items,
      droppedBy,
      nextCursor: ledger.length === request.limit ? (ledger.at(-1)?.subjectId ?? null) : null,
      scripts,
    }
  }

  /**
   * Records a call from the call list: the person must be on it (ledger `sent`: 409 otherwise) and
   * the purpose must still allow calling them (409 naming the rule; the row becomes `skipped`). In one
   * transaction: the call with its outcome and sealed note; the use of the consent (§ 7a UWG: a
   * `marketing_call` touchpoint under the purpose on `phone`, which moves the proof's keep-until); the
   * ledger (`reached`, `objected`, `withdrawn` → delivered; `wrong-number` → failed; otherwise it stays
   * on the list); an objection (to the purpose, Art. 21(2)-(3)) or a withdrawal of the consent (Art. 7(3);
   * an objection where the purpose rests on legitimate interest) said on the call.
   */
  async recordCall(
    ctx: RequestContext,
    request: { campaignId: string; subjectId: string; outcome: CallOutcome; note?: string | undefined },
  ): Promise<RecordedCall> {
    const channel = await this.#channelOf(request.campaignId, 'phone')
    const campaignId = channel.campaignId
    if (!isUuid(request.subjectId)) throw invalidField('body', 'subjectId', 'must be a subject id (UUID)')
    const subjectId = request.subjectId.toLowerCase()
    const row = await this.#repo.ledgerRow(campaignId, subjectId, 'phone')
    if (row?.status !== 'sent')
      throw new ProblemError('conflict', 'the person is not on the call list of the campaign', {
        errors: [
          {
            in: 'body',
            field: 'subjectId',
            reason: row
              ? `the campaign's call for this person is ${row.status}`
              : 'not in the audience of the campaign',
          },
        ],
      })
    const purpose = await this.#purposes.get(channel.purposeKey)
    // Art. 5(1)(b): only a role that may act under the purpose records a use of it.
    await requireActUnder(purpose, { actor: ctx.actor, requestId: ctx.requestId }, this.#audit)
    const denial = (
      await this.#permissions.denials({ purposeKey: purpose.key, channel: 'phone', subjectIds: [subjectId] })
    ).get(subjectId)
    const now = this.#clock()
    if (denial) {
      await this.#repo.setOutcome(
        [{ campaignId, subjectId, channel: 'phone', reason: denial.rule }],
        'skipped',
        ['sent'],
        now,
      )
      throw new ProblemError(
        'conflict',
        `the person may no longer be called for ${purpose.key}: ${denial.rule}`,
        {
          errors: [{ in: 'body', field: 'subjectId', reason: `${denial.rule}: ${denial.reason}` }],
        },
      )
    }
    const common = { actor: ctx.actor, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) }
    const status: LedgerStatus =
      request.outcome === 'wrong-number'
        ? 'failed'
        : request.outcome === 'reached' || request.outcome === 'objected' || request.outcome === 'withdrawn'
          ? 'delivered'
          : 'sent'
    const change: RecordedCall['permissionChange'] =
      request.outcome === 'objected' || (request.outcome === 'withdrawn' && purpose.legalBasis !== 'consent')
        ? 'objection'
        : request.outcome === 'withdrawn'
          ? 'withdrawal'
          : null
    const id = await this.#db.transaction().execute(async (trx) => {
      const note = request.note?.trim()
      const callId = await this.#repo.insertCall(
        {
          subjectId,
          campaignId,
          outcome: request.outcome,
          noteSealed: note
            ? await this.#vault.seal(subjectId, Buffer.from(note, 'utf8'), CAMPAIGN_CALL_NOTE_AAD, trx)
            : null,
          agentType: ctx.actor.type,
          agentId: ctx.actor.id,
          occurredAt: now,
        },
        trx,
      )
      // § 7a UWG: the call is a use of the consent; the proof's keep-until runs from its latest use.
      await this.#records.insertTouchpoints(
        [
          {
            subject_id: subjectId,
            type: 'marketing_call',
            channel: 'phone',
            occurred_at: now,
            received_at: now,
            purpose_key: purpose.key,
            legal_basis: purpose.legalBasis,
            properties: { campaignId, outcome: request.outcome },
            source: 'campaign',
            external_id: `campaign-call:${callId}`,
          },
        ],
        trx,
      )
      if (status === 'sent')
        await this.#repo.setReason({ campaignId, subjectId, channel: 'phone' }, request.outcome, now, trx)
      else
        await this.#repo.setOutcome(
          [{ campaignId, subjectId, channel: 'phone', reason: request.outcome }],
          status,
          ['sent'],
          now,
          trx,
        )
      await this.#audit.append(
        [
          {
            ...common,
            action: 'create',
            subjectIds: [subjectId],
            purpose: purpose.key,
            legalBasis: purpose.legalBasis,
            fields: ['touchpoints'],
            reason: `call of campaign ${campaignId} recorded (${request.outcome}${note ? ', with a note' : ''}): a use of the consent to phone advertising (§ 7a UWG)`,
          },
        ],
        trx,
      )
      const reference = `campaign-call:${callId}`
      if (change === 'objection')
        await this.#permissions.recordObjection(
          [
            {
              ...common,
              subjectId,
              scope: 'purpose',
              purposeKey: purpose.key,
              action: 'raised',
              source: 'phone',
              reference,
              at: now,
            },
          ],
          trx,
        )
      else if (change === 'withdrawal')
        await this.#permissions.recordConsent(
          [
            {
              ...common,
              subjectId,
              purposeKey: purpose.key,
              channel: 'phone',
              kind: 'withdrawn',
              proof: { source: 'phone', reference },
              at: now,
            },
          ],
          trx,
        )
      return callId
    })
    return {
      id,
      subjectId,
      outcome: request.outcome,
      deliveryStatus: status,
      permissionChange: change,
      consentProofKeptUntil: await this.#keptUntil(subjectId, purpose),
    }
  }

  /** § 7a UWG: until when the proof of the person's consent to the purpose on `phone` must be kept. */
  async #keptUntil(subjectId: string, purpose: Purpose): Promise<Date | null> {
    const uses = (await this.#permissions.consentUses([subjectId], ['phone'])).filter(
      (u) => u.purposeKey === purpose.key,
    )
    const kept = consentProofRetention(uses, new Map([[purpose.key, purpose]]))
    return kept[0]?.keepUntil ?? null
  }

  /**
   * A bounce of a message (a DSN, or a provider's report): the ledger row found by its message id; a
   * hard one makes it `bounced` and suppresses the channel for the person, a complaint suppresses it,
   * a soft one is noted in the row's reason. `detail` is the status code only (never an address).
   */
  async applyBounce(report: {
    messageIds: readonly string[]
    kind: 'hard' | 'soft' | 'complaint'
    detail: string
    requestId?: string | undefined
  }): Promise<ReportOutcome> {
    const match = await this.#match(report.messageIds)
    if (!match) return { matched: false }
    const now = this.#clock()
    const row = { campaignId: match.campaignId, subjectId: match.subjectId, channel: match.channel }
    return this.#db.transaction().execute(async (trx) => {
      let status = match.status
      let suppressed = false
      if (report.kind === 'soft') {
        await this.#repo.setReason(row, `soft-bounce ${report.detail}`.trim(), now, trx)
      } else {
        if (report.kind === 'hard') {
          const moved = await this.#repo.setOutcome(
            [{ ...row, reason: report.detail || 'hard-bounce' }],
            'bounced',
            ['sending', 'sent', 'delivered'],
            now,
            trx,
          )
          if (moved > 0) status = 'bounced'
        }
        suppressed = await this.#repo.suppress(
          {
            subjectId: match.subjectId,
            channel: match.channel,
            reason: report.kind === 'hard' ? 'hard-bounce' : 'complaint',
            detail: report.detail,
          },
          now,
          trx,
        )
      }
      await this.#audit.append(
        [
          {
            actor: CHANNEL_REPORTS_ACTOR,
            action: 'update',
            subjectIds: [match.subjectId],
            ...(report.requestId ? { requestId: report.requestId } : {}),
            reason: `${report.kind} bounce of campaign ${match.campaignId} on ${match.channel} (${report.detail || 'no status'})${suppressed ? `: ${match.channel} suppressed` : ''}`,
          },
        ],
        trx,
      )
      return { matched: true, campaignId: match.campaignId, channel: match.channel, status, suppressed }
    })
  }

  /** A provider's delivery report of an SMS: the ledger row becomes `delivered` or `failed`. */
  async applyDeliveryReport(report: {
    messageIds: readonly string[]
    status: 'delivered' | 'failed'
    detail: string
    requestId?: string | undefined
  }): Promise<ReportOutcome> {
    const match = await this.#match(report.messageIds)
    if (!match) return { matched: false }
    const now = this.#clock()
    return this.#db.transaction().execute(async (trx) => {
      const moved = await this.#repo.setOutcome(
        [
          {
            campaignId: match.campaignId,
            subjectId: match.subjectId,
            channel: match.channel,
            reason: report.detail || null,
          },
        ],
        report.status,
        report.status === 'delivered' ? ['sending', 'sent'] : ['sending', 'sent', 'delivered'],
        now,
        trx,
      )
      if (moved > 0)
        await this.#audit.append(
          [
            {
              actor: CHANNEL_REPORTS_ACTOR,
              action: 'update',
              subjectIds: [match.subjectId],
              ...(report.requestId ? { requestId: report.requestId } : {}),
              reason: `delivery report of campaign ${match.campaignId} on ${match.channel}: ${report.status}${report.detail ? ` (${report.detail})` : ''}`,
            },
          ],
          trx,
        )
      return {
        matched: true,
        campaignId: match.campaignId,
        channel: match.channel,
        status: moved > 0 ? report.status : match.status,
      }
    })
  }

  async #match(messageIds: readonly string[]): Promise<LedgerMatch | undefined> {
    const variants = new Set<string>()
    for (const raw of messageIds) {
      const id = raw.trim()
      if (!id || id.length > 998) continue
      const bare = id.replace(/^<|>$/g, '')
      variants.add(bare)
      variants.add(`<${bare}>`)
    }
    const found = await this.#repo.byMessageId([...variants])
    return found[0]
  }
}
