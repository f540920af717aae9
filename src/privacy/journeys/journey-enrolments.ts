import type { RawBuilder, SqlBool } from 'kysely'
import { invalidField } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { GateActor } from '../gate/gate.service.ts'
import type {
  EnrolmentKey,
  JourneyEnrolmentRepository,
  JourneyEnrolmentRow,
  JourneySendRow,
} from './journey-enrolment.repository.ts'

export type { EnrolmentKey, JourneyEnrolmentRow, JourneySendRow }

/** What enrols a person into a journey (src/modules/journeys validates it). */
export type JourneyTrigger =
  | { kind: 'doi-confirmed'; purposeKey: string }
  | { kind: 'p-alive-below'; threshold: number }
  | { kind: 'order-abandoned'; hours: number }

/** A claimed enrolment whose next step is due. */
export interface DueEnrolment extends EnrolmentKey {
  journeyVersion: number
  step: number
  attempts: number
}

/** One enrolment as a journey's list shows it: pseudonymous. */
export interface EnrolmentView {
  subjectId: string
  trigger: string
  version: number
  step: number
  status: 'active' | 'completed' | 'stopped'
  reason: string | null
  nextAt: string | null
  enteredAt: string
  endedAt: string | null
}

/** Counts over a journey's enrolments and ledger. */
export interface JourneyCounts {
  enrolments: { status: string; step: number; reason: string | null; n: number }[]
  sends: { status: string; step: number; reason: string | null; n: number }[]
}

const TICK: AuditActor = { type: 'job', id: 'journeys.tick' }

/** The order an `order:<id>` trigger names. */
export const orderOfTrigger = (triggerRef: string): string | undefined =>
  triggerRef.startsWith('order:') ? triggerRef.slice('order:'.length) : undefined

const toDue = (r: JourneyEnrolmentRow): DueEnrolment => ({
  subjectId: r.subject_id,
  journeyId: r.journey_id,
  triggerRef: r.trigger_ref,
  journeyVersion: r.journey_version,
  step: r.step,
  attempts: r.attempts,
})

/**
 * The journeys' personal part (issue #17, "Triggers"): who enters a journey (from confirmed
 * consents, scores and open orders — tables only the kernel reads), the step each person is at, and
 * the send ledger whose key makes a step go out at most once. Sending is the module's, through
 * `MarketingMailService`, which asks the permission rules again for every message.
 */
export class JourneyEnrolments {
  readonly #repo: JourneyEnrolmentRepository
  readonly #audit: AuditWriter
  constructor(deps: { repository: JourneyEnrolmentRepository; audit: AuditWriter }) {
    this.#repo = deps.repository
    this.#audit = deps.audit
  }

  /**
   * Enrols whom the trigger found in the window (from, to] into the journey at its version, each
   * once (a repeated or concurrent call enrols nobody twice); audited with the subjects enrolled.
   */
  async enrol(
    journey: { id: string; version: number; trigger: JourneyTrigger },
    window: { from: Date; to: Date },
    now: Date,
    /** A segment's permitted audience (`SegmentEngine.audienceCondition`): only its members enter. */
    where?: RawBuilder<SqlBool> | undefined,
  ): Promise<number> {
    const base = {
      journeyId: journey.id,
      version: journey.version,
      from: window.from,
      to: window.to,
      now,
      where,
    }
    const t = journey.trigger
    const entered =
      t.kind === 'doi-confirmed'
        ? await this.#repo.enrolConfirmed({ ...base, purposeKey: t.purposeKey })
        : t.kind === 'p-alive-below'
          ? await this.#repo.enrolPAliveBelow({ ...base, threshold: t.threshold })
          : await this.#repo.enrolAbandonedOrders({ ...base, hours: t.hours })
    if (entered.length > 0)
      await this.#audit.append([
        {
          actor: TICK,
          action: 'create',
          subjectIds: [...new Set(entered)],
          reason: `journey ${journey.id} (version ${journey.version}): entered by its trigger ${t.kind}`,
        },
      ])
    return entered.length
  }

  /** Claims due enrolments of active journeys (a lease until `leaseUntil`). */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<DueEnrolment[]> {
    return (await this.#repo.claimDue(now, leaseUntil, limit)).map(toDue)
  }

  /**
   * Whether the order of an abandoned-order enrolment is still abandoned (open, unpaid, no later
   * order); `gone`: erased or merged away. Other triggers: always `open`.
   */
  async orderState(key: EnrolmentKey): Promise<'open' | 'completed' | 'gone'> {
    const orderId = orderOfTrigger(key.triggerRef)
    if (!orderId) return 'open'
    const open = await this.#repo.orderStillOpen(key.subjectId, orderId)
    return open === undefined ? 'gone' : open ? 'open' : 'completed'
  }

  /** Moves a claimed enrolment on (a step done, a wait begun, completed, stopped); whether it was still there. */
  move(
    key: EnrolmentKey,
    fromStep: number,
    to: {
      step: number
      nextAt: Date | null
      status: 'active' | 'completed' | 'stopped'
      reason?: string | null
      attempts?: number
      at: Date
    },
  ): Promise<boolean> {
    return this.#repo.move(key, fromStep, {
      ...to,
      reason: to.reason ?? null,
      attempts: to.attempts ?? 0,
    })
  }

  /**
   * Writes the step's ledger row before its message goes out. `claimed`: this call wrote it, send
   * now; otherwise the row found (sent, refused, failed, or `sending`: an earlier attempt was
   * interrupted after claiming it, and the message may be out).
   */
  async beginSend(
    key: EnrolmentKey,
    step: number,
    send: { channel: 'email' | 'sms'; purposeKey: string; at: Date },
  ): Promise<{ claimed: true } | { claimed: false; existing: JourneySendRow | undefined }> {
    if (await this.#repo.beginSend(key, step, send)) return { claimed: true }
    return { claimed: false, existing: await this.#repo.findSend(key, step) }
  }

  finishSend(
    key: EnrolmentKey,
    step: number,
    outcome: {
      status: 'sent' | 'refused' | 'failed'
      reason?: string | null
      messageId?: string | null
      at: Date
    },
  ): Promise<void> {
    return this.#repo.finishSend(key, step, {
      status: outcome.status,
      reason: outcome.reason ?? null,
      messageId: outcome.messageId ?? null,
      at: outcome.at,
    })
  }

  /** A temporary failure: the ledger row goes, the next attempt writes it again. */
  releaseSend(key: EnrolmentKey, step: number): Promise<void> {
    return this.#repo.releaseSend(key, step)
  }

  /**
   * A page of a journey's enrolments (pseudonymous: subject ids, steps, statuses, reasons), in key
   * order; the listed subjects' histories record the read (audit).
   */
  async page(
    who: { actor: GateActor; requestId?: string | undefined },
    journeyId: string,
    query: { status?: string | undefined; after?: string | undefined; limit: number },
  ): Promise<{ items: EnrolmentView[]; nextCursor: string | null }> {
    const after = query.after ? decodeCursor(query.after) : undefined
    if (query.after && !after) throw invalidField('querystring', 'after', 'is not a cursor this list gave')
    const rows = await this.#repo.page(journeyId, { status: query.status, after, limit: query.limit + 1 })
    const items = rows.slice(0, query.limit)
    if (items.length > 0)
      await this.#audit.append([
        {
          actor: who.actor,
          action: 'read',
          subjectIds: [...new Set(items.map((r) => r.subject_id))],
          ...(who.requestId ? { requestId: who.requestId } : {}),
          reason: `journey ${journeyId}: enrolments listed`,
        },
      ])
    const last = items.at(-1)
    return {
      items: items.map((r) => ({
        subjectId: r.subject_id,
        trigger: orderOfTrigger(r.trigger_ref) ? 'order' : r.trigger_ref,
        version: r.journey_version,
        step: r.step,
        status: r.status,
        reason: r.reason,
        nextAt: r.status === 'active' && r.next_at ? r.next_at.toISOString() : null,
        enteredAt: r.entered_at.toISOString(),
        endedAt: r.ended_at ? r.ended_at.toISOString() : null,
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.subject_id, last.trigger_ref) : null,
    }
  }

  /** Aggregates only: enrolments by status, step and reason; ledger rows by step, status and reason. */
  async counts(journeyId: string): Promise<JourneyCounts> {
    const [enrolments, sends] = await Promise.all([
      this.#repo.enrolmentCounts(journeyId),
      this.#repo.sendCounts(journeyId),
    ])
    return { enrolments, sends }
  }

  anyEnrolled(journeyId: string): Promise<boolean> {
    return this.#repo.anyEnrolled(journeyId)
  }
}

const encodeCursor = (subjectId: string, triggerRef: string) =>
  Buffer.from(`${subjectId}\u0000${triggerRef}`, 'utf8').toString('base64url')

/** The cursor of the previous page; undefined when malformed. */
export function decodeCursor(cursor: string): { subjectId: string; triggerRef: string } | undefined {
  const [subjectId, triggerRef] = Buffer.from(cursor, 'base64url').toString('utf8').split('\u0000')
  if (!subjectId || !triggerRef || !/^[0-9a-f-]{36}$/i.test(subjectId)) return undefined
  return { subjectId, triggerRef }
}
