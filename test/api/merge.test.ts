import { afterAll, beforeAll, expect, it } from 'vitest'
import { COMBINE_AAD } from '../../src/privacy/gate/gate.service.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

describeEachEngine('merging duplicates (Art. 5(1)(d))', (runtime) => {
  let t: TestApp
  let admin: string
  let sales: string
  let survivor: string
  let duplicate: string

  const call = (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: Record<string, unknown>,
    cookie = admin,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })
  const create = async (
    identifiers: Record<string, string>,
    kinds: string[],
    attributes: Record<string, unknown>,
  ) => {
    const res = await call('POST', '/subjects', { kinds, identifiers, attributes })
    expect(res.statusCode, res.body).toBe(201)
    return (res.json() as { id: string }).id
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    sales = await t.signIn('sales@example.test', 'sales')
    survivor = await create({ firstName: 'Ida', lastName: 'Klein', email: 'ida@merge.test' }, ['customer'], {
      region: 'DE-10',
    })
    duplicate = await create(
      { firstName: 'Ida', lastName: 'Klein', email: 'ida.klein@old.merge.test', phone: '030 3333333' },
      ['lead'],
      { region: 'DE-99', ageBand: '35-44' },
    )
    const orderBody = (n: string) => ({
      orderNumber: n,
      orderedAt: '2026-10-01T10:00:00Z',
      lines: [{ description: 'x', quantity: 1, unitPriceCents: 1000 }],
    })
    expect((await call('POST', `/subjects/${survivor}/orders`, orderBody('A-1'))).statusCode).toBe(201)
    expect((await call('POST', `/subjects/${duplicate}/orders`, orderBody('A-1'))).statusCode).toBe(201)
    expect(
      (await call('POST', `/subjects/${duplicate}/notes`, { text: 'Called about the offer' })).statusCode,
    ).toBe(201)
    const consent = await call('POST', `/subjects/${duplicate}/consents`, {
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'granted',
      proof: { source: 'phone', textVersion: 'tel-v1' },
    })
    expect(consent.statusCode, consent.body).toBe(201)
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('refuses merging a subject with itself or with an unknown one', async () => {
    expect(
      problemOf(await call('POST', `/subjects/${survivor}/merge`, { duplicateId: survivor, reason: 'same' }))
        .status,
    ).toBe(400)
    expect(
      problemOf(
        await call('POST', `/subjects/${survivor}/merge`, {
          duplicateId: '00000000-0000-4000-8000-0000000000aa',
          reason: 'x y',
        }),
      ).status,
    ).toBe(404)
  })

  it('moves identifiers the survivor lacks, attributes, kinds, records and consents, and shreds the duplicate', async () => {
    // Sales may not see bank data, but the duplicate has none: the merge is within the role.
    const res = await call(
      'POST',
      `/subjects/${survivor}/merge`,
      { duplicateId: duplicate, reason: 'same person, two sign-ups' },
      sales,
    )
    expect(res.statusCode, res.body).toBe(200)
    const merged = res.json() as {
      identifiers: Record<string, string>
      attributes: Record<string, unknown>
      kinds: string[]
    }
    expect(merged.identifiers).toMatchObject({ email: 'ida@merge.test', phone: '+49303333333' })
    expect(merged.attributes).toEqual({ region: 'DE-10', ageBand: '35-44' })
    expect(merged.kinds.sort()).toEqual(['customer', 'lead'])
    const orders = (await call('GET', `/subjects/${survivor}/orders`)).json() as { orderNumber: string }[]
    expect(orders.map((o) => o.orderNumber).sort()).toEqual(['A-1', `A-1-${duplicate.slice(0, 8)}`])
    const notes = (await call('GET', `/subjects/${survivor}/notes`)).json() as { text: string }[]
    expect(notes.map((n) => n.text)).toEqual(['Called about the offer'])
    const permissions = (await call('GET', `/subjects/${survivor}/permissions`)).json() as {
      consents: { purposeKey: string; status: string }[]
      history: unknown[]
    }
    expect(permissions.consents).toContainEqual(
      expect.objectContaining({ purposeKey: 'phone_marketing', status: 'granted' }),
    )
    expect(permissions.history.length).toBeGreaterThan(0)
    // the old id answers 410 Gone with the survivor's id, for systems that kept it
    const gone = await call('GET', `/subjects/${duplicate}`)
    expect(gone.statusCode).toBe(410)
    expect(gone.json()).toMatchObject({ status: 410, mergedInto: survivor })
    expect((await call('GET', `/subjects/${duplicate}/overview`)).json()).toMatchObject({
      mergedInto: survivor,
    })
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ merged_into: string; keys: number }>(
        `select merged_into, (select count(*)::int from subject_key where subject_id = $1) as keys from subject where id = $1`,
        [duplicate],
      ),
    )
    expect(rows[0]).toEqual({ merged_into: survivor, keys: 0 })
  })

  it("keeps both histories: the survivor's includes the duplicate's past and the combine, with the duplicate's data sealed", async () => {
    const history = (await call('GET', `/subjects/${survivor}/history?limit=200`)).json() as {
      items: { action: string; fields: string[]; reason: string | null }[]
    }
    const actions = history.items.map((i) => i.action)
    expect(actions).toContain('combine')
    // The duplicate's own creation and its consent are part of the survivor's history now.
    expect(actions.filter((a) => a === 'create').length).toBeGreaterThanOrEqual(2)
    expect(actions).toContain('consent')
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ sealed_values: Uint8Array }>(
        `select sealed_values from audit_event where action = 'combine'`,
      ),
    )
    const opened = await runtime().services.vault.open(
      survivor,
      rows[0]?.sealed_values as Uint8Array,
      COMBINE_AAD,
    )
    expect(JSON.parse(opened?.toString('utf8') ?? '{}')).toMatchObject({
      duplicate: { id: duplicate, identifiers: { email: 'ida.klein@old.merge.test' } },
    })
    expect((await runtime().services.audit.verify()).ok).toBe(true)
  })
})
