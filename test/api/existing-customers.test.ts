import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface Decision {
  purposeKey: string
  channel: string
  allowed: boolean
  basis?: string
  rule?: string
  reason?: string
}
interface Permissions {
  customer: boolean
  consents: unknown[]
  decisions: Decision[]
}

/**
 * § 7(2) No. 2 and (3) UWG: advertising by e-mail needs consent, except to own customers whose
 * address was obtained in a sale (existing_customer_email). The gate demands an order, and an
 * objection ends it at once (Art. 21(3)).
 */
describeEachEngine('§ 7(3) UWG: e-mail advertising to existing customers', (runtime) => {
  let t: TestApp
  let staff: string
  let dpo: string

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const decision = async (subject: string, purposeKey: string, channel: string) => {
    const res = await call('GET', `/subjects/${subject}/permissions`, staff)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as Permissions
    return {
      body,
      decision: body.decisions.find((d) => d.purposeKey === purposeKey && d.channel === channel),
    }
  }
  const audience = (subject: string, purposeKey = 'existing_customer_email') =>
    runtime().services.permissions.countAudience({ purposeKey, filter: { subjectIds: [subject] } })
  const order = async (subject: string, orderNumber: string) => {
    const res = await call('POST', `/subjects/${subject}/orders`, staff, {
      orderNumber,
      orderedAt: '2026-01-15T10:00:00Z',
      lines: [{ description: 'Tresor Basic', quantity: 1, unitPriceCents: 4900 }],
    })
    expect(res.statusCode, res.body).toBe(201)
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    staff = await t.signIn('uwg-staff@example.com', 'admin')
    dpo = await t.signIn('uwg-dpo@example.com', 'dpo')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('denies a subject without orders, allows an existing customer without any consent, stops on objection', async () => {
    const subject = await createSubject(t.app, staff, { firstName: 'Käthe', email: 'kaethe@example.com' })

    const before = await decision(subject, 'existing_customer_email', 'email')
    expect(before.body.customer).toBe(false)
    expect(before.decision).toMatchObject({ allowed: false, rule: 'not-existing-customer' })
    expect(before.decision?.reason).toMatch(/§ 7\(3\) UWG/)
    expect(before.decision?.reason).not.toMatch(/kaethe|Käthe/i)
    expect(await audience(subject)).toBe(0)
    const denied = await runtime().services.permissions.denials({
      purposeKey: 'existing_customer_email',
      subjectIds: [subject],
    })
    expect(denied.get(subject)?.rule).toBe('not-existing-customer')

    await order(subject, 'A-7301')
    const after = await decision(subject, 'existing_customer_email', 'email')
    expect(after.body.customer).toBe(true)
    expect(after.body.consents).toEqual([])
    expect(after.decision).toEqual({
      purposeKey: 'existing_customer_email',
      channel: 'email',
      allowed: true,
      basis: 'legitimate_interest',
    })
    expect(await audience(subject)).toBe(1)
    // An order is no consent: the newsletter still needs its double opt-in.
    expect((await decision(subject, 'newsletter_email', 'email')).decision).toMatchObject({
      allowed: false,
      rule: 'no-consent',
    })

    const objected = await call('POST', `/subjects/${subject}/objections`, staff, {
      scope: 'all_marketing',
      source: 'email',
    })
    expect(objected.statusCode, objected.body).toBe(201)
    expect((await decision(subject, 'existing_customer_email', 'email')).decision).toMatchObject({
      allowed: false,
      rule: 'objected',
    })
    expect(await audience(subject)).toBe(0)
  })

  it('refuses a legitimate-interest e-mail marketing purpose without the existing-customer flag', async () => {
    const body = {
      key: 'cold_mailing',
      name: { de: 'Kaltakquise', en: 'Cold mailing' },
      description: { de: 'Test', en: 'Test' },
      legalBasis: 'legitimate_interest',
      channels: ['email'],
      doubleOptIn: false,
      profiling: false,
      directMarketing: true,
      retention: { period: 'P2Y', rule: { de: 'Test', en: 'Test' } },
    }
    const refused = await call('POST', '/purposes', dpo, body)
    expect(refused.statusCode, refused.body).toBe(400)
    expect(problemOf(refused).errors?.map((e) => e.field)).toEqual(['existingCustomers'])
    expect(problemOf(refused).detail).toMatch(/§ 7\(2\) No\. 2 UWG/)
    // Adding e-mail to postal advertising is refused the same way.
    const patched = await call('PATCH', '/purposes/postal_advertising', dpo, { channels: ['post', 'email'] })
    expect(patched.statusCode, patched.body).toBe(400)

    const created = await call('POST', '/purposes', dpo, { ...body, existingCustomers: true })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ key: 'cold_mailing', existingCustomers: true })
    // Clients that don't know the flag keep working: it defaults to false.
    const post = await call('POST', '/purposes', dpo, {
      ...body,
      key: 'catalogue_post',
      channels: ['post'],
    })
    expect(post.statusCode, post.body).toBe(201)
    expect(post.json()).toMatchObject({ existingCustomers: false })
  })

  describe('a database whose stored purpose the registry would now refuse', () => {
    it('still starts (the seed never rewrites it) and the gate holds it to § 7(3) UWG', async () => {
      const db = runtime().database.db
      // As an older registry accepted it: e-mail advertising on legitimate interest, no flag.
      await db
        .updateTable('purpose')
        .set({ channels: ['post', 'email'] })
        .where('key', '=', 'catalogue_post')
        .execute()
      // What start-up does with the registry: insert what is missing, validate nothing stored.
      expect(await runtime().services.purposes.seed()).toEqual([])
      const subject = await createSubject(t.app, staff, { firstName: 'Alt' })
      const res = await decision(subject, 'catalogue_post', 'email')
      expect(res.decision).toMatchObject({ allowed: false, rule: 'not-existing-customer' })
      expect((await decision(subject, 'catalogue_post', 'post')).decision).toMatchObject({ allowed: true })
      expect(await audience(subject, 'catalogue_post').catch((e: Error) => e.message)).toMatch(/channel/)
      expect(
        await runtime().services.permissions.countAudience({
          purposeKey: 'catalogue_post',
          channel: 'email',
          filter: { subjectIds: [subject] },
        }),
      ).toBe(0)
      await order(subject, 'A-7302')
      expect((await decision(subject, 'catalogue_post', 'email')).decision).toMatchObject({ allowed: true })
      expect(
        await runtime().services.permissions.countAudience({
          purposeKey: 'catalogue_post',
          channel: 'email',
          filter: { subjectIds: [subject] },
        }),
      ).toBe(1)
    })
  })
})
