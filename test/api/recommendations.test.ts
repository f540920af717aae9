import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface Pair {
  sku: string
  customers: number
  confidence: number
  lift: number
}

/**
 * Issue #16: "bought this, also bought". Baskets (per customer): five bought A and B, three of them
 * also C; two bought A and D (a pair of two customers is not kept: it would tell what two people
 * bought); one bought only B. Per customer only under the profiling purpose.
 */
describeEachEngine('recommendations: item-to-item co-occurrence', (runtime) => {
  let t: TestApp
  let sales: string
  let marketing: string
  let accounting: string
  const customers: string[] = []
  const baskets = [
    ['A', 'B', 'C'],
    ['A', 'B', 'C'],
    ['A', 'B', 'C'],
    ['A', 'B'],
    ['A', 'B'],
    ['A', 'D'],
    ['A', 'D'],
    ['B'],
  ]
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, cookie: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    sales = await t.signIn('sales@reco.test', 'sales')
    marketing = await t.signIn('marketing@reco.test', 'marketing')
    accounting = await t.signIn('accounting@reco.test', 'accounting')
    for (const sku of ['A', 'B', 'C', 'D'])
      expect((await call('PUT', '/products', sales, { sku, name: `Product ${sku}` })).statusCode).toBe(200)
    for (const [i, basket] of baskets.entries()) {
      const id = await createSubject(t.app, sales, { firstName: `Reco ${i}` })
      customers.push(id)
      // Two orders each, so a product can repeat without counting twice.
      for (const [k, part] of [basket, basket.slice(0, 1)].entries()) {
        const res = await call('POST', `/subjects/${id}/orders`, sales, {
          orderNumber: `R-${i}-${k}`,
          orderedAt: '2026-10-01T10:00:00Z',
          status: 'fulfilled',
          lines: part.map((sku) => ({ sku, quantity: 1, unitPriceCents: 1000 })),
        })
        expect(res.statusCode, res.body).toBe(201)
      }
    }
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('counts pairs of at least three customers, with confidence and lift, products only', async () => {
    expect((await call('POST', '/analytics/recommendations/recompute', accounting)).statusCode).toBe(403)
    const res = await call('POST', '/analytics/recommendations/recompute', marketing)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ customers: 8, products: 4, minCustomers: 3 })

    const a = (await call('GET', '/products/A/also-bought', sales)).json() as { items: Pair[] }
    // A with B: 5 of the 7 who bought A; B's base rate is 6 of 8: lift (5/7)/(6/8).
    expect(a.items.map((p) => p.sku)).toEqual(['B', 'C'])
    expect(a.items[0]?.customers).toBe(5)
    expect(a.items[0]?.confidence).toBeCloseTo(5 / 7, 6)
    expect(a.items[0]?.lift).toBeCloseTo(5 / 7 / (6 / 8), 6)
    // D with A: only two customers — not kept.
    expect(((await call('GET', '/products/D/also-bought', sales)).json() as { items: Pair[] }).items).toEqual(
      [],
    )
    expect((await call('GET', '/products/NOPE/also-bought', sales)).statusCode).toBe(404)

    const overview = (await call('GET', '/analytics/recommendations', marketing)).json() as {
      run: { pairs: number }
      pairs: { sku: string; withSku: string; customers: number }[]
    }
    // A–B, A–C, B–C, each kept in both directions.
    expect(overview.run.pairs).toBe(6)
    // Each pair once, the strongest first: A and B (five customers).
    const unordered = overview.pairs.map((p) => [p.withSku, p.sku].sort().join('-'))
    expect(unordered).toEqual(['A-B', ...unordered.slice(1)])
    expect(unordered.slice(1).sort()).toEqual(['A-C', 'B-C'])
    // Nothing in the tables names a subject.
    const columns = await runtime()
      .database.db.selectFrom('product_association')
      .selectAll()
      .limit(1)
      .executeTakeFirstOrThrow()
    expect(Object.keys(columns).sort()).toEqual(
      ['confidence', 'customers', 'lift', 'other_product_id', 'product_id', 'rank'].sort(),
    )
  })

  it('recommends to a customer what goes with their products, only under the profiling purpose', async () => {
    const buyerOfAB = customers[3] as string
    // No consent to profiling yet: refused with the rule, audited.
    const refused = await call('GET', `/subjects/${buyerOfAB}/recommendations`, marketing)
    expect(refused.statusCode).toBe(403)
    expect(problemOf(refused).detail).toMatch(/no-consent$/)
    const consent = await call('POST', `/subjects/${buyerOfAB}/consents`, marketing, {
      purposeKey: 'profiling_offers',
      channel: 'none',
      kind: 'granted',
      proof: { source: 'form', textVersion: 'profiling-1' },
    })
    expect(consent.statusCode, consent.body).toBe(201)
    const res = await call('GET', `/subjects/${buyerOfAB}/recommendations`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    const items = (res.json() as { items: { sku: string; because: number; score: number }[] }).items
    // C goes with both A and B; never what they have.
    expect(items.map((i) => i.sku)).toEqual(['C'])
    expect(items[0]?.because).toBe(2)
    // Accounting is not in the profiling purpose's scope.
    expect((await call('GET', `/subjects/${buyerOfAB}/recommendations`, accounting)).statusCode).toBe(403)
    const audit = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'reason', 'purpose'])
      .where('reason', '=', 'product recommendations')
      .execute()
    expect(audit).toEqual([
      { action: 'read', reason: 'product recommendations', purpose: 'profiling_offers' },
    ])
  })
})
