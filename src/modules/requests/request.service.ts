import { decodeCursor, encodeCursor } from '../../platform/cursor.ts'
import { invalidField } from '../../platform/problem.ts'
import type { DsrChannel, DsrKind } from '../../privacy/requests/dsr.ts'
import type { DsrActor, DsrRequest, DsrRequestService } from '../../privacy/requests/dsr-request.service.ts'
import type { DsrStep } from '../../privacy/requests/dsr-workflow.ts'
import { dueDate } from './request-deadline.ts'
import { DETAILS_MAX_LENGTH, REQUEST_KIND_INFO } from './request-kinds.ts'

export type { DsrRequest as DataSubjectRequest }

/** A request to record; `receivedAt` defaults to now. */
export interface NewRequest {
  subjectId: string
  kind: DsrKind
  channel: DsrChannel
  receivedAt?: Date | undefined
  details?: string | undefined
  reference?: string | undefined
}

/** What filing in the portal did: recorded, or the same request is open already. */
export type PortalFiling = { kind: 'filed'; request: DsrRequest } | { kind: 'duplicate' }

// The open requests are always oldest due first; the cursor carries the last due date and id.
const OPEN_SORT = 'dueAt'
const OPEN_ORDER = 'asc'
/** Clocks differ a little: a receipt this far ahead of ours is still "now". */
const CLOCK_SKEW_MS = 5 * 60_000

/**
 * Data subject requests as received (Art. 12-22 GDPR), with the deadline that runs from receipt
 * (Art. 12(3), from the configuration); answering them is `RequestWorkflowService`'s. Decides
 * what a request must carry and what is shown; the kernel's `DsrRequestService` stores, seals and
 * audits.
 */
export class RequestService {
  readonly #store: DsrRequestService
  readonly #deadline: string
  readonly #clock: () => Date
  constructor(deps: { store: DsrRequestService; deadline: string; clock?: () => Date }) {
    this.#store = deps.store
    this.#deadline = deps.deadline
    this.#clock = deps.clock ?? (() => new Date())
    dueDate(new Date(0), deps.deadline) // refuses a deadline it can't compute at start-up
  }

  /** The deadline every request gets (ISO 8601 duration). */
  get deadline(): string {
    return this.#deadline
  }

  /** When a request received at `receivedAt` is due. */
  dueAt(receivedAt: Date): Date {
    return dueDate(receivedAt, this.#deadline)
  }

  /**
   * Records a request (a staff member from a letter, call, e-mail or visit; the portal for the
   * person). Validation problems name the field. Audited by the store.
   */
  async record(input: NewRequest, by: DsrActor): Promise<DsrRequest> {
    const now = this.#clock()
    const receivedAt = input.receivedAt ?? now
    if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
      throw invalidField('body', 'receivedAt', 'is in the future')
    const details = input.details?.trim() || undefined
    if (details && details.length > DETAILS_MAX_LENGTH)
      throw invalidField('body', 'details', `is longer than ${DETAILS_MAX_LENGTH} characters`)
    if (!details && REQUEST_KIND_INFO[input.kind].detailsRequired)
      throw invalidField('body', 'details', `is required for a request of kind ${input.kind}`)
    return this.#store.record(
      {
        subjectId: input.subjectId,
        kind: input.kind,
        channel: input.channel,
        receivedAt,
        dueAt: this.dueAt(receivedAt),
        details,
        reference: input.reference?.trim() || undefined,
      },
      by,
    )
  }

  /**
   * A request the person files in the portal. A request without text of a kind already open is
   * not recorded twice (a reload, a second click); one with text always is.
   */
  async fileInPortal(subjectId: string, kind: DsrKind, details: string | undefined): Promise<PortalFiling> {
    const text = details?.trim() || undefined
    if (!text && (await this.#store.hasOpen(subjectId, kind))) return { kind: 'duplicate' }
    const request = await this.record(
      { subjectId, kind, channel: 'portal', details: text },
      { actor: { type: 'subject', id: subjectId } },
    )
    return { kind: 'filed', request }
  }

  /**
   * A handful of requests for the demo data, so the DPO's inbox shows what it does: one just in
   * from the portal, one due within the week, one overdue, received by letter, phone and e-mail.
   * Recorded like any other (audited, details sealed), as the demo job; returns how many.
   */
  async seedDemo(): Promise<number> {
    // Some already on their way (issue #15), so the inbox shows the states: a letter verified by
    // its signature, a call verified by calling back and in progress.
    const plan: {
      kind: DsrKind
      channel: NewRequest['channel']
      daysAgo: number
      details?: string
      steps?: DsrStep[]
    }[] = [
      { kind: 'access', channel: 'portal', daysAgo: 0 },
      {
        kind: 'erasure',
        channel: 'letter',
        daysAgo: 26,
        details: 'Bitte löschen Sie alle meine Daten.',
        steps: [{ step: 'verify', method: 'signature', note: 'Unterschrift wie im Kundenkonto' }],
      },
      { kind: 'copy', channel: 'email', daysAgo: 12 },
      {
        kind: 'rectification',
        channel: 'phone',
        daysAgo: 40,
        details: 'Die Hausnummer in der Anschrift ist falsch.',
        steps: [
          { step: 'verify', method: 'known_contact_details', note: 'Rückruf unter der gespeicherten Nummer' },
          { step: 'start' },
        ],
      },
      { kind: 'objection', channel: 'letter', daysAgo: 3, details: 'Widerspruch gegen die Profilbildung.' },
    ]
    const subjects = await this.#store.demoSubjects(plan.length)
    const now = this.#clock().getTime()
    let recorded = 0
    for (const [i, subjectId] of subjects.entries()) {
      const { daysAgo, steps, ...request } = plan[i] as (typeof plan)[number]
      const by = { actor: { type: 'job' as const, id: 'demo' } }
      const done = await this.record(
        { subjectId, ...request, receivedAt: new Date(now - daysAgo * 86_400_000) },
        by,
      )
      for (const step of steps ?? []) await this.#store.step(done.id, step, by)
      recorded++
    }
    return recorded
  }

  /** A subject's requests with what the person wrote; the read is audited. */
  ofSubject(subjectId: string, reader: DsrActor): Promise<DsrRequest[]> {
    return this.#store.ofSubject(subjectId, { details: true, reader })
  }

  /** A subject's requests without their texts (the portal's list of one's own requests). */
  listedInPortal(subjectId: string): Promise<DsrRequest[]> {
    return this.#store.ofSubject(subjectId, { details: false })
  }

  /** One page of everyone's open requests, the one due first on top; audited. */
  async open(
    query: { limit: number; cursor?: string | undefined },
    reader: DsrActor,
  ): Promise<{ items: DsrRequest[]; nextCursor: string | null; total?: number }> {
    let after: { dueAt: Date; id: string } | undefined
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, OPEN_SORT, OPEN_ORDER)
      const dueAt = new Date(cursor.value)
      if (Number.isNaN(dueAt.getTime()))
        throw invalidField('query', 'cursor', 'is not a cursor this API issued')
      after = { dueAt, id: cursor.id }
    }
    const page = await this.#store.open(
      { limit: query.limit, after, withTotal: query.cursor === undefined },
      reader,
    )
    const last = page.items.at(-1)
    return {
      items: page.items,
      nextCursor:
        page.more && last
          ? encodeCursor({ sort: OPEN_SORT, order: OPEN_ORDER, value: last.dueAt.toISOString(), id: last.id })
          : null,
      ...(page.total !== undefined ? { total: page.total } : {}),
    }
  }
}
