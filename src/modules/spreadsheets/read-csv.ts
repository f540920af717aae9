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
  const { lineNumber, headers } = await readHeader(records, declared !== undefined).catch(
    async (error: unknown) => {
      await records.return(undefined)
      throw error
    },
  )
  const rows = dataRows(records, headers)
  return {
    source: { format: 'csv', encoding, delimiter, headers, headerRowNumber: lineNumber },
    rows,
    close: async () => {
      await rows.return(undefined)
      await records.return(undefined)
    },
  }
}

/** The header: the first non-blank record (after Excel's `sep=` line, when there is one). */
async function readHeader(
  records: AsyncGenerator<CsvRecord>,
  skipSeparatorLine: boolean,
): Promise<{ lineNumber: number; headers: string[] }> {
  if (skipSeparatorLine) await records.next()
  for (let next = await records.next(); !next.done; next = await records.next()) {
    const { cells, lineNumber, syntaxError } = next.value
    if (syntaxError !== undefined)
      throw new TableFormatError(
        `CSV syntax error in the record starting at line ${lineNumber}: ${syntaxError}`,
        lineNumber,
      )
    if (isBlank(cells)) continue
    return {
      lineNumber,
      headers: checkHeader(cells, lineNumber, (column) => `column ${column} (${columnLetter(column)})`),
    }
  }
  throw new TableFormatError('the file has no header row')
}

async function* dataRows(
  records: AsyncGenerator<CsvRecord>,
  headers: readonly string[],
): AsyncGenerator<TableRow> {
  for await (const { cells, lineNumber, syntaxError } of records) {
    if (syntaxError !== undefined) {
      // Reported like a row that does not fit the header: the importer rejects it and goes on.
      yield {
        rowNumber: lineNumber,
        cells: cellsByName(headers, []),
        problem: `CSV syntax error: ${syntaxError}`,
      }
      continue
    }
    if (isBlank(cells)) continue
    const row: TableRow = { rowNumber: lineNumber, cells: cellsByName(headers, cells) }
    // Cells beyond the header that are empty are Excel's trailing separators, not data.
    const beyond = cells.slice(headers.length)
    if (cells.length < headers.length || beyond.some((cell) => cell.trim() !== '')) {
      row.problem = `row has ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}, the header has ${headers.length}`
    }
    yield row
  }
}
