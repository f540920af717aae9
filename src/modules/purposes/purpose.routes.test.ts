import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../../../test/support/http.ts'

const NEW_PURPOSE = {
  key: 'event_invitations',
  name: { de: 'Einladungen zu Veranstaltungen', en: 'Event invitations' },
  description: { de: 'Einladungen per Post.', en: 'Invitations by post.' },
  legalBasis: 'legitimate_interest',
  channels: ['post'],
  doubleOptIn: false,
  profiling: false,
  directMarketing: true,
  retention: { period: 'P2Y', rule: { de: 'Bis zum Widerspruch.', en: 'Until objected to.' } },
}

describeEachEngine('purposes API', (runtime) => {
  let t: TestApp
  let dpo: string
  let marketing: string
  let product: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@example.com', 'dpo')
    marketing = await t.signIn('marketing@example.com', 'marketing')
    product = await t.signIn('product@example.com', 'product')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })

  it('lists the seeded registry to every role that reads purposes', async () => {
    const res = await call('GET', '/purposes', product)
    expect(res.statusCode).toBe(200)
    const items = (res.json() as { items: { key: string; legalBasis: string; dpvLegalBasis: string }[] })
      .items
    expect(items.find((p) => p.key === 'newsletter_email')).toMatchObject({
      legalBasis: 'consent',
      doubleOptIn: true,
      channels: ['email'],
      dpvPurpose: 'dpv:DirectMarketing',
      dpvLegalBasis: 'eu-gdpr:A6-1-a',
      version: 1,
    })
    expect(items.find((p) => p.key === 'invoicing_retention')).toMatchObject({
      legalBasis: 'legal_obligation',
      retention: { period: 'P8Y' },
    })
    const one = await call('GET', '/purposes/postal_advertising', product)
    expect(one.json()).toMatchObject({ key: 'postal_advertising', legalBasis: 'legitimate_interest' })
    const missing = await call('GET', '/purposes/no_such_purpose', product)
    expect(missing.statusCode).toBe(404)
    expect(problemOf(missing).type).toBe('urn:tresor:problem:not-found')
  })

  it('lets only the DPO add a purpose, validated, with defaults for the DPV terms', async () => {
    expect((await call('POST', '/purposes', marketing, NEW_PURPOSE)).statusCode).toBe(403)
    const res = await call('POST', '/purposes', dpo, NEW_PURPOSE)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      key: 'event_invitations',
      art9Basis: null,
      consentValidity: null,
      dpvPurpose: 'dpv:DirectMarketing',
      dpvLegalBasis: 'eu-gdpr:A6-1-f',
      version: 1,
    })
    expect((await call('POST', '/purposes', dpo, NEW_PURPOSE)).statusCode).toBe(409)
  })

  it('refuses purposes the law does not allow, naming the field', async () => {
    const emailWithoutDoi = { ...NEW_PURPOSE, key: 'mail_offers', legalBasis: 'consent', channels: ['email'] }
    const res = await call('POST', '/purposes', dpo, emailWithoutDoi)
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(['doubleOptIn'])
    const twoBases = await call('POST', '/purposes', dpo, {
      ...NEW_PURPOSE,
      key: 'two',
      legalBasis: ['consent', 'contract'],
    })
    expect(twoBases.statusCode).toBe(400)
    const contractMarketing = await call('POST', '/purposes', dpo, {
      ...NEW_PURPOSE,
      key: 'cm',
      legalBasis: 'contract',
    })
    expect(problemOf(contractMarketing).errors?.map((e) => e.field)).toEqual(['directMarketing'])
    const extra = await call('POST', '/purposes', dpo, { ...NEW_PURPOSE, key: 'extra', sneaky: true })
    expect(problemOf(extra).errors?.[0]?.field).toBe('sneaky')
  })

  it('changes a purpose, bumps its version, and leaves it alone when nothing differs', async () => {
    const patch = { name: { de: 'Einladungen', en: 'Invitations' } }
    const res = await call('PATCH', '/purposes/event_invitations', dpo, patch)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ name: patch.name, version: 2 })
    const again = await call('PATCH', '/purposes/event_invitations', dpo, patch)
    expect(again.json()).toMatchObject({ version: 2 })
    // Audited with who and which properties; the unchanged second PATCH wrote nothing.
    const audited = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'actor_type', 'actor_role', 'fields'])
      .where('purpose', '=', 'event_invitations')
      .orderBy('seq')
      .execute()
    expect(audited).toEqual([
      {
        action: 'configure',
        actor_type: 'user',
        actor_role: 'dpo',
        fields: expect.arrayContaining(['legalBasis']),
      },
      { action: 'configure', actor_type: 'user', actor_role: 'dpo', fields: ['name'] },
    ])
    expect((await call('PATCH', '/purposes/event_invitations', dpo, {})).statusCode).toBe(400)
    expect((await call('PATCH', '/purposes/event_invitations', marketing, patch)).statusCode).toBe(403)
    expect((await call('PATCH', '/purposes/nothing_here', dpo, patch)).statusCode).toBe(404)
    const invalid = await call('PATCH', '/purposes/newsletter_email', dpo, { doubleOptIn: false })
    expect(problemOf(invalid).errors?.map((e) => e.field)).toEqual(['doubleOptIn'])
  })

  it('moves the DPV legal basis along with the legal basis while the purpose is unused', async () => {
    const res = await call('PATCH', '/purposes/event_invitations', dpo, {
      legalBasis: 'consent',
      channels: ['post', 'phone'],
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ legalBasis: 'consent', dpvLegalBasis: 'eu-gdpr:A6-1-a', version: 3 })
  })

  it('is described in the OpenAPI document, with the permission routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    const paths = Object.keys((res.json() as { paths: Record<string, unknown> }).paths)
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/purposes',
        '/api/v1/purposes/{key}',
        '/api/v1/subjects/{id}/consents',
        '/api/v1/subjects/{id}/objections',
        '/api/v1/subjects/{id}/restriction',
        '/api/v1/subjects/{id}/permissions',
      ]),
    )
  })
})
