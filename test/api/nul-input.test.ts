import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { addressSequence, buildTestApp, htmlOf, problemOf, type TestApp } from '../support/http.ts'

/** What a test puts next to the NUL: it must not come back in any answer. */
const MARKER = 'Zebrafink'
const NUL = '\u0000'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/**
 * Issue #12: PostgreSQL stores no U+0000 in text, so a NUL anywhere in the input ended as a 500
 * (22 places a fuzzer found, some public). Now every one is a 400 that names where the NUL was,
 * before any route runs — problem+json on the API, an HTML page under /p/ — and echoes nothing.
 */
describeEachEngine('NUL characters in input', (runtime) => {
  let t: TestApp
  let admin: string
  const nextIp = addressSequence('198.51.100')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@nul.test', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const expectRefused = (res: LightMyRequestResponse, where: string, field: string) => {
    expect(res.statusCode, res.body).toBe(400)
    const problem = problemOf(res)
    expect(problem.type).toBe('urn:tresor:problem:validation')
    expect(problem.errors).toContainEqual({
      in: where,
      field,
      reason: 'must not contain the NUL character (U+0000)',
    })
    expectNoEcho(res)
  }
  const expectNoEcho = (res: LightMyRequestResponse) => {
    expect(res.body).not.toContain(NUL)
    expect(res.body).not.toContain('\\u0000')
    expect(res.body).not.toContain(MARKER)
  }

  describe('the API (problem+json naming the field)', () => {
    it('in a path parameter, also of a public route', async () => {
      expectRefused(
        await t.app.inject({ method: 'GET', url: `/api/v1/public/forms/${MARKER}%00` }),
        'params',
        'key',
      )
      expectRefused(
        await t.app.inject({ method: 'GET', url: '/api/v1/forms/%00', headers: { cookie: admin } }),
        'params',
        'key',
      )
    })

    it('in the query', async () => {
      expectRefused(
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/organisations?q=${MARKER}%00`,
          headers: { cookie: admin },
        }),
        'query',
        'q',
      )
      expectRefused(
        await t.app.inject({ method: 'GET', url: '/api/v1/products?after=%00', headers: { cookie: admin } }),
        'query',
        'after',
      )
    })

    it('in a JSON body, nested, before sign-in too', async () => {
      expectRefused(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/organisations',
          headers: { cookie: admin },
          payload: { name: `${MARKER}${NUL}GmbH` },
        }),
        'body',
        'name',
      )
      expectRefused(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/subjects',
          headers: { cookie: admin },
          payload: { kinds: ['customer'], identifiers: { firstName: 'Ann', lastName: `${MARKER}${NUL}` } },
        }),
        'body',
        'identifiers.lastName',
      )
      expectRefused(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `${MARKER}${NUL}@example.com`, password: 'whatever it is' },
        }),
        'body',
        'email',
      )
    })

    it('in a property name (the parent is named, not the name)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/organisations',
        headers: { cookie: admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'Acme', attributes: { [`${MARKER}${NUL}`]: 'x' } }),
      })
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors).toContainEqual({
        in: 'body',
        field: 'attributes',
        reason: 'has a property name that must not contain the NUL character (U+0000)',
      })
      expectNoEcho(res)
    })

    it('in a header the server reads as input', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/public/forms/contact/submissions',
        remoteAddress: nextIp(),
        headers: { 'user-agent': `${MARKER}${NUL}` },
        payload: { email: 'nul@example.com', lastName: 'Nul' },
      })
      expectRefused(res, 'headers', 'user-agent')
    })

    it('in a form body of the public JSON endpoint', async () => {
      expectRefused(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/public/forms/contact/submissions',
          remoteAddress: nextIp(),
          payload: { email: 'nul@example.com', lastName: `${MARKER}${NUL}` },
        }),
        'body',
        'lastName',
      )
    })
  })

  describe('the public pages (an HTML 400)', () => {
    const expectPage400 = (res: LightMyRequestResponse) => {
      expect(res.statusCode, res.body.slice(0, 300)).toBe(400)
      htmlOf(res)
      expectNoEcho(res)
    }

    it('a form page with a NUL in its key', async () => {
      expectPage400(await t.app.inject({ method: 'GET', url: '/p/forms/%00', remoteAddress: nextIp() }))
      expectPage400(
        await t.app.inject({ method: 'GET', url: `/p/forms/${MARKER}%00?lang=en`, remoteAddress: nextIp() }),
      )
    })

    it('a form post with a NUL in a field', async () => {
      expectPage400(
        await t.app.inject({
          method: 'POST',
          url: '/p/forms/contact',
          remoteAddress: nextIp(),
          headers: FORM,
          payload: `email=nul%40example.com&lastName=${MARKER}%00`,
        }),
      )
    })

    it('the portal sign-in, the confirmation and the unsubscribe links', async () => {
      expectPage400(
        await t.app.inject({
          method: 'POST',
          url: '/p/portal/login',
          remoteAddress: nextIp(),
          headers: FORM,
          payload: `email=${MARKER}%00%40example.com`,
        }),
      )
      for (const url of ['/p/confirm/%00', '/p/unsubscribe/%00', '/p/portal/login/%00'])
        expectPage400(await t.app.inject({ method: 'GET', url, remoteAddress: nextIp() }))
    })
  })
})
