import { queryOptions, useQuery } from '@tanstack/react-query'
import type { Permission } from '../../../../src/modules/access/roles'
import { api } from '../../app/api'
import { type CurrentUser, sessionQueryOptions } from './auth.api'

/** What `GET /api/v1/auth/me` says the role the user acts in may do and see. */
export interface MyAccess {
  permissions: string[]
  /** The field categories of the role (e.g. `identity`, `socio_demographic`). */
  fieldCategories: string[]
}

/**
 * The permissions and field categories of the role the signed-in user acts in, from
 * `GET /api/v1/auth/me` (roles live in the database and admins can change them, so the UI asks the
 * server). Keyed by user and role, so a new sign-in or a changed role reads them again.
 */
export const myAccessQueryOptions = (user: CurrentUser | undefined) =>
  queryOptions({
    queryKey: ['auth', 'access', user?.id, user?.role] as const,
    queryFn: async ({ signal }): Promise<MyAccess> => {
      const me = await api.get<Partial<MyAccess>>('/api/v1/auth/me', {}, signal)
      return { permissions: me.permissions ?? [], fieldCategories: me.fieldCategories ?? [] }
    },
    enabled: user !== undefined,
    staleTime: 5 * 60_000,
  })

/** The permissions alone (the same request and cache entry as {@link myAccessQueryOptions}). */
export const myPermissionsQueryOptions = (user: CurrentUser | undefined) =>
  queryOptions({ ...myAccessQueryOptions(user), select: (access: MyAccess) => access.permissions })

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

/**
 * The field categories the signed-in user's role may see, for offering only what the server would
 * allow (e.g. the attributes to filter on); undefined while unknown.
 */
export function useFieldCategories(): ReadonlySet<string> | undefined {
  const session = useQuery(sessionQueryOptions)
  const mine = useQuery({
    ...myAccessQueryOptions(session.data),
    select: (access: MyAccess) => access.fieldCategories,
  })
  return mine.data ? new Set(mine.data) : undefined
}
