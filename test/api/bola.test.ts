import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, type TestApp } from '../support/http.ts'
import { concreteUrl, routesWithParam } from '../support/route-table.ts'

/**
 * Broken object-level authorisation (OWASP API1): an id of one kind of object, or of another
 * user's object, must never reach an object through a route. Every route taking an `:id` is
 * discovered from the route table, so routes added later are covered too.
 */
describeEachEngine('no object is reachable through the id of another (BOLA)', (runtime) => {
  let t: TestApp
  let admin: string
  let sales: string
  let subjectId: string
  let othersTokenId: string
  let othersToken: string

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('bola-admin@example.test', 'admin')
    sales = await t.signIn('bola-sales@example.test', 'sales')
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['customer'], identifiers: { email: 'bola-subject@example.test' } },
    })
    subjectId = (created.json() as { id: string }).id
    const other = await runtime().services.access.findUserByEmail('bola-admin@example.test')
    const { token, info } = await runtime().services.access.createToken(
      { userId: other!.id, role: other!.role },
      'the admin’s own',
    )
    othersToken = token
    othersTokenId = info.id
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('answers every :id route called with an id of another kind of object with a 4xx, never the object', async () => {
    const routes = routesWithParam(t.app, 'id')
    expect(routes.length).toBeGreaterThan(3)
    for (const route of routes) {
      // Subject routes get a token's id; every other route gets a subject's id.
      const foreign = route.url.startsWith('/api/v1/subjects/') ? othersTokenId : subjectId
      const res = await t.app.inject({
        method: route.method as 'GET',
        url: concreteUrl(route.url, { id: foreign }),
        headers: { cookie: admin },
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { payload: {} } : {}),
      })
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBeGreaterThanOrEqual(400)
      expect(res.statusCode, `${route.method} ${route.url}`).toBeLessThan(500)
      expect(res.body).not.toContain('bola-subject')
    }
  })

  it("does not let a user revoke another user's API token, which keeps working", async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${othersTokenId}`,
      headers: { cookie: sales },
    })
    expect(res.statusCode).toBe(404)
    const still = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${othersToken}` },
    })
    expect(still.statusCode).toBe(200)
  })

  it("does not serve a subject's history or permissions under another subject's id", async () => {
    for (const suffix of ['history', 'permissions']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/subjects/${othersTokenId}/${suffix}`,
        headers: { cookie: admin },
      })
      expect(res.statusCode, suffix).toBe(404)
    }
  })
})
