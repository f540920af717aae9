/** `PnYnMnWnD`: the calendar part of ISO 8601 durations, which is what retention and consent periods use. */
const DURATION = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/

export const isIsoDuration = (text: string): boolean => DURATION.test(text)

/**
 * `date` plus an ISO 8601 duration, in UTC calendar arithmetic (P1M from 31 January is 3 March,
 * as PostgreSQL's `+ interval` would give 28 February: periods here are months and years long,
 * and a day either way doesn't change what the law means). Throws on anything else.
 */
export function addIsoDuration(date: Date, duration: string): Date {
  const match = DURATION.exec(duration)
  if (!match) throw new RangeError(`not an ISO 8601 calendar duration: ${duration}`)
  const [, years = '0', months = '0', weeks = '0', days = '0'] = match
  const result = new Date(date.getTime())
  result.setUTCFullYear(result.getUTCFullYear() + Number(years), result.getUTCMonth() + Number(months))
  result.setUTCDate(result.getUTCDate() + Number(weeks) * 7 + Number(days))
  return result
}
