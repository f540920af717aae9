import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  type AccessService,
  type Actor,
  type AttemptContext,
  auditActor,
} from '../modules/access/access.service.ts'
import type { ChangedBy, RolePolicy } from '../modules/access/role.service.ts'
import type { RouteAccess } from '../modules/access/roles.ts'
import { ProblemError } from '../platform/problem.ts'

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

/** One registered route and the access it declared; see `routeTable`. */
export interface RouteEntry {
  method: string
  /** The route pattern, e.g. `/api/v1/users/:id`. */
  url: string
  access: RouteAccess | undefined
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>()

/**
 * Every route registered on `app` (and its plugins) since `registerAuth`, with its declared access:
 * what the route-permission test walks, so a route added later is checked without being listed.
 */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return routeTables.get(app) ?? []
}

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
 * the route's declared access, answered from the roles in memory (no database round trip for the
 * role). Runs before the body is parsed, so an anonymous caller learns nothing about a route's
 * input rules. Every refusal of a signed-in caller is audited as `denied`.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: { access: AccessService; roles: RolePolicy; publicUrl?: string },
): void {
  const { access, roles } = deps
  const publicOrigin = deps.publicUrl === undefined ? undefined : originOf(deps.publicUrl)
  app.decorateRequest('actor', undefined)
  const table: RouteEntry[] = []
  routeTables.set(app, table)

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.config?.access) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its access`)
    }
    for (const method of [route.method].flat()) {
      table.push({ method: String(method), url: route.url, access: route.config?.access })
    }
  })

  app.addHook('onRequest', async (request) => {
    const required = request.routeOptions.config?.access
    if (!required || required === 'public') return
    request.actor = await authenticate(request, access)
    if (!request.actor)
      throw new ProblemError('unauthenticated', 'sign in, or send an API token as a Bearer token')
    if (!isSameOrigin(request, publicOrigin)) {
      request.log.warn({ route: request.routeOptions.url }, 'cross-site request refused')
      throw new ProblemError(
        'forbidden',
        'cross-site request refused: a change made with the session cookie must come from this site',
      )
    }
    if (required !== 'authenticated' && !roles.has(request.actor.role, required)) {
      await access.recordDenial(
        request.actor,
        `permission ${required} needed for ${request.method} ${request.routeOptions.url}`,
        request.id,
      )
      throw new ProblemError('forbidden', `this needs the permission ${required}`)
    }
  })
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The origin (scheme, host, port) of a URL, as a browser writes it in `Origin`; none if it is no URL. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * CSRF protection of the cookie-authenticated API, beyond SameSite=Strict (which lets a page on
 * another port of the same host through: same site, not same origin). A state-changing request
 * authenticated by the session cookie must say it comes from this origin: `Sec-Fetch-Site:
 * same-origin` (or `none`: the user's own action), else — from a browser that does not send it —
 * an `Origin` equal to the server's own (as the request reaches it, or the configured public URL).
 * A request with neither header comes from no browser (every current browser sends at least one on
 * a cross-origin POST), so no page can have made it: it passes, like Go's CrossOriginProtection.
 * Bearer tokens are not sent by browsers on their own and need none of this.
 */
function isSameOrigin(request: FastifyRequest, publicOrigin: string | undefined): boolean {
  if (SAFE_METHODS.has(request.method) || request.headers.authorization !== undefined) return true
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  const origin = request.headers.origin
  if (origin === undefined) return true
  return origin === publicOrigin || origin === originOf(`${request.protocol}://${request.host}`)
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

/** Who makes a change, for the audit record: the acting user or token, its role, the request id. */
export function changedByOf(request: FastifyRequest): ChangedBy & { userId: string } {
  const actor = actorOf(request)
  return { actor: auditActor(actor), requestId: request.id, userId: actor.userId }
}

/** Where a sign-in attempt comes from (rate limit per address) and its request id. */
export function attemptContextOf(request: FastifyRequest): AttemptContext {
  return { ip: request.ip, requestId: request.id }
}
