import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

/** Each class of bad input gets a 4xx problem+json that names what is wrong, and writes nothing. */
describeEachEngine('bad input', (runtime) => {
  let t: TestApp
  let admin: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.com', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const usersNow = async () => (await runtime().services.access.listUsers()).length

  const postUsers = (payload: string, contentType = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: admin, 'content-type': contentType },
      payload,
    })

  describe('request bodies', () => {
    it('malformed JSON → 400 malformed-body', async () => {
      const before = await usersNow()
      const res = await postUsers('{"email": "a@example.com", "role": ')
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).type).toBe('urn:tresor:problem:malformed-body')
      expect(await usersNow()).toBe(before)
    })

    it('wrong types → 400 validation naming each field', async () => {
      const before = await usersNow()
      const res = await postUsers(JSON.stringify({ email: 42, role: 'admin', displayName: ['x'] }))
      expect(res.statusCode).toBe(400)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:validation')
      const fields = problem.errors?.map((e) => e.field)
      expect(fields).toEqual(expect.arrayContaining(['email', 'displayName']))
      expect(problem.errors?.every((e) => e.in === 'body')).toBe(true)
      expect(await usersNow()).toBe(before)
    })

    it('a number sent as a string is not coerced in a body', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { cookie: admin },
        payload: { name: 5 },
      })
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors?.[0]?.field).toBe('name')
    })

    it('missing required fields are named', async () => {
      const res = await postUsers(JSON.stringify({ role: 'admin' }))
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors).toContainEqual({
        in: 'body',
        field: 'email',
        reason: 'is required',
        code: 'required',
      })
    })

    it('unknown properties are refused, not stripped (no mass assignment)', async () => {
      const before = await usersNow()
      const res = await postUsers(
        JSON.stringify({
          email: 'mass@example.com',
          role: 'sales',
          password: 'long enough password',
          isAdmin: true,
        }),
      )
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors).toContainEqual({
        in: 'body',
        field: 'isAdmin',
        reason: 'is not a known property',
        code: 'unknown-property',
      })
      expect(await usersNow()).toBe(before)
    })

    it('a value outside the allowed set lists the allowed values', async () => {
      const res = await postUsers(JSON.stringify({ email: 'x@example.com', role: 'superuser' }))
      expect(res.statusCode).toBe(400)
      const error = problemOf(res).errors?.find((e) => e.field === 'role')
      expect(error?.reason).toContain('must be')
      // A client translating the reason switches on the code; the allowed values come as a parameter.
      expect(error).toMatchObject({ code: 'one-of', params: { allowed: expect.stringContaining('admin') } })
    })

    it('oversized bodies → 413 with the documented limit, nothing written', async () => {
      const before = await usersNow()
      const limit = runtime().config.bodyLimitBytes
      const res = await postUsers(
        JSON.stringify({ email: 'big@example.com', role: 'sales', displayName: 'x'.repeat(limit) }),
      )
      expect(res.statusCode).toBe(413)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:payload-too-large')
      expect(problem.detail).toContain(String(limit))
      expect(await usersNow()).toBe(before)
    })

    it('a body that is not JSON → 415', async () => {
      const res = await postUsers('email=a@example.com', 'application/x-www-form-urlencoded')
      expect(res.statusCode).toBe(415)
      expect(problemOf(res).type).toBe('urn:tresor:problem:unsupported-media-type')
    })

    it('a business rule violation (weak password) names the field and writes nothing', async () => {
      const before = await usersNow()
      const res = await postUsers(
        JSON.stringify({ email: 'weak@example.com', role: 'sales', password: 'short' }),
      )
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors?.[0]?.field).toBe('password')
      expect(await usersNow()).toBe(before)
    })

    it('a deal with an organisation that does not exist → 400 naming organisationId, nothing written', async () => {
      const subject = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects',
        headers: { cookie: admin },
        payload: { kinds: ['b2b_contact'], identifiers: { lastName: 'Deal' } },
      })
      const id = (subject.json() as { id: string }).id
      const deals = `/api/v1/subjects/${id}/deals`
      const res = await t.app.inject({
        method: 'POST',
        url: deals,
        headers: { cookie: admin },
        payload: { title: 'Licences', organisationId: '5f0c0c43-6c39-4c43-9d43-0d6f3c1a7e55' },
      })
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors).toContainEqual({
        in: 'body',
        field: 'organisationId',
        reason: 'is not an organisation',
      })
      const listed = await t.app.inject({ method: 'GET', url: deals, headers: { cookie: admin } })
      expect(listed.json()).toEqual([])
    })

    it('a duplicate → 409 conflict', async () => {
      const body = JSON.stringify({ email: 'Dup@Example.com', role: 'sales' })
      expect((await postUsers(body)).statusCode).toBe(201)
      const res = await postUsers(JSON.stringify({ email: 'dup@example.com ', role: 'sales' }))
      expect([400, 409]).toContain(res.statusCode)
    })
  })

  describe('query parameters', () => {
    const list = (query: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/subjects?${query}`, headers: { cookie: admin } })

    it('a sort field outside the allowlist is refused', async () => {
      const res = await list('sort=attributes')
      expect(res.statusCode).toBe(400)
      const problem = problemOf(res)
      expect(problem.errors?.[0]).toMatchObject({ in: 'query', field: 'sort' })
    })

    it('a limit out of range or not a number is refused', async () => {
      for (const q of ['limit=0', 'limit=100000', 'limit=ten']) {
        const res = await list(q)
        expect(res.statusCode, q).toBe(400)
        expect(problemOf(res).errors?.[0]?.field).toBe('limit')
      }
    })

    it('an unknown query parameter is refused', async () => {
      const res = await list('where=1')
      expect(res.statusCode).toBe(400)
      expect(problemOf(res).errors?.[0]).toMatchObject({ in: 'query', field: 'where' })
    })

    it('a forged cursor is refused', async () => {
      for (const cursor of [
        'garbage',
        Buffer.from('["createdAt","desc","x","not-a-uuid"]').toString('base64url'),
      ]) {
        const res = await list(`cursor=${cursor}`)
        expect(res.statusCode).toBe(400)
        expect(problemOf(res).errors?.[0]?.field).toBe('cursor')
      }
    })

    // Issue #12: well-formed (base64 of valid JSON) but not what the API issues — these reached
    // the database and came back as 500s.
    const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url')
    const FORGED_CURSORS = [
      forged(['createdAt', 'desc', '2025-01-01T00:00:00.000Z', '------------------------------------']),
      forged(['createdAt', 'desc', '2025-01-01T00:00:00.000Z', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']),
      forged(['createdAt', 'desc', '-200000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      forged(['createdAt', 'desc', '0000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      forged(['createdAt', 'desc', 'not a time', '00000000-0000-4000-8000-000000000000']),
      forged(['createdAt', 'desc', 5, '00000000-0000-4000-8000-000000000000']),
    ]

    it('a well-formed cursor whose id is not a UUID or whose value does not parse → 400 naming cursor', async () => {
      for (const cursor of FORGED_CURSORS) {
        const res = await list(`cursor=${cursor}`)
        expect(res.statusCode, Buffer.from(cursor, 'base64url').toString()).toBe(400)
        expect(problemOf(res).errors?.[0]).toMatchObject({ in: 'query', field: 'cursor' })
      }
    })

    it('the same on the other keyset-paginated list (open requests)', async () => {
      for (const cursor of [
        forged(['dueAt', 'asc', '2025-01-01T00:00:00.000Z', '------------------------------------']),
        forged(['dueAt', 'asc', '-200000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      ]) {
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/requests?cursor=${cursor}`,
          headers: { cookie: admin },
        })
        expect(res.statusCode, Buffer.from(cursor, 'base64url').toString()).toBe(400)
        expect(problemOf(res).errors?.[0]).toMatchObject({ in: 'query', field: 'cursor' })
      }
    })
  })
})
