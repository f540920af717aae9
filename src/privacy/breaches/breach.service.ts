import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { AffectedRow, BreachChanges, BreachRepository, BreachRow } from './breach.repository.ts'
import {
  type AffectedCounts,
  type AffectedQuery,
  type Breach,
  type BreachNature,
  type BreachRisk,
  type BreachStatus,
  breachReference,
  isLateNotification,
  LETTER_STATUSES,
  type LetterStatus,
  NOTIFICATION_HOURS,
  reminderStage,
} from './breach.ts'

/** Who changes the register, for the audit record. */
export interface BreachContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** A breach as recorded: the facts the DPO knows (Art. 33(3)(a), (c), (d)). */
export interface NewBreach {
  awareAt: Date
  occurredFrom?: Date | null | undefined
  occurredUntil?: Date | null | undefined
  title: string
  description: string
  nature?: BreachNature[] | undefined
  subjectCategories?: string[] | undefined
  dataCategories?: string[] | undefined
  approxSubjects?: number | null | undefined
  approxRecords?: number | null | undefined
  consequences?: string | undefined
  measures?: string | undefined
  risk: BreachRisk
}

/** A change: only what is given changes. */
export type BreachPatch = Partial<NewBreach> & { status?: BreachStatus | undefined }

/** The notification of the authority (Art. 33(1)). */
export interface AuthorityNotification {
  at: Date
  reference?: string | null | undefined
  /** Required when `at` is more than 72 hours after the breach became known. */
  delayReasons?: string | null | undefined
}

/** One person of the affected set (pseudonymous id only). */
export interface AffectedSubject {
  subjectId: string
  records: number
  addedAt: Date
  letter: { status: LetterStatus; note: string | null; at: Date } | null
}

const toBreach = (row: BreachRow): Breach => ({
  id: row.id,
  number: row.number,
  awareAt: row.aware_at,
  occurredFrom: row.occurred_from,
  occurredUntil: row.occurred_until,
  title: row.title,
  description: row.description,
  nature: row.nature as BreachNature[],
  subjectCategories: row.subject_categories,
  dataCategories: row.data_categories,
  approxSubjects: row.approx_subjects,
  approxRecords: row.approx_records,
  consequences: row.consequences,
  measures: row.measures,
  risk: row.risk as BreachRisk,
  status: row.status as BreachStatus,
  authorityNotifiedAt: row.authority_notified_at,
  authorityReference: row.authority_reference,
  delayReasons: row.delay_reasons,
  affectedQueries: (
    (row.affected_queries ?? []) as (Omit<AffectedQuery, 'from' | 'until'> & {
      from: string
      until: string
    })[]
  ).map((q) => ({ ...q, from: new Date(q.from), until: new Date(q.until) })),
  remindersSent: row.reminders_sent,
  recordedBy: { type: row.recorded_by_type, id: row.recorded_by_id },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const toAffected = (row: AffectedRow): AffectedSubject => ({
  subjectId: row.subject_id,
  records: row.records,
  addedAt: row.added_at,
  letter:
    row.letter_status && row.letter_at
      ? { status: row.letter_status as LetterStatus, note: row.letter_note, at: row.letter_at }
      : null,
})

/** The shortest reasons for a delay accepted: a sentence, not a placeholder. */
const MIN_REASONS = 10

/**
 * The breach register (Art. 33(5): every breach documented): records breaches, keeps the 72-hour
 * clock (Art. 33(1)) and refuses a late notification without reasons for the delay, computes the
 * affected people from the audit trail (what an actor read or exported in a time window: never
 * guessed), and records the Art. 34 letter to each. Every change is audited.
 */
export class BreachService {
  readonly #repository: BreachRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #now: () => Date

  constructor(deps: {
    repository: BreachRepository
    db: Kysely<Schema>
    audit: AuditWriter
    now?: () => Date
  }) {
    this.#repository = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#now = deps.now ?? (() => new Date())
  }

  now(): Date {
    return this.#now()
  }

  async list(): Promise<Breach[]> {
    return (await this.#repository.list()).map(toBreach)
  }

  async get(id: string): Promise<Breach> {
    const row = await this.#repository.find(id)
    if (!row) throw new ProblemError('not-found', 'there is no such breach')
    return toBreach(row)
  }

  async record(input: NewBreach, context: BreachContext): Promise<Breach> {
    const now = this.#now()
    checkTimes(input.awareAt, input.occurredFrom ?? null, input.occurredUntil ?? null, now)
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repository.insert(
        {
          id: randomUUID(),
          aware_at: input.awareAt,
          occurred_from: input.occurredFrom ?? null,
          occurred_until: input.occurredUntil ?? null,
          title: input.title,
          description: input.description,
          nature: input.nature ?? [],
          subject_categories: input.subjectCategories ?? [],
          data_categories: input.dataCategories ?? [],
          approx_subjects: input.approxSubjects ?? null,
          approx_records: input.approxRecords ?? null,
          consequences: input.consequences ?? '',
          measures: input.measures ?? '',
          risk: input.risk,
          recorded_by_type: context.actor.type,
          recorded_by_id: context.actor.id,
          created_at: now,
          updated_at: now,
        },
        trx,
      )
      await this.#log(
        trx,
        context,
        'create',
        `breach ${breachReference(row.number)} recorded (risk ${row.risk})`,
      )
      return toBreach(row)
    })
  }

  async update(id: string, patch: BreachPatch, context: BreachContext): Promise<Breach> {
    const now = this.#now()
    return this.#db.transaction().execute(async (trx) => {
      const current = await this.#repository.find(id, trx)
      if (!current) throw new ProblemError('not-found', 'there is no such breach')
      const changes: BreachChanges = { updated_at: now }
      const set = <K extends keyof BreachChanges>(key: K, value: BreachChanges[K] | undefined) => {
        if (value !== undefined) changes[key] = value
      }
      set('aware_at', patch.awareAt)
      set('occurred_from', patch.occurredFrom)
      set('occurred_until', patch.occurredUntil)
      set('title', patch.title)
      set('description', patch.description)
      set('nature', patch.nature)
      set('subject_categories', patch.subjectCategories)
      set('data_categories', patch.dataCategories)
      set('approx_subjects', patch.approxSubjects)
      set('approx_records', patch.approxRecords)
      set('consequences', patch.consequences)
      set('measures', patch.measures)
      set('risk', patch.risk)
      set('status', patch.status)
      const awareAt = changes.aware_at ?? current.aware_at
      checkTimes(
        new Date(awareAt),
        (changes.occurred_from === undefined ? current.occurred_from : changes.occurred_from) as Date | null,
        (changes.occurred_until === undefined
          ? current.occurred_until
          : changes.occurred_until) as Date | null,
        now,
      )
      // Moving the moment of awareness must not make an earlier notification late without reasons.
      if (
        current.authority_notified_at &&
        !current.delay_reasons &&
        isLateNotification(new Date(awareAt), current.authority_notified_at)
      )
        throw invalidField(
          'body',
          'awareAt',
          `the authority was notified more than ${NOTIFICATION_HOURS} hours after it; record the reasons for the delay with the notification first`,
        )
      if (patch.status === 'notified' && !current.authority_notified_at)
        throw invalidField('body', 'status', 'a breach becomes notified by recording the notification')
      const changed = Object.keys(changes).filter((k) => k !== 'updated_at')
      if (changed.length === 0) return toBreach(current)
      const row = await this.#repository.update(id, changes, trx)
      if (!row) throw new ProblemError('not-found', 'there is no such breach')
      await this.#log(
        trx,
        context,
        'update',
        `breach ${breachReference(row.number)} changed: ${changed.join(', ')}`,
      )
      return toBreach(row)
    })
  }

  /**
   * Records the notification of the supervisory authority (Art. 33(1)): within 72 hours of becoming
   * aware, or later with the reasons for the delay — refused without them.
   */
  async notifyAuthority(
    id: string,
    notification: AuthorityNotification,
    context: BreachContext,
  ): Promise<Breach> {
    const now = this.#now()
    if (notification.at.getTime() > now.getTime() + 60_000)
      throw invalidField('body', 'at', 'lies in the future: record the notification once it is made')
    const reasons = notification.delayReasons?.trim() || null
    return this.#db.transaction().execute(async (trx) => {
      const current = await this.#repository.find(id, trx)
      if (!current) throw new ProblemError('not-found', 'there is no such breach')
      if (notification.at.getTime() < current.aware_at.getTime())
        throw invalidField('body', 'at', 'lies before the breach became known')
      const late = isLateNotification(current.aware_at, notification.at)
      if (late && (!reasons || reasons.length < MIN_REASONS))
        throw invalidField(
          'body',
          'delayReasons',
          `the notification comes more than ${NOTIFICATION_HOURS} hours after the breach became known: Art. 33(1) GDPR requires the reasons for the delay (at least ${MIN_REASONS} characters)`,
        )
      const row = await this.#repository.update(
        id,
        {
          updated_at: now,
          authority_notified_at: notification.at,
          authority_reference: notification.reference?.trim() || null,
          delay_reasons: reasons,
          status: 'notified',
        },
        trx,
      )
      if (!row) throw new ProblemError('not-found', 'there is no such breach')
      await this.#log(
        trx,
        context,
        'update',
        `breach ${breachReference(row.number)}: authority notified${late ? ' after 72 hours, with reasons for the delay' : ' within 72 hours'}`,
      )
      return toBreach(row)
    })
  }

  /**
   * Adds to the affected set every person the actor's audit records of `actions` (default: read
   * and export) named in [from, until): computed from the audit trail in one statement, stored by
   * pseudonymous id with the number of records, the query kept with the breach. Audited.
   */
  async computeAffected(
    id: string,
    query: AffectedQuery,
    context: BreachContext,
  ): Promise<{ added: number; counts: AffectedCounts }> {
    if (query.from.getTime() >= query.until.getTime())
      throw invalidField('body', 'until', 'must lie after from')
    if (query.actions.length === 0) throw invalidField('body', 'actions', 'must name at least one action')
    const now = this.#now()
    const added = await this.#db.transaction().execute(async (trx) => {
      const current = await this.#repository.find(id, trx)
      if (!current) throw new ProblemError('not-found', 'there is no such breach')
      const n = await this.#repository.addAffected(
        trx,
        id,
        {
          actorType: query.actor.type,
          actorId: query.actor.id,
          from: query.from,
          until: query.until,
          actions: query.actions,
        },
        now,
      )
      await this.#repository.addQuery(
        id,
        {
          ...query,
          from: query.from.toISOString(),
          until: query.until.toISOString(),
          computedAt: now.toISOString(),
        },
        now,
        trx,
      )
      await this.#log(
        trx,
        context,
        'read',
        `breach ${breachReference(current.number)}: affected people computed from the audit trail (${query.actions.join('/')} by ${query.actor.type} ${query.actor.id}, ${query.from.toISOString()} to ${query.until.toISOString()}): ${n} added or updated`,
      )
      return n
    })
    return { added, counts: await this.counts(id) }
  }

  async counts(id: string): Promise<AffectedCounts> {
    const row = await this.#repository.counts(id)
    const letters = Object.fromEntries(
      [...LETTER_STATUSES, 'pending'].map((s) => [s, 0]),
    ) as AffectedCounts['letters']
    for (const l of row.letters) letters[(l.status ?? 'pending') as LetterStatus | 'pending'] = l.n
    return { subjects: row.subjects, records: row.records, letters }
  }

  /** A keyset page of the affected set, by subject id. */
  async affected(
    id: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<AffectedSubject[]> {
    await this.get(id)
    return (await this.#repository.affected(id, options.after, options.limit)).map(toAffected)
  }

  /** People of the set whom no letter reached yet (none tried, or the last failed), by subject id. */
  pendingLetters(id: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.#repository.pendingLetters(id, after, limit)
  }

  /** Records the outcome of a batch of Art. 34 letters. */
  recordLetters(
    id: string,
    outcomes: readonly { subjectId: string; status: LetterStatus; note: string | null }[],
  ): Promise<void> {
    return this.#repository.recordLetters(id, outcomes, this.#now())
  }

  /**
   * The breaches whose reminder is due now (24 hours left, or the time ran out), each marked as
   * reminded at that stage so it goes out once, even with several workers.
   */
  async dueReminders(): Promise<{ breach: Breach; stage: 1 | 2 }[]> {
    const now = this.#now()
    const due: { breach: Breach; stage: 1 | 2 }[] = []
    for (const row of await this.#repository.openUnnotified()) {
      const breach = toBreach(row)
      const stage = reminderStage(breach, now)
      if (stage === 0 || breach.remindersSent >= stage) continue
      if (await this.#repository.markReminder(breach.id, stage)) due.push({ breach, stage })
    }
    return due
  }

  async #log(
    trx: Kysely<Schema>,
    context: BreachContext,
    action: 'create' | 'update' | 'read',
    reason: string,
  ) {
    await this.#audit.append(
      [
        {
          actor: context.actor,
          action,
          reason,
          ...(context.requestId ? { requestId: context.requestId } : {}),
        },
      ],
      trx,
    )
  }
}

/** Art. 33(1): awareness can't lie in the future, nor before the breach began. */
function checkTimes(awareAt: Date, from: Date | null, until: Date | null, now: Date): void {
  if (awareAt.getTime() > now.getTime() + 60_000)
    throw invalidField('body', 'awareAt', 'lies in the future: record when the company became aware')
  if (from && until && from.getTime() > until.getTime())
    throw invalidField('body', 'occurredUntil', 'must not lie before occurredFrom')
  if (from && from.getTime() > awareAt.getTime())
    throw invalidField('body', 'occurredFrom', 'must not lie after the company became aware')
}
