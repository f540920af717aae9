/**
 * Art. 12(3) GDPR: a request is answered "without undue delay and in any event within one month
 * of receipt". The deadline comes from the configuration (`TRESOR_DSR_DEADLINE`, default `P1M`;
 * src/platform/config.ts refuses anything longer than a month).
 *
 * A period in months ends on the day of the later month with the same number as the day of
 * receipt, or on that month's last day when it has no such day (31 January + one month = 28 or 29
 * February; Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c)). The due moment keeps the time of
 * day of the receipt, a little before the end of that day: on the safe side.
 */
export function dueDate(receivedAt: Date, deadline: string): Date {
  const match = /^P(\d+)([MWD])$/.exec(deadline)
  if (!match) throw new RangeError(`not a deadline: ${deadline}`)
  const n = Number(match[1])
  if (match[2] !== 'M') return new Date(receivedAt.getTime() + n * (match[2] === 'W' ? 7 : 1) * 86_400_000)
  const due = new Date(receivedAt.getTime())
  const day = due.getUTCDate()
  due.setUTCDate(1)
  due.setUTCMonth(due.getUTCMonth() + n)
  const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, 0)).getUTCDate()
  due.setUTCDate(Math.min(day, lastDay))
  return due
}
