import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, insertSubject, problemOf, type TestApp } from '../support/http.ts'

interface MilestoneJson {
  id: string
  subjectId: string
  kind: string
  occurredAt: string
  recordedAt: string
  recordedBy: { type: string; id: string }
}

describeEachEngine('milestones: decisions on applications and contract ends', (runtime) => {
  let t: TestApp
  let admin: string
  let subject: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.com', 'admin')
    subject = await insertSubject(runtime())
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie: admin },
      ...(payload === undefined ? {} : { payload }),
    })
  const day = 86_400_000

  it('records decisions and a contract end (which may lie ahead), lists them latest first, audited', async () => {
    const rejected = await call('POST', `/subjects/${subject}/milestones`, {
      kind: 'application_rejected',
      occurredAt: new Date(Date.now() - 40 * day).toISOString(),
    })
    expect(rejected.statusCode, rejected.body).toBe(201)
    expect(rejected.json()).toMatchObject({
      subjectId: subject,
      kind: 'application_rejected',
      recordedBy: { type: 'user' },
    })
    const ends = await call('POST', `/subjects/${subject}/milestones`, {
      kind: 'contract_ended',
      occurredAt: new Date(Date.now() + 90 * day).toISOString(),
    })
    expect(ends.statusCode, ends.body).toBe(201)
    const list = await call('GET', `/subjects/${subject}/milestones`)
    expect(list.statusCode).toBe(200)
    expect((list.json() as { items: MilestoneJson[] }).items.map((m) => m.kind)).toEqual([
      'contract_ended',
      'application_rejected',
    ])
    const history = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subject}/history`,
      headers: { cookie: admin },
    })
    expect(history.body).toContain('milestone application_rejected recorded')
  })

  it('refuses a decision in the future, an unknown kind and an unknown subject, naming the field', async () => {
    const future = await call('POST', `/subjects/${subject}/milestones`, {
      kind: 'application_accepted',
      occurredAt: new Date(Date.now() + 5 * day).toISOString(),
    })
    expect(future.statusCode).toBe(400)
    expect(problemOf(future).errors?.[0]).toMatchObject({ field: 'occurredAt' })
    const kind = await call('POST', `/subjects/${subject}/milestones`, {
      kind: 'hired',
      occurredAt: new Date().toISOString(),
    })
    expect(kind.statusCode).toBe(400)
    expect(JSON.stringify(problemOf(kind).errors)).toContain('kind')
    const unknown = await call('POST', '/subjects/00000000-0000-4000-8000-000000000000/milestones', {
      kind: 'contract_ended',
      occurredAt: new Date().toISOString(),
    })
    expect(unknown.statusCode).toBe(404)
  })

  it('removes one recorded by mistake, and says 404 the second time', async () => {
    const created = (
      await call('POST', `/subjects/${subject}/milestones`, {
        kind: 'application_withdrawn',
        occurredAt: new Date(Date.now() - day).toISOString(),
      })
    ).json() as MilestoneJson
    expect((await call('DELETE', `/subjects/${subject}/milestones/${created.id}`)).statusCode).toBe(204)
    expect((await call('DELETE', `/subjects/${subject}/milestones/${created.id}`)).statusCode).toBe(404)
    const list = (await call('GET', `/subjects/${subject}/milestones`)).json() as { items: MilestoneJson[] }
    expect(list.items.map((m) => m.id)).not.toContain(created.id)
  })
})
