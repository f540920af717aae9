import type ExcelJS from 'exceljs'

/**
 * exceljs, loaded on first use: its module graph (streams, zip, XML) is the largest of any library
 * Tresor uses, and most processes (a CLI command, a server answering the API) never write or read
 * a spreadsheet.
 */
export async function exceljs(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default
}
