// What a spreadsheet may skip before it looks for a formula: control characters (Cc), invisible format
// characters such as BOM, zero-width space and bidi controls (Cf), and every kind of space (Z).
const INVISIBLE_PREFIX = /^[\p{Cc}\p{Cf}\p{Z}]*/u

// OWASP "CSV Injection": these start a formula (the full-width forms too, which some spreadsheets fold).
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20'])

/**
 * Defuses a string a spreadsheet would run as a formula (CSV/formula injection) by prefixing `'`: when it
 * starts with TAB or CR, or with `= + - @` (or their full-width forms) after invisible characters.
 * Any other string is returned unchanged.
 */
export function neutralizeFormula(value: string): string {
  const first = value.charCodeAt(0)
  // Fast path for the usual value, which starts with a visible ASCII character.
  if (first > 0x20 && first < 0x7f) return FORMULA_STARTS.has(value.charAt(0)) ? `'${value}` : value
  if (value.startsWith('\t') || value.startsWith('\r')) return `'${value}`
  const visible = INVISIBLE_PREFIX.exec(value)?.[0].length ?? 0
  return FORMULA_STARTS.has(value.charAt(visible)) ? `'${value}` : value
}
