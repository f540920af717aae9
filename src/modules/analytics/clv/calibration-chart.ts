/**
 * The data of the tracking chart of Fader, Hardie & Lee 2005 (the BG/NBD paper's Figure of expected
 * vs actual cumulative repeat transactions by week): how well a fit follows the customer base over
 * the calibration period and forecasts it beyond.
 */
import { type BgNbdParams, expectedRepeatPurchases } from './bg-nbd.model.ts'

/** `count` customers who made their first purchase at `start` (chart time, model units). */
export interface Cohort {
  start: number
  count: number
}

/**
 * Expected cumulative repeat purchases of the whole base at each grid time: Σ over cohorts of
 * count · E[X(t − start)] (eq. (9)), nothing for a cohort not yet started. Cohorts, not customers,
 * because E[X(·)] costs a series; customers who started on the same day share it.
 */
export function expectedCumulativeRepeatPurchases(
  params: BgNbdParams,
  cohorts: readonly Cohort[],
  grid: readonly number[],
): number[] {
  return grid.map((t) => {
    let sum = 0
    for (const c of cohorts) if (t > c.start) sum += c.count * expectedRepeatPurchases(params, t - c.start)
    return sum
  })
}

/** Actual cumulative repeat purchases at each grid time: how many of `times` (chart time) are ≤ it. */
export function actualCumulativeRepeatPurchases(times: readonly number[], grid: readonly number[]): number[] {
  const sorted = Float64Array.from(times).sort()
  return grid.map((t) => {
    // The first index whose time is after t: the count of times ≤ t.
    let low = 0
    let high = sorted.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (sorted[mid]! <= t) low = mid + 1
      else high = mid
    }
    return low
  })
}
