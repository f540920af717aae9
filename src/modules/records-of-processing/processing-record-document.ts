import { periodInWords } from '../retention/deletion-concept.ts'
import type { ProcessingRecord, RecordChange, RecordSection } from './processing-record.ts'

/**
 * The record of processing activities as a document in one language: a plain model that the HTML,
 * PDF and XLSX renderers lay out alike — a title, the facts about the version, the changes since the
 * version before, and one section per part of Art. 30(1), each a list of items with label/value rows.
 */

export const RECORD_LANGUAGES = ['de', 'en'] as const
export type RecordLanguage = (typeof RECORD_LANGUAGES)[number]
export const RECORD_FORMATS = ['html', 'pdf', 'xlsx', 'json'] as const
export type RecordFormat = (typeof RECORD_FORMATS)[number]

export interface DocumentRow {
  label: string
  value: string
}
export interface DocumentItem {
  key: string
  title: string
  rows: DocumentRow[]
}
export interface DocumentSection {
  key: string
  heading: string
  /** The article of Art. 30(1) the section answers. */
  article: string
  /** Said when the section has no items. */
  empty: string
  items: DocumentItem[]
}

export interface ProcessingRecordDocument {
  lang: RecordLanguage
  title: string
  meta: DocumentRow[]
  intro: string[]
  disclaimer: string
  changesHeading: string
  /** The changes in words; empty: none. */
  changes: string[]
  noChanges: string
  sections: DocumentSection[]
}

/** Facts about the version the document shows. */
export interface VersionFacts {
  /** The adopted version equal to this record, if any. */
  adopted: { version: number; at: Date; by: string } | null
  /** The version the changes are computed against, if any. */
  previous: number | null
  sha256: string
  generatedAt: Date
}

type L = Record<string, { de: string; en: string }>

const LEGAL_BASES: L = {
  consent: { de: 'Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)', en: 'Consent (Art. 6(1)(a) GDPR)' },
  contract: { de: 'Vertrag (Art. 6 Abs. 1 lit. b DSGVO)', en: 'Contract (Art. 6(1)(b) GDPR)' },
  legal_obligation: {
    de: 'Rechtliche Verpflichtung (Art. 6 Abs. 1 lit. c DSGVO)',
    en: 'Legal obligation (Art. 6(1)(c) GDPR)',
  },
  vital_interest: {
    de: 'Lebenswichtige Interessen (Art. 6 Abs. 1 lit. d DSGVO)',
    en: 'Vital interests (Art. 6(1)(d) GDPR)',
  },
  public_task: {
    de: 'Öffentliche Aufgabe (Art. 6 Abs. 1 lit. e DSGVO)',
    en: 'Public task (Art. 6(1)(e) GDPR)',
  },
  legitimate_interest: {
    de: 'Berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO)',
    en: 'Legitimate interest (Art. 6(1)(f) GDPR)',
  },
}

const ART9: L = {
  explicit_consent: {
    de: 'ausdrückliche Einwilligung (Art. 9 Abs. 2 lit. a)',
    en: 'explicit consent (Art. 9(2)(a))',
  },
  employment_law: { de: 'Arbeitsrecht (Art. 9 Abs. 2 lit. b)', en: 'employment law (Art. 9(2)(b))' },
  vital_interest: {
    de: 'lebenswichtige Interessen (Art. 9 Abs. 2 lit. c)',
    en: 'vital interests (Art. 9(2)(c))',
  },
  not_for_profit: {
    de: 'Organisation ohne Gewinnerzielung (Art. 9 Abs. 2 lit. d)',
    en: 'not-for-profit body (Art. 9(2)(d))',
  },
  made_public: {
    de: 'offensichtlich öffentlich gemacht (Art. 9 Abs. 2 lit. e)',
    en: 'manifestly made public (Art. 9(2)(e))',
  },
  legal_claims: { de: 'Rechtsansprüche (Art. 9 Abs. 2 lit. f)', en: 'legal claims (Art. 9(2)(f))' },
  substantial_public_interest: {
    de: 'erhebliches öffentliches Interesse (Art. 9 Abs. 2 lit. g)',
    en: 'substantial public interest (Art. 9(2)(g))',
  },
  health_care: {
    de: 'Gesundheitsversorgung (Art. 9 Abs. 2 lit. h)',
    en: 'health or social care (Art. 9(2)(h))',
  },
  public_health: { de: 'öffentliche Gesundheit (Art. 9 Abs. 2 lit. i)', en: 'public health (Art. 9(2)(i))' },
  research: {
    de: 'Archiv, Forschung, Statistik (Art. 9 Abs. 2 lit. j)',
    en: 'archiving, research, statistics (Art. 9(2)(j))',
  },
}

const SUBJECT_KINDS: L = {
  customer: { de: 'Kundinnen und Kunden', en: 'Customers' },
  lead: { de: 'Interessenten', en: 'Leads' },
  b2b_contact: { de: 'Ansprechpersonen bei Geschäftskunden', en: 'Contacts at business customers' },
  applicant: { de: 'Bewerberinnen und Bewerber', en: 'Applicants' },
  employee: { de: 'Beschäftigte', en: 'Employees' },
  supplier_contact: { de: 'Ansprechpersonen bei Lieferanten', en: 'Contacts at suppliers' },
}

const DATA_CATEGORIES: L = {
  identity: { de: 'Identität (Name, Geburtsdatum)', en: 'Identity (name, birth date)' },
  contact: { de: 'Kontaktdaten (E-Mail, Telefon)', en: 'Contact data (e-mail, phone)' },
  address: { de: 'Anschrift', en: 'Postal address' },
  bank: { de: 'Bankdaten', en: 'Bank data' },
  notes: { de: 'Freitext-Notizen', en: 'Free-text notes' },
  socio_demographic: { de: 'Soziodemografische Merkmale', en: 'Socio-demographic attributes' },
  behavioural: { de: 'Verhaltensdaten (Kontaktpunkte)', en: 'Behavioural data (touchpoints)' },
  psychographic: { de: 'Psychografische Merkmale', en: 'Psychographic attributes' },
  derived: { de: 'Abgeleitete Daten (Bewertungen)', en: 'Derived data (scores)' },
  organisation: { de: 'Organisation und Funktion', en: 'Organisation and job' },
  purchases: { de: 'Bestellungen', en: 'Purchases' },
  billing: { de: 'Rechnungen', en: 'Invoices' },
  pipeline: { de: 'Verkaufschancen', en: 'Sales pipeline' },
}

const SPECIAL: L = {
  health: { de: 'Gesundheit', en: 'health' },
  religion: { de: 'Religion', en: 'religion' },
  ethnic_origin: { de: 'ethnische Herkunft', en: 'ethnic origin' },
  political_opinion: { de: 'politische Meinung', en: 'political opinion' },
  union_membership: { de: 'Gewerkschaftszugehörigkeit', en: 'trade union membership' },
  sexual_life: { de: 'Sexualleben', en: 'sex life' },
  biometric: { de: 'biometrische Daten', en: 'biometric data' },
  genetic: { de: 'genetische Daten', en: 'genetic data' },
}

const RECIPIENT_KINDS: L = {
  processor: { de: 'Auftragsverarbeiter (Art. 28)', en: 'Processor (Art. 28)' },
  controller: { de: 'Verantwortlicher', en: 'Controller' },
  joint_controller: { de: 'Gemeinsam Verantwortlicher (Art. 26)', en: 'Joint controller (Art. 26)' },
  authority: { de: 'Behörde', en: 'Authority' },
}

const SECTIONS: Record<RecordSection, { de: string; en: string }> = {
  controller: { de: 'Verantwortlicher', en: 'Controller' },
  dpo: { de: 'Datenschutzbeauftragte(r)', en: 'Data protection officer' },
  purposes: { de: 'Zwecke', en: 'Purposes' },
  subjectCategories: { de: 'Kategorien betroffener Personen', en: 'Categories of data subjects' },
  dataCategories: { de: 'Kategorien personenbezogener Daten', en: 'Categories of personal data' },
  recipients: { de: 'Empfänger und Übermittlungen', en: 'Recipients and transfers' },
  erasureLimits: { de: 'Löschfristen', en: 'Erasure time limits' },
  measures: { de: 'Technische und organisatorische Maßnahmen', en: 'Technical and organisational measures' },
}

const T = {
  de: {
    title: 'Verzeichnis von Verarbeitungstätigkeiten',
    controller: 'Verantwortlicher',
    dpo: 'Datenschutzbeauftragte(r)',
    unset: 'nicht eingetragen (Einstellungen der Installation)',
    generated: 'Erzeugt',
    version: 'Version',
    adopted: (v: number, at: string, by: string) => `${v}, festgestellt am ${at} von ${by}`,
    notAdopted: (prev: number | null) =>
      prev === null
        ? 'noch keine Fassung festgestellt'
        : `geändert gegenüber Version ${prev}, noch nicht als neue Fassung festgestellt`,
    hash: 'Prüfsumme (SHA-256)',
    intro: [
      'Dieses Verzeichnis nach Art. 30 Abs. 1 DSGVO wird aus der Konfiguration von Tresor erzeugt — den Einstellungen, dem Zweckregister, dem Feldkatalog, den Empfängern, dem Löschkonzept und den Maßnahmen, die Tresor selbst umsetzt. Es wird nicht von Hand geschrieben; wer die Konfiguration ändert, ändert das Verzeichnis.',
      'Jede festgestellte Fassung wird mit Prüfsumme gespeichert; die Änderungen gegenüber der vorigen Fassung sind unten aufgeführt.',
    ],
    disclaimer:
      'Hinweis: Dieses Dokument gibt das Wissen des Produkts über die Rechtslage wieder und ist keine Rechtsberatung. Verarbeitungen außerhalb von Tresor sind nicht enthalten.',
    changesHeading: 'Änderungen seit der letzten Fassung',
    noChanges: 'Keine Änderungen.',
    added: 'neu',
    removed: 'entfernt',
    changed: 'geändert',
    name: 'Name',
    address: 'Anschrift',
    email: 'E-Mail',
    description: 'Beschreibung',
    legalBasis: 'Rechtsgrundlage',
    art9: 'Besondere Kategorien (Art. 9)',
    none: 'keine',
    subjects: 'Betroffene Personen',
    allKinds: 'alle Personengruppen',
    data: 'Datenkategorien',
    channels: 'Kanäle',
    roles: 'Zugriff (Rollen)',
    retention: 'Speicherdauer',
    profiling: 'Profilbildung (Art. 4 Nr. 4)',
    directMarketing: 'Direktwerbung (Art. 21 Abs. 2)',
    yes: 'ja',
    no: 'nein',
    purposes: 'Zwecke',
    fields: 'Felder',
    identifier: 'verschlüsselt',
    special: (s: string) => `besondere Kategorie: ${s}`,
    kind: 'Art',
    country: 'Land',
    eea: 'EWR (keine Garantien nötig)',
    safeguard: 'Drittlandübermittlung, Garantie (Art. 44–49)',
    noSafeguard: 'keine',
    noRecipients: 'Es sind keine Empfänger registriert: Tresor legt keine Daten gegenüber Dritten offen.',
    records: 'Daten',
    period: 'Regellöschfrist',
    start: 'Fristbeginn',
    minimum: 'Gesetzliche Mindestfrist',
    notInTresor: 'außerhalb von Tresor',
    onlyPurpose: (p: string) => `Zweck ${p}`,
    onlyKind: (k: string) => `nur ${k}`,
    article: 'Vorschrift',
    measure: 'Maßnahme',
    noItems: 'keine',
    until: 'bis auf Widerruf bzw. Ereignis',
  },
  en: {
    title: 'Record of processing activities',
    controller: 'Controller',
    dpo: 'Data protection officer',
    unset: 'not set (the installation’s settings)',
    generated: 'Generated',
    version: 'Version',
    adopted: (v: number, at: string, by: string) => `${v}, adopted on ${at} by ${by}`,
    notAdopted: (prev: number | null) =>
      prev === null
        ? 'no version adopted yet'
        : `changed since version ${prev}, not yet adopted as a new version`,
    hash: 'Checksum (SHA-256)',
    intro: [
      'This record under Art. 30(1) GDPR is generated from Tresor’s configuration — the settings, the purpose registry, the field catalog, the recipients, the deletion concept and the measures Tresor itself implements. It is not written by hand; whoever changes the configuration changes the record.',
      'Every adopted version is stored with its checksum; the changes since the version before are listed below.',
    ],
    disclaimer:
      'Note: this document states the product’s knowledge of the law; it is not legal advice. Processing outside Tresor is not included.',
    changesHeading: 'Changes since the last version',
    noChanges: 'No changes.',
    added: 'added',
    removed: 'removed',
    changed: 'changed',
    name: 'Name',
    address: 'Address',
    email: 'E-mail',
    description: 'Description',
    legalBasis: 'Legal basis',
    art9: 'Special categories (Art. 9)',
    none: 'none',
    subjects: 'Data subjects',
    allKinds: 'every kind of person',
    data: 'Categories of data',
    channels: 'Channels',
    roles: 'Access (roles)',
    retention: 'Retention',
    profiling: 'Profiling (Art. 4(4))',
    directMarketing: 'Direct marketing (Art. 21(2))',
    yes: 'yes',
    no: 'no',
    purposes: 'Purposes',
    fields: 'Fields',
    identifier: 'encrypted',
    special: (s: string) => `special category: ${s}`,
    kind: 'Kind',
    country: 'Country',
    eea: 'EEA (no safeguard needed)',
    safeguard: 'Third-country transfer, safeguard (Art. 44-49)',
    noSafeguard: 'none',
    noRecipients: 'No recipients are registered: Tresor discloses no data to third parties.',
    records: 'Records',
    period: 'Standard period',
    start: 'Start event',
    minimum: 'Legal minimum',
    notInTresor: 'outside Tresor',
    onlyPurpose: (p: string) => `purpose ${p}`,
    onlyKind: (k: string) => `only ${k}`,
    article: 'Article',
    measure: 'Measure',
    noItems: 'none',
    until: 'until withdrawn or an event',
  },
} as const

const label = (table: L, key: string, lang: RecordLanguage) => table[key]?.[lang] ?? key

/** A change in words: "Purposes: newsletter_email changed (legalBasis, retention)". */
function changeInWords(c: RecordChange, lang: RecordLanguage): string {
  const t = T[lang]
  const what = c.change === 'added' ? t.added : c.change === 'removed' ? t.removed : t.changed
  const props =
    c.change === 'changed' && c.section !== 'controller' && c.section !== 'dpo'
      ? ` (${c.properties.join(', ')})`
      : ''
  return `${SECTIONS[c.section][lang]}: ${c.key} ${what}${props}`
}

/** The document for `record` in one language. Pure. */
export function processingRecordDocument(
  record: ProcessingRecord,
  changes: readonly RecordChange[],
  facts: VersionFacts,
  lang: RecordLanguage,
): ProcessingRecordDocument {
  const t = T[lang]
  const purposeName = new Map(record.purposes.map((p) => [p.key, p.name[lang]]))
  const purposeList = (keys: readonly string[]) =>
    keys.map((k) => purposeName.get(k) ?? k).join(', ') || t.none
  const section = (
    key: RecordSection,
    article: string,
    items: DocumentItem[],
    empty: string = t.noItems,
  ) => ({
    key,
    heading: SECTIONS[key][lang],
    article,
    empty,
    items,
  })
  const day = (d: Date) => d.toISOString().slice(0, 10)
  const sections: DocumentSection[] = [
    section(
      'purposes',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. b, c, f' : 'Art. 30(1)(b), (c), (f)',
      record.purposes.map((p) => ({
        key: p.key,
        title: `${p.name[lang]} (${p.key}, v${p.version})`,
        rows: [
          { label: t.description, value: p.description[lang] },
          { label: t.legalBasis, value: label(LEGAL_BASES, p.legalBasis, lang) },
          { label: t.art9, value: p.art9Basis ? label(ART9, p.art9Basis, lang) : t.none },
          {
            label: t.subjects,
            value:
              p.subjectKinds.length === 0
                ? t.allKinds
                : p.subjectKinds.map((k) => label(SUBJECT_KINDS, k, lang)).join(', '),
          },
          {
            label: t.data,
            value: p.fieldCategories.map((c) => label(DATA_CATEGORIES, c, lang)).join(', ') || t.none,
          },
          { label: t.channels, value: p.channels.join(', ') },
          { label: t.roles, value: p.roles.join(', ') || t.none },
          { label: t.profiling, value: p.profiling ? t.yes : t.no },
          { label: t.directMarketing, value: p.directMarketing ? t.yes : t.no },
          {
            label: t.retention,
            value: `${p.retention.period ? periodInWords(p.retention.period, lang) : t.until}: ${p.retention.rule[lang]}`,
          },
        ],
      })),
    ),
    section(
      'subjectCategories',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. c' : 'Art. 30(1)(c)',
      record.subjectCategories.map((c) => ({
        key: c.key,
        title: label(SUBJECT_KINDS, c.key, lang),
        rows: [{ label: t.purposes, value: purposeList(c.purposes) }],
      })),
    ),
    section(
      'dataCategories',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. c' : 'Art. 30(1)(c)',
      record.dataCategories.map((c) => ({
        key: c.key,
        title: label(DATA_CATEGORIES, c.key, lang),
        rows: [
          {
            label: t.fields,
            value: c.fields
              .map((f) => {
                const notes = [
                  f.identifier ? t.identifier : null,
                  f.special ? t.special(label(SPECIAL, f.special, lang)) : null,
                ].filter(Boolean)
                return `${f.label[lang]}${notes.length ? ` (${notes.join('; ')})` : ''}`
              })
              .join(', '),
          },
          { label: t.art9, value: c.fields.some((f) => f.special) ? t.yes : t.no },
          { label: t.purposes, value: purposeList(c.purposes) },
        ],
      })),
    ),
    section(
      'recipients',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. d, e' : 'Art. 30(1)(d), (e)',
      record.recipients.map((r) => ({
        key: r.key,
        title: r.name,
        rows: [
          { label: t.kind, value: label(RECIPIENT_KINDS, r.kind, lang) },
          { label: t.country, value: r.inEea ? `${r.country} — ${t.eea}` : r.country },
          { label: t.safeguard, value: r.inEea ? t.noSafeguard : (r.safeguard ?? t.noSafeguard) },
          { label: t.purposes, value: purposeList(r.purposes) },
          {
            label: t.data,
            value: r.fieldCategories.map((c) => label(DATA_CATEGORIES, c, lang)).join(', ') || t.none,
          },
        ],
      })),
      t.noRecipients,
    ),
    section(
      'erasureLimits',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. f' : 'Art. 30(1)(f)',
      record.erasureLimits.map((r) => ({
        key: r.key,
        title: `${r.name[lang]} (${r.key})`,
        rows: [
          {
            label: t.records,
            value: [
              r.recordKind ?? t.notInTresor,
              r.purposeKey ? t.onlyPurpose(purposeName.get(r.purposeKey) ?? r.purposeKey) : null,
              r.subjectKind ? t.onlyKind(label(SUBJECT_KINDS, r.subjectKind, lang)) : null,
            ]
              .filter(Boolean)
              .join(', '),
          },
          { label: t.period, value: periodInWords(r.period, lang) },
          { label: t.start, value: r.startEvent },
          {
            label: t.minimum,
            value: r.legalMinimum
              ? `${periodInWords(r.legalMinimum.period, lang)}, ${r.legalMinimum.law}`
              : t.none,
          },
        ],
      })),
    ),
    section(
      'measures',
      lang === 'de' ? 'Art. 30 Abs. 1 lit. g, Art. 32 Abs. 1' : 'Art. 30(1)(g), Art. 32(1)',
      record.measures.map((m) => ({
        key: m.key,
        title: m.title[lang],
        rows: [
          { label: t.article, value: m.article },
          { label: t.measure, value: m.text[lang] },
        ],
      })),
    ),
  ]
  const person = (p: { name: string | null; address: string | null; email: string | null }) =>
    p.name || p.address || p.email ? [p.name, p.address, p.email].filter(Boolean).join(', ') : t.unset
  return {
    lang,
    title: t.title,
    meta: [
      { label: t.controller, value: person(record.controller) },
      { label: t.dpo, value: person(record.dpo) },
      { label: t.generated, value: `${facts.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` },
      {
        label: t.version,
        value: facts.adopted
          ? t.adopted(facts.adopted.version, day(facts.adopted.at), facts.adopted.by)
          : t.notAdopted(facts.previous),
      },
      { label: t.hash, value: facts.sha256 },
    ],
    intro: [...t.intro],
    disclaimer: t.disclaimer,
    changesHeading: t.changesHeading,
    changes: changes.map((c) => changeInWords(c, lang)),
    noChanges: t.noChanges,
    sections,
  }
}
