import { queryOptions } from '@tanstack/react-query'
import { api, apiRequest } from '../../app/api'

/** One of the user's API tokens as `GET /api/v1/tokens` lists it (never the secret). */
export interface ApiToken {
  id: string
  name: string
  /** The first characters of the secret, to tell tokens apart. */
  prefix: string
  role: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
  expiresAt: string | null
}

export interface CreatedToken {
  /** The secret: in this answer only. */
  token: string
  info: ApiToken
}

/** A role as `GET /api/v1/roles` lists it (what the token form needs of it). */
export interface RoleSummary {
  name: string
  description: string
  permissions: string[]
  fieldCategories: string[]
}

export const tokenKeys = { mine: () => ['tokens', 'mine'] as const }

export const myTokensQueryOptions = queryOptions({
  queryKey: tokenKeys.mine(),
  queryFn: async ({ signal }) =>
    (await api.get<{ items: ApiToken[] }>('/api/v1/tokens', undefined, signal)).items,
})

export const rolesQueryOptions = queryOptions({
  queryKey: ['roles'] as const,
  queryFn: async ({ signal }) =>
    (await api.get<{ items: RoleSummary[] }>('/api/v1/roles', undefined, signal)).items,
  staleTime: 5 * 60_000,
})

export const createToken = (input: { name: string; role?: string; expiresAt?: string }) =>
  api.post<CreatedToken>('/api/v1/tokens', input)

export const revokeToken = (id: string) =>
  apiRequest<undefined>(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' })

/**
 * The roles a token may act in: those that grant nothing beyond the role the user acts in (the
 * server checks the same: every permission and field category of the token's role is the user's).
 */
export function rolesWithin(
  roles: readonly RoleSummary[],
  mine: { permissions: readonly string[]; fieldCategories: readonly string[] },
): RoleSummary[] {
  const permissions = new Set(mine.permissions)
  const categories = new Set(mine.fieldCategories)
  return roles.filter(
    (role) =>
      role.permissions.every((p) => permissions.has(p)) &&
      role.fieldCategories.every((c) => categories.has(c)),
  )
}

/** How long a new token works: choices of the form. */
export const TOKEN_LIFETIMES = ['30', '90', '365', 'never'] as const
export type TokenLifetime = (typeof TOKEN_LIFETIMES)[number]

/** The end of a token created now with the lifetime, as ISO text; undefined: until revoked. */
export function expiryOf(lifetime: TokenLifetime, now = new Date()): string | undefined {
  if (lifetime === 'never') return undefined
  return new Date(now.getTime() + Number(lifetime) * 86_400_000).toISOString()
}

/** Whether a token works now: not revoked and not expired. */
export function tokenState(token: ApiToken, now = new Date()): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked'
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now.getTime()) return 'expired'
  return 'active'
}
