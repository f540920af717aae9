import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AccessService, Actor } from '../modules/access/access.service.ts'
import { type RouteAccess, roleHas } from '../modules/access/roles.ts'
import { ProblemError } from './problem.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route requires. Every route under /api/ must say it; start-up fails otherwise. */
    access?: RouteAccess
  }
  interface FastifyRequest {
    actor: Actor | undefined
  }
}

export const SESSION_COOKIE = 'tresor_session'

/** Sets the session cookie: httpOnly (no script reads it), SameSite=Strict (no cross-site use). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, secret: string): void {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
  })
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
}

/**
 * Authentication (session cookie or `Authorization: Bearer <token>`) and authorisation against
 * the route's declared access. Runs before the body is parsed, so an anonymous caller learns
 * nothing about a route's input rules.
 */
export function registerAuth(app: FastifyInstance, access: AccessService): void {
  app.decorateRequest('actor', undefined)

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.config?.access) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its access`)
    }
  })

  app.addHook('onRequest', async (request) => {
    const required = request.routeOptions.config?.access
    if (!required || required === 'public') return
    request.actor = await authenticate(request, access)
    if (!request.actor)
      throw new ProblemError('unauthenticated', 'sign in, or send an API token as a Bearer token')
    if (required !== 'authenticated' && !roleHas(request.actor.role, required)) {
      throw new ProblemError('forbidden', `this needs the permission ${required}`)
    }
  })
}

async function authenticate(request: FastifyRequest, access: AccessService): Promise<Actor | undefined> {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    return match?.[1] ? access.authenticateToken(match[1]) : undefined
  }
  const secret = request.cookies[SESSION_COOKIE]
  return secret ? access.authenticateSession(secret) : undefined
}

/** The actor of an authenticated route (the hook guarantees one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new ProblemError('unauthenticated')
  return request.actor
}
