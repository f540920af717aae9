import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import { FieldRegistry } from '../fields/field-registry.ts'
import { decisionPlan } from '../permissions/permission-rules.ts'
import { PURPOSE_SEED } from '../purposes/purpose-seed.ts'
import { compileSegment, inspectSegment, planKey } from './segment-compiler.ts'
import { MAX_NODES, type SegmentCondition, type SegmentGroup } from './segment-rules.ts'

const catalog = new FieldRegistry()
const db = new Kysely<never>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})
const now = new Date('2026-12-01T00:00:00Z')
const newsletter = PURPOSE_SEED.find((p) => p.key === 'newsletter_email')!
const plans = new Map([
  [
    planKey('newsletter_email', 'email'),
    {
      purposeKey: 'newsletter_email',
      channel: 'email' as const,
      plan: decisionPlan(newsletter, 'email', false),
      now,
    },
  ],
])
const group = (combine: 'and' | 'or', ...conditions: SegmentGroup['conditions']): SegmentGroup => ({
  type: 'group',
  combine,
  conditions,
})
const compile = (rules: SegmentGroup) => {
  const where: RawBuilder<SqlBool> = compileSegment(rules, { now, catalog, plans })
  return sql`select count(*) from subject s where ${where}`.compile(db)
}

const EVERY_KIND: SegmentCondition[] = [
  { type: 'kind', kinds: ['customer', 'lead'] },
  { type: 'attribute', field: 'country', op: 'in', values: ['DE', 'AT'] },
  { type: 'attribute', field: 'ageBand', op: 'notIn', values: ['65+'] },
  { type: 'touchpoints', touchpointType: 'page_view', channel: 'web', withinDays: 30, op: 'gte', value: 3 },
  { type: 'touchpoints', withinDays: 7, op: 'lte', value: 0 },
  { type: 'orders', measure: 'count', withinDays: 365, op: 'gte', value: 2 },
  { type: 'orders', measure: 'amount', op: 'gte', value: 99.5 },
  { type: 'orders', measure: 'recency', op: 'gte', value: 90 },
  { type: 'score', score: 'pAlive', op: 'lte', value: 0.3 },
  { type: 'scoreBand', band: 'abc', values: ['A', 'B'] },
  { type: 'permission', purpose: 'newsletter_email', channel: 'email' },
]

describe('segment compiler', () => {
  it('compiles every kind of condition to one statement with every value bound', () => {
    const query = compile(group('and', ...EVERY_KIND.slice(0, 6), group('or', ...EVERY_KIND.slice(6))))
    // Values are parameters, never text of the statement.
    for (const value of ['DE', 'AT', '65+', 'page_view', 'newsletter_email'])
      expect(query.sql).not.toContain(`'${value}'`)
    expect(query.parameters).toEqual(
      expect.arrayContaining([
        '{"country":"DE"}',
        '{"country":"AT"}',
        '{"ageBand":"65+"}',
        'page_view',
        'web',
        9950,
        0.3,
      ]),
    )
    expect(query.sql).toContain(' or ')
    expect(query.sql).toMatch(/exists \(select 1 from touchpoint t/)
    expect(query.sql).toMatch(/permission_state p/)
    // "At least 3" probes up to the third row; "at most 0" is an anti-join.
    expect(query.sql).toMatch(/offset \$\d+\)/)
    expect(query.sql).toMatch(/not exists \(select 1 from touchpoint t/)
  })

  it('finds the fields and permissions a definition reads, with where each is used', () => {
    const inspection = inspectSegment(group('and', ...EVERY_KIND), catalog)
    expect(inspection.errors).toEqual([])
    expect(Object.fromEntries(inspection.fields)).toEqual({
      country: 'rules.conditions.1.field',
      ageBand: 'rules.conditions.2.field',
      touchpoints: 'rules.conditions.3',
      orders: 'rules.conditions.5',
      scores: 'rules.conditions.8',
    })
    expect(inspection.permissions).toEqual([
      { purpose: 'newsletter_email', channel: 'email', path: 'rules.conditions.10' },
    ])
  })

  it('names the path of each bad condition', () => {
    const bad = inspectSegment(
      group(
        'and',
        { type: 'attribute', field: 'email', op: 'in', values: ['x'] },
        group('or', { type: 'attribute', field: 'country', op: 'in', values: [12] }),
        { type: 'orders', measure: 'recency', withinDays: 30, op: 'lte', value: 10 },
        { type: 'orders', measure: 'count', op: 'gte', value: 1.5 },
        { type: 'scoreBand', band: 'churnRisk', values: ['A'] },
        { type: 'nonsense' } as unknown as SegmentCondition,
      ),
      catalog,
    )
    expect(bad.errors.map((e) => e.field)).toEqual([
      'rules.conditions.0.field',
      'rules.conditions.1.conditions.0.values.0',
      'rules.conditions.2.withinDays',
      'rules.conditions.3.value',
      'rules.conditions.4.values.0',
      'rules.conditions.5.type',
    ])
  })

  it('bounds depth and size', () => {
    const deep = group(
      'and',
      group('and', group('and', group('and', group('and', { type: 'kind', kinds: ['lead'] })))),
    )
    expect(inspectSegment(deep, catalog).errors).toContainEqual(
      expect.objectContaining({ field: 'rules.conditions.0.conditions.0.conditions.0.conditions.0' }),
    )
    const wide = group(
      'or',
      ...Array.from({ length: 4 }, () =>
        group(
          'or',
          ...Array.from({ length: 20 }, () => ({ type: 'kind', kinds: ['lead'] }) as SegmentCondition),
        ),
      ),
    )
    expect(inspectSegment(wide, catalog).errors).toContainEqual(
      expect.objectContaining({ field: 'rules', reason: expect.stringContaining(`at most ${MAX_NODES}`) }),
    )
    expect(inspectSegment({ type: 'kind' } as unknown as SegmentGroup, catalog).errors).toEqual([
      expect.objectContaining({ field: 'rules' }),
    ])
    expect(inspectSegment(group('and'), catalog).errors).toEqual([
      expect.objectContaining({ field: 'rules.conditions' }),
    ])
  })
})
