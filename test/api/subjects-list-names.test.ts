import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, type TestApp } from '../support/http.ts'

interface Page {
  items: { id: string; identifiers: Record<string, string>; attributes: Record<string, unknown> }[]
  nextCursor: string | null
  total?: number
  excluded?: number
}

describeEachEngine('subject list: names and e-mail addresses for roles that may see them', (runtime) => {
  let t: TestApp
  let sales: string
  let product: string
  let ids: string[]
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    sales = await t.signIn('names-sales@example.test', 'sales')
    product = await t.signIn('names-product@example.test', 'product')
    ids = await runtime().services.subjects.importMany(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      Array.from({ length: 6 }, (_, i) => ({
        kinds: ['customer'],
        source: 'manual',
        attributes: { region: `DE-${10 + i}` },
        identifiers: {
          firstName: `Erika${i}`,
          lastName: `Muster${i}`,
          email: `names-${i}@example.test`,
          phone: `+49151234567${i}`,
        },
      })),
    )
  })
  afterAll(async () => {
    await t.app.close()
  })

  const list = async (cookie: string, query = 'limit=50'): Promise<Page> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/subjects?${query}`, headers: { cookie } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Page
  }
  const lastSeq = async () => {
    const { rows } = await sql<{ seq: number | null }>`select max(seq) as seq from audit_event`.execute(
      runtime().database.db,
    )
    return Number(rows[0]?.seq ?? 0)
  }
  const auditAfter = (seq: number) =>
    runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'actor_role', 'fields', 'subject_ids', 'subject_set_size', 'purpose'])
      .where('seq', '>', seq)
      .orderBy('seq')
      .execute()

  it('gives sales the name and e-mail address in the list, and no other identifier', async () => {
    const page = await list(sales)
    expect(page.total).toBe(6)
    expect(page.excluded).toBe(0)
    for (const [i, id] of ids.entries()) {
      const item = page.items.find((s) => s.id === id)
      expect(item?.identifiers).toEqual({
        firstName: `Erika${i}`,
        lastName: `Muster${i}`,
        email: `names-${i}@example.test`,
      })
      expect(item?.attributes.region).toBe(`DE-${10 + i}`)
    }
  })

  it('records one read for the page, naming the identifier fields', async () => {
    const before = await lastSeq()
    const page = await list(sales, 'limit=4')
    expect(page.items).toHaveLength(4)
    const reads = (await auditAfter(before)).filter((r) => r.action === 'read')
    expect(reads).toHaveLength(1)
    const [read] = reads
    expect(read?.actor_role).toBe('sales')
    expect(read?.purpose).toBe('contact_management')
    expect(read?.fields).toEqual(expect.arrayContaining(['firstName', 'lastName', 'email']))
    expect(read?.fields).not.toContain('phone')
    expect(read?.subject_ids?.length ?? read?.subject_set_size).toBe(4)
    // Only the read: the list asks for the columns sales may see, so nothing is withheld from it
    // (dietaryRequirements, a special category contact_management has no Art. 9(2) basis for, is
    // not asked for; reading one contact records its withholding).
    expect((await auditAfter(before)).map((r) => r.action)).toEqual(['read'])
    expect(read?.fields).not.toContain('dietaryRequirements')
    expect(page.items.every((s) => !('dietaryRequirements' in s.attributes))).toBe(true)
  })

  it('keeps the pseudonymous view for product: no identifiers, same total', async () => {
    const before = await lastSeq()
    const page = await list(product)
    expect(page.total).toBe(6)
    expect(page.items).toHaveLength(6)
    for (const item of page.items) expect(item.identifiers ?? {}).toEqual({})
    expect(page.items.find((s) => s.id === ids[0])?.attributes.region).toBe('DE-10')
    const reads = (await auditAfter(before)).filter((r) => r.action === 'read')
    expect(reads).toHaveLength(1)
    expect(reads[0]?.fields).not.toEqual(expect.arrayContaining(['firstName']))
    expect(reads[0]?.fields ?? []).not.toContain('email')
  })
})
