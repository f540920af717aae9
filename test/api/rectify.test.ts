import { afterAll, beforeAll, expect, it } from 'vitest'
import { RECTIFICATION_AAD } from '../../src/privacy/gate/gate.service.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

describeEachEngine('rectification (Art. 16) through the gate', (runtime) => {
  let t: TestApp
  let admin: string
  let sales: string
  let marketing: string
  let id: string

  const patch = (payload: Record<string, unknown>, cookie = sales) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/subjects/${id}`, headers: { cookie }, payload })
  const search = async (email: string) =>
    (
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/subjects/search',
          headers: { cookie: admin },
          payload: { email },
        })
      ).json() as { items: { id: string }[] }
    ).items.map((s) => s.id)

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    sales = await t.signIn('sales@example.test', 'sales')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: {
        kinds: ['lead'],
        identifiers: {
          firstName: 'Rita',
          lastName: 'Alt',
          email: 'rita.alt@rectify.test',
          phone: '030 1111111',
        },
        attributes: { country: 'DE', region: 'DE-10' },
      },
    })
    id = (res.json() as { id: string }).id
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('corrects identifiers, attributes and kinds, re-indexing the e-mail address', async () => {
    const res = await patch({
      identifiers: { lastName: 'Neu', email: 'rita.neu@rectify.test', phone: null },
      attributes: { region: 'DE-20' },
      kinds: ['lead', 'customer'],
      reason: 'name change after marriage, by letter of 2026-11-20',
    })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as {
      identifiers: Record<string, string>
      attributes: Record<string, string>
      kinds: string[]
    }
    expect(body.identifiers).toMatchObject({
      firstName: 'Rita',
      lastName: 'Neu',
      email: 'rita.neu@rectify.test',
    })
    expect(body.identifiers).not.toHaveProperty('phone')
    expect(body.attributes).toEqual({ country: 'DE', region: 'DE-20' })
    expect(body.kinds).toEqual(['lead', 'customer'])
    expect(await search('rita.alt@rectify.test')).toEqual([])
    expect(await search('RITA.NEU@rectify.test')).toEqual([id])
  })

  it('audits the fields and the reason, and keeps old and new values sealed under the subject key', async () => {
    const history = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${id}/history`,
      headers: { cookie: admin },
    })
    const update = (
      history.json() as { items: { action: string; fields: string[]; reason: string | null }[] }
    ).items.find((i) => i.action === 'update')
    expect(update).toMatchObject({
      fields: ['lastName', 'email', 'phone', 'region', 'kinds'],
      reason: 'name change after marriage, by letter of 2026-11-20',
    })
    expect(history.body).not.toContain('rita.alt')
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ sealed_values: Uint8Array }>(
        `select sealed_values from audit_event where action = 'update' and sealed_subject_id = $1`,
        [id],
      ),
    )
    const sealed = rows[0]?.sealed_values as Uint8Array
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('rita.alt')
    const opened = await runtime().services.vault.open(id, sealed, RECTIFICATION_AAD)
    expect(JSON.parse(opened?.toString('utf8') ?? '{}')).toMatchObject({
      old: {
        lastName: 'Alt',
        email: 'rita.alt@rectify.test',
        phone: '+49301111111',
        region: 'DE-10',
        kinds: ['lead'],
      },
      new: { lastName: 'Neu', email: 'rita.neu@rectify.test', phone: null, region: 'DE-20' },
    })
  })

  it('refuses fields the role may not see, a missing reason, and unknown fields', async () => {
    const bank = await patch(
      { identifiers: { iban: 'DE02120300000000202051' }, reason: 'new account' },
      marketing,
    )
    expect(problemOf(bank).status).toBe(403)
    expect(problemOf(bank).errors).toEqual([
      { in: 'body', field: 'iban', reason: 'your role lacks the field category bank' },
    ])
    expect(problemOf(await patch({ identifiers: { lastName: 'X' } })).status).toBe(400)
    expect(problemOf(await patch({ identifiers: { shoeSize: '42' }, reason: 'why not' })).status).toBe(400)
    expect(problemOf(await patch({ reason: 'nothing to change' })).status).toBe(400)
  })

  it('shreds the kept old values with the subject, and the chain still verifies', async () => {
    const dpo = await t.signIn('dpo@example.test', 'dpo')
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/subjects/${id}`, headers: { cookie: dpo } }))
        .statusCode,
    ).toBe(200)
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ sealed_values: Uint8Array }>(
        `select sealed_values from audit_event where sealed_subject_id = $1`,
        [id],
      ),
    )
    expect(
      await runtime().services.vault.open(id, rows[0]?.sealed_values as Uint8Array, RECTIFICATION_AAD),
    ).toBeNull()
    expect((await runtime().services.audit.verify()).ok).toBe(true)
    expect(
      problemOf(await patch({ identifiers: { lastName: 'Zombie' }, reason: 'after erasure' })).status,
    ).toBe(404)
  })
})
