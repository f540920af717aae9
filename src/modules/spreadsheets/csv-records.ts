import { finished } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { TableFormatError } from './table-format-error.ts'
import { columnLetter } from './table-header.ts'

/** One parsed CSV record and the physical line it starts on (1-based). */
export interface CsvRecord {
  cells: string[]
  lineNumber: number
}

// Excel caps a cell at 32,767 characters; a record far beyond that is a quote that never closes, and the
// cap keeps such a file from being read into one field (csv-parse measures in bytes and characters).
const MAX_RECORD_MIB = 8

const LINE_BREAK = /\r\n|\r|\n/g

/**
 * Parses UTF-8 CSV bytes into records, pulling the next chunk only when the records of the previous one
 * were taken. Empty lines are skipped but counted, so line numbers are the file's. A syntax error ends
 * the records with a TableFormatError naming the line, after every record before it was delivered.
 */
export async function* csvRecords(
  chunks: AsyncIterable<Buffer>,
  delimiter: string,
): AsyncGenerator<CsvRecord> {
  const parsed: CsvRecord[] = []
  // csv-parse's own `info.lines` counts a CRLF inside quotes twice, so lines are counted here: the lines
  // the records took so far, plus the empty lines csv-parse skipped.
  let linesTaken = 0
  let failure: unknown
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_MIB * 1024 * 1024,
    // Records are collected here instead of being pushed to the stream: a stream that fails drops what it
    // buffered, and the good records before an error must reach the importer.
    on_record: (cells, context) => {
      parsed.push({ cells, lineNumber: 1 + linesTaken + context.empty_lines })
      linesTaken += 1 + lineBreaksIn(cells)
      return null
    },
  })
  parser.on('error', (error) => {
    failure ??= error
  })
  const failed = () => syntaxError(failure, 1 + linesTaken + parser.info.empty_lines)
  try {
    for await (const chunk of chunks) {
      await new Promise<void>((resolve) => {
        parser.write(chunk, (error) => {
          failure ??= error ?? undefined
          resolve()
        })
      })
      yield* parsed.splice(0)
      if (failure !== undefined) throw failed()
    }
    parser.end()
    await finished(parser, { readable: false }).catch((error: unknown) => {
      failure ??= error
    })
    yield* parsed.splice(0)
    if (failure !== undefined) throw failed()
  } finally {
    parser.destroy()
  }
}

function lineBreaksIn(cells: readonly string[]): number {
  let count = 0
  for (const cell of cells) {
    // Only quoted fields hold line breaks; the cheap test skips the regex for all others.
    if (cell.includes('\n') || cell.includes('\r')) count += cell.match(LINE_BREAK)?.length ?? 0
  }
  return count
}

/** A csv-parse error rewritten for the user: the line and column, never the field's value. */
function syntaxError(error: unknown, lineNumber: number): unknown {
  if (!(error instanceof CsvError)) return error
  const column =
    typeof error.column === 'number'
      ? ` in column ${error.column + 1} (${columnLetter(error.column + 1)})`
      : ''
  const reasons: Partial<Record<CsvError['code'], string>> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
    INVALID_OPENING_QUOTE: `a quote appears inside a field that does not start with one${column}`,
    CSV_INVALID_CLOSING_QUOTE: `a closing quote is followed by other characters${column}`,
    CSV_MAX_RECORD_SIZE: `the record is longer than ${MAX_RECORD_MIB} MiB, probably a quote that is never closed`,
  }
  const reason = reasons[error.code] ?? `the CSV cannot be parsed (${error.code})`
  return new TableFormatError(
    `CSV syntax error in the record starting at line ${lineNumber}: ${reason}`,
    lineNumber,
  )
}
