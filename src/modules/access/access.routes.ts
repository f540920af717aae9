import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { actorOf, clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../../server/auth.ts'
import { ProblemError } from '../../server/problem.ts'
import {
  CreatedToken,
  CreatedUser,
  CreateTokenBody,
  CreateUserBody,
  IdParams,
  LoginBody,
  TokenList,
  UserEnvelope,
  UserList,
} from './access.schemas.ts'
import type { AccessService } from './access.service.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)
const tokenInfo = (t: {
  id: string
  name: string
  prefix: string
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
}) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.created_at.toISOString(),
  lastUsedAt: iso(t.last_used_at),
  revokedAt: iso(t.revoked_at),
})

export const accessRoutes =
  (access: AccessService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with e-mail and password; sets the session cookie',
          security: [],
          body: LoginBody,
          response: { 200: UserEnvelope },
        },
      },
      async (request, reply) => {
        const result = await access.login(request.body.email, request.body.password)
        if (!result) throw new ProblemError('unauthenticated', 'e-mail address or password is wrong')
        // Rotate: whatever session the browser had is ended, the new one starts fresh.
        const previous = request.cookies[SESSION_COOKIE]
        if (previous) await access.logout(previous)
        setSessionCookie(request, reply, result.sessionSecret)
        const { id, email, displayName, role } = result.user
        return { user: { id, email, displayName, role } }
      },
    )

    app.post(
      '/auth/logout',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Sign out: ends the session',
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        const secret = request.cookies[SESSION_COOKIE]
        if (secret) await access.logout(secret)
        clearSessionCookie(reply)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/auth/me',
      {
        config: { access: 'authenticated' },
        schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: UserEnvelope } },
      },
      async (request) => {
        const actor = actorOf(request)
        return {
          user: { id: actor.userId, email: actor.email, displayName: actor.displayName, role: actor.role },
        }
      },
    )

    app.get(
      '/users',
      {
        config: { access: 'users:manage' },
        schema: { tags: ['users'], summary: 'List users', response: { 200: UserList } },
      },
      async () => ({
        items: (await access.listUsers()).map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
      }),
    )

    app.post(
      '/users',
      {
        config: { access: 'users:manage' },
        schema: {
          tags: ['users'],
          summary: 'Create a user',
          body: CreateUserBody,
          response: { 201: CreatedUser },
        },
      },
      async (request, reply) => {
        const { user, generatedPassword } = await access.createUser(request.body)
        const { id, email, displayName, role } = user
        reply.code(201)
        return { user: { id, email, displayName, role }, ...(generatedPassword ? { generatedPassword } : {}) }
      },
    )

    app.get(
      '/tokens',
      {
        config: { access: 'tokens:own' },
        schema: { tags: ['tokens'], summary: 'Your API tokens', response: { 200: TokenList } },
      },
      async (request) => ({ items: (await access.listTokens(actorOf(request).userId)).map(tokenInfo) }),
    )

    app.post(
      '/tokens',
      {
        config: { access: 'tokens:own' },
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token acting with your role',
          body: CreateTokenBody,
          response: { 201: CreatedToken },
        },
      },
      async (request, reply) => {
        const { token, info } = await access.createToken(actorOf(request).userId, request.body.name)
        reply.code(201)
        return { token, info: tokenInfo(info) }
      },
    )

    app.delete(
      '/tokens/:id',
      {
        config: { access: 'tokens:own' },
        schema: {
          tags: ['tokens'],
          summary: 'Revoke an API token',
          params: IdParams,
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        await access.revokeToken(actorOf(request).userId, request.params.id)
        return reply.code(204).send(null)
      },
    )
  }
