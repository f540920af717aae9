import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { lazy } from '../../platform/lazy.ts'
import { exceljs } from './exceljs.ts'
import { neutralizeFormula } from './neutralize-formula.ts'
import { waitForSheetBacklog } from './xlsx-backlog.ts'
import { isoText } from './xlsx-cell-text.ts'

export { neutralizeFormula } from './neutralize-formula.ts'

/** Loaded with the first CSV written, not with every process (issue #18). */
const csvStringify = lazy<typeof import('csv-stringify')>('csv-stringify')

/**
 * A value to export. Strings are formula-neutralised; numbers, booleans and dates are written as what they
 * are (a negative number is a number, not a formula). NaN, ±Infinity and invalid dates become empty cells.
 */
export type Cell = string | number | boolean | Date | null

/** Rows to export, pulled one at a time. */
export type CellRows = AsyncIterable<Cell[]> | Iterable<Cell[]>

/** CSV flavours: `excel-de` opens in German Excel by double-click, `rfc4180` is for programs. */
export type CsvDialect = 'excel-de' | 'rfc4180'

const DIALECTS = {
  // UTF-8 with BOM, or Excel reads the file as Windows-1252; `;` because German Excel splits on it.
  'excel-de': { bom: true, delimiter: ';' },
  rfc4180: { bom: false, delimiter: ',' },
} as const

/**
 * Writes rows as CSV to `out` and ends it, pulling rows only as fast as `out` takes them. Cells: strings
 * neutralised, numbers as `String(n)` (`1234.5` — a dot in both dialects, so the file reads back exactly;
 * German Excel may show such a number as text), booleans `true`/`false`, dates as ISO (`YYYY-MM-DD` at
 * midnight UTC). Records end with CRLF; fields are quoted only when needed. On failure `out` is destroyed.
 */
export async function writeCsv(
  out: NodeJS.WritableStream | Writable,
  columns: readonly string[],
  rows: CellRows,
  options: { dialect?: CsvDialect } = {},
): Promise<void> {
  const { bom, delimiter } = DIALECTS[options.dialect ?? 'excel-de']
  // csv-stringify stops quoting fields that hold a lone CR or LF once record_delimiter is given, unless
  // quote_record_delimiter is set; such a field would come back as two records.
  const stringifier = csvStringify().stringify({
    bom,
    delimiter,
    record_delimiter: '\r\n',
    quote_record_delimiter: true,
    eof: true,
  })
  await pipeline(Readable.from(csvRecords(columns, rows)), stringifier, out)
}

async function* csvRecords(columns: readonly string[], rows: CellRows): AsyncGenerator<string[]> {
  yield columns.map(neutralizeFormula)
  let index = 0
  for await (const row of rows) {
    checkWidth(row, columns, ++index)
    yield row.map(csvText)
  }
}

function csvText(cell: Cell): string {
  if (typeof cell === 'string') return neutralizeFormula(cell)
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : ''
  if (typeof cell === 'boolean') return String(cell)
  if (cell instanceof Date) return isoText(cell)
  return ''
}

/** Sheet XML exceljs may hold in front of the zip before row writing waits (see xlsx-backlog.ts). */
const SHEET_BACKLOG_BYTES = 4 * 1024 * 1024
const BACKLOG_CHECK_ROWS = 100
/** Excel opens at most 1,048,576 rows per sheet; the header takes one. */
export const XLSX_MAX_DATA_ROWS = 1_048_575
// A timestamp needs its own format; a date at midnight keeps exceljs's default (built-in format 14),
// which Excel shows in the reader's locale (TT.MM.JJJJ in German Excel).
const DATE_TIME_STYLE = { numFmt: 'yyyy-mm-dd hh:mm:ss' }

/**
 * Writes rows as an XLSX workbook with one sheet to `out` and ends it, in bounded memory (streaming writer,
 * inline strings, waiting while the zip lags behind). The header row is bold and frozen; numbers and
 * booleans are typed cells, dates are date cells. Strings are neutralised as in CSV although a spreadsheet
 * does not run a string cell of an XLSX file: users copy values on into other files, where it would run.
 * exceljs drops the control characters XML cannot hold (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F,
 * U+007F), and XML reads CR and CRLF back as LF (the line break Excel itself puts in cells).
 * More than XLSX_MAX_DATA_ROWS rows fail (Excel would not open them). On failure `out` is destroyed.
 */
export async function writeXlsx(
  out: Writable,
  columns: readonly string[],
  rows: CellRows,
  options: { sheetName?: string } = {},
): Promise<void> {
  let outError: unknown
  // exceljs listens for errors on `out` only once it finishes; until then an error would be unhandled.
  const noteError = (error: unknown) => {
    outError ??= error
  }
  out.on('error', noteError)
  try {
    const ExcelJS = await exceljs()
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    })
    // Shared strings would keep every distinct string in memory until the end; inline strings do not.
    const sheet = workbook.addWorksheet(options.sheetName ?? 'Export', {
      views: [{ state: 'frozen', ySplit: 1 }],
    })
    const header = sheet.addRow(columns.map(neutralizeFormula))
    header.font = { bold: true }
    header.commit()
    let index = 0
    for await (const row of rows) {
      checkWidth(row, columns, ++index)
      if (index > XLSX_MAX_DATA_ROWS)
        throw new Error(`XLSX holds at most ${XLSX_MAX_DATA_ROWS} rows below the header: export as CSV`)
      const added = sheet.addRow(row.map(xlsxValue))
      row.forEach((cell, column) => {
        if (isTimestamp(cell)) added.getCell(column + 1).style = DATE_TIME_STYLE
      })
      added.commit()
      if (outError !== undefined) throw outError
      if (index % BACKLOG_CHECK_ROWS === 0) await waitForSheetBacklog(sheet, out, SHEET_BACKLOG_BYTES)
    }
    sheet.commit()
    await workbook.commit()
    if (outError !== undefined) throw outError
  } catch (error) {
    // noteError stays attached: destroy(error) emits 'error', which must not go unhandled.
    out.destroy(error instanceof Error ? error : new Error('writing the workbook failed'))
    throw error
  }
}

function xlsxValue(cell: Cell): string | number | boolean | Date | null {
  if (typeof cell === 'string') return neutralizeFormula(cell)
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? null : cell
  return cell
}

/** A valid date that is not midnight UTC. */
function isTimestamp(cell: Cell): boolean {
  return cell instanceof Date && !Number.isNaN(cell.getTime()) && cell.getTime() % 86_400_000 !== 0
}

function checkWidth(row: readonly Cell[], columns: readonly string[], index: number): void {
  if (row.length !== columns.length) {
    throw new Error(`export row ${index} has ${row.length} cells, but there are ${columns.length} columns`)
  }
}
