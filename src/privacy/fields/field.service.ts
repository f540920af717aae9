import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { FieldDefinitionRow, FieldRepository } from './field.repository.ts'
import type { CatalogFieldJson, FieldPatch, NewField } from './field.schemas.ts'
import type { FieldCategory, SpecialCategory } from './field-catalog.ts'
import type { CatalogField, FieldDataType, FieldRegistry } from './field-registry.ts'
import { FIELD_SEED } from './field-seed.ts'

export interface FieldChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

const toField = (r: FieldDefinitionRow): CatalogField => ({
  key: r.key,
  label: { de: r.label_de, en: r.label_en },
  category: r.category as FieldCategory,
  identifier: r.identifier,
  special: r.special_category as SpecialCategory | null,
  specialCategory: r.special_category !== null,
  dataType: r.data_type as FieldDataType,
  options: r.options,
  purposes: r.purposes,
  retentionPeriod: r.retention_period,
  retentionRule:
    r.retention_rule_de && r.retention_rule_en ? { de: r.retention_rule_de, en: r.retention_rule_en } : null,
  builtin: r.builtin,
})

/**
 * The field catalog (DESIGN.md data model): admins add attributes and edit fields; Tresor seeds the
 * fields a typical CRM holds. The in-memory registry the gate decides with is reloaded after every
 * change; every change is audited in its transaction.
 */
export class FieldService {
  readonly #repo: FieldRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #registry: FieldRegistry
  readonly #purposes: { find(key: string): Promise<{ key: string; art9Basis: string | null } | undefined> }
  constructor(deps: {
    repository: FieldRepository
    db: Kysely<Schema>
    audit: AuditWriter
    registry: FieldRegistry
    purposes: { find(key: string): Promise<{ key: string; art9Basis: string | null } | undefined> }
  }) {
    this.#repo = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#registry = deps.registry
    this.#purposes = deps.purposes
  }

  /** Seeds the missing default fields (never overwriting an edit) and loads the catalog. */
  async init(): Promise<void> {
    const now = new Date()
    await this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#repo.insertMissing(
        FIELD_SEED.map((f, i) => ({
          key: f.key,
          label_de: f.label.de,
          label_en: f.label.en,
          category: f.category,
          identifier: f.identifier ?? false,
          special_category: f.special ?? null,
          data_type: f.dataType,
          options: f.options ?? [],
          purposes: f.purposes ?? [],
          builtin: true,
          position: i + 1,
          created_at: now,
          updated_at: now,
        })),
        trx,
      )
      if (inserted.length > 0)
        await this.#audit.append(
          [
            {
              actor: { type: 'system', id: 'tresor' },
              action: 'configure',
              reason: `field catalog seeded: ${inserted.join(', ')}`,
            },
          ],
          trx,
        )
    })
    await this.reload()
  }

  async reload(): Promise<void> {
    this.#registry.replace((await this.#repo.list()).map(toField))
  }

  async list(): Promise<CatalogFieldJson[]> {
    return (await this.#repo.list()).map((r) => ({ ...json(toField(r)), version: r.version }))
  }

  async create(input: NewField, ctx: FieldChangeContext): Promise<CatalogFieldJson> {
    await this.#check(input.dataType, input.options ?? [], input.purposes ?? [], input.special ?? null)
    const now = new Date()
    const row = await this.#db.transaction().execute(async (trx) => {
      const created = await this.#repo.insert(
        {
          key: input.key,
          label_de: input.label.de,
          label_en: input.label.en,
          category: input.category,
          identifier: false,
          special_category: input.special ?? null,
          data_type: input.dataType,
          options: input.options ?? [],
          purposes: input.purposes ?? [],
          retention_period: input.retentionPeriod ?? null,
          retention_rule_de: input.retentionRule?.de ?? null,
          retention_rule_en: input.retentionRule?.en ?? null,
          builtin: false,
          position: await this.#repo.nextPosition(trx),
          created_at: now,
          updated_at: now,
        },
        trx,
      )
      if (!created)
        throw new ProblemError('conflict', `there is already a field ${input.key}`, {
          errors: [{ in: 'body', field: 'key', reason: 'is taken by another field of the catalog' }],
        })
      await this.#audit.append(
        [
          {
            ...this.#record(ctx),
            reason: `field ${input.key} created (${input.category}, ${input.dataType})`,
          },
        ],
        trx,
      )
      return created
    })
    await this.reload()
    return { ...json(toField(row)), version: row.version }
  }

  async update(key: string, patch: FieldPatch, ctx: FieldChangeContext): Promise<CatalogFieldJson> {
    const current = await this.#repo.find(key)
    if (!current) throw new ProblemError('not-found', `there is no field ${key}`)
    const field = toField(current)
    if (field.identifier && (patch.category !== undefined || patch.special !== undefined))
      throw invalidField(
        'body',
        patch.category !== undefined ? 'category' : 'special',
        'identifiers keep their category',
      )
    await this.#check(
      field.dataType,
      patch.options ?? field.options,
      patch.purposes ?? field.purposes,
      patch.special === undefined ? field.special : patch.special,
    )
    const row = await this.#db.transaction().execute(async (trx) => {
      const updated = await this.#repo.update(
        key,
        {
          ...(patch.label ? { label_de: patch.label.de, label_en: patch.label.en } : {}),
          ...(patch.category ? { category: patch.category } : {}),
          ...(patch.special !== undefined ? { special_category: patch.special } : {}),
          ...(patch.options ? { options: patch.options } : {}),
          ...(patch.purposes ? { purposes: patch.purposes } : {}),
          ...(patch.retentionPeriod !== undefined ? { retention_period: patch.retentionPeriod } : {}),
          ...(patch.retentionRule !== undefined
            ? {
                retention_rule_de: patch.retentionRule?.de ?? null,
                retention_rule_en: patch.retentionRule?.en ?? null,
              }
            : {}),
          version: current.version + 1,
          updated_at: new Date(),
        },
        trx,
      )
      await this.#audit.append(
        [{ ...this.#record(ctx), reason: `field ${key} changed: ${Object.keys(patch).join(', ')}` }],
        trx,
      )
      return updated as FieldDefinitionRow
    })
    await this.reload()
    return { ...json(toField(row)), version: row.version }
  }

  async #check(
    dataType: FieldDataType,
    options: readonly string[],
    purposes: readonly string[],
    special: string | null,
  ) {
    if ((dataType === 'enum' || dataType === 'multi_enum') && options.length === 0)
      throw invalidField('body', 'options', 'a choice field needs its options')
    if (dataType !== 'enum' && dataType !== 'multi_enum' && options.length > 0)
      throw invalidField('body', 'options', 'only a choice field has options')
    for (const key of purposes) {
      const purpose = await this.#purposes.find(key)
      if (!purpose) throw invalidField('body', 'purposes', `there is no purpose ${key}`)
      // Art. 9(1): a special category may serve only a purpose with an Art. 9(2) basis.
      if (special !== null && !purpose.art9Basis)
        throw invalidField('body', 'purposes', `purpose ${key} has no Art. 9 basis for a special category`)
    }
  }

  #record(ctx: FieldChangeContext) {
    return {
      actor: ctx.actor,
      action: 'configure' as const,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    }
  }
}

function json(f: CatalogField): Omit<CatalogFieldJson, 'version'> {
  return {
    key: f.key,
    label: f.label,
    category: f.category,
    identifier: f.identifier,
    special: f.special,
    dataType: f.dataType,
    options: f.options,
    purposes: f.purposes,
    retentionPeriod: f.retentionPeriod,
    retentionRule: f.retentionRule,
    builtin: f.builtin,
  }
}
