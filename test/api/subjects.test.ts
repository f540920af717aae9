import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface SubjectBody {
  id: string
  kinds: string[]
  identifiers: Record<string, string>
  attributes: Record<string, unknown>
}

const CANARY = 'canary-7f3a'
const person = {
  kinds: ['customer'],
  identifiers: {
    firstName: 'Erika',
    lastName: `Muster-${CANARY}`,
    email: `Erika.${CANARY}@Example.test`,
    phone: '0151 23456789',
    street: 'Beispielweg 1',
    postalCode: '10115',
    city: 'Berlin',
    countryCode: 'DE',
    iban: 'DE02120300000000202051',
  },
  attributes: { country: 'DE', region: 'DE-10', ageBand: '35-44' },
}

describeEachEngine('subjects through the privacy gate', (runtime) => {
  let t: TestApp
  let admin: string
  let marketing: string
  let dpo: string
  let created: SubjectBody

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    dpo = await t.signIn('dpo@example.test', 'dpo')
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: person,
    })
    expect(res.statusCode, res.body).toBe(201)
    created = res.json() as SubjectBody
  })
  afterAll(async () => {
    await t.app.close()
  })

  const get = (id: string, cookie: string, query = '') =>
    t.app.inject({ method: 'GET', url: `/api/v1/subjects/${id}${query}`, headers: { cookie } })

  it('creates a subject and hands its identifiers back decrypted, with a Location', async () => {
    // Phone numbers are stored as they are compared: E.164 (a number without a country code is German).
    expect(created.identifiers).toEqual({ ...person.identifiers, phone: '+4915123456789' })
    expect(created.attributes).toEqual(person.attributes)
    const res = await get(created.id, admin)
    expect(res.statusCode).toBe(200)
    expect((res.json() as SubjectBody).identifiers.email).toBe(person.identifiers.email)
  })

  it('stores no identifier in the clear: the subject row and the vault hold ciphertext only', async () => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ dump: string }>(
        `select coalesce((select string_agg(s::text, '|') from subject s), '') ||
                coalesce((select string_agg(encode(identity, 'escape'), '|') from subject_key), '') as dump`,
      ),
    )
    expect(rows[0]?.dump).not.toContain(CANARY)
  })

  it('shows each role only the field categories it is granted (marketing never sees bank data)', async () => {
    const res = await get(created.id, marketing)
    expect(res.statusCode).toBe(200)
    const body = res.json() as SubjectBody
    expect(body.identifiers.email).toBe(person.identifiers.email)
    expect(body.identifiers).not.toHaveProperty('iban')
    expect(body.identifiers).not.toHaveProperty('accountHolder')
  })

  it('finds the subject by e-mail, case-insensitively, through the blind index; never by an address in the URL', async () => {
    const byQuery = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects?email=${encodeURIComponent(`erika.${CANARY}@example.test`)}`,
      headers: { cookie: admin },
    })
    expect(byQuery.statusCode).toBe(400)
    expect(problemOf(byQuery).errors).toEqual([expect.objectContaining({ in: 'query', field: 'email' })])
    expect(byQuery.body).not.toContain(CANARY)
    const upper = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: admin },
      payload: { email: `  ERIKA.${CANARY.toUpperCase()}@example.TEST ` },
    })
    expect(upper.statusCode, upper.body).toBe(200)
    expect((upper.json() as { items: SubjectBody[] }).items.map((s) => s.id)).toEqual([created.id])
    const bySearch = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: admin },
      payload: { email: `erika.${CANARY}@example.test` },
    })
    expect((bySearch.json() as { items: SubjectBody[] }).items.map((s) => s.id)).toEqual([created.id])
    const none = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: admin },
      payload: { email: 'nobody@example.test' },
    })
    expect((none.json() as { items: SubjectBody[] }).items).toEqual([])
  })

  it('rejects unknown identifier fields and bad values, naming the field, and writes nothing', async () => {
    const before = await runtime().services.subjects.count()
    for (const [identifiers, field, code] of [
      [{ ...person.identifiers, shoeSize: '42' }, 'shoeSize', undefined],
      // Each with a code the UI shows in its language: the schema's, or the vault's own check.
      [{ ...person.identifiers, email: 'not-an-address' }, 'email', 'format'],
      [{ ...person.identifiers, phone: '12' }, 'phone', 'not-a-phone-number'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects',
        headers: { cookie: admin },
        payload: { ...person, identifiers },
      })
      expect(res.statusCode, res.body).toBe(400)
      expect(JSON.stringify(problemOf(res).errors)).toContain(field)
      if (code) expect(problemOf(res).errors).toContainEqual(expect.objectContaining({ code }))
      expect(res.body).not.toContain(CANARY)
    }
    expect(await runtime().services.subjects.count()).toBe(before)
  })

  it('refuses a role without the categories of the fields it tries to record', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: marketing },
      payload: person,
    })
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).detail).toContain('iban')
    expect(res.body).not.toContain(CANARY)
  })

  it('records every use in the subject history: fields named, values never', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${created.id}/history`,
      headers: { cookie: dpo },
    })
    expect(res.statusCode, res.body).toBe(200)
    const items = (res.json() as { items: { action: string; fields: string[]; purpose: string | null }[] })
      .items
    const actions = items.map((i) => i.action)
    expect(actions).toContain('create')
    expect(actions).toContain('read')
    const read = items.find((i) => i.action === 'read')
    expect(read?.purpose).toBe('contact_management')
    expect(read?.fields).toContain('email')
    expect(res.body).not.toContain(CANARY)
    expect(res.body.toLowerCase()).not.toContain('erika')
  })

  it('denies the use after an objection (Art. 21), says why, and audits the denial', async () => {
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['lead'], identifiers: { email: 'objector@example.test' } },
    })
    const id = (other.json() as SubjectBody).id
    const objection = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${id}/objections`,
      headers: { cookie: admin },
      payload: { scope: 'purpose', purposeKey: 'contact_management', source: 'letter' },
    })
    expect(objection.statusCode, objection.body).toBeLessThan(300)
    const res = await get(id, admin)
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).detail).toContain('objected')
    expect(res.body).not.toContain('objector')
    // Contract purposes are not subject to the objection.
    expect((await get(id, admin, '?purpose=customer_service')).statusCode).toBe(200)
    const history = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${id}/history`,
      headers: { cookie: dpo },
    })
    expect((history.json() as { items: { action: string }[] }).items.map((i) => i.action)).toContain('denied')
  })

  it('names an unknown purpose as a bad field', async () => {
    const res = await get(created.id, admin, '?purpose=no_such_purpose')
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors?.[0]?.field).toBe('purpose')
  })

  describe('erasure (Art. 17) by crypto-shredding', () => {
    it('needs the erase permission', async () => {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/subjects/${created.id}`,
        headers: { cookie: marketing },
      })
      expect(res.statusCode).toBe(403)
    })

    it('erases: the subject is gone from reads, lookups and lists; its history remains', async () => {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/subjects/${created.id}`,
        headers: { cookie: dpo },
      })
      // The answer to the person: nothing kept (no invoice, no phone consent, no hold).
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ subjectId: created.id, outcome: 'erased', kept: [] })
      expect((await get(created.id, admin)).statusCode).toBe(404)
      const search = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects/search',
        headers: { cookie: admin },
        payload: { email: person.identifiers.email },
      })
      expect((search.json() as { items: unknown[] }).items).toEqual([])
      const list = await t.app.inject({
        method: 'GET',
        url: '/api/v1/subjects?limit=500',
        headers: { cookie: admin },
      })
      expect((list.json() as { items: SubjectBody[] }).items.map((s) => s.id)).not.toContain(created.id)
      const history = await t.app.inject({
        method: 'GET',
        url: `/api/v1/subjects/${created.id}/history`,
        headers: { cookie: dpo },
      })
      expect((history.json() as { items: { action: string }[] }).items.map((i) => i.action)).toContain(
        'erase',
      )
      const again = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/subjects/${created.id}`,
        headers: { cookie: dpo },
      })
      expect(again.statusCode).toBe(404)
    })

    it('leaves the audit chain verifiable after the erasure', async () => {
      const result = await runtime().services.audit.verify()
      expect(result.ok).toBe(true)
    })
  })
})
