import {
  type AffectedCounts,
  type Breach,
  breachClock,
  breachReference,
  NOTIFICATION_HOURS,
} from '../../privacy/breaches/breach.ts'
import type { InstallationSettings } from '../settings/settings.service.ts'

/**
 * The drafts Tresor writes for a breach, in German and English, as plain models the renderers lay
 * out: the notification to the supervisory authority with the contents of Art. 33(3), and the
 * letter to an affected person in clear and plain language with the contents of Art. 34(2).
 */

export const NOTICE_LANGUAGES = ['de', 'en'] as const
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number]
export const NOTICE_FORMATS = ['html', 'pdf', 'text'] as const
export type NoticeFormat = (typeof NOTICE_FORMATS)[number]

export interface NoticeRow {
  label: string
  value: string
}

/** The notification to the authority: a title, then label/value rows in the order of Art. 33(3). */
export interface BreachNotice {
  lang: NoticeLanguage
  title: string
  reference: string
  rows: NoticeRow[]
  disclaimer: string
}

type L = Record<string, { de: string; en: string }>

const KINDS: L = {
  customer: { de: 'Kundinnen und Kunden', en: 'customers' },
  lead: { de: 'Interessenten', en: 'leads' },
  b2b_contact: { de: 'Ansprechpersonen bei Geschäftskunden', en: 'contacts at business customers' },
  applicant: { de: 'Bewerberinnen und Bewerber', en: 'applicants' },
  employee: { de: 'Beschäftigte', en: 'employees' },
  supplier_contact: { de: 'Ansprechpersonen bei Lieferanten', en: 'contacts at suppliers' },
}
const CATEGORIES: L = {
  identity: { de: 'Identität (Name, Geburtsdatum)', en: 'identity (name, birth date)' },
  contact: { de: 'Kontaktdaten (E-Mail, Telefon)', en: 'contact data (e-mail, phone)' },
  address: { de: 'Anschrift', en: 'postal address' },
  bank: { de: 'Bankdaten', en: 'bank data' },
  notes: { de: 'Notizen', en: 'notes' },
  socio_demographic: { de: 'soziodemografische Merkmale', en: 'socio-demographic attributes' },
  behavioural: { de: 'Verhaltensdaten', en: 'behavioural data' },
  psychographic: { de: 'psychografische Merkmale', en: 'psychographic attributes' },
  derived: { de: 'abgeleitete Daten (Bewertungen)', en: 'derived data (scores)' },
  organisation: { de: 'Organisation und Funktion', en: 'organisation and job' },
  purchases: { de: 'Bestellungen', en: 'purchases' },
  billing: { de: 'Rechnungen', en: 'invoices' },
  pipeline: { de: 'Verkaufschancen', en: 'sales pipeline' },
}
const NATURES: L = {
  confidentiality: {
    de: 'Verletzung der Vertraulichkeit (unbefugte Offenlegung oder Einsicht)',
    en: 'breach of confidentiality (unauthorised disclosure or access)',
  },
  integrity: {
    de: 'Verletzung der Integrität (unbefugte Veränderung)',
    en: 'breach of integrity (unauthorised alteration)',
  },
  availability: {
    de: 'Verletzung der Verfügbarkeit (Verlust oder Vernichtung)',
    en: 'breach of availability (loss or destruction)',
  },
}
const RISKS: L = {
  none: {
    de: 'voraussichtlich kein Risiko (Art. 33 Abs. 1: keine Meldepflicht)',
    en: 'unlikely to result in a risk (Art. 33(1): no notification duty)',
  },
  risk: {
    de: 'Risiko für die Rechte und Freiheiten natürlicher Personen',
    en: 'a risk to the rights and freedoms of natural persons',
  },
  high: {
    de: 'voraussichtlich hohes Risiko (Art. 34: Benachrichtigung der Betroffenen)',
    en: 'likely high risk (Art. 34: the people concerned are told)',
  },
}

const T = {
  de: {
    title: 'Meldung einer Verletzung des Schutzes personenbezogener Daten (Art. 33 DSGVO)',
    reference: 'Aktenzeichen',
    controller: 'Verantwortlicher',
    dpo: 'Datenschutzbeauftragte(r), Kontakt (Art. 33 Abs. 3 lit. b)',
    unset: 'nicht eingetragen',
    aware: 'Bekannt geworden am',
    occurred: 'Zeitraum der Verletzung',
    unknown: 'unbekannt',
    deadline: `Meldefrist (${NOTIFICATION_HOURS} Stunden) endet`,
    notified: 'Gemeldet an die Aufsichtsbehörde',
    notYet: 'noch nicht gemeldet (Entwurf)',
    nature: 'Art der Verletzung (Art. 33 Abs. 3 lit. a)',
    subjects: 'Kategorien und ungefähre Zahl betroffener Personen',
    data: 'Kategorien und ungefähre Zahl betroffener Datensätze',
    computed: (s: number, r: number) =>
      `aus dem Prüfprotokoll ermittelt: ${s} Personen, ${r} Protokolleinträge mit ihren Daten`,
    approx: (n: number | null) => (n === null ? 'Schätzung offen' : `ca. ${n}`),
    consequences: 'Wahrscheinliche Folgen (Art. 33 Abs. 3 lit. c)',
    measures: 'Ergriffene oder vorgeschlagene Maßnahmen (Art. 33 Abs. 3 lit. d)',
    risk: 'Risikobewertung',
    people: 'Benachrichtigung der betroffenen Personen (Art. 34)',
    peopleHigh: (sent: number, pending: number) =>
      `vorgesehen: ${sent} Benachrichtigungen versandt, ${pending} ausstehend`,
    peopleNotRequired: 'nicht erforderlich (kein hohes Risiko)',
    delay: 'Gründe für die Verzögerung (Art. 33 Abs. 1)',
    none: 'keine Angabe',
    disclaimer:
      'Entwurf, von Tresor aus dem Verzeichnis der Verletzungen erzeugt. Bitte vor dem Versand prüfen und über das Meldeformular der zuständigen Aufsichtsbehörde einreichen. Keine Rechtsberatung.',
  },
  en: {
    title: 'Notification of a personal data breach (Art. 33 GDPR)',
    reference: 'Reference',
    controller: 'Controller',
    dpo: 'Data protection officer, contact (Art. 33(3)(b))',
    unset: 'not set',
    aware: 'Became aware on',
    occurred: 'Period of the breach',
    unknown: 'unknown',
    deadline: `Notification deadline (${NOTIFICATION_HOURS} hours)`,
    notified: 'Notified to the supervisory authority',
    notYet: 'not yet notified (draft)',
    nature: 'Nature of the breach (Art. 33(3)(a))',
    subjects: 'Categories and approximate number of data subjects',
    data: 'Categories and approximate number of personal data records',
    computed: (s: number, r: number) =>
      `computed from the audit trail: ${s} people, ${r} audit records with their data`,
    approx: (n: number | null) => (n === null ? 'estimate pending' : `approx. ${n}`),
    consequences: 'Likely consequences (Art. 33(3)(c))',
    measures: 'Measures taken or proposed (Art. 33(3)(d))',
    risk: 'Risk assessment',
    people: 'Communication to the data subjects (Art. 34)',
    peopleHigh: (sent: number, pending: number) => `intended: ${sent} letters sent, ${pending} pending`,
    peopleNotRequired: 'not required (no high risk)',
    delay: 'Reasons for the delay (Art. 33(1))',
    none: 'not given',
    disclaimer:
      'Draft generated by Tresor from the breach register. Please review it and submit it through the competent supervisory authority’s notification form. Not legal advice.',
  },
} as const

const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
const list = (table: L, keys: readonly string[], lang: NoticeLanguage) =>
  keys.map((k) => table[k]?.[lang] ?? k).join(', ')

const person = (p: { name: string | null; address: string | null; email: string | null }, unset: string) =>
  [p.name, p.address, p.email].filter(Boolean).join(', ') || unset

/** The Art. 33(3) notification of `breach`. Pure: the settings, counts and `now` are given. */
export function breachNotice(
  breach: Breach,
  counts: AffectedCounts,
  settings: Pick<InstallationSettings, 'controller' | 'dpo'>,
  lang: NoticeLanguage,
  now: Date,
): BreachNotice {
  const t = T[lang]
  const clock = breachClock(breach, now)
  const computed = counts.subjects > 0 ? `; ${t.computed(counts.subjects, counts.records)}` : ''
  const rows: NoticeRow[] = [
    { label: t.reference, value: breachReference(breach.number) },
    { label: t.controller, value: person(settings.controller, t.unset) },
    { label: t.dpo, value: person(settings.dpo, t.unset) },
    { label: t.aware, value: stamp(breach.awareAt) },
    {
      label: t.occurred,
      value:
        breach.occurredFrom || breach.occurredUntil
          ? `${breach.occurredFrom ? stamp(breach.occurredFrom) : t.unknown} – ${breach.occurredUntil ? stamp(breach.occurredUntil) : t.unknown}`
          : t.unknown,
    },
    { label: t.deadline, value: stamp(clock.deadline) },
    { label: t.notified, value: breach.authorityNotifiedAt ? stamp(breach.authorityNotifiedAt) : t.notYet },
    {
      label: t.nature,
      value: [breach.title, list(NATURES, breach.nature, lang), breach.description]
        .filter(Boolean)
        .join('\n'),
    },
    {
      label: t.subjects,
      value: `${list(KINDS, breach.subjectCategories, lang) || t.none}; ${t.approx(breach.approxSubjects)}${computed}`,
    },
    {
      label: t.data,
      value: `${list(CATEGORIES, breach.dataCategories, lang) || t.none}; ${t.approx(breach.approxRecords)}`,
    },
    { label: t.consequences, value: breach.consequences || t.none },
    { label: t.measures, value: breach.measures || t.none },
    { label: t.risk, value: RISKS[breach.risk]?.[lang] ?? breach.risk },
    {
      label: t.people,
      value:
        breach.risk === 'high'
          ? t.peopleHigh(counts.letters.sent, counts.letters.pending + counts.letters.failed)
          : t.peopleNotRequired,
    },
  ]
  if (clock.late || breach.delayReasons || (breach.authorityNotifiedAt === null && clock.overdue))
    rows.push({ label: t.delay, value: breach.delayReasons ?? t.none })
  return { lang, title: t.title, reference: breachReference(breach.number), rows, disclaimer: t.disclaimer }
}

/** The notification as plain text (for the authority's web form, or a mail). */
export function breachNoticeText(notice: BreachNotice): string {
  return `${notice.title}\n\n${notice.rows.map((r) => `${r.label}:\n${r.value}\n`).join('\n')}\n${notice.disclaimer}\n`
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/** The notification as a self-contained HTML page. */
export function breachNoticeHtml(notice: BreachNotice): string {
  return `<!doctype html>
<html lang="${notice.lang}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(notice.title)} ${escapeHtml(notice.reference)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; vertical-align: top; width: 18rem; padding: 0.4rem 0.75rem 0.4rem 0; }
td { padding: 0.4rem 0; white-space: pre-wrap; }
tr { border-bottom: 1px solid #eee; }
.disclaimer { border-left: 4px solid #e8a200; padding: 0.5rem 1rem; background: #fff8e6; }
</style>
</head>
<body>
<h1>${escapeHtml(notice.title)}</h1>
<table>
${notice.rows.map((r) => `<tr><th scope="row">${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`).join('\n')}
</table>
<p class="disclaimer">${escapeHtml(notice.disclaimer)}</p>
</body>
</html>
`
}

/** The Art. 34 letter to one person: subject line and text, in clear and plain language. */
export interface BreachLetter {
  subject: string
  text: string
}

/**
 * Art. 34(2): the letter describes in clear and plain language the nature of the breach, the DPO's
 * contact, the likely consequences and the measures taken, with Art. 33(3)(b)-(d). `name` is the
 * person's name as the gate returned it (or none).
 */
export function breachLetter(
  breach: Breach,
  settings: Pick<InstallationSettings, 'controller' | 'dpo'>,
  name: string | null,
  lang: NoticeLanguage,
): BreachLetter {
  const controller = settings.controller.name ?? (lang === 'de' ? 'wir' : 'we')
  const dpo = person(
    settings.dpo,
    lang === 'de' ? 'über die Kontaktdaten unten' : 'through the contact details below',
  )
  const what = list(CATEGORIES, breach.dataCategories, lang)
  if (lang === 'de')
    return {
      subject: `Wichtige Information zum Schutz Ihrer Daten (${breachReference(breach.number)})`,
      text: [
        name ? `Guten Tag ${name},` : 'Guten Tag,',
        '',
        `wir müssen Ihnen mitteilen, dass Daten über Sie von einer Verletzung des Datenschutzes bei ${controller} betroffen sind. Wir informieren Sie, weil sie voraussichtlich ein hohes Risiko für Sie mit sich bringt (Art. 34 DSGVO).`,
        '',
        `Was ist passiert? ${breach.title}. ${breach.description}`,
        ...(what ? ['', `Welche Daten sind betroffen? ${what}.`] : []),
        '',
        `Was kann das für Sie bedeuten? ${breach.consequences || 'Wir prüfen die möglichen Folgen noch.'}`,
        '',
        `Was tun wir? ${breach.measures || 'Wir haben Maßnahmen eingeleitet und informieren Sie, wenn es Neues gibt.'}`,
        '',
        `Fragen beantwortet Ihnen unsere Datenschutzbeauftragte bzw. unser Datenschutzbeauftragter: ${dpo}. Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde beschweren.`,
      ].join('\n'),
    }
  return {
    subject: `Important information about the protection of your data (${breachReference(breach.number)})`,
    text: [
      name ? `Dear ${name},` : 'Hello,',
      '',
      `we have to tell you that data about you was affected by a personal data breach at ${controller}. We are telling you because it is likely to result in a high risk to you (Art. 34 GDPR).`,
      '',
      `What happened? ${breach.title}. ${breach.description}`,
      ...(what ? ['', `Which data is affected? ${what}.`] : []),
      '',
      `What can this mean for you? ${breach.consequences || 'We are still assessing the possible consequences.'}`,
      '',
      `What are we doing? ${breach.measures || 'We have taken measures and will tell you when there is news.'}`,
      '',
      `Our data protection officer answers your questions: ${dpo}. You can also lodge a complaint with a data protection supervisory authority.`,
    ].join('\n'),
  }
}
