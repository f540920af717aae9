import { describe, expect, it } from 'vitest'
import { shapeCharts } from './analytics-charts.ts'

describe('analytics charts from the stored aggregates', () => {
  const rows = {
    rfm: [
      { recency: 5, frequency: 5, customers: 2, monetary: 5 },
      { recency: 1, frequency: 1, customers: 3, monetary: 1 },
    ],
    abc: [
      { abc: 'A', customers: 1, revenue: 800 },
      { abc: 'B', customers: 1, revenue: 150 },
      { abc: 'C', customers: 3, revenue: 50 },
    ],
    pareto: [
      { twentieth: 1, customers: 1, revenue: 800 },
      { twentieth: 2, customers: 1, revenue: 150 },
      { twentieth: 3, customers: 3, revenue: 50 },
    ],
    pAlive: [
      { bin: 0, customers: 1 },
      { bin: 9, customers: 4 },
    ],
    churn: [
      { band: 'high', customers: 1 },
      { band: 'low', customers: 4 },
    ],
    clv: [
      { bin: 1, customers: 3 },
      { bin: 20, customers: 2 },
    ],
    clvTop: 200,
  }

  it('fills every RFM cell and every bin, and turns sums into cumulative shares', () => {
    const c = shapeCharts(rows)
    expect(c.customers).toBe(5)
    expect(c.rfm).toHaveLength(25)
    expect(c.rfm[0]).toEqual({ recency: 5, frequency: 1, customers: 0, monetary: 0 })
    expect(c.rfm.find((r) => r.recency === 5 && r.frequency === 5)?.customers).toBe(2)
    expect(c.abc).toEqual([
      { class: 'A', customers: 1, revenueShare: 0.8 },
      { class: 'B', customers: 1, revenueShare: 0.15 },
      { class: 'C', customers: 3, revenueShare: 0.05 },
    ])
    expect(c.pareto).toEqual([
      { customerShare: 0, revenueShare: 0 },
      { customerShare: 0.2, revenueShare: 0.8 },
      { customerShare: 0.4, revenueShare: 0.95 },
      { customerShare: 1, revenueShare: 1 },
    ])
    expect(c.pAlive).toHaveLength(10)
    expect(c.pAlive[9]).toEqual({ from: 0.9, to: 1, customers: 4 })
    expect(c.clv).toHaveLength(20)
    expect(c.clv[0]).toEqual({ from: 0, to: 10, customers: 3 })
    expect(c.clv[19]).toEqual({ from: 190, to: 200, customers: 2 })
    expect(c.churn).toEqual([
      { band: 'high', customers: 1 },
      { band: 'medium', customers: 0 },
      { band: 'low', customers: 4 },
    ])
  })

  it('says nothing of CLV before a fit, and has shares of 0 without revenue', () => {
    const c = shapeCharts({ rfm: [], abc: [], pareto: [], pAlive: [], churn: [], clv: [], clvTop: null })
    expect(c.customers).toBe(0)
    expect(c.clv).toEqual([])
    expect(c.abc.every((a) => a.revenueShare === 0)).toBe(true)
  })
})
