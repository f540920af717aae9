import type { Readable } from 'node:stream'
import { byteStream, type TableInput } from './byte-source.ts'
import { exceljs } from './exceljs.ts'
import type { OpenedTable, TableRow } from './read-table.ts'
import { TableFormatError } from './table-format-error.ts'
import { cellsByName, checkHeader, columnLetter, isBlank } from './table-header.ts'
import { xlsxCellText } from './xlsx-cell-text.ts'

interface SheetRow {
  sheet: string
  rowNumber: number
  texts: string[]
}

/** Opens an XLSX workbook: the named sheet or the first one, header = its first non-empty row. */
export async function openXlsx(input: TableInput, sheet: string | undefined): Promise<OpenedTable> {
  const bytes = byteStream(input)
  let readError: unknown
  // The reader pipes this stream without listening for its errors; without a listener one would crash the process.
  bytes.on('error', (error) => {
    readError ??= error
  })
  const sheetRows = nonBlankRows(bytes, sheet, () => readError)
  const closeAll = async () => {
    await sheetRows.return(undefined)
    bytes.destroy()
  }
  const first = await sheetRows.next().catch(async (error: unknown) => {
    await closeAll()
    throw error
  })
  if (first.done) {
    await closeAll()
    throw new TableFormatError('the sheet has no header row')
  }
  const { sheet: sheetName, rowNumber, texts } = first.value
  const width = texts.findLastIndex((text) => text.trim() !== '') + 1
  let headers: string[]
  try {
    headers = checkHeader(texts.slice(0, width), rowNumber, (column) => `column ${columnLetter(column)}`)
  } catch (error) {
    await closeAll()
    throw error
  }
  const rows = dataRows(sheetRows, headers)
  return {
    source: { format: 'xlsx', sheet: sheetName, headers, headerRowNumber: rowNumber },
    rows,
    close: async () => {
      await rows.return(undefined)
      await closeAll()
    },
  }
}

async function* dataRows(
  sheetRows: AsyncGenerator<SheetRow>,
  headers: readonly string[],
): AsyncGenerator<TableRow> {
  for await (const { rowNumber, texts } of sheetRows) {
    const row: TableRow = { rowNumber, cells: cellsByName(headers, texts) }
    const beyond = texts.findLastIndex((text) => text.trim() !== '') + 1
    if (beyond > headers.length) {
      row.problem = `row has a value in column ${columnLetter(beyond)}, right of the header's last column (${columnLetter(headers.length)})`
    }
    yield row
  }
}

/** The non-blank rows of the wanted sheet, with Excel's row numbers and cell texts. */
async function* nonBlankRows(
  bytes: Readable,
  wanted: string | undefined,
  readError: () => unknown,
): AsyncGenerator<SheetRow> {
  // styles: 'cache' is what turns date-formatted numbers into Dates; hyperlinks stay their text.
  const ExcelJS = await exceljs()
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(bytes, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  })
  const skipped: string[] = []
  try {
    for await (const worksheet of workbook) {
      const name = stringProperty(worksheet, 'name') ?? ''
      if (wanted === undefined ? !isFirstSheet(workbook, name) : name !== wanted) {
        skipped.push(name)
        for await (const _row of worksheet) {
          // Read through the sheet: the reader only moves on to the next one after it.
        }
        continue
      }
      const date1904 = usesDate1904(workbook)
      let previous = 0
      for await (const row of worksheet) {
        // Writers may leave out the row number attribute (it is optional); such a row follows the last.
        const rowNumber = Number.isInteger(row.number) && row.number > 0 ? row.number : previous + 1
        previous = rowNumber
        const texts: string[] = []
        row.eachCell((cell, column) => {
          texts[column - 1] = xlsxCellText(cell.value, cell.numFmt, date1904)
        })
        const dense = Array.from(texts, (text) => text ?? '')
        if (!isBlank(dense)) yield { sheet: name, rowNumber, texts: dense }
      }
      return
    }
  } catch (error) {
    if (error instanceof TableFormatError) throw error
    if (readError() !== undefined) throw readError()
    // exceljs and its zip and XML parsers may quote file content in their messages; none of it is passed on.
    throw new TableFormatError('the file is damaged or not an XLSX workbook')
  }
  if (readError() !== undefined) throw readError()
  const names = skipped.map((name) => `"${name}"`).join(', ')
  if (wanted !== undefined)
    throw new TableFormatError(`the workbook has no sheet named "${wanted}" (it has ${names || 'none'})`)
  // Sheets were emitted but none is first in tab order: the first tab is a chart sheet, for instance.
  if (names)
    throw new TableFormatError(`the first tab is not a worksheet: name the sheet to read (it has ${names})`)
  throw new TableFormatError('the workbook has no worksheet')
}

/**
 * True when `name` is the first sheet in the workbook's tab order. The streaming reader emits sheets in
 * the order of their files in the zip, which need not be the tab order; the order is known once
 * xl/workbook.xml was read, and when it is not, the first sheet emitted counts as the first.
 */
function isFirstSheet(workbook: object, name: string): boolean {
  const model: unknown = Reflect.get(workbook, 'model')
  const sheets: unknown =
    typeof model === 'object' && model !== null ? Reflect.get(model, 'sheets') : undefined
  const first: unknown = Array.isArray(sheets) ? sheets[0] : undefined
  const firstName = typeof first === 'object' && first !== null ? stringProperty(first, 'name') : undefined
  return firstName === undefined || firstName === name
}

function usesDate1904(workbook: object): boolean {
  const properties: unknown = Reflect.get(workbook, 'properties')
  const model: unknown =
    typeof properties === 'object' && properties !== null ? Reflect.get(properties, 'model') : undefined
  return typeof model === 'object' && model !== null && Reflect.get(model, 'date1904') === true
}

function stringProperty(target: object, key: string): string | undefined {
  const value: unknown = Reflect.get(target, key)
  return typeof value === 'string' ? value : undefined
}
