import { isRole, type Role } from '../../../src/modules/access/roles'

/** Roles the UI has a translation for: the server's own list. Others are shown verbatim. */
export type KnownRole = Role
export const isKnownRole = (role: string): role is KnownRole => isRole(role)
