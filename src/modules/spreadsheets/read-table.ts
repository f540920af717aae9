import { readBytes, type TableInput } from './byte-source.ts'
import { openCsv } from './read-csv.ts'
import { openXlsx } from './read-xlsx.ts'
import { TableFormatError } from './table-format-error.ts'

export type { TableInput } from './byte-source.ts'
export { TableFormatError } from './table-format-error.ts'

/** What openTable found out about a file. */
export interface TableSource {
  format: 'csv' | 'xlsx'
  /** CSV: the encoding the bytes were decoded with ('utf-8', 'utf-16le', 'utf-16be', 'windows-1252' or the caller's). */
  encoding?: string
  /** CSV: the field delimiter. */
  delimiter?: string
  /** XLSX: the worksheet read. */
  sheet?: string
  /** Column names from the header row: trimmed, non-empty, unique. */
  headers: string[]
  /** CSV line or Excel row number of the header. */
  headerRowNumber: number
}

/** One data row. Blank rows (every cell empty or whitespace) are skipped, not delivered. */
export interface TableRow {
  /** Where the row is in the file: CSV line it starts on (1-based, header counted), or Excel row number. */
  rowNumber: number
  /** Header name → cell text, untrimmed; a cell the row lacks is ''. */
  cells: Record<string, string>
  /**
   * Set when the row does not fit the header, or (CSV) is not valid CSV — then its cells are all '';
   * the row is still delivered so the importer can report it, and the rows after it follow.
   */
  problem?: string
}

/** How to read a file; everything is detected when left out. */
export interface OpenTableOptions {
  format?: 'csv' | 'xlsx'
  /** CSV without BOM: an iconv-lite encoding name; a BOM in the file wins over it. */
  encoding?: string
  /** CSV: the field delimiter. */
  delimiter?: string
  /** XLSX: the sheet to read instead of the first. */
  sheet?: string
}

/** An opened table: its header and its rows, which can be iterated once. */
export interface OpenedTable {
  source: TableSource
  /** Data rows in file order, read as they are iterated (bounded memory). */
  rows: AsyncGenerator<TableRow>
  /** Releases the file when the rows are not read to the end (breaking out of `for await` also does). */
  close(): Promise<void>
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]
// Compound File Binary: the legacy .xls format, and also any password-protected .xlsx.
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]

/**
 * Opens a CSV or XLSX file for import and reads it up to the header. Throws TableFormatError for files
 * that cannot be read as a table (unknown format, bad header, ...); a malformed record further down is a
 * row with `problem` set, and only a file that is hardly CSV at all (or a damaged workbook) fails while
 * the rows are iterated, after the rows before.
 */
export async function openTable(input: TableInput, options: OpenTableOptions = {}): Promise<OpenedTable> {
  const format = options.format ?? (await detectFormat(input))
  return format === 'xlsx' ? openXlsx(input, options.sheet) : openCsv(input, options)
}

async function detectFormat(input: TableInput): Promise<'csv' | 'xlsx'> {
  const head = await readBytes(input, 0, CFB_MAGIC.length)
  const startsWith = (magic: number[]) => magic.every((byte, index) => head[index] === byte)
  if (startsWith(ZIP_MAGIC)) return 'xlsx'
  if (startsWith(CFB_MAGIC)) {
    throw new TableFormatError(
      'this is an old Excel .xls file or a password-protected workbook: save it as .xlsx (without password) or as CSV',
    )
  }
  return 'csv'
}
