import type { FieldCategory, RecordField } from '../../privacy/fields/field-catalog.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { HoldService } from '../../privacy/holds/hold.service.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import { permissionsJson } from '../../privacy/permissions/permission-view.ts'
import type { RecordGate } from '../../privacy/records/record-gate.ts'
import type { Permission } from '../access/roles.ts'
import { toInvoice, toOrder } from '../orders/order.service.ts'
import { toDeal, toNote } from '../sales/sales.service.ts'
import { CONTACT_MANAGEMENT_PURPOSE, type SubjectService } from './subject.service.ts'
import type { SubjectOverview } from './subject-overview.schemas.ts'

/** Which field category each part of the view needs (the identifiers' parts, the records' kinds). */
const PART_CATEGORY = {
  identity: 'identity',
  contact: 'contact',
  address: 'address',
  bank: 'bank',
  attributes: 'socio_demographic',
  organisations: 'organisation',
  // Whether and how a person may be contacted belongs with their contact data.
  permissions: 'contact',
  touchpoints: 'behavioural',
  orders: 'purchases',
  invoices: 'billing',
  deals: 'pipeline',
  notes: 'notes',
} as const satisfies Record<string, FieldCategory>

const RECORDS: readonly RecordField[] = [
  'organisations',
  'touchpoints',
  'orders',
  'invoices',
  'deals',
  'staffNotes',
]
const TIMELINE_LIMIT = 50

/**
 * The 360° view ("contact at a glance"): identity, organisations, attributes, permissions per
 * purpose and channel, the timeline of touchpoints, orders and notes, invoices, deals and the
 * history link — each part only if the role may see its category, and a hidden part says so.
 * Everything is read through the gates for one purpose, so every part is audited.
 */
export class SubjectOverviewService {
  readonly #subjects: SubjectService
  readonly #records: RecordGate
  readonly #permissions: PermissionService
  readonly #roles: {
    fieldCategoriesOf(role: string): readonly FieldCategory[]
    permissionsOf(role: string): readonly Permission[]
  }
  readonly #clock: () => Date
  readonly #holds: Pick<HoldService, 'heldErasure'> | undefined
  constructor(deps: {
    subjects: SubjectService
    records: RecordGate
    permissions: PermissionService
    roles: {
      fieldCategoriesOf(role: string): readonly FieldCategory[]
      permissionsOf(role: string): readonly Permission[]
    }
    clock?: () => Date
    /** Legal holds: a held erasure shows what is kept, why and until when. */
    holds?: Pick<HoldService, 'heldErasure'>
  }) {
    this.#holds = deps.holds
    this.#subjects = deps.subjects
    this.#records = deps.records
    this.#permissions = deps.permissions
    this.#roles = deps.roles
    this.#clock = deps.clock ?? (() => new Date())
  }

  async overview(
    ctx: RequestContext,
    subjectId: string,
    purpose = CONTACT_MANAGEMENT_PURPOSE,
  ): Promise<SubjectOverview> {
    // The subject first: a 404 or a refused legal basis ends here, before anything else is read.
    const subject = await this.#subjects.get(ctx, subjectId, purpose)
    const granted = new Set(this.#roles.fieldCategoriesOf(ctx.actor.role))
    const permissions = new Set(this.#roles.permissionsOf(ctx.actor.role))
    const hidden: SubjectOverview['hidden'] = []
    for (const [part, category] of Object.entries(PART_CATEGORY))
      if (!granted.has(category))
        hidden.push({
          part: part as keyof typeof PART_CATEGORY,
          reason: `your role lacks the field category ${category}`,
          category,
        })

    const { records } = await this.#records.read({
      actor: ctx.actor,
      purpose,
      subjectId: subject.id,
      fields: RECORDS,
      limit: TIMELINE_LIMIT,
      requestId: ctx.requestId,
    })
    const view = granted.has('contact')
      ? await this.#permissions.subjectView(
          subject.id,
          { actor: ctx.actor, requestId: ctx.requestId },
          { history: false },
        )
      : undefined
    const today = this.#clock().toISOString().slice(0, 10)

    const timeline: NonNullable<SubjectOverview['timeline']> = []
    for (const t of records.touchpoints ?? [])
      timeline.push({
        kind: 'touchpoint',
        at: t.occurred_at.toISOString(),
        id: t.id,
        title: t.type,
        channel: t.channel,
        purpose: t.purpose_key,
        legalBasis: t.legal_basis,
        properties: t.properties,
      })
    for (const o of records.orders ?? [])
      timeline.push({
        kind: 'order',
        at: o.ordered_at.toISOString(),
        id: o.id,
        title: o.order_number,
        amountCents: o.total_cents,
        currency: o.currency,
      })
    for (const n of records.staffNotes ?? [])
      timeline.push({ kind: 'note', at: n.createdAt.toISOString(), id: n.id, title: n.kind, text: n.text })
    timeline.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))

    const invoices = records.invoices?.map((r) => toInvoice(r, today))
    const rank = { overdue: 0, open: 1, paid: 2 } as const
    invoices?.sort((a, b) => rank[a.status] - rank[b.status] || (a.dueOn < b.dueOn ? -1 : 1))

    const erasure = await this.#erasure(subject.id)
    const historyAllowed = permissions.has('subjects:history')
    if (!historyAllowed)
      hidden.push({
        part: 'history',
        reason: 'your role lacks the permission subjects:history',
        permission: 'subjects:history',
      })
    return {
      subject,
      purpose,
      hidden,
      ...(records.organisations
        ? {
            organisations: records.organisations.map((m) => ({
              organisation: { id: m.organisation_id, name: m.organisation_name, city: m.organisation_city },
              jobTitle: m.job_title,
              department: m.department,
            })),
          }
        : {}),
      // The state and the decisions; the events with their proof (which may hold a truncated IP
      // address) are for the permissions page, not for everyone who opens the contact.
      ...(view ? { permissions: permissionsJson(view) } : {}),
      ...(records.touchpoints || records.orders || records.staffNotes ? { timeline } : {}),
      ...(records.orders ? { orders: records.orders.map(toOrder) } : {}),
      ...(invoices ? { invoices } : {}),
      ...(records.deals ? { deals: records.deals.map(toDeal) } : {}),
      ...(records.staffNotes ? { notes: records.staffNotes.map(toNote) } : {}),
      ...(historyAllowed ? { historyUrl: `/api/v1/subjects/${subject.id}/history` } : {}),
      ...(erasure ? { erasure } : {}),
    }
  }

  /**
   * Art. 17(3): for a subject whose erasure is held, what is kept, why and until when ("kept until …
   * because …"); the holds name laws, dates, categories and kinds, never values.
   */
  async #erasure(subjectId: string): Promise<SubjectOverview['erasure']> {
    const held = await this.#holds?.heldErasure(subjectId)
    if (!held?.erasureRequestedAt) return undefined
    const { erasureRequestedAt, holds } = held
    return {
      requestedAt: erasureRequestedAt.toISOString(),
      kept: holds
        .filter((h) => h.inForce)
        .map((h) => ({
          law: h.law,
          reason: h.reason,
          until: h.until?.toISOString() ?? null,
          untilEvent: h.untilEvent,
          categories: [...h.categories],
          records: [...Object.keys(h.records), ...(h.consentProof ? ['consent_event'] : [])],
        })),
    }
  }
}
