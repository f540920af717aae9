import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../../../test/support/http.ts'

interface RecipientBody {
  id: string
  name: string
  country: string
  mechanism: string
  version: number
  retiredAt: string | null
  verdict: {
    lawful: boolean
    thirdCountry: boolean
    basis: string | null
    missing: { field: string; reason: string }[]
  }
}

describeEachEngine('recipients, transfers and disclosures (Art. 28, 44-49, 15(1)(c))', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string
  let subjects: string[]
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@example.com', 'dpo')
    sales = await t.signIn('sales@example.com', 'sales')
    subjects = [
      await createSubject(t.app, dpo, { firstName: 'Erika', lastName: 'Muster', email: 'erika@example.com' }),
      await createSubject(t.app, dpo, { firstName: 'Max', email: 'max@example.com' }),
    ]
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })

  const US_MAILER = {
    name: 'Mailer Inc.',
    role: 'processor',
    country: 'US',
    mechanism: 'adequacy',
    contractDate: '2025-02-01',
    purposes: ['contact_management'],
    fieldCategories: ['contact'],
  }

  it('seeds the adequacy decisions, the US one for certified organisations only', async () => {
    const res = await call('GET', '/adequacy-decisions', sales)
    expect(res.statusCode, res.body).toBe(200)
    const items = (res.json() as { items: { country: string; scope: string; decision: string }[] }).items
    expect(items.map((d) => d.country)).toEqual(
      expect.arrayContaining(['AD', 'AR', 'CA', 'CH', 'GB', 'IL', 'JP', 'KR', 'NZ', 'US', 'UY']),
    )
    expect(items.find((d) => d.country === 'US')).toMatchObject({
      scope: 'certified',
      decision: '(EU) 2023/1795',
    })
    expect(await runtime().services.recipients.seed()).toEqual([])
  })

  it('keeps recipients with their verdict; only recipients:manage changes them, audited, naming fields', async () => {
    expect((await call('POST', '/recipients', sales, US_MAILER)).statusCode).toBe(403)
    const bad = await call('POST', '/recipients', dpo, { ...US_MAILER, country: 'XX', purposes: ['no_such'] })
    expect(bad.statusCode).toBe(400)
    expect(
      problemOf(bad)
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(['country', 'purposes'])
    const created = await call('POST', '/recipients', dpo, US_MAILER)
    expect(created.statusCode, created.body).toBe(201)
    const mailer = created.json() as RecipientBody
    expect(mailer.verdict).toMatchObject({ lawful: false, thirdCountry: true })
    expect(mailer.verdict.missing).toEqual([
      { field: 'dpfCertifiedOn', reason: expect.stringMatching(/US recipient without certification/) },
    ])
    const list = await call('GET', '/recipients', sales)
    expect((list.json() as { items: RecipientBody[] }).items.map((r) => r.id)).toContain(mailer.id)
    const history = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'reason', 'fields'])
      .where('reason', 'like', `recipient ${mailer.id} added%`)
      .execute()
    expect(history).toHaveLength(1)
  })

  it('refuses an export to a US recipient without DPF certification or SCC, audited; with SCC it passes, withholding what it does not receive', async () => {
    const mailer = (await call('GET', '/recipients', dpo)).json() as { items: RecipientBody[] }
    const id = mailer.items.find((r) => r.name === 'Mailer Inc.')?.id as string
    const refused = await call('GET', `/subjects/export?recipient=${id}&fields=email,firstName`, dpo)
    expect(refused.statusCode).toBe(403)
    const problem = problemOf(refused)
    expect(problem.detail).toMatch(/Mailer Inc\. \(US\)/)
    expect(problem.errors).toEqual([
      {
        in: 'query',
        field: 'recipient',
        reason: expect.stringMatching(/Mailer Inc\. \(US\), dpfCertifiedOn: .*or use SCC/),
      },
    ])
    const denied = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'reason'])
      .where('reason', 'like', `disclosure to recipient ${id}%refused%`)
      .execute()
    expect(denied).toEqual([{ action: 'denied', reason: expect.stringMatching(/dpfCertifiedOn/) }])

    const changed = await call('PATCH', `/recipients/${id}`, dpo, {
      mechanism: 'scc',
      sccModule: 2,
      sccDate: '2024-06-01',
    })
    expect(changed.statusCode, changed.body).toBe(200)
    expect((changed.json() as RecipientBody).verdict).toMatchObject({
      lawful: true,
      basis: expect.stringMatching(/module 2/),
    })
    const ok = await call('GET', `/subjects/export?recipient=${id}&fields=email,firstName`, dpo)
    expect(ok.statusCode, ok.body).toBe(200)
    const [header, ...rows] = ok.body.trim().split(/\r?\n/)
    expect(header).toContain('email')
    expect(header).not.toContain('firstName')
    expect(ok.headers['x-tresor-withheld-fields']).toBe('firstName')
    expect(rows.join('\n')).toContain('erika@example.com')
    expect(rows.join('\n')).not.toContain('Erika')

    // A purpose the recipient does not receive: refused, naming it.
    const purpose = await call('GET', `/subjects/export?recipient=${id}&purpose=customer_service`, dpo)
    expect(purpose.statusCode).toBe(403)
    expect(problemOf(purpose).errors?.[0]?.field).toBe('purpose')
    // Unknown recipient: 400 naming it; internal: as before.
    expect(
      problemOf(await call('GET', '/subjects/export?recipient=00000000-0000-4000-8000-000000000000', dpo))
        .errors?.[0]?.field,
    ).toBe('recipient')
    expect((await call('GET', '/subjects/export?recipient=internal&fields=firstName', dpo)).body).toContain(
      'Erika',
    )

    // Art. 15(1)(c): the subject's disclosures name the recipient, the fields and the purpose.
    const disclosures = await call('GET', `/subjects/${subjects[0]}/disclosures`, dpo)
    expect(disclosures.statusCode, disclosures.body).toBe(200)
    expect(disclosures.json()).toEqual({
      // Art. 19: no webhook tells this recipient of a rectification, erasure or restriction.
      recipients: [
        {
          recipient: expect.objectContaining({ id, name: 'Mailer Inc.' }),
          lastDisclosedAt: expect.any(String),
          notifiedBy: [],
          notifyByHand: ['subject.changed', 'subject.erased', 'subject.restricted'],
        },
      ],
      items: [
        expect.objectContaining({
          channel: 'export',
          purpose: 'contact_management',
          fields: ['email'],
          recipient: expect.objectContaining({ id, name: 'Mailer Inc.', country: 'US', role: 'processor' }),
        }),
      ],
    })
    expect(
      (await call('GET', '/subjects/00000000-0000-4000-8000-000000000000/disclosures', dpo)).statusCode,
    ).toBe(404)
  })

  it('retires a recipient: nothing more goes to it, its disclosures stay', async () => {
    const list = (await call('GET', '/recipients', dpo)).json() as { items: RecipientBody[] }
    const id = list.items.find((r) => r.name === 'Mailer Inc.')?.id as string
    const retired = await call('DELETE', `/recipients/${id}`, dpo)
    expect(retired.statusCode, retired.body).toBe(200)
    expect((retired.json() as RecipientBody).verdict.missing.map((m) => m.field)).toEqual(['retiredAt'])
    expect((await call('GET', `/subjects/export?recipient=${id}`, dpo)).statusCode).toBe(403)
    const disclosures = await call('GET', `/subjects/${subjects[0]}/disclosures`, dpo)
    expect((disclosures.json() as { items: unknown[] }).items).toHaveLength(1)
  })
})
