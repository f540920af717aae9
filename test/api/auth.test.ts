import type { LightMyRequestResponse } from 'fastify'
import { generateSync } from 'otplib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AccessService } from '../../src/modules/access/access.service.ts'
import { RoleRepository } from '../../src/modules/access/role.repository.ts'
import { RoleService } from '../../src/modules/access/role.service.ts'
import { UserRepository } from '../../src/modules/access/user.repository.ts'
import type { AuditRecordInput, AuditWriter } from '../../src/privacy/audit/audit-record.ts'
import { buildApp } from '../../src/server/app.ts'
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
    const leaver = (await runtime().services.access.findUserByEmail(email))!
    const { token } = await runtime().services.access.createToken(
      { userId: leaver.id, role: leaver.role },
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
    const { info } = await access.createToken({ userId: other!.id, role: other!.role }, 'theirs')
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

// --- helpers for the second factor and the rate limit -------------------------------------------

const PASSWORD = 'a long and unguessable password'
let ipCounter = 0
/** A fresh client address per call, so the per-address limit of one test does not spill into the next. */
const nextIp = () => {
  ipCounter++
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`
}
const nowSeconds = () => Math.floor(Date.now() / 1000)
/** The code of the authenticator app `steps` periods from now. */
const codeAt = (secret: string, steps = 0) => generateSync({ secret, epoch: nowSeconds() + steps * 30 })
/** A well-formed code that is valid in none of the accepted steps. */
function wrongCode(secret: string): string {
  const valid = new Set([-1, 0, 1].map((s) => codeAt(secret, s)))
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0')
    if (!valid.has(candidate)) return candidate
  }
}
/** Tests about neighbouring steps must not straddle a step boundary while they run. */
async function awayFromStepBoundary(): Promise<void> {
  const into = (Date.now() / 1000) % 30
  if (into > 25) await new Promise((r) => setTimeout(r, (30 - into + 1) * 1000))
}

function loginVia(t: TestApp, email: string, password: string, ip = nextIp(), cookie?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: ip,
    ...(cookie ? { headers: { cookie } } : {}),
  })
}
function totpStep(t: TestApp, challenge: string, code: string, ip = nextIp()) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login/totp',
    payload: { challenge, code },
    remoteAddress: ip,
  })
}
async function challengeFor(t: TestApp, email: string): Promise<string> {
  const res = await loginVia(t, email, PASSWORD)
  expect(res.statusCode, res.body).toBe(202)
  return (res.json() as { challenge: string }).challenge
}
/** Signs the user in, sets up TOTP through the API (confirmed with the previous step's code) and returns the secret. */
async function enrol(t: TestApp, cookie: string): Promise<string> {
  const started = await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers: { cookie } })
  expect(started.statusCode, started.body).toBe(201)
  const { secret } = started.json() as { secret: string }
  const confirmed = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/totp/confirm',
    headers: { cookie },
    payload: { code: codeAt(secret, -1) },
  })
  expect(confirmed.statusCode, confirmed.body).toBe(204)
  return secret
}
const expectRateLimited = (res: LightMyRequestResponse) => {
  expect(res.statusCode).toBe(429)
  expect(problemOf(res).type).toBe('urn:tresor:problem:rate-limited')
  const retryAfter = Number(res.headers['retry-after'])
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(retryAfter).toBeLessThanOrEqual(60)
}

describeEachEngine('second factor (TOTP)', (runtime) => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp(runtime())
  })
  afterAll(async () => {
    await t.app.close()
  })
  const user = async (email: string, role = 'service') => {
    await runtime().services.access.createUser({ email, role, password: PASSWORD })
    return sessionCookie(await loginVia(t, email, PASSWORD))
  }

  it('enrols: a secret and otpauth URI, active only once confirmed with a code; stored sealed', async () => {
    const email = 'enrol@example.com'
    const cookie = await user(email)
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers: { cookie } })
    expect(started.statusCode).toBe(201)
    const { secret, uri } = started.json() as { secret: string; uri: string }
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(uri).toMatch(/^otpauth:\/\/totp\/Tresor:/)
    expect(uri).toContain(`secret=${secret}`)
    const status = () => t.app.inject({ method: 'GET', url: '/api/v1/auth/totp', headers: { cookie } })
    expect((await status()).json()).toEqual({ enabled: false, pending: true })

    const row = await runtime()
      .database.db.selectFrom('app_user')
      .select('totp_secret')
      .where('email_normalized', '=', email)
      .executeTakeFirstOrThrow()
    const sealed = Buffer.from(row.totp_secret as Uint8Array)
    expect(sealed.length).toBeGreaterThan(secret.length)
    expect(sealed.includes(Buffer.from(secret))).toBe(false)

    // Not active yet: the password alone still signs in (say, on a second device).
    const elsewhere = await loginVia(t, email, PASSWORD)
    expect(elsewhere.statusCode).toBe(200)
    const otherCookie = sessionCookie(elsewhere)
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: { cookie },
      payload: { code: wrongCode(secret) },
    })
    expect(wrong.statusCode).toBe(400)
    expect(problemOf(wrong).errors?.[0]?.field).toBe('code')
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: { cookie },
      payload: { code: '12ab56' },
    })
    expect(malformed.statusCode).toBe(400)

    const confirmed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: { cookie },
      payload: { code: codeAt(secret) },
    })
    expect(confirmed.statusCode).toBe(204)
    expect((await status()).json()).toEqual({ enabled: true, pending: false })
    // The session opened with the password alone has ended; the one that confirmed stays.
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/totp',
      headers: { cookie: otherCookie },
    })
    expect(other.statusCode).toBe(401)
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers: { cookie } })
    expect(again.statusCode).toBe(409)
  })

  it('signs in in two steps: the password gives a challenge and no session, the code gives the session', async () => {
    await awayFromStepBoundary()
    const email = 'two.steps@example.com'
    const secret = await enrol(t, await user(email))
    const first = await loginVia(t, email, PASSWORD)
    expect(first.statusCode).toBe(202)
    expect(first.cookies).toHaveLength(0)
    const body = first.json() as { status: string; challenge: string; expiresAt: string }
    expect(body.status).toBe('totp-required')
    expect(body.challenge.length).toBeGreaterThanOrEqual(43)
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now())

    const second = await totpStep(t, body.challenge, codeAt(secret))
    expect(second.statusCode, second.body).toBe(200)
    expect(second.json()).toMatchObject({ user: { email } })
    const cookie = sessionCookie(second)
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })
    expect(me.statusCode).toBe(200)

    // Single use: the challenge is gone, even with the next valid code.
    const reused = await totpStep(t, body.challenge, codeAt(secret, 1))
    expect(reused.statusCode).toBe(401)
    expect(reused.cookies).toHaveLength(0)
    // A made-up challenge gets the same answer.
    expect((await totpStep(t, 'not-a-challenge', codeAt(secret, 1))).statusCode).toBe(401)
  })

  it('accepts each code once, within one step either way, and never an older one', async () => {
    await awayFromStepBoundary()
    const email = 'window@example.com'
    const secret = await enrol(t, await user(email)) // confirmed with the code of step -1
    const attempt = async (steps: number) =>
      (await totpStep(t, await challengeFor(t, email), codeAt(secret, steps))).statusCode

    expect(await attempt(0)).toBe(200)
    expect(await attempt(0)).toBe(401) // replayed
    expect(await attempt(-1)).toBe(401) // older than the last one used
    expect(await attempt(2)).toBe(401) // too far ahead
    expect(await attempt(1)).toBe(200) // next step, within the window

    // A phone one step behind the server is fine too (the last used step is long ago here).
    const other = 'behind@example.com'
    const otherSecret = await enrol(t, await user(other))
    await runtime()
      .database.db.updateTable('app_user')
      .set({ totp_last_step: Math.floor(nowSeconds() / 30) - 10 })
      .where('email_normalized', '=', other)
      .execute()
    const otherAttempt = async (steps: number) =>
      (await totpStep(t, await challengeFor(t, other), codeAt(otherSecret, steps))).statusCode
    expect(await otherAttempt(-2)).toBe(401)
    expect(await otherAttempt(-1)).toBe(200)
  })

  it('drops a challenge after three wrong codes', async () => {
    await awayFromStepBoundary()
    const email = 'typos@example.com'
    const secret = await enrol(t, await user(email))
    const challenge = await challengeFor(t, email)
    for (let i = 0; i < 3; i++) expect((await totpStep(t, challenge, wrongCode(secret))).statusCode).toBe(401)
    expect((await totpStep(t, challenge, codeAt(secret))).statusCode).toBe(401)
    expect((await totpStep(t, await challengeFor(t, email), codeAt(secret))).statusCode).toBe(200)
  })

  it('limits wrong codes per account: 429 with Retry-After, whichever address they come from', async () => {
    const email = 'guesser@example.com'
    const secret = await enrol(t, await user(email))
    let challenge = await challengeFor(t, email)
    for (let i = 0; i < 5; i++) {
      if (i === 3) challenge = await challengeFor(t, email)
      expect((await totpStep(t, challenge, wrongCode(secret))).statusCode).toBe(401)
    }
    expectRateLimited(await totpStep(t, await challengeFor(t, email), codeAt(secret, 1)))
  })

  it('turns TOTP off only with a current code, and never through an API token', async () => {
    await awayFromStepBoundary()
    const email = 'off@example.com'
    const cookie = await user(email)
    const secret = await enrol(t, cookie)
    const off = (code: string, headers: Record<string, string> = { cookie }) =>
      t.app.inject({ method: 'DELETE', url: '/api/v1/auth/totp', headers, payload: { code } })
    expect((await off(wrongCode(secret))).statusCode).toBe(400)

    const owner = (await runtime().services.access.findUserByEmail(email))!
    const { token } = await runtime().services.access.createToken(
      { userId: owner.id, role: owner.role },
      'bot',
    )
    const viaToken = await off(codeAt(secret), { authorization: `Bearer ${token}` })
    expect(viaToken.statusCode).toBe(403)
    const enrolViaToken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(enrolViaToken.statusCode).toBe(403)

    expect((await off(codeAt(secret))).statusCode).toBe(204)
    expect((await loginVia(t, email, PASSWORD)).statusCode).toBe(200)
  })

  it('an admin can reset the second factor of a user who lost their phone', async () => {
    const email = 'lost.phone@example.com'
    await enrol(t, await user(email))
    expect((await loginVia(t, email, PASSWORD)).statusCode).toBe(202)
    const found = (await runtime().services.access.findUserByEmail(email))!
    await runtime().services.access.resetTotp(found.id)
    expect((await loginVia(t, email, PASSWORD)).statusCode).toBe(200)
  })
})

describeEachEngine('rate limit on sign-in', (runtime) => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    for (const email of ['target@example.com', 'bystander@example.com'])
      await runtime().services.access.createUser({ email, role: 'sales', password: PASSWORD })
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('per account: after 10 failures in a minute, even the right password gets 429 with Retry-After', async () => {
    for (let i = 0; i < 10; i++)
      expect((await loginVia(t, 'target@example.com', 'wrong password!')).statusCode).toBe(401)
    const limited = await loginVia(t, ' TARGET@example.com', PASSWORD)
    expectRateLimited(limited)
    expect(limited.body).not.toContain('target')
    expect(limited.cookies).toHaveLength(0)
    // Other accounts are not affected.
    expect((await loginVia(t, 'bystander@example.com', PASSWORD)).statusCode).toBe(200)
  })

  it('per address: after 10 failures from one address, it waits; other addresses do not', async () => {
    const ip = '192.0.2.7'
    for (let i = 0; i < 10; i++)
      expect((await loginVia(t, `nobody${i}@example.com`, 'guess', ip)).statusCode).toBe(401)
    expectRateLimited(await loginVia(t, 'bystander@example.com', PASSWORD, ip))
    expect((await loginVia(t, 'bystander@example.com', PASSWORD, '192.0.2.8')).statusCode).toBe(200)
  })
})

describeEachEngine('users: role changes, disabling, tokens scoped to a role', (runtime) => {
  let t: TestApp
  let admin: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('boss@example.com', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })
  const idOf = async (email: string) => (await runtime().services.access.findUserByEmail(email))!.id
  const patch = (id: string, payload: object, cookie = admin) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: { cookie }, payload })
  const me = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })

  it('changes a role: the sessions end at once, the next sign-in acts in the new role', async () => {
    const cookie = await t.signIn('mover@example.com', 'sales', PASSWORD)
    const res = await patch(await idOf('mover@example.com'), { role: 'marketing' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { role: 'marketing', disabled: false, totpEnabled: false } })
    expect((await me({ cookie })).statusCode).toBe(401)
    const again = await loginVia(t, 'mover@example.com', PASSWORD)
    expect(again.json()).toMatchObject({ user: { role: 'marketing' } })
  })

  it('disables a user: sessions and tokens stop at once, sign-in is refused; enabling lets them in again', async () => {
    const email = 'paused@example.com'
    const cookie = await t.signIn(email, 'service', PASSWORD)
    const id = await idOf(email)
    const { token } = await runtime().services.access.createToken({ userId: id, role: 'service' }, 'sync')
    // Used just before: the server remembers a verified token for a moment, and forgets it on the change.
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200)
    expect((await patch(id, { disabled: true })).json()).toMatchObject({ user: { disabled: true } })
    expect((await me({ cookie })).statusCode).toBe(401)
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(401)
    expect((await loginVia(t, email, PASSWORD)).statusCode).toBe(401)
    expect((await patch(id, { disabled: false })).statusCode).toBe(200)
    expect((await loginVia(t, email, PASSWORD)).statusCode).toBe(200)
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200)
  })

  it('refuses changing yourself, unknown roles and unknown users', async () => {
    const self = await patch(await idOf('boss@example.com'), { disabled: true })
    expect(self.statusCode).toBe(409)
    const unknownRole = await patch(await idOf('mover@example.com'), { role: 'overlord' })
    expect(unknownRole.statusCode).toBe(400)
    expect(problemOf(unknownRole).errors?.[0]).toMatchObject({ field: 'role' })
    expect((await patch('00000000-0000-4000-8000-000000000000', { disabled: true })).statusCode).toBe(404)
    expect((await patch(await idOf('mover@example.com'), {})).statusCode).toBe(400)
  })

  it('a user manager can only hand out and touch roles within their own', async () => {
    await runtime().services.roles.create(
      {
        name: 'user-desk',
        // Covers the product role (what it may hand out), not more.
        permissions: ['users:manage', 'subjects:read', 'purposes:read', 'tokens:own', 'catalog:manage'],
        fieldCategories: ['socio_demographic', 'behavioural', 'derived', 'purchases'],
      },
      { actor: { type: 'system', id: 'test' } },
    )
    const desk = await t.signIn('desk@example.com', 'user-desk')
    const escalate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: desk },
      payload: { email: 'friend@example.com', role: 'admin' },
    })
    expect(escalate.statusCode).toBe(403)
    expect((await patch(await idOf('boss@example.com'), { disabled: true }, desk)).statusCode).toBe(403)
    await runtime().services.access.createUser({
      email: 'intern@example.com',
      role: 'product',
      password: PASSWORD,
    })
    expect((await patch(await idOf('intern@example.com'), { role: 'admin' }, desk)).statusCode).toBe(403)
    expect((await patch(await idOf('intern@example.com'), { disabled: true }, desk)).statusCode).toBe(200)
  })

  it('API tokens act in their role: narrower than the owner is fine, wider is refused', async () => {
    const create = (cookie: string, payload: object) =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie }, payload })
    const narrow = await create(admin, { name: 'analytics', role: 'product' })
    expect(narrow.statusCode).toBe(201)
    const { token, info } = narrow.json() as { token: string; info: { role: string } }
    expect(info.role).toBe('product')
    const bearer = { authorization: `Bearer ${token}` }
    const seen = (await me(bearer)).json() as {
      user: object
      permissions: string[]
      fieldCategories: string[]
    }
    expect(seen).toMatchObject({ user: { role: 'product', email: 'boss@example.com' } })
    // What the token's role may do, for the UI: not the owner's (admin) wider rights.
    expect(seen.permissions).toContain('subjects:read')
    expect(seen.permissions).not.toContain('users:manage')
    expect(seen.fieldCategories).not.toContain('contact')
    const users = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer })
    expect(users.statusCode).toBe(403)
    // A token cannot mint a token beyond its own role either.
    const wider = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer,
      payload: { name: 'sneaky', role: 'admin' },
    })
    expect(wider.statusCode).toBe(403)

    const sales = await t.signIn('seller@example.com', 'sales', PASSWORD)
    expect((await create(sales, { name: 'x', role: 'dpo' })).statusCode).toBe(403)
    expect((await create(sales, { name: 'x', role: 'nope' })).statusCode).toBe(400)
    const byDefault = await create(sales, { name: 'default' })
    expect((byDefault.json() as { info: { role: string } }).info.role).toBe('sales')
  })

  it('a token stops working when its owner is moved to a role that no longer covers it', async () => {
    const email = 'officer@example.com'
    await runtime().services.access.createUser({ email, role: 'admin', password: PASSWORD })
    const id = await idOf(email)
    const { token: wide } = await runtime().services.access.createToken({ userId: id, role: 'admin' }, 'wide')
    const { token: narrow } = await runtime().services.access.createToken(
      { userId: id, role: 'admin' },
      'narrow',
      'sales',
    )
    expect((await patch(id, { role: 'sales' })).statusCode).toBe(200)
    expect((await me({ authorization: `Bearer ${wide}` })).statusCode).toBe(401)
    expect((await me({ authorization: `Bearer ${narrow}` })).statusCode).toBe(200)
  })
})

/** An audit writer that keeps what it is given, to check what access control records. */
class RecordingAudit implements AuditWriter {
  readonly records: AuditRecordInput[] = []
  async append(records: readonly AuditRecordInput[]): Promise<void> {
    this.records.push(...records)
  }
}

describeEachEngine('access control is audited, without e-mail addresses', (runtime) => {
  let t: TestApp
  const audit = new RecordingAudit()
  beforeAll(async () => {
    const { database, config } = runtime()
    const roles = new RoleService(new RoleRepository(database.db), audit)
    await roles.reload()
    const access = new AccessService({
      users: new UserRepository(database.db),
      roles,
      audit,
      secrets: runtime().services.totpBox,
      policy: { idleMinutes: config.sessionIdleMinutes, absoluteHours: config.sessionAbsoluteHours },
    })
    const app = await buildApp({ ...runtime(), services: { ...runtime().services, access, roles } })
    await app.ready()
    t = { app, signIn: async () => '' }
    await access.createUser({ email: 'audited@example.com', role: 'sales', password: PASSWORD })
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('records sign-in, refusals, sign-out and configuration changes with the actor', async () => {
    const user = (await runtime().services.access.findUserByEmail('audited@example.com'))!
    expect((await loginVia(t, 'audited@example.com', 'not it at all')).statusCode).toBe(401)
    expect((await loginVia(t, 'ghost@example.com', 'not it at all')).statusCode).toBe(401)
    const cookie = sessionCookie(await loginVia(t, 'audited@example.com', PASSWORD))
    const forbidden = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie } })
    expect(forbidden.statusCode).toBe(403)
    const token = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie },
      payload: { name: 'n' },
    })
    expect(token.statusCode).toBe(201)
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode,
    ).toBe(204)

    const actions = audit.records.map((r) => [r.action, r.actor.type, r.reason])
    expect(actions).toEqual([
      ['configure', 'system', `user ${user.id} created with role sales`],
      ['denied', 'user', 'sign-in refused: wrong password'],
      ['denied', 'system', 'sign-in refused: unknown account'],
      ['login', 'user', 'signed in with password'],
      ['denied', 'user', 'permission users:manage needed for GET /api/v1/users'],
      [
        'configure',
        'user',
        expect.stringMatching(/^API token [0-9a-f-]{36} of user [0-9a-f-]{36} created in role sales$/),
      ],
      ['logout', 'user', 'signed out'],
    ])
    for (const record of audit.records.filter((r) => r.actor.type === 'user')) {
      expect(record.actor).toEqual({ type: 'user', id: user.id, role: 'sales' })
    }
    expect(audit.records.slice(1).every((r) => typeof r.requestId === 'string')).toBe(true)
    expect(JSON.stringify(audit.records)).not.toMatch(/example\.com/)
  })
})
