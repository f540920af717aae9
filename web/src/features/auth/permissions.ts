import { queryOptions, useQuery } from '@tanstack/react-query'
import type { Permission } from '../../../../src/modules/access/roles'
import { api } from '../../app/api'
import { type CurrentUser, sessionQueryOptions } from './auth.api'

/**
 * The permissions of the role the signed-in user acts in, from `GET /api/v1/auth/me` (roles live in
 * the database and admins can change them, so the UI asks the server). Keyed by user and role, so a
 * new sign-in or a changed role reads them again.
 */
export const myPermissionsQueryOptions = (user: CurrentUser | undefined) =>
  queryOptions({
    queryKey: ['auth', 'permissions', user?.id, user?.role] as const,
    queryFn: async ({ signal }) =>
      (await api.get<{ permissions: string[] }>('/api/v1/auth/me', {}, signal)).permissions,
    enabled: user !== undefined,
    staleTime: 5 * 60_000,
  })

export interface MyPermissions {
  /** Whether the signed-in user's role holds the permission; false while unknown (never shown in doubt). */
  can: (permission: Permission) => boolean
  /** True until the session and the permissions are read. */
  isPending: boolean
}

/**
 * What the signed-in user may do, for showing or hiding actions. Only a convenience: the server
 * checks every call again, so a stale answer can at worst show a button whose call is refused.
 */
export function usePermissions(): MyPermissions {
  const session = useQuery(sessionQueryOptions)
  const mine = useQuery(myPermissionsQueryOptions(session.data))
  const granted = new Set(mine.data ?? [])
  return {
    can: (permission) => granted.has(permission),
    isPending: session.isPending || mine.isPending,
  }
}
