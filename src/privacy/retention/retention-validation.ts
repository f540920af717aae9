import type { FieldError } from '../../platform/problem.ts'
import { isIsoDuration } from '../purposes/iso-duration.ts'
import { SUBJECT_KINDS } from '../subjects/subject-kinds.ts'
import { isPositiveDuration, periodAtLeast } from './retention-clock.ts'
import {
  isRetentionCondition,
  isRetentionRecordKind,
  isStartEvent,
  type LegalMinimum,
  PURPOSE_NARROWED_KINDS,
  RECORD_DATES,
  RETENTION_CONDITIONS,
  RETENTION_RECORD_KINDS,
  type RetentionCoverage,
  type RetentionRuleDefinition,
  START_EVENT_CLOCKS,
  START_EVENTS,
} from './retention-rule.ts'

const KEY = /^[a-z][a-z0-9_]{1,62}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Keys the API's paths use for other things (`GET /retention-rules/document`). */
export const RESERVED_KEYS: readonly string[] = ['document']

/** A legal minimum and the rule that carries it. */
export interface ApplicableMinimum extends LegalMinimum {
  ruleKey: string
}

/**
 * Whether two coverages may name the same rows: conservatively yes, unless they name different
 * kinds, or both narrow by the same property to different values.
 */
export function overlaps(a: RetentionCoverage, b: RetentionCoverage): boolean {
  if (a.recordKind === null || b.recordKind === null || a.recordKind !== b.recordKind) return false
  const differ = <T>(x: T | null, y: T | null) => x !== null && y !== null && x !== y
  return !(
    differ(a.purposeKey, b.purposeKey) ||
    differ(a.subjectKind, b.subjectKind) ||
    differ(a.condition, b.condition)
  )
}

/**
 * The legal minimums a rule must respect: its own, and those of every other rule whose rows it may
 * cover — a second, shorter rule on invoices would otherwise delete what § 147 AO keeps.
 */
export function applicableMinimums(
  rule: Pick<RetentionRuleDefinition, 'key' | 'covers' | 'legalMinimum'>,
  others: readonly Pick<RetentionRuleDefinition, 'key' | 'covers' | 'legalMinimum'>[],
): ApplicableMinimum[] {
  const own = rule.legalMinimum ? [{ ...rule.legalMinimum, ruleKey: rule.key }] : []
  const theirs = others.flatMap((other) =>
    other.key !== rule.key && other.legalMinimum && overlaps(rule.covers, other.covers)
      ? [{ ...other.legalMinimum, ruleKey: other.key }]
      : [],
  )
  return [...own, ...theirs]
}

/**
 * What is wrong with a rule, as field errors (empty when it is valid): the shape a schema can't
 * express (which start events and narrowing a kind has) and the legal minimums.
 */
export function retentionRuleProblems(
  rule: RetentionRuleDefinition,
  minimums: readonly ApplicableMinimum[] = rule.legalMinimum
    ? [{ ...rule.legalMinimum, ruleKey: rule.key }]
    : [],
  where = 'body',
): FieldError[] {
  const errors: FieldError[] = []
  const add = (field: string, reason: string) => errors.push({ in: where, field, reason })

  if (!KEY.test(rule.key)) add('key', 'must be snake_case: a-z, 0-9 and _, 2 to 63 characters')
  else if (RESERVED_KEYS.includes(rule.key)) add('key', `${rule.key} is reserved`)
  for (const lang of ['de', 'en'] as const) {
    if (!rule.name[lang].trim()) add(`name.${lang}`, 'must not be empty')
    if (!rule.rule[lang].trim()) add(`rule.${lang}`, 'must say the rule, naming the law where there is one')
  }

  const { recordKind, purposeKey, subjectKind, condition } = rule.covers
  if (recordKind !== null && !isRetentionRecordKind(recordKind))
    add('covers.recordKind', `must be null or one of: ${RETENTION_RECORD_KINDS.join(', ')}`)
  else if (recordKind === null) {
    // A category Tresor stores no record of: nothing to narrow.
    if (purposeKey !== null || subjectKind !== null || condition !== null)
      add('covers', 'a rule that covers no record kind Tresor stores takes no narrowing')
  } else {
    if (purposeKey !== null && !PURPOSE_NARROWED_KINDS.includes(recordKind))
      add(
        'covers.purposeKey',
        `${recordKind} records name no purpose; only ${PURPOSE_NARROWED_KINDS.join(', ')} can be narrowed by purpose`,
      )
    if (
      condition !== null &&
      isRetentionCondition(condition) &&
      RETENTION_CONDITIONS[condition] !== recordKind
    )
      add(
        'covers.condition',
        `${condition} applies to ${RETENTION_CONDITIONS[condition]} records, not ${recordKind}`,
      )
  }
  if (condition !== null && !isRetentionCondition(condition))
    add('covers.condition', `must be null or one of: ${Object.keys(RETENTION_CONDITIONS).join(', ')}`)
  if (subjectKind !== null && !SUBJECT_KINDS.includes(subjectKind))
    add('covers.subjectKind', `must be null or one of: ${SUBJECT_KINDS.join(', ')}`)

  if (!isStartEvent(rule.startEvent)) add('startEvent', `must be one of: ${START_EVENTS.join(', ')}`)
  else if (recordKind !== null && isRetentionRecordKind(recordKind)) {
    const date = START_EVENT_CLOCKS[rule.startEvent].date
    if (!RECORD_DATES[recordKind][date]) {
      const possible = START_EVENTS.filter((e) => RECORD_DATES[recordKind][START_EVENT_CLOCKS[e].date])
      add(
        'startEvent',
        `${recordKind} records have no date for ${rule.startEvent}; one of: ${possible.join(', ')}`,
      )
    }
  }

  if (!isIsoDuration(rule.period) || !isPositiveDuration(rule.period))
    add('period', 'must be an ISO 8601 duration longer than nothing, such as P8Y, P6M or P30D')
  else {
    for (const minimum of minimums) {
      if (!periodAtLeast(rule.period, minimum.period)) {
        const whose = minimum.ruleKey === rule.key ? '' : ` (rule ${minimum.ruleKey} covers the same records)`
        add(
          'period',
          `must be at least ${minimum.period}: ${minimum.law} requires keeping these records that long${whose}`,
        )
      }
    }
  }

  if (rule.legalMinimum && !isIsoDuration(rule.legalMinimum.period))
    add('legalMinimum.period', 'must be an ISO 8601 duration')
  if (rule.transition) {
    if (!isIsoDuration(rule.transition.previousPeriod))
      add('transition.previousPeriod', 'must be an ISO 8601 duration')
    if (!DAY.test(rule.transition.cutover) || Number.isNaN(Date.parse(rule.transition.cutover)))
      add('transition.cutover', 'must be a date YYYY-MM-DD')
  }
  return errors
}
