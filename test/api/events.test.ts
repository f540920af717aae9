import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface Outcome {
  index: number
  status: 'accepted' | 'duplicate' | 'rejected'
  id?: string
  rule?: string
  field?: string
  reason?: string
}
interface BatchResult {
  accepted: number
  duplicates: number
  rejected: number
  results: Outcome[]
}

describeEachEngine('touchpoint ingestion (POST /api/v1/events)', (runtime) => {
  let t: TestApp
  let admin: string
  let marketing: string
  let consenting: string
  let silent: string
  let erased: string

  const newSubject = () => createSubject(t.app, admin)
  const post = (events: unknown[], cookie = marketing) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { cookie },
      payload: { source: 'website', events },
    })
  const at = new Date(Date.now() - 60_000).toISOString()

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    consenting = await newSubject()
    silent = await newSubject()
    erased = await newSubject()
    const consent = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${consenting}/consents`,
      headers: { cookie: admin },
      payload: {
        purposeKey: 'web_tracking',
        channel: 'web',
        kind: 'granted',
        proof: { source: 'form', formKey: 'cookie-banner', textVersion: 'v1' },
      },
    })
    expect(consent.statusCode, consent.body).toBe(201)
    const gone = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/subjects/${erased}`,
      headers: { cookie: admin },
    })
    expect(gone.statusCode).toBe(200)
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('stores page views only with tracking consent, and says why the others were refused', async () => {
    const res = await post([
      { subjectId: consenting, type: 'page_view', occurredAt: at, properties: { path: '/pricing' } },
      { subjectId: silent, type: 'page_view', occurredAt: at, properties: { path: '/pricing' } },
      { subjectId: erased, type: 'page_view', occurredAt: at },
      { subjectId: randomUUID(), type: 'page_view', occurredAt: at },
      // Contact management rests on legitimate interest: no consent needed.
      { subjectId: silent, type: 'form_submit', occurredAt: at, properties: { form: 'contact' } },
    ])
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as BatchResult
    expect(body.results.map((r) => [r.status, r.rule ?? null])).toEqual([
      ['accepted', null],
      ['rejected', 'no-consent'],
      ['rejected', 'erased'],
      ['rejected', 'unknown-subject'],
      ['accepted', null],
    ])
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 3 })
    expect(body.results[1]?.reason).toMatch(/consent/)
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ type: string; purpose_key: string; legal_basis: string; source: string }>(
        `select type, purpose_key, legal_basis, source from touchpoint where id = any($1::uuid[]) order by type`,
        [[body.results[0]?.id, body.results[4]?.id]],
      ),
    )
    expect(rows).toEqual([
      {
        type: 'form_submit',
        purpose_key: 'contact_management',
        legal_basis: 'legitimate_interest',
        source: 'website',
      },
      { type: 'page_view', purpose_key: 'web_tracking', legal_basis: 'consent', source: 'website' },
    ])
  })

  it('rejects each malformed event with the field and keeps the good ones of the batch', async () => {
    const res = await post([
      { subjectId: 'nope', type: 'page_view', occurredAt: at },
      { subjectId: silent, type: 'teleport', occurredAt: at },
      { subjectId: silent, type: 'form_submit', occurredAt: 'yesterday' },
      { subjectId: silent, type: 'form_submit', occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
      { subjectId: silent, type: 'form_submit', occurredAt: at, channel: 'phone' },
      { subjectId: silent, type: 'form_submit', occurredAt: at, properties: { email: 'x@y.example' } },
      {
        subjectId: silent,
        type: 'form_submit',
        occurredAt: at,
        properties: { note: 'mail me: x@y.example' },
      },
      { subjectId: silent, type: 'form_submit', occurredAt: at, properties: { nested: { a: 1 } } },
      { subjectId: silent, type: 'form_submit', occurredAt: at, extra: true },
      'not an object',
      { subjectId: silent, type: 'form_submit', occurredAt: at, purpose: 'no_such_purpose' },
      { subjectId: silent, type: 'service_call', occurredAt: at, properties: { minutes: 4 } },
    ])
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as BatchResult
    expect(body.results.map((r) => [r.status, r.rule ?? null, r.field ?? null])).toEqual([
      ['rejected', 'invalid', 'subjectId'],
      ['rejected', 'invalid', 'type'],
      ['rejected', 'invalid', 'occurredAt'],
      ['rejected', 'invalid', 'occurredAt'],
      ['rejected', 'invalid', 'channel'],
      ['rejected', 'invalid', 'properties.email'],
      ['rejected', 'invalid', 'properties.note'],
      ['rejected', 'invalid', 'properties.nested'],
      ['rejected', 'invalid', 'extra'],
      ['rejected', 'invalid', ''],
      ['rejected', 'unknown-purpose', null],
      ['accepted', null, null],
    ])
    // No reason repeats a value that was sent (it could be personal data).
    expect(res.body).not.toContain('x@y.example')
  })

  it('stores an event with an external id once, however often it is sent', async () => {
    const event = { subjectId: silent, type: 'review', occurredAt: at, externalId: 'shop-review-17' }
    const first = (await post([event])).json() as BatchResult
    const again = (await post([event, { ...event, externalId: 'shop-review-18' }])).json() as BatchResult
    expect(first.results[0]?.status).toBe('accepted')
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'accepted'])
  })

  it('audits stored touchpoints and legal-basis refusals in the subjects’ histories', async () => {
    const history = async (id: string) =>
      (
        (
          await t.app.inject({
            method: 'GET',
            url: `/api/v1/subjects/${id}/history`,
            headers: { cookie: admin },
          })
        ).json() as { items: { action: string; purpose: string | null; fields: string[] }[] }
      ).items
    expect(await history(consenting)).toContainEqual(
      expect.objectContaining({ action: 'create', purpose: 'web_tracking', fields: ['touchpoints'] }),
    )
    expect(await history(silent)).toContainEqual(
      expect.objectContaining({ action: 'denied', purpose: 'web_tracking', fields: ['touchpoints'] }),
    )
  })

  it('refuses a batch that is not a batch, and a role without the touchpoint category', async () => {
    expect(problemOf(await post([])).status).toBe(400)
    expect(problemOf(await post(Array.from({ length: 1001 }, () => ({})))).status).toBe(400)
    const accounting = await t.signIn('accounting@example.test', 'accounting')
    // Accounting may not send events at all (no events:write).
    expect(
      (await post([{ subjectId: silent, type: 'form_submit', occurredAt: at }], accounting)).statusCode,
    ).toBe(403)
  })

  it('lists the touchpoint types with their purposes', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/touchpoint-types',
      headers: { cookie: marketing },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toContainEqual(
      expect.objectContaining({ key: 'page_view', purpose: 'web_tracking', purposeChannel: 'web' }),
    )
  })
})
