import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import {
  type DsrChannel,
  type DsrKind,
  type DsrStatus,
  dsrAnswerAad,
  dsrDetailsAad,
  type RefusalGround,
  type VerificationMethod,
} from './dsr.ts'
import type { DsrLetterTaskRow, DsrRequestRepository, DsrRequestRow } from './dsr-request.repository.ts'
import { applyStep, type DsrStep } from './dsr-workflow.ts'

/** One data subject request as stored; `details` only when asked for and readable. */
export interface DsrRequest {
  id: string
  subjectId: string
  kind: DsrKind
  channel: DsrChannel
  status: DsrStatus
  receivedAt: Date
  dueAt: Date
  /** Whether the person wrote something with the request. */
  hasDetails: boolean
  /**
   * What they wrote, when read with details: the text, or null when it can't be read any more (the
   * subject was erased: the key that sealed it is destroyed). Absent when not asked for.
   */
  details?: string | null
  reference: string | null
  recordedBy: { type: string; id: string }
  recordedAt: Date
  /** The staff member handling it (a user id), or null. */
  assigneeId: string | null
  /** Art. 12(6): when and how the identity was verified; null: not yet. */
  verification: { at: Date; method: VerificationMethod; note: string | null } | null
  startedAt: Date | null
  /** Art. 12(3): when it was extended, why (told to the person) and the due date before. */
  extension: { at: Date; reason: string; firstDueAt: Date } | null
  /** When it was answered or refused. */
  closedAt: Date | null
  /** Art. 12(4)-(5): the ground and reasons of a refusal. */
  refusal: { ground: RefusalGround; reason: string } | null
  /** What staff did, for a kind Tresor doesn't answer itself yet. */
  answerNote: string | null
  /** The answer generated per kind (docs/adr/0021): JSON without personal values; null otherwise. */
  answer: unknown
  updatedAt: Date | null
}

/** Art. 19: a recipient to tell of a change by hand (a letter, a mail), as the DPO's task. */
export interface DsrLetterTask {
  id: string
  requestId: string
  subjectId: string
  recipientId: string
  event: string
  fields: string[]
  message: string
  status: 'open' | 'done'
  createdAt: Date
  done: { at: Date; by: { type: string; id: string }; note: string | null } | null
}

/** A letter task to create with an answer. */
export interface NewLetterTask {
  id: string
  recipientId: string
  event: 'subject.changed' | 'subject.erased' | 'subject.restricted'
  fields: string[]
  message: string
}

/** A generated answer as stored: downloadable until `expiresAt`. */
export interface DsrAnswerInfo {
  requestId: string
  lang: 'de' | 'en'
  createdAt: Date
  expiresAt: Date
  downloadedAt: Date | null
}

export interface NewDsrRequest {
  subjectId: string
  kind: DsrKind
  channel: DsrChannel
  receivedAt: Date
  dueAt: Date
  details?: string | undefined
  reference?: string | undefined
}

/** Who records or reads, for the audit record. */
export interface DsrActor {
  actor: AuditActor
  requestId?: string | undefined
}

/** What the vault does for this service: seal and open under a subject's data key. */
export interface DsrVault {
  seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer>
  open(subjectId: string, sealed: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer | null>
}

/**
 * Art. 12-22: the data subject requests as received. Recording one writes the request — its
 * details sealed under the subject's data key (AAD `dsr:<id>`), so an erasure shreds them while
 * the row stays as proof of receipt — and the audit record, in one transaction. Reading details
 * is audited; listing the open requests names the subjects of the page in the audit trail.
 * Kernel storage: the decisions (deadline, who may do what, the views) are the requests module's.
 */
export class DsrRequestService {
  readonly #repo: DsrRequestRepository
  readonly #vault: DsrVault
  readonly #audit: AuditWriter
  readonly #db: Kysely<Schema>
  readonly #clock: () => Date
  readonly #events:
    | { emit(event: 'request.answered', subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void> }
    | undefined
  constructor(deps: {
    repository: DsrRequestRepository
    vault: DsrVault
    audit: AuditWriter
    db: Kysely<Schema>
    clock?: () => Date
    /** The webhooks' outbox: told of an answered request in its transaction (recipients subscribe). */
    events?: {
      emit(event: 'request.answered', subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void>
    }
  }) {
    this.#repo = deps.repository
    this.#vault = deps.vault
    this.#audit = deps.audit
    this.#db = deps.db
    this.#clock = deps.clock ?? (() => new Date())
    this.#events = deps.events
  }

  /** Records a request; 404 for an unknown subject, 409 for an erased one. Audited. */
  /** The first `count` living subjects the demo generator made (oldest first). */
  demoSubjects(count: number): Promise<string[]> {
    return this.#repo.subjectsOfSource('demo', count)
  }

  async record(input: NewDsrRequest, by: DsrActor): Promise<DsrRequest> {
    return this.#db.transaction().execute(async (trx) => {
      const subject = await this.#repo.lockSubject(input.subjectId, trx)
      if (!subject) throw new ProblemError('not-found', 'there is no such subject')
      if (subject.erased)
        throw new ProblemError(
          'conflict',
          'the subject was erased (Art. 17): nothing more is recorded for them',
        )
      const id = randomUUID()
      const details = input.details
        ? await this.#vault.seal(input.subjectId, Buffer.from(input.details, 'utf8'), dsrDetailsAad(id), trx)
        : null
      const row = await this.#repo.insert(
        {
          subject_id: input.subjectId,
          id,
          kind: input.kind,
          channel: input.channel,
          received_at: input.receivedAt,
          due_at: input.dueAt,
          details_sealed: details,
          reference: input.reference ?? null,
          recorded_by_type: by.actor.type,
          recorded_by_id: by.actor.id,
          recorded_at: this.#clock(),
          // Art. 12(6): the person filed it signed in through the link mailed to their address.
          ...(input.channel === 'portal'
            ? {
                status: 'identity_verified',
                verified_at: input.receivedAt,
                verification_method: 'portal_sign_in',
              }
            : {}),
        },
        trx,
      )
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'create',
            subjectIds: [input.subjectId],
            // Art. 12-22 GDPR: recording and answering requests is a legal obligation.
            legalBasis: 'legal_obligation',
            ...(details ? { fields: ['details'] } : {}),
            ...(by.requestId ? { requestId: by.requestId } : {}),
            reason: `data subject request dsr:${id} (${input.kind}) received via ${input.channel}, due ${input.dueAt.toISOString()}`,
          },
        ],
        trx,
      )
      return toRequest(row)
    })
  }

  /**
   * A subject's requests, the latest first. With `details`, what the person wrote is opened
   * (null once shredded) and the read is audited; without, nothing personal beyond the kinds and
   * dates is read and nothing is audited (the subject sees their own list in the portal).
   */
  async ofSubject(
    subjectId: string,
    options: { details: false } | { details: true; reader: DsrActor },
  ): Promise<DsrRequest[]> {
    const rows = await this.#repo.ofSubject(subjectId)
    if (!options.details) return rows.map(toRequest)
    // Erased subjects stay listed (proof of receipt), their details shredded; unknown ones are 404.
    if (rows.length === 0 && !(await this.#repo.subjectExists(subjectId)))
      throw new ProblemError('not-found', 'there is no such subject')
    const requests = await Promise.all(
      rows.map(async (row) => ({ ...toRequest(row), details: await this.#open(row) })),
    )
    if (rows.length > 0)
      await this.#audit.append([
        {
          actor: options.reader.actor,
          action: 'read',
          subjectIds: [subjectId],
          legalBasis: 'legal_obligation',
          fields: ['details'],
          ...(options.reader.requestId ? { requestId: options.reader.requestId } : {}),
          reason: `data subject requests viewed: ${rows.map((r) => `dsr:${r.id}`).join(', ')}`.slice(0, 1000),
        },
      ])
    return requests
  }

  /** Whether the subject has an open request of this kind. */
  hasOpen(subjectId: string, kind: DsrKind): Promise<boolean> {
    return this.#repo.hasOpen(subjectId, kind)
  }

  /**
   * One keyset page of the open requests of everyone, the one due first on top; no details. The
   * look names the page's subjects in the audit trail (who saw whose requests).
   */
  async open(
    page: { limit: number; after?: { dueAt: Date; id: string } | undefined; withTotal: boolean },
    reader: DsrActor,
  ): Promise<{ items: DsrRequest[]; more: boolean; total: number | undefined }> {
    const rows = await this.#repo.open({ limit: page.limit + 1, after: page.after })
    const items = rows.slice(0, page.limit).map(toRequest)
    const total = page.withTotal ? await this.#repo.countOpen() : undefined
    if (items.length > 0)
      await this.#audit.append([
        {
          actor: reader.actor,
          action: 'read',
          subjectIds: [...new Set(items.map((r) => r.subjectId))],
          legalBasis: 'legal_obligation',
          ...(reader.requestId ? { requestId: reader.requestId } : {}),
          reason: 'open data subject requests listed',
        },
      ])
    return { items, more: rows.length > page.limit, total }
  }

  /** One request by id, without details; undefined if unknown. */
  async find(id: string): Promise<DsrRequest | undefined> {
    const row = await this.#repo.byId(id)
    return row ? toRequest(row) : undefined
  }

  /**
   * Takes one step of the workflow (`dsr-workflow.ts`) on the locked request: 404 for an unknown
   * request, 409 naming the rule when the step isn't allowed now. With `answer`, the generated
   * report is sealed under the subject's key and stored for download until `expiresAt`, in the
   * same transaction. Audited with the step (legal basis: legal obligation, Art. 12).
   */
  async step(
    id: string,
    step: DsrStep,
    by: DsrActor,
    answer?: { report: Uint8Array; lang: 'de' | 'en'; expiresAt: Date },
    generated?: { answer: unknown; letters: readonly NewLetterTask[] },
  ): Promise<DsrRequest & { letterTaskIds?: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repo.lockById(id, trx)
      if (!row) throw new ProblemError('not-found', 'there is no such request')
      const now = this.#clock()
      const change = applyStep(
        {
          status: row.status as DsrStatus,
          channel: row.channel as DsrChannel,
          receivedAt: row.received_at,
          dueAt: row.due_at,
          verifiedAt: row.verified_at,
          startedAt: row.started_at,
          extendedAt: row.extended_at,
        },
        step,
        now,
      )
      const updated = await this.#repo.update(
        row.subject_id,
        row.id,
        {
          ...change,
          updated_at: now,
          ...(generated && step.step === 'answer' ? { answer: JSON.stringify(generated.answer) } : {}),
        },
        trx,
      )
      const letterTaskIds = (generated?.letters ?? []).map((l) => l.id)
      if (generated && step.step === 'answer')
        await this.#repo.insertLetterTasks(
          generated.letters.map((l) => ({
            id: l.id,
            request_id: row.id,
            recipient_id: l.recipientId,
            event: l.event,
            fields: [...l.fields],
            message: l.message,
            created_at: now,
          })),
          trx,
        )
      if (updated.status === 'answered' && row.status !== 'answered')
        await this.#events?.emit('request.answered', [row.subject_id], trx)
      if (answer) {
        const sealed = await this.#vault.seal(row.subject_id, answer.report, dsrAnswerAad(row.id), trx)
        await this.#repo.saveAnswer(
          {
            subject_id: row.subject_id,
            request_id: row.id,
            lang: answer.lang,
            report_sealed: sealed,
            created_at: now,
            expires_at: answer.expiresAt,
            created_by_type: by.actor.type,
            created_by_id: by.actor.id,
          },
          trx,
        )
      }
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'update',
            subjectIds: [row.subject_id],
            legalBasis: 'legal_obligation',
            ...(answer ? { fields: ['report'] } : {}),
            ...(by.requestId ? { requestId: by.requestId } : {}),
            reason:
              `data subject request dsr:${row.id}: ${describeStep(step)}; now ${updated.status}${letterTaskIds.length ? `; ${letterTaskIds.length} Art. 19 letter task(s)` : ''}`.slice(
                0,
                1000,
              ),
          },
        ],
        trx,
      )
      return generated ? { ...toRequest(updated), letterTaskIds } : toRequest(updated)
    })
  }

  /** The answers stored for a subject (no content): what the portal offers to download. */
  async answersOf(subjectId: string): Promise<DsrAnswerInfo[]> {
    const rows = await this.#repo.answersOf(subjectId)
    return rows.map((r) => ({
      requestId: r.request_id,
      lang: r.lang as 'de' | 'en',
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      downloadedAt: r.downloaded_at,
    }))
  }

  /**
   * The stored answer of a request of this subject, opened, while its download window lasts;
   * undefined when there is none, it expired, or it can't be opened any more (erased). The read is
   * audited (`reader`: the person in the portal, or staff previewing).
   */
  async openAnswer(
    subjectId: string,
    requestId: string,
    reader: DsrActor,
    options: { download: boolean },
  ): Promise<{ report: Buffer; info: DsrAnswerInfo } | undefined> {
    const row = await this.#repo.answer(subjectId, requestId)
    const now = this.#clock()
    if (!row || row.expires_at.getTime() <= now.getTime()) return undefined
    const plain = await this.#vault.open(subjectId, row.report_sealed, dsrAnswerAad(requestId))
    if (plain === null) return undefined
    if (options.download) await this.#repo.markDownloaded(subjectId, requestId, now)
    await this.#audit.append([
      {
        actor: reader.actor,
        action: 'read',
        subjectIds: [subjectId],
        legalBasis: 'legal_obligation',
        fields: ['report'],
        ...(reader.requestId ? { requestId: reader.requestId } : {}),
        reason: `answer to data subject request dsr:${requestId} ${options.download ? 'downloaded' : 'read'}`,
      },
    ])
    return {
      report: plain,
      info: {
        requestId,
        lang: row.lang as 'de' | 'en',
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        downloadedAt: options.download ? now : row.downloaded_at,
      },
    }
  }

  /** Open requests due before `before`, the one due first on top (no details; not audited: ids and dates only). */
  async dueBefore(before: Date, limit = 500): Promise<DsrRequest[]> {
    return (await this.#repo.dueBefore(before, limit)).map(toRequest)
  }

  /** Deletes the answers whose download window ended; how many. */
  purgeExpiredAnswers(): Promise<number> {
    return this.#repo.deleteExpiredAnswers(this.#clock())
  }

  /** Art. 19 letter tasks: of one request, or all open ones (oldest first). Ids and field names only. */
  async letterTasks(filter: {
    requestId?: string | undefined
    status?: 'open' | 'done' | undefined
    limit?: number | undefined
  }): Promise<DsrLetterTask[]> {
    return (await this.#repo.letterTasks({ ...filter, limit: filter.limit ?? 500 })).map(toLetterTask)
  }

  /**
   * Marks a letter task done (the recipient was told): who and when, with a note (no personal
   * data). 404 for an unknown task, 409 for one done already. Audited.
   */
  async completeLetterTask(id: string, note: string | undefined, by: DsrActor): Promise<DsrLetterTask> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repo.lockLetterTask(id, trx)
      if (!row) throw new ProblemError('not-found', 'there is no such letter task')
      if (row.status === 'done') throw new ProblemError('conflict', 'the letter task is done already')
      const now = this.#clock()
      await this.#repo.completeLetterTask(
        id,
        { at: now, byType: by.actor.type, byId: by.actor.id, note: note ?? null },
        trx,
      )
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'update',
            subjectIds: [row.subject_id],
            legalBasis: 'legal_obligation',
            ...(by.requestId ? { requestId: by.requestId } : {}),
            reason: `Art. 19: recipient ${row.recipient_id} told of ${row.event} (data subject request dsr:${row.request_id}, letter task ${id})`,
          },
        ],
        trx,
      )
      return toLetterTask({
        ...row,
        status: 'done',
        done_at: now,
        done_by_type: by.actor.type,
        done_by_id: by.actor.id,
        done_note: note ?? null,
      })
    })
  }

  async #open(row: DsrRequestRow): Promise<string | null | undefined> {
    if (!row.details_sealed) return undefined
    const plain = await this.#vault.open(row.subject_id, row.details_sealed, dsrDetailsAad(row.id))
    return plain === null ? null : plain.toString('utf8')
  }
}

function toRequest(row: DsrRequestRow): DsrRequest {
  return {
    id: row.id,
    subjectId: row.subject_id,
    kind: row.kind as DsrKind,
    channel: row.channel as DsrChannel,
    status: row.status as DsrStatus,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    hasDetails: row.details_sealed !== null,
    reference: row.reference,
    recordedBy: { type: row.recorded_by_type, id: row.recorded_by_id },
    recordedAt: row.recorded_at,
    assigneeId: row.assignee_id,
    verification:
      row.verified_at && row.verification_method
        ? {
            at: row.verified_at,
            method: row.verification_method as VerificationMethod,
            note: row.verification_note,
          }
        : null,
    startedAt: row.started_at,
    extension:
      row.extended_at && row.extension_reason && row.first_due_at
        ? { at: row.extended_at, reason: row.extension_reason, firstDueAt: row.first_due_at }
        : null,
    closedAt: row.closed_at,
    refusal:
      row.refusal_ground && row.refusal_reason
        ? { ground: row.refusal_ground as RefusalGround, reason: row.refusal_reason }
        : null,
    answerNote: row.answer_note,
    answer: row.answer ?? null,
    updatedAt: row.updated_at,
  }
}

function toLetterTask(row: DsrLetterTaskRow): DsrLetterTask {
  return {
    id: row.id,
    requestId: row.request_id,
    subjectId: row.subject_id,
    recipientId: row.recipient_id,
    event: row.event,
    fields: row.fields,
    message: row.message,
    status: row.status === 'done' ? 'done' : 'open',
    createdAt: row.created_at,
    done:
      row.done_at && row.done_by_type && row.done_by_id
        ? { at: row.done_at, by: { type: row.done_by_type, id: row.done_by_id }, note: row.done_note }
        : null,
  }
}

/** The audit record's words for a step (no personal data: methods, grounds, months). */
function describeStep(step: DsrStep): string {
  switch (step.step) {
    case 'verify':
      return `identity verified (${step.method})`
    case 'start':
      return 'started'
    case 'answer':
      return 'answered'
    case 'refuse':
      return `refused (${step.ground})`
    case 'extend':
      return `extended by ${step.months} month(s) (Art. 12(3))`
    case 'assign':
      return step.assigneeId ? `assigned to user ${step.assigneeId}` : 'unassigned'
  }
}
