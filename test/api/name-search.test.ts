import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

describeEachEngine('finding contacts by name through the name blind index', (runtime) => {
  let t: TestApp
  let admin: string
  let sales: string
  const ids: Record<string, string> = {}

  const create = async (key: string, firstName: string, lastName: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['lead'], identifiers: { firstName, lastName, email: `${key}@names.test` } },
    })
    expect(res.statusCode, res.body).toBe(201)
    ids[key] = (res.json() as { id: string }).id
  }
  const search = async (name: string, cookie = sales) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie },
      payload: { name },
    })
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { items: { id: string; identifiers: Record<string, string> }[] }).items
      .map((s) => s.id)
      .sort()
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    sales = await t.signIn('sales@example.test', 'sales')
    await create('mueller', 'Jürgen', 'Schmidt-Müller')
    await create('muller', 'Anna', 'Muller')
    await create('gross', 'Zoë', 'Groß')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('finds by any word of the first or last name, folding case, accents and umlauts', async () => {
    expect(await search('mueller')).toEqual([ids.mueller, ids.muller].sort())
    expect(await search('MÜLLER jürgen')).toEqual([ids.mueller])
    expect(await search('schmidt')).toEqual([ids.mueller])
    expect(await search('gross zoe')).toEqual([ids.gross])
    expect(await search('nobody')).toEqual([])
  })

  it('stores no name in the clear in the index, and needs a real word', async () => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ n: number }>(
        `select count(*)::int as n from blind_index where kind in ('first_name', 'last_name')`,
      ),
    )
    expect(rows[0]?.n).toBe(7)
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: sales },
      payload: { name: 'a .' },
    })
    expect(problemOf(bad).errors?.[0]?.field).toBe('name')
    const one = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: sales },
      payload: { name: 'a' },
    })
    expect(problemOf(one).errors).toEqual([expect.objectContaining({ field: 'name' })])
  })

  it('follows a rectified name, and forgets an erased one', async () => {
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/subjects/${ids.muller}`,
      headers: { cookie: sales },
      payload: { identifiers: { lastName: 'Meier' }, reason: 'typo in the import' },
    })
    expect(patched.statusCode, patched.body).toBe(200)
    expect(await search('muller')).toEqual([ids.mueller])
    expect(await search('meier anna')).toEqual([ids.muller])
    const dpo = await t.signIn('dpo@example.test', 'dpo')
    await t.app.inject({ method: 'DELETE', url: `/api/v1/subjects/${ids.gross}`, headers: { cookie: dpo } })
    expect(await search('gross')).toEqual([])
  })

  it('rebuilds the index from the decrypted names (for names stored before it existed)', async () => {
    await runtime().database.transaction((tx) =>
      tx.query(`delete from blind_index where kind in ('first_name', 'last_name')`),
    )
    expect(await search('schmidt')).toEqual([])
    expect(await runtime().services.vault.reindexNames({ batch: 1 })).toBe(2)
    expect(await search('schmidt')).toEqual([ids.mueller])
    expect(await search('meier')).toEqual([ids.muller])
  })
})

describeEachEngine('likely duplicates', (runtime) => {
  let t: TestApp
  let admin: string
  const create = async (identifiers: Record<string, string>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['lead'], identifiers },
    })
    expect(res.statusCode, res.body).toBe(201)
    return (res.json() as { id: string }).id
  }
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('finds the same person by e-mail, phone, or first and last name, and says what matched', async () => {
    const original = await create({
      firstName: 'Petra',
      lastName: 'Schäfer',
      email: 'petra@dup.test',
      phone: '030 2222222',
    })
    const sameMail = await create({ firstName: 'P.', lastName: 'Schaefer', email: 'PETRA@dup.test' })
    const sameName = await create({ firstName: 'petra', lastName: 'schaefer', email: 'other@dup.test' })
    const samePhone = await create({ lastName: 'Büro', phone: '+49 30 2222222' })
    await create({ firstName: 'Petra', lastName: 'Meyer', email: 'meyer@dup.test' })
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${original}/duplicates`,
      headers: { cookie: admin },
    })
    expect(res.statusCode, res.body).toBe(200)
    const items = (res.json() as { items: { subject: { id: string }; matched: string[] }[] }).items
    const matched = new Map(items.map((i) => [i.subject.id, i.matched]))
    expect(matched.get(sameMail)).toEqual(['email', 'last_name'])
    expect(matched.get(sameName)).toEqual(['first_name', 'last_name'])
    expect(matched.get(samePhone)).toEqual(['phone'])
    expect(items).toHaveLength(3)
  })
})
