import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/server/app.ts'
import type { TestRuntime } from './engines.ts'

export interface TestApp {
  app: FastifyInstance
  /** Creates a user and returns a Cookie header value of a fresh session. */
  signIn(email: string, role: string, password?: string): Promise<string>
}

export async function buildTestApp(runtime: TestRuntime): Promise<TestApp> {
  const app = await buildApp(runtime)
  await app.ready()
  return {
    app,
    async signIn(email, role, password = 'correct horse battery staple') {
      if (!(await runtime.services.access.findUserByEmail(email))) {
        await runtime.services.access.createUser({ email, role, password })
      }
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password },
      })
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
      return sessionCookie(res)
    },
  }
}

export function sessionCookie(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === 'tresor_session')
  if (!cookie) throw new Error('no session cookie set')
  return `tresor_session=${cookie.value}`
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  errors?: { in: string; field: string; reason: string }[]
}

export function problemOf(res: LightMyRequestResponse): ProblemBody {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${res.headers['content-type']}: ${res.body}`)
  }
  return res.json() as ProblemBody
}

/** A new customer through the API (as `cookie`'s user, who needs subjects:write); its id. */
export async function createSubject(app: FastifyInstance, cookie: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/subjects',
    headers: { cookie },
    payload: { kinds: ['customer'], identifiers: { firstName: 'Test' } },
  })
  if (res.statusCode !== 201) throw new Error(`creating a subject failed: ${res.statusCode} ${res.body}`)
  return (res.json() as { id: string }).id
}

/** A bare subject row (no identifiers, not audited): for tests of what is recorded about it. */
export async function insertSubject(runtime: TestRuntime): Promise<string> {
  const row = await runtime.database.db
    .insertInto('subject')
    .values({ kinds: ['customer'], source: 'manual' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}
