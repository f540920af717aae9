import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { RetentionRuleTable, RetentionRuleVersionTable, Schema } from '../../platform/db/schema.ts'
import type { SubjectKind } from '../subjects/subject-kinds.ts'
import type {
  RetentionCondition,
  RetentionRecordKind,
  RetentionRule,
  RetentionRuleDefinition,
  RetentionRuleVersion,
  StartEvent,
} from './retention-rule.ts'

export type RetentionRuleRow = Selectable<RetentionRuleTable>
export type RetentionRuleVersionRow = Selectable<RetentionRuleVersionTable>

/** Row ↔ domain object. Values were checked on the way in. */
export function toRetentionRule(row: RetentionRuleRow): RetentionRule {
  return {
    key: row.key,
    name: { de: row.name_de, en: row.name_en },
    covers: {
      recordKind: row.record_kind as RetentionRecordKind | null,
      purposeKey: row.purpose_key,
      subjectKind: row.subject_kind as SubjectKind | null,
      condition: row.condition as RetentionCondition | null,
    },
    period: row.period,
    startEvent: row.start_event as StartEvent,
    legalMinimum:
      row.legal_minimum_period !== null && row.legal_minimum_law !== null
        ? { period: row.legal_minimum_period, law: row.legal_minimum_law }
        : null,
    transition:
      row.transition_previous_period !== null &&
      row.transition_cutover !== null &&
      row.transition_rule_de !== null &&
      row.transition_rule_en !== null
        ? {
            previousPeriod: row.transition_previous_period,
            cutover: row.transition_cutover,
            rule: { de: row.transition_rule_de, en: row.transition_rule_en },
          }
        : null,
    rule: { de: row.rule_de, en: row.rule_en },
    builtin: row.builtin,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function toRetentionRuleRow(rule: RetentionRuleDefinition): Insertable<RetentionRuleTable> {
  return {
    key: rule.key,
    name_de: rule.name.de,
    name_en: rule.name.en,
    record_kind: rule.covers.recordKind,
    purpose_key: rule.covers.purposeKey,
    subject_kind: rule.covers.subjectKind,
    condition: rule.covers.condition,
    period: rule.period,
    start_event: rule.startEvent,
    legal_minimum_period: rule.legalMinimum?.period ?? null,
    legal_minimum_law: rule.legalMinimum?.law ?? null,
    transition_previous_period: rule.transition?.previousPeriod ?? null,
    transition_cutover: rule.transition?.cutover ?? null,
    transition_rule_de: rule.transition?.rule.de ?? null,
    transition_rule_en: rule.transition?.rule.en ?? null,
    rule_de: rule.rule.de,
    rule_en: rule.rule.en,
  }
}

export function toRetentionRuleVersion(row: RetentionRuleVersionRow): RetentionRuleVersion {
  return {
    key: row.rule_key,
    version: row.version,
    definition: row.definition as unknown as RetentionRuleDefinition,
    changed: row.changed,
    actor: { type: row.actor_type, id: row.actor_id },
    createdAt: row.created_at,
  }
}

/** A version row to keep: the rule as it now stands, and who changed what. */
export interface VersionInput {
  rule: RetentionRule
  changed: readonly string[]
  actor: { type: string; id: string }
}

/** SQL for the retention rules and their versions; one query per method. `db` may be a transaction. */
export class RetentionRuleRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  list(db = this.#db): Promise<RetentionRuleRow[]> {
    return db.selectFrom('retention_rule').selectAll().orderBy('key').execute()
  }

  find(key: string, db = this.#db): Promise<RetentionRuleRow | undefined> {
    return db.selectFrom('retention_rule').selectAll().where('key', '=', key).executeTakeFirst()
  }

  /** Locks the rule for a change in the same transaction (two DPOs editing at once). */
  findForUpdate(key: string, db: Kysely<Schema>): Promise<RetentionRuleRow | undefined> {
    return db.selectFrom('retention_rule').selectAll().where('key', '=', key).forUpdate().executeTakeFirst()
  }

  /** Locks the built-in rules among `keys` for a change in the same transaction, in one read. */
  findBuiltinForUpdate(keys: readonly string[], db: Kysely<Schema>): Promise<RetentionRuleRow[]> {
    if (keys.length === 0) return Promise.resolve([])
    return db
      .selectFrom('retention_rule')
      .selectAll()
      .where('key', 'in', keys)
      .where('builtin', '=', true)
      .orderBy('key')
      .forUpdate()
      .execute()
  }

  /** Inserts the rules that don't exist yet, as built in; never touches one that does. Returns the new rows. */
  insertMissing(rules: readonly RetentionRuleDefinition[], db = this.#db): Promise<RetentionRuleRow[]> {
    if (rules.length === 0) return Promise.resolve([])
    return db
      .insertInto('retention_rule')
      .values(rules.map((r) => ({ ...toRetentionRuleRow(r), builtin: true })))
      .onConflict((oc) => oc.column('key').doNothing())
      .returningAll()
      .execute()
  }

  /** Inserts one rule of the DPO's; undefined when the key is taken. */
  insert(rule: RetentionRuleDefinition, db = this.#db): Promise<RetentionRuleRow | undefined> {
    return db
      .insertInto('retention_rule')
      .values(toRetentionRuleRow(rule))
      .onConflict((oc) => oc.column('key').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  /** Writes the changed columns and bumps the version. */
  update(key: string, changes: Updateable<RetentionRuleTable>, db = this.#db): Promise<RetentionRuleRow> {
    return db
      .updateTable('retention_rule')
      .set((eb) => ({ ...changes, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /** Keeps versions of rules as they now stand. */
  async insertVersions(versions: readonly VersionInput[], db = this.#db): Promise<void> {
    if (versions.length === 0) return
    await db
      .insertInto('retention_rule_version')
      .values(
        versions.map(({ rule, changed, actor }) => {
          const { builtin: _b, version, createdAt: _c, updatedAt, ...definition } = rule
          return {
            rule_key: rule.key,
            version,
            definition: JSON.stringify(definition),
            changed: [...changed],
            actor_type: actor.type,
            actor_id: actor.id,
            created_at: updatedAt,
          }
        }),
      )
      .execute()
  }

  /** Every version of a rule, oldest first. */
  versions(key: string, db = this.#db): Promise<RetentionRuleVersionRow[]> {
    return db
      .selectFrom('retention_rule_version')
      .selectAll()
      .where('rule_key', '=', key)
      .orderBy('version')
      .execute()
  }
}
