/** Roles the UI has a translation for. The server stores roles as text, so others are shown verbatim. */
export const KNOWN_ROLES = [
  'admin',
  'dpo',
  'marketing',
  'sales',
  'service',
  'accounting',
  'logistics',
  'product',
] as const
export type KnownRole = (typeof KNOWN_ROLES)[number]

export function isKnownRole(role: string): role is KnownRole {
  return (KNOWN_ROLES as readonly string[]).includes(role)
}
