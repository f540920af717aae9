/**
 * Reads `timestamptz` text as PostgreSQL writes it (DateStyle ISO: `2026-12-07 22:13:50.123456+00`,
 * or with an offset such as `+05:30`) into a Date, digit by digit: a list page reads a hundred of
 * them, and the driver's general parser (three regular expressions each) was a visible share of
 * the page's time (issue #18). Milliseconds are kept and the rest of the fraction cut off, as the
 * driver does. Anything else — `infinity`, BC dates, years before 1000 or after 9999, an offset
 * with seconds — goes to `fallback`, the driver's own parser.
 */
export function timestamptzParser(fallback: (text: string) => unknown): (text: string) => unknown {
  return (text) => parseIso(text) ?? fallback(text)
}

/** The Date, or undefined when `text` is not in the common shape. */
function parseIso(text: string): Date | undefined {
  const n = text.length
  if (n < 22) return undefined
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== SPACE ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  )
    return undefined
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  if (year < 1000 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0) return undefined
  let i = 19
  let millis = 0
  if (text.charCodeAt(i) === DOT) {
    i++
    const start = i
    while (i < n && isDigit(text.charCodeAt(i))) {
      if (i - start < 3) millis = millis * 10 + (text.charCodeAt(i) - ZERO)
      i++
    }
    const length = i - start
    if (length === 0 || length > 6) return undefined
    if (length === 1) millis *= 100
    else if (length === 2) millis *= 10
  }
  const sign = text.charCodeAt(i)
  if (sign !== PLUS && sign !== MINUS) return undefined
  const offsetHours = digits(text, i + 1, 2)
  let offsetMinutes = 0
  if (n === i + 6 && text.charCodeAt(i + 3) === COLON) offsetMinutes = digits(text, i + 4, 2)
  else if (n !== i + 3) return undefined
  if (offsetHours < 0 || offsetMinutes < 0) return undefined
  const offset = (sign === MINUS ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset)
}

/** The number `count` ASCII digits at `start` spell, or -1 if one isn't a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i)
    if (!isDigit(c)) return -1
    value = value * 10 + (c - ZERO)
  }
  return value
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE
const ZERO = 48
const NINE = 57
const DASH = 45
const SPACE = 32
const COLON = 58
const DOT = 46
const PLUS = 43
const MINUS = 45
