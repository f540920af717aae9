import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { type RouteEntry, routeTable } from '../../src/server/auth.ts'

/**
 * The API's routes as registered (discovered, never listed by hand), for tests that must cover
 * every route — including routes added later: the route-permission test, and BOLA tests that call
 * each route having an object id with the id of an object the caller must not reach.
 */
export function apiRoutes(app: FastifyInstance): RouteEntry[] {
  const seen = new Set<string>()
  return routeTable(app).filter((route) => {
    const key = `${route.method} ${route.url}`
    if (!route.url.startsWith('/api/') || seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The names of a route pattern's path parameters (`/subjects/:id/history` -> ['id']). */
export const pathParams = (url: string): string[] =>
  [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string)

/**
 * A concrete URL for a route pattern: given values where supplied, else a fresh UUID for
 * parameters that look like ids and `x` otherwise (the access check runs before validation).
 */
export function concreteUrl(url: string, values: Record<string, string> = {}): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) =>
      encodeURIComponent(values[name] ?? (/id$/i.test(name) ? randomUUID() : 'x')),
    )
    .replace(/\*/g, 'x')
}

/** Routes taking a path parameter `name` (e.g. every route addressing one subject by `id`). */
export const routesWithParam = (app: FastifyInstance, name: string): RouteEntry[] =>
  apiRoutes(app).filter((route) => pathParams(route.url).includes(name))
