import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
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
  errors?: {
    in: string
    field: string
    reason: string
    code?: string
    params?: Record<string, string | number>
  }[]
}

export function problemOf(res: LightMyRequestResponse): ProblemBody {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${res.headers['content-type']}: ${res.body}`)
  }
  return res.json() as ProblemBody
}

/**
 * A new customer through the API (as `cookie`'s user, who needs subjects:write), with the given
 * identifiers; its id.
 */
export async function createSubject(
  app: FastifyInstance,
  cookie: string,
  identifiers: Readonly<Record<string, string>> = { firstName: 'Test' },
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/subjects',
    headers: { cookie },
    payload: { kinds: ['customer'], identifiers },
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

/** GET /api/v1/subjects/:id/permissions: a subject's consents, objections, decisions and history. */
export interface PermissionsView {
  consents: { purposeKey: string; channel: string; status: string }[]
  objections: { scope: string; purposeKey: string | null; channel: string | null; source: string }[]
  decisions: { purposeKey: string; channel: string; allowed: boolean; rule?: string }[]
  history: {
    type: string
    what: string
    purposeKey: string | null
    channel: string | null
    scope: string | null
    source: string | null
    proof: Record<string, unknown> | null
    actor: { type: string; id: string }
  }[]
}

/** A subject's permissions view, read as `cookie`'s user (who needs to see it). */
export async function permissionsOf(
  app: FastifyInstance,
  cookie: string,
  subjectId: string,
): Promise<PermissionsView> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/subjects/${subjectId}/permissions`,
    headers: { cookie },
  })
  expect(res.statusCode).toBe(200)
  return res.json() as PermissionsView
}

/** The status of the consent for a purpose on a channel, if there is one. */
export const consentStatusOf = (p: PermissionsView, purposeKey: string, channel: string) =>
  p.consents.find((c) => c.purposeKey === purposeKey && c.channel === channel)?.status

/** The decision for a purpose on a channel. */
export const decisionOf = (p: PermissionsView, purposeKey: string, channel: string) =>
  p.decisions.find((d) => d.purposeKey === purposeKey && d.channel === channel)

/**
 * Client addresses `<prefix>.1`, `<prefix>.2`, ...: a fresh one per request, so a per-IP rate
 * limit only bites where a test wants it.
 */
export function addressSequence(prefix: string): () => string {
  let n = 0
  return () => `${prefix}.${++n}`
}

/** The body of an HTML answer (checking it is one). */
export function htmlOf(res: LightMyRequestResponse): string {
  expect(res.headers['content-type']).toMatch(/^text\/html/)
  return res.body
}
