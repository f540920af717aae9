import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, sessionCookie, type TestApp } from '../support/http.ts'

describeEachEngine('sign-in, sessions and API tokens', (runtime) => {
  let t: TestApp
  const password = 'a long and unguessable password'
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    await runtime().services.access.createUser({ email: 'Sales@Example.com', role: 'sales', password })
  })
  afterAll(async () => {
    await t.app.close()
  })

  const login = (email: string, pw: string, cookie?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: pw },
      ...(cookie ? { headers: { cookie } } : {}),
    })
  const me = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })

  it('signs in case-insensitively and sets a strict, httpOnly session cookie', async () => {
    const res = await login(' sales@example.COM ', password)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { email: 'Sales@Example.com', role: 'sales' } })
    const cookie = res.cookies.find((c) => c.name === 'tresor_session')
    expect(cookie?.httpOnly).toBe(true)
    expect(cookie?.sameSite).toBe('Strict')
    expect(cookie?.value.length).toBeGreaterThanOrEqual(43) // 256 bits, base64url
    expect((await me({ cookie: sessionCookie(res) })).json()).toMatchObject({ user: { role: 'sales' } })
  })

  it('gives the same answer for an unknown e-mail and a wrong password', async () => {
    const wrong = await login('sales@example.com', 'not the password')
    const unknown = await login('nobody@example.com', password)
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(problemOf(wrong).detail).toBe(problemOf(unknown).detail)
    expect(wrong.cookies).toHaveLength(0)
  })

  it('stores only hashes of session secrets and passwords', async () => {
    const res = await login('sales@example.com', password)
    const secret = res.cookies.find((c) => c.name === 'tresor_session')?.value as string
    const sessions = await runtime().database.db.selectFrom('user_session').select('token_hash').execute()
    expect(sessions.some((s) => s.token_hash === secret)).toBe(false)
    const user = await runtime()
      .database.db.selectFrom('app_user')
      .select('password_hash')
      .where('email_normalized', '=', 'sales@example.com')
      .executeTakeFirstOrThrow()
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })

  it('rotates the session at login: the previous session of the browser ends', async () => {
    const first = sessionCookie(await login('sales@example.com', password))
    const second = await login('sales@example.com', password, first)
    expect(second.statusCode).toBe(200)
    expect(sessionCookie(second)).not.toBe(first)
    expect((await me({ cookie: first })).statusCode).toBe(401)
    expect((await me({ cookie: sessionCookie(second) })).statusCode).toBe(200)
  })

  it('ends the session at logout', async () => {
    const cookie = sessionCookie(await login('sales@example.com', password))
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })
    expect(out.statusCode).toBe(204)
    expect((await me({ cookie })).statusCode).toBe(401)
  })

  it('ends sessions after the idle timeout and the absolute lifetime, and purges them', async () => {
    const db = runtime().database.db
    const idle = sessionCookie(await login('sales@example.com', password))
    const old = sessionCookie(await login('sales@example.com', password))
    const hashOf = async (cookie: string) => {
      const { createHash } = await import('node:crypto')
      return createHash('sha256')
        .update(cookie.split('=')[1] as string)
        .digest('hex')
    }
    const idleMinutes = runtime().config.sessionIdleMinutes
    await db
      .updateTable('user_session')
      .set({ last_seen_at: new Date(Date.now() - (idleMinutes + 1) * 60_000) })
      .where('token_hash', '=', await hashOf(idle))
      .execute()
    await db
      .updateTable('user_session')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', await hashOf(old))
      .execute()
    expect((await me({ cookie: idle })).statusCode).toBe(401)
    expect((await me({ cookie: old })).statusCode).toBe(401)
    expect(await runtime().services.access.purgeExpiredSessions()).toBeGreaterThanOrEqual(2)
  })

  it('refuses disabled users, their sessions and tokens', async () => {
    const email = 'leaver@example.com'
    await runtime().services.access.createUser({ email, role: 'service', password })
    const cookie = sessionCookie(await login(email, password))
    const { token } = await runtime().services.access.createToken(
      (await runtime().services.access.findUserByEmail(email))!.id,
      'integration',
    )
    await runtime()
      .database.db.updateTable('app_user')
      .set({ disabled_at: new Date() })
      .where('email_normalized', '=', email)
      .execute()
    expect((await me({ cookie })).statusCode).toBe(401)
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(401)
    expect((await login(email, password)).statusCode).toBe(401)
  })

  it('creates, uses, lists and revokes API tokens; the secret is shown once', async () => {
    const cookie = sessionCookie(await login('sales@example.com', password))
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie },
      payload: { name: 'crm sync' },
    })
    expect(created.statusCode).toBe(201)
    const { token, info } = created.json() as { token: string; info: { id: string; prefix: string } }
    expect(token.startsWith(info.prefix)).toBe(true)
    const bearer = { authorization: `Bearer ${token}` }
    expect((await me(bearer)).json()).toMatchObject({ user: { email: 'Sales@Example.com' } })
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer })
    expect(JSON.stringify(listed.json())).not.toContain(token)
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${info.id}`,
      headers: { cookie },
    })
    expect(revoke.statusCode).toBe(204)
    expect((await me(bearer)).statusCode).toBe(401)
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${info.id}`,
      headers: { cookie },
    })
    expect(again.statusCode).toBe(404)
  })

  it("can't revoke another user's token", async () => {
    const access = runtime().services.access
    await access.createUser({ email: 'other@example.com', role: 'sales', password })
    const other = await access.findUserByEmail('other@example.com')
    const { info } = await access.createToken(other!.id, 'theirs')
    const cookie = sessionCookie(await login('sales@example.com', password))
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${info.id}`,
      headers: { cookie },
    })
    expect(res.statusCode).toBe(404)
  })

  it('enforces route permissions: a sales user may not manage users', async () => {
    const cookie = sessionCookie(await login('sales@example.com', password))
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie },
      payload: { email: 'x@example.com', role: 'admin' },
    })
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).type).toBe('urn:tresor:problem:forbidden')
    expect(await runtime().services.access.findUserByEmail('x@example.com')).toBeUndefined()
  })
})

it('every /api route declares its access, or the app does not start', async () => {
  const { default: Fastify } = await import('fastify')
  const { registerAuth } = await import('../../src/server/auth.ts')
  const app = Fastify()
  registerAuth(app, {} as never)
  expect(() => app.get('/api/v1/forgotten', async () => 'oops')).toThrow(/does not declare its access/)
  expect(() => app.get('/api/v1/open', { config: { access: 'public' } }, async () => 'ok')).not.toThrow()
})
