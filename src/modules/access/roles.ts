// Type only: the web UI bundles this file and must not pull in server modules.
import type { FieldCategory } from '../../privacy/fields/field-catalog.ts'

/**
 * The seed of the built-in roles (the departments of DESIGN.md) and the closed set of permissions.
 * Roles live in the database (table `role`) and admins can edit them and define more; this file is
 * what a fresh installation starts with, applied at every start by `RoleService.init`. Plain data
 * with no server imports: the web UI reads it too.
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
/** A built-in role. Admin-defined roles are plain strings. */
export type Role = (typeof ROLES)[number]

export const PERMISSIONS = [
  'subjects:read',
  'subjects:write',
  /** Art. 17 erasure: destroys the subject's data key. */
  'subjects:erase',
  /** Bulk reads and exports (Art. 32: export functions are protected). */
  'subjects:export',
  /** Import files of subjects, touchpoints and orders (bulk writes, with their provenance). */
  'subjects:import',
  'subjects:history',
  'purposes:read',
  /** Edit the purpose registry: the DPO's job. */
  'purposes:manage',
  /** Edit the deletion concept (the retention rules), never below a legal minimum: the DPO's job. */
  'retention:manage',
  /**
   * The recipients registry (Art. 28, 44-49): add and change recipients, their transfer mechanism,
   * purposes and categories, review the adequacy decisions, subscribe recipients to webhooks and see
   * the deliveries. The DPO's job.
   */
  'recipients:manage',
  /** Record consent events, objections and restrictions. */
  'permissions:write',
  'audit:read',
  'users:manage',
  /** Define roles and change what a role may do. */
  'roles:manage',
  /** Add attributes to the field catalog and edit fields (categories, purposes, retention). */
  'fields:manage',
  /** Define and change the public forms (fields, offered consents, notice) and the consent texts. */
  'forms:manage',
  /** Change the installation's settings: the controller, the DPO's contact, the logo and colour. */
  'settings:manage',
  /** Change the DPO's contact details in the settings (Art. 37(7)): the DPO's own part. */
  'settings:dpo',
  'tokens:own',
  /** Send touchpoints (`POST /api/v1/events`): websites, shops and apps, usually with an API token. */
  'events:write',
  /** Maintain the product catalogue and the organisations (not personal data, but shared master data). */
  'catalog:manage',
  /**
   * The data subject requests inbox: read every request with what the person wrote, and the open
   * ones of everyone with their deadlines (recording one needs only `permissions:write`).
   */
  'requests:manage',
  /** Legal holds (Art. 17(3)): see what the law keeps of a subject, enter and lift the DPO's holds. */
  'holds:manage',
  /**
   * Customer analytics (issue #16): fit the population models, recompute the scores, read the fitted
   * model. A subject's scores are read under the profiling purpose, through the gate.
   */
  'analytics:run',
  /**
   * The breach register (Art. 33, 34): record breaches, compute the affected people from the audit
   * trail, notify the authority, send the letters to the people; and adopt a version of the record
   * of processing activities (Art. 30). The DPO's job.
   */
  'breaches:manage',
  /** Read segments, count them live, list a segment's permitted audience (through the gate). */
  'segments:read',
  /** Save, change and delete segments (issue #16). */
  'segments:manage',
  /** Read campaigns and journeys with their reports (issue #17). */
  'campaigns:read',
  /** Create, change, start, pause and delete campaigns and journeys (issue #17). */
  'campaigns:manage',
  /** Agents: work a phone campaign's call list and record each call's outcome (issue #17). */
  'campaigns:call',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/** What an API route requires: a permission, any signed-in user, or nothing (public). */
export type RouteAccess = Permission | 'authenticated' | 'public'

/** Role names: lower case, start with a letter, 2–40 characters (the database checks the same). */
export const ROLE_NAME_PATTERN = '^[a-z][a-z0-9_-]{1,39}$'

/** The role that always holds every permission and category, so there is always a way back in. */
export const SUPER_ROLE: Role = 'admin'

const EVERYONE: readonly Permission[] = ['subjects:read', 'purposes:read', 'tokens:own']
const STAFF: readonly Permission[] = [...EVERYONE, 'subjects:write', 'subjects:history', 'permissions:write']

/** Seed: what each built-in role may do. Exports and bulk reads (`subjects:export`) only for the DPO. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  dpo: [
    ...STAFF,
    'subjects:erase',
    'subjects:export',
    'purposes:manage',
    'retention:manage',
    'recipients:manage',
    'audit:read',
    'fields:manage',
    'forms:manage',
    'requests:manage',
    'settings:dpo',
    'holds:manage',
    'analytics:run',
    'breaches:manage',
    'segments:read',
  ],
  marketing: [
    ...STAFF,
    'events:write',
    'subjects:import',
    'analytics:run',
    'segments:read',
    'segments:manage',
    'campaigns:read',
    'campaigns:manage',
  ],
  sales: [...STAFF, 'events:write', 'catalog:manage', 'subjects:import', 'campaigns:read', 'campaigns:call'],
  service: [...STAFF, 'events:write'],
  accounting: [...STAFF, 'catalog:manage', 'subjects:import'],
  logistics: STAFF,
  product: [...EVERYONE, 'catalog:manage'],
}

/**
 * Seed: which categories of personal data each built-in role may use (Art. 5(1)(c) data
 * minimisation, Art. 25 by default, Art. 32 "users see only the data their role needs"). The gate
 * checks every requested field against these. Decisions:
 * - marketing: who, how to reach, where, the segmentation attributes and what was bought (RFM, CLV)
 *   — never bank data, invoices or staff notes (free text written for sales and service).
 * - sales, service: the contact at a glance incl. notes and the pseudonymous attributes shown there
 *   (country, region) — no bank data, no psychographic profile.
 * - accounting: what an invoice needs incl. orders, invoices and bank data — no behavioural or
 *   psychographic data, no notes.
 * - logistics: what a delivery needs: the address and the order.
 * - product: pseudonymous data and purchases only — no identifier of any kind.
 * - dpo (answers access requests, Art. 15) and admin: everything.
 */
const ALL_CATEGORIES: readonly FieldCategory[] = [
  'identity',
  'contact',
  'address',
  'bank',
  'notes',
  'socio_demographic',
  'behavioural',
  'psychographic',
  'derived',
  'organisation',
  'purchases',
  'billing',
  'pipeline',
]
export const ROLE_FIELD_CATEGORIES: Readonly<Record<Role, readonly FieldCategory[]>> = {
  admin: ALL_CATEGORIES,
  dpo: ALL_CATEGORIES,
  marketing: [
    'identity',
    'contact',
    'address',
    'socio_demographic',
    'behavioural',
    'psychographic',
    'derived',
    'organisation',
    'purchases',
  ],
  sales: [
    'identity',
    'contact',
    'address',
    'notes',
    'socio_demographic',
    'behavioural',
    'derived',
    'organisation',
    'purchases',
    'billing',
    'pipeline',
  ],
  service: [
    'identity',
    'contact',
    'address',
    'notes',
    'socio_demographic',
    'behavioural',
    'derived',
    'organisation',
    'purchases',
    'billing',
  ],
  accounting: ['identity', 'contact', 'address', 'bank', 'organisation', 'purchases', 'billing'],
  logistics: ['identity', 'contact', 'address', 'purchases'],
  product: ['socio_demographic', 'behavioural', 'derived', 'purchases'],
}

/** Seed: one line per built-in role, shown in the role list. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  admin: 'Users, roles, fields and integrations; every permission (cannot be narrowed).',
  dpo: 'Data protection officer: purposes, audit trail, erasure, exports and access requests.',
  marketing: 'Segments, scores and campaigns; no bank data, no staff notes.',
  sales: 'Contacts, deals and notes; no bank data.',
  service: 'Contacts, tickets and notes; no bank data.',
  accounting: 'Orders, invoices and bank data; no behavioural or psychographic data.',
  logistics: 'Delivery addresses.',
  product: 'Pseudonymous attributes and behaviour only; no identifiers.',
}

/** A built-in role name (for translations and the seed); any role in the database may be valid. */
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

export const isPermission = (value: string): value is Permission =>
  (PERMISSIONS as readonly string[]).includes(value)
