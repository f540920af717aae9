import type {
  RetentionCondition,
  RetentionRecordKind,
  RetentionRule,
  StartEvent,
} from '../../privacy/retention/retention-rule.ts'
import { RETENTION_RECORD_KINDS } from '../../privacy/retention/retention-rule.ts'
import type { SubjectKind } from '../../privacy/subjects/subject-kinds.ts'

/**
 * The deletion concept as a document (the text a company shows its auditor), generated from the
 * retention rules: a plain model in one language that the HTML and PDF renderers lay out alike.
 */

export const DOCUMENT_LANGUAGES = ['de', 'en'] as const
export type DocumentLanguage = (typeof DOCUMENT_LANGUAGES)[number]

export const DOCUMENT_FORMATS = ['html', 'pdf'] as const
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number]

/** One rule as the document shows it: label and value, in order. */
export interface DocumentRule {
  key: string
  name: string
  version: number
  rows: { label: string; value: string }[]
}

/** The document: title, who, when, which version, the introduction, the rules by record kind. */
export interface DeletionConceptDocument {
  lang: DocumentLanguage
  title: string
  meta: { label: string; value: string }[]
  intro: string[]
  disclaimer: string
  groups: { heading: string; rules: DocumentRule[] }[]
}

const KINDS: Record<RetentionRecordKind | 'none', { de: string; en: string }> = {
  invoice: { de: 'Rechnungen', en: 'Invoices' },
  customer_order: { de: 'Bestellungen', en: 'Orders' },
  deal: { de: 'Verkaufschancen', en: 'Deals' },
  touchpoint: { de: 'Kontaktpunkte', en: 'Touchpoints' },
  subject_note: { de: 'Notizen und Aufgaben', en: 'Notes and tasks' },
  consent_event: { de: 'Einwilligungsereignisse (Nachweise)', en: 'Consent events (proof)' },
  doi_request: { de: 'Double-Opt-in-Anfragen', en: 'Double opt-in requests' },
  dsr_request: { de: 'Anfragen betroffener Personen', en: 'Data subject requests' },
  subject: { de: 'Personen (Stammdaten und alles zu ihnen)', en: 'People (master data and all about them)' },
  none: { de: 'Außerhalb von Tresor geführt', en: 'Kept outside Tresor' },
}

const START_EVENTS: Record<StartEvent, { de: string; en: string }> = {
  creation: { de: 'ab Entstehung des Datensatzes', en: 'from the creation of the record' },
  end_of_year_of_creation: {
    de: 'ab Ende des Kalenderjahres der Entstehung',
    en: 'from the end of the calendar year of creation',
  },
  last_interaction: { de: 'ab dem letzten Kontakt', en: 'from the last interaction' },
  end_of_contract: { de: 'ab Vertragsende', en: 'from the end of the contract' },
  decision: { de: 'ab der Entscheidung', en: 'from the decision' },
  grant_and_each_use: {
    de: 'ab Erteilung und ab jeder Verwendung (die spätere zählt)',
    en: 'from the grant and from each use (the later one counts)',
  },
  closure: { de: 'ab Abschluss', en: 'from the closure' },
  end_of_year_of_closure: {
    de: 'ab Ende des Kalenderjahres des Abschlusses',
    en: 'from the end of the calendar year of closure',
  },
  end_of_year_of_last_entry: {
    de: 'ab Ende des Kalenderjahres der letzten Eintragung',
    en: 'from the end of the calendar year of the last entry',
  },
}

const CONDITIONS: Record<RetentionCondition, { de: string; en: string }> = {
  deal_won: { de: 'nur gewonnene', en: 'won ones only' },
  consent_channel_phone: { de: 'nur für den Kanal Telefon', en: 'on the phone channel only' },
  doi_unconfirmed: { de: 'nur nie bestätigte', en: 'never confirmed ones only' },
  request_closed: { de: 'nur abgeschlossene', en: 'closed ones only' },
  application_rejected: { de: 'nur nach Absage', en: 'after a rejection only' },
}

const SUBJECT_KINDS: Record<SubjectKind, { de: string; en: string }> = {
  customer: { de: 'Kundinnen und Kunden', en: 'customers' },
  lead: { de: 'Interessenten', en: 'leads' },
  b2b_contact: { de: 'B2B-Kontakte', en: 'B2B contacts' },
  applicant: { de: 'Bewerberinnen und Bewerber', en: 'applicants' },
  employee: { de: 'Beschäftigte', en: 'employees' },
  supplier_contact: { de: 'Kontakte bei Lieferanten', en: 'supplier contacts' },
}

const UNITS = {
  de: { Y: ['Jahr', 'Jahre'], M: ['Monat', 'Monate'], W: ['Woche', 'Wochen'], D: ['Tag', 'Tage'] },
  en: { Y: ['year', 'years'], M: ['month', 'months'], W: ['week', 'weeks'], D: ['day', 'days'] },
} as const

/** An ISO 8601 duration in words: `P8Y` → "8 Jahre" / "8 years", `P1Y6M` → "1 year 6 months". */
export function periodInWords(duration: string, lang: DocumentLanguage): string {
  const words = [...duration.matchAll(/(\d+)([YMWD])/g)].map(([, n, unit]) => {
    const [one, many] = UNITS[lang][unit as 'Y' | 'M' | 'W' | 'D']
    return `${n} ${Number(n) === 1 ? one : many}`
  })
  return words.length > 0 ? `${words.join(' ')} (${duration})` : duration
}

const T = {
  de: {
    title: 'Löschkonzept',
    controller: 'Verantwortlicher',
    controllerUnset: 'nicht eingetragen (Einstellungen der Installation)',
    date: 'Stand',
    version: 'Version',
    versionValue: (n: number, rules: number) =>
      `${n} (Summe der Versionen der ${rules} Regeln; jede Änderung erhöht sie)`,
    intro: [
      'Dieses Löschkonzept beschreibt, wie lange die Daten, die Tresor speichert, aufbewahrt und wann sie gelöscht werden (Speicherbegrenzung, Art. 5 Abs. 1 lit. e DSGVO; Recht auf Löschung, Art. 17 Abs. 1 lit. a DSGVO).',
      'Es ist nach DIN 66398 und ISO/IEC 27555 in Löschklassen gegliedert: Jede Löschklasse nennt eine Datenart, ihre Regellöschfrist und das Ereignis, mit dem die Frist beginnt. Wo ein Gesetz eine Mindestfrist vorschreibt, ist sie mit dem Gesetz genannt; kürzer darf die Frist nicht eingestellt werden. Fristen, die „ab Ende des Kalenderjahres“ laufen, beginnen mit dem Ablauf des 31. Dezember (deutsche Zeit).',
      'Ein Datensatz, den mehrere Löschklassen erfassen, wird erst gelöscht, wenn die Fristen aller dieser Klassen abgelaufen sind.',
      'Das Dokument wird aus den Aufbewahrungsregeln erzeugt, die in Tresor hinterlegt sind; es wird nicht von Hand geschrieben. Jede Änderung einer Regel erhöht deren Version, die frühere Fassung bleibt erhalten, und die Änderung wird im Prüfprotokoll festgehalten.',
    ],
    disclaimer:
      'Hinweis: Dieses Dokument gibt das Wissen des Produkts über die Rechtslage wieder und ist keine Rechtsberatung. Bitte prüfen Sie es mit Ihrer bzw. Ihrem Datenschutzbeauftragten.',
    records: 'Daten',
    period: 'Regellöschfrist',
    start: 'Fristbeginn',
    minimum: 'Gesetzliche Mindestfrist',
    noMinimum:
      'keine (Speicherbegrenzung, Art. 5 Abs. 1 lit. e DSGVO: die Frist legt der Verantwortliche fest)',
    transition: 'Übergangsregel',
    noTransition: 'keine',
    before: (period: string, cutover: string) => `${period} bis zum Stichtag ${cutover}`,
    rule: 'Regel',
    purpose: (key: string) => `erhoben unter dem Zweck ${key}`,
    onlyKind: (kind: string) => `nur von Personen, die ausschließlich ${kind} sind`,
    notStored: 'Tresor speichert keine solchen Daten',
  },
  en: {
    title: 'Deletion concept',
    controller: 'Controller',
    controllerUnset: 'not set (the installation’s settings)',
    date: 'As of',
    version: 'Version',
    versionValue: (n: number, rules: number) =>
      `${n} (the sum of the versions of the ${rules} rules; every change raises it)`,
    intro: [
      'This deletion concept describes how long the data Tresor stores is kept and when it is deleted (storage limitation, Art. 5(1)(e) GDPR; right to erasure, Art. 17(1)(a) GDPR).',
      'Following DIN 66398 and ISO/IEC 27555 it is organised in deletion classes: each deletion class names a category of data, its standard period, and the event that starts it. Where a law sets a minimum period, it is named with the law; the period can’t be set shorter. Periods that run “from the end of the calendar year” start when 31 December ends (German time).',
      'A record that several deletion classes cover is deleted only when the periods of all of them have run out.',
      'This document is generated from the retention rules held in Tresor; it is not written by hand. Every change of a rule raises its version, the earlier version is kept, and the change is recorded in the audit trail.',
    ],
    disclaimer:
      'Note: this document states the product’s knowledge of the law; it is not legal advice. Please review it with your data protection officer.',
    records: 'Records',
    period: 'Standard period',
    start: 'Start event',
    minimum: 'Legal minimum',
    noMinimum: 'none (storage limitation, Art. 5(1)(e) GDPR: the controller sets the period)',
    transition: 'Transition',
    noTransition: 'none',
    before: (period: string, cutover: string) => `${period} before the cut-over on ${cutover}`,
    rule: 'Rule',
    purpose: (key: string) => `collected under the purpose ${key}`,
    onlyKind: (kind: string) => `only of people who are ${kind} and nothing else`,
    notStored: 'Tresor stores no such records',
  },
} as const

/** What a rule covers, in words. */
function recordsInWords(rule: RetentionRule, lang: DocumentLanguage): string {
  const t = T[lang]
  const { recordKind, purposeKey, subjectKind, condition } = rule.covers
  if (recordKind === null) return t.notStored
  const parts: string[] = [KINDS[recordKind][lang]]
  if (condition) parts.push(CONDITIONS[condition][lang])
  if (purposeKey) parts.push(t.purpose(purposeKey))
  if (subjectKind) parts.push(t.onlyKind(SUBJECT_KINDS[subjectKind][lang]))
  return parts.join(', ')
}

/** The document for `rules` in one language. Pure: `now` and the controller's name are given. */
export function deletionConceptDocument(
  rules: readonly RetentionRule[],
  options: { lang: DocumentLanguage; controllerName: string | undefined; now: Date },
): DeletionConceptDocument {
  const { lang } = options
  const t = T[lang]
  const version = rules.reduce((sum, r) => sum + r.version, 0)
  const order: (RetentionRecordKind | 'none')[] = [...RETENTION_RECORD_KINDS, 'none']
  const groups = order.flatMap((kind) => {
    const members = rules.filter((r) => (r.covers.recordKind ?? 'none') === kind)
    if (members.length === 0) return []
    return [
      {
        heading: KINDS[kind][lang],
        rules: members.map((rule) => ({
          key: rule.key,
          name: rule.name[lang],
          version: rule.version,
          rows: [
            { label: t.records, value: recordsInWords(rule, lang) },
            { label: t.period, value: periodInWords(rule.period, lang) },
            { label: t.start, value: START_EVENTS[rule.startEvent][lang] },
            {
              label: t.minimum,
              value: rule.legalMinimum
                ? `${periodInWords(rule.legalMinimum.period, lang)}, ${rule.legalMinimum.law}`
                : t.noMinimum,
            },
            {
              label: t.transition,
              value: rule.transition
                ? `${t.before(periodInWords(rule.transition.previousPeriod, lang), rule.transition.cutover)}: ${rule.transition.rule[lang]}`
                : t.noTransition,
            },
            { label: t.rule, value: rule.rule[lang] },
          ],
        })),
      },
    ]
  })
  return {
    lang,
    title: t.title,
    meta: [
      { label: t.controller, value: options.controllerName ?? t.controllerUnset },
      { label: t.date, value: options.now.toISOString().slice(0, 10) },
      { label: t.version, value: t.versionValue(version, rules.length) },
    ],
    intro: [...t.intro],
    disclaimer: t.disclaimer,
    groups,
  }
}
