/**
 * The text of an XLSX cell value as exceljs's streaming reader delivers it. Numbers are written without
 * locale formatting (`String(n)`), dates as ISO (`YYYY-MM-DD` at midnight UTC), formulas as their cached
 * result, errors as ''. `numFmt` is the cell's number format, `date1904` the workbook's date system.
 */
export function xlsxCellText(value: unknown, numFmt: string | undefined, date1904: boolean): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return String(value)
  if (value instanceof Date) return isoText(value)
  if (typeof value !== 'object') return ''
  if ('richText' in value && Array.isArray(value.richText)) return value.richText.map(runText).join('')
  if ('formula' in value || 'sharedFormula' in value) {
    const result = 'result' in value ? value.result : undefined
    // The streaming reader converts date-formatted plain cells to Dates but leaves a formula's result as
    // the serial number; an error result (t="e") arrives as NaN.
    if (typeof result === 'number' && Number.isFinite(result) && isDateFormat(numFmt)) {
      return isoText(excelSerialToDate(result, date1904))
    }
    return xlsxCellText(result, undefined, date1904)
  }
  if ('error' in value) return ''
  // A hyperlink cell ({ text, hyperlink }) reads as its text.
  if ('text' in value) return xlsxCellText(value.text, numFmt, date1904)
  return ''
}

/** ISO text of a date: `YYYY-MM-DD` when the time is midnight UTC, else the full ISO timestamp. */
export function isoText(date: Date): string {
  const time = date.getTime()
  if (Number.isNaN(time)) return ''
  const iso = date.toISOString()
  return time % 86_400_000 === 0 ? iso.slice(0, 10) : iso
}

/** Whether an Excel number format shows a date or time (the test exceljs itself uses). */
export function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false
  const shown = numFmt
    .replace(/\[[^\]]*]/g, '')
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
  return /[ymdhs]/i.test(shown)
}

function excelSerialToDate(serial: number, date1904: boolean): Date {
  // Day 25569 is 1970-01-01 in the 1900 system; the 1904 system starts 1462 days later.
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000))
}

function runText(run: unknown): string {
  return typeof run === 'object' && run !== null && 'text' in run && typeof run.text === 'string'
    ? run.text
    : ''
}
