import type { CollectedData, CollectedSection } from '../../privacy/access-report/access-report.service.ts'
import { FIELD_CATALOG, type FieldCategory, isPersonalField } from '../../privacy/fields/field-catalog.ts'
import type { LegalBasis, Purpose } from '../../privacy/purposes/purpose.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import type { Lang } from '../forms/client-info.ts'

/** Format name and version of the machine-readable copy (Art. 15(3), Art. 20). */
export const ACCESS_REPORT_FORMAT = 'tresor-access-report/1'

type Texts = { de: string; en: string }

/**
 * Art. 20(1): the data the person provided — what they gave us (in a form, the portal, a letter
 * or call typed in by staff) and what we observed of their own activity (touchpoints, orders,
 * their consents, objections and requests; Article 29 WP guidelines on portability, WP 242 rev.01).
 * Not provided: what we derived or wrote ourselves (scores, staff notes, deals, invoices, holds,
 * the processing log). A kind registered later counts as not provided until listed here.
 */
export const PROVIDED_KINDS: ReadonlySet<string> = new Set([
  'touchpoint',
  'customer_order',
  'subject_organisation',
  'doi_request',
  'dsr_request',
  'consent_event',
  'permission_state',
  'objection_event',
  'objection_state',
  'restriction_event',
  'restriction_state',
])

/** One disclosure of the person's data to a recipient (from the recipients registry). */
export interface ReportDisclosure {
  at: string
  /** `safeguard`: the transfer mechanism (eea, adequacy, scc, bcr, derogation_49, none; Art. 15(2), 44-49). */
  recipient: { name: string; role: string; country: string; safeguard: string }
  purpose: string
  fields: string[]
  channel: string
}

/** A section of the report: the data of one kind, with what it is for, how long kept, where from. */
export interface ReportSection {
  table: string
  title: Texts
  /** Art. 20: whether the person provided this data (the part portability covers). */
  providedByYou: boolean
  /** The data category (field catalog) or `records_of_your_rights` for the kernel's own state. */
  category: string
  columns: string[]
  rows: Record<string, unknown>[]
  truncated: boolean
  withheld?: { count: number; reason: string }
  /** Art. 15(1)(a), (d): the purposes that use this category, and the retention rules that cover the kind. */
  purposes: string[]
  retention: string[]
}

/** The access report (Art. 15(1)-(3)) as data: the machine-readable copy, and what HTML and PDF are rendered from. */
export interface AccessReport {
  format: typeof ACCESS_REPORT_FORMAT
  lang: Lang
  generatedAt: string
  controller: {
    name: string | null
    address: string | null
    dpo: { name: string | null; email: string | null; address: string | null }
  }
  request: { id: string; kind: string; receivedAt: string; dueAt: string } | null
  subject: {
    id: string
    kinds: string[]
    source: string
    createdAt: string
    updatedAt: string
    /** Art. 20: the identifiers and attributes are data the person provided. */
    providedByYou: true
    identifiers: Record<string, string>
    attributes: Record<string, unknown>
    /** Fields the gate did not hand out, with the rule (shown as withheld, never silently dropped). */
    withheld: { field: string; rule: string }[]
    /** Art. 15(1)(a), (d): per identifier/attribute category, the purposes that use it. */
    categories: { category: string; fields: string[]; purposes: string[] }[]
  }
  sections: ReportSection[]
  /** Art. 15(1)(a)-(b): every purpose with its legal basis and the categories it uses. */
  purposes: {
    key: string
    name: Texts
    description: Texts
    legalBasis: LegalBasis
    legalBasisText: Texts
    categories: string[]
    /** consent: whether the person's consent is in force now; otherwise null (the basis is not consent). */
    consentInForce: boolean | null
    /**
     * Whether it processes this person's data: its consent is in force, the person is of a kind it
     * reaches, and has the record it needs (an order, an invoice); the categories list only these.
     */
    appliesToYou: boolean
  }[]
  /** The words of the fields shown (the field catalog's labels), for the readable report. */
  fieldLabels: Record<string, Texts>
  /** Art. 15(1)(c), (2): disclosures to recipients, with third countries; or the statement that none is recorded. */
  recipients: { disclosures: ReportDisclosure[]; statement: Texts }
  /** Art. 15(1)(d): the retention rules (deletion concept) with their periods and the law. */
  retention: { key: string; name: Texts; recordKind: string | null; period: string; rule: Texts }[]
  /** Art. 15(1)(g): where the data came from. */
  sources: { what: Texts; source: string; text: Texts }[]
  /** Art. 15(1)(h): profiling and scores with the logic involved, or the statement that there is none. */
  profiling: { scores: unknown[]; statement: Texts }
  /** Art. 15(1)(e)-(f): the person's rights, including the complaint to a supervisory authority. */
  rights: { article: string; text: Texts }[]
  /** Kinds kept that the report doesn't show, and why (digests and lookup keys). */
  omitted: { table: string; why: string }[]
}

const LEGAL_BASIS_TEXT: Record<LegalBasis, Texts> = {
  consent: { de: 'Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)', en: 'consent (Art. 6(1)(a) GDPR)' },
  contract: { de: 'Vertrag (Art. 6 Abs. 1 lit. b DSGVO)', en: 'contract (Art. 6(1)(b) GDPR)' },
  legal_obligation: {
    de: 'rechtliche Verpflichtung (Art. 6 Abs. 1 lit. c DSGVO)',
    en: 'legal obligation (Art. 6(1)(c) GDPR)',
  },
  vital_interest: {
    de: 'lebenswichtige Interessen (Art. 6 Abs. 1 lit. d DSGVO)',
    en: 'vital interests (Art. 6(1)(d) GDPR)',
  },
  public_task: {
    de: 'öffentliche Aufgabe (Art. 6 Abs. 1 lit. e DSGVO)',
    en: 'public task (Art. 6(1)(e) GDPR)',
  },
  legitimate_interest: {
    de: 'berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO)',
    en: 'legitimate interest (Art. 6(1)(f) GDPR)',
  },
}

/** The person's rights (Art. 15(1)(e)-(f), Art. 12(1)): stated in every report. */
export const RIGHTS: readonly { article: string; text: Texts }[] = [
  {
    article: 'Art. 15',
    text: {
      de: 'Auskunft über Ihre Daten und eine Kopie davon – dieser Bericht.',
      en: 'Access to your data and a copy of it – this report.',
    },
  },
  {
    article: 'Art. 16',
    text: {
      de: 'Berichtigung unrichtiger und Vervollständigung unvollständiger Daten.',
      en: 'Rectification of inaccurate and completion of incomplete data.',
    },
  },
  {
    article: 'Art. 17',
    text: {
      de: 'Löschung, soweit keine gesetzliche Aufbewahrungspflicht oder andere Ausnahme (Art. 17 Abs. 3) entgegensteht.',
      en: 'Erasure, unless a legal retention duty or another exception (Art. 17(3)) applies.',
    },
  },
  {
    article: 'Art. 18',
    text: { de: 'Einschränkung der Verarbeitung.', en: 'Restriction of processing.' },
  },
  {
    article: 'Art. 20',
    text: {
      de: 'Datenübertragbarkeit: die von Ihnen bereitgestellten Daten in einem maschinenlesbaren Format (im JSON-Teil dieses Berichts gekennzeichnet).',
      en: 'Data portability: the data you provided in a machine-readable format (marked in the JSON part of this report).',
    },
  },
  {
    article: 'Art. 21',
    text: {
      de: 'Widerspruch gegen die Verarbeitung auf Grund berechtigter Interessen aus Gründen Ihrer besonderen Situation, und jederzeit gegen Direktwerbung.',
      en: 'Objection to processing on legitimate interests on grounds relating to your situation, and at any time to direct marketing.',
    },
  },
  {
    article: 'Art. 7(3)',
    text: {
      de: 'Widerruf einer Einwilligung jederzeit mit Wirkung für die Zukunft.',
      en: 'Withdrawal of a consent at any time, with effect for the future.',
    },
  },
  {
    article: 'Art. 22',
    text: {
      de: 'Keiner ausschließlich automatisierten Entscheidung mit rechtlicher oder ähnlich erheblicher Wirkung unterworfen zu werden; Überprüfung durch einen Menschen.',
      en: 'Not to be subject to a decision based solely on automated processing with legal or similarly significant effects; review by a human.',
    },
  },
  {
    article: 'Art. 77',
    text: {
      de: 'Beschwerde bei einer Datenschutz-Aufsichtsbehörde, insbesondere in dem Mitgliedstaat Ihres Aufenthaltsorts, Ihres Arbeitsplatzes oder des Orts des mutmaßlichen Verstoßes.',
      en: 'To lodge a complaint with a data protection supervisory authority, in particular in the Member State of your habitual residence, place of work or of the alleged infringement.',
    },
  },
]

const NO_DISCLOSURES: Texts = {
  de: 'Es sind keine Offenlegungen Ihrer Daten an Empfänger verzeichnet.',
  en: 'No disclosures of your data to recipients are recorded.',
}
const DISCLOSURES: Texts = {
  de: 'Ihre Daten wurden den folgenden Empfängern offengelegt (Länder außerhalb des EWR mit ihrer Garantie, Art. 15 Abs. 2 DSGVO).',
  en: 'Your data was disclosed to the following recipients (countries outside the EEA with their safeguard, Art. 15(2) GDPR).',
}
const NO_PROFILING: Texts = {
  de: 'Es findet keine Profilbildung und keine automatisierte Entscheidung über Sie statt; es sind keine Bewertungen über Sie gespeichert.',
  en: 'There is no profiling and no automated decision-making about you; no scores about you are stored.',
}
const PROFILING: Texts = {
  de: 'Wir berechnen Bewertungen aus Ihren Bestellungen (Profilbildung, Art. 4 Nr. 4 DSGVO). Sie dienen der Auswahl von Angeboten; eine Entscheidung mit rechtlicher oder ähnlich erheblicher Wirkung wird daraus nicht automatisiert getroffen. Die Logik, Bedeutung und die Eingaben jeder Bewertung stehen bei ihr.',
  en: 'We compute scores from your orders (profiling, Art. 4(4) GDPR). They serve to choose offers; no decision with legal or similarly significant effect is made from them automatically. The logic, meaning and inputs of each score are given with it.',
}

/** Where a subject's record came from, in words (Art. 15(1)(g)). */
export function sourceText(source: string): Texts {
  const [kind, name] = source.includes(':')
    ? [source.slice(0, source.indexOf(':')), source.slice(source.indexOf(':') + 1)]
    : [source, '']
  switch (kind) {
    case 'form':
      return {
        de: `von Ihnen in ein Formular eingegeben (${name || 'Formular'})`,
        en: `entered by you in a form (${name || 'form'})`,
      }
    case 'portal':
      return { de: 'von Ihnen im Datenschutzportal angegeben', en: 'given by you in the privacy portal' }
    case 'import':
      return {
        de: `aus einem Import übernommen (Quelle: ${name || 'unbenannt'})`,
        en: `taken over from an import (source: ${name || 'unnamed'})`,
      }
    case 'tracking':
    case 'web':
      return {
        de: 'auf unserer Website erfasst (mit Ihrer Einwilligung)',
        en: 'recorded on our website (with your consent)',
      }
    case 'demo':
      return { de: 'synthetische Demodaten', en: 'synthetic demo data' }
    default:
      return {
        de: `von unseren Mitarbeitern oder einem angebundenen System erfasst (${source})`,
        en: `entered by our staff or a connected system (${source})`,
      }
  }
}

/** What the report is built from besides the collected data. */
export interface ReportInputs {
  data: CollectedData
  lang: Lang
  request: { id: string; kind: string; receivedAt: Date; dueAt: Date } | null
  purposes: readonly Purpose[]
  retentionRules: readonly RetentionRule[]
  /** null: the recipients registry isn't there; [] none recorded. */
  disclosures: readonly ReportDisclosure[] | null
  controller: AccessReport['controller']
  categoryOf: (field: string) => string | undefined
  /** The field catalog's words for a field, if it has them. */
  labelOf?: ((field: string) => Texts | undefined) | undefined
}

const KERNEL_CATEGORY = 'records_of_your_rights'

/** Builds the access report from what the kernel collected (pure). */
export function buildAccessReport(input: ReportInputs): AccessReport {
  const { data } = input
  const consentInForce = new Map<string, boolean>()
  const states = data.sections.find((s) => s.table === 'permission_state')?.rows ?? []
  for (const row of states)
    if (row.status === 'granted' || row.status === 'confirmed')
      consentInForce.set(String(row.purpose_key), true)
  const has = (table: string) => (data.sections.find((s) => s.table === table)?.rows.length ?? 0) > 0
  const objections = data.sections.find((s) => s.table === 'objection_state')?.rows ?? []
  const objected = (p: Purpose) =>
    objections.some(
      (o) =>
        (o.scope === 'all_marketing' && p.directMarketing) || (o.scope === 'purpose' && o.target === p.key),
    )
  const restricted = has('restriction_state')
  const applies = (p: Purpose): boolean =>
    (p.legalBasis !== 'consent' || consentInForce.get(p.key) === true) &&
    !(p.legalBasis === 'legitimate_interest' && objected(p)) &&
    (!restricted || p.scope.restrictionException !== null) &&
    (p.scope.subjectKinds.length === 0 || p.scope.subjectKinds.some((k) => data.subject.kinds.includes(k))) &&
    (p.scope.requiresRecord === null ||
      has(p.scope.requiresRecord === 'order' ? 'customer_order' : 'invoice'))
  const applying = input.purposes.filter(applies)
  const purposesOf = (category: string) =>
    applying
      .filter((p) => (p.scope.fieldCategories as readonly string[]).includes(category))
      .map((p) => p.key)
  const sectionCategory = (s: CollectedSection): string => {
    if (s.field === 'kernel' || s.field === 'subject') return KERNEL_CATEGORY
    const known = isPersonalField(s.field) ? FIELD_CATALOG[s.field]?.category : undefined
    return known ?? input.categoryOf(s.field) ?? KERNEL_CATEGORY
  }
  const rulesFor = (table: string) =>
    input.retentionRules.filter((r) => r.covers.recordKind === table).map((r) => r.key)
  const fieldsByCategory = new Map<string, string[]>()
  for (const field of [...Object.keys(data.subject.identifiers), ...Object.keys(data.subject.attributes)]) {
    const category = input.categoryOf(field) ?? 'identity'
    fieldsByCategory.set(category, [...(fieldsByCategory.get(category) ?? []), field])
  }
  const touchpointSources = new Set<string>()
  for (const row of data.sections.find((s) => s.table === 'touchpoint')?.rows ?? [])
    if (typeof row.source === 'string') touchpointSources.add(row.source)
  const scores = data.scores
  return {
    format: ACCESS_REPORT_FORMAT,
    lang: input.lang,
    generatedAt: data.collectedAt.toISOString(),
    controller: input.controller,
    request: input.request
      ? {
          id: input.request.id,
          kind: input.request.kind,
          receivedAt: input.request.receivedAt.toISOString(),
          dueAt: input.request.dueAt.toISOString(),
        }
      : null,
    subject: {
      id: data.subject.id,
      kinds: data.subject.kinds,
      source: data.subject.source,
      createdAt: data.subject.createdAt.toISOString(),
      updatedAt: data.subject.updatedAt.toISOString(),
      providedByYou: true,
      identifiers: { ...data.subject.identifiers } as Record<string, string>,
      attributes: plain(data.subject.attributes) as Record<string, unknown>,
      withheld: data.withheldFields,
      categories: [...fieldsByCategory].map(([category, fields]) => ({
        category,
        fields,
        purposes: purposesOf(category),
      })),
    },
    sections: data.sections.map((s) => {
      const category = sectionCategory(s)
      return {
        table: s.table,
        title: s.title,
        providedByYou: PROVIDED_KINDS.has(s.table),
        category,
        columns: s.columns,
        rows: s.rows.map((r) => plain(r) as Record<string, unknown>),
        truncated: s.truncated,
        ...(s.withheld ? { withheld: s.withheld } : {}),
        purposes: category === KERNEL_CATEGORY ? ['dsr_fulfilment'] : purposesOf(category),
        retention: rulesFor(s.table),
      }
    }),
    purposes: input.purposes.map((p) => ({
      key: p.key,
      name: p.name,
      description: p.description,
      legalBasis: p.legalBasis,
      legalBasisText: LEGAL_BASIS_TEXT[p.legalBasis],
      categories: [...p.scope.fieldCategories] as FieldCategory[] as string[],
      consentInForce: p.legalBasis === 'consent' ? consentInForce.get(p.key) === true : null,
      appliesToYou: applies(p),
    })),
    fieldLabels: Object.fromEntries(
      [
        ...Object.keys(data.subject.identifiers),
        ...Object.keys(data.subject.attributes),
        ...data.withheldFields.map((w) => w.field),
      ].flatMap((field) => {
        const label = input.labelOf?.(field)
        return label ? [[field, label] as const] : []
      }),
    ),
    recipients: {
      disclosures: input.disclosures ? [...input.disclosures] : [],
      statement: input.disclosures?.length ? DISCLOSURES : NO_DISCLOSURES,
    },
    retention: input.retentionRules.map((r) => ({
      key: r.key,
      name: r.name,
      recordKind: r.covers.recordKind,
      period: r.period,
      rule: r.rule,
    })),
    sources: [
      {
        what: { de: 'Stammdaten', en: 'Master data' },
        source: data.subject.source,
        text: sourceText(data.subject.source),
      },
      ...[...touchpointSources].map((source) => ({
        what: { de: 'Kontaktpunkte', en: 'Touchpoints' },
        source,
        text: sourceText(source),
      })),
    ],
    profiling: { scores: scores.map((s) => plain(s)), statement: scores.length ? PROFILING : NO_PROFILING },
    rights: [...RIGHTS],
    omitted: data.omitted,
  }
}

/** JSON-safe values: dates as ISO 8601, bytes dropped (nothing sealed leaves unopened). */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return null
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v)
    return out
  }
  if (typeof value === 'bigint') return Number(value)
  return value
}
