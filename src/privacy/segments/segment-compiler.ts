import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { FieldError } from '../../platform/problem.ts'
import type { PersonalField } from '../fields/field-catalog.ts'
import type { FieldRegistry } from '../fields/field-registry.ts'
import { type PlanQuery, permittedCondition } from '../permissions/permission.repository.ts'
import { PURCHASE_STATUSES } from '../scores/score-store.ts'
import type { SegmentCondition, SegmentGroup, SegmentNode } from './segment-rules.ts'
// From the vocabulary, not the rules' schema: the compiler runs without TypeBox (issue #18).
import { MAX_DEPTH, MAX_GROUP_SIZE, MAX_NODES, MAX_WINDOW_DAYS, SCORE_BANDS } from './segment-vocabulary.ts'

/** The record fields of the catalog each kind of condition reads. */
export const TOUCHPOINT_FIELD = 'touchpoints'
export const ORDER_FIELD = 'orders'
export const SCORE_FIELD = 'scores'

/** A permission condition of a definition: the purpose and channel whose plan it needs. */
export interface PermissionUse {
  purpose: string
  channel: string
  /** Where it is in the definition (`rules.conditions.1`), for a problem naming it. */
  path: string
}

/** What a definition reads, found by `inspectSegment`: fields (each with where it is first used) and permissions. */
export interface SegmentInspection {
  errors: FieldError[]
  /** Personal fields the conditions read, each with the path of its first use. */
  fields: Map<PersonalField, string>
  permissions: PermissionUse[]
}

const DAY_MS = 86_400_000

/**
 * Checks a definition beyond its schema, naming the path of each bad condition: the bounds (depth,
 * size), attributes of the catalog with values the catalog allows, score bands that exist, windows
 * that apply; and collects the fields it reads and the permissions it asks about (the caller decides
 * whether the role and purpose may use them). Pure.
 */
export function inspectSegment(
  rules: SegmentGroup,
  catalog: FieldRegistry,
  where = 'body',
): SegmentInspection {
  const errors: FieldError[] = []
  const fields = new Map<PersonalField, string>()
  const permissions: PermissionUse[] = []
  let nodes = 0
  const fail = (field: string, reason: string): undefined => {
    errors.push({ in: where, field, reason })
    return undefined
  }
  const use = (field: PersonalField, path: string) => {
    if (!fields.has(field)) fields.set(field, path)
  }

  const visit = (node: SegmentNode, path: string, depth: number): undefined => {
    nodes++
    if (!node || typeof node !== 'object') return fail(path, 'must be a condition or a group')
    switch (node.type) {
      case 'group': {
        if (depth > MAX_DEPTH) return fail(path, `groups nest at most ${MAX_DEPTH} levels deep`)
        if (node.combine !== 'and' && node.combine !== 'or') fail(`${path}.combine`, 'must be and or or')
        if (!Array.isArray(node.conditions) || node.conditions.length === 0)
          return fail(`${path}.conditions`, 'must hold at least one condition')
        if (node.conditions.length > MAX_GROUP_SIZE)
          return fail(`${path}.conditions`, `must hold at most ${MAX_GROUP_SIZE} conditions`)
        node.conditions.forEach((child, i) => {
          visit(child, `${path}.conditions.${i}`, depth + 1)
        })
        return
      }
      case 'kind':
        return
      case 'attribute': {
        if (!catalog.isAttribute(node.field))
          return fail(`${path}.field`, 'is not a pseudonymous attribute of the field catalog')
        use(node.field, `${path}.field`)
        const multi = catalog.get(node.field)?.dataType === 'multi_enum'
        node.values.forEach((value, i) => {
          const problem = catalog.valueProblem(node.field, multi ? [value] : value)
          if (problem) fail(`${path}.values.${i}`, problem)
        })
        return
      }
      case 'touchpoints':
        use(TOUCHPOINT_FIELD, path)
        return
      case 'orders':
        use(ORDER_FIELD, path)
        if (node.measure === 'recency' && node.withinDays !== undefined)
          fail(`${path}.withinDays`, 'does not apply to recency (days since the last order)')
        if (node.measure !== 'amount' && !Number.isInteger(node.value))
          fail(`${path}.value`, 'must be a whole number')
        if (node.measure === 'recency' && node.value > MAX_WINDOW_DAYS)
          fail(`${path}.value`, `must be at most ${MAX_WINDOW_DAYS} days`)
        return
      case 'score':
        use(SCORE_FIELD, path)
        return
      case 'scoreBand': {
        use(SCORE_FIELD, path)
        const allowed: readonly string[] = SCORE_BANDS[node.band]
        node.values.forEach((value, i) => {
          if (!allowed.includes(value)) fail(`${path}.values.${i}`, `must be one of ${allowed.join(', ')}`)
        })
        return
      }
      case 'permission':
        permissions.push({ purpose: node.purpose, channel: node.channel, path })
        return
      default:
        return fail(`${path}.type`, 'is not a kind of condition')
    }
  }
  if (rules?.type !== 'group') fail('rules', 'must be a group')
  else visit(rules, 'rules', 1)
  if (nodes > MAX_NODES) fail('rules', `holds ${nodes} conditions and groups; at most ${MAX_NODES}`)
  return { errors, fields, permissions }
}

/** What compiling needs besides the definition: the moment it is evaluated at, the plans of its permission conditions. */
export interface CompileContext {
  now: Date
  /** The field catalog (a multi-value attribute is matched by containment of one value). */
  catalog: FieldRegistry
  /** Per `purpose|channel` of a permission condition: the gate's decision plan for it. */
  plans: ReadonlyMap<string, PlanQuery>
}

export const planKey = (purpose: string, channel: string): string => `${purpose}|${channel}`

type Id = RawBuilder<unknown>

const and = (parts: readonly RawBuilder<SqlBool>[]) =>
  parts.length === 1 ? (parts[0] as RawBuilder<SqlBool>) : sql<SqlBool>`(${sql.join(parts, sql` and `)})`
const or = (parts: readonly RawBuilder<SqlBool>[]) =>
  parts.length === 1 ? (parts[0] as RawBuilder<SqlBool>) : sql<SqlBool>`(${sql.join(parts, sql` or `)})`
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS)

/**
 * "More than `n` rows of the subquery exist" as an index probe per subject: the subquery's rows from
 * `n` on. For `n = 0` a plain EXISTS, which the planner may turn into a semi or anti join.
 */
const atLeast = (rows: RawBuilder<unknown>, n: number): RawBuilder<SqlBool> =>
  n <= 1 ? sql<SqlBool>`exists (${rows})` : sql<SqlBool>`exists (${rows} offset ${n - 1})`

/** A count condition over rows of the subject: at least / at most `value` of them. */
function counted(rows: RawBuilder<unknown>, op: 'gte' | 'lte', value: number): RawBuilder<SqlBool> {
  if (op === 'gte') return value <= 0 ? sql<SqlBool>`true` : atLeast(rows, value)
  return sql<SqlBool>`not ${atLeast(rows, value + 1)}`
}

function touchpointRows(node: Extract<SegmentCondition, { type: 'touchpoints' }>, id: Id, now: Date) {
  const filters = [
    sql<SqlBool>`t.subject_id = ${id}`,
    sql<SqlBool>`t.occurred_at >= ${daysBefore(now, node.withinDays)}`,
    sql<SqlBool>`t.occurred_at <= ${now}`,
  ]
  if (node.touchpointType !== undefined) filters.push(sql<SqlBool>`t.type = ${node.touchpointType}`)
  if (node.channel !== undefined) filters.push(sql<SqlBool>`t.channel = ${node.channel}`)
  return sql`select 1 from touchpoint t where ${sql.join(filters, sql` and `)}`
}

/** Purchases: open and fulfilled orders (the statuses scores count too), within the window where given. */
function orderFilters(id: Id, now: Date, withinDays: number | undefined): RawBuilder<SqlBool>[] {
  const filters = [
    sql<SqlBool>`co.subject_id = ${id}`,
    sql<SqlBool>`co.status in (${sql.join(PURCHASE_STATUSES.map((s) => sql.lit(s)))})`,
  ]
  if (withinDays !== undefined) filters.push(sql<SqlBool>`co.ordered_at >= ${daysBefore(now, withinDays)}`)
  return filters
}

function orderCondition(node: Extract<SegmentCondition, { type: 'orders' }>, id: Id, now: Date) {
  switch (node.measure) {
    case 'count': {
      const rows = sql`select 1 from customer_order co where ${sql.join(orderFilters(id, now, node.withinDays), sql` and `)}`
      return counted(rows, node.op, node.value)
    }
    case 'amount': {
      const cents = Math.round(node.value * 100)
      const sum = sql`(select coalesce(sum(co.total_cents), 0) from customer_order co where ${sql.join(orderFilters(id, now, node.withinDays), sql` and `)})`
      return node.op === 'gte' ? sql<SqlBool>`${sum} >= ${cents}` : sql<SqlBool>`${sum} <= ${cents}`
    }
    case 'recency': {
      // Days since the last purchase: at most d ⇔ one since then; at least d ⇔ one, and none since.
      const since = daysBefore(now, node.value)
      const any = sql`select 1 from customer_order co where ${sql.join(orderFilters(id, now, undefined), sql` and `)}`
      const recent = sql`${any} and co.ordered_at > ${since}`
      return node.op === 'lte'
        ? sql<SqlBool>`exists (${sql`${any} and co.ordered_at >= ${since}`})`
        : sql<SqlBool>`(exists (${any}) and not exists (${recent}))`
    }
    default:
      throw new Error('unknown order measure')
  }
}

/** Where a numeric score is kept: the score kind and its value (the headline value or an output). */
const SCORE_COLUMNS = {
  clv: { kind: 'clv', value: sql`sc.value` },
  pAlive: { kind: 'clv', value: sql`(sc.outputs ->> 'pAlive')::float8` },
  rfmRecency: { kind: 'rfm', value: sql`(sc.outputs ->> 'recency')::float8` },
  rfmFrequency: { kind: 'rfm', value: sql`(sc.outputs ->> 'frequency')::float8` },
  rfmMonetary: { kind: 'rfm', value: sql`(sc.outputs ->> 'monetary')::float8` },
} as const
const BAND_KINDS = { churnRisk: 'clv', abc: 'rfm' } as const

function conditionSql(node: SegmentCondition, id: Id, ctx: CompileContext): RawBuilder<SqlBool> {
  switch (node.type) {
    case 'kind':
      return sql<SqlBool>`s.kinds && ${[...node.kinds]}::text[]`
    case 'attribute': {
      // Containment answered by the attributes' GIN index; the document is a bound parameter.
      const multi = ctx.catalog.get(node.field)?.dataType === 'multi_enum'
      const any = or(
        node.values.map(
          (v) => sql<SqlBool>`s.attributes @> ${JSON.stringify({ [node.field]: multi ? [v] : v })}::jsonb`,
        ),
      )
      return node.op === 'in' ? any : sql<SqlBool>`not ${any}`
    }
    case 'touchpoints':
      return counted(touchpointRows(node, id, ctx.now), node.op, node.value)
    case 'orders':
      return orderCondition(node, id, ctx.now)
    case 'score': {
      const column = SCORE_COLUMNS[node.score]
      const cmp = node.op === 'gte' ? sql`>=` : sql`<=`
      return sql<SqlBool>`exists (select 1 from subject_score sc where sc.subject_id = ${id} and sc.kind = ${sql.lit(column.kind)} and ${column.value} ${cmp} ${node.value})`
    }
    case 'scoreBand':
      return sql<SqlBool>`exists (select 1 from subject_score sc where sc.subject_id = ${id} and sc.kind = ${sql.lit(BAND_KINDS[node.band])} and sc.band = any(${[...node.values]}::text[]))`
    case 'permission': {
      const plan = ctx.plans.get(planKey(node.purpose, node.channel))
      if (!plan) throw new Error(`no plan for ${node.purpose} on ${node.channel}: inspect and plan first`)
      return permittedCondition(plan, id)
    }
  }
}

/**
 * The definition as one SQL condition on the subject row `s` (its id `s.id`): every value a bound
 * parameter, every column and table fixed here. Call on a definition `inspectSegment` found no
 * fault in, with the plans of its permission conditions.
 */
export function compileSegment(rules: SegmentGroup, ctx: CompileContext): RawBuilder<SqlBool> {
  const id = sql.ref('s.id')
  const compile = (node: SegmentNode): RawBuilder<SqlBool> =>
    node.type === 'group'
      ? (node.combine === 'and' ? and : or)(node.conditions.map(compile))
      : conditionSql(node, id, ctx)
  return compile(rules)
}
