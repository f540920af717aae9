import { createHash } from 'node:crypto'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { Gate, GateActor } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type {
  DueEnrolment,
  EnrolmentView,
  JourneyEnrolments,
  JourneyTrigger,
} from '../../privacy/journeys/journey-enrolments.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { SegmentEngine } from '../../privacy/segments/segment-engine.ts'
import type { SegmentGroup } from '../../privacy/segments/segment-rules.ts'
import type { ChannelSender } from '../campaigns/channels/channel-sender.ts'
import { MarketingMailRefused, type MarketingMailService } from '../unsubscribe/marketing-mail.service.ts'
import type { JourneyRepository, JourneyRow, JourneyWrite } from './journey.repository.ts'
import { MERGE_FIELDS, type MergeField, mergeFieldsOf, renderMergeFields } from './journey-render.ts'

export type { JourneyTrigger }
export type Lang = 'de' | 'en'

export interface StepContent {
  /** The e-mail subject line (SMS: none). */
  subject: string
  text: string
}
/** The channels a journey sends on: e-mail, and SMS where an SMS sender is set up. */
export type JourneyChannel = 'email' | 'sms'
export type JourneyStep =
  | { type: 'wait'; minutes: number }
  | { type: 'send'; channel: JourneyChannel; purposeKey: string; content: Partial<Record<Lang, StepContent>> }

/** A journey as the API shows it. */
export interface JourneyView {
  id: string
  name: string
  description: string
  trigger: JourneyTrigger
  steps: JourneyStep[]
  segmentId: string | null
  defaultLang: Lang
  status: 'draft' | 'active' | 'paused'
  version: number
  activatedAt: string | null
  createdAt: string
  updatedAt: string
}

/** What a save carries, as the API's schema checked its shape (the service checks the meaning). */
export interface JourneyInput {
  name: string
  description?: string | undefined
  trigger: {
    kind: JourneyTrigger['kind']
    purposeKey?: string | undefined
    threshold?: number | undefined
    hours?: number | undefined
  }
  steps: {
    type: 'wait' | 'send'
    minutes?: number | undefined
    channel?: JourneyChannel | undefined
    purposeKey?: string | undefined
    content?: Partial<Record<Lang, { subject?: string | undefined; text: string } | undefined>> | undefined
  }[]
  segmentId?: string | null | undefined
  defaultLang?: Lang | undefined
}

export interface JourneyStatsView {
  version: number
  enrolled: number
  active: number
  completed: number
  stopped: Record<string, number>
  steps: {
    index: number
    type: 'wait' | 'send'
    entered: number
    waiting: number
    sent: number
    refused: Record<string, number>
    failed: Record<string, number>
    stopped: Record<string, number>
  }[]
}

export interface TickResult {
  entered: number
  sent: number
  stopped: number
  completed: number
  retried: number
  /** Journeys or enrolments whose turn failed unexpectedly (a database error): retried by a later tick. */
  errors: number
}

/** How far back each tick looks before the last scan: a consent or order committed late still enters. */
export const SCAN_LAG_MS = 15 * 60_000
/** A claimed enrolment comes back after this when its tick died. */
const LEASE_MS = 10 * 60_000
/** Attempts of one send step on temporary failures (SMTP down, 4xx) before the person is stopped. */
const MAX_ATTEMPTS = 5
const TICK_ACTOR: GateActor = { type: 'job', id: 'journeys.tick', role: 'admin' }

const toView = (row: JourneyRow): JourneyView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  trigger: { kind: row.trigger_kind, ...(row.trigger as object) } as JourneyTrigger,
  steps: row.steps as JourneyStep[],
  segmentId: row.segment_id,
  defaultLang: row.default_lang,
  status: row.status,
  version: row.version,
  activatedAt: row.activated_at ? row.activated_at.toISOString() : null,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})

const bump = (counts: Record<string, number>, key: string, n: number) => {
  counts[key] = (counts[key] ?? 0) + n
}

/**
 * Journeys (issue #17, "Triggers"): a trigger (a double opt-in confirmed, P(alive) below a
 * threshold, an abandoned order) enrols people, who then run the steps — waits and single
 * marketing messages. Every message goes through `MarketingMailService`, which asks the permission
 * rules for the person, purpose and channel again: a refusal stops the person's enrolment with the
 * rule. The kernel (`JourneyEnrolments`) keeps who is where and the send ledger whose key makes a
 * redelivered or concurrent tick send each step at most once.
 */
export class JourneyService {
  readonly #repo: JourneyRepository
  readonly #enrolments: JourneyEnrolments
  readonly #purposes: PurposeService
  readonly #gate: Gate
  readonly #mail: MarketingMailService
  readonly #audit: AuditWriter
  readonly #clock: () => Date
  readonly #concurrency: number
  readonly #segments: JourneySegments
  readonly #segmentEngine: Pick<SegmentEngine, 'audienceCondition'>
  readonly #sms: ChannelSender | undefined
  constructor(deps: {
    repository: JourneyRepository
    enrolments: JourneyEnrolments
    purposes: PurposeService
    gate: Gate
    marketingMail: MarketingMailService
    audit: AuditWriter
    /** The saved segments (a journey may be limited to one's members) and the kernel's audience condition. */
    segments: JourneySegments
    segmentEngine: Pick<SegmentEngine, 'audienceCondition'>
    /** The campaigns' SMS sender (provider adapter with the opt-out line); absent: no SMS steps. */
    sms?: ChannelSender | undefined
    clock?: () => Date
    /** Enrolments moved on side by side (sends in flight): PostgreSQL more, PGlite (one session) 1. */
    concurrency?: number
  }) {
    this.#repo = deps.repository
    this.#enrolments = deps.enrolments
    this.#purposes = deps.purposes
    this.#gate = deps.gate
    this.#mail = deps.marketingMail
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
    this.#concurrency = Math.max(1, deps.concurrency ?? 1)
    this.#segments = deps.segments
    this.#segmentEngine = deps.segmentEngine
    this.#sms = deps.sms
  }

  async list(): Promise<JourneyView[]> {
    return (await this.#repo.list()).map(toView)
  }

  async get(id: string): Promise<JourneyView> {
    const row = await this.#repo.find(id)
    if (!row) throw new ProblemError('not-found', 'no such journey')
    return toView(row)
  }

  /** Saves a new journey (a draft, version 1) after checking trigger, purposes and content; audited. */
  async create(ctx: RequestContext, input: JourneyInput): Promise<JourneyView> {
    const write = await this.#write(ctx, input)
    if (await this.#repo.nameTaken(write.name, undefined)) throw nameConflict()
    const row = await this.#repo.transaction(async (trx) => {
      const inserted = await this.#repo.insert(write, trx)
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `journey ${inserted.id} created (version 1)` }],
        trx,
      )
      return inserted
    })
    return toView(row)
  }

  /**
   * Changes a draft or paused journey (an active one: pause it first, 409): a new version; people
   * already in it run the version they entered with.
   */
  async update(
    ctx: RequestContext,
    id: string,
    patch: Partial<JourneyInput> & { version?: number | undefined },
  ): Promise<JourneyView> {
    const current = await this.get(id)
    const merged: JourneyInput = {
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      trigger: patch.trigger ?? current.trigger,
      steps: patch.steps ?? current.steps,
      segmentId: patch.segmentId === undefined ? current.segmentId : patch.segmentId,
      defaultLang: patch.defaultLang ?? current.defaultLang,
    }
    const write = await this.#write(ctx, merged)
    if (await this.#repo.nameTaken(write.name, id)) throw nameConflict()
    const row = await this.#repo.transaction(async (trx) => {
      const locked = await this.#repo.lock(id, trx)
      if (!locked) throw new ProblemError('not-found', 'no such journey')
      if (patch.version !== undefined && patch.version !== locked.version)
        throw new ProblemError(
          'conflict',
          `the journey is at version ${locked.version}, not ${patch.version}: reload it and save again`,
          { errors: [{ in: 'body', field: 'version', reason: `is ${locked.version} now` }] },
        )
      if (locked.status === 'active')
        throw new ProblemError('conflict', 'the journey is active: pause it before changing it', {
          errors: [{ in: 'path', field: 'id', reason: 'is active' }],
        })
      const next = locked.version + 1
      const updated = await this.#repo.update(id, next, write, trx)
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `journey ${id} changed (version ${next})` }],
        trx,
      )
      return updated
    })
    return toView(row)
  }

  /** Starts (or resumes) a journey: from now on its trigger enrols and the tick moves people on. */
  activate(ctx: RequestContext, id: string): Promise<JourneyView> {
    return this.#status(ctx, id, 'active')
  }

  /** Pauses a journey: nobody enters, nobody moves on (waits that end meanwhile wait for the resume). */
  pause(ctx: RequestContext, id: string): Promise<JourneyView> {
    return this.#status(ctx, id, 'paused')
  }

  async #status(ctx: RequestContext, id: string, status: 'active' | 'paused'): Promise<JourneyView> {
    const row = await this.#repo.transaction(async (trx) => {
      const locked = await this.#repo.lock(id, trx)
      if (!locked) throw new ProblemError('not-found', 'no such journey')
      if (locked.status === status) return locked
      if (status === 'paused' && locked.status === 'draft')
        throw new ProblemError('conflict', 'a draft is not running: activate it first', {
          errors: [{ in: 'path', field: 'id', reason: 'is a draft' }],
        })
      const updated = await this.#repo.setStatus(id, status, this.#clock(), trx)
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            reason: `journey ${id} ${status === 'active' ? 'activated' : 'paused'} (version ${locked.version})`,
          },
        ],
        trx,
      )
      return updated
    })
    return toView(row)
  }

  /** Deletes a draft nobody ever entered (a journey that ran keeps its record: pause it instead). */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    // Asked before the transaction (PGlite has one connection); a draft enrols nobody meanwhile.
    const ran = await this.#enrolments.anyEnrolled(id)
    await this.#repo.transaction(async (trx) => {
      const locked = await this.#repo.lock(id, trx)
      if (!locked) throw new ProblemError('not-found', 'no such journey')
      if (locked.status !== 'draft' || ran)
        throw new ProblemError('conflict', 'only a draft that never ran can be deleted: pause it instead', {
          errors: [{ in: 'path', field: 'id', reason: `is ${locked.status}` }],
        })
      await this.#repo.delete(id, trx)
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `journey ${id} deleted with its versions` }],
        trx,
      )
    })
  }

  /** A page of the journey's enrolments, pseudonymous; the listed people's histories record it. */
  async enrolments(
    ctx: RequestContext,
    id: string,
    query: {
      status?: 'active' | 'completed' | 'stopped' | undefined
      after?: string | undefined
      limit: number
    },
  ): Promise<{ items: EnrolmentView[]; nextCursor: string | null }> {
    await this.get(id)
    return this.#enrolments.page(ctx, id, query)
  }

  /** Counts per step: entered, waiting, sent, refused/failed/stopped by reason; and overall. */
  async stats(id: string): Promise<JourneyStatsView> {
    const journey = await this.get(id)
    const counts = await this.#enrolments.counts(id)
    const steps = journey.steps.map((s, index) => ({
      index,
      type: s.type,
      entered: 0,
      waiting: 0,
      sent: 0,
      refused: {} as Record<string, number>,
      failed: {} as Record<string, number>,
      stopped: {} as Record<string, number>,
    }))
    const view: JourneyStatsView = {
      version: journey.version,
      enrolled: 0,
      active: 0,
      completed: 0,
      stopped: {},
      steps,
    }
    for (const c of counts.enrolments) {
      view.enrolled += c.n
      if (c.status === 'active') view.active += c.n
      if (c.status === 'completed') view.completed += c.n
      if (c.status === 'stopped') bump(view.stopped, c.reason ?? 'unknown', c.n)
      for (const s of steps) {
        if (c.step > s.index || (c.step === s.index && c.status === 'stopped')) s.entered += c.n
        if (c.step === s.index && c.status === 'active') s.waiting += c.n
        if (c.step === s.index && c.status === 'stopped') bump(s.stopped, c.reason ?? 'unknown', c.n)
      }
    }
    for (const c of counts.sends) {
      const s = steps[c.step]
      if (!s) continue
      if (c.status === 'sent') s.sent += c.n
      if (c.status === 'refused') bump(s.refused, c.reason ?? 'unknown', c.n)
      if (c.status === 'failed') bump(s.failed, c.reason ?? 'unknown', c.n)
    }
    return view
  }

  /**
   * One run of job `journeys.tick` (every minute; `tresor journeys tick`): each active journey's
   * trigger enrols whom it found since its last scan, then every due enrolment moves on — a wait
   * begins, a message is sent (the permission asked again) or the person is stopped or completed.
   * `now` is the clock (tests pass their own). Safe to run redelivered and concurrently: enrolments
   * are keyed, due rows are claimed with a lease, and each step's ledger row is written before its
   * message goes out, so nothing is sent twice.
   */
  async tick(options: { now?: Date | undefined; batch?: number | undefined } = {}): Promise<TickResult> {
    const now = options.now ?? this.#clock()
    const batch = options.batch ?? 100
    const result: TickResult = { entered: 0, sent: 0, stopped: 0, completed: 0, retried: 0, errors: 0 }
    for (const journey of await this.#repo.active()) {
      const activated = (journey.activated_at ?? now).getTime()
      const scanned = (journey.scanned_until ?? journey.activated_at ?? now).getTime()
      const from = new Date(Math.max(activated, scanned - SCAN_LAG_MS))
      try {
        if (from.getTime() < now.getTime()) {
          const view = toView(journey)
          result.entered += await this.#enrolments.enrol(
            { id: journey.id, version: journey.version, trigger: view.trigger },
            { from, to: now },
            now,
            await this.#segmentCondition(view, TICK_ACTOR),
          )
        }
        await this.#repo.scanned(journey.id, now)
      } catch {
        // One journey's failing scan doesn't hold up the others; its window is scanned again next time.
        result.errors++
      }
    }
    const versions = new Map<string, Promise<{ steps: JourneyStep[]; lang: Lang } | undefined>>()
    const versionOf = (d: DueEnrolment) => {
      const key = `${d.journeyId}/${d.journeyVersion}`
      let found = versions.get(key)
      if (!found) {
        found = this.#repo
          .version(d.journeyId, d.journeyVersion)
          .then((v) => v && { steps: v.steps as JourneyStep[], lang: v.default_lang as Lang })
        versions.set(key, found)
      }
      return found
    }
    for (;;) {
      const leaseUntil = new Date(now.getTime() + LEASE_MS)
      const due = await this.#enrolments.claimDue(now, leaseUntil, batch)
      await eachLimited(due, this.#concurrency, async (enrolment) => {
        try {
          await this.#advance(enrolment, await versionOf(enrolment), now, leaseUntil, result)
        } catch {
          // Left claimed: it comes back when its lease ends; the ledger keeps a sent step from going twice.
          result.errors++
        }
      })
      if (due.length < batch) break
    }
    return result
  }

  async #advance(
    d: DueEnrolment,
    journey: { steps: JourneyStep[]; lang: Lang } | undefined,
    now: Date,
    leaseUntil: Date,
    result: TickResult,
  ): Promise<void> {
    const stop = async (at: number, reason: string) => {
      if (await this.#enrolments.move(d, at, { step: at, nextAt: null, status: 'stopped', reason, at: now }))
        result.stopped++
    }
    if (!journey) return stop(d.step, 'version-gone')
    const order = await this.#enrolments.orderState(d)
    if (order !== 'open') return stop(d.step, order === 'completed' ? 'order-completed' : 'order-gone')
    let at = d.step
    let attempts = d.attempts
    for (;;) {
      const step = journey.steps[at]
      if (!step) {
        if (await this.#enrolments.move(d, at, { step: at, nextAt: null, status: 'completed', at: now }))
          result.completed++
        return
      }
      if (step.type === 'wait') {
        await this.#enrolments.move(d, at, {
          step: at + 1,
          nextAt: new Date(now.getTime() + step.minutes * 60_000),
          status: 'active',
          at: now,
        })
        return
      }
      const outcome = await this.#send(d, at, step, journey.lang, now)
      if (outcome.kind === 'stop') return stop(at, outcome.reason)
      if (outcome.kind === 'retry') {
        attempts++
        if (attempts >= MAX_ATTEMPTS) {
          await this.#enrolments.finishSend(d, at, { status: 'failed', reason: 'send-failed', at: now })
          return stop(at, 'send-failed')
        }
        await this.#enrolments.releaseSend(d, at)
        result.retried++
        // 2, 4, 8, 16 minutes
        const nextAt = new Date(now.getTime() + 2 ** attempts * 60_000)
        await this.#enrolments.move(d, at, { step: at, nextAt, status: 'active', attempts, at: now })
        return
      }
      if (outcome.kind === 'sent') result.sent++
      // Still this tick's (the lease kept): the next step runs now, in this loop; no other tick takes it.
      if (
        !(await this.#enrolments.move(d, at, { step: at + 1, nextAt: leaseUntil, status: 'active', at: now }))
      )
        return
      at++
      attempts = 0
    }
  }

  /** One send step for one person: the ledger row first, then the message, then its outcome. */
  async #send(
    d: DueEnrolment,
    at: number,
    step: Extract<JourneyStep, { type: 'send' }>,
    lang: Lang,
    now: Date,
  ): Promise<{ kind: 'sent' | 'done' | 'retry' } | { kind: 'stop'; reason: string }> {
    const begun = await this.#enrolments.beginSend(d, at, {
      channel: step.channel,
      purposeKey: step.purposeKey,
      at: now,
    })
    if (!begun.claimed) {
      const existing = begun.existing
      // Released by a failing attempt in between: the next tick tries again.
      if (!existing) return { kind: 'retry' }
      if (existing.status === 'sent') return { kind: 'done' }
      if (existing.status === 'refused' || existing.status === 'failed')
        return { kind: 'stop', reason: existing.reason ?? existing.status }
      // `sending`: an earlier attempt died after claiming the step; the message may be out. At most
      // once: it is recorded as interrupted and the person moves on.
      await this.#enrolments.finishSend(d, at, { status: 'failed', reason: 'interrupted', at: now })
      return { kind: 'done' }
    }
    const content = step.content[lang] ?? step.content.de ?? step.content.en
    const contentLang: Lang = content === step.content[lang] ? lang : step.content.de ? 'de' : 'en'
    if (step.channel === 'sms' && content) return this.#sendSms(d, at, step, content.text, contentLang, now)
    try {
      if (!content) throw new MarketingMailRefused('no-content', 'the step has no content')
      const values = await this.#mergeValues(d.subjectId, step.purposeKey, [
        ...mergeFieldsOf(content.subject).fields,
        ...mergeFieldsOf(content.text).fields,
      ])
      const { messageId } = await this.#mail.send({
        subjectId: d.subjectId,
        purposeKey: step.purposeKey,
        subject: renderMergeFields(content.subject, values),
        text: renderMergeFields(content.text, values),
        lang: contentLang,
        actor: TICK_ACTOR,
      })
      await this.#enrolments.finishSend(d, at, { status: 'sent', messageId, at: now })
      return { kind: 'sent' }
    } catch (error) {
      if (error instanceof MarketingMailRefused) {
        await this.#enrolments.finishSend(d, at, { status: 'refused', reason: error.rule, at: now })
        return { kind: 'stop', reason: error.rule }
      }
      if (error instanceof ProblemError) {
        // Permanent: no such subject (erased, merged), the purpose gone or no longer direct marketing.
        const reason = error.kind === 'not-found' ? 'not-found' : 'invalid'
        await this.#enrolments.finishSend(d, at, { status: 'failed', reason, at: now })
        return { kind: 'stop', reason }
      }
      // The receiving server refused the message or the address for good (5xx on MAIL FROM, RCPT TO
      // or DATA): recorded as failed with the reply code, not retried.
      const permanent = permanentSmtpRefusal(error)
      if (permanent) {
        await this.#enrolments.finishSend(d, at, { status: 'failed', reason: permanent, at: now })
        return { kind: 'stop', reason: permanent }
      }
      // A temporary failure (SMTP unreachable, 4xx, a sign-in refused): retried with backoff up to MAX_ATTEMPTS.
      return { kind: 'retry' }
    }
  }

  /**
   * One SMS step (§ 7(2) UWG: consent only): the gate decides for the person, purpose and `sms`
   * now (a denial stops the enrolment with the rule) and hands out the number and merge fields; the
   * campaigns' SMS sender adds the opt-out line with the person's unsubscribe link and talks to
   * the provider. Its client reference is derived from the ledger row's key, so a provider that
   * deduplicates by it sees a repeat as one.
   */
  async #sendSms(
    d: DueEnrolment,
    at: number,
    step: Extract<JourneyStep, { type: 'send' }>,
    text: string,
    lang: Lang,
    now: Date,
  ): Promise<{ kind: 'sent' | 'retry' } | { kind: 'stop'; reason: string }> {
    const fail = async (status: 'refused' | 'failed', reason: string) => {
      await this.#enrolments.finishSend(d, at, { status, reason, at: now })
      return { kind: 'stop' as const, reason }
    }
    if (!this.#sms) return fail('failed', 'no-sms-sender')
    const read = await this.#gate
      .use({
        actor: TICK_ACTOR,
        purpose: step.purposeKey,
        channel: 'sms',
        subjectIds: [d.subjectId],
        fields: ['phone', ...mergeFieldsOf(text).fields],
        reason: `journey ${d.journeyId}: message`,
      })
      .catch((error: unknown) => {
        if (error instanceof ProblemError) return error
        throw error
      })
    if (read instanceof ProblemError)
      return fail('failed', read.kind === 'not-found' ? 'not-found' : 'invalid')
    const denial = read.denied[0]
    if (denial) return fail('refused', denial.rule)
    const person = read.subjects[0]
    if (!person) return fail('failed', 'not-found')
    const values: Partial<Record<MergeField, string>> = {}
    for (const f of mergeFieldsOf(text).fields) {
      const v = person.identifiers[f]
      if (typeof v === 'string') values[f] = v
    }
    const reference = createHash('sha256')
      .update(`${d.journeyId}/${d.subjectId}/${d.triggerRef}/${at}`)
      .digest('hex')
      .slice(0, 32)
    const [outcome] = await this.#sms.deliver({
      campaignId: d.journeyId,
      campaignName: 'journey',
      channel: 'sms',
      purposeKey: step.purposeKey,
      recipientId: null,
      recipients: [
        {
          subject: person,
          messageId: reference,
          content: { lang, subject: '', bodyText: renderMergeFields(text, values), bodyHtml: null },
          attempt: d.attempts + 1,
        },
      ],
    })
    if (outcome?.status === 'sent') {
      await this.#enrolments.finishSend(d, at, {
        status: 'sent',
        messageId: outcome.messageId ?? reference,
        at: now,
      })
      return { kind: 'sent' }
    }
    if (!outcome || outcome.status === 'retry') return { kind: 'retry' }
    return fail('failed', outcome.reason ?? outcome.status)
  }

  /**
   * The condition of a journey's segment (none without one): its members whom the first send
   * step's purpose may reach on e-mail — the segment's current definition, checked for `actor` as
   * a segment count is checked.
   */
  async #segmentCondition(
    journey: Pick<JourneyView, 'segmentId' | 'steps'>,
    actor: GateActor,
    where?: string,
  ) {
    if (!journey.segmentId) return undefined
    const segment = await this.#segments.get(journey.segmentId)
    const send = journey.steps.find((s) => s.type === 'send')
    const { condition } = await this.#segmentEngine.audienceCondition({
      actor,
      purpose: segment.purpose,
      audiencePurpose: send?.purposeKey ?? segment.purpose,
      audienceField: { in: 'body', field: 'steps' },
      rules: segment.rules,
      channel: 'email',
      ...(where ? { where } : {}),
    })
    return condition
  }

  /** The merge fields' values, read through the gate under the step's purpose (none: none read). */
  async #mergeValues(
    subjectId: string,
    purposeKey: string,
    fields: MergeField[],
  ): Promise<Partial<Record<MergeField, string>>> {
    if (fields.length === 0) return {}
    const result = await this.#gate.use({
      actor: TICK_ACTOR,
      purpose: purposeKey,
      channel: 'email',
      subjectIds: [subjectId],
      fields: [...new Set(fields)],
      reason: 'journey message: merge fields',
    })
    const person = result.subjects[0]
    if (!person) return {}
    const values: Partial<Record<MergeField, string>> = {}
    for (const f of fields) {
      const v = person.identifiers[f]
      if (typeof v === 'string') values[f] = v
    }
    return values
  }

  /** Checks the meaning of a save (the schema checked the shape): every mistake a 400 naming its field. */
  async #write(ctx: RequestContext, input: JourneyInput): Promise<JourneyWrite> {
    const defaultLang = input.defaultLang ?? 'de'
    const t = input.trigger
    let trigger: Record<string, unknown>
    if (t.kind === 'doi-confirmed') {
      if (!t.purposeKey) throw invalidField('body', 'trigger.purposeKey', 'is required for doi-confirmed')
      const purpose = await this.#purposes.find(t.purposeKey)
      if (!purpose) throw invalidField('body', 'trigger.purposeKey', `there is no purpose ${t.purposeKey}`)
      trigger = { purposeKey: t.purposeKey }
    } else if (t.kind === 'p-alive-below') {
      if (t.threshold === undefined)
        throw invalidField(
          'body',
          'trigger.threshold',
          'is required for p-alive-below (a probability between 0 and 1)',
        )
      trigger = { threshold: t.threshold }
    } else {
      if (t.hours === undefined)
        throw invalidField('body', 'trigger.hours', 'is required for order-abandoned')
      trigger = { hours: t.hours }
    }
    const steps: JourneyStep[] = []
    for (const [i, s] of input.steps.entries()) {
      const at = `steps.${i}`
      if (s.type === 'wait') {
        if (s.minutes === undefined)
          throw invalidField('body', `${at}.minutes`, 'is required for a wait', 'required')
        steps.push({ type: 'wait', minutes: s.minutes })
        continue
      }
      if (!s.purposeKey) throw invalidField('body', `${at}.purposeKey`, 'is required for a send', 'required')
      const channel: JourneyChannel = s.channel ?? 'email'
      if (channel === 'sms' && !this.#sms)
        throw invalidField('body', `${at}.channel`, 'SMS is not set up (TRESOR_SMS_URL): no SMS steps')
      const purpose = await this.#purposes.find(s.purposeKey)
      if (!purpose) throw invalidField('body', `${at}.purposeKey`, `there is no purpose ${s.purposeKey}`)
      if (!purpose.directMarketing)
        throw invalidField('body', `${at}.purposeKey`, `purpose ${s.purposeKey} is not direct marketing`)
      if (!purpose.channels.includes(channel))
        throw invalidField(
          'body',
          `${at}.purposeKey`,
          `purpose ${s.purposeKey} does not use the channel ${channel}`,
        )
      const content: Partial<Record<Lang, StepContent>> = {}
      for (const lang of ['de', 'en'] as const) {
        const c = s.content?.[lang]
        if (!c) continue
        if (channel === 'email' && !c.subject)
          throw invalidField('body', `${at}.content.${lang}.subject`, 'is required for an e-mail', 'required')
        for (const part of ['subject', 'text'] as const) {
          const unknown = mergeFieldsOf(c[part] ?? '').unknown
          if (unknown.length > 0)
            throw invalidField(
              'body',
              `${at}.content.${lang}.${part}`,
              `names unknown merge fields (${unknown.map((u) => `{{${u}}}`).join(', ')}); only {{firstName}} and {{lastName}}`,
              'unknown-merge-field',
              {
                names: unknown.map((u) => `{{${u}}}`).join(', '),
                known: MERGE_FIELDS.map((n) => `{{${n}}}`).join(', '),
              },
            )
        }
        content[lang] = { subject: channel === 'email' ? (c.subject ?? '') : '', text: c.text }
      }
      if (!content[defaultLang])
        throw invalidField(
          'body',
          `${at}.content.${defaultLang}`,
          `is required: the journey's language is ${defaultLang}`,
        )
      steps.push({ type: 'send', channel, purposeKey: s.purposeKey, content })
    }
    if (!steps.some((s) => s.type === 'send'))
      throw invalidField('body', 'steps', 'needs at least one send step')
    const segmentId = input.segmentId ?? null
    if (segmentId) {
      const found = await this.#segments.get(segmentId).catch((error: unknown) => {
        if (error instanceof ProblemError && error.kind === 'not-found') return undefined
        throw error
      })
      if (!found) throw invalidField('body', 'segmentId', 'there is no such segment')
      // The segment must be usable by the saver's role for the send's purpose, as a count would be.
      await this.#segmentCondition({ segmentId, steps }, ctx.actor, 'body')
    }
    return {
      name: input.name.trim(),
      description: input.description ?? '',
      triggerKind: t.kind,
      trigger,
      steps,
      segmentId,
      defaultLang,
      at: this.#clock(),
      actor: { type: ctx.actor.type, id: ctx.actor.id },
    }
  }
}

/** `smtp-<code>` when an SMTP error is a permanent refusal of this message (5xx on the envelope or data). */
function permanentSmtpRefusal(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { responseCode, command } = error as { responseCode?: unknown; command?: unknown }
  if (typeof responseCode !== 'number' || responseCode < 500 || responseCode > 599) return undefined
  return command === 'RCPT TO' || command === 'MAIL FROM' || command === 'DATA'
    ? `smtp-${responseCode}`
    : undefined
}

/** What a journey needs of the saved segments. */
export interface JourneySegments {
  get(id: string): Promise<{ id: string; purpose: string; rules: SegmentGroup }>
}

/** Runs `work` over the items with at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

const nameConflict = () =>
  new ProblemError('conflict', 'a journey of this name exists', {
    errors: [{ in: 'body', field: 'name', reason: 'another journey has this name' }],
  })
