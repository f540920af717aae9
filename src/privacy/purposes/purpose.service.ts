import { isDeepStrictEqual } from 'node:util'
import type { Kysely, Updateable } from 'kysely'
import type { PurposeTable, Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { FIELD_CATEGORIES } from '../fields/field-catalog.ts'
import { type PurposeRepository, toPurpose, toRow } from './purpose.repository.ts'
import type { CreatePurposeBody, UpdatePurposeBody } from './purpose.schemas.ts'
import { DPV_LEGAL_BASIS, type Purpose, type PurposeDefinition, type PurposeScope } from './purpose.ts'
import { PURPOSE_SEED } from './purpose-seed.ts'
import { purposeProblems } from './purpose-validation.ts'

/** Who changes the registry, for the audit record. */
export interface ChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** The properties a change can touch, in the order they are reported. */
const EDITABLE = [
  'name',
  'description',
  'legalBasis',
  'art9Basis',
  'channels',
  'doubleOptIn',
  'profiling',
  'directMarketing',
  'existingCustomers',
  'retention',
  'consentValidity',
  'scope',
  'dpvPurpose',
  'dpvLegalBasis',
] as const satisfies readonly (keyof PurposeDefinition)[]

const definitionOf = (purpose: Purpose): PurposeDefinition => {
  const { version: _v, createdAt: _c, updatedAt: _u, ...definition } = purpose
  return definition
}

function assertValid(definition: PurposeDefinition): void {
  const errors = purposeProblems(definition)
  if (errors.length > 0)
    throw new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors })
}

/**
 * The scope of a purpose created without one, and of a purpose stored before scopes existed that
 * the seed doesn't know: only the DPO (and the admin) may act under it, until the DPO names the
 * roles; every subject kind and field category, as before. Narrow where a wrong guess would leak.
 */
export const DEFAULT_SCOPE: PurposeScope = {
  roles: ['dpo'],
  subjectKinds: [],
  requiresRecord: null,
  fieldCategories: [...FIELD_CATEGORIES],
  restrictionException: null,
}

/** How long a purpose read outside a transaction may be reused (changes by other processes). */
export const PURPOSE_CACHE_MS = 5_000

/**
 * The purpose registry: why data is processed and on which basis (Art. 5(1)(b), Art. 6(1)). The
 * DPO reads and edits it; every change is audited in the transaction that makes it.
 */
export class PurposeService {
  readonly #purposes: PurposeRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  /**
   * Purposes by key, for reads outside a transaction: the gate asks for a purpose on every use, and
   * the registry changes rarely. A change made in this process clears it at once; one made by another
   * process (the worker, a CLI) is seen within PURPOSE_CACHE_MS.
   */
  readonly #cache = new Map<string, { purpose: Purpose; at: number }>()
  /** Whether a role exists (the access module's roles); unset: any well-formed name is taken. */
  #roleExists: ((name: string) => boolean) | undefined
  constructor(purposes: PurposeRepository, db: Kysely<Schema>, audit: AuditWriter) {
    this.#purposes = purposes
    this.#db = db
    this.#audit = audit
  }

  /** Lets the registry refuse a scope naming a role that doesn't exist (a typo would grant nobody). */
  setRoleCatalog(exists: (name: string) => boolean): void {
    this.#roleExists = exists
  }

  #assertRoles(definition: PurposeDefinition): void {
    const exists = this.#roleExists
    if (!exists) return
    const unknown = definition.scope.roles.filter((r) => !exists(r))
    if (unknown.length > 0)
      throw new ProblemError('validation', `scope.roles: there is no role ${unknown.join(', ')}`, {
        errors: [
          { in: 'body', field: 'scope.roles', reason: `names no existing role: ${unknown.join(', ')}` },
        ],
      })
  }

  /**
   * Inserts the purposes of the seed that are missing; never overwrites a purpose that exists,
   * so a DPO's edit survives every restart. Returns the keys inserted.
   */
  async seed(purposes: readonly PurposeDefinition[] = PURPOSE_SEED): Promise<string[]> {
    this.#cache.clear()
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#purposes.insertMissing(purposes, trx)
      // Purposes stored before scopes existed (migration 0021) get the seeded scope, or the narrow
      // default for the DPO's own purposes; audited, so the DPO sees what was assumed.
      const undeclared = await this.#purposes.undeclaredScope(trx)
      for (const row of undeclared) {
        const scope = purposes.find((p) => p.key === row.key)?.scope ?? DEFAULT_SCOPE
        await this.#purposes.update(
          row.key,
          {
            scope_roles: scope.roles,
            scope_subject_kinds: scope.subjectKinds,
            scope_requires_record: scope.requiresRecord,
            scope_field_categories: scope.fieldCategories,
            scope_restriction_exception: scope.restrictionException,
          },
          trx,
        )
      }
      if (undeclared.length > 0) {
        await this.#audit.append(
          [
            {
              actor: { type: 'system', id: 'tresor' },
              action: 'configure',
              fields: ['scope'],
              reason: `purpose scope declared from the defaults: ${undeclared.map((r) => r.key).join(', ')}`,
            },
          ],
          trx,
        )
      }
      if (inserted.length > 0) {
        await this.#audit.append(
          [
            {
              actor: { type: 'system', id: 'tresor' },
              action: 'configure',
              reason: `purposes seeded from the defaults: ${inserted.join(', ')}`,
            },
          ],
          trx,
        )
      }
      return inserted
    })
  }

  async list(): Promise<Purpose[]> {
    return (await this.#purposes.list()).map(toPurpose)
  }

  async find(key: string, trx?: Kysely<Schema>): Promise<Purpose | undefined> {
    if (trx) {
      const row = await this.#purposes.find(key, trx)
      return row && toPurpose(row)
    }
    const cached = this.#cache.get(key)
    if (cached && performance.now() - cached.at < PURPOSE_CACHE_MS) return cached.purpose
    const row = await this.#purposes.find(key)
    const purpose = row && toPurpose(row)
    // Only found purposes are kept: a purpose created a moment later is seen at once.
    if (purpose) this.#cache.set(key, { purpose, at: performance.now() })
    return purpose
  }

  /** The purpose, or a 404 problem. */
  async get(key: string, trx?: Kysely<Schema>): Promise<Purpose> {
    const purpose = await this.find(key, trx)
    if (!purpose) throw new ProblemError('not-found', `there is no purpose ${key}`)
    return purpose
  }

  /** Several purposes by key, in one query; unknown keys are absent from the map. */
  async findMany(keys: readonly string[], trx?: Kysely<Schema>): Promise<Map<string, Purpose>> {
    const rows = await this.#purposes.findMany([...new Set(keys)], trx)
    return new Map(rows.map((r) => [r.key, toPurpose(r)]))
  }

  async create(input: CreatePurposeBody, context: ChangeContext): Promise<Purpose> {
    const definition: PurposeDefinition = {
      ...input,
      art9Basis: input.art9Basis ?? null,
      existingCustomers: input.existingCustomers ?? false,
      consentValidity: input.consentValidity ?? null,
      scope: { ...DEFAULT_SCOPE, ...input.scope },
      dpvPurpose: input.dpvPurpose ?? (input.directMarketing ? 'dpv:DirectMarketing' : 'dpv:Purpose'),
      dpvLegalBasis: input.dpvLegalBasis ?? DPV_LEGAL_BASIS[input.legalBasis],
    }
    assertValid(definition)
    this.#assertRoles(definition)
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#purposes.insert(definition, trx)
      if (!row) throw new ProblemError('conflict', `a purpose ${definition.key} exists already`)
      await this.#audit.append(
        [
          {
            actor: context.actor,
            action: 'configure',
            purpose: definition.key,
            legalBasis: definition.legalBasis,
            fields: EDITABLE,
            requestId: context.requestId,
            reason: 'purpose created',
          },
        ],
        trx,
      )
      return toPurpose(row)
    })
  }

  /**
   * Changes some properties; returns the purpose unchanged (same version, nothing audited) when
   * nothing differs. Nested objects (name, retention, ...) are replaced whole.
   */
  async update(key: string, changes: UpdatePurposeBody, context: ChangeContext): Promise<Purpose> {
    try {
      return await this.#update(key, changes, context)
    } finally {
      // After the commit (or the rollback): the next read sees what the database holds.
      this.#cache.delete(key)
    }
  }

  async #update(key: string, changes: UpdatePurposeBody, context: ChangeContext): Promise<Purpose> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#purposes.findForUpdate(key, trx)
      if (!row) throw new ProblemError('not-found', `there is no purpose ${key}`)
      const current = toPurpose(row)
      const next: PurposeDefinition = { ...definitionOf(current), ...changes }
      // The DPV basis follows the legal basis unless the DPO chose another concept for it.
      if (
        changes.legalBasis !== undefined &&
        changes.dpvLegalBasis === undefined &&
        current.dpvLegalBasis === DPV_LEGAL_BASIS[current.legalBasis]
      ) {
        next.dpvLegalBasis = DPV_LEGAL_BASIS[changes.legalBasis]
      }
      const changed = EDITABLE.filter((field) => !isDeepStrictEqual(current[field], next[field]))
      if (changed.length === 0) return current
      assertValid(next)
      if (changed.includes('scope')) this.#assertRoles(next)
      if (
        (changed.includes('legalBasis') || changed.includes('art9Basis')) &&
        (await this.#purposes.hasPermissionEvents(key, trx))
      ) {
        // EDPB Guidelines 05/2020 on consent: the basis can't be swapped after the fact. What
        // subjects agreed or objected to stays tied to the basis they were told.
        throw new ProblemError(
          'conflict',
          `consents or objections were recorded for ${key}: its legal basis can't change any more; create a new purpose instead`,
        )
      }
      const full = toRow(next)
      const columns: Updateable<PurposeTable> = {}
      for (const [column, value] of Object.entries(full)) {
        if (column !== 'key') Object.assign(columns, { [column]: value })
      }
      const updated = toPurpose(await this.#purposes.update(key, columns, trx))
      await this.#audit.append(
        [
          {
            actor: context.actor,
            action: 'configure',
            purpose: key,
            legalBasis: updated.legalBasis,
            fields: changed,
            requestId: context.requestId,
            reason: `purpose changed to version ${updated.version}`,
          },
        ],
        trx,
      )
      return updated
    })
  }
}
