import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface PurposeJson {
  key: string
  version: number
  scope: {
    roles: string[]
    subjectKinds: string[]
    requiresRecord: string | null
    fieldCategories: string[]
    restrictionException: string | null
  }
}

/**
 * A purpose says what it covers (Art. 5(1)(b)-(c), Art. 18(2), § 7 UWG): who may act under it,
 * which subjects it reaches, which data it uses, and whether it survives a restriction. Each case
 * here was a yes of the gate before purposes had a scope.
 */
describeEachEngine('the purpose scope', (runtime) => {
  let t: TestApp
  let admin: string
  let dpo: string
  let marketing: string
  let accounting: string

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const auditSince = async (seq: number) =>
    runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'purpose', 'reason', 'subject_ids', 'fields'])
      .where('seq', '>', seq)
      .orderBy('seq')
      .execute()
  const head = async () =>
    Number(
      (
        await runtime()
          .database.db.selectFrom('audit_event')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .executeTakeFirstOrThrow()
      ).seq ?? 0,
    )
  const restrict = async (subject: string) => {
    const res = await call('PUT', `/subjects/${subject}/restriction`, dpo, { ground: 'accuracy-contested' })
    expect(res.statusCode, res.body).toBe(200)
  }
  const invoice = async (subject: string, invoiceNumber: string) => {
    const res = await call('POST', `/subjects/${subject}/invoices`, accounting, {
      invoiceNumber,
      issuedAt: '2026-03-01T10:00:00Z',
      dueOn: '2026-03-15',
      amountCents: 12_000,
    })
    expect(res.statusCode, res.body).toBe(201)
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('scope-admin@example.com', 'admin')
    dpo = await t.signIn('scope-dpo@example.com', 'dpo')
    marketing = await t.signIn('scope-marketing@example.com', 'marketing')
    accounting = await t.signIn('scope-accounting@example.com', 'accounting')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('shows every purpose with its scope, seeded from the rule book', async () => {
    const list = (await call('GET', '/purposes', marketing)).json() as { items: PurposeJson[] }
    const byKey = new Map(list.items.map((p) => [p.key, p]))
    expect(byKey.get('invoicing_retention')?.scope).toEqual({
      roles: ['accounting', 'dpo'],
      subjectKinds: [],
      requiresRecord: 'invoice',
      fieldCategories: ['identity', 'address', 'bank', 'organisation', 'billing'],
      restrictionException: 'important_public_interest',
    })
    expect(byKey.get('b2b_prospecting')?.scope.subjectKinds).toEqual(['b2b_contact'])
    expect(byKey.get('customer_service')?.scope.roles).not.toContain('marketing')
    expect(byKey.get('legal_claims')?.scope.restrictionException).toBe('legal_claims')
    for (const p of list.items) expect(p.scope.roles.length, p.key).toBeGreaterThan(0)
  })

  it('refuses a role that names a purpose it does not hold, audited, and lets the DPO add the role', async () => {
    const subject = await createSubject(t.app, admin, { firstName: 'Rosa', email: 'rosa@scope.test' })
    // Art. 21(1): Rosa objected to contact management; marketing may not route around that by
    // naming the service purpose, which isn't marketing's.
    const objection = await call('POST', `/subjects/${subject}/objections`, dpo, {
      scope: 'purpose',
      purposeKey: 'contact_management',
      source: 'letter',
    })
    expect(objection.statusCode, objection.body).toBe(201)
    const before = await head()
    const refused = await call('GET', `/subjects/${subject}?purpose=customer_service`, marketing)
    expect(refused.statusCode).toBe(403)
    const problem = problemOf(refused)
    expect(problem.detail).toMatch(/customer_service/)
    expect(problem.errors?.[0]).toMatchObject({ field: 'purpose' })
    expect(refused.body).not.toMatch(/Rosa|rosa@/)
    const records = await auditSince(before)
    expect(records).toContainEqual(
      expect.objectContaining({
        action: 'denied',
        purpose: 'customer_service',
        reason: expect.stringMatching(/purpose scope: role marketing/),
      }),
    )
    // The same for lists and exports.
    expect((await call('GET', '/subjects?purpose=invoicing_retention', marketing)).statusCode).toBe(403)
    // Accounting may not use marketing purposes either.
    expect((await call('GET', `/subjects/${subject}?purpose=newsletter_email`, accounting)).statusCode).toBe(
      403,
    )

    // The DPO widens the scope: versioned and audited.
    const current = (await call('GET', '/purposes/customer_service', dpo)).json() as PurposeJson
    const since = await head()
    const patched = await call('PATCH', '/purposes/customer_service', dpo, {
      scope: { ...current.scope, roles: [...current.scope.roles, 'marketing'] },
    })
    expect(patched.statusCode, patched.body).toBe(200)
    expect((patched.json() as PurposeJson).version).toBe(current.version + 1)
    expect(await auditSince(since)).toContainEqual(
      expect.objectContaining({ action: 'configure', purpose: 'customer_service', fields: ['scope'] }),
    )
    const now = await call('GET', `/subjects/${subject}?purpose=customer_service`, marketing)
    expect(now.statusCode, now.body).toBe(200)
    // A role that doesn't exist, and a B2B call purpose reaching consumers, are refused.
    const typo = await call('PATCH', '/purposes/customer_service', dpo, {
      scope: { ...current.scope, roles: ['acounting'] },
    })
    expect(problemOf(typo).errors?.[0]?.field).toBe('scope.roles')
    const b2b = (await call('GET', '/purposes/b2b_prospecting', dpo)).json() as PurposeJson
    const consumers = await call('PATCH', '/purposes/b2b_prospecting', dpo, {
      scope: { ...b2b.scope, subjectKinds: [] },
    })
    expect(consumers.statusCode).toBe(400)
    expect(problemOf(consumers).errors?.[0]).toMatchObject({ field: 'scope.subjectKinds' })
    expect(problemOf(consumers).errors?.[0]?.reason).toMatch(/§ 7\(2\) No\. 1 UWG/)
  })

  it('names a new role in the scope of the purposes it is created for (default: contact management)', async () => {
    const create = (payload: object) => call('POST', '/roles', admin, payload)
    const plain = await create({
      name: 'desk',
      permissions: ['subjects:read'],
      fieldCategories: ['identity'],
    })
    expect(plain.statusCode, plain.body).toBe(201)
    const named = await create({
      name: 'claims-desk',
      permissions: ['subjects:read'],
      fieldCategories: ['identity', 'billing'],
      purposes: ['legal_claims', 'contact_management'],
    })
    expect(named.statusCode, named.body).toBe(201)
    const scopeOf = async (key: string) =>
      ((await call('GET', `/purposes/${key}`, dpo)).json() as PurposeJson).scope
    expect((await scopeOf('contact_management')).roles).toEqual(
      expect.arrayContaining(['desk', 'claims-desk']),
    )
    expect((await scopeOf('legal_claims')).roles).toContain('claims-desk')
    expect((await scopeOf('legal_claims')).roles).not.toContain('desk')
    const unknown = await create({
      name: 'nobody',
      permissions: ['subjects:read'],
      fieldCategories: ['identity'],
      purposes: ['no_such_purpose'],
    })
    expect(problemOf(unknown).errors?.[0]?.field).toBe('purposes')
    expect((await call('GET', '/roles', admin)).body).not.toContain('"nobody"')
  })

  it('keeps invoicing retention to the subjects with invoices and to the billing identity, also when restricted', async () => {
    const noInvoice = await createSubject(t.app, admin, { firstName: 'Lea', email: 'lea@scope.test' })
    const withInvoice = await createSubject(t.app, admin, {
      firstName: 'Mia',
      lastName: 'Kaufmann',
      email: 'mia@scope.test',
      phone: '+4915123456789',
      street: 'Hauptstraße 1',
      city: 'Köln',
    })
    await invoice(withInvoice, 'R-2026-0001')
    await restrict(noInvoice)
    await restrict(withInvoice)

    // Restricted and without an invoice: nothing under the retention duty (Art. 18(2)).
    const none = await call('GET', `/subjects/${noInvoice}?purpose=invoicing_retention`, accounting)
    expect(none.statusCode).toBe(403)
    expect(problemOf(none).detail).toMatch(/record-not-held/)
    // Order processing (a contract) stops at the restriction.
    expect(
      (await call('GET', `/subjects/${withInvoice}?purpose=order_processing`, accounting)).statusCode,
    ).toBe(403)

    // Restricted with an invoice: the invoice and the billing identity, not phone or e-mail.
    const before = await head()
    const kept = await call('GET', `/subjects/${withInvoice}?purpose=invoicing_retention`, accounting)
    expect(kept.statusCode, kept.body).toBe(200)
    const body = kept.json() as { identifiers: Record<string, string> }
    expect(body.identifiers).toMatchObject({ firstName: 'Mia', lastName: 'Kaufmann', city: 'Köln' })
    expect(body.identifiers).not.toHaveProperty('email')
    expect(body.identifiers).not.toHaveProperty('phone')
    const invoices = await call(
      'GET',
      `/subjects/${withInvoice}/invoices?purpose=invoicing_retention`,
      accounting,
    )
    expect(invoices.statusCode, invoices.body).toBe(200)
    expect((invoices.json() as unknown[]).length).toBe(1)
    // Every use of the exception is audited with its ground.
    expect(await auditSince(before)).toContainEqual(
      expect.objectContaining({
        purpose: 'invoicing_retention',
        subject_ids: [withInvoice],
        reason: expect.stringMatching(/Art\. 18\(2\) exception.*important_public_interest/),
      }),
    )
    // An export under the duty holds only the invoiced subject.
    const csv = await call('GET', '/subjects/export?format=csv&purpose=invoicing_retention', dpo)
    expect(csv.statusCode, csv.body).toBe(200)
    expect(csv.body).toContain(withInvoice)
    expect(csv.body).not.toContain(noInvoice)
  })

  it('lets B2B prospecting reach B2B contacts only (§ 7(2) No. 1 UWG)', async () => {
    const consumer = await createSubject(t.app, admin, { firstName: 'Otto', email: 'otto@scope.test' })
    const business = await call('POST', '/subjects', admin, {
      kinds: ['b2b_contact'],
      identifiers: { firstName: 'Berta', email: 'berta@firma.test', phone: '+4922112345678' },
    })
    expect(business.statusCode, business.body).toBe(201)
    const businessId = (business.json() as { id: string }).id
    const { permissions } = runtime().services
    const denied = await permissions.denials({
      purposeKey: 'b2b_prospecting',
      channel: 'phone',
      subjectIds: [consumer, businessId],
    })
    expect(denied.get(consumer)?.rule).toBe('subject-kind-not-covered')
    expect(denied.has(businessId)).toBe(false)
    const single = await call('GET', `/subjects/${consumer}?purpose=b2b_prospecting&channel=phone`, marketing)
    expect(single.statusCode).toBe(403)
    expect(problemOf(single).detail).toMatch(/subject-kind-not-covered/)
    const ok = await call('GET', `/subjects/${businessId}?purpose=b2b_prospecting&channel=phone`, marketing)
    expect(ok.statusCode, ok.body).toBe(200)
  })
})
