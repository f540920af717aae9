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

export const PERMISSIONS = ['subjects:read', 'users:manage', 'tokens:own'] as const
export type Permission = (typeof PERMISSIONS)[number]

/** What an API route requires: a permission, any signed-in user, or nothing (public). */
export type RouteAccess = Permission | 'authenticated' | 'public'

const EVERYONE: readonly Permission[] = ['subjects:read', 'tokens:own']

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  dpo: EVERYONE,
  marketing: EVERYONE,
  sales: EVERYONE,
  service: EVERYONE,
  accounting: EVERYONE,
  logistics: EVERYONE,
  product: EVERYONE,
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

export function roleHas(role: string, permission: Permission): boolean {
  return isRole(role) && ROLE_PERMISSIONS[role].includes(permission)
}
