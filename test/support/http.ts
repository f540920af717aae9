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
