/**
 * A file that cannot be read as a table. The message is meant for the user who uploaded the file: it
 * names lines, rows and columns but never cell values (they may be personal data).
 */
export class TableFormatError extends Error {
  /** CSV line or Excel row where the problem was found, when there is one. */
  readonly rowNumber: number | undefined

  constructor(message: string, rowNumber?: number) {
    super(message)
    this.name = 'TableFormatError'
    this.rowNumber = rowNumber
  }
}
