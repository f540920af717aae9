import type { Lang } from '../forms/client-info.ts'
import { esc } from '../forms/form-page.ts'
import type { AccessReport } from './access-report.ts'

/** One table of the readable report: headings and rows of text. */
export interface DocTable {
  columns: string[]
  rows: string[][]
}

/** One block of the readable report: a heading, paragraphs, and optionally a table. */
export interface DocBlock {
  heading: string
  paragraphs: string[]
  table?: DocTable
}

/** The access report in one language as text blocks: what the HTML and the PDF render. */
export interface AccessReportDocument {
  lang: Lang
  title: string
  meta: { label: string; value: string }[]
  blocks: DocBlock[]
}

const T = {
  de: {
    title: 'Auskunft über Ihre personenbezogenen Daten (Art. 15 DSGVO)',
    generated: 'Erstellt am',
    controller: 'Verantwortlicher',
    dpo: 'Datenschutzbeauftragte(r)',
    request: 'Ihre Anfrage',
    received: 'eingegangen am',
    intro:
      'Dieser Bericht enthält alle Daten, die wir über Sie gespeichert haben, wofür und auf welcher Rechtsgrundlage wir sie verarbeiten, an wen wir sie weitergegeben haben, wie lange wir sie aufbewahren, woher sie stammen und welche Rechte Sie haben. Die maschinenlesbare Kopie (JSON) enthält dieselben Daten; was Sie selbst bereitgestellt haben, ist dort gekennzeichnet (Art. 20 DSGVO).',
    master: 'Stammdaten',
    kinds: 'Art der Beziehung',
    since: 'Gespeichert seit',
    field: 'Angabe',
    value: 'Wert',
    provided: 'von Ihnen bereitgestellt',
    categories: 'Datenkategorien und Zwecke',
    category: 'Kategorie',
    fields: 'Angaben',
    purposes: 'Zwecke',
    none: '(keine)',
    withheldField: 'nicht ausgegeben',
    rows: (n: number) => `${n} Einträge`,
    truncated:
      'Es sind weitere, ältere Einträge gespeichert; die maschinenlesbare Kopie nennt ihre Zahl nicht. Fragen Sie uns nach allen.',
    withheld: (n: number, why: string) => `${n} Einträge werden nicht gezeigt: ${why}`,
    retention: 'Aufbewahrung',
    purposesTitle: 'Zwecke und Rechtsgrundlagen',
    purpose: 'Zweck',
    basis: 'Rechtsgrundlage',
    consent: 'Ihre Einwilligung',
    consentYes: 'erteilt',
    consentNo: 'nicht erteilt',
    recipients: 'Empfänger',
    when: 'Wann',
    recipient: 'Empfänger',
    country: 'Land',
    retentionTitle: 'Wie lange wir Ihre Daten aufbewahren',
    rule: 'Regel',
    period: 'Frist',
    sources: 'Herkunft der Daten',
    what: 'Daten',
    source: 'Herkunft',
    profiling: 'Profilbildung und Bewertungen',
    rights: 'Ihre Rechte',
    article: 'Artikel',
    right: 'Recht',
    omitted: 'Nicht gezeigt (technische Schlüssel)',
    contactUs: 'Fragen zu diesem Bericht richten Sie bitte an unsere(n) Datenschutzbeauftragte(n).',
  },
  en: {
    title: 'Access to your personal data (Art. 15 GDPR)',
    generated: 'Generated on',
    controller: 'Controller',
    dpo: 'Data protection officer',
    request: 'Your request',
    received: 'received on',
    intro:
      'This report holds all data we keep about you, what for and on which legal basis we process it, to whom we disclosed it, how long we keep it, where it came from and which rights you have. The machine-readable copy (JSON) holds the same data; what you provided yourself is marked there (Art. 20 GDPR).',
    master: 'Master data',
    kinds: 'Relationship',
    since: 'Stored since',
    field: 'Field',
    value: 'Value',
    provided: 'provided by you',
    categories: 'Categories of data and purposes',
    category: 'Category',
    fields: 'Fields',
    purposes: 'Purposes',
    none: '(none)',
    withheldField: 'not handed out',
    rows: (n: number) => `${n} entries`,
    truncated: 'More, older entries are stored; ask us for all of them.',
    withheld: (n: number, why: string) => `${n} entries are not shown: ${why}`,
    retention: 'Retention',
    purposesTitle: 'Purposes and legal bases',
    purpose: 'Purpose',
    basis: 'Legal basis',
    consent: 'Your consent',
    consentYes: 'given',
    consentNo: 'not given',
    recipients: 'Recipients',
    when: 'When',
    recipient: 'Recipient',
    country: 'Country',
    retentionTitle: 'How long we keep your data',
    rule: 'Rule',
    period: 'Period',
    sources: 'Where the data came from',
    what: 'Data',
    source: 'Source',
    profiling: 'Profiling and scores',
    rights: 'Your rights',
    article: 'Article',
    right: 'Right',
    omitted: 'Not shown (technical keys)',
    contactUs: 'Please send questions about this report to our data protection officer.',
  },
} as const

/** Words for the columns the registry names; others are shown as their name. */
const COLUMN_LABELS: Record<string, { de: string; en: string }> = {
  kind: { de: 'Art', en: 'Kind' },
  type: { de: 'Typ', en: 'Type' },
  channel: { de: 'Kanal', en: 'Channel' },
  occurred_at: { de: 'Zeitpunkt', en: 'When' },
  created_at: { de: 'Angelegt', en: 'Created' },
  updated_at: { de: 'Geändert', en: 'Changed' },
  purpose_key: { de: 'Zweck', en: 'Purpose' },
  purpose: { de: 'Zweck', en: 'Purpose' },
  legal_basis: { de: 'Rechtsgrundlage', en: 'Legal basis' },
  properties: { de: 'Details', en: 'Details' },
  source: { de: 'Herkunft', en: 'Source' },
  status: { de: 'Status', en: 'Status' },
  order_number: { de: 'Bestellnummer', en: 'Order number' },
  ordered_at: { de: 'Bestellt am', en: 'Ordered' },
  currency: { de: 'Währung', en: 'Currency' },
  total_cents: { de: 'Summe (Cent)', en: 'Total (cents)' },
  amount_cents: { de: 'Betrag (Cent)', en: 'Amount (cents)' },
  item_count: { de: 'Artikel', en: 'Items' },
  payment_method: { de: 'Zahlart', en: 'Payment' },
  invoice_number: { de: 'Rechnungsnummer', en: 'Invoice number' },
  issued_at: { de: 'Ausgestellt', en: 'Issued' },
  due_on: { de: 'Fällig', en: 'Due' },
  paid_at: { de: 'Bezahlt', en: 'Paid' },
  sealed_text: { de: 'Text', en: 'Text' },
  done_at: { de: 'Erledigt', en: 'Done' },
  proof: { de: 'Nachweis', en: 'Proof' },
  granted_at: { de: 'Erteilt', en: 'Given' },
  confirmed_at: { de: 'Bestätigt', en: 'Confirmed' },
  withdrawn_at: { de: 'Widerrufen', en: 'Withdrawn' },
  expires_at: { de: 'Gültig bis', en: 'Expires' },
  scope: { de: 'Umfang', en: 'Scope' },
  action: { de: 'Handlung', en: 'Action' },
  reference: { de: 'Referenz', en: 'Reference' },
  received_at: { de: 'Eingegangen', en: 'Received' },
  due_at: { de: 'Frist', en: 'Due' },
  details_sealed: { de: 'Ihr Text', en: 'Your text' },
  at: { de: 'Zeitpunkt', en: 'When' },
  fields: { de: 'Angaben', en: 'Fields' },
  actor_type: { de: 'Wer', en: 'Who' },
  ground: { de: 'Grund', en: 'Ground' },
  reason: { de: 'Begründung', en: 'Reason' },
  until: { de: 'Bis', en: 'Until' },
  title: { de: 'Titel', en: 'Title' },
  lines: { de: 'Positionen', en: 'Lines' },
}

/** A value as a line of text (objects as compact JSON). */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ')
  return JSON.stringify(value)
}

/** The readable report in its language (Art. 12(1): concise, intelligible, clear and plain language). */
export function accessReportDocument(report: AccessReport): AccessReportDocument {
  const lang = report.lang
  const t = T[lang]
  const purposeName = new Map(report.purposes.map((p) => [p.key, p.name[lang]]))
  const names = (keys: readonly string[]) =>
    keys.length ? keys.map((k) => purposeName.get(k) ?? k).join(', ') : t.none
  const label = (c: string) => COLUMN_LABELS[c]?.[lang] ?? c
  const fieldLabel = (f: string) => report.fieldLabels?.[f]?.[lang] ?? f
  const meta: AccessReportDocument['meta'] = [
    { label: t.generated, value: report.generatedAt.slice(0, 10) },
    {
      label: t.controller,
      value: [report.controller.name, report.controller.address].filter(Boolean).join(', ') || t.none,
    },
    {
      label: t.dpo,
      value:
        [report.controller.dpo.name, report.controller.dpo.email, report.controller.dpo.address]
          .filter(Boolean)
          .join(', ') || t.none,
    },
  ]
  if (report.request)
    meta.push({
      label: t.request,
      value: `${report.request.kind}, ${t.received} ${report.request.receivedAt.slice(0, 10)}`,
    })
  const blocks: DocBlock[] = [{ heading: t.title, paragraphs: [t.intro] }]
  const s = report.subject
  blocks.push({
    heading: `${t.master} (${t.provided})`,
    paragraphs: [],
    table: {
      columns: [t.field, t.value],
      rows: [
        ...Object.entries(s.identifiers).map(([k, v]) => [fieldLabel(k), v]),
        ...Object.entries(s.attributes).map(([k, v]) => [fieldLabel(k), cell(v)]),
        [t.kinds, s.kinds.join(', ')],
        [t.source, s.source],
        [t.since, s.createdAt.slice(0, 10)],
        ...s.withheld.map((w) => [fieldLabel(w.field), `${t.withheldField} (${w.rule})`]),
      ],
    },
  })
  blocks.push({
    heading: t.categories,
    paragraphs: [],
    table: {
      columns: [t.category, t.fields, t.purposes],
      rows: s.categories.map((c) => [c.category, c.fields.map(fieldLabel).join(', '), names(c.purposes)]),
    },
  })
  for (const section of report.sections) {
    if (section.rows.length === 0 && !section.withheld) continue
    const paragraphs = [
      `${t.rows(section.rows.length)}${section.providedByYou ? ` · ${t.provided}` : ''} · ${t.purposes}: ${names(section.purposes)}${section.retention.length ? ` · ${t.retention}: ${section.retention.join(', ')}` : ''}`,
    ]
    if (section.truncated) paragraphs.push(t.truncated)
    if (section.withheld) paragraphs.push(t.withheld(section.withheld.count, section.withheld.reason))
    blocks.push({
      heading: section.title[lang],
      paragraphs,
      table: {
        columns: section.columns
          .map(label)
          .concat(section.table === 'customer_order' ? [label('lines')] : []),
        rows: section.rows.map((r) =>
          section.columns
            .map((c) => cell(r[c]))
            .concat(section.table === 'customer_order' ? [cell(r.lines)] : []),
        ),
      },
    })
  }
  blocks.push({
    heading: t.purposesTitle,
    paragraphs: [],
    table: {
      columns: [t.purpose, t.basis, t.category, t.consent],
      rows: report.purposes
        .filter((p) => p.appliesToYou !== false)
        .map((p) => [
          `${p.name[lang]}: ${p.description[lang]}`,
          p.legalBasisText[lang],
          p.categories.join(', '),
          p.consentInForce === null ? '' : p.consentInForce ? t.consentYes : t.consentNo,
        ]),
    },
  })
  blocks.push({
    heading: t.recipients,
    paragraphs: [report.recipients.statement[lang]],
    ...(report.recipients.disclosures.length
      ? {
          table: {
            columns: [t.when, t.recipient, t.country, t.purpose, t.fields],
            rows: report.recipients.disclosures.map((d) => [
              d.at.slice(0, 10),
              `${d.recipient.name} (${d.recipient.role})`,
              `${d.recipient.country} (${d.recipient.safeguard})`,
              purposeName.get(d.purpose) ?? d.purpose,
              d.fields.join(', '),
            ]),
          },
        }
      : {}),
  })
  blocks.push({
    heading: t.retentionTitle,
    paragraphs: [],
    table: {
      columns: [t.rule, t.period, t.what],
      rows: report.retention.map((r) => [`${r.name[lang]}: ${r.rule[lang]}`, r.period, r.recordKind ?? '']),
    },
  })
  blocks.push({
    heading: t.sources,
    paragraphs: [],
    table: { columns: [t.what, t.source], rows: report.sources.map((x) => [x.what[lang], x.text[lang]]) },
  })
  blocks.push({
    heading: t.profiling,
    paragraphs: [
      report.profiling.statement[lang],
      ...report.profiling.scores.map((sc) => explainScoreText(sc, lang)),
    ],
  })
  blocks.push({
    heading: t.rights,
    paragraphs: [t.contactUs],
    table: { columns: [t.article, t.right], rows: report.rights.map((r) => [r.article, r.text[lang]]) },
  })
  if (report.omitted.length)
    blocks.push({ heading: t.omitted, paragraphs: report.omitted.map((o) => `${o.table}: ${o.why}`) })
  return { lang, title: t.title, meta, blocks }
}

/** One score with its explanation, in a paragraph (Art. 15(1)(h)). */
function explainScoreText(score: unknown, lang: Lang): string {
  const s = score as {
    title?: { de: string; en: string }
    value?: unknown
    band?: unknown
    explanation?: {
      meaning?: { de: string; en: string }
      model?: { name?: string; description?: { de: string; en: string } }
    }
  }
  const parts = [
    `${s.title?.[lang] ?? ''}: ${cell(s.value)}${s.band ? ` (${cell(s.band)})` : ''}`,
    s.explanation?.meaning?.[lang],
    s.explanation?.model?.description?.[lang],
  ]
  return parts.filter(Boolean).join(' — ')
}

/** The report as one HTML page (no script, nothing loaded from elsewhere; printable). */
export function accessReportHtml(doc: AccessReportDocument): string {
  const table = (t: DocTable) =>
    `<table><thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${t.rows
      .map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`
  return `<!doctype html><html lang="${doc.lang}"><head><meta charset="utf-8"><title>${esc(doc.title)}</title>
<style>body{font-family:system-ui,sans-serif;line-height:1.45;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f3f3f3}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}h2{margin-top:2rem;font-size:1.15rem}</style></head>
<body><h1>${esc(doc.title)}</h1><dl>${doc.meta.map((m) => `<dt>${esc(m.label)}</dt><dd>${esc(m.value)}</dd>`).join('')}</dl>
${doc.blocks[0] ? doc.blocks[0].paragraphs.map((p) => `<p>${esc(p)}</p>`).join('') : ''}
${doc.blocks
  .slice(1)
  .map(
    (b) =>
      `<section><h2>${esc(b.heading)}</h2>${b.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}${b.table ? table(b.table) : ''}</section>`,
  )
  .join('\n')}
</body></html>`
}
