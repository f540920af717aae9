import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PERMISSIONS, type Permission } from '../../src/modules/access/roles.ts'
import { FIELD_CATEGORIES } from '../../src/privacy/fields/field-catalog.ts'
import type { RouteEntry } from '../../src/server/auth.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'
import { apiRoutes, concreteUrl } from '../support/route-table.ts'

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

/**
 * Walks the route table as registered — routes other modules add later are covered without being
 * listed here — and proves the guard: anonymous callers get 401 everywhere but on public routes,
 * and a caller whose role lacks exactly the route's permission gets 403, signed in or with an API
 * token scoped to such a role.
 */
describeEachEngine('every API route enforces its declared access', (runtime) => {
  let t: TestApp
  let routes: RouteEntry[]
  /** Per permission: a session cookie and a token of a role that has every permission but that one. */
  const lacking = new Map<Permission, { cookie: string; token: string }>()

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    routes = apiRoutes(t.app)
    const { roles, access } = runtime().services
    const admin = (
      await access.createUser({
        email: 'walker@example.test',
        role: 'admin',
        password: 'a long walker password',
      })
    ).user
    for (const [index, permission] of PERMISSIONS.entries()) {
      const name = `lacks-${index}`
      await roles.create(
        {
          name,
          description: `everything but ${permission}`,
          permissions: PERMISSIONS.filter((p) => p !== permission),
          fieldCategories: FIELD_CATEGORIES,
        },
        { actor: { type: 'system', id: 'test' } },
      )
      const cookie = await t.signIn(`${name}@example.test`, name)
      // A token of the all-powerful admin, narrowed to the lacking role: it acts in that role.
      const { token } = await access.createToken({ userId: admin.id, role: 'admin' }, name, name)
      lacking.set(permission, { cookie, token })
    }
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (route: RouteEntry, headers: Record<string, string> = {}) =>
    t.app.inject({ method: route.method as Method, url: concreteUrl(route.url), headers })

  const expectProblem = (res: LightMyRequestResponse, route: RouteEntry, status: number, type: string) => {
    expect(res.statusCode, `${route.method} ${route.url}`).toBe(status)
    // HEAD answers carry no body.
    if (route.method !== 'HEAD') expect(problemOf(res).type, `${route.method} ${route.url}`).toBe(type)
  }

  it('finds the routes, and each declares its access', () => {
    expect(routes.length).toBeGreaterThan(15)
    const has = (method: string, url: string, access: string) =>
      expect(routes).toContainEqual({ method, url, access })
    has('GET', '/api/v1/users', 'users:manage')
    has('PATCH', '/api/v1/users/:id', 'users:manage')
    has('POST', '/api/v1/roles', 'roles:manage')
    has('GET', '/api/v1/roles', 'authenticated')
    has('POST', '/api/v1/auth/login', 'public')
    has('GET', '/api/v1/retention-rules', 'purposes:read')
    has('GET', '/api/v1/retention-rules/document', 'purposes:read')
    has('GET', '/api/v1/retention-rules/:key', 'purposes:read')
    has('POST', '/api/v1/retention-rules', 'retention:manage')
    has('PATCH', '/api/v1/retention-rules/:key', 'retention:manage')
    has('GET', '/api/v1/retention/status', 'retention:manage')
    has('POST', '/api/v1/retention/plans', 'retention:manage')
    has('POST', '/api/v1/retention/plans/:id/approve', 'retention:manage')
    has('POST', '/api/v1/retention/runs', 'retention:manage')
    has('GET', '/api/v1/retention/runs/:id', 'retention:manage')
    for (const route of routes) expect(route.access, `${route.method} ${route.url}`).toBeDefined()
  })

  it('refuses anonymous callers with 401 on every route that is not public', async () => {
    const guarded = routes.filter((r) => r.access !== 'public')
    expect(guarded.length).toBeGreaterThan(10)
    for (const route of guarded) {
      expectProblem(await call(route), route, 401, 'urn:tresor:problem:unauthenticated')
      expectProblem(
        await call(route, { authorization: 'Bearer tresor_not-a-real-token' }),
        route,
        401,
        'urn:tresor:problem:unauthenticated',
      )
    }
  })

  it('refuses a signed-in user whose role lacks the permission with 403, on every route that needs one', async () => {
    const needing = routes.filter((r) => (PERMISSIONS as readonly string[]).includes(String(r.access)))
    expect(needing.length).toBeGreaterThan(5)
    for (const route of needing) {
      const caller = lacking.get(route.access as Permission)
      if (!caller) throw new Error(`no test caller for ${route.access}`)
      expectProblem(await call(route, { cookie: caller.cookie }), route, 403, 'urn:tresor:problem:forbidden')
    }
  })

  it('refuses an API token scoped to a role that lacks the permission, even when its owner has it', async () => {
    const needing = routes.filter((r) => (PERMISSIONS as readonly string[]).includes(String(r.access)))
    for (const route of needing) {
      const caller = lacking.get(route.access as Permission)
      if (!caller) throw new Error(`no test caller for ${route.access}`)
      expectProblem(
        await call(route, { authorization: `Bearer ${caller.token}` }),
        route,
        403,
        'urn:tresor:problem:forbidden',
      )
    }
  })

  it('lets the same callers through where their role has the permission (the guard refuses only what it must)', async () => {
    // users:manage is lacking for one role only; every other lacking role has it.
    const other = lacking.get('subjects:read')
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { cookie: other!.cookie },
    })
    expect(res.statusCode).toBe(200)
    const viaToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${other!.token}` },
    })
    expect(viaToken.statusCode).toBe(200)
  })
})
