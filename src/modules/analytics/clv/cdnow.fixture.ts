/**
 * The CDNOW sample (datasets/cdnow, see its README) as the customer-base models see it, for tests
 * and the bench: the published per-customer summary and the purchase log it was derived from.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

export const CDNOW_DIR = path.join(import.meta.dirname, '../../../../datasets/cdnow')

/** Days from 1997-01-01 to the last day of the calibration period, 1997-09-30 (39 weeks in all). */
export const CDNOW_CALIBRATION_END_DAY = 272
/** Days from 1997-01-01 to the last day of the hold-out period, 1998-06-30 (78 weeks in all). */
export const CDNOW_HOLDOUT_END_DAY = 545

/** One row of `cdnow_customers_summary_with_transactions.csv`, times in weeks. */
export interface CdnowCustomer {
  id: number
  x: number
  tx: number
  T: number
  /** Mean dollar value of the repeat purchase occasions (0 when x = 0). */
  meanSpend: number
}

/** The 2,357 customers of the sample, summarised over the calibration period. */
export function readCdnowSummary(): CdnowCustomer[] {
  const text = readFileSync(path.join(CDNOW_DIR, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
  const [header, ...lines] = text.trim().split(/\r?\n/)
  if (header !== 'ID,x,t_x,T,zbar') throw new Error(`unexpected CDNOW summary header: ${header}`)
  return lines.map((line) => {
    const [id, x, tx, T, zbar] = line.split(',').map(Number)
    return { id: id!, x: x!, tx: tx!, T: T!, meanSpend: zbar! }
  })
}

/** One purchase occasion of the sample: a customer's purchases of one day, their dollars summed. */
export interface CdnowOccasion {
  customer: number
  /** Days since 1997-01-01. */
  day: number
  dollars: number
}

/**
 * The purchase occasions of `CDNOW_sample.txt` (`master_id sample_id date cds dollars`), same-day
 * purchases merged as the summary does, ordered by customer and day.
 */
export function readCdnowOccasions(): CdnowOccasion[] {
  const text = readFileSync(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8')
  const start = Date.UTC(1997, 0, 1)
  const byKey = new Map<string, CdnowOccasion>()
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/)
    if (parts.length !== 5) continue
    const [, sampleId, date, , dollars] = parts
    const day =
      (Date.UTC(Number(date!.slice(0, 4)), Number(date!.slice(4, 6)) - 1, Number(date!.slice(6, 8))) -
        start) /
      86_400_000
    const customer = Number(sampleId)
    const key = `${customer}|${day}`
    const occasion = byKey.get(key)
    if (occasion) occasion.dollars += Number(dollars)
    else byKey.set(key, { customer, day, dollars: Number(dollars) })
  }
  return [...byKey.values()].sort((p, q) => p.customer - q.customer || p.day - q.day)
}
