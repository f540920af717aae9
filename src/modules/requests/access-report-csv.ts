import { PassThrough } from 'node:stream'
import { type Cell, writeCsv } from '../spreadsheets/write-table.ts'
import type { AccessReport } from './access-report.ts'
import { cell } from './access-report-document.ts'

const COLUMNS = ['section', 'table', 'row', 'field', 'value', 'provided_by_you'] as const

/**
 * The data of the access report as one CSV (Art. 15(3), 20: a commonly used format), long form: one
 * line per value — the section, its table, the row number, the field and the value, and whether the
 * person provided it (Art. 20). German Excel's dialect for a German report (`;`, BOM), RFC 4180
 * otherwise; cells neutralised against formulas. The JSON is the complete copy; this holds its data.
 */
export async function accessReportCsv(report: AccessReport): Promise<Buffer> {
  const lang = report.lang
  const rows: Cell[][] = []
  const master = lang === 'de' ? 'Stammdaten' : 'Master data'
  for (const [field, value] of Object.entries(report.subject.identifiers))
    rows.push([master, 'subject', 1, field, value, true])
  for (const [field, value] of Object.entries(report.subject.attributes))
    rows.push([master, 'subject', 1, field, cell(value), true])
  for (const section of report.sections)
    for (const [i, row] of section.rows.entries())
      for (const [field, value] of Object.entries(row))
        rows.push([section.title[lang], section.table, i + 1, field, cell(value), section.providedByYou])
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await writeCsv(out, COLUMNS, rows, { dialect: lang === 'de' ? 'excel-de' : 'rfc4180' })
  return Buffer.concat(chunks)
}
