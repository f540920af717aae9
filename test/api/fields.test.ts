import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface Field {
  key: string
  category: string
  special: string | null
  dataType: string
  options: string[]
  purposes: string[]
  builtin: boolean
  version: number
}

describeEachEngine('the field catalog', (runtime) => {
  let t: TestApp
  let admin: string
  let dpo: string
  let marketing: string
  let accounting: string
  let sales: string

  const call = (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    cookie: string,
    payload?: Record<string, unknown>,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    dpo = await t.signIn('dpo@example.test', 'dpo')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    accounting = await t.signIn('accounting@example.test', 'accounting')
    sales = await t.signIn('sales@example.test', 'sales')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('is seeded with the fields a typical CRM holds, special categories marked', async () => {
    const fields = (await call('GET', '/fields', marketing)).json() as Field[]
    const byKey = new Map(fields.map((f) => [f.key, f]))
    expect(byKey.get('email')).toMatchObject({ category: 'contact', builtin: true })
    expect(byKey.get('interests')).toMatchObject({ category: 'psychographic', dataType: 'multi_enum' })
    expect(byKey.get('incomeBand')).toMatchObject({ category: 'socio_demographic', dataType: 'enum' })
    expect(byKey.get('dietaryRequirements')).toMatchObject({ special: 'health', purposes: [] })
  })

  it('lets the DPO add an attribute, audited; others may not', async () => {
    const body = {
      key: 'favouriteStore',
      label: { de: 'Lieblingsfiliale', en: 'Favourite store' },
      category: 'behavioural',
      dataType: 'text',
    }
    expect((await call('POST', '/fields', marketing, body)).statusCode).toBe(403)
    const res = await call('POST', '/fields', dpo, body)
    expect(res.statusCode, res.body).toBe(201)
    const taken = problemOf(await call('POST', '/fields', dpo, body))
    expect(taken.status).toBe(409)
    expect(taken.errors).toEqual([expect.objectContaining({ in: 'body', field: 'key' })])
    expect(
      problemOf(await call('POST', '/fields', dpo, { ...body, key: 'choice', dataType: 'enum' })).errors?.[0]
        ?.field,
    ).toBe('options')
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ reason: string }>(
        `select reason from audit_event where action = 'configure' and reason like 'field favouriteStore%'`,
      ),
    )
    expect(rows).toHaveLength(1)
  })

  it('checks attribute values against the catalog, and shows each role only its categories (accounting: no interests)', async () => {
    const create = (attributes: Record<string, unknown>) =>
      call('POST', '/subjects', admin, {
        kinds: ['customer'],
        identifiers: { email: `f${Math.random()}@fields.test` },
        attributes,
      })
    expect(problemOf(await create({ interests: ['travel', 'flying'] })).errors?.[0]?.field).toBe(
      'attributes.interests',
    )
    expect(problemOf(await create({ shoeSize: 42 })).errors?.[0]?.field).toBe('attributes.shoeSize')
    expect(problemOf(await create({ householdSize: 'many' })).errors?.[0]?.field).toBe(
      'attributes.householdSize',
    )
    const res = await create({
      interests: ['travel', 'music'],
      favouriteStore: 'Mitte',
      incomeBand: '40-60k',
      country: 'DE',
    })
    expect(res.statusCode, res.body).toBe(201)
    const id = (res.json() as { id: string }).id
    const attributesAs = async (cookie: string) =>
      ((await call('GET', `/subjects/${id}`, cookie)).json() as { attributes: Record<string, unknown> })
        .attributes
    expect(await attributesAs(marketing)).toEqual({
      interests: ['travel', 'music'],
      favouriteStore: 'Mitte',
      incomeBand: '40-60k',
      country: 'DE',
    })
    expect(await attributesAs(accounting)).toEqual({})
    expect(await attributesAs(sales)).toEqual({
      favouriteStore: 'Mitte',
      incomeBand: '40-60k',
      country: 'DE',
    })
  })

  it('writes and shows a special category only for a purpose with an Art. 9 basis that it serves, and only with the explicit consent', async () => {
    const special = { dietaryRequirements: ['vegan'] }
    const newSubject = (purpose?: string, extra: Record<string, unknown> = {}) =>
      call('POST', '/subjects', admin, {
        kinds: ['customer'],
        identifiers: { email: `s${Math.random()}@fields.test` },
        attributes: special,
        ...(purpose ? { purpose } : {}),
        ...extra,
      })
    expect(problemOf(await newSubject()).errors?.[0]?.field).toBe('attributes.dietaryRequirements')
    const purpose = await call('POST', '/purposes', dpo, {
      key: 'event_catering',
      name: { de: 'Verpflegung bei Veranstaltungen', en: 'Event catering' },
      description: { de: 'Test', en: 'Test' },
      legalBasis: 'contract',
      art9Basis: 'explicit_consent',
      channels: ['none'],
      doubleOptIn: false,
      profiling: false,
      directMarketing: false,
      retention: { period: 'P3M', rule: { de: 'Nach der Veranstaltung', en: 'After the event' } },
    })
    expect(purpose.statusCode, purpose.body).toBe(201)
    // A special category may serve only Art. 9 purposes.
    expect(
      problemOf(await call('PATCH', '/fields/dietaryRequirements', dpo, { purposes: ['newsletter_email'] }))
        .status,
    ).toBe(400)
    expect(
      (await call('PATCH', '/fields/dietaryRequirements', dpo, { purposes: ['event_catering'] })).statusCode,
    ).toBe(200)
    // Art. 9(1)-(2)(a): not a byte without the person's explicit consent — the purpose's Art. 9
    // basis alone is not enough. The refusal names the field and the consent missing; nothing is stored.
    const before = ((await call('GET', '/subjects/count', admin)).json() as { total: number }).total
    const refused = await newSubject('event_catering')
    expect(refused.statusCode, refused.body).toBe(403)
    expect(problemOf(refused).errors?.[0]).toMatchObject({
      in: 'body',
      field: 'attributes.dietaryRequirements',
    })
    expect(problemOf(refused).errors?.[0]?.reason).toMatch(/explicit consent.*event_catering/)
    expect(((await call('GET', '/subjects/count', admin)).json() as { total: number }).total).toBe(before)
    // Given in the same request (a signed registration form), with its proof: stored.
    const consent = {
      purposeKey: 'event_catering',
      channel: 'none',
      kind: 'granted',
      proof: { source: 'form', formKey: 'event-registration', textVersion: 'v1' },
    }
    const res = await newSubject('event_catering', { consents: [consent] })
    expect(res.statusCode, res.body).toBe(201)
    const id = (res.json() as { id: string }).id
    // Under contact management the special category is withheld, even from the DPO…
    const plain = (await call('GET', `/subjects/${id}`, dpo)).json() as {
      attributes: Record<string, unknown>
    }
    expect(plain.attributes).not.toHaveProperty('dietaryRequirements')
    // …and for its own purpose it is there, with the explicit consent (Art. 9(2)(a)).
    const allowed = (await call('GET', `/subjects/${id}?purpose=event_catering`, dpo)).json() as {
      attributes: Record<string, unknown>
    }
    expect(allowed.attributes).toEqual({ dietaryRequirements: ['vegan'] })

    // Rectification: changing the value needs the consent too; once withdrawn, no new value.
    const other = await call('POST', '/subjects', admin, {
      kinds: ['customer'],
      identifiers: { email: `o${Math.random()}@fields.test` },
    })
    const otherId = (other.json() as { id: string }).id
    const change = (subject: string) =>
      call('PATCH', `/subjects/${subject}`, admin, {
        attributes: { dietaryRequirements: ['vegetarian'] },
        purpose: 'event_catering',
        reason: 'told us at the desk',
      })
    // A subject without consent can't be used for the consent purpose at all (Art. 6(1)(a) for the
    // contract purpose's special categories) — and never gets the value.
    expect((await change(otherId)).statusCode).toBe(403)
    const viaContactManagement = await call('PATCH', `/subjects/${otherId}`, admin, {
      attributes: { dietaryRequirements: ['vegetarian'] },
      reason: 'told us at the desk',
    })
    expect(viaContactManagement.statusCode, viaContactManagement.body).toBe(403)
    expect(problemOf(viaContactManagement).errors?.[0]?.field).toBe('attributes.dietaryRequirements')
    expect((await change(id)).statusCode).toBe(200)
    const withdrawn = await call('POST', `/subjects/${id}/consents`, dpo, {
      ...consent,
      kind: 'withdrawn',
    })
    expect(withdrawn.statusCode, withdrawn.body).toBe(201)
    const afterWithdrawal = await call('PATCH', `/subjects/${id}`, admin, {
      attributes: { dietaryRequirements: ['vegan'] },
      reason: 'told us at the desk',
    })
    expect(afterWithdrawal.statusCode).toBe(403)
    expect(problemOf(afterWithdrawal).errors?.[0]?.field).toBe('attributes.dietaryRequirements')
  })

  it('filters lists on attributes the role may see, counting only the matches', async () => {
    const make = (attributes: Record<string, unknown>) =>
      call('POST', '/subjects', admin, {
        kinds: ['applicant'],
        identifiers: { email: `l${Math.random()}@fields.test` },
        attributes,
      })
    await make({ region: 'DE-44', interests: ['travel', 'books'] })
    await make({ region: 'DE-44', interests: ['books'] })
    await make({ region: 'DE-45', interests: ['travel'] })
    const list = async (filter: Record<string, unknown>, cookie = marketing) =>
      call('GET', `/subjects?kind=applicant&attributes=${encodeURIComponent(JSON.stringify(filter))}`, cookie)
    const page = (await list({ region: 'DE-44', interests: ['travel'] })).json() as {
      items: { attributes: Record<string, unknown> }[]
      total: number
    }
    expect(page.total).toBe(1)
    expect(page.items.map((i) => i.attributes)).toEqual([{ region: 'DE-44', interests: ['travel', 'books'] }])
    expect(((await list({ region: 'DE-44' })).json() as { total: number }).total).toBe(2)
    // Sales may not see interests, so it may not filter on them either.
    const refused = await list({ interests: ['travel'] }, sales)
    expect(problemOf(refused).status).toBe(403)
    expect(problemOf(refused).errors?.[0]?.field).toBe('attributes.interests')
    expect(problemOf(await list({ shoeSize: 42 })).errors?.[0]?.field).toBe('attributes.shoeSize')
    expect(problemOf(await list({ interests: ['flying'] })).errors?.[0]?.field).toBe('attributes.interests')
    expect(problemOf(await call('GET', '/subjects?attributes=nope', marketing)).errors?.[0]?.field).toBe(
      'attributes',
    )
  })

  it('keeps identifiers in their category and versions every change', async () => {
    expect(problemOf(await call('PATCH', '/fields/iban', dpo, { category: 'contact' })).status).toBe(400)
    const changed = (
      await call('PATCH', '/fields/occupation', dpo, { label: { de: 'Tätigkeit', en: 'Job' } })
    ).json() as Field
    expect(changed.version).toBe(2)
  })
})
