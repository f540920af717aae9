import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { type DsrChannel, type DsrKind, type DsrStatus, dsrDetailsAad } from './dsr.ts'
import type { DsrRequestRepository, DsrRequestRow } from './dsr-request.repository.ts'

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
  constructor(deps: {
    repository: DsrRequestRepository
    vault: DsrVault
    audit: AuditWriter
    db: Kysely<Schema>
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#vault = deps.vault
    this.#audit = deps.audit
    this.#db = deps.db
    this.#clock = deps.clock ?? (() => new Date())
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
  }
}
