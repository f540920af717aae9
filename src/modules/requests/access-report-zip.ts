import { PassThrough } from 'node:stream'
import { exceljs } from '../spreadsheets/exceljs.ts'
import { neutralizeFormula } from '../spreadsheets/neutralize-formula.ts'
import { type Cell, writeCsv } from '../spreadsheets/write-table.ts'
import type { AccessReport } from './access-report.ts'
import { cell } from './access-report-document.ts'

/** One table of the copy: a file name, its title, whether the person provided it, columns and rows. */
interface CopyTable {
  file: string
  title: string
  providedByYou: boolean
  columns: string[]
  rows: Cell[][]
}

/** The column every table carries (Art. 20): whether the person provided the row's data. */
export const PROVIDED_COLUMN = 'provided_by_you'

/**
 * The tables of the copy from the report: the master data (identifiers and attributes, one row of
 * field, value) and one table per section with its registered columns. Every row carries
 * `provided_by_you` (Art. 20): the master data and the kinds of `PROVIDED_KINDS` are what the person
 * gave or did (forms, the portal, their orders, consents, objections, requests, touchpoints they
 * made); what we derived or wrote ourselves (scores, staff notes, invoices, deals, holds, the
 * processing log) is not. The rule is the record kind's origin, the same as the report's mark.
 */
export function copyTables(report: AccessReport): CopyTable[] {
  const lang = report.lang
  const master: CopyTable = {
    file: 'subject',
    title: lang === 'de' ? 'Stammdaten' : 'Master data',
    providedByYou: true,
    columns: ['field', 'value', PROVIDED_COLUMN],
    rows: [
      ...Object.entries(report.subject.identifiers).map(([f, v]): Cell[] => [f, v, true]),
      ...Object.entries(report.subject.attributes).map(([f, v]): Cell[] => [f, cell(v), true]),
    ],
  }
  return [
    master,
    ...report.sections.map((s) => ({
      file: s.table,
      title: s.title[lang],
      providedByYou: s.providedByYou,
      columns: [...s.columns, PROVIDED_COLUMN],
      rows: s.rows.map((row): Cell[] => [...s.columns.map((c) => cell(row[c])), s.providedByYou]),
    })),
  ]
}

const README: Record<'de' | 'en', (r: AccessReport, tables: CopyTable[]) => string> = {
  de: (r, tables) =>
    [
      `Kopie Ihrer personenbezogenen Daten (Art. 15 Abs. 3 und Art. 20 DSGVO)`,
      `Erstellt am ${r.generatedAt.slice(0, 10)}${r.controller.name ? ` von ${r.controller.name}` : ''}.`,
      '',
      'Inhalt:',
      '- data.json: alle Daten und Angaben der Auskunft in einem maschinenlesbaren Format (Format "tresor-access-report/1").',
      '- data.xlsx: dieselben Daten als Arbeitsmappe, ein Blatt je Tabelle.',
      '- csv/*.csv: dieselben Daten als CSV-Dateien (UTF-8, Semikolon), eine je Tabelle.',
      '- README.txt: diese Erklärung.',
      '',
      'Was Sie uns selbst bereitgestellt haben (Art. 20 DSGVO, Recht auf Datenübertragbarkeit), ist markiert:',
      '"providedByYou": true in data.json, die Spalte "provided_by_you" = true in jeder Tabelle.',
      'Bereitgestellt sind Ihre Angaben (z. B. in Formularen, im Portal, per Brief oder Anruf) und was Sie getan haben',
      '(Bestellungen, Einwilligungen, Widersprüche, Anfragen, Besuche). Nicht bereitgestellt ist, was wir selbst',
      'abgeleitet oder geschrieben haben (Bewertungen, Notizen unserer Mitarbeiter, Rechnungen, Verarbeitungsprotokoll).',
      '',
      'Tabellen:',
      ...tables.map(
        (t) =>
          `- ${t.file}: ${t.title} (${t.rows.length} Zeilen; ${t.providedByYou ? 'von Ihnen bereitgestellt' : 'nicht von Ihnen bereitgestellt'})`,
      ),
      '',
      'Wenn Sie möchten, dass wir diese Daten direkt an einen anderen Verantwortlichen übermitteln (Art. 20 Abs. 2 DSGVO), teilen Sie uns das bitte mit.',
    ].join('\r\n'),
  en: (r, tables) =>
    [
      `Copy of your personal data (Art. 15(3) and Art. 20 GDPR)`,
      `Generated on ${r.generatedAt.slice(0, 10)}${r.controller.name ? ` by ${r.controller.name}` : ''}.`,
      '',
      'Contents:',
      '- data.json: all data and information of the access report in a machine-readable format (format "tresor-access-report/1").',
      '- data.xlsx: the same data as a workbook, one sheet per table.',
      '- csv/*.csv: the same data as CSV files (UTF-8, comma), one per table.',
      '- README.txt: this explanation.',
      '',
      'What you provided to us yourself (Art. 20 GDPR, the right to data portability) is marked:',
      '"providedByYou": true in data.json, the column "provided_by_you" = true in every table.',
      'Provided is what you gave us (in forms, the portal, by letter or call) and what you did (orders, consents,',
      'objections, requests, visits). Not provided is what we derived or wrote ourselves (scores, our staff notes,',
      'invoices, the processing log).',
      '',
      'Tables:',
      ...tables.map(
        (t) =>
          `- ${t.file}: ${t.title} (${t.rows.length} rows; ${t.providedByYou ? 'provided by you' : 'not provided by you'})`,
      ),
      '',
      'If you want us to send this data directly to another controller (Art. 20(2) GDPR), please tell us.',
    ].join('\r\n'),
}

async function csvOf(table: CopyTable, lang: 'de' | 'en'): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await writeCsv(out, table.columns, table.rows, { dialect: lang === 'de' ? 'excel-de' : 'rfc4180' })
  return Buffer.concat(chunks)
}

/** Excel's sheet names: at most 31 characters, none of []:*?/\, unique. */
function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31)
  let candidate = base
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 28)}_${i}`
  taken.add(candidate.toLowerCase())
  return candidate
}

async function xlsxOf(tables: CopyTable[]): Promise<Buffer> {
  const ExcelJS = await exceljs()
  const workbook = new ExcelJS.Workbook()
  const taken = new Set<string>()
  for (const table of tables) {
    const sheet = workbook.addWorksheet(sheetName(table.file, taken), {
      views: [{ state: 'frozen', ySplit: 1 }],
    })
    sheet.addRow(table.columns.map(neutralizeFormula)).font = { bold: true }
    for (const row of table.rows)
      sheet.addRow(row.map((c) => (typeof c === 'string' ? neutralizeFormula(c) : c)))
  }
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/**
 * The copy of the data (Art. 15(3)) and its portable part (Art. 20) as one zip: `data.json` (the
 * report as given, with the `providedByYou` marks), `data.xlsx` (a sheet per table), `csv/<table>.csv`
 * (German Excel's dialect for a German report, RFC 4180 otherwise) and `README.txt` in the report's
 * language explaining the files and the Art. 20 mark.
 */
export async function accessReportZip(report: AccessReport): Promise<Buffer> {
  const tables = copyTables(report)
  const date = new Date(report.generatedAt)
  // archiver on first use, like exceljs (see spreadsheets/exceljs.ts).
  const { ZipArchive } = await import('archiver')
  const zip = new ZipArchive({ zlib: { level: 9 } })
  const chunks: Buffer[] = []
  zip.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<void>((resolve, reject) => {
    zip.on('end', () => resolve())
    zip.on('error', reject)
  })
  zip.append(README[report.lang](report, tables), { name: 'README.txt', date })
  zip.append(JSON.stringify(report, null, 2), { name: 'data.json', date })
  zip.append(await xlsxOf(tables), { name: 'data.xlsx', date })
  for (const table of tables)
    zip.append(await csvOf(table, report.lang), { name: `csv/${table.file}.csv`, date })
  await zip.finalize()
  await done
  return Buffer.concat(chunks)
}
