import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, type TestApp } from '../support/http.ts'

interface Dashboard {
  timeZone: string
  contactsByKind?: { kind: string; count: number }[]
  consentWeeks?: { week: string; granted: number; confirmed: number; withdrawn: number }[]
  consentCoverage?: { purpose: string; channel: string; count: number }[]
  requests?: { overdue: number; dueWithin7Days: number; dueLater: number }
}

/**
 * Issue #18: the dashboard's figures — contacts by kind, consent activity per week and in force per
 * purpose, open requests by due date — counted in SQL, each section only for the roles that need it.
 */
describeEachEngine('GET /api/v1/dashboard', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@dashboard.test', 'dpo')
    sales = await t.signIn('sales@dashboard.test', 'sales')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const dashboard = async (cookie: string): Promise<Dashboard> => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: { cookie } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Dashboard
  }
  const post = async (cookie: string, url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload })
    expect(res.statusCode, res.body).toBe(201)
  }

  it('counts contacts by kind, consents per week and in force, and open requests by due date', async () => {
    const customers = [await createSubject(t.app, dpo), await createSubject(t.app, dpo)]
    const lead = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: dpo },
      payload: { kinds: ['lead', 'customer'], identifiers: { firstName: 'Lead' } },
    })
    expect(lead.statusCode).toBe(201)
    const gone = await createSubject(t.app, dpo)
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/subjects/${gone}`, headers: { cookie: dpo } }))
        .statusCode,
    ).toBe(200)
    for (const id of customers)
      await post(dpo, `/subjects/${id}/consents`, {
        purposeKey: 'sms_marketing',
        channel: 'sms',
        kind: 'granted',
        proof: { source: 'phone', textVersion: 'sms-1' },
      })
    await post(dpo, `/subjects/${customers[1]}/consents`, {
      purposeKey: 'sms_marketing',
      channel: 'sms',
      kind: 'withdrawn',
      proof: { source: 'phone' },
    })
    await post(dpo, `/subjects/${customers[0]}/requests`, {
      kind: 'access',
      channel: 'letter',
      receivedAt: '2024-01-05T10:00:00.000Z',
    })
    await post(dpo, `/subjects/${customers[1]}/requests`, { kind: 'erasure', channel: 'email' })

    const seen = await dashboard(dpo)
    expect(seen.timeZone).toBe('Europe/Berlin')
    const kinds = Object.fromEntries((seen.contactsByKind ?? []).map((k) => [k.kind, k.count]))
    // Two customers, the lead who is also a customer; the erased one is not counted.
    expect(kinds).toEqual({ customer: 3, lead: 1 })
    expect(seen.consentWeeks).toHaveLength(12)
    const thisWeek = seen.consentWeeks?.at(-1)
    expect(thisWeek).toMatchObject({ granted: 2, withdrawn: 1 })
    expect(seen.consentWeeks?.slice(0, -1).every((w) => w.granted + w.withdrawn + w.confirmed === 0)).toBe(
      true,
    )
    expect(seen.consentCoverage).toEqual([{ purpose: 'sms_marketing', channel: 'sms', count: 1 }])
    expect(seen.requests).toEqual({ overdue: 1, dueWithin7Days: 0, dueLater: 1 })

    // Sales reads contacts but has no requests inbox: that section is absent.
    const theirs = await dashboard(sales)
    expect(theirs.contactsByKind).toBeDefined()
    expect(theirs.requests).toBeUndefined()
  })

  it('needs a signed-in user', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/dashboard' })
    expect(res.statusCode).toBe(401)
  })
})
