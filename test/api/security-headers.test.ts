import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, type TestApp } from '../support/http.ts'

const HTML = { accept: 'text/html,application/xhtml+xml' }

/** The directives of a Content-Security-Policy header. */
const cspOf = (res: LightMyRequestResponse): Map<string, string> =>
  new Map(
    String(res.headers['content-security-policy'] ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/)
        return [name as string, values.join(' ')]
      }),
  )

/**
 * Issue #12: the staff UI, the API and the docs can't be framed (CSP frame-ancestors 'none',
 * X-Frame-Options DENY) and run only this origin's scripts; every answer that may carry personal
 * data (the API, exports, the portal) is kept by no cache.
 */
describeEachEngine('security headers', (runtime) => {
  let t: TestApp
  let admin: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@headers.test', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const expectStaffHeaders = (res: LightMyRequestResponse, what: string) => {
    const csp = cspOf(res)
    expect(csp.get('frame-ancestors'), what).toBe("'none'")
    expect(csp.get('default-src'), what).toBe("'self'")
    expect(csp.get('script-src'), what).toBe("'self'")
    expect(csp.get('object-src'), what).toBe("'none'")
    expect(res.headers['x-frame-options'], what).toBe('DENY')
    expect(res.headers['x-content-type-options'], what).toBe('nosniff')
    expect(res.headers['referrer-policy'], what).toBe('no-referrer')
  }

  it('the web UI: the app page and its assets', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/contacts', headers: HTML })
    expect(page.statusCode).toBe(200)
    expectStaffHeaders(page, 'the app page')
    // The built page has no inline script: the CSP needs no 'unsafe-inline' for scripts.
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    expect(asset).toBeDefined()
    expectStaffHeaders(await t.app.inject({ method: 'GET', url: String(asset) }), 'an asset')
  })

  it('the API, its refusals included', async () => {
    expectStaffHeaders(
      await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: admin } }),
      'GET /auth/me',
    )
    expectStaffHeaders(await t.app.inject({ method: 'GET', url: '/api/v1/subjects' }), 'a 401')
    expectStaffHeaders(await t.app.inject({ method: 'GET', url: '/api/v1/forms/%00' }), 'a 400 (NUL)')
  })

  it('the API docs: the same policy, and Swagger UI has no inline script either', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' })
    expect(docs.statusCode).toBe(200)
    expectStaffHeaders(docs, '/docs/')
    expect(docs.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
    const initializer = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
    expect(initializer.statusCode).toBe(200)
  })

  it('no cache keeps an API answer, an export or a portal page', async () => {
    await createSubject(t.app, admin, { firstName: 'Cached' })
    for (const [url, headers] of [
      ['/api/v1/subjects', { cookie: admin }],
      ['/api/v1/subjects?limit=1', { cookie: admin }],
      ['/api/v1/subjects/export?format=csv', { cookie: admin }],
      ['/api/v1/subjects/00000000-0000-4000-8000-000000000000', { cookie: admin }],
      ['/api/v1/subjects', {}],
      ['/p/portal', {}],
      ['/p/portal/me', {}],
      ['/p/forms/contact', {}],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers })
      expect(res.statusCode, url).toBeLessThan(500)
      expect(res.headers['cache-control'], `${url} (${res.statusCode})`).toBe('no-store')
    }
  })

  it('the public pages keep their own stricter policy; the tracking snippet stays cacheable', async () => {
    const portal = await t.app.inject({ method: 'GET', url: '/p/portal' })
    expect(cspOf(portal).get('default-src')).toBe("'none'")
    expect(cspOf(portal).get('frame-ancestors')).toBe("'none'")
    const snippet = await t.app.inject({ method: 'GET', url: '/p/tracking/tresor.js' })
    expect(snippet.headers['cache-control']).toBe('public, max-age=3600')
    expect(snippet.headers['cross-origin-resource-policy']).toBe('cross-origin')
  })
})
