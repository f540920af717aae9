import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { withTransaction } from '../keys/with-transaction.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'

/**
 * The milestones of a relationship that start retention clocks (migration 0044): the decision on an
 * application (the seeded rule erases a rejected applicant's data 6 months after the rejection) and
 * the end of a contract (rules starting at "end of contract"). The latest application decision is
 * the one that counts; a later one restarts the clock.
 */
export const MILESTONE_KINDS = [
  'application_rejected',
  'application_accepted',
  'application_withdrawn',
  'contract_ended',
] as const
export type MilestoneKind = (typeof MILESTONE_KINDS)[number]

export interface Milestone {
  id: string
  subjectId: string
  kind: MilestoneKind
  occurredAt: Date
  recordedAt: Date
  recordedBy: { type: string; id: string }
}

export interface MilestoneActor {
  actor: AuditActor
  requestId?: string | undefined
}

/** How far ahead a contract's end may be recorded (a fixed term running out); decisions lie in the past. */
const CONTRACT_END_AHEAD_DAYS = 366 * 10

const isKind = (value: string): value is MilestoneKind =>
  (MILESTONE_KINDS as readonly string[]).includes(value)

export class MilestoneService {
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #clock: () => Date
  constructor(deps: { db: Kysely<Schema>; audit: AuditWriter; clock?: () => Date }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** A subject's milestones, latest first. 404 for an unknown subject. */
  async list(subjectId: string): Promise<Milestone[]> {
    const id = this.#subjectId(subjectId)
    const subject = await this.#db.selectFrom('subject').select('id').where('id', '=', id).executeTakeFirst()
    if (!subject) throw new ProblemError('not-found', 'no such subject')
    const rows = await this.#db
      .selectFrom('subject_milestone')
      .selectAll()
      .where('subject_id', '=', id)
      .orderBy('occurred_at', 'desc')
      .orderBy('recorded_at', 'desc')
      .execute()
    return rows.map(toMilestone)
  }

  /**
   * Records a milestone, audited, in one transaction. A decision can't lie in the future; a
   * contract's end may (up to ten years ahead). 404 for an unknown subject, 409 for an erased one.
   */
  async add(
    input: { subjectId: string; kind: string; occurredAt: Date },
    by: MilestoneActor,
  ): Promise<Milestone> {
    const subjectId = this.#subjectId(input.subjectId)
    if (!isKind(input.kind))
      throw invalidField('body', 'kind', `must be one of ${MILESTONE_KINDS.join(', ')}`)
    const kind = input.kind
    const now = this.#clock()
    const at = input.occurredAt
    if (Number.isNaN(at.getTime())) throw invalidField('body', 'occurredAt', 'is not a date-time')
    if (kind !== 'contract_ended' && at.getTime() > now.getTime() + 60_000)
      throw invalidField('body', 'occurredAt', 'a decision on an application cannot lie in the future')
    if (at.getTime() > now.getTime() + CONTRACT_END_AHEAD_DAYS * 86_400_000)
      throw invalidField('body', 'occurredAt', 'lies more than ten years ahead')
    if (at.getTime() < Date.UTC(1970, 0, 1)) throw invalidField('body', 'occurredAt', 'lies before 1970')
    return withTransaction(this.#db, undefined, async (trx) => {
      const subject = await lockSubjectRow(trx, subjectId)
      if (!subject) throw new ProblemError('not-found', 'no such subject')
      if (subject.erased)
        throw new ProblemError(
          'conflict',
          'the subject was erased (Art. 17): there is no relationship left to record',
        )
      const row = await trx
        .insertInto('subject_milestone')
        .values({
          subject_id: subjectId,
          id: randomUUID(),
          kind,
          occurred_at: at,
          recorded_at: now,
          actor_type: by.actor.type,
          actor_id: by.actor.id,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'update',
            subjectIds: [subjectId],
            fields: [],
            reason: `milestone ${kind} recorded, dated ${at.toISOString()} (starts the retention clocks reading it)`,
            ...(by.requestId ? { requestId: by.requestId } : {}),
          },
        ],
        trx,
      )
      return toMilestone(row)
    })
  }

  /**
   * Records many milestones at once (the demo, an import): one statement and one audit record per
   * kind naming the subjects. Subjects unknown or erased are skipped; returns how many were recorded.
   */
  async addMany(
    entries: readonly { subjectId: string; kind: MilestoneKind; occurredAt: Date }[],
    by: MilestoneActor,
  ): Promise<number> {
    if (entries.length === 0) return 0
    const now = this.#clock()
    return withTransaction(this.#db, undefined, async (trx) => {
      const live = new Set(
        (
          await trx
            .selectFrom('subject')
            .select('id')
            .where(
              'id',
              'in',
              entries.map((e) => e.subjectId),
            )
            .where('erased_at', 'is', null)
            .execute()
        ).map((r) => r.id),
      )
      const rows = entries
        .filter((e) => live.has(e.subjectId) && !(e.kind !== 'contract_ended' && e.occurredAt > now))
        .map((e) => ({
          subject_id: e.subjectId,
          id: randomUUID(),
          kind: e.kind,
          occurred_at: e.occurredAt,
          recorded_at: now,
          actor_type: by.actor.type,
          actor_id: by.actor.id,
        }))
      if (rows.length === 0) return 0
      await trx.insertInto('subject_milestone').values(rows).execute()
      const byKind = new Map<MilestoneKind, string[]>()
      for (const r of rows) {
        const ids = byKind.get(r.kind)
        if (ids) ids.push(r.subject_id)
        else byKind.set(r.kind, [r.subject_id])
      }
      await this.#audit.append(
        [...byKind].map(([kind, subjectIds]) => ({
          actor: by.actor,
          action: 'update' as const,
          subjectIds,
          fields: [],
          reason: `milestones ${kind} recorded (starts the retention clocks reading them)`,
          ...(by.requestId ? { requestId: by.requestId } : {}),
        })),
        trx,
      )
      return rows.length
    })
  }

  /** Removes a milestone recorded by mistake (audited). 404 when there is no such milestone. */
  async remove(subjectId: string, milestoneId: string, by: MilestoneActor): Promise<void> {
    const id = this.#subjectId(subjectId)
    if (!isUuid(milestoneId)) throw new ProblemError('not-found', 'no such milestone')
    await withTransaction(this.#db, undefined, async (trx) => {
      const subject = await lockSubjectRow(trx, id)
      if (!subject) throw new ProblemError('not-found', 'no such subject')
      const row = await trx
        .deleteFrom('subject_milestone')
        .where('subject_id', '=', id)
        .where('id', '=', milestoneId.toLowerCase())
        .returning(['kind', 'occurred_at'])
        .executeTakeFirst()
      if (!row) throw new ProblemError('not-found', 'no such milestone')
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'update',
            subjectIds: [id],
            fields: [],
            reason: `milestone ${row.kind} dated ${new Date(row.occurred_at).toISOString()} removed`,
            ...(by.requestId ? { requestId: by.requestId } : {}),
          },
        ],
        trx,
      )
    })
  }

  #subjectId(value: string): string {
    if (!isUuid(value)) throw new ProblemError('not-found', 'no such subject')
    return value.toLowerCase()
  }
}

function toMilestone(row: {
  subject_id: string
  id: string
  kind: MilestoneKind
  occurred_at: Date | string
  recorded_at: Date | string
  actor_type: string
  actor_id: string
}): Milestone {
  return {
    id: row.id,
    subjectId: row.subject_id,
    kind: row.kind,
    occurredAt: new Date(row.occurred_at),
    recordedAt: new Date(row.recorded_at),
    recordedBy: { type: row.actor_type, id: row.actor_id },
  }
}
