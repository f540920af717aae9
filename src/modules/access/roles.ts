/**
 * Roles for the departments of DESIGN.md and the permissions they hold. This is the platform's
 * first cut; the privacy kernel refines it per field category and lets admins define roles.
 */
export const ROLES = [
  'admin',
  'dpo',
  'marketing',
  'sales',
  'service',
  'accounting',
  'logistics',
  'product',
] as const
export type Role = (typeof ROLES)[number]

export const PERMISSIONS = [
  'subjects:read',
  'subjects:write',
  /** Art. 17 erasure: destroys the subject's data key. */
  'subjects:erase',
  /** Bulk reads and exports (Art. 32: export functions are protected). */
  'subjects:export',
  'subjects:history',
  'purposes:read',
  /** Edit the purpose registry: the DPO's job. */
  'purposes:manage',
  /** Record consent events, objections and restrictions. */
  'permissions:write',
  'audit:read',
  'users:manage',
  'tokens:own',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/** What an API route requires: a permission, any signed-in user, or nothing (public). */
export type RouteAccess = Permission | 'authenticated' | 'public'

const EVERYONE: readonly Permission[] = ['subjects:read', 'purposes:read', 'tokens:own']
const STAFF: readonly Permission[] = [...EVERYONE, 'subjects:write', 'subjects:history', 'permissions:write']

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  dpo: [...STAFF, 'subjects:erase', 'subjects:export', 'purposes:manage', 'audit:read'],
  marketing: STAFF,
  sales: STAFF,
  service: STAFF,
  accounting: STAFF,
  logistics: STAFF,
  product: EVERYONE,
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

export function roleHas(role: string, permission: Permission): boolean {
  return isRole(role) && ROLE_PERMISSIONS[role].includes(permission)
}
