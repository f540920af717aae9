import { type Static, Type } from 'typebox'
import { CLV_BINS, P_ALIVE_BINS, type ScoreChartsRows } from '../../privacy/scores/score-charts.ts'

const count = Type.Integer({ minimum: 0 })
const share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })

/** `GET /analytics/charts`: the population's scores, shaped for the analytics page's charts. */
export const AnalyticsCharts = Type.Object({
  customers: Type.Integer({ description: 'Customers with scores (those the profiling purpose may use).' }),
  rfm: Type.Array(
    Type.Object({
      recency: Type.Integer({ minimum: 1, maximum: 5, description: 'R quintile (5: bought most recently).' }),
      frequency: Type.Integer({ minimum: 1, maximum: 5, description: 'F quintile (5: most orders).' }),
      customers: count,
      monetary: Type.Number({ description: 'The mean M quintile of the cell.' }),
    }),
    { description: 'The RFM grid: every recency × frequency cell, empty ones with 0.' },
  ),
  abc: Type.Array(
    Type.Object({
      class: Type.String({ description: 'A (top 80 % of revenue), B (next 15 %), C (the rest).' }),
      customers: count,
      revenueShare: share('Share of all revenue.'),
    }),
  ),
  pareto: Type.Array(
    Type.Object({
      customerShare: share('Cumulative share of customers, best-paying first.'),
      revenueShare: share('Their cumulative share of revenue.'),
    }),
    { description: 'The ABC Pareto curve in twentieths of customers.' },
  ),
  pAlive: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), customers: count }), {
    description: `P(alive) in ${P_ALIVE_BINS} equal bins from 0 to 1.`,
  }),
  churn: Type.Array(
    Type.Object({ band: Type.String({ description: 'high, medium, low' }), customers: count }),
  ),
  clv: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), customers: count }), {
    description: `CLV in ${CLV_BINS} equal bins from 0 to the 99th percentile (the last bin also holds everything above it).`,
  }),
})
export type AnalyticsCharts = Static<typeof AnalyticsCharts>

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits

/** The stored aggregates as charts: every cell and bin present, shares instead of sums. */
export function shapeCharts(rows: ScoreChartsRows): AnalyticsCharts {
  const cell = new Map(rows.rfm.map((r) => [`${r.recency}:${r.frequency}`, r]))
  const rfm = []
  for (let recency = 5; recency >= 1; recency--)
    for (let frequency = 1; frequency <= 5; frequency++) {
      const r = cell.get(`${recency}:${frequency}`)
      rfm.push({ recency, frequency, customers: r?.customers ?? 0, monetary: round(r?.monetary ?? 0, 2) })
    }
  const revenue = rows.abc.reduce((sum, r) => sum + r.revenue, 0)
  const customers = rows.abc.reduce((sum, r) => sum + r.customers, 0)
  const abc = ['A', 'B', 'C'].map((c) => {
    const r = rows.abc.find((a) => a.abc === c)
    return {
      class: c,
      customers: r?.customers ?? 0,
      revenueShare: revenue > 0 ? round((r?.revenue ?? 0) / revenue) : 0,
    }
  })
  let seenCustomers = 0
  let seenRevenue = 0
  const pareto = [{ customerShare: 0, revenueShare: 0 }]
  for (const t of rows.pareto) {
    seenCustomers += t.customers
    seenRevenue += t.revenue
    pareto.push({
      customerShare: customers > 0 ? round(seenCustomers / customers) : 0,
      revenueShare: revenue > 0 ? round(seenRevenue / revenue) : 0,
    })
  }
  const pAlive = Array.from({ length: P_ALIVE_BINS }, (_, bin) => ({
    from: round(bin / P_ALIVE_BINS, 2),
    to: round((bin + 1) / P_ALIVE_BINS, 2),
    customers: rows.pAlive.find((b) => b.bin === bin)?.customers ?? 0,
  }))
  const top = rows.clvTop ?? 0
  const width = Math.max(top, 0.01) / CLV_BINS
  const clv =
    rows.clvTop === null
      ? []
      : Array.from({ length: CLV_BINS }, (_, i) => ({
          from: round(i * width, 2),
          to: round((i + 1) * width, 2),
          customers: rows.clv.find((b) => b.bin === i + 1)?.customers ?? 0,
        }))
  const churn = ['high', 'medium', 'low'].map((band) => ({
    band,
    customers: rows.churn.find((c) => c.band === band)?.customers ?? 0,
  }))
  return { customers, rfm, abc, pareto, pAlive, churn, clv }
}
