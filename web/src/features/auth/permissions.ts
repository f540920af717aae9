import { queryOptions, useQuery } from '@tanstack/react-query'
import type { Permission } from '../../../../src/modules/access/roles'
import { api } from '../../app/api'
import { sessionQueryOptions } from './auth.api'

/** A role as `GET /api/v1/roles` lists it: what it may do and which categories of data it may use. */
export interface RoleInfo {
  name: string
  description: string
  permissions: string[]
  fieldCategories: string[]
  builtin: boolean
}

/**
 * Every role with its permissions. Roles live in the database and admins can change them, so the UI
 * asks the server rather than trusting the built-in seed; any signed-in user may read the list.
 */
export const rolesQueryOptions = queryOptions({
  queryKey: ['roles'] as const,
  queryFn: async ({ signal }) => (await api.get<{ items: RoleInfo[] }>('/api/v1/roles', {}, signal)).items,
  staleTime: 5 * 60_000,
})

export interface MyPermissions {
  /** Whether the signed-in user's role holds the permission; false while unknown (never shown in doubt). */
  can: (permission: Permission) => boolean
  /** True until the session and the roles are read. */
  isPending: boolean
}

/**
 * What the signed-in user may do, for showing or hiding actions. Only a convenience: the server
 * checks every call again, so a stale answer can at worst show a button whose call is refused.
 */
export function usePermissions(): MyPermissions {
  const session = useQuery(sessionQueryOptions)
  const roles = useQuery(rolesQueryOptions)
  const role = roles.data?.find((candidate) => candidate.name === session.data?.role)
  const granted = new Set(role?.permissions ?? [])
  return {
    can: (permission) => granted.has(permission),
    isPending: session.isPending || roles.isPending,
  }
}
