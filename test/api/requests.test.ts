import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestService } from '../../src/modules/requests/request.service.ts'
import { ConfigError, loadConfig } from '../../src/platform/config.ts'
import type { DsrRequestService } from '../../src/privacy/requests/dsr-request.service.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface RequestJson {
  id: string
  subjectId: string
  kind: string
  channel: string
  status: string
  receivedAt: string
  dueAt: string
  overdue: boolean
  hasDetails: boolean
  details?: string | null
  reference: string | null
  recordedBy: { type: string; id: string }
}

/**
 * Issue #5: data subject requests recorded by staff (letter, phone, e-mail, in person) with the
 * time of receipt and the Art. 12(3) deadline; the DPO's inbox of open requests, oldest due first;
 * bad input named by field; who may record and who may read.
 */
describeEachEngine('data subject requests (staff API)', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string
  let subject: string

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@requests.test', 'dpo')
    sales = await t.signIn('sales@requests.test', 'sales')
    subject = await createSubject(t.app, dpo)
  })
  afterAll(async () => {
    await t.app.close()
  })

  const record = (cookie: string, subjectId: string, payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjectId}/requests`,
      headers: { cookie },
      payload,
    })
  const list = (cookie: string, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } })
  const historyOf = async (subjectId: string) =>
    (
      (await list(dpo, `/api/v1/subjects/${subjectId}/history`)).json() as {
        items: { action: string; reason: string | null; fields: string[]; actor: { type: string } }[]
      }
    ).items

  it('records a request received by letter with its receipt and due date; the recorder needs permissions:write', async () => {
    const res = await record(sales, subject, {
      kind: 'erasure',
      channel: 'letter',
      receivedAt: '2025-01-31T10:00:00.000Z',
      details: 'Please delete everything about me.',
      reference: 'scan 2025-01-31-004',
    })
    expect(res.statusCode).toBe(201)
    const body = res.json() as RequestJson
    expect(body).toMatchObject({
      subjectId: subject,
      kind: 'erasure',
      channel: 'letter',
      status: 'received',
      receivedAt: '2025-01-31T10:00:00.000Z',
      // Art. 12(3): one month; February has no 31st, so its last day.
      dueAt: '2025-02-28T10:00:00.000Z',
      overdue: true,
      hasDetails: true,
      reference: 'scan 2025-01-31-004',
      recordedBy: { type: 'user' },
    })
    // The recorder gets no details back; reading them is the DPO's.
    expect(body.details).toBeUndefined()

    // Default: received now, due in a month.
    const now = await record(sales, subject, { kind: 'access', channel: 'phone' })
    expect(now.statusCode).toBe(201)
    const fresh = now.json() as RequestJson
    expect(Date.now() - new Date(fresh.receivedAt).getTime()).toBeLessThan(60_000)
    const due = new Date(fresh.dueAt)
    const expected = new Date(fresh.receivedAt)
    expected.setUTCMonth(expected.getUTCMonth() + 1)
    expect(Math.abs(due.getTime() - expected.getTime())).toBeLessThan(4 * 86_400_000)
    expect(due.getTime()).toBeLessThanOrEqual(expected.getTime())
    expect(fresh.overdue).toBe(false)

    // Audited: who recorded which request, that there was text, never the text.
    const recorded = (await historyOf(subject)).filter(
      (h) => h.action === 'create' && h.reason?.includes('data subject request'),
    )
    expect(recorded).toHaveLength(2)
    expect(recorded.some((h) => h.fields.includes('details'))).toBe(true)
    expect(JSON.stringify(recorded)).not.toContain('delete everything')
  })

  it('refuses bad input with problem+json naming the field, and unknown or erased subjects', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'deletion', channel: 'letter' }, 'kind'],
      [{ kind: 'access', channel: 'portal' }, 'channel'],
      [{ kind: 'access', channel: 'fax' }, 'channel'],
      [{ kind: 'access', channel: 'email', receivedAt: 'yesterday' }, 'receivedAt'],
      [
        { kind: 'access', channel: 'email', receivedAt: new Date(Date.now() + 86_400_000).toISOString() },
        'receivedAt',
      ],
      [{ kind: 'rectification', channel: 'email' }, 'details'],
      [{ kind: 'rectification', channel: 'email', details: 'x'.repeat(2001) }, 'details'],
      [{ kind: 'access', channel: 'email', reference: '' }, 'reference'],
      [{ kind: 'access', channel: 'email', status: 'done' }, 'status'],
      [{ channel: 'email' }, 'kind'],
    ]
    for (const [payload, field] of cases) {
      const res = await record(dpo, subject, payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:validation')
      expect(
        problem.errors?.map((e) => e.field),
        JSON.stringify(payload),
      ).toContain(field)
    }
    const badId = await record(dpo, 'not-a-uuid', { kind: 'access', channel: 'email' })
    expect(badId.statusCode).toBe(400)
    expect(problemOf(badId).errors?.map((e) => e.field)).toContain('id')
    const unknown = await record(dpo, '00000000-0000-4000-8000-000000000000', {
      kind: 'access',
      channel: 'email',
    })
    expect(unknown.statusCode).toBe(404)
    expect(
      (await list(dpo, '/api/v1/subjects/00000000-0000-4000-8000-000000000000/requests')).statusCode,
    ).toBe(404)

    const erased = await createSubject(t.app, dpo)
    await record(dpo, erased, {
      kind: 'rectification',
      channel: 'email',
      details: 'My name is Jörg, not Jorg.',
    })
    await runtime().services.subjects.erase(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      erased,
      'test',
    )
    const late = await record(dpo, erased, { kind: 'access', channel: 'email' })
    expect(late.statusCode).toBe(409)
    // The earlier request stays as proof of receipt; its text is shredded with the key.
    const kept = (await list(dpo, `/api/v1/subjects/${erased}/requests`)).json() as RequestJson[]
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatchObject({ kind: 'rectification', hasDetails: true, details: null })
  })

  it("a subject's requests with their details: requests:manage (DPO), audited; sales may not", async () => {
    const id = await createSubject(t.app, dpo)
    await record(sales, id, {
      kind: 'rectification',
      channel: 'email',
      details: 'The birth date is 1980-02-03.',
    })
    await record(sales, id, { kind: 'copy', channel: 'in-person' })

    const refused = await list(sales, `/api/v1/subjects/${id}/requests`)
    expect(refused.statusCode).toBe(403)
    expect(problemOf(refused).type).toBe('urn:tresor:problem:forbidden')

    const res = await list(dpo, `/api/v1/subjects/${id}/requests`)
    expect(res.statusCode).toBe(200)
    const items = res.json() as RequestJson[]
    expect(items.map((r) => r.kind).sort()).toEqual(['copy', 'rectification'])
    expect(items.find((r) => r.kind === 'rectification')?.details).toBe('The birth date is 1980-02-03.')
    expect(items.find((r) => r.kind === 'copy')).toMatchObject({ hasDetails: false })
    const read = (await historyOf(id)).find(
      (h) => h.action === 'read' && h.reason?.startsWith('data subject requests viewed'),
    )
    expect(read?.fields).toEqual(['details'])
  })

  it('the inbox: open requests of everyone, the one due first on top, paginated; sales may not list', async () => {
    const a = await createSubject(t.app, dpo)
    const b = await createSubject(t.app, dpo)
    const received = ['2024-03-10T08:00:00.000Z', '2024-03-01T08:00:00.000Z', '2024-03-05T08:00:00.000Z']
    await record(dpo, a, { kind: 'access', channel: 'email', receivedAt: received[0] })
    await record(dpo, b, { kind: 'erasure', channel: 'letter', receivedAt: received[1] })
    await record(dpo, a, {
      kind: 'objection',
      channel: 'phone',
      receivedAt: received[2],
      details: 'Grounds: …',
    })

    expect((await list(sales, '/api/v1/requests')).statusCode).toBe(403)

    const all = (await list(dpo, '/api/v1/requests?limit=500')).json() as {
      items: RequestJson[]
      total: number
    }
    const dues = all.items.map((r) => r.dueAt)
    expect(dues).toEqual([...dues].sort())
    expect(all.total).toBe(all.items.length)
    expect(all.items.every((r) => r.details === undefined)).toBe(true)
    // The three of March 2024 are the oldest due: on top, overdue.
    expect(all.items.slice(0, 3).map((r) => r.dueAt)).toEqual([
      '2024-04-01T08:00:00.000Z',
      '2024-04-05T08:00:00.000Z',
      '2024-04-10T08:00:00.000Z',
    ])
    expect(all.items[0]).toMatchObject({ subjectId: b, kind: 'erasure', overdue: true })

    // Page by page: the same order, nothing twice, nothing left out.
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const url: string = `/api/v1/requests?limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await list(dpo, url)).json() as {
        items: RequestJson[]
        nextCursor: string | null
        total?: number
      }
      if (pages > 0) expect(page.total).toBeUndefined()
      seen.push(...page.items.map((r) => r.id))
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 50)
    expect(seen).toEqual(all.items.map((r) => r.id))

    const bad = await list(dpo, '/api/v1/requests?cursor=nonsense')
    expect(bad.statusCode).toBe(400)
    expect(problemOf(bad).errors?.map((e) => e.field)).toContain('cursor')
    const tooMany = await list(dpo, '/api/v1/requests?limit=501')
    expect(problemOf(tooMany).errors?.map((e) => e.field)).toContain('limit')

    // The look is audited with the subjects of the page.
    const listed = (await historyOf(b)).find(
      (h) => h.action === 'read' && h.reason === 'open data subject requests listed',
    )
    expect(listed).toBeDefined()
  })

  it('the inbox names the person where the role may see the name (one gated read per page); an erased person stays pseudonymous', async () => {
    const named = await createSubject(t.app, dpo, {
      firstName: 'Inbox',
      lastName: 'Person',
      email: 'inbox.person@example.test',
    })
    const gone = await createSubject(t.app, dpo, { firstName: 'Erased', lastName: 'Later' })
    await record(dpo, named, { kind: 'access', channel: 'email', receivedAt: '2020-01-02T08:00:00.000Z' })
    await record(dpo, gone, { kind: 'erasure', channel: 'letter', receivedAt: '2020-01-03T08:00:00.000Z' })
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/subjects/${gone}`, headers: { cookie: dpo } }))
        .statusCode,
    ).toBe(200)

    const page = (await list(dpo, '/api/v1/requests?limit=500')).json() as {
      items: (RequestJson & { contact?: Record<string, string> })[]
    }
    const mine = page.items.find((r) => r.subjectId === named)
    expect(mine?.contact).toEqual({
      firstName: 'Inbox',
      lastName: 'Person',
      email: 'inbox.person@example.test',
    })
    const erased = page.items.find((r) => r.subjectId === gone)
    expect(erased).toBeDefined()
    expect(erased?.contact).toBeUndefined()
    // The names are one read of the page, audited with the reason.
    const reads = (await historyOf(named)).filter(
      (h) => h.action === 'read' && h.reason === 'names shown in a list',
    )
    expect(reads.length).toBeGreaterThan(0)
    expect(reads[0]?.fields).toEqual(expect.arrayContaining(['firstName', 'lastName', 'email']))
  })

  it('a merge moves the duplicate’s requests to the survivor, deadlines and text intact', async () => {
    const survivor = await createSubject(t.app, dpo)
    const duplicate = await createSubject(t.app, dpo)
    const filed = (
      await record(dpo, duplicate, {
        kind: 'rectification',
        channel: 'email',
        receivedAt: '2025-05-02T09:00:00.000Z',
        details: 'The address is Gartenweg 2.',
      })
    ).json() as RequestJson
    const merged = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${survivor}/merge`,
      headers: { cookie: dpo },
      payload: { duplicateId: duplicate, reason: 'the same person, two sign-ups' },
    })
    expect(merged.statusCode).toBe(200)
    const moved = (await list(dpo, `/api/v1/subjects/${survivor}/requests`)).json() as RequestJson[]
    expect(moved).toEqual([
      expect.objectContaining({
        id: filed.id,
        subjectId: survivor,
        receivedAt: '2025-05-02T09:00:00.000Z',
        dueAt: '2025-06-02T09:00:00.000Z',
        details: 'The address is Gartenweg 2.',
      }),
    ])
    expect((await list(dpo, `/api/v1/subjects/${duplicate}/requests`)).json()).toEqual([])
  })

  it('the demo data brings a few requests from demo people: one overdue, by portal, letter, phone and e-mail', async () => {
    const demo = await runtime()
      .database.db.insertInto('subject')
      .values(Array.from({ length: 6 }, () => ({ kinds: ['customer'], source: 'demo' })))
      .returning('id')
      .execute()
    expect(await runtime().services.requests.seedDemo()).toBe(5)
    const all = (await list(dpo, '/api/v1/requests?limit=500')).json() as { items: RequestJson[] }
    const ids = new Set(demo.map((d) => d.id))
    const seeded = all.items.filter((r) => ids.has(r.subjectId))
    expect(seeded).toHaveLength(5)
    expect(new Set(seeded.map((r) => r.subjectId)).size).toBe(5)
    expect(new Set(seeded.map((r) => r.channel))).toEqual(new Set(['portal', 'letter', 'phone', 'email']))
    expect(seeded.filter((r) => r.overdue).map((r) => r.kind)).toEqual(['rectification'])
    expect(seeded.find((r) => r.kind === 'rectification')?.hasDetails).toBe(true)
  })

  it('says what the kinds are and which deadline they get', async () => {
    const res = await list(sales, '/api/v1/request-kinds')
    expect(res.statusCode).toBe(200)
    const body = res.json() as {
      deadline: string
      kinds: { kind: string; article: string; detailsRequired: boolean }[]
    }
    expect(body.deadline).toBe('P1M')
    expect(body.kinds.map((k) => k.kind)).toEqual([
      'access',
      'copy',
      'rectification',
      'erasure',
      'restriction',
      'objection',
      'human_review',
    ])
    expect(body.kinds.find((k) => k.kind === 'copy')?.article).toBe('Art. 15(3), Art. 20 GDPR')
    expect(body.kinds.find((k) => k.kind === 'rectification')?.detailsRequired).toBe(true)
    // Art. 22(3): a person asks that a human reviews a decision that rested on a score, saying which.
    expect(body.kinds.find((k) => k.kind === 'human_review')).toMatchObject({
      article: 'Art. 22(3) GDPR',
      detailsRequired: true,
    })
  })

  it('records a request for human review of a decision that rested on a score (Art. 22(3))', async () => {
    const subjectId = await createSubject(t.app, dpo)
    const missing = await record(dpo, subjectId, { kind: 'human_review', channel: 'email' })
    expect(missing.statusCode).toBe(400)
    const res = await record(dpo, subjectId, {
      kind: 'human_review',
      channel: 'email',
      details: 'The credit limit was refused automatically; I want a person to look at it.',
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ kind: 'human_review', status: 'received' })
  })
})

describe('the deadline is configuration, at most one month (Art. 12(3))', () => {
  it('defaults to P1M, takes a stricter target, refuses a longer one', () => {
    expect(loadConfig({}).dsr.deadline).toBe('P1M')
    expect(loadConfig({ TRESOR_DSR_DEADLINE: 'P2W' }).dsr.deadline).toBe('P2W')
    expect(loadConfig({ TRESOR_DSR_DEADLINE: 'P20D' }).dsr.deadline).toBe('P20D')
    for (const value of ['P2M', 'P5W', 'P30D', 'P1Y', 'one month', 'P0D'])
      expect(() => loadConfig({ TRESOR_DSR_DEADLINE: value }), value).toThrow(ConfigError)
  })

  it('gives every request the configured deadline', async () => {
    let stored: { receivedAt: Date; dueAt: Date } | undefined
    const store = {
      record: async (input: { receivedAt: Date; dueAt: Date }) => {
        stored = input
        return input
      },
    } as unknown as DsrRequestService
    const requests = new RequestService({ store, deadline: 'P2W' })
    await requests.record(
      {
        subjectId: '00000000-0000-4000-8000-000000000001',
        kind: 'access',
        channel: 'email',
        receivedAt: new Date('2025-03-01T12:00:00Z'),
      },
      { actor: { type: 'system', id: 'test' } },
    )
    expect(stored?.dueAt.toISOString()).toBe('2025-03-15T12:00:00.000Z')
  })
})
