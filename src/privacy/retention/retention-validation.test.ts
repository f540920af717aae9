import { describe, expect, it } from 'vitest'
import { RECORD_KINDS } from '../records/record-kinds.ts'
import {
  RECORD_DATES,
  RETENTION_CONDITIONS,
  RETENTION_RECORD_KINDS,
  type RetentionRuleDefinition,
} from './retention-rule.ts'
import { RETENTION_SEED } from './retention-seed.ts'
import { applicableMinimums, retentionRuleProblems } from './retention-validation.ts'

const fieldsOf = (
  rule: RetentionRuleDefinition,
  others: readonly RetentionRuleDefinition[] = RETENTION_SEED,
) => retentionRuleProblems(rule, applicableMinimums(rule, others)).map((e) => e.field)

const own = (overrides: Partial<RetentionRuleDefinition>): RetentionRuleDefinition => ({
  key: 'own_rule',
  name: { de: 'Eigene Regel', en: 'Own rule' },
  covers: { recordKind: 'subject_note', purposeKey: null, subjectKind: null, condition: null },
  period: 'P1Y',
  startEvent: 'creation',
  legalMinimum: null,
  transition: null,
  rule: { de: 'Ein Jahr.', en: 'One year.' },
  ...overrides,
})

describe('retention rules: validation', () => {
  it('accepts every seeded rule among the others', () => {
    for (const rule of RETENTION_SEED) expect(fieldsOf(rule), rule.key).toEqual([])
    expect(new Set(RETENTION_SEED.map((r) => r.key)).size).toBe(RETENTION_SEED.length)
  })

  it('covers only kinds of the registry that keep a clock of their own', () => {
    for (const kind of RETENTION_RECORD_KINDS) {
      const registered = RECORD_KINDS.find((k) => k.table === kind)
      expect(registered, kind).toBeDefined()
      expect(typeof registered?.retention, kind).toBe('string')
      // The registry's own clock column is among the dates a rule on the kind reads.
      const columns = Object.values(RECORD_DATES[kind]).flatMap((source) =>
        'latestOf' in source ? source.latestOf : [],
      )
      expect(columns, kind).toContain(`${kind}.${registered?.retention}`)
      expect(RECORD_DATES[kind].created, kind).toBeDefined()
    }
    for (const kind of Object.values(RETENTION_CONDITIONS)) expect(RETENTION_RECORD_KINDS).toContain(kind)
  })

  it('refuses a period below the legal minimum, naming the law', () => {
    const vouchers = RETENTION_SEED.find((r) => r.key === 'accounting_vouchers')!
    const errors = retentionRuleProblems({ ...vouchers, period: 'P5Y' })
    expect(errors).toEqual([
      {
        in: 'body',
        field: 'period',
        reason: 'must be at least P8Y: § 147(3) AO, § 257(4) HGB requires keeping these records that long',
      },
    ])
  })

  it('refuses a second, shorter rule over records a law keeps, naming the law and the other rule', () => {
    const errors = retentionRuleProblems(
      own({ covers: { recordKind: 'invoice', purposeKey: null, subjectKind: 'lead', condition: null } }),
      applicableMinimums(
        own({ covers: { recordKind: 'invoice', purposeKey: null, subjectKind: 'lead', condition: null } }),
        RETENTION_SEED,
      ),
    )
    expect(errors.map((e) => e.field)).toEqual(['period'])
    expect(errors[0]?.reason).toMatch(/§ 147\(3\) AO.*rule accounting_vouchers/)
    // Consent events on another purpose may still be phone consents: § 7a UWG binds them too.
    expect(
      fieldsOf(
        own({
          covers: {
            recordKind: 'consent_event',
            purposeKey: 'newsletter_email',
            subjectKind: null,
            condition: null,
          },
        }),
      ),
    ).toEqual(['period'])
    // Touchpoints have no legal minimum.
    expect(
      fieldsOf(
        own({
          covers: {
            recordKind: 'touchpoint',
            purposeKey: 'newsletter_email',
            subjectKind: null,
            condition: null,
          },
        }),
      ),
    ).toEqual([])
  })

  it('refuses start events the kind records no date for, and narrowing that does not fit the kind', () => {
    expect(
      fieldsOf(
        own({
          covers: { recordKind: 'invoice', purposeKey: null, subjectKind: null, condition: null },
          period: 'P9Y',
          startEvent: 'decision',
        }),
      ),
    ).toEqual(['startEvent'])
    expect(
      fieldsOf(
        own({
          covers: {
            recordKind: 'subject_note',
            purposeKey: 'web_tracking',
            subjectKind: null,
            condition: null,
          },
        }),
      ),
    ).toEqual(['covers.purposeKey'])
    expect(
      fieldsOf(
        own({
          covers: { recordKind: 'subject_note', purposeKey: null, subjectKind: null, condition: 'deal_won' },
        }),
      ),
    ).toEqual(['covers.condition'])
    expect(
      fieldsOf(own({ covers: { recordKind: null, purposeKey: null, subjectKind: 'lead', condition: null } })),
    ).toEqual(['covers'])
    expect(fieldsOf(own({ period: 'P0D' }))).toEqual(['period'])
    expect(fieldsOf(own({ key: 'document' }))).toEqual(['key'])
    expect(fieldsOf(own({ name: { de: ' ', en: 'x' }, rule: { de: 'x', en: '' } }))).toEqual([
      'name.de',
      'rule.en',
    ])
  })
})
