import type { Insertable, Kysely, Updateable } from 'kysely'
import type { PurposeRow, PurposeTable, Schema } from '../../platform/db/schema.ts'
import type { FieldCategory } from '../fields/field-catalog.ts'
import type { SubjectKind } from '../subjects/subject-kinds.ts'
import type {
  Art9Basis,
  Channel,
  LegalBasis,
  Purpose,
  PurposeDefinition,
  RequiredRecord,
  RestrictionException,
} from './purpose.ts'

/** Row ↔ domain object. Values were checked on the way in (and by the table's constraints). */
export function toPurpose(row: PurposeRow): Purpose {
  return {
    key: row.key,
    name: { de: row.name_de, en: row.name_en },
    description: { de: row.description_de, en: row.description_en },
    legalBasis: row.legal_basis as LegalBasis,
    art9Basis: row.art9_basis as Art9Basis | null,
    channels: row.channels as Channel[],
    doubleOptIn: row.double_opt_in,
    profiling: row.profiling,
    directMarketing: row.direct_marketing,
    existingCustomers: row.existing_customers,
    retention: {
      period: row.retention_period,
      rule: { de: row.retention_rule_de, en: row.retention_rule_en },
    },
    consentValidity: row.consent_validity,
    scope: {
      roles: row.scope_roles ?? [],
      subjectKinds: row.scope_subject_kinds as SubjectKind[],
      requiresRecord: row.scope_requires_record as RequiredRecord | null,
      fieldCategories: row.scope_field_categories as FieldCategory[],
      restrictionException: row.scope_restriction_exception as RestrictionException | null,
    },
    dpvPurpose: row.dpv_purpose,
    dpvLegalBasis: row.dpv_legal_basis,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function toRow(p: PurposeDefinition): Insertable<PurposeTable> {
  return {
    key: p.key,
    name_de: p.name.de,
    name_en: p.name.en,
    description_de: p.description.de,
    description_en: p.description.en,
    legal_basis: p.legalBasis,
    art9_basis: p.art9Basis,
    channels: p.channels,
    double_opt_in: p.doubleOptIn,
    profiling: p.profiling,
    direct_marketing: p.directMarketing,
    existing_customers: p.existingCustomers,
    retention_period: p.retention.period,
    retention_rule_de: p.retention.rule.de,
    retention_rule_en: p.retention.rule.en,
    consent_validity: p.consentValidity,
    scope_roles: p.scope.roles,
    scope_subject_kinds: p.scope.subjectKinds,
    scope_requires_record: p.scope.requiresRecord,
    scope_field_categories: p.scope.fieldCategories,
    scope_restriction_exception: p.scope.restrictionException,
    dpv_purpose: p.dpvPurpose,
    dpv_legal_basis: p.dpvLegalBasis,
  }
}

/** SQL for the purpose registry; one query per method. `db` may be a transaction. */
export class PurposeRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  list(db = this.#db): Promise<PurposeRow[]> {
    return db.selectFrom('purpose').selectAll().orderBy('key').execute()
  }

  find(key: string, db = this.#db): Promise<PurposeRow | undefined> {
    return db.selectFrom('purpose').selectAll().where('key', '=', key).executeTakeFirst()
  }

  findMany(keys: readonly string[], db = this.#db): Promise<PurposeRow[]> {
    if (keys.length === 0) return Promise.resolve([])
    return db.selectFrom('purpose').selectAll().where('key', 'in', keys).execute()
  }

  /** Locks the row for an update in the same transaction (two DPOs editing at once). */
  findForUpdate(key: string, db: Kysely<Schema>): Promise<PurposeRow | undefined> {
    return db.selectFrom('purpose').selectAll().where('key', '=', key).forUpdate().executeTakeFirst()
  }

  /** Inserts the purposes that don't exist yet; never touches one that does. Returns the new keys. */
  async insertMissing(purposes: readonly PurposeDefinition[], db = this.#db): Promise<string[]> {
    if (purposes.length === 0) return []
    const rows = await db
      .insertInto('purpose')
      .values(purposes.map(toRow))
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute()
    return rows.map((r) => r.key)
  }

  /** Inserts one purpose; undefined when the key is taken. */
  insert(purpose: PurposeDefinition, db = this.#db): Promise<PurposeRow | undefined> {
    return db
      .insertInto('purpose')
      .values(toRow(purpose))
      .onConflict((oc) => oc.column('key').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  /** Writes the changed columns and bumps the version. */
  update(key: string, changes: Updateable<PurposeTable>, db = this.#db): Promise<PurposeRow> {
    return db
      .updateTable('purpose')
      .set((eb) => ({ ...changes, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /** The purposes whose scope was never declared (stored before migration 0021). */
  undeclaredScope(db = this.#db): Promise<PurposeRow[]> {
    return db.selectFrom('purpose').selectAll().where('scope_roles', 'is', null).orderBy('key').execute()
  }

  /** Whether any consent or objection was recorded for the purpose (its basis is then fixed). */
  async hasPermissionEvents(key: string, db = this.#db): Promise<boolean> {
    const row = await db
      .selectNoFrom((eb) => [
        eb
          .or([
            // permission_state has a row for every consent ever recorded, and an index by purpose.
            eb.exists(eb.selectFrom('permission_state').select('subject_id').where('purpose_key', '=', key)),
            eb.exists(eb.selectFrom('objection_event').select('seq').where('purpose_key', '=', key)),
          ])
          .as('used'),
      ])
      .executeTakeFirstOrThrow()
    return Boolean(row.used)
  }
}
