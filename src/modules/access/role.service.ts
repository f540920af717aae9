import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../../privacy/audit/audit-record.ts'
import { FIELD_CATEGORIES, type FieldCategory } from '../../privacy/fields/field-catalog.ts'
import type { RoleRepository, RoleRow } from './role.repository.ts'
import {
  isPermission,
  PERMISSIONS,
  type Permission,
  ROLE_DESCRIPTIONS,
  ROLE_FIELD_CATEGORIES,
  ROLE_NAME_PATTERN,
  ROLE_PERMISSIONS,
  ROLES,
  SUPER_ROLE,
} from './roles.ts'

/** A role as the rest of Tresor sees it: permissions and field categories from the closed sets. */
export interface RoleDefinition {
  name: string
  description: string
  permissions: readonly Permission[]
  fieldCategories: readonly FieldCategory[]
  builtin: boolean
}

/** What the route guard and the gate ask about a role; answered from memory. */
export interface RolePolicy {
  has(role: string, permission: Permission): boolean
  fieldCategoriesOf(role: string): readonly FieldCategory[]
}

/**
 * Who changes a role, for the audit record. With `actor.role` set, only what that role has can be
 * granted or taken away.
 */
export interface ChangedBy {
  actor: AuditActor
  requestId?: string | undefined
}

export interface NewRole {
  name: string
  description?: string | undefined
  permissions: readonly string[]
  fieldCategories: readonly string[]
  /** The purposes the new role acts under (added to their scope); default contact_management. */
  purposes?: readonly string[] | undefined
}

/** The purpose registry as role creation needs it: a new role is named in the scope of its purposes. */
export interface RolePurposes {
  exists(key: string): Promise<boolean>
  addRole(key: string, role: string, by: ChangedBy): Promise<void>
}

/** Art. 5(1)(b): the everyday CRM purpose a new role works under unless told otherwise. */
export const DEFAULT_ROLE_PURPOSES: readonly string[] = ['contact_management']

export interface RolePatch {
  description?: string | undefined
  permissions?: readonly string[] | undefined
  fieldCategories?: readonly string[] | undefined
}

interface CachedRole {
  definition: RoleDefinition
  permissions: ReadonlySet<Permission>
  categories: ReadonlySet<FieldCategory>
}

const NAME = new RegExp(ROLE_NAME_PATTERN)
const isFieldCategory = (value: string): value is FieldCategory =>
  (FIELD_CATEGORIES as readonly string[]).includes(value)

/** Known values only, once each, in the order of the closed set (stable for diffs and display). */
const canonicalPermissions = (values: readonly string[]): Permission[] =>
  PERMISSIONS.filter((p) => values.includes(p))
const canonicalCategories = (values: readonly string[]): FieldCategory[] =>
  FIELD_CATEGORIES.filter((c) => values.includes(c))

/**
 * Three-way merge of a built-in role with the code's seed: what the seed newly grants is added,
 * what it no longer grants is taken away, and an admin's own edits in between are kept.
 */
function mergeSeed(
  current: readonly string[],
  lastSeed: readonly string[],
  seed: readonly string[],
): string[] {
  const added = seed.filter((v) => !lastSeed.includes(v))
  const dropped = lastSeed.filter((v) => !seed.includes(v))
  return [...new Set([...current, ...added])].filter((v) => !dropped.includes(v))
}

/** Permissions and field categories a change touches. */
interface Change {
  permissions: readonly Permission[]
  categories: readonly FieldCategory[]
}

/** What is in one list and not the other: granted or taken away. */
const symmetricDifference = <T extends string>(a: readonly T[], b: readonly T[]): T[] => [
  ...a.filter((v) => !b.includes(v)),
  ...b.filter((v) => !a.includes(v)),
]

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v) => b.includes(v))

const toDefinition = (row: RoleRow): RoleDefinition => ({
  name: row.name,
  description: row.description,
  permissions: canonicalPermissions(row.permissions),
  fieldCategories: canonicalCategories(row.field_categories),
  builtin: row.builtin,
})

const describe = (role: Pick<RoleDefinition, 'permissions' | 'fieldCategories'>): string =>
  `permissions [${role.permissions.join(', ')}]; field categories [${role.fieldCategories.join(', ')}]`

const SYSTEM: AuditActor = { type: 'system', id: 'tresor' }

/**
 * Roles: stored in the database, editable by admins, seeded from `roles.ts`. Every permission check
 * is answered from an in-memory copy (no database round trip per request); a change made here
 * replaces the copy at once, and a change made by another process is picked up within `maxAgeMs`
 * (the copy is refreshed in the background after that, never on the request's path).
 */
export class RoleService implements RolePolicy {
  readonly #repo: RoleRepository
  readonly #audit: AuditWriter
  readonly #maxAgeMs: number
  #cache = new Map<string, CachedRole>()
  #loadedAt = 0
  #refreshing: Promise<void> | undefined
  #purposes: RolePurposes | undefined

  constructor(repo: RoleRepository, audit: AuditWriter, options: { maxAgeMs?: number } = {}) {
    this.#repo = repo
    this.#audit = audit
    this.#maxAgeMs = options.maxAgeMs ?? 30_000
  }

  /** Applies the seed of the built-in roles and loads the roles; call once at start-up, after migrating. */
  async init(): Promise<void> {
    await this.seed()
    await this.reload()
  }

  /**
   * Idempotent: creates missing built-in roles and merges seed changes into existing ones (see
   * `mergeSeed`). The super role always holds everything. Changes are audited as `configure`.
   */
  async seed(): Promise<void> {
    const existing = new Map((await this.#repo.list()).map((row) => [row.name, row]))
    for (const name of ROLES) {
      const seedPermissions = ROLE_PERMISSIONS[name]
      const seedCategories = ROLE_FIELD_CATEGORIES[name]
      const row = existing.get(name)
      if (!row) {
        await this.#repo.transaction(async (repo, trx) => {
          const inserted = await repo.insert({
            name,
            description: ROLE_DESCRIPTIONS[name],
            permissions: seedPermissions,
            fieldCategories: seedCategories,
            builtin: true,
            seeded: true,
          })
          // Another process seeding at the same moment won the race: nothing to record.
          if (!inserted) return
          await this.#audit.append(
            [
              {
                actor: SYSTEM,
                action: 'configure',
                reason: `built-in role ${name} created from the seed: ${describe(toDefinition(inserted))}`,
              },
            ],
            trx,
          )
        })
        continue
      }
      const superRole = name === SUPER_ROLE
      const permissions = canonicalPermissions(
        superRole ? PERMISSIONS : mergeSeed(row.permissions, row.seeded_permissions ?? [], seedPermissions),
      )
      const fieldCategories = canonicalCategories(
        superRole
          ? FIELD_CATEGORIES
          : mergeSeed(row.field_categories, row.seeded_field_categories ?? [], seedCategories),
      )
      const description = row.description || ROLE_DESCRIPTIONS[name]
      const unchanged =
        row.builtin &&
        row.description === description &&
        sameSet(row.permissions, permissions) &&
        sameSet(row.field_categories, fieldCategories) &&
        sameSet(row.seeded_permissions ?? [], seedPermissions) &&
        sameSet(row.seeded_field_categories ?? [], seedCategories)
      if (unchanged) continue
      await this.#repo.transaction(async (repo, trx) => {
        await repo.updateSeeded(name, {
          description,
          permissions,
          fieldCategories,
          seededPermissions: seedPermissions,
          seededFieldCategories: seedCategories,
        })
        await this.#audit.append(
          [
            {
              actor: SYSTEM,
              action: 'configure',
              reason: `built-in role ${name} updated from the seed: ${describe({ permissions, fieldCategories })}`,
            },
          ],
          trx,
        )
      })
    }
  }

  /** Reads all roles into memory. */
  async reload(): Promise<void> {
    this.#fill(await this.#repo.list())
  }

  /** All roles, fresh from the database. */
  async list(): Promise<RoleDefinition[]> {
    const rows = await this.#repo.list()
    this.#fill(rows)
    return rows.map(toDefinition)
  }

  /** The role as last loaded, or undefined when there is no such role. */
  get(name: string): RoleDefinition | undefined {
    this.#refreshIfStale()
    return this.#cache.get(name)?.definition
  }

  /** The names of all roles, as last loaded. */
  names(): string[] {
    this.#refreshIfStale()
    return [...this.#cache.keys()]
  }

  exists(name: string): boolean {
    return this.get(name) !== undefined
  }

  has(role: string, permission: Permission): boolean {
    this.#refreshIfStale()
    return this.#cache.get(role)?.permissions.has(permission) ?? false
  }

  permissionsOf(role: string): readonly Permission[] {
    return this.get(role)?.permissions ?? []
  }

  /** The field categories the gate lets this role use; none for an unknown role. */
  fieldCategoriesOf(role: string): readonly FieldCategory[] {
    return this.get(role)?.fieldCategories ?? []
  }

  /** Whether `inner` grants nothing beyond `outer` (permissions and field categories). */
  covers(outer: string, inner: string): boolean {
    const o = this.#cache.get(outer)
    const i = this.#cache.get(inner)
    if (!o || !i) return false
    return (
      i.definition.permissions.every((p) => o.permissions.has(p)) &&
      i.definition.fieldCategories.every((c) => o.categories.has(c))
    )
  }

  /** Connects the purpose registry, so that a new role can be named in its purposes' scopes. */
  setPurposes(purposes: RolePurposes): void {
    this.#purposes = purposes
  }

  async create(input: NewRole, by: ChangedBy): Promise<RoleDefinition> {
    const purposeKeys = [...new Set(input.purposes ?? DEFAULT_ROLE_PURPOSES)]
    const registry = this.#purposes
    if (registry) {
      for (const key of purposeKeys)
        if (!(await registry.exists(key)))
          throw invalidField('body', 'purposes', `names no purpose of the registry: ${key}`)
    }
    if (!NAME.test(input.name)) {
      throw invalidField(
        'body',
        'name',
        `must match ${ROLE_NAME_PATTERN} (lower case letters, digits, - and _)`,
      )
    }
    const permissions = this.#validPermissions(input.permissions)
    const fieldCategories = this.#validCategories(input.fieldCategories)
    const notHeld = this.#notHeld(by, { permissions, categories: fieldCategories })
    if (notHeld) await this.#refuse(by, input.name, notHeld)
    const created = await this.#repo.transaction(async (repo, trx) => {
      const row = await repo.insert({
        name: input.name,
        description: input.description ?? '',
        permissions,
        fieldCategories,
        builtin: false,
        seeded: false,
      })
      if (!row) throw new ProblemError('conflict', 'a role with this name exists already')
      const definition = toDefinition(row)
      await this.#audit.append(
        [{ ...this.#record(by), reason: `role ${definition.name} created: ${describe(definition)}` }],
        trx,
      )
      return definition
    })
    await this.reload()
    // The role acts under these purposes from now on; each scope change is audited by the registry.
    if (registry) for (const key of purposeKeys) await registry.addRole(key, created.name, by)
    return created
  }

  async update(name: string, patch: RolePatch, by: ChangedBy): Promise<RoleDefinition> {
    const permissions = patch.permissions && this.#validPermissions(patch.permissions)
    const fieldCategories = patch.fieldCategories && this.#validCategories(patch.fieldCategories)
    const updated = await this.#repo.transaction(async (repo, trx): Promise<RoleDefinition | Change> => {
      const row = await repo.findForUpdate(name)
      if (!row) throw new ProblemError('not-found', 'no such role')
      const before = toDefinition(row)
      const next = {
        description: patch.description ?? before.description,
        permissions: permissions ?? before.permissions,
        fieldCategories: fieldCategories ?? before.fieldCategories,
      }
      if (
        name === SUPER_ROLE &&
        (!sameSet(next.permissions, PERMISSIONS) || !sameSet(next.fieldCategories, FIELD_CATEGORIES))
      ) {
        throw new ProblemError(
          'conflict',
          `the role ${SUPER_ROLE} always holds every permission and field category, so there is always a way back in`,
        )
      }
      // What changes — granted or taken away — the changer must hold: otherwise a role manager
      // could strip a role of permissions they were never given (e.g. the DPO's audit access).
      const notHeld = this.#notHeld(by, {
        permissions: symmetricDifference(before.permissions, next.permissions),
        categories: symmetricDifference(before.fieldCategories, next.fieldCategories),
      })
      // Refused after the transaction, which then has changed nothing (the refusal's record must stay).
      if (notHeld) return notHeld
      const saved = await repo.update(name, next)
      if (!saved) throw new ProblemError('not-found', 'no such role')
      const after = toDefinition(saved)
      await this.#audit.append(
        [{ ...this.#record(by), reason: `role ${name} changed: ${describe(before)} -> ${describe(after)}` }],
        trx,
      )
      return after
    })
    if (!('name' in updated)) return this.#refuse(by, name, updated)
    await this.reload()
    return updated
  }

  /** Deletes an admin-defined role nobody uses (no user, no active API token). */
  async delete(name: string, by: ChangedBy): Promise<void> {
    await this.#repo.transaction(async (repo, trx) => {
      const row = await repo.findForUpdate(name)
      if (!row) throw new ProblemError('not-found', 'no such role')
      if (row.builtin) throw new ProblemError('conflict', 'a built-in role cannot be deleted')
      const users = await repo.countUsers(name)
      const tokens = await repo.countActiveTokens(name)
      if (users > 0 || tokens > 0) {
        throw new ProblemError(
          'conflict',
          `the role is in use (${users} user(s), ${tokens} active API token(s)); assign another role first`,
        )
      }
      await repo.delete(name)
      await this.#audit.append([{ ...this.#record(by), reason: `role ${name} deleted` }], trx)
    })
    await this.reload()
  }

  #record(by: ChangedBy) {
    return {
      actor: by.actor,
      action: 'configure' as const,
      ...(by.requestId ? { requestId: by.requestId } : {}),
    }
  }

  #validPermissions(values: readonly string[]): Permission[] {
    const unknown = values.filter((v) => !isPermission(v))
    if (unknown.length > 0) {
      throw invalidField(
        'body',
        'permissions',
        `unknown: ${unknown.join(', ')}; known: ${PERMISSIONS.join(', ')}`,
      )
    }
    return canonicalPermissions(values)
  }

  #validCategories(values: readonly string[]): FieldCategory[] {
    const unknown = values.filter((v) => !isFieldCategory(v))
    if (unknown.length > 0) {
      throw invalidField(
        'body',
        'fieldCategories',
        `unknown: ${unknown.join(', ')}; known: ${FIELD_CATEGORIES.join(', ')}`,
      )
    }
    return canonicalCategories(values)
  }

  /**
   * No privilege escalation, and no stripping from above: a user can only grant or take away what
   * their own role holds. What of `change` they don't hold; undefined when they hold all of it
   * (always for the operator at the CLI, who acts in no role).
   */
  #notHeld(by: ChangedBy, change: Change): Change | undefined {
    const role = by.actor.role
    if (role === undefined) return undefined
    const missing = {
      permissions: change.permissions.filter((p) => !this.has(role, p)),
      categories: change.categories.filter((c) => !this.fieldCategoriesOf(role).includes(c)),
    }
    return missing.permissions.length + missing.categories.length > 0 ? missing : undefined
  }

  /** Refuses a change beyond the changer's own role: audited, then 403 naming what they lack. */
  async #refuse(by: ChangedBy, roleName: string, missing: Change): Promise<never> {
    const named = [...missing.permissions, ...missing.categories].join(', ')
    await this.#audit.append([
      {
        actor: by.actor,
        action: 'denied',
        ...(by.requestId ? { requestId: by.requestId } : {}),
        reason: `role ${roleName}: granting or taking away what the changer's role ${by.actor.role ?? '-'} lacks: ${named}`,
      },
    ])
    const errors = [
      ...(missing.permissions.length > 0
        ? [
            {
              in: 'body',
              field: 'permissions',
              reason: `your role lacks ${missing.permissions.join(', ')}: you can grant or take away only what it has`,
            },
          ]
        : []),
      ...(missing.categories.length > 0
        ? [
            {
              in: 'body',
              field: 'fieldCategories',
              reason: `your role lacks ${missing.categories.join(', ')}: you can grant or take away only what it has`,
            },
          ]
        : []),
    ]
    throw new ProblemError(
      'forbidden',
      `you can only grant or take away what your own role has; missing: ${named}`,
      { errors },
    )
  }

  #fill(rows: readonly RoleRow[]): void {
    const cache = new Map<string, CachedRole>()
    for (const row of rows) {
      const definition = toDefinition(row)
      cache.set(row.name, {
        definition,
        permissions: new Set(definition.permissions),
        categories: new Set(definition.fieldCategories),
      })
    }
    this.#cache = cache
    this.#loadedAt = Date.now()
  }

  #refreshIfStale(): void {
    if (this.#refreshing || Date.now() - this.#loadedAt < this.#maxAgeMs) return
    // Stale-while-revalidate: this request uses the copy it has; a failed refresh is retried later.
    this.#refreshing = this.reload()
      .catch(() => {
        this.#loadedAt = Date.now()
      })
      .finally(() => {
        this.#refreshing = undefined
      })
  }
}
