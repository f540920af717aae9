import { TableFormatError } from './table-format-error.ts'

/** Spreadsheet letters of a 1-based column number: 1 → A, 27 → AA. */
export function columnLetter(column: number): string {
  let letters = ''
  for (let rest = column; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters
  }
  return letters
}

/** How an error message names a column, e.g. "column 3 (C)". */
export type ColumnName = (column: number) => string

/**
 * Trims the header names and rejects a header the importer could not map unambiguously: an empty
 * name between names, or the same name twice. Empty names at the end are dropped: Excel writes
 * trailing separators (`Name;Ort;;`) for columns that were once formatted or used.
 */
export function checkHeader(cells: readonly string[], rowNumber: number, columnName: ColumnName): string[] {
  const names = cells.map((cell) => cell.trim())
  while (names.length > 1 && names.at(-1) === '') names.pop()
  const firstColumnOf = new Map<string, number>()
  names.forEach((name, index) => {
    if (name === '')
      throw new TableFormatError(`the header has no name in ${columnName(index + 1)}`, rowNumber)
    const earlier = firstColumnOf.get(name)
    if (earlier !== undefined) {
      throw new TableFormatError(
        `the header names "${name}" twice, in ${columnName(earlier)} and ${columnName(index + 1)}`,
        rowNumber,
      )
    }
    firstColumnOf.set(name, index + 1)
  })
  return names
}

/** True when a row carries no data: every cell is empty or whitespace (Excel leaves such rows behind). */
export function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '')
}

/** Header name → cell text; cells the row lacks become ''. */
export function cellsByName(headers: readonly string[], cells: readonly string[]): Record<string, string> {
  // fromEntries defines own properties, so a column named "__proto__" stays an ordinary key.
  return Object.fromEntries(headers.map((name, index) => [name, cells[index] ?? '']))
}
