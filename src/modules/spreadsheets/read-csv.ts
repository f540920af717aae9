import { byteChunks, readBytes, type TableInput } from './byte-source.ts'
import { type CsvRecord, csvRecords } from './csv-records.ts'
import { detectDelimiter } from './detect-delimiter.ts'
import type { OpenedTable, OpenTableOptions, TableRow } from './read-table.ts'
import { TableFormatError } from './table-format-error.ts'
import { cellsByName, checkHeader, columnLetter, isBlank } from './table-header.ts'
import { byteOrderMark, decodeBytes, guessEncoding, namedEncoding, toUtf8 } from './text-encoding.ts'

/** How much of the file start the delimiter is detected from. */
const SAMPLE_BYTES = 64 * 1024

/** Excel's optional first line naming the delimiter, e.g. `sep=;`. */
const SEPARATOR_LINE = /^sep=(.)\r?\n/

/** Opens a CSV file: works out encoding and delimiter, reads up to the header, streams the rest. */
export async function openCsv(input: TableInput, options: OpenTableOptions): Promise<OpenedTable> {
  const head = await readBytes(input, 0, SAMPLE_BYTES)
  const mark = byteOrderMark(head)
  const start = mark?.length ?? 0
  // A BOM wins over the caller's encoding: its bytes read as anything else are garbage in the first header.
  const encoding =
    mark?.encoding ??
    (options.encoding !== undefined ? namedEncoding(options.encoding) : await guessEncoding(input, start))
  const sample = decodeBytes(head.subarray(start), encoding)
  const declared = SEPARATOR_LINE.exec(sample)?.[1]
  const delimiter = options.delimiter ?? declared ?? detectDelimiter(sample, head.length < SAMPLE_BYTES)
  if (delimiter === '' || /["\r\n]/.test(delimiter))
    throw new TableFormatError('the delimiter cannot be empty, a quote or a line break')

  const records = csvRecords(toUtf8(byteChunks(input, start), encoding), delimiter)
  if (declared !== undefined) await records.next()
  const header = await firstNonBlank(records)
  if (!header) {
    await records.return(undefined)
    throw new TableFormatError('the file has no header row')
  }
  const headers = checkHeader(
    header.cells,
    header.lineNumber,
    (column) => `column ${column} (${columnLetter(column)})`,
  )
  const rows = dataRows(records, headers)
  return {
    source: { format: 'csv', encoding, delimiter, headers, headerRowNumber: header.lineNumber },
    rows,
    close: async () => {
      await rows.return(undefined)
      await records.return(undefined)
    },
  }
}

async function firstNonBlank(records: AsyncGenerator<CsvRecord>): Promise<CsvRecord | undefined> {
  for (let next = await records.next(); !next.done; next = await records.next()) {
    if (!isBlank(next.value.cells)) return next.value
  }
  return undefined
}

async function* dataRows(
  records: AsyncGenerator<CsvRecord>,
  headers: readonly string[],
): AsyncGenerator<TableRow> {
  for await (const { cells, lineNumber } of records) {
    if (isBlank(cells)) continue
    const row: TableRow = { rowNumber: lineNumber, cells: cellsByName(headers, cells) }
    if (cells.length !== headers.length) {
      row.problem = `row has ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}, the header has ${headers.length}`
    }
    yield row
  }
}
