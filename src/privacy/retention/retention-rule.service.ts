import { isDeepStrictEqual } from 'node:util'
import type { Kysely, Updateable } from 'kysely'
import type { RetentionRuleTable, Schema } from '../../platform/db/schema.ts'
import { type FieldError, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { periodAtLeast } from './retention-clock.ts'
import {
  type RetentionRuleRepository,
  type RetentionRuleRow,
  toRetentionRule,
  toRetentionRuleRow,
  toRetentionRuleVersion,
  type VersionInput,
} from './retention-rule.repository.ts'
import {
  coverage,
  EDITABLE_PROPERTIES,
  type EditableProperty,
  type NewRetentionRule,
  type RetentionRule,
  type RetentionRuleChanges,
  type RetentionRuleDefinition,
  type RetentionRuleVersion,
} from './retention-rule.ts'
import { RETENTION_SEED } from './retention-seed.ts'
import { applicableMinimums, overlaps, retentionRuleProblems } from './retention-validation.ts'

/** Who changes the deletion concept, for the audit record and the kept version. */
export interface RetentionChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** A rule with every version it had, oldest first. */
export interface RetentionRuleWithVersions extends RetentionRule {
  versions: RetentionRuleVersion[]
}

const SYSTEM: AuditActor = { type: 'system', id: 'tresor' }

const definitionOf = (rule: RetentionRule): RetentionRuleDefinition => {
  const { builtin: _b, version: _v, createdAt: _c, updatedAt: _u, ...definition } = rule
  return definition
}

const invalid = (errors: FieldError[]): ProblemError =>
  new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors })

/**
 * The deletion concept as data (DIN 66398, ISO/IEC 27555; Art. 5(1)(e), Art. 17(1)(a)): the DPO
 * reads and edits the retention rules; every change bumps the version, keeps the version, and is
 * audited in the transaction that makes it. A period below a legal minimum is refused naming the
 * law, whichever rule would shorten it.
 */
export class RetentionRuleService {
  readonly #rules: RetentionRuleRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #purposeExists: (key: string, trx: Kysely<Schema>) => Promise<boolean>

  constructor(deps: {
    repository: RetentionRuleRepository
    db: Kysely<Schema>
    audit: AuditWriter
    /** Whether a purpose exists (the purpose registry), for rules narrowed by purpose. */
    purposeExists: (key: string, trx: Kysely<Schema>) => Promise<boolean>
  }) {
    this.#rules = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#purposeExists = deps.purposeExists
  }

  /**
   * Inserts the seeded rules that are missing (version 1 kept, audited); never overwrites what the
   * DPO changed. The legal minimum and transition of a seeded rule follow the seed — they are the
   * law's, and a release that knows a changed law brings it — and a period below a raised minimum
   * is raised to it; each such change is a new version, audited. Returns the keys inserted.
   */
  async seed(rules: readonly RetentionRuleDefinition[] = RETENTION_SEED): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = (await this.#rules.insertMissing(rules, trx)).map(toRetentionRule)
      await this.#rules.insertVersions(
        inserted.map((rule) => ({ rule, changed: [...EDITABLE_PROPERTIES], actor: SYSTEM })),
        trx,
      )
      const fresh = new Set(inserted.map((r) => r.key))
      // One locking read for every seeded rule that existed (a start runs this on each process).
      const existing = rules.filter((rule) => !fresh.has(rule.key))
      const rows = new Map(
        (
          await this.#rules.findBuiltinForUpdate(
            existing.map((rule) => rule.key),
            trx,
          )
        ).map((row) => [row.key, row]),
      )
      for (const seeded of existing) {
        const row = rows.get(seeded.key)
        if (row) await this.#followLaw(seeded, row, trx)
      }
      if (inserted.length > 0)
        await this.#audit.append(
          [
            {
              actor: SYSTEM,
              action: 'configure',
              fields: [...EDITABLE_PROPERTIES],
              reason: `retention rules seeded from the defaults: ${[...fresh].join(', ')}`,
            },
          ],
          trx,
        )
      return [...fresh]
    })
  }

  /** Brings a seeded rule's legal minimum and transition to the seed's, when they differ. */
  async #followLaw(
    seeded: RetentionRuleDefinition,
    row: RetentionRuleRow,
    trx: Kysely<Schema>,
  ): Promise<void> {
    const current = toRetentionRule(row)
    const changed: string[] = []
    if (!isDeepStrictEqual(current.legalMinimum, seeded.legalMinimum)) changed.push('legalMinimum')
    if (!isDeepStrictEqual(current.transition, seeded.transition)) changed.push('transition')
    if (changed.length === 0) return
    const law = toRetentionRuleRow({
      ...current,
      legalMinimum: seeded.legalMinimum,
      transition: seeded.transition,
    })
    const columns: Updateable<RetentionRuleTable> = {
      legal_minimum_period: law.legal_minimum_period,
      legal_minimum_law: law.legal_minimum_law,
      transition_previous_period: law.transition_previous_period,
      transition_cutover: law.transition_cutover,
      transition_rule_de: law.transition_rule_de,
      transition_rule_en: law.transition_rule_en,
    }
    // The law outranks the DPO's period where it now demands more.
    if (seeded.legalMinimum && !periodAtLeast(current.period, seeded.legalMinimum.period)) {
      columns.period = seeded.legalMinimum.period
      changed.push('period')
    }
    const updated = toRetentionRule(await this.#rules.update(seeded.key, columns, trx))
    await this.#rules.insertVersions([{ rule: updated, changed, actor: SYSTEM }], trx)
    await this.#audit.append(
      [
        {
          actor: SYSTEM,
          action: 'configure',
          fields: changed,
          reason: `retention rule ${seeded.key} follows the law as this release knows it: version ${updated.version}`,
        },
      ],
      trx,
    )
  }

  async list(): Promise<RetentionRule[]> {
    return (await this.#rules.list()).map(toRetentionRule)
  }

  async find(key: string): Promise<RetentionRule | undefined> {
    const row = await this.#rules.find(key)
    return row && toRetentionRule(row)
  }

  /** The rule, or a 404 problem. */
  async get(key: string): Promise<RetentionRule> {
    const rule = await this.find(key)
    if (!rule) throw new ProblemError('not-found', `there is no retention rule ${key}`)
    return rule
  }

  /** The rule with every version it had (a sweep's approval names one), or a 404 problem. */
  async withVersions(key: string): Promise<RetentionRuleWithVersions> {
    const rule = await this.get(key)
    const versions = (await this.#rules.versions(key)).map(toRetentionRuleVersion)
    return { ...rule, versions }
  }

  /** A rule of the DPO's own: no legal minimum, no transition (those are the law's, seeded). */
  async create(input: NewRetentionRule, context: RetentionChangeContext): Promise<RetentionRule> {
    const definition: RetentionRuleDefinition = {
      ...input,
      covers: coverage(input.covers),
      legalMinimum: null,
      transition: null,
    }
    return this.#db.transaction().execute(async (trx) => {
      await this.#assertValid(definition, trx)
      const row = await this.#rules.insert(definition, trx)
      if (!row) throw new ProblemError('conflict', `a retention rule ${definition.key} exists already`)
      const rule = toRetentionRule(row)
      await this.#keep(
        { rule, changed: [...EDITABLE_PROPERTIES], actor: context.actor },
        context,
        trx,
        'created',
      )
      return rule
    })
  }

  /**
   * Changes some properties (each replaced whole); returns the rule unchanged (same version,
   * nothing audited) when nothing differs. A rule with a legal minimum keeps its record kind and
   * start event: the law names them.
   */
  async update(
    key: string,
    changes: RetentionRuleChanges,
    context: RetentionChangeContext,
  ): Promise<RetentionRule> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#rules.findForUpdate(key, trx)
      if (!row) throw new ProblemError('not-found', `there is no retention rule ${key}`)
      const current = toRetentionRule(row)
      const next: RetentionRuleDefinition = {
        ...definitionOf(current),
        ...changes,
        covers: changes.covers ? coverage(changes.covers) : current.covers,
      }
      const changed: EditableProperty[] = EDITABLE_PROPERTIES.filter(
        (property) => !isDeepStrictEqual(current[property], next[property]),
      )
      if (changed.length === 0) return current
      if (current.legalMinimum) {
        const law = current.legalMinimum.law
        const fixed: FieldError[] = []
        if (next.covers.recordKind !== current.covers.recordKind)
          fixed.push({
            in: 'body',
            field: 'covers.recordKind',
            reason: `is fixed by ${law}: the law names the records it keeps (${current.covers.recordKind ?? 'none Tresor stores'})`,
          })
        if (next.startEvent !== current.startEvent)
          fixed.push({
            in: 'body',
            field: 'startEvent',
            reason: `is fixed by ${law}: the law names when its period starts (${current.startEvent})`,
          })
        if (fixed.length > 0) throw invalid(fixed)
      }
      await this.#assertValid(next, trx)
      const full = toRetentionRuleRow(next)
      const columns: Updateable<RetentionRuleTable> = {}
      for (const [column, value] of Object.entries(full)) {
        if (column !== 'key') Object.assign(columns, { [column]: value })
      }
      const rule = toRetentionRule(await this.#rules.update(key, columns, trx))
      await this.#keep({ rule, changed, actor: context.actor }, context, trx, 'changed')
      return rule
    })
  }

  /** The checks of retention-validation.ts, with the minimums of every rule covering the same rows. */
  async #assertValid(definition: RetentionRuleDefinition, trx: Kysely<Schema>): Promise<void> {
    const others = (await this.#rules.list(trx)).map(toRetentionRule).filter((r) => r.key !== definition.key)
    const errors = retentionRuleProblems(definition, applicableMinimums(definition, others))
    // The other way round: this rule's minimum binds every rule that now covers the same rows.
    const minimum = definition.legalMinimum
    if (minimum)
      for (const other of others)
        if (overlaps(definition.covers, other.covers) && !periodAtLeast(other.period, minimum.period))
          errors.push({
            in: 'body',
            field: 'covers',
            reason: `would cover the records of rule ${other.key}, whose ${other.period} is shorter than the ${minimum.period} ${minimum.law} requires`,
          })
    const purposeKey = definition.covers.purposeKey
    if (purposeKey !== null && !(await this.#purposeExists(purposeKey, trx)))
      errors.push({ in: 'body', field: 'covers.purposeKey', reason: `there is no purpose ${purposeKey}` })
    if (errors.length > 0) throw invalid(errors)
  }

  /** Keeps the version and writes the audit record, in the change's transaction. */
  async #keep(
    version: VersionInput,
    context: RetentionChangeContext,
    trx: Kysely<Schema>,
    what: 'created' | 'changed',
  ): Promise<void> {
    await this.#rules.insertVersions([version], trx)
    await this.#audit.append(
      [
        {
          actor: context.actor,
          action: 'configure',
          fields: version.changed,
          requestId: context.requestId,
          reason:
            what === 'created'
              ? `retention rule ${version.rule.key} created`
              : `retention rule ${version.rule.key} changed to version ${version.rule.version}`,
        },
      ],
      trx,
    )
  }
}
