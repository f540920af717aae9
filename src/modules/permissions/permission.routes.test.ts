import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../../../test/support/http.ts'

interface View {
  subjectId: string
  erased: boolean
  restriction: { ground: string; liftNotice: { at: string; channel: string } | null } | null
  objections: { scope: string; channel: string | null }[]
  consents: { purposeKey: string; channel: string; status: string }[]
  decisions: { purposeKey: string; channel: string; allowed: boolean; rule?: string }[]
  history: { type: string; what: string; proof: Record<string, unknown> | null }[]
}

describeEachEngine('permissions API', (runtime) => {
  let t: TestApp
  let marketing: string
  let product: string
  let sales: string
  let subject: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    marketing = await t.signIn('marketing@example.com', 'marketing')
    product = await t.signIn('product@example.com', 'product')
    sales = await t.signIn('sales@example.com', 'sales')
    const row = await runtime()
      .database.db.insertInto('subject')
      .values({
        kinds: ['customer'],
        source: 'manual',
        attributes: '{}' as unknown as Record<string, unknown>,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    subject = row.id
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1/subjects/${subject}${path}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const decision = (view: View, purposeKey: string, channel: string) =>
    view.decisions.find((d) => d.purposeKey === purposeKey && d.channel === channel)

  const proof = { source: 'form', formKey: 'newsletter-signup', textVersion: 'nl-2026-01' }

  it('records a double opt-in: pending until confirmed', async () => {
    const requested = await call('POST', '/consents', marketing, {
      purposeKey: 'newsletter_email',
      channel: 'email',
      kind: 'requested',
      proof,
    })
    expect(requested.statusCode, requested.body).toBe(201)
    expect(decision(requested.json() as View, 'newsletter_email', 'email')).toMatchObject({
      allowed: false,
      rule: 'consent-pending-confirmation',
    })
    const confirmed = await call('POST', '/consents', marketing, {
      purposeKey: 'newsletter_email',
      channel: 'email',
      kind: 'confirmed',
      proof: { source: 'email', doi: { confirmedAt: new Date().toISOString(), ip: '198.51.100.0' } },
    })
    expect(confirmed.statusCode, confirmed.body).toBe(201)
    const view = confirmed.json() as View
    expect(view.consents).toEqual([
      expect.objectContaining({ purposeKey: 'newsletter_email', status: 'confirmed' }),
    ])
    expect(decision(view, 'newsletter_email', 'email')).toMatchObject({ allowed: true })
  })

  it('refuses what the rules forbid, with a problem naming why', async () => {
    const confirmUnasked = await call('POST', '/consents', marketing, {
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'confirmed',
      proof,
    })
    expect(confirmUnasked.statusCode).toBe(409)
    expect(problemOf(confirmUnasked).detail).toMatch(/requested or granted/)
    const contract = await call('POST', '/consents', marketing, {
      purposeKey: 'order_processing',
      channel: 'email',
      kind: 'granted',
      proof,
    })
    expect(contract.statusCode).toBe(400)
    expect(problemOf(contract).detail).toMatch(/rests on contract, not on consent/)
    const badProof = await call('POST', '/consents', marketing, {
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'granted',
      proof: { source: 'phone', textVersion: 'v1', favouriteColour: 'blue' },
    })
    expect(problemOf(badProof).errors?.[0]?.field).toBe('proof.favouriteColour')
    const objectToContract = await call('POST', '/objections', marketing, {
      scope: 'purpose',
      purposeKey: 'invoicing_retention',
      source: 'letter',
    })
    expect(objectToContract.statusCode).toBe(400)
  })

  it('an objection to all marketing stops marketing at once, not the contract', async () => {
    const res = await call('POST', '/objections', marketing, { scope: 'all_marketing', source: 'letter' })
    expect(res.statusCode, res.body).toBe(201)
    const view = res.json() as View
    expect(view.objections).toEqual([expect.objectContaining({ scope: 'all_marketing' })])
    expect(decision(view, 'newsletter_email', 'email')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(decision(view, 'postal_advertising', 'post')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(decision(view, 'order_processing', 'email')).toMatchObject({ allowed: true })
    const lifted = await call('POST', '/objections', marketing, {
      scope: 'all_marketing',
      action: 'lifted',
      source: 'portal',
    })
    expect(decision(lifted.json() as View, 'postal_advertising', 'post')).toMatchObject({ allowed: true })
  })

  it('restricts and lifts (Art. 18); purposes with an Art. 18(2) ground stay allowed', async () => {
    const put = await call('PUT', '/restriction', marketing, { ground: 'accuracy-contested' })
    expect(put.statusCode, put.body).toBe(200)
    const view = put.json() as View
    expect(view.restriction).toMatchObject({ ground: 'accuracy-contested', liftNotice: null })
    expect(decision(view, 'order_processing', 'none')).toMatchObject({ allowed: false, rule: 'restricted' })
    // Art. 18(2): only purposes with an exception ground go on — legal claims; invoicing retention
    // too, but only for subjects with invoices, and this one has none.
    expect(decision(view, 'legal_claims', 'none')).toMatchObject({ allowed: true })
    expect(decision(view, 'invoicing_retention', 'none')).toMatchObject({
      allowed: false,
      rule: 'record-not-held',
    })
    // Art. 18(3): the person is told before the restriction is lifted.
    const early = await call('DELETE', '/restriction', marketing)
    expect(early.statusCode).toBe(409)
    expect(early.body).toContain('Art. 18(3)')
    expect((await call('POST', '/restriction/notice', marketing, { channel: 'letter' })).statusCode).toBe(200)
    const noticed = (await call('GET', '/permissions', marketing)).json() as View
    expect(noticed.restriction?.liftNotice).toMatchObject({ channel: 'letter' })
    expect(Number.isNaN(Date.parse(noticed.restriction?.liftNotice?.at ?? ''))).toBe(false)
    const del = await call('DELETE', '/restriction', marketing)
    expect((del.json() as View).restriction).toBeNull()
    expect((await call('DELETE', '/restriction', marketing)).statusCode).toBe(404)
  })

  it('shows state and history to readers of contact data, writes only with permissions:write', async () => {
    const res = await call('GET', '/permissions', sales)
    expect(res.statusCode).toBe(200)
    const view = res.json() as View
    expect(view.history.map((h) => `${h.type}:${h.what}`)).toEqual([
      'consent:requested',
      'consent:confirmed',
      'objection:raised',
      'objection:lifted',
      'restriction:set',
      'restriction:lifted',
    ])
    expect(view.history[0]?.proof).toMatchObject({ textVersion: 'nl-2026-01' })
    // Every change and this look are in the audit trail, with the subject, never a value.
    const audited = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'purpose', 'reason'])
      .where(sql<boolean>`${subject}::uuid = any(subject_ids)`)
      .orderBy('seq')
      .execute()
    expect(audited.map((a) => a.action)).toEqual([
      'consent',
      'consent',
      'objection',
      'objection',
      'restrict',
      'restrict', // the Art. 18(3) notice before the lift
      'read', // the look at the notice recorded
      'restrict',
      'read',
    ])
    expect(audited[0]).toMatchObject({
      purpose: 'newsletter_email',
      reason: 'consent requested on email (source: form)',
    })
    const denied = await call('POST', '/objections', product, { scope: 'all_marketing', source: 'letter' })
    expect(denied.statusCode).toBe(403)
    // Whether a person may be contacted belongs with their contact data: product sees none of it.
    const hidden = await call('GET', '/permissions', product)
    expect(hidden.statusCode).toBe(403)
    expect(hidden.body).not.toContain('nl-2026-01')
  })

  it('404 for an unknown subject, 400 for a malformed id', async () => {
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subjects/00000000-0000-4000-8000-000000000000/permissions',
      headers: { cookie: sales },
    })
    expect(unknown.statusCode).toBe(404)
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/00000000-0000-4000-8000-000000000000/objections',
      headers: { cookie: marketing },
      payload: { scope: 'all_marketing', source: 'letter' },
    })
    expect(post.statusCode).toBe(404)
    const malformed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subjects/not-a-uuid/permissions',
      headers: { cookie: sales },
    })
    expect(malformed.statusCode).toBe(400)
  })
})
