import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, type TestApp } from '../support/http.ts'

interface Page {
  items: { id: string; kinds: string[]; createdAt: string; updatedAt: string }[]
  nextCursor: string | null
  total?: number
}

describeEachEngine('subject list: keyset pagination, filter, sort', (runtime) => {
  let t: TestApp
  let cookie: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    cookie = await t.signIn('sales@example.com', 'sales')
    // 25 subjects; five share one timestamp so the id tie-break is exercised
    const base = Date.parse('2025-01-01T00:00:00Z')
    await runtime().services.subjects.importMany(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      Array.from({ length: 25 }, (_, i) => ({
        kinds: i % 5 === 0 ? ['lead'] : ['customer'],
        source: 'manual',
        attributes: { region: `DE-${10 + i}` },
        identifiers: { email: `list-${i}@example.test` },
        createdAt: new Date(i < 5 ? base : base + i * 60_000),
      })),
    )
  })
  afterAll(async () => {
    await t.app.close()
  })

  const page = async (query: string): Promise<Page> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/subjects?${query}`, headers: { cookie } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Page
  }

  async function walk(query: string, limit: number): Promise<Page['items']> {
    const all: Page['items'] = []
    let cursor: string | null = null
    do {
      const p: Page = await page(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
      expect(p.items.length).toBeLessThanOrEqual(limit)
      all.push(...p.items)
      cursor = p.nextCursor
    } while (cursor)
    return all
  }

  it('walks every subject exactly once, in order, in both directions', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const items = await walk(`sort=createdAt&order=${order}`, 4)
      expect(items).toHaveLength(25)
      expect(new Set(items.map((i) => i.id)).size).toBe(25)
      const keys = items.map((i) => `${i.createdAt}|${i.id}`)
      const sorted = [...keys].sort()
      expect(keys).toEqual(order === 'asc' ? sorted : sorted.reverse())
    }
  })

  it('reports the total on the first page only, and the last page has no cursor', async () => {
    const first = await page('limit=10')
    expect(first.total).toBe(25)
    expect(first.nextCursor).not.toBeNull()
    const second = await page(`limit=10&cursor=${first.nextCursor}`)
    expect(second.items).toHaveLength(10)
    expect(second).not.toHaveProperty('total')
    const all = await page('limit=500')
    expect(all.items).toHaveLength(25)
    expect(all.nextCursor).toBeNull()
  })

  it('filters by kind', async () => {
    const leads = await walk('kind=lead', 2)
    expect(leads).toHaveLength(5)
    expect(leads.every((s) => s.kinds.includes('lead'))).toBe(true)
    expect((await page('kind=lead')).total).toBe(5)
  })

  it('refuses a cursor from another sort order', async () => {
    const first = await page('limit=5&sort=createdAt&order=asc')
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects?limit=5&sort=createdAt&order=desc&cursor=${first.nextCursor}`,
      headers: { cookie },
    })
    expect(res.statusCode).toBe(400)
  })
})
