import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, openTestRuntime, type TestRuntime } from '../support/engines.ts'
import { buildTestApp, htmlOf, problemOf, type TestApp } from '../support/http.ts'

const LIMIT = 6
const PROXY = '10.0.0.1'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/**
 * Issue #12: the public submission endpoints counted per route, so one address had the budget
 * on each of them — the HTML form, its JSON variant, the confirmation link — and so several times
 * over. Now they share one budget per client (its address as the server sees it, behind the
 * trusted proxy of TRESOR_TRUST_PROXY the forwarded one); the portal sign-in keeps its own.
 */
for (const engine of ENGINES) {
  describe(`one public budget per client [${engine}]`, () => {
    let runtime: TestRuntime
    let t: TestApp
    beforeAll(async () => {
      runtime = await openTestRuntime(engine, {
        TRESOR_FORM_RATE_LIMIT: String(LIMIT),
        TRESOR_TRUST_PROXY: '10.0.0.0/8',
      })
      t = await buildTestApp(runtime)
    })
    afterAll(async () => {
      await t?.app.close()
      await runtime?.dispose()
    })

    /** Requests of one client: `n` spread round-robin over the public submission endpoints and forms. */
    const spread = (client: string) => {
      const headers = { 'x-forwarded-for': client }
      const calls = [
        () =>
          t.app.inject({
            method: 'POST',
            url: '/p/forms/contact',
            remoteAddress: PROXY,
            headers: { ...headers, ...FORM },
            payload: 'email=a%40example.com',
          }),
        () =>
          t.app.inject({
            method: 'POST',
            url: '/api/v1/public/forms/newsletter/submissions',
            remoteAddress: PROXY,
            headers,
            payload: { email: 'b@example.com' },
          }),
        () =>
          t.app.inject({
            method: 'POST',
            url: '/p/forms/newsletter',
            remoteAddress: PROXY,
            headers: { ...headers, ...FORM },
            payload: 'email=c%40example.com',
          }),
        () =>
          t.app.inject({
            method: 'POST',
            url: '/api/v1/public/forms/contact/submissions',
            remoteAddress: PROXY,
            headers,
            payload: { email: 'd@example.com' },
          }),
        () =>
          t.app.inject({ method: 'GET', url: `/p/confirm/${'x'.repeat(43)}`, remoteAddress: PROXY, headers }),
        () =>
          t.app.inject({
            method: 'POST',
            url: `/p/confirm/${'y'.repeat(43)}`,
            remoteAddress: PROXY,
            headers: { ...headers, ...FORM },
            payload: '',
          }),
      ]
      let i = 0
      return () => (calls[i++ % calls.length] as () => Promise<LightMyRequestResponse>)()
    }

    it('refuses the client with 429 once the budget is spent, on every endpoint and form', async () => {
      const next = spread('203.0.113.7')
      const statuses: number[] = []
      for (let i = 0; i < LIMIT; i++) statuses.push((await next()).statusCode)
      expect(statuses).not.toContain(429)
      // Every endpoint now refuses: the JSON ones with problem+json, the pages with an HTML page.
      const refusals: LightMyRequestResponse[] = []
      for (let i = 0; i < 6; i++) refusals.push(await next())
      expect(refusals.map((r) => r.statusCode)).toEqual([429, 429, 429, 429, 429, 429])
      const json = refusals[1] as LightMyRequestResponse
      expect(problemOf(json).type).toBe('urn:tresor:problem:rate-limited')
      expect(json.headers['retry-after']).toBeDefined()
      expect(htmlOf(refusals[0] as LightMyRequestResponse)).toMatch(/<html/)
    })

    it('another client behind the same proxy has its own budget', async () => {
      const next = spread('203.0.113.8')
      expect((await next()).statusCode).not.toBe(429)
    })

    it('the portal sign-in keeps its own limit', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/p/portal/login',
        remoteAddress: PROXY,
        headers: { 'x-forwarded-for': '203.0.113.7', ...FORM },
        payload: 'email=portal%40example.com',
      })
      expect(res.statusCode).toBe(200)
    })
  })
}
