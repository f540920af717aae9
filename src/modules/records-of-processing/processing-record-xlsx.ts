import { exceljs } from '../spreadsheets/exceljs.ts'
import { neutralizeFormula } from '../spreadsheets/neutralize-formula.ts'
import type { ProcessingRecordDocument } from './processing-record-document.ts'

/** Excel's limit on a sheet name, and the characters it refuses there. */
const sheetName = (name: string) => name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31)

/**
 * The record as an XLSX workbook: a first sheet with the facts about the version and the changes,
 * then one sheet per section of Art. 30(1) with one row per entry and one column per property — the
 * form many authorities and DPOs keep the record in. Cell texts starting like a formula are
 * neutralised (they are the DPO's input).
 */
export async function processingRecordXlsx(doc: ProcessingRecordDocument): Promise<Buffer> {
  const ExcelJS = await exceljs()
  const book = new ExcelJS.Workbook()
  book.creator = 'Tresor'
  const cell = (v: string) => neutralizeFormula(v)
  const overview = book.addWorksheet(sheetName(doc.title))
  overview.columns = [{ width: 32 }, { width: 100 }]
  overview.addRow([doc.title]).font = { bold: true, size: 14 }
  for (const m of doc.meta) overview.addRow([cell(m.label), cell(m.value)])
  overview.addRow([])
  for (const p of doc.intro) overview.addRow(['', cell(p)])
  overview.addRow(['', cell(doc.disclaimer)])
  overview.addRow([])
  overview.addRow([cell(doc.changesHeading)]).font = { bold: true }
  if (doc.changes.length === 0) overview.addRow(['', cell(doc.noChanges)])
  for (const c of doc.changes) overview.addRow(['', cell(c)])
  overview.getColumn(2).alignment = { wrapText: true, vertical: 'top' }

  for (const section of doc.sections) {
    const sheet = book.addWorksheet(sheetName(section.heading))
    const labels: string[] = []
    for (const item of section.items)
      for (const r of item.rows) if (!labels.includes(r.label)) labels.push(r.label)
    sheet.columns = [{ width: 36 }, { width: 18 }, ...labels.map(() => ({ width: 40 }))]
    const header = sheet.addRow([cell(section.heading), 'key', ...labels.map(cell)])
    header.font = { bold: true }
    if (section.items.length === 0) sheet.addRow([cell(section.empty)])
    for (const item of section.items)
      sheet.addRow([
        cell(item.title),
        cell(item.key),
        ...labels.map((l) => cell(item.rows.find((r) => r.label === l)?.value ?? '')),
      ])
    sheet.views = [{ state: 'frozen', ySplit: 1 }]
    for (let c = 3; c <= labels.length + 2; c++)
      sheet.getColumn(c).alignment = { wrapText: true, vertical: 'top' }
  }
  return Buffer.from(await book.xlsx.writeBuffer())
}
