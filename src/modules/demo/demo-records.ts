import type { GateActor } from '../../privacy/gate/gate.service.ts'
import type {
  NewInvoiceRecord,
  NewMembershipRecord,
  NewOrderRecord,
  RecordGate,
  TouchpointInput,
} from '../../privacy/records/record-gate.ts'
import type { OrderService } from '../orders/order.service.ts'
import type { OrganisationService } from '../organisations/organisation.service.ts'
import { DAY_MS, type DemoSubject, demoBucket, HOUR_MS, notAfter } from './demo-bucket.ts'
import { demoConsentGiven } from './demo-permissions.ts'

const COMPANY_STEMS = [
  'Nordlicht',
  'Alpen',
  'Rhein',
  'Hanse',
  'Bergland',
  'Südwind',
  'Elbtal',
  'Mosel',
  'Spree',
  'Isar',
  'Donau',
  'Ostsee',
]
const COMPANY_TRADES = [
  'Logistik',
  'Software',
  'Maschinenbau',
  'Handel',
  'Consulting',
  'Medien',
  'Bau',
  'Energie',
]
const LEGAL_FORMS = ['GmbH', 'AG', 'KG', 'GmbH & Co. KG', 'e.K.']
const CITIES = [
  'Berlin',
  'Hamburg',
  'München',
  'Köln',
  'Frankfurt am Main',
  'Stuttgart',
  'Leipzig',
  'Dresden',
]
const PRODUCTS: readonly [string, string, number][] = [
  ['Tresor Basic', 'licence', 4900],
  ['Tresor Team', 'licence', 14900],
  ['Tresor Enterprise', 'licence', 99900],
  ['Onboarding', 'service', 49000],
  ['Schulung DSGVO', 'service', 29000],
  ['Datenimport', 'service', 19000],
  ['Support Plus', 'support', 9900],
  ['Support Premium', 'support', 24900],
  ['Vinyl: Jazz Classics', 'music', 2499],
  ['CD: Pop Hits 1997', 'music', 1599],
  ['CD: Klassik Box', 'music', 3999],
  ['Kopfhörer', 'hardware', 8900],
]
const JOB_TITLES = [
  'Einkauf',
  'Geschäftsführung',
  'IT-Leitung',
  'Marketing',
  'Vertrieb',
  'Datenschutz',
  'Buchhaltung',
]
const PATHS = ['/', '/preise', '/produkte', '/blog', '/kontakt']
/** Touchpoints besides page views: type, channel, and the purpose they are kept for. */
const OTHER_TOUCHPOINTS: readonly [string, string, string][] = [
  ['form_submit', 'web', 'contact_management'],
  ['newsletter_signup', 'web', 'contact_management'],
  ['gated_download', 'web', 'contact_management'],
  ['review', 'web', 'contact_management'],
  ['service_call', 'phone', 'customer_service'],
]
const PAYMENT_METHODS = ['invoice', 'card', 'paypal', 'direct_debit']

/** The demo's organisations and products: not personal data, created once for a run. */
export interface DemoCatalogue {
  organisationIds: readonly string[]
  products: readonly { id: string; unitPriceCents: number }[]
}

/** What the demo records are written through: the record gate, and the organisations and products. */
export interface DemoRecordPorts {
  records: Pick<RecordGate, 'linkOrganisations' | 'ingestTouchpoints' | 'importOrders' | 'importInvoices'>
  organisations: Pick<OrganisationService, 'create'>
  orders: Pick<OrderService, 'saveProduct'>
}

/**
 * Organisations (one per hundred subjects, at least twenty) and products for the demo, found again
 * by their reference and SKU when they exist already.
 */
export async function seedDemoCatalogue(
  ports: Pick<DemoRecordPorts, 'organisations' | 'orders'>,
  options: { subjects: number },
): Promise<DemoCatalogue> {
  const organisationIds: string[] = []
  const perTrade = COMPANY_STEMS.length * COMPANY_TRADES.length
  for (let i = 0; i < Math.max(20, Math.ceil(options.subjects / 100)); i++) {
    const legalForm = LEGAL_FORMS[i % LEGAL_FORMS.length] as string
    const { organisation } = await ports.organisations.create({
      name: `${COMPANY_STEMS[i % COMPANY_STEMS.length]} ${COMPANY_TRADES[Math.floor(i / COMPANY_STEMS.length) % COMPANY_TRADES.length]} ${legalForm}${i >= perTrade ? ` ${Math.floor(i / perTrade) + 1}` : ''}`,
      legalForm,
      city: CITIES[i % CITIES.length] as string,
      countryCode: 'DE',
      externalRef: `demo-org-${i + 1}`,
    })
    organisationIds.push(organisation.id)
  }
  const products = []
  for (const [i, [name, category, unitPriceCents]] of PRODUCTS.entries()) {
    const product = await ports.orders.saveProduct({
      sku: `DEMO-${String(i + 1).padStart(3, '0')}`,
      name,
      category,
      unitPriceCents,
    })
    products.push({ id: product.id, unitPriceCents })
  }
  return { organisationIds, products }
}

/**
 * Records for demo subjects, written through the record gate like any import (the purpose's legal
 * basis checked per subject, audited as the demo job): B2B contacts' memberships, touchpoints
 * (page views where the web-tracking consent counts, the gate decides), and customers' orders with
 * an invoice each. What each person gets is a pure function of the seed and their index, and every
 * record has a number or external id of its own: running it again adds nothing.
 */
export async function seedDemoRecords(
  ports: Pick<DemoRecordPorts, 'records'>,
  subjects: readonly DemoSubject[],
  options: { seed: number; actor: GateActor; catalogue: DemoCatalogue; now?: Date },
): Promise<{ memberships: number; touchpoints: number; orders: number; invoices: number }> {
  const { seed, actor, catalogue } = options
  const now = options.now ?? new Date()
  const links: NewMembershipRecord[] = []
  const events: TouchpointInput[] = []
  const orders: NewOrderRecord[] = []
  const invoices: NewInvoiceRecord[] = []
  for (const s of subjects) {
    const created = s.createdAt.getTime()
    // B2B contacts work somewhere.
    if (s.kinds.includes('b2b_contact') && catalogue.organisationIds.length > 0)
      links.push({
        subjectId: s.id,
        organisationId: catalogue.organisationIds[
          demoBucket('org', seed, s.index) % catalogue.organisationIds.length
        ] as string,
        jobTitle: JOB_TITLES[demoBucket('job', seed, s.index) % JOB_TITLES.length] as string,
      })

    const t = demoBucket('touch', seed, s.index)
    if (demoConsentGiven('web_tracking', seed, s.index))
      for (let k = 1; k <= 1 + (t % 4); k++)
        events.push({
          subjectId: s.id,
          type: 'page_view',
          channel: 'web',
          occurredAt: notAfter(created + ((t * 13 + k * 29) % 2000) * HOUR_MS, now),
          purposeKey: 'web_tracking',
          properties: { path: PATHS[(t + k) % PATHS.length] },
          externalId: `demo-${seed}-${s.index}-${k}`,
        })
    if (t % 3 === 0) {
      const [type, channel, purposeKey] = OTHER_TOUCHPOINTS[t % OTHER_TOUCHPOINTS.length] as [
        string,
        string,
        string,
      ]
      events.push({
        subjectId: s.id,
        type,
        channel,
        occurredAt: notAfter(created + (t % 700) * HOUR_MS, now),
        purposeKey,
        properties: {},
        externalId: `demo-${seed}-${s.index}-0`,
      })
    }

    const b = demoBucket('orders', seed, s.index)
    if (!s.kinds.includes('customer') || b >= 600 || catalogue.products.length === 0) continue
    for (let k = 1; k <= 1 + (b % 3); k++) {
      const orderedAt = notAfter(created + ((b * 7 + k * 37) % 400) * DAY_MS, now)
      const lines = Array.from({ length: 1 + ((b + k) % 2) }, (_, n) => {
        const product = catalogue.products[(b * 3 + k * 5 + n + 1) % catalogue.products.length] as {
          id: string
          unitPriceCents: number
        }
        return {
          productId: product.id,
          quantity: 1 + ((b + n + 1) % 3),
          unitPriceCents: product.unitPriceCents,
        }
      })
      const orderNumber = `D${String(s.index + 1).padStart(7, '0')}-${k}`
      orders.push({
        subjectId: s.id,
        orderNumber,
        orderedAt,
        status:
          b % 20 === 0 ? 'returned' : orderedAt.getTime() > now.getTime() - 3 * DAY_MS ? 'open' : 'fulfilled',
        currency: 'EUR',
        paymentMethod: PAYMENT_METHODS[b % PAYMENT_METHODS.length] as string,
        lines,
      })
      const paid = b % 10 < 8 || orderedAt.getTime() < now.getTime() - 60 * DAY_MS
      invoices.push({
        subjectId: s.id,
        invoiceNumber: `R${orderNumber.slice(1)}`,
        orderNumber,
        issuedAt: orderedAt,
        dueOn: new Date(orderedAt.getTime() + 14 * DAY_MS).toISOString().slice(0, 10),
        amountCents: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
        currency: 'EUR',
        paidAt: paid ? notAfter(orderedAt.getTime() + (3 + (b % 20)) * DAY_MS, now) : null,
      })
    }
  }
  const count = <T extends { status: string }>(outcomes: readonly T[], status: T['status']) =>
    outcomes.filter((o) => o.status === status).length
  const memberships = links.length ? await ports.records.linkOrganisations({ actor, links }) : []
  const touchpoints = events.length
    ? await ports.records.ingestTouchpoints({ actor, source: 'demo', events })
    : []
  // Invoices after their orders: the insert links each to its order by number.
  const ordered = orders.length ? await ports.records.importOrders({ actor, source: 'demo', orders }) : []
  const invoiced = invoices.length ? await ports.records.importInvoices({ actor, invoices }) : []
  return {
    memberships: count(memberships, 'imported'),
    touchpoints: count(touchpoints, 'accepted'),
    orders: count(ordered, 'imported'),
    invoices: count(invoiced, 'imported'),
  }
}
