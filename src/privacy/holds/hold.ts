import {
  FIELD_CATALOG,
  type FieldCategory,
  IDENTIFIER_FIELDS,
  type IdentifierField,
} from '../fields/field-catalog.ts'
import {
  CONSENT_PROOF_RETENTION,
  type ConsentProofRetentionRule,
  consentProofRetention,
} from '../permissions/consent-proof-retention.ts'
import type { Channel, Texts } from '../purposes/purpose.ts'
import { retentionDue } from '../retention/retention-clock.ts'
import type { RetentionRuleDefinition } from '../retention/retention-rule.ts'
import { RETENTION_SEED } from '../retention/retention-seed.ts'

/**
 * Legal holds (Art. 17(3)(b), (e) GDPR): why an erasure keeps something, what, and until when.
 * Pure: no I/O, no clock. Holds are derived from the data (an invoice, a phone consent) or entered
 * by the DPO (`legal_hold`); `derivedHolds` and `enteredHolds` compute them from facts the hold
 * repository reads, `planHeldErasure` says what an erasure keeps. README.md in this folder.
 */

/** Why the DPO entered a hold. */
export const HOLD_GROUNDS = ['legal_claims', 'dispute', 'authority_request', 'other'] as const
export type HoldGround = (typeof HOLD_GROUNDS)[number]

/** The record kinds (tables of the registry) a hold can keep; an order's lines follow the order. */
export const HOLDABLE_RECORD_KINDS = [
  'invoice',
  'customer_order',
  'touchpoint',
  'deal',
  'subject_note',
  'subject_organisation',
] as const
export type HoldableRecordKind = (typeof HOLDABLE_RECORD_KINDS)[number]

/** The tables an erasure keeps rows of for a hold: the holdable kinds and the lines of kept orders. */
export type HoldableTable = HoldableRecordKind | 'order_line'

/** The column that names a kept row: an order's lines are kept by their order's id. */
export const HELD_ROW_KEY: Readonly<Record<HoldableTable, string>> = {
  invoice: 'id',
  customer_order: 'id',
  order_line: 'order_id',
  touchpoint: 'id',
  deal: 'id',
  subject_note: 'id',
  subject_organisation: 'organisation_id',
}

export const isHoldableTable = (table: string): table is HoldableTable => Object.hasOwn(HELD_ROW_KEY, table)

/** Per kind, the rows a hold keeps: every one, or these keys (`HELD_ROW_KEY`). */
export type HeldRecords = Partial<Record<HoldableRecordKind, readonly string[] | 'all'>>

/**
 * § 14(4) No. 1 UStG: an invoice names the recipient's full name and address; that is the billing
 * identity an invoice keeps. (Bank data only where the invoice is paid by direct debit, which
 * Tresor does not record: not kept.)
 */
export const BILLING_IDENTITY: readonly IdentifierField[] = [
  'firstName',
  'lastName',
  'street',
  'postalCode',
  'city',
  'countryCode',
]

/** Where a hold comes from. */
export type HoldSource = 'invoice' | 'unpaid-invoice' | 'phone-consent' | 'entered'

/** The purposes that may still use what a hold keeps: those with an Art. 18(2) exception. */
export type HoldPurpose = 'invoicing_retention' | 'legal_claims'

/** One legal hold on a subject: what it keeps, why, until when. No personal values. */
export interface Hold {
  /** `invoice:<id>`, `unpaid-invoice:<id>`, `phone-consent:<purpose>`, or the legal_hold id. */
  id: string
  source: HoldSource
  /** The Art. 17(3) exception: (b) a legal obligation to keep, (e) legal claims. */
  exception: 'Art. 17(3)(b) GDPR' | 'Art. 17(3)(e) GDPR'
  /** The law that asks for keeping it, as the DPO reads it. */
  law: string
  /** The purpose under which it may still be used (Art. 18(2)). */
  purpose: HoldPurpose
  /** Why, in words (a rule of the deletion concept, or the DPO's reason). */
  reason: Texts
  /** The identifiers it keeps. */
  fields: readonly IdentifierField[]
  /** The categories of those identifiers. */
  categories: readonly FieldCategory[]
  /** The records it keeps. */
  records: HeldRecords
  /** Whether it keeps the consent events and their proof (kept anyway, Art. 7(1)). */
  consentProof: boolean
  /** The instant it ends; null: open-ended (see `untilEvent`). */
  until: Date | null
  /** What ends an open-ended hold, or a dated one early: the invoice paid, the DPO lifting it. */
  untilEvent: 'paid' | 'lifted' | null
  /** For entered holds: the DPO's entry. */
  entered?: EnteredHoldDetails
}

export interface EnteredHoldDetails {
  ground: HoldGround
  setBy: { type: string; id: string }
  createdAt: Date
  liftedAt: Date | null
  liftedBy: { type: string; id: string } | null
}

/** A legal hold as stored (`legal_hold`). */
export interface EnteredHold {
  subjectId: string
  id: string
  ground: HoldGround
  reason: string
  fieldCategories: readonly FieldCategory[]
  recordKinds: readonly HoldableRecordKind[]
  until: Date | null
  setBy: { type: string; id: string }
  createdAt: Date
  liftedAt: Date | null
  liftedBy: { type: string; id: string } | null
}

/** What the derived holds are computed from, per subject (read by `HoldRepository.facts`). */
export interface HoldFacts {
  invoices: readonly { id: string; orderId: string | null; issuedAt: Date; paidAt: Date | null }[]
  /** Consents on the channels a consent-proof rule covers, with their last grant and use. */
  consents: readonly {
    purposeKey: string
    channel: Channel
    /** Whether the purpose is advertising; null: unknown purpose (treated as advertising). */
    directMarketing: boolean | null
    lastGivenAt: Date | null
    lastUsedAt: Date | null
    /** The touchpoints that are uses of the consent (under its purpose, on its channel). */
    useIds: readonly string[]
  }[]
  entered: readonly EnteredHold[]
}

/** The rules the derived holds follow (the deletion concept's periods). */
export interface HoldRules {
  /** Accounting vouchers incl. invoices: § 147(3) AO, § 257(4) HGB. */
  vouchers: Pick<RetentionRuleDefinition, 'period' | 'startEvent' | 'transition' | 'rule'> & { law: string }
  /** Consent proof: § 7a UWG. */
  consentProof: readonly ConsentProofRetentionRule[]
}

const seeded = (key: string) => {
  const rule = RETENTION_SEED.find((r) => r.key === key)
  if (!rule?.legalMinimum) throw new Error(`the retention seed has no rule ${key} with its law`)
  return rule
}

/** The rules as seeded (LEGAL.md): what holds follow where the retention registry has no rule. */
export function seededHoldRules(): HoldRules {
  const vouchers = seeded('accounting_vouchers')
  return {
    vouchers: {
      period: vouchers.period,
      startEvent: vouchers.startEvent,
      transition: vouchers.transition,
      rule: vouchers.rule,
      law: vouchers.legalMinimum?.law ?? '§ 147(3) AO, § 257(4) HGB',
    },
    consentProof: CONSENT_PROOF_RETENTION,
  }
}

/**
 * The rules as the retention registry holds them now (the DPO's current version of
 * `accounting_vouchers` and `phone_consent_proof`: a longer period the DPO sets holds longer; the
 * registry refuses less than the law's minimum), the seed where a rule is missing.
 */
export async function holdRulesFrom(
  find: (key: string) => Promise<RetentionRuleDefinition | undefined>,
): Promise<HoldRules> {
  const seed = seededHoldRules()
  const vouchers = await find('accounting_vouchers')
  const phone = await find('phone_consent_proof')
  return {
    vouchers: vouchers
      ? {
          period: vouchers.period,
          startEvent: vouchers.startEvent,
          transition: vouchers.transition,
          rule: vouchers.rule,
          law: vouchers.legalMinimum?.law ?? seed.vouchers.law,
        }
      : seed.vouchers,
    consentProof: phone
      ? seed.consentProof.map((r) =>
          r.channel === 'phone' ? { ...r, period: phone.period, law: phone.legalMinimum?.law ?? r.law } : r,
        )
      : seed.consentProof,
  }
}

const UNPAID_REASON: Texts = {
  de: 'Die Rechnung ist noch nicht bezahlt: was die Forderung braucht, bleibt bis zur Zahlung (Art. 17 Abs. 3 lit. e DSGVO); danach läuft die Aufbewahrungsfrist der Rechnung.',
  en: 'The invoice is not paid yet: what the claim needs is kept until it is paid (Art. 17(3)(e) GDPR); then the retention period of the invoice runs.',
}

const PHONE_CONSENT_REASON: Texts = {
  de: 'Der Nachweis einer Einwilligung in Telefonwerbung wird 5 Jahre ab ihrer Erteilung und ab jeder Verwendung aufbewahrt, mit der Nummer, für die sie galt (§ 7a UWG).',
  en: 'The proof of a consent to phone advertising is kept 5 years from when it was given and from each use, with the number it was for (§ 7a UWG).',
}

/** Per ground of an entered hold: the Art. 17(3) exception, the law named, the purpose it serves. */
export const ENTERED_HOLD_LAW: Readonly<
  Record<HoldGround, { exception: Hold['exception']; law: string; purpose: HoldPurpose }>
> = {
  legal_claims: { exception: 'Art. 17(3)(e) GDPR', law: 'Art. 17(3)(e) GDPR', purpose: 'legal_claims' },
  dispute: { exception: 'Art. 17(3)(e) GDPR', law: 'Art. 17(3)(e) GDPR', purpose: 'legal_claims' },
  // An authority's request or order to keep (e.g. § 95 StPO, § 97 AO) is a legal obligation.
  authority_request: {
    exception: 'Art. 17(3)(b) GDPR',
    law: 'Art. 17(3)(b) GDPR (order or request of an authority)',
    purpose: 'legal_claims',
  },
  other: { exception: 'Art. 17(3)(e) GDPR', law: 'Art. 17(3) GDPR', purpose: 'legal_claims' },
}

/** The identifiers of these categories (a hold names categories; the vault keeps fields). */
export function fieldsOfCategories(categories: readonly FieldCategory[]): IdentifierField[] {
  return IDENTIFIER_FIELDS.filter((f) => categories.includes(categoryOf(f)))
}

/** The category of an identifier (every identifier is in the catalog). */
const categoryOf = (field: IdentifierField): FieldCategory =>
  (FIELD_CATALOG[field] as { category: FieldCategory }).category

const categoriesOf = (fields: readonly IdentifierField[]): FieldCategory[] => [
  ...new Set(fields.map(categoryOf)),
]

/** Whether a hold is in force at `now`: not lifted, and its end not reached. */
export const inForce = (
  hold: Pick<Hold, 'until'> & { entered?: { liftedAt: Date | null } | undefined },
  now: Date,
) =>
  (hold.entered?.liftedAt ?? null) === null && (hold.until === null || hold.until.getTime() > now.getTime())

/**
 * The holds the data itself asks for, in force or not (`inForce` tells):
 * - every invoice keeps itself, its order and the order's lines, and the billing identity until
 *   its period ends (§ 147(3) AO, § 257(4) HGB: the end of the calendar year of issue plus the
 *   vouchers rule's period, with the BEG IV transition);
 * - an unpaid invoice keeps the same until it is paid (Art. 17(3)(e): the claim);
 * - a consent on a channel a consent-proof rule covers (§ 7a UWG: phone, advertising) keeps the
 *   number and the proof — the consent events, and the uses that extend the period — until the
 *   period from the later of the last grant and the last use ends.
 */
export function derivedHolds(facts: Pick<HoldFacts, 'invoices' | 'consents'>, rules: HoldRules): Hold[] {
  const holds: Hold[] = []
  for (const invoice of facts.invoices) {
    const records: HeldRecords = {
      invoice: [invoice.id],
      ...(invoice.orderId ? { customer_order: [invoice.orderId] } : {}),
    }
    const due = retentionDue(rules.vouchers, { created: invoice.issuedAt })
    const common = {
      fields: BILLING_IDENTITY,
      categories: categoriesOf(BILLING_IDENTITY),
      records,
      consentProof: false,
    }
    holds.push({
      ...common,
      id: `invoice:${invoice.id}`,
      source: 'invoice',
      exception: 'Art. 17(3)(b) GDPR',
      law: rules.vouchers.law,
      purpose: 'invoicing_retention',
      reason: rules.vouchers.rule,
      until: due?.due ?? null,
      untilEvent: null,
    })
    if (invoice.paidAt === null)
      holds.push({
        ...common,
        id: `unpaid-invoice:${invoice.id}`,
        source: 'unpaid-invoice',
        exception: 'Art. 17(3)(e) GDPR',
        law: 'Art. 17(3)(e) GDPR',
        purpose: 'legal_claims',
        reason: UNPAID_REASON,
        until: null,
        untilEvent: 'paid',
      })
  }
  const directMarketing = new Map(
    facts.consents
      .filter((c) => c.directMarketing !== null)
      .map((c) => [c.purposeKey, { directMarketing: c.directMarketing as boolean }]),
  )
  const retained = consentProofRetention(
    facts.consents.map((c) => ({
      subjectId: '',
      purposeKey: c.purposeKey,
      channel: c.channel,
      lastGivenAt: c.lastGivenAt,
      lastUsedAt: c.lastUsedAt,
    })),
    directMarketing,
    rules.consentProof,
  )
  for (const r of retained) {
    const consent = facts.consents.find((c) => c.purposeKey === r.purposeKey && c.channel === r.channel)
    // The number the consent was for: the phone number for calls (§ 7a UWG); other channels' rules
    // would keep their own identifier.
    const fields: IdentifierField[] =
      r.channel === 'phone' ? ['phone'] : r.channel === 'email' ? ['email'] : []
    holds.push({
      id: `${r.channel}-consent:${r.purposeKey}`,
      source: 'phone-consent',
      exception: 'Art. 17(3)(b) GDPR',
      law: r.law,
      purpose: 'legal_claims',
      reason: PHONE_CONSENT_REASON,
      fields,
      categories: categoriesOf(fields),
      records: consent && consent.useIds.length > 0 ? { touchpoint: consent.useIds } : {},
      consentProof: true,
      until: r.keepUntil,
      untilEvent: null,
    })
  }
  return holds
}

/** The DPO's holds as holds (lifted and expired ones too; `inForce` tells). */
export function enteredHolds(entered: readonly EnteredHold[]): Hold[] {
  return entered.map((h) => {
    const law = ENTERED_HOLD_LAW[h.ground]
    const fields = fieldsOfCategories(h.fieldCategories)
    return {
      id: h.id,
      source: 'entered',
      exception: law.exception,
      law: law.law,
      purpose: law.purpose,
      reason: { de: h.reason, en: h.reason },
      fields,
      categories: [...h.fieldCategories],
      records: Object.fromEntries(h.recordKinds.map((k) => [k, 'all' as const])),
      consentProof: false,
      until: h.until,
      untilEvent: 'lifted',
      entered: {
        ground: h.ground,
        setBy: h.setBy,
        createdAt: h.createdAt,
        liftedAt: h.liftedAt,
        liftedBy: h.liftedBy,
      },
    }
  })
}

/** Every hold of a subject, derived and entered, in force or not. */
export const allHolds = (facts: HoldFacts, rules: HoldRules): Hold[] => [
  ...derivedHolds(facts, rules),
  ...enteredHolds(facts.entered),
]

/** The holds in force at `now`. */
export const holdsInForce = (facts: HoldFacts, rules: HoldRules, now: Date): Hold[] =>
  allHolds(facts, rules).filter((h) => inForce(h, now))

/** What a held erasure keeps: the union of what the holds keep. */
export interface HeldErasurePlan {
  fields: IdentifierField[]
  records: HeldRecords
  /** The hold ids (the ledger names them, so the sweep sees when one ends). */
  holdIds: string[]
  /** When the last hold ends; null when one is open-ended. */
  until: Date | null
}

export function planHeldErasure(holds: readonly Hold[]): HeldErasurePlan {
  const fields = new Set<IdentifierField>()
  const records: Partial<Record<HoldableRecordKind, Set<string> | 'all'>> = {}
  let until: Date | null = new Date(0)
  for (const hold of holds) {
    for (const f of hold.fields) fields.add(f)
    for (const [kind, keep] of Object.entries(hold.records) as [
      HoldableRecordKind,
      HeldRecords[HoldableRecordKind],
    ][]) {
      const current = records[kind]
      if (keep === 'all' || current === 'all') records[kind] = 'all'
      else if (keep) records[kind] = new Set([...(current ?? []), ...keep])
    }
    if (hold.until === null) until = null
    else if (until !== null && hold.until.getTime() > until.getTime()) until = hold.until
  }
  return {
    fields: IDENTIFIER_FIELDS.filter((f) => fields.has(f)),
    records: Object.fromEntries(
      Object.entries(records).map(([kind, keep]) => [
        kind,
        keep === 'all' ? 'all' : [...(keep as Set<string>)],
      ]),
    ) as HeldRecords,
    holdIds: holds.map((h) => h.id).sort(),
    until: holds.length === 0 ? null : until,
  }
}

/** One part of what an erasure kept, for the answer to the person: what, why (the law), until when. */
export interface KeptPart {
  holdId: string
  source: HoldSource
  exception: Hold['exception']
  law: string
  purpose: HoldPurpose
  reason: Texts
  fields: IdentifierField[]
  categories: FieldCategory[]
  /** The records it keeps, counted per kind; `consent_event`: the consent proof. */
  records: { kind: string; count: number | null }[]
  until: Date | null
  untilEvent: Hold['untilEvent']
}

/** The answer to the person (Art. 12(1), 17, 19): what was erased, what was kept, why, until when. */
export interface ErasureAnswer {
  subjectId: string
  erasedAt: Date
  /** `erased`: nothing was kept; `held`: erased except what the holds keep, restricted. */
  outcome: 'erased' | 'held'
  erased: {
    /** The identifiers that were stored and are gone. */
    identifiers: IdentifierField[]
    /** The records deleted, per kind (only kinds with rows). */
    records: { kind: string; count: number }[]
  }
  kept: KeptPart[]
  /** The purposes that may still use what was kept (Art. 18(2)); empty when nothing was kept. */
  restrictedTo: HoldPurpose[]
}

/** The answer's kept parts for the holds an erasure kept for, counting what each keeps that existed. */
export function keptParts(
  holds: readonly Hold[],
  stored: { fields: readonly IdentifierField[] },
): KeptPart[] {
  return holds.map((h) => {
    const records: KeptPart['records'] = Object.entries(h.records).map(([kind, keep]) => ({
      kind,
      count: keep === 'all' ? null : (keep as readonly string[]).length,
    }))
    if (h.consentProof) records.push({ kind: 'consent_event', count: null })
    return {
      holdId: h.id,
      source: h.source,
      exception: h.exception,
      law: h.law,
      purpose: h.purpose,
      reason: h.reason,
      fields: h.fields.filter((f) => stored.fields.includes(f)),
      categories: [...h.categories],
      records,
      until: h.until,
      untilEvent: h.untilEvent,
    }
  })
}

const CATEGORY_WORDS: Record<string, Texts> = {
  identity: { de: 'Name', en: 'name' },
  contact: { de: 'Kontaktdaten', en: 'contact details' },
  address: { de: 'Anschrift', en: 'address' },
  bank: { de: 'Bankverbindung', en: 'bank details' },
  notes: { de: 'Notizen', en: 'notes' },
}
const KIND_WORDS: Record<string, Texts> = {
  invoice: { de: 'Rechnungen', en: 'invoices' },
  customer_order: { de: 'Bestellungen', en: 'orders' },
  touchpoint: { de: 'Kontaktpunkte', en: 'touchpoints' },
  deal: { de: 'Verkaufschancen', en: 'deals' },
  subject_note: { de: 'Notizen', en: 'notes' },
  subject_organisation: { de: 'Zugehörigkeit zu Organisationen', en: 'organisation memberships' },
  consent_event: { de: 'der Nachweis der Einwilligung', en: 'the proof of consent' },
}

/**
 * The answer in words (German or English), as a data subject request's reply quotes it: what was
 * erased, and per hold what is kept, why and until when. Dates in UTC (YYYY-MM-DD).
 */
export function erasureAnswerText(answer: ErasureAnswer, lang: 'de' | 'en'): string {
  const day = (d: Date) => d.toISOString().slice(0, 10)
  const lines: string[] = []
  if (answer.outcome === 'erased') {
    lines.push(
      lang === 'de'
        ? `Wir haben Ihre Daten am ${day(answer.erasedAt)} gelöscht (Art. 17 DSGVO). Wir bewahren nichts davon auf.`
        : `We erased your data on ${day(answer.erasedAt)} (Art. 17 GDPR). We keep none of it.`,
    )
    return lines.join('\n')
  }
  lines.push(
    lang === 'de'
      ? `Wir haben Ihre Daten am ${day(answer.erasedAt)} gelöscht (Art. 17 DSGVO), bis auf das, was wir von Gesetzes wegen aufbewahren müssen (Art. 17 Abs. 3 DSGVO). Das Aufbewahrte ist gesperrt: wir verwenden es nur für diesen Zweck (Art. 18 Abs. 2 DSGVO) und löschen es, sobald die Pflicht endet.`
      : `We erased your data on ${day(answer.erasedAt)} (Art. 17 GDPR), except what the law obliges us to keep (Art. 17(3) GDPR). What we keep is restricted: we use it for that purpose only (Art. 18(2) GDPR) and erase it when the duty ends.`,
  )
  for (const part of answer.kept) {
    const what = [
      ...part.categories.map((c) => CATEGORY_WORDS[c]?.[lang] ?? c),
      ...part.records.map((r) => KIND_WORDS[r.kind]?.[lang] ?? r.kind),
    ].join(', ')
    const until =
      part.until !== null
        ? lang === 'de'
          ? `bis ${day(part.until)}`
          : `until ${day(part.until)}`
        : part.untilEvent === 'paid'
          ? lang === 'de'
            ? 'bis die Rechnung bezahlt ist'
            : 'until the invoice is paid'
          : lang === 'de'
            ? 'bis der Grund entfällt'
            : 'until the reason ends'
    lines.push(`- ${what}: ${until}; ${part.law}. ${part.reason[lang]}`)
  }
  return lines.join('\n')
}
