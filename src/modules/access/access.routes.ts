import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  actorOf,
  attemptContextOf,
  changedByOf,
  clearSessionCookie,
  SESSION_COOKIE,
  setSessionCookie,
} from '../../server/auth.ts'
import {
  CreatedToken,
  CreatedUser,
  CreateTokenBody,
  CreateUserBody,
  IdParams,
  LoginBody,
  MeEnvelope,
  TokenList,
  TotpChallenge,
  TotpCodeBody,
  TotpEnrolment,
  TotpLoginBody,
  TotpStatus,
  UpdatedUser,
  UpdateUserBody,
  UserEnvelope,
  UserList,
} from './access.schemas.ts'
import type { AccessService, PublicUser } from './access.service.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)
const tokenInfo = (t: {
  id: string
  name: string
  prefix: string
  role: string
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
  expires_at: Date | null
}) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  createdAt: t.created_at.toISOString(),
  lastUsedAt: iso(t.last_used_at),
  revokedAt: iso(t.revoked_at),
  expiresAt: iso(t.expires_at),
})
const userInfo = (u: PublicUser) => ({ ...u, createdAt: u.createdAt.toISOString() })
const userOf = ({ id, email, displayName, role }: PublicUser) => ({ user: { id, email, displayName, role } })

export const accessRoutes =
  (
    access: AccessService,
    roles: {
      permissionsOf(role: string): readonly string[]
      fieldCategoriesOf(role: string): readonly string[]
    },
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    /** Rotation: whatever session the browser had ends, the new one starts fresh. */
    const startSession = async (request: FastifyRequest, reply: FastifyReply, secret: string) => {
      const previous = request.cookies[SESSION_COOKIE]
      if (previous) await access.logout(previous)
      setSessionCookie(request, reply, secret)
    }

    app.post(
      '/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with e-mail and password; sets the session cookie (or asks for the TOTP code)',
          description:
            'Without a second factor: 200 and the session cookie. With TOTP: 202 and a challenge for ' +
            'POST /api/v1/auth/login/totp; no session yet. Failed attempts are limited per account and ' +
            'per address (429 with Retry-After).',
          security: [],
          body: LoginBody,
          response: { 200: UserEnvelope, 202: TotpChallenge },
        },
      },
      async (request, reply) => {
        const result = await access.login(
          request.body.email,
          request.body.password,
          attemptContextOf(request),
        )
        if (result.status === 'totp-required') {
          return reply.code(202).send({
            status: result.status,
            challenge: result.challenge,
            expiresAt: result.expiresAt.toISOString(),
          })
        }
        await startSession(request, reply, result.sessionSecret)
        return userOf(result.user)
      },
    )

    app.post(
      '/auth/login/totp',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary:
            'Second step of a sign-in with TOTP: the challenge and a current code; sets the session cookie',
          security: [],
          body: TotpLoginBody,
          response: { 200: UserEnvelope },
        },
      },
      async (request, reply) => {
        const { challenge, code } = request.body
        const result = await access.completeLoginWithTotp(challenge, code, attemptContextOf(request))
        await startSession(request, reply, result.sessionSecret)
        return userOf(result.user)
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
        if (secret) await access.logout(secret, changedByOf(request))
        clearSessionCookie(reply)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/auth/me',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'The signed-in user, with the permissions and field categories of the role they act in',
          response: { 200: MeEnvelope },
        },
      },
      async (request) => {
        const actor = actorOf(request)
        return {
          user: { id: actor.userId, email: actor.email, displayName: actor.displayName, role: actor.role },
          permissions: [...roles.permissionsOf(actor.role)],
          fieldCategories: [...roles.fieldCategoriesOf(actor.role)],
        }
      },
    )

    app.get(
      '/auth/totp',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Whether your second factor (TOTP) is on',
          response: { 200: TotpStatus },
        },
      },
      async (request) => access.totpStatus(actorOf(request).userId),
    )

    app.post(
      '/auth/totp',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Set up TOTP: a new secret for your authenticator app; active once confirmed with a code',
          response: { 201: TotpEnrolment },
        },
      },
      async (request, reply) => {
        const enrolment = await access.startTotpEnrolment(actorOf(request))
        return reply.code(201).send(enrolment)
      },
    )

    app.post(
      '/auth/totp/confirm',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Turn TOTP on with a code from the app',
          body: TotpCodeBody,
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        await access.confirmTotp(actorOf(request), request.body.code, attemptContextOf(request))
        return reply.code(204).send(null)
      },
    )

    app.delete(
      '/auth/totp',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Turn TOTP off; needs a current code',
          body: TotpCodeBody,
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        await access.disableTotp(actorOf(request), request.body.code, attemptContextOf(request))
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/users',
      {
        config: { access: 'users:manage' },
        schema: { tags: ['users'], summary: 'List users', response: { 200: UserList } },
      },
      async () => ({ items: (await access.listUsers()).map(userInfo) }),
    )

    app.post(
      '/users',
      {
        config: { access: 'users:manage' },
        schema: {
          tags: ['users'],
          summary: 'Create a user (in a role within your own)',
          body: CreateUserBody,
          response: { 201: CreatedUser },
        },
      },
      async (request, reply) => {
        const { user, generatedPassword } = await access.createUser(request.body, changedByOf(request))
        reply.code(201)
        return { ...userOf(user), ...(generatedPassword ? { generatedPassword } : {}) }
      },
    )

    app.patch(
      '/users/:id',
      {
        config: { access: 'users:manage' },
        schema: {
          tags: ['users'],
          summary: "Change a user's role, or disable them; their sessions end",
          params: IdParams,
          body: UpdateUserBody,
          response: { 200: UpdatedUser },
        },
      },
      async (request) => ({
        user: userInfo(await access.updateUser(request.params.id, request.body, changedByOf(request))),
      }),
    )

    app.get(
      '/tokens',
      {
        config: { access: 'tokens:own' },
        schema: {
          tags: ['tokens'],
          summary: 'Your API tokens',
          description:
            'Newest first, revoked and expired ones included (with `revokedAt` / `expiresAt`); never the secrets.',
          response: { 200: TokenList },
        },
      },
      async (request) => ({ items: (await access.listTokens(actorOf(request).userId)).map(tokenInfo) }),
    )

    app.post(
      '/tokens',
      {
        config: { access: 'tokens:own' },
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token acting in your role, or in a narrower one',
          description:
            'The secret (`token`) is in this response only; Tresor keeps its digest. Send it as `Authorization: Bearer <token>`. With `expiresAt` the token stops working at that time; without, it works until revoked (DELETE /tokens/{id}). A token stops working too when its owner is disabled or moved to a role that no longer covers the token’s. The server remembers a verified token for up to a second: a revocation or change made through it applies at once, one made by another process (the CLI beside the server) within that second. Audited.',
          body: CreateTokenBody,
          response: { 201: CreatedToken },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request)
        const { token, info } = await access.createToken(
          { userId: actor.userId, role: actor.role },
          request.body.name,
          request.body.role,
          changedByOf(request),
          request.body.expiresAt === undefined ? null : new Date(request.body.expiresAt),
        )
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
        await access.revokeToken(actorOf(request).userId, request.params.id, changedByOf(request))
        return reply.code(204).send(null)
      },
    )
  }
