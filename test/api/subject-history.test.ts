import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, insertSubject, problemOf, type TestApp } from '../support/http.ts'

interface Entry {
  seq: number
  at: string
  actor: { type: string; id: string; role: string | null }
  action: string
  purpose: string | null
  legalBasis: string | null
  fields: string[]
  reason: string | null
  requestId: string | null
}
interface Page {
  items: Entry[]
  nextCursor: string | null
}

describeEachEngine('subject history: GET /api/v1/subjects/{id}/history', (runtime) => {
  let t: TestApp
  let cookie: string
  let subject: string
  let other: string

  const newSubject = () => insertSubject(runtime())

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    cookie = await t.signIn('history-sales@example.com', 'sales')
    subject = await newSubject()
    other = await newSubject()
    const crowd = Array.from({ length: 1_500 }, () => randomUUID()) // above the linked-set threshold
    const actor = { type: 'user' as const, id: randomUUID(), role: 'sales' }
    await runtime().services.audit.append([
      { actor, action: 'create', subjectIds: [subject], fields: ['email'], requestId: 'req-a' },
      { actor, action: 'read', subjectIds: [other], purpose: 'service', legalBasis: 'contract' },
      {
        actor: { type: 'job', id: 'campaign.send' },
        action: 'export',
        subjectIds: [...crowd, subject],
        purpose: 'newsletter',
        legalBasis: 'consent',
        fields: ['email', 'firstName'],
      },
      ...Array.from({ length: 5 }, (_, i) => ({
        actor,
        action: 'update' as const,
        subjectIds: [subject],
        fields: ['city'],
        reason: `rectification ${i}`,
        sealedValues: { subjectId: subject, ciphertext: randomBytes(32) },
      })),
    ])
  })
  afterAll(async () => {
    await t.app.close()
  })

  const get = (url: string, headers: Record<string, string> = { cookie }) =>
    t.app.inject({ method: 'GET', url, headers })

  it('lists who did what, when and why, newest first, across inline ids and linked sets', async () => {
    const res = await get(`/api/v1/subjects/${subject}/history?limit=50`)
    expect(res.statusCode, res.body).toBe(200)
    const page = res.json() as Page
    expect(page.nextCursor).toBeNull()
    expect(page.items.map((e) => e.action)).toEqual([
      'update',
      'update',
      'update',
      'update',
      'update',
      'export',
      'create',
    ])
    const seqs = page.items.map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a))
    expect(page.items[5]).toMatchObject({
      actor: { type: 'job', id: 'campaign.send', role: null },
      purpose: 'newsletter',
      legalBasis: 'consent',
      fields: ['email', 'firstName'],
    })
    expect(page.items[6]).toMatchObject({ action: 'create', requestId: 'req-a', fields: ['email'] })
    expect(page.items[0]!.reason).toBe('rectification 4')
    // Never the sealed old/new values, nor anything of the chain.
    expect(res.body).not.toMatch(/sealed|ciphertext|hash/i)
    expect(Object.keys(page.items[0]!).sort()).toEqual(
      ['action', 'actor', 'at', 'fields', 'legalBasis', 'purpose', 'reason', 'requestId', 'seq'].sort(),
    )
  })

  it('pages with a cursor, every record exactly once', async () => {
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const res = await get(`/api/v1/subjects/${subject}/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.statusCode, res.body).toBe(200)
      const page = res.json() as Page
      expect(page.items.length).toBeLessThanOrEqual(3)
      seen.push(...page.items.map((e) => e.seq))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(7)
    expect(new Set(seen).size).toBe(7)
  })

  it("refuses another subject's cursor, and a made-up one", async () => {
    const first = (await get(`/api/v1/subjects/${subject}/history?limit=1`)).json() as Page
    const foreign = await get(`/api/v1/subjects/${other}/history?cursor=${first.nextCursor}`)
    expect(foreign.statusCode).toBe(400)
    expect(problemOf(foreign).errors?.[0]).toMatchObject({ in: 'query', field: 'cursor' })
    expect((await get(`/api/v1/subjects/${subject}/history?cursor=nonsense`)).statusCode).toBe(400)
  })

  it('is 404 for an unknown subject and 400 for an id that is not a UUID', async () => {
    const unknown = await get(`/api/v1/subjects/${randomUUID()}/history`)
    expect(unknown.statusCode).toBe(404)
    expect(problemOf(unknown).type).toBe('urn:tresor:problem:not-found')
    expect((await get('/api/v1/subjects/not-a-uuid/history')).statusCode).toBe(400)
  })

  it('needs the subjects:history permission', async () => {
    expect((await get(`/api/v1/subjects/${subject}/history`, {})).statusCode).toBe(401)
    const product = await t.signIn('history-product@example.com', 'product')
    const res = await get(`/api/v1/subjects/${subject}/history`, { cookie: product })
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).detail).toContain('subjects:history')
  })
})
