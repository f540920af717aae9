import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { addressSequence, buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

/** What inject's requests are addressed to (its default Host), and the default public URL. */
const OWN_ORIGIN = 'http://localhost'
const PUBLIC_ORIGIN = 'http://localhost:3000'

/**
 * Issue #12: the cookie-authenticated API was protected from cross-site requests by SameSite=Strict
 * alone, which lets a page on another port of the same host (same site, another origin) mark a task
 * done with the staff member's cookie. Now a state-changing request with the session cookie must
 * say it comes from this origin (Sec-Fetch-Site, else Origin); Bearer tokens, safe methods and the
 * public endpoints are untouched.
 */
describeEachEngine('cross-site requests with the session cookie', (runtime) => {
  let t: TestApp
  let cookie: string
  let token: string
  let subjectId: string
  const nextIp = addressSequence('192.0.2')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    cookie = await t.signIn('sales@csrf.test', 'sales')
    subjectId = await createSubject(t.app, cookie, { lastName: 'Csrf' })
    const { access } = runtime().services
    const owner = await access.findUserByEmail('sales@csrf.test')
    token = (await access.createToken({ userId: owner!.id, role: 'sales' }, 'csrf', 'sales')).token
  })
  afterAll(async () => {
    await t.app.close()
  })

  const newTask = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjectId}/notes`,
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
      payload: { kind: 'task', text: 'Call back' },
    })
    expect(res.statusCode).toBe(201)
    return (res.json() as { id: string }).id
  }
  const markDone = async (headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjectId}/notes/${await newTask()}/done`,
      headers,
    })
  const doneAtOf = async (noteId: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}/notes`,
      headers: { cookie },
    })
    return (res.json() as { id: string; doneAt: string | null }[]).find((n) => n.id === noteId)?.doneAt
  }

  describe('refused with 403 (the task stays open)', () => {
    it.each([
      ['Sec-Fetch-Site: same-site (another port of the host)', { 'sec-fetch-site': 'same-site' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      [
        'Sec-Fetch-Site: cross-site, whatever Origin says',
        { 'sec-fetch-site': 'cross-site', origin: OWN_ORIGIN },
      ],
      ['no Sec-Fetch-Site, Origin of another port', { origin: 'http://localhost:8080' }],
      ['no Sec-Fetch-Site, Origin of another host', { origin: 'https://evil.example' }],
      ['no Sec-Fetch-Site, Origin null (a sandboxed page)', { origin: 'null' }],
    ])('%s', async (_, headers) => {
      const taskId = await newTask()
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/subjects/${subjectId}/notes/${taskId}/done`,
        headers: { cookie, ...headers },
      })
      expect(res.statusCode).toBe(403)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:forbidden')
      expect(problem.detail).toContain('cross-site request refused')
      expect(await doneAtOf(taskId)).toBeNull()
    })

    it('on every state-changing method (PATCH, PUT, DELETE too)', async () => {
      const cross = { cookie, 'sec-fetch-site': 'cross-site' }
      for (const [method, url, payload] of [
        ['PATCH', `/api/v1/subjects/${subjectId}`, { identifiers: { firstName: 'Mallory' } }],
        ['PUT', `/api/v1/subjects/${subjectId}/restriction`, { reason: 'cross-site' }],
        ['DELETE', `/api/v1/subjects/${subjectId}/restriction`, undefined],
        ['POST', '/api/v1/auth/logout', undefined],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: cross, ...(payload ? { payload } : {}) })
        expect(res.statusCode, `${method} ${url}`).toBe(403)
        expect(problemOf(res).detail).toContain('cross-site request refused')
      }
      // Still signed in: the cross-site logout did nothing.
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })
      expect(me.statusCode).toBe(200)
    })
  })

  describe('let through', () => {
    it.each([
      ['Sec-Fetch-Site: same-origin (the web UI)', { 'sec-fetch-site': 'same-origin' }],
      ['Sec-Fetch-Site: none (the user’s own action)', { 'sec-fetch-site': 'none' }],
      ['no Sec-Fetch-Site, Origin of the server as requested', { origin: OWN_ORIGIN }],
      ['no Sec-Fetch-Site, Origin of the configured public URL', { origin: PUBLIC_ORIGIN }],
      ['neither header (not a browser: curl, scripts)', {}],
    ])('%s', async (_, headers) => {
      const res = await markDone({ cookie, ...headers })
      expect(res.statusCode, res.body).toBe(200)
    })

    it('a Bearer token, whatever the headers say (browsers do not send it by themselves)', async () => {
      const res = await markDone({ authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' })
      expect(res.statusCode, res.body).toBe(200)
    })

    it('reads (GET) with the cookie from anywhere: they change nothing', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/subjects/${subjectId}/notes`,
        headers: { cookie, 'sec-fetch-site': 'cross-site' },
      })
      expect(res.statusCode).toBe(200)
    })

    it('the public form endpoints, posted from the company’s website (with a staff cookie around, too)', async () => {
      const json = await t.app.inject({
        method: 'POST',
        url: '/api/v1/public/forms/contact/submissions',
        remoteAddress: nextIp(),
        headers: { cookie, 'sec-fetch-site': 'cross-site', origin: 'https://www.example.com' },
        payload: { email: 'csrf-json@example.com', lastName: 'Site' },
      })
      expect(json.statusCode, json.body).toBe(202)
      const page = await t.app.inject({
        method: 'POST',
        url: '/p/forms/contact',
        remoteAddress: nextIp(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'cross-site',
          origin: 'https://www.example.com',
        },
        payload: 'email=csrf-page%40example.com&lastName=Site',
      })
      expect(page.statusCode).toBe(200)
    })
  })
})
