import type { Kysely } from 'kysely'
import type { Schema, SubjectRow } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditRecordInput, AuditWriter } from '../audit/audit-record.ts'
import type { FieldCategory, RecordField } from '../fields/field-catalog.ts'
import { type FieldDenial, splitFieldsByRole } from '../gate/field-access.ts'
import type { GateActor, GatePurpose } from '../gate/gate.service.ts'
import { requireActUnder, withholdOutsideScope } from '../gate/purpose-scope.ts'
import { withTransaction } from '../keys/with-transaction.ts'
import type {
  DealRow,
  InvoiceRow,
  MembershipRow,
  NewTouchpoint,
  NoteRow,
  OrderLineRow,
  OrderRow,
  RecordRepository,
  TouchpointRow,
} from './record.repository.ts'
import { NOTE_AAD } from './record-kinds.ts'

export type { DealRow, InvoiceRow, MembershipRow, OrderLineRow, OrderRow, TouchpointRow }

/** What the record gate needs of the kernel's other parts. */
export interface RecordGatePorts {
  db: Kysely<Schema>
  records: RecordRepository
  audit: AuditWriter
  purposes: { find(key: string): Promise<RecordPurpose | undefined> }
  permissions: {
    check(args: {
      purposeKey: string
      channel?: string | undefined
      subjectIds: readonly string[]
      specialCategory: boolean
    }): Promise<{ subjects: SubjectRow[]; denied: Map<string, { rule: string; reason: string }> }>
    /** The verdicts only (no subject rows): subject id → denial. */
    denied(args: {
      purposeKey: string
      channel?: string | undefined
      subjectIds: readonly string[]
      specialCategory: boolean
    }): Promise<Map<string, { rule: string; reason: string }>>
  }
  roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
  vault: {
    seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer>
    open(subjectId: string, sealed: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer | null>
  }
  clock?: () => Date
}

/** What the record gate needs of a purpose: the gate's view plus its channels. */
export interface RecordPurpose extends GatePurpose {
  channels: readonly string[]
}

/**
 * The channel a purpose's basis is checked on for a record (not a message): `none` where the
 * purpose has it (order processing, service), else the wanted one if the purpose has it, else the
 * purpose's own when it has just one.
 */
function recordChannel(purpose: RecordPurpose, wanted?: string): string | undefined {
  if (wanted !== undefined && purpose.channels.includes(wanted)) return wanted
  if (purpose.channels.includes('none')) return 'none'
  return purpose.channels.length === 1 ? purpose.channels[0] : wanted
}

/** One touchpoint to store, with the purpose (and its channel) it is collected under. */
export interface TouchpointInput {
  subjectId: string
  type: string
  channel: string
  occurredAt: Date
  purposeKey: string
  /** The purpose's channel the legal basis is checked on (consent is per channel); default: the purpose's. */
  purposeChannel?: string | undefined
  properties: Record<string, unknown>
  externalId?: string | undefined
}

export type TouchpointOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate' }
  | { status: 'rejected'; rule: string; reason: string }

/** One order to import, with its lines (amounts in cents). */
export interface NewOrderRecord {
  subjectId: string
  orderNumber: string
  orderedAt: Date
  status: string
  currency: string
  paymentMethod?: string | null | undefined
  lines: readonly {
    productId?: string | null | undefined
    description?: string | null | undefined
    quantity: number
    unitPriceCents: number
  }[]
}

/** Who writes many records at once, for which purpose (default: the kind's), in which request. */
export interface BulkWrite {
  actor: GateActor
  purpose?: string | undefined
  requestId?: string | undefined
  reason?: string | undefined
}

/** What became of one record of a bulk write. */
export type ImportOutcome =
  | { status: 'imported' | 'duplicate' }
  | { status: 'rejected'; rule: string; reason: string }

/** A person's place in an organisation (B2B contact). */
export interface NewMembershipRecord {
  subjectId: string
  organisationId: string
  jobTitle?: string | null | undefined
  department?: string | null | undefined
}

/** One invoice to import; `orderNumber` names the subject's order it bills. */
export interface NewInvoiceRecord {
  subjectId: string
  invoiceNumber: string
  orderNumber?: string | null | undefined
  issuedAt: Date
  /** ISO date (`YYYY-MM-DD`). */
  dueOn: string
  amountCents: number
  currency: string
  paidAt?: Date | null | undefined
}

/** A note or task as the gate hands it out: the text opened from the vault. */
export interface OpenedNote {
  id: string
  kind: 'note' | 'task'
  text: string
  authorType: string
  authorId: string
  dueOn: string | null
  doneAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** The records of one subject the role may see, per kind; a kind not asked for or not allowed is absent. */
export interface SubjectRecords {
  organisations?: MembershipRow[]
  touchpoints?: TouchpointRow[]
  orders?: (OrderRow & { lines: OrderLineRow[] })[]
  invoices?: InvoiceRow[]
  deals?: DealRow[]
  staffNotes?: OpenedNote[]
}

export interface RecordReadResult {
  purpose: RecordPurpose
  records: SubjectRecords
  /** Kinds the role may not see (shown as hidden, not dropped silently). */
  deniedFields: FieldDenial[]
}

/** Who writes, for which purpose, in which request: every write is audited with these. */
export interface RecordWrite {
  actor: GateActor
  purpose: string
  subjectId: string
  requestId?: string | undefined
  reason?: string | undefined
}

export { NOTE_AAD }

/**
 * The gate for the records kept about subjects (the CRM core): touchpoints, orders, invoices,
 * deals, notes and organisation memberships. The same steps as the subject gate (DESIGN.md, "the
 * one rule"): the role must hold the record kind's field category; the purpose's legal basis must
 * hold for the subject (set-based for batches); the use is audited — reads, writes and denials —
 * in the same transaction as the write; note texts are sealed under the subject's data key.
 */
export class RecordGate {
  readonly #p: RecordGatePorts
  readonly #clock: () => Date
  constructor(ports: RecordGatePorts) {
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
  }

  /**
   * Stores a batch of touchpoints: each is accepted, a duplicate (same external id for the
   * subject), or rejected with the rule (unknown subject, no consent for the purpose, objection,
   * restriction, erased). One permission query per purpose in the batch, one insert, and one audit
   * record per purpose and per denial rule, all in one transaction.
   */
  async ingestTouchpoints(request: {
    actor: GateActor
    source: string
    events: readonly TouchpointInput[]
    requestId?: string | undefined
  }): Promise<TouchpointOutcome[]> {
    this.#requireCategory(request.actor, 'touchpoints')
    const outcomes: (TouchpointOutcome | undefined)[] = new Array(request.events.length)
    const groups = new Map<string, number[]>()
    request.events.forEach((e, i) => {
      const key = `${e.purposeKey}\u0000${e.purposeChannel ?? ''}`
      const group = groups.get(key)
      if (group) group.push(i)
      else groups.set(key, [i])
    })
    const now = this.#clock()
    const toInsert: { index: number; row: NewTouchpoint }[] = []
    const audit: AuditRecordInput[] = []
    const common = { actor: request.actor, ...(request.requestId ? { requestId: request.requestId } : {}) }
    const accepted = new Map<string, { purpose: RecordPurpose; indexes: number[] }>()
    // The checks of the purposes are independent: asked side by side (on PostgreSQL each on its own
    // connection; PGlite queues them), then decided in batch order.
    const checked = await Promise.all(
      [...groups].map(async ([key, indexes]) => {
        const first = request.events[indexes[0] as number] as TouchpointInput
        const purpose = await this.#p.purposes.find(first.purposeKey)
        if (!purpose) return { key, indexes, first, purpose, denied: undefined }
        const denied = await this.#p.permissions.denied({
          purposeKey: purpose.key,
          channel: recordChannel(purpose, first.purposeChannel),
          subjectIds: [...new Set(indexes.map((i) => (request.events[i] as TouchpointInput).subjectId))],
          specialCategory: false,
        })
        return { key, indexes, first, purpose, denied }
      }),
    )
    for (const { key, indexes, first, purpose, denied } of checked) {
      if (!purpose || !denied) {
        for (const i of indexes)
          outcomes[i] = {
            status: 'rejected',
            rule: 'unknown-purpose',
            reason: `there is no purpose ${first.purposeKey}`,
          }
        continue
      }
      const rejectedBy = new Map<string, string[]>()
      const ok: number[] = []
      for (const i of indexes) {
        const event = request.events[i] as TouchpointInput
        const denial = denied.get(event.subjectId)
        if (denial) {
          outcomes[i] = { status: 'rejected', rule: denial.rule, reason: denial.reason }
          // Unknown ids name nobody: nothing to audit about them.
          if (denial.rule !== 'unknown-subject') {
            const list = rejectedBy.get(denial.rule) ?? []
            list.push(event.subjectId)
            rejectedBy.set(denial.rule, list)
          }
          continue
        }
        ok.push(i)
        toInsert.push({
          index: i,
          row: {
            subject_id: event.subjectId,
            type: event.type,
            channel: event.channel,
            occurred_at: event.occurredAt,
            received_at: now,
            purpose_key: purpose.key,
            legal_basis: purpose.legalBasis,
            properties: event.properties,
            source: request.source,
            external_id: event.externalId ?? null,
          },
        })
      }
      if (ok.length > 0) accepted.set(key, { purpose, indexes: ok })
      for (const [rule, subjectIds] of rejectedBy)
        audit.push({
          ...common,
          action: 'denied',
          subjectIds: [...new Set(subjectIds)],
          purpose: purpose.key,
          legalBasis: purpose.legalBasis,
          fields: ['touchpoints'],
          reason: `touchpoint not stored: legal basis: ${rule}`,
        })
    }

    await withTransaction(this.#p.db, undefined, async (trx) => {
      const ids = await this.#p.records.insertTouchpoints(
        toInsert.map((t) => t.row),
        trx,
      )
      const stored = new Set<number>()
      toInsert.forEach((t, n) => {
        const id = ids[n]
        if (id) {
          outcomes[t.index] = { status: 'accepted', id }
          stored.add(t.index)
        } else outcomes[t.index] = { status: 'duplicate' }
      })
      for (const { purpose, indexes } of accepted.values()) {
        const subjectIds = [
          ...new Set(
            indexes.filter((i) => stored.has(i)).map((i) => (request.events[i] as TouchpointInput).subjectId),
          ),
        ]
        if (subjectIds.length === 0) continue
        audit.push({
          ...common,
          action: 'create',
          subjectIds,
          purpose: purpose.key,
          legalBasis: purpose.legalBasis,
          fields: ['touchpoints'],
        })
      }
      if (audit.length > 0) await this.#p.audit.append(audit, trx)
    })
    return outcomes as TouchpointOutcome[]
  }

  /**
   * Reads one subject's records of the given kinds for a purpose: the kinds the role may not see
   * are reported, the rest read and audited as one `read` (a denied basis as one `denied`).
   */
  async read(request: {
    actor: GateActor
    purpose: string
    subjectId: string
    fields: readonly RecordField[]
    limit?: number
    requestId?: string | undefined
  }): Promise<RecordReadResult> {
    const purpose = await this.#purpose(request.purpose, request)
    // The role's record kinds, less those of categories the purpose doesn't use (Art. 5(1)(c)).
    const split = withholdOutsideScope(
      splitFieldsByRole(request.fields, this.#p.roles.fieldCategoriesOf(request.actor.role)),
      purpose.scope,
    )
    const allowed = split.allowed as RecordField[]
    const subject = await this.#allowed(request, purpose, allowed)
    const limit = request.limit ?? 50
    const db = this.#p.db
    const records: SubjectRecords = {}
    const common = {
      actor: request.actor,
      subjectIds: [subject],
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }
    const audit: AuditRecordInput[] = []
    if (allowed.length > 0) audit.push({ ...common, action: 'read', fields: allowed })
    if (split.denied.length > 0)
      audit.push({
        ...common,
        action: 'denied',
        fields: split.denied.map((d) => d.field),
        reason: `role ${request.actor.role} lacks the field categories ${[...new Set(split.denied.map((d) => d.category))].join(', ')}`,
      })
    if (audit.length > 0) await this.#p.audit.append(audit)
    const repo = this.#p.records
    for (const field of allowed) {
      switch (field) {
        case 'organisations':
          records.organisations = await repo.memberships(subject, db)
          break
        case 'touchpoints':
          records.touchpoints = await repo.touchpoints(subject, limit, db)
          break
        case 'orders': {
          const orders = await repo.orders(subject, limit, db)
          const lines = await repo.orderLines(
            subject,
            orders.map((o) => o.id),
            db,
          )
          records.orders = orders.map((o) => ({ ...o, lines: lines.filter((l) => l.order_id === o.id) }))
          break
        }
        case 'invoices':
          records.invoices = await repo.invoices(subject, limit, db)
          break
        case 'deals':
          records.deals = await repo.deals(subject, limit, db)
          break
        case 'staffNotes':
          records.staffNotes = await this.#openNotes(subject, await repo.notes(subject, limit, db))
          break
      }
    }
    return { purpose, records, deniedFields: split.denied }
  }

  /**
   * Imports many orders at once (CSV import, CDNOW): one permission query for the set, two inserts,
   * one audit record. Per order: `imported`, `duplicate` (the subject already has the number) or
   * rejected with the legal-basis rule.
   */
  async importOrders(request: {
    actor: GateActor
    purpose?: string
    source: string
    requestId?: string | undefined
    reason?: string | undefined
    orders: readonly NewOrderRecord[]
  }): Promise<
    ({ status: 'imported' | 'duplicate' } | { status: 'rejected'; rule: string; reason: string })[]
  > {
    const purpose = await this.#purpose(request.purpose ?? 'order_processing', request)
    this.#requireCategory(request.actor, 'orders', purpose)
    const denied = await this.#p.permissions.denied({
      purposeKey: purpose.key,
      channel: recordChannel(purpose),
      subjectIds: [...new Set(request.orders.map((o) => o.subjectId))],
      specialCategory: false,
    })
    const allowed = request.orders.filter((o) => !denied.has(o.subjectId))
    const now = this.#clock()
    const inserted = await withTransaction(this.#p.db, undefined, async (trx) => {
      const ids = await this.#p.records.insertOrders(
        allowed.map((o) => ({
          subject_id: o.subjectId,
          order_number: o.orderNumber,
          ordered_at: o.orderedAt,
          status: o.status,
          currency: o.currency,
          total_cents: o.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
          item_count: o.lines.reduce((n, l) => n + l.quantity, 0),
          payment_method: o.paymentMethod ?? null,
          source: request.source,
          created_at: now,
          lines: o.lines.map((l, i) => ({
            line_no: i + 1,
            product_id: l.productId ?? null,
            description: l.description ?? null,
            quantity: l.quantity,
            unit_price_cents: l.unitPriceCents,
          })),
        })),
        trx,
      )
      const subjects = [
        ...new Set(allowed.filter((o) => ids.has(`${o.subjectId}|${o.orderNumber}`)).map((o) => o.subjectId)),
      ]
      if (subjects.length > 0)
        await this.#p.audit.append(
          [
            {
              actor: request.actor,
              action: 'import',
              subjectIds: subjects,
              purpose: purpose.key,
              legalBasis: purpose.legalBasis,
              fields: ['orders'],
              ...(request.requestId ? { requestId: request.requestId } : {}),
              ...(request.reason ? { reason: request.reason } : {}),
            },
          ],
          trx,
        )
      return ids
    })
    return request.orders.map((o) => {
      const denial = denied.get(o.subjectId)
      if (denial) return { status: 'rejected' as const, rule: denial.rule, reason: denial.reason }
      return {
        status: inserted.has(`${o.subjectId}|${o.orderNumber}`)
          ? ('imported' as const)
          : ('duplicate' as const),
      }
    })
  }

  /** Records an order with its lines; an order number already stored for the subject is a conflict. */
  addOrder(
    write: RecordWrite,
    order: {
      orderNumber: string
      orderedAt: Date
      status: string
      currency: string
      totalCents: number
      paymentMethod?: string | null | undefined
      source: string
      lines: readonly {
        productId?: string | null | undefined
        description?: string | null | undefined
        quantity: number
        unitPriceCents: number
      }[]
    },
  ): Promise<string> {
    return this.#write(write, 'orders', 'create', async (trx) => {
      const id = await this.#p.records.insertOrder(
        {
          subject_id: write.subjectId,
          order_number: order.orderNumber,
          ordered_at: order.orderedAt,
          status: order.status,
          currency: order.currency,
          total_cents: order.totalCents,
          item_count: order.lines.reduce((n, l) => n + l.quantity, 0),
          payment_method: order.paymentMethod ?? null,
          source: order.source,
          created_at: this.#clock(),
        },
        order.lines.map((l, i) => ({
          line_no: i + 1,
          product_id: l.productId ?? null,
          description: l.description ?? null,
          quantity: l.quantity,
          unit_price_cents: l.unitPriceCents,
        })),
        trx,
      )
      if (id === null)
        throw new ProblemError('conflict', `the subject already has an order numbered ${order.orderNumber}`)
      return id
    })
  }

  addInvoice(
    write: RecordWrite,
    invoice: {
      invoiceNumber: string
      orderNumber?: string | undefined
      issuedAt: Date
      dueOn: string
      amountCents: number
      currency: string
      paidAt?: Date | null | undefined
    },
  ): Promise<string> {
    return this.#write(write, 'invoices', 'create', async (trx) => {
      let orderId: string | null = null
      if (invoice.orderNumber !== undefined) {
        orderId = (await this.#p.records.orderIdByNumber(write.subjectId, invoice.orderNumber, trx)) ?? null
        if (orderId === null)
          throw invalidField('body', 'orderNumber', 'the subject has no order with this number')
      }
      const id = await this.#p.records.insertInvoice(
        {
          subject_id: write.subjectId,
          invoice_number: invoice.invoiceNumber,
          order_id: orderId,
          issued_at: invoice.issuedAt,
          due_on: invoice.dueOn,
          amount_cents: invoice.amountCents,
          currency: invoice.currency,
          paid_at: invoice.paidAt ?? null,
          created_at: this.#clock(),
        },
        trx,
      )
      if (id === null)
        throw new ProblemError(
          'conflict',
          `the subject already has an invoice numbered ${invoice.invoiceNumber}`,
        )
      return id
    })
  }

  markInvoicePaid(write: RecordWrite, invoiceId: string, paidAt: Date): Promise<void> {
    return this.#write(write, 'invoices', 'update', async (trx) => {
      if (!(await this.#p.records.markInvoicePaid(write.subjectId, invoiceId, paidAt, trx)))
        throw new ProblemError('not-found', 'no open invoice with this id for this subject')
    })
  }

  addDeal(
    write: RecordWrite,
    deal: {
      title: string
      stageKey: string
      amountCents?: number | null | undefined
      currency?: string | undefined
      organisationId?: string | null | undefined
      ownerUserId?: string | null | undefined
      expectedCloseOn?: string | null | undefined
    },
  ): Promise<string> {
    return this.#write(write, 'deals', 'create', async (trx) => {
      const now = this.#clock()
      return this.#p.records.insertDeal(
        {
          subject_id: write.subjectId,
          title: deal.title,
          stage_key: deal.stageKey,
          amount_cents: deal.amountCents ?? null,
          ...(deal.currency ? { currency: deal.currency } : {}),
          organisation_id: deal.organisationId ?? null,
          owner_user_id: deal.ownerUserId ?? null,
          expected_close_on: deal.expectedCloseOn ?? null,
          created_at: now,
          updated_at: now,
        },
        trx,
      )
    })
  }

  moveDeal(write: RecordWrite, dealId: string, stageKey: string): Promise<void> {
    return this.#write(write, 'deals', 'update', async (trx) => {
      if (!(await this.#p.records.moveDeal(write.subjectId, dealId, stageKey, this.#clock(), trx)))
        throw new ProblemError('not-found', 'no deal with this id for this subject')
    })
  }

  /** A note or task; its text is sealed under the subject's data key (shredded with it). */
  addNote(
    write: RecordWrite,
    note: { kind: 'note' | 'task'; text: string; dueOn?: string | null | undefined },
  ): Promise<string> {
    return this.#write(write, 'staffNotes', 'create', async (trx) => {
      const now = this.#clock()
      const sealed = await this.#p.vault.seal(write.subjectId, Buffer.from(note.text, 'utf8'), NOTE_AAD, trx)
      return this.#p.records.insertNote(
        {
          subject_id: write.subjectId,
          kind: note.kind,
          sealed_text: sealed,
          author_type: write.actor.type,
          author_id: write.actor.id,
          due_on: note.dueOn ?? null,
          done_at: null,
          created_at: now,
          updated_at: now,
        },
        trx,
      )
    })
  }

  completeTask(write: RecordWrite, taskId: string): Promise<void> {
    return this.#write(write, 'staffNotes', 'update', async (trx) => {
      if (!(await this.#p.records.completeTask(write.subjectId, taskId, this.#clock(), trx)))
        throw new ProblemError('not-found', 'no open task with this id for this subject')
    })
  }

  linkOrganisation(
    write: RecordWrite,
    link: {
      organisationId: string
      jobTitle?: string | null | undefined
      department?: string | null | undefined
    },
  ): Promise<void> {
    return this.#write(write, 'organisations', 'update', async (trx) => {
      await this.#p.records.upsertMembership(
        {
          subject_id: write.subjectId,
          organisation_id: link.organisationId,
          job_title: link.jobTitle ?? null,
          department: link.department ?? null,
          created_at: this.#clock(),
        },
        trx,
      )
    })
  }

  unlinkOrganisation(write: RecordWrite, organisationId: string): Promise<void> {
    return this.#write(write, 'organisations', 'update', async (trx) => {
      if (!(await this.#p.records.deleteMembership(write.subjectId, organisationId, trx)))
        throw new ProblemError('not-found', 'the subject is not linked to this organisation')
    })
  }

  /**
   * Links many people to their organisations at once (demo data, B2B imports): one permission
   * query for the set, one statement, one audit record. A link already there gets the new job
   * title and department; per link `imported` or rejected with the legal-basis rule.
   */
  linkOrganisations(
    request: BulkWrite & { links: readonly NewMembershipRecord[] },
  ): Promise<ImportOutcome[]> {
    return this.#importMany(
      request,
      'contact_management',
      'organisations',
      request.links,
      async (links, trx) => {
        const now = this.#clock()
        await this.#p.records.upsertMemberships(
          links.map((l) => ({
            subject_id: l.subjectId,
            organisation_id: l.organisationId,
            job_title: l.jobTitle ?? null,
            department: l.department ?? null,
            created_at: now,
          })),
          trx,
        )
        return new Set(links)
      },
    )
  }

  /**
   * Imports many invoices at once (demo data, accounting imports): one permission query for the
   * set, one insert, one audit record. An invoice names its order by number (left empty if the
   * subject has no such order); per invoice `imported`, `duplicate` (the subject has the number
   * already) or rejected with the legal-basis rule.
   */
  importInvoices(request: BulkWrite & { invoices: readonly NewInvoiceRecord[] }): Promise<ImportOutcome[]> {
    return this.#importMany(
      request,
      'order_processing',
      'invoices',
      request.invoices,
      async (invoices, trx) => {
        const now = this.#clock()
        const stored = await this.#p.records.insertInvoices(
          invoices.map((i) => ({
            subject_id: i.subjectId,
            invoice_number: i.invoiceNumber,
            order_number: i.orderNumber ?? null,
            issued_at: i.issuedAt,
            due_on: i.dueOn,
            amount_cents: i.amountCents,
            currency: i.currency,
            paid_at: i.paidAt ?? null,
            created_at: now,
          })),
          trx,
        )
        return new Set(invoices.filter((i) => stored.has(`${i.subjectId}|${i.invoiceNumber}`)))
      },
    )
  }

  /**
   * A write of many records of one kind for a purpose: the role must hold the kind's category,
   * one permission query decides for the set, the rows the basis holds for are written with one
   * audit record, in one transaction. `write` returns the items it stored (the rest were there).
   */
  async #importMany<T extends { subjectId: string }>(
    request: BulkWrite,
    defaultPurpose: string,
    field: RecordField,
    items: readonly T[],
    write: (allowed: readonly T[], trx: Kysely<Schema>) => Promise<Set<T>>,
  ): Promise<ImportOutcome[]> {
    const purpose = await this.#purpose(request.purpose ?? defaultPurpose, request)
    this.#requireCategory(request.actor, field, purpose)
    const denied = await this.#p.permissions.denied({
      purposeKey: purpose.key,
      channel: recordChannel(purpose),
      subjectIds: [...new Set(items.map((i) => i.subjectId))],
      specialCategory: false,
    })
    const allowed = items.filter((i) => !denied.has(i.subjectId))
    const stored = await withTransaction(this.#p.db, undefined, async (trx) => {
      const done = allowed.length > 0 ? await write(allowed, trx) : new Set<T>()
      const subjectIds = [...new Set(allowed.filter((i) => done.has(i)).map((i) => i.subjectId))]
      if (subjectIds.length > 0)
        await this.#p.audit.append(
          [
            {
              actor: request.actor,
              action: 'import',
              subjectIds,
              purpose: purpose.key,
              legalBasis: purpose.legalBasis,
              fields: [field],
              ...(request.requestId ? { requestId: request.requestId } : {}),
              ...(request.reason ? { reason: request.reason } : {}),
            },
          ],
          trx,
        )
      return done
    })
    return items.map((i) => {
      const denial = denied.get(i.subjectId)
      if (denial) return { status: 'rejected', rule: denial.rule, reason: denial.reason }
      return { status: stored.has(i) ? 'imported' : 'duplicate' }
    })
  }

  /** Art. 17: deletes every record about the subjects, in the erasure's transaction. */
  deleteAll(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<Map<string, Map<string, number>>> {
    return this.#p.records.deleteAll(subjectIds, trx)
  }

  /**
   * One audited write about one subject: the role must hold the kind's category, the purpose's
   * basis must hold for the subject; the change and its audit record commit together.
   */
  async #write<T>(
    write: RecordWrite,
    field: RecordField,
    action: 'create' | 'update',
    fn: (trx: Kysely<Schema>) => Promise<T>,
  ): Promise<T> {
    const purpose = await this.#purpose(write.purpose, write)
    this.#requireCategory(write.actor, field, purpose)
    const subject = await this.#allowed(write, purpose, [field])
    return withTransaction(this.#p.db, undefined, async (trx) => {
      const result = await fn(trx)
      await this.#p.audit.append(
        [
          {
            actor: write.actor,
            action,
            subjectIds: [subject],
            purpose: purpose.key,
            legalBasis: purpose.legalBasis,
            fields: [field],
            ...(write.requestId ? { requestId: write.requestId } : {}),
            ...(write.reason ? { reason: write.reason } : {}),
          },
        ],
        trx,
      )
      return result
    })
  }

  /** The subject's id when the purpose's basis holds for it; else audited and refused. */
  async #allowed(
    request: { actor: GateActor; subjectId: string; requestId?: string | undefined },
    purpose: RecordPurpose,
    fields: readonly RecordField[],
  ): Promise<string> {
    const { subjects, denied } = await this.#p.permissions.check({
      purposeKey: purpose.key,
      channel: recordChannel(purpose),
      subjectIds: [request.subjectId],
      specialCategory: false,
    })
    const subject = subjects[0]
    const denial = denied.get(request.subjectId)
    if (!subject || denial?.rule === 'erased' || denial?.rule === 'unknown-subject')
      throw new ProblemError('not-found', 'no such subject')
    if (denial) {
      await this.#p.audit.append([
        {
          actor: request.actor,
          action: 'denied',
          subjectIds: [subject.id],
          purpose: purpose.key,
          legalBasis: purpose.legalBasis,
          fields,
          reason: `legal basis: ${denial.rule}`,
          ...(request.requestId ? { requestId: request.requestId } : {}),
        },
      ])
      throw new ProblemError(
        'forbidden',
        `the purpose ${purpose.key} may not use this subject: ${denial.rule}`,
      )
    }
    return subject.id
  }

  #requireCategory(actor: GateActor, field: RecordField, purpose?: RecordPurpose): void {
    const split = splitFieldsByRole([field], this.#p.roles.fieldCategoriesOf(actor.role))
    if (split.denied.length > 0)
      throw new ProblemError(
        'forbidden',
        `your role may not work with ${field} (field category ${split.denied[0]?.category})`,
      )
    const scoped = purpose ? withholdOutsideScope(split, purpose.scope) : split
    if (scoped.denied.length > 0)
      throw new ProblemError(
        'forbidden',
        `the purpose ${purpose?.key} does not cover ${field} (field category ${scoped.denied[0]?.category})`,
      )
  }

  /**
   * The purpose from the registry; with `who`, only when the actor's role may act under it
   * (Art. 5(1)(b)) — otherwise the refusal is audited and 403.
   */
  async #purpose(
    key: string,
    who?: { actor: GateActor; requestId?: string | undefined },
  ): Promise<RecordPurpose> {
    const purpose = await this.#p.purposes.find(key)
    if (!purpose) throw new ProblemError('not-found', `there is no purpose ${key}`)
    if (who) await requireActUnder(purpose, who, this.#p.audit)
    return purpose
  }

  async #openNotes(subjectId: string, rows: readonly NoteRow[]): Promise<OpenedNote[]> {
    const notes: OpenedNote[] = []
    for (const row of rows) {
      const text = await this.#p.vault.open(subjectId, row.sealed_text, NOTE_AAD)
      notes.push({
        id: row.id,
        kind: row.kind as 'note' | 'task',
        // null: the subject's key is gone; an erased subject's notes are deleted anyway.
        text: text === null ? '' : text.toString('utf8'),
        authorType: row.author_type,
        authorId: row.author_id,
        dueOn: row.due_on,
        doneAt: row.done_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      })
    }
    return notes
  }
}
