import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface ListPage {
  items: { id: string }[]
  nextCursor: string | null
  total?: number
  excluded?: number
  excludedBy?: Record<string, number>
}

/**
 * Issue #12: lists and exports for a purpose and channel. A multi-channel purpose (b2b_prospecting:
 * phone and post) is listed and exported per channel; everything is validated before the first
 * byte of an export; a list's total counts only the subjects the purpose may use.
 */
describeEachEngine('lists and exports for a purpose on a channel', (runtime) => {
  let t: TestApp
  let admin: string
  let dpo: string
  const b2b: Record<'plain' | 'noCalls' | 'noMarketing', string> = { plain: '', noCalls: '', noMarketing: '' }
  let objector = ''

  const create = async (kinds: string[], email: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds, identifiers: { lastName: 'Probe', email } },
    })
    expect(res.statusCode, res.body).toBe(201)
    return (res.json() as { id: string }).id
  }
  const object = async (id: string, payload: object) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${id}/objections`,
      headers: { cookie: admin },
      payload: { source: 'letter', ...payload },
    })
    expect(res.statusCode, res.body).toBeLessThan(300)
  }
  const get = (url: string, cookie = dpo) => t.app.inject({ method: 'GET', url, headers: { cookie } })
  const list = async (query: string): Promise<ListPage> => {
    const res = await get(`/api/v1/subjects?${query}`)
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as ListPage
  }
  const csvIds = (body: string) =>
    body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(';')[0])
      .sort()

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@channels.test', 'admin')
    dpo = await t.signIn('dpo@channels.test', 'dpo')
    b2b.plain = await create(['b2b_contact'], 'plain@channels.test')
    b2b.noCalls = await create(['b2b_contact'], 'nocalls@channels.test')
    b2b.noMarketing = await create(['b2b_contact'], 'nomarketing@channels.test')
    await object(b2b.noCalls, { scope: 'channel', channel: 'phone' })
    await object(b2b.noMarketing, { scope: 'all_marketing' })
    objector = await create(['supplier_contact'], 'objector@channels.test')
    await object(objector, { scope: 'purpose', purposeKey: 'contact_management' })
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('lists a multi-channel purpose per channel, counting only whom it may use there', async () => {
    // (Which of them a page shows also depends on the list fields the purpose's scope uses.)
    const phone = await list('kind=b2b_contact&purpose=b2b_prospecting&channel=phone')
    // …and says why the others are left out: one objected to calls, one to all advertising.
    expect(phone).toMatchObject({ total: 1, excluded: 2, excludedBy: { objected: 2 } })
    expect(phone.items.map((i) => i.id)).not.toContain(b2b.noCalls)
    const post = await list('kind=b2b_contact&purpose=b2b_prospecting&channel=post')
    expect(post).toMatchObject({ total: 2, excluded: 1 })
    expect(post.items.map((i) => i.id)).not.toContain(b2b.noMarketing)
  })

  it('refuses a multi-channel purpose without a channel, or with one it does not use', async () => {
    for (const query of [
      'purpose=b2b_prospecting',
      'purpose=b2b_prospecting&channel=email',
      'kind=employee&purpose=b2b_prospecting',
    ]) {
      const res = await get(`/api/v1/subjects?${query}`)
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400)
      expect(problemOf(res).errors).toEqual([expect.objectContaining({ in: 'query', field: 'channel' })])
    }
    const unknown = await get('/api/v1/subjects?channel=pigeon')
    expect(unknown.statusCode).toBe(400)
    expect(problemOf(unknown).errors?.[0]?.field).toBe('channel')
  })

  it('counts in the total only the subjects the purpose may use (an objector is excluded)', async () => {
    const page = await list('kind=supplier_contact')
    expect(page.items).toEqual([])
    expect(page).toMatchObject({ total: 0, excluded: 1, excludedBy: { objected: 1 } })
    // Without a purpose that excludes them, they are counted.
    const service = await list('kind=supplier_contact&purpose=customer_service')
    expect(service.items.map((i) => i.id)).toEqual([objector])
    expect(service).toMatchObject({ total: 1, excluded: 0, excludedBy: {} })
  })

  it('exports a multi-channel purpose for the channel given', async () => {
    const res = await get(
      '/api/v1/subjects/export?kind=b2b_contact&purpose=b2b_prospecting&channel=post&fields=email',
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(csvIds(res.body)).toEqual([b2b.plain, b2b.noCalls].sort())
  })

  it('validates purpose, channel and fields before the first byte of an export (400, naming the field)', async () => {
    for (const [query, field] of [
      ['purpose=no_such_purpose', 'purpose'],
      ['purpose=b2b_prospecting', 'channel'],
      ['purpose=b2b_prospecting&channel=email', 'channel'],
      ['purpose=b2b_prospecting&channel=pigeon', 'channel'],
      ['fields=email,shoeSize', 'fields'],
      ['format=pdf', 'format'],
    ] as const) {
      const res = await get(`/api/v1/subjects/export?kind=b2b_contact&${query}`)
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400)
      expect(res.headers['content-disposition']).toBeUndefined()
      expect(problemOf(res).errors?.[0]?.field).toBe(field)
    }
  })

  it('describes channel in the OpenAPI document of the list and the export', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<
        string,
        { get: { parameters: { name: string; in: string; schema: { enum?: string[] } }[] } }
      >
    }
    for (const path of ['/api/v1/subjects', '/api/v1/subjects/export']) {
      const channel = doc.paths[path]?.get.parameters.find((p) => p.name === 'channel' && p.in === 'query')
      expect(channel, path).toBeDefined()
      expect(channel?.schema.enum).toEqual(expect.arrayContaining(['phone', 'post', 'email']))
    }
  })
})
