import { type BgNbdParams, conditionalExpectedPurchases, type PurchaseHistory } from './bg-nbd.model.ts'
import { conditionalExpectedSpend, type GammaGammaParams } from './gamma-gamma.model.ts'

/** Weeks in an average month (365.25 / 12 / 7), for models fitted on histories in weeks. */
export const WEEKS_PER_MONTH = 365.25 / 12 / 7

/** How far ahead and how to discount. */
export interface LifetimeValueOptions {
  /** Horizon in whole months, ≥ 0. */
  months: number
  /** Discount rate per month, e.g. 0.01 (≈ 12.7 % a year); ≥ 0. */
  monthlyDiscountRate: number
  /** Time units of the BG/NBD fit per month: `WEEKS_PER_MONTH` for weeks, 365.25 / 12 for days. */
  periodsPerMonth: number
}

/**
 * The discounted value of a customer's future transactions over the horizon, in the currency of the
 * spend, as Fader, Hardie & Lee's JMR paper composes it and `lifetimes`' `customer_lifetime_value`
 * computes it: month by month, the BG/NBD's expected transactions in that month given the history
 * (E[Y(m)] − E[Y(m − 1)] from eq. (10), in model time units) times the Gamma-Gamma expected spend per
 * transaction, discounted by (1 + d)^m to the present. Spend and transactions are independent in the
 * two models, so the expectation of the product is the product of the expectations. (The JMR paper
 * itself discounts continuously over an infinite horizon — its DERT; a finite horizon and monthly
 * steps are what a CRM user asks for.)
 */
export function customerLifetimeValue(
  bgNbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customer: PurchaseHistory & { meanSpend: number },
  options: LifetimeValueOptions,
): number {
  const { months, monthlyDiscountRate, periodsPerMonth } = options
  if (!(Number.isInteger(months) && months >= 0))
    throw new RangeError(`months must be a whole number ≥ 0, got ${months}`)
  if (!(monthlyDiscountRate >= 0))
    throw new RangeError(`the discount rate must be ≥ 0, got ${monthlyDiscountRate}`)
  if (!(periodsPerMonth > 0)) throw new RangeError(`periods per month must be > 0, got ${periodsPerMonth}`)
  const spend = conditionalExpectedSpend(gammaGamma, customer)
  let value = 0
  let before = 0
  for (let m = 1; m <= months; m++) {
    const upTo = conditionalExpectedPurchases(bgNbd, m * periodsPerMonth, customer)
    value += (spend * (upTo - before)) / (1 + monthlyDiscountRate) ** m
    before = upTo
  }
  return value
}
