import { finished } from 'node:stream/promises'
import type { CsvError, Parser } from 'csv-parse'
import { lazy } from '../../platform/lazy.ts'
import { TableFormatError } from './table-format-error.ts'
import { columnLetter } from './table-header.ts'

/** Loaded with the first CSV read, not with every process (issue #18). */
const csvParse = lazy<typeof import('csv-parse')>('csv-parse')

/** One parsed CSV record and the physical line it starts on (1-based). */
export interface CsvRecord {
  cells: string[]
  lineNumber: number
  /** Set when the record is not valid CSV: why, naming the column but never a value; `cells` is empty. */
  syntaxError?: string
}

// Excel caps a cell at 32,767 characters; a record far beyond that is a quote that never closes, and the
// cap keeps such a file from being read into one field (csv-parse measures in bytes and characters).
const MAX_RECORD_MIB = 8

/** Malformed records reported before the file is given up on as not CSV (wrong delimiter or encoding). */
const MAX_MALFORMED = 1_000

const LINE_BREAK = /\r\n|\r|\n/g
const CR = 0x0d
const LF = 0x0a

/**
 * Parses UTF-8 CSV bytes into records, pulling the next chunk only when the records of the previous one
 * were taken. Empty lines are skipped but counted, so line numbers are the file's. A record that is not
 * valid CSV (a quote inside an unquoted field, a closing quote followed by text, a quote that never
 * closes) comes as a record with `syntaxError` set, and reading goes on with the line after the one it starts
 * on: whatever a stray quote swallowed is read again, so one bad record costs no good one.
 */
export async function* csvRecords(
  chunks: AsyncIterable<Buffer>,
  delimiter: string,
): AsyncGenerator<CsvRecord> {
  const reader = new CsvReader(delimiter)
  const failureOf = (work: Promise<void>) =>
    work.then(
      () => undefined,
      (error: unknown) => ({ error }),
    )
  try {
    for await (const chunk of chunks) {
      const failed = await failureOf(reader.write(chunk))
      // the records before a failure first
      yield* reader.take()
      if (failed) throw failed.error
    }
    const failed = await failureOf(reader.end())
    yield* reader.take()
    if (failed) throw failed.error
  } finally {
    reader.destroy()
  }
}

/**
 * csv-parse in strict mode, restarted after each malformed record. (Its `skip_records_with_error` goes on
 * inside the broken record instead: a stray quote then opens a quoted field that swallows the lines after
 * it, and `relax_quotes` reads the broken record as if it were good.) To restart, the bytes from the end
 * of the last good record on are kept; they are one record, or a chunk, long except after a quote that
 * never closes, where they are at most MAX_RECORD_MIB.
 */
class CsvReader {
  readonly #delimiter: string
  #parser: Parser
  #failure: unknown
  readonly #records: CsvRecord[] = []
  /** The line the current parser's input starts on. */
  #startLine = 1
  /** Lines the records of the current parser took so far (csv-parse's own count is off for quoted CRLF). */
  #linesTaken = 0
  /** The line after the last record delivered. */
  #nextLine = 1
  /** The bytes given to the current parser from the end of its last record on, and where they start. */
  #held: Buffer[] = []
  #heldFrom = 0
  /** Offset in the current parser's input right after its last record. */
  #recordEnd = 0
  /** Dropping the rest of a malformed record's first line, which has not ended yet. */
  #skippingLine = false
  /** The line dropped ended in a CR at the end of the bytes so far: a LF that follows is part of it. */
  #skipLf = false
  #malformed = 0
  #firstMalformed: number | undefined

  constructor(delimiter: string) {
    this.#delimiter = delimiter
    this.#parser = this.#newParser()
  }

  #newParser(): Parser {
    const parser = csvParse().parse({
      delimiter: this.#delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_MIB * 1024 * 1024,
      // Records are collected here instead of being pushed to the stream: a stream that fails drops what
      // it buffered, and the good records before an error must reach the importer.
      on_record: (cells, context) => {
        const lineNumber = this.#startLine + this.#linesTaken + context.empty_lines
        const breaks = lineBreaksIn(cells)
        this.#records.push({ cells, lineNumber })
        this.#linesTaken += 1 + breaks
        this.#nextLine = lineNumber + 1 + breaks
        this.#recordEnd = context.bytes
        return null
      },
    })
    parser.on('error', (error) => {
      this.#failure ??= error
    })
    return parser
  }

  /** Parses the next chunk; its records (good and malformed) are then `take`n. */
  write(chunk: Buffer): Promise<void> {
    return this.#feed(chunk)
  }

  /** Parses what is left once the input has ended. */
  async end(): Promise<void> {
    for (;;) {
      this.#parser.end()
      await finished(this.#parser, { readable: false }).catch((error: unknown) => {
        this.#failure ??= error
      })
      if (this.#failure === undefined) return
      const rest = this.#recover(true)
      if (rest.length > 0) await this.#feed(rest)
    }
  }

  /** The records parsed since the last call, in file order. */
  take(): CsvRecord[] {
    return this.#records.splice(0)
  }

  destroy(): void {
    this.#parser.destroy()
  }

  async #feed(bytes: Buffer): Promise<void> {
    let rest = this.#dropSkippedLine(bytes)
    while (rest.length > 0) {
      this.#held.push(rest)
      await new Promise<void>((resolve) => {
        this.#parser.write(rest, (error) => {
          this.#failure ??= error ?? undefined
          resolve()
        })
      })
      if (this.#failure === undefined) {
        this.#releaseHeld()
        return
      }
      rest = this.#dropSkippedLine(this.#recover(false))
    }
  }

  /** Forgets the held bytes of records already delivered. */
  #releaseHeld(): void {
    for (let first = this.#held[0]; first && this.#heldFrom + first.length <= this.#recordEnd; ) {
      this.#heldFrom += first.length
      this.#held.shift()
      first = this.#held[0]
    }
  }

  /**
   * After csv-parse failed: reports the record it failed in at the line it starts on, starts a fresh
   * parser with the line after it, and returns the bytes the old one had got from that line on.
   */
  #recover(ended: boolean): Buffer {
    const failure = this.#failure
    if (!(failure instanceof csvParse().CsvError)) throw failure
    const tail = Buffer.concat(this.#held).subarray(this.#recordEnd - this.#heldFrom)
    // csv-parse skips empty lines before a record: so does the line count here.
    let at = 0
    let line = this.#nextLine
    for (; at < tail.length && (tail[at] === CR || tail[at] === LF); line++)
      at += tail[at] === CR && tail[at + 1] === LF ? 2 : 1
    this.#firstMalformed ??= line
    if (++this.#malformed > MAX_MALFORMED)
      throw new TableFormatError(
        `more than ${MAX_MALFORMED.toLocaleString('en')} records are not valid CSV (the first at line ${this.#firstMalformed}): is the delimiter or the encoding wrong?`,
        line,
      )
    this.#records.push({ cells: [], lineNumber: line, syntaxError: reasonOf(failure) })

    this.#parser.destroy()
    this.#failure = undefined
    this.#parser = this.#newParser()
    this.#startLine = line + 1
    this.#nextLine = line + 1
    this.#linesTaken = 0
    this.#held = []
    this.#heldFrom = 0
    this.#recordEnd = 0
    let end = at
    while (end < tail.length && tail[end] !== CR && tail[end] !== LF) end++
    if (end === tail.length) {
      // the line goes on in bytes not read yet
      this.#skippingLine = !ended
      return Buffer.alloc(0)
    }
    if (tail[end] === CR && end + 1 === tail.length) this.#skipLf = !ended
    return tail.subarray(end + (tail[end] === CR && tail[end + 1] === LF ? 2 : 1))
  }

  /** The bytes after the rest of a malformed record's first line, when it is being dropped. */
  #dropSkippedLine(bytes: Buffer): Buffer {
    let rest = bytes
    if (this.#skipLf && rest.length > 0) {
      this.#skipLf = false
      if (rest[0] === LF) rest = rest.subarray(1)
    }
    if (!this.#skippingLine) return rest
    let end = 0
    while (end < rest.length && rest[end] !== CR && rest[end] !== LF) end++
    if (end === rest.length) return Buffer.alloc(0)
    this.#skippingLine = false
    if (rest[end] === CR && end + 1 === rest.length) {
      this.#skipLf = true
      return Buffer.alloc(0)
    }
    return rest.subarray(end + (rest[end] === CR && rest[end + 1] === LF ? 2 : 1))
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

/** What is wrong with a record, for the user: the column, never the field's value. */
function reasonOf(error: CsvError): string {
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
  return reasons[error.code] ?? `the CSV cannot be parsed (${error.code})`
}
