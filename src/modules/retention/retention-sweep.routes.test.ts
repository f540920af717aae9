import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../../../test/support/http.ts'

interface PlanJson {
  id: string
  asOf: string
  rules: {
    ruleKey: string
    ruleVersion: number
    status: string
    action: string
    cutoff: string | null
    note: string | null
    subjects: number
    records: number
    sample: { subjectId: string; recordId: string }[]
  }[]
  approval: { kind: string; by: { type: string; id: string }; at: string } | null
}
interface RunJson {
  id: string
  status: string
  rules: {
    ruleKey: string
    status: string
    skipReason: string | null
    done: { records: number; erased: number }
  }[]
}

describeEachEngine('retention sweeper API (plan, approval, runs)', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string
  let lead: string
  let rejected: string
  let accepted: string
  let recent: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@example.com', 'dpo')
    sales = await t.signIn('sales@example.com', 'sales')
    const [id] = await runtime().services.gate.collect({
      actor: { type: 'user', id: 'api-test', role: 'admin' },
      subjects: [
        {
          kinds: ['lead'],
          source: 'test',
          attributes: {},
          createdAt: new Date(Date.now() - 3 * 365 * 86_400_000),
          identifiers: { firstName: 'Synthetic', lastName: 'Lead' },
        },
      ],
    })
    lead = id as string
    // Applicants: one rejected 7 months ago (due: 6 months after the decision), one rejected then
    // accepted (the latest decision counts), one rejected last month — decisions recorded through the API.
    const applicants = await runtime().services.gate.collect({
      actor: { type: 'user', id: 'api-test', role: 'admin' },
      subjects: ['Rejected', 'Accepted', 'Recent'].map((lastName) => ({
        kinds: ['applicant'],
        source: 'test',
        attributes: {},
        createdAt: new Date(Date.now() - 365 * 86_400_000),
        identifiers: { firstName: 'Synthetic', lastName },
      })),
    })
    ;[rejected, accepted, recent] = applicants as [string, string, string]
    const admin = await t.signIn('admin@example.com', 'admin')
    const months = (n: number) => new Date(Date.now() - n * 31 * 86_400_000).toISOString()
    for (const [subject, kind, occurredAt] of [
      [rejected, 'application_rejected', months(7)],
      [accepted, 'application_rejected', months(8)],
      [accepted, 'application_accepted', months(7)],
      [recent, 'application_rejected', months(1)],
    ] as const) {
      const res = await call('POST', `/subjects/${subject}/milestones`, admin, { kind, occurredAt })
      expect(res.statusCode, res.body).toBe(201)
    }
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })

  it('is the DPO’s: other roles are refused', async () => {
    expect((await call('GET', '/retention/status', sales)).statusCode).toBe(403)
    expect((await call('POST', '/retention/plans', sales)).statusCode).toBe(403)
  })

  it('is off until a plan is approved; a plan shows what is due and deletes nothing', async () => {
    const status = await call('GET', '/retention/status', dpo)
    expect(status.statusCode, status.body).toBe(200)
    expect(status.json()).toEqual({ enabled: false, lastApproval: null, approvedVersions: [] })
    const res = await call('POST', '/retention/plans', dpo)
    expect(res.statusCode, res.body).toBe(201)
    const plan = res.json() as PlanJson
    expect(plan.approval).toBeNull()
    const leads = plan.rules.find((r) => r.ruleKey === 'leads_without_interaction')
    expect(leads).toMatchObject({ status: 'due', action: 'erase_subjects', subjects: 1, records: 1 })
    expect(leads?.sample).toEqual([{ subjectId: lead, recordId: lead }])
    const applicants = plan.rules.find((r) => r.ruleKey === 'rejected_applicants')
    expect(applicants).toMatchObject({ status: 'due', action: 'erase_subjects', subjects: 1, note: null })
    expect(applicants?.sample).toEqual([{ subjectId: rejected, recordId: rejected }])
    const list = await call('GET', '/retention/plans?limit=5', dpo)
    expect((list.json() as { items: PlanJson[] }).items[0]?.id).toBe(plan.id)
    expect((await call('GET', `/retention/plans/${plan.id}`, dpo)).json()).toEqual(plan)
    expect((await call('GET', '/retention/plans/00000000-0000-4000-8000-000000000000', dpo)).statusCode).toBe(
      404,
    )
  })

  it('refuses to run a plan that is not approved, runs it once approved, and shows the progress', async () => {
    const plan = (await call('POST', '/retention/plans', dpo)).json() as PlanJson
    const refused = await call('POST', '/retention/runs', dpo, { planId: plan.id })
    expect(refused.statusCode).toBe(409)
    expect(problemOf(refused).detail).toMatch(/not approved/)

    const approved = await call('POST', `/retention/plans/${plan.id}/approve`, dpo)
    expect(approved.statusCode, approved.body).toBe(200)
    expect((approved.json() as PlanJson).approval).toMatchObject({ kind: 'dpo', by: { type: 'user' } })
    expect((await call('GET', '/retention/status', dpo)).json()).toMatchObject({
      enabled: true,
      lastApproval: { planId: plan.id },
    })

    const started = await call('POST', '/retention/runs', dpo, { planId: plan.id })
    expect(started.statusCode, started.body).toBe(202)
    const runId = (started.json() as RunJson).id
    // The run goes on in the background: wait for it by asking, as the page does.
    let run = (await call('GET', `/retention/runs/${runId}`, dpo)).json() as RunJson
    for (let i = 0; i < 500 && run.status !== 'done'; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      run = (await call('GET', `/retention/runs/${runId}`, dpo)).json() as RunJson
    }
    expect(run.status).toBe('done')
    expect(run.rules.find((r) => r.ruleKey === 'leads_without_interaction')).toMatchObject({
      status: 'done',
      done: { erased: 1 },
    })
    expect(run.rules.find((r) => r.ruleKey === 'rejected_applicants')).toMatchObject({
      status: 'done',
      done: { erased: 1 },
    })
    const erased = await sql<{
      id: string
      erased_at: Date | null
    }>`select id, erased_at from subject where id = any(${[lead, rejected, accepted, recent]}::uuid[])`.execute(
      runtime().database.db,
    )
    const erasedIds = erased.rows.filter((r) => r.erased_at !== null).map((r) => r.id)
    expect(erasedIds.sort()).toEqual([lead, rejected].sort())
    const runs = (await call('GET', '/retention/runs', dpo)).json() as { items: RunJson[] }
    expect(runs.items[0]?.id).toBe(runId)
  })

  it('validates: unknown fields, a malformed id', async () => {
    expect((await call('POST', '/retention/runs', dpo, { planId: 'x' })).statusCode).toBe(400)
    expect(
      (
        await call('POST', '/retention/runs', dpo, {
          planId: '00000000-0000-4000-8000-000000000000',
          all: true,
        })
      ).statusCode,
    ).toBe(400)
    expect((await call('GET', '/retention/runs/nope', dpo)).statusCode).toBe(400)
  })
})
