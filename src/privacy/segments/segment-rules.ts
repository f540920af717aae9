import { type Static, type TSchema, Type } from 'typebox'
import { CHANNELS } from '../purposes/purpose.ts'
import { SUBJECT_KINDS } from '../subjects/subject-kinds.ts'
import {
  COMPARISONS,
  MAX_DEPTH,
  MAX_GROUP_SIZE,
  MAX_NODES,
  MAX_WINDOW_DAYS,
  ORDER_MEASURES,
  SCORE_BANDS,
  SCORE_MEASURES,
} from './segment-vocabulary.ts'

export type { Comparison, OrderMeasure, ScoreBand, ScoreMeasure } from './segment-vocabulary.ts'
export {
  COMPARISONS,
  MAX_DEPTH,
  MAX_GROUP_SIZE,
  MAX_NODES,
  MAX_WINDOW_DAYS,
  ORDER_MEASURES,
  SCORE_BANDS,
  SCORE_MEASURES,
}

const Key = Type.String({ pattern: '^[a-z][a-zA-Z0-9_]{0,63}$' })
const Comparison = Type.Enum(COMPARISONS, {
  description: '`gte`: at least the value; `lte`: at most the value.',
})
const Window = Type.Integer({
  minimum: 1,
  maximum: MAX_WINDOW_DAYS,
  description: 'Look back this many days from now.',
})

export const KindCondition = Type.Object(
  {
    type: Type.Literal('kind'),
    kinds: Type.Array(Type.Enum(SUBJECT_KINDS), {
      minItems: 1,
      maxItems: SUBJECT_KINDS.length,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false, description: 'The subject has any of the kinds.' },
)

const AttributeValue = Type.Union([Type.String({ maxLength: 1_000 }), Type.Number(), Type.Boolean()])

export const AttributeCondition = Type.Object(
  {
    type: Type.Literal('attribute'),
    field: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A pseudonymous attribute of the field catalog.',
    }),
    op: Type.Enum(['in', 'notIn'], {
      description:
        '`in`: the attribute has one of the values (a multi-value attribute contains one); `notIn`: it has none of them (or is unset).',
    }),
    values: Type.Array(AttributeValue, { minItems: 1, maxItems: 50 }),
  },
  {
    additionalProperties: false,
    description:
      "A pseudonymous attribute's value. The role must hold the field's category and the purpose must use it (as for any read); a special category only under a purpose with an Art. 9 basis the field serves.",
  },
)

export const TouchpointCondition = Type.Object(
  {
    type: Type.Literal('touchpoints'),
    touchpointType: Type.Optional(Key),
    channel: Type.Optional(Type.Enum(CHANNELS)),
    withinDays: Window,
    op: Comparison,
    value: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'How many touchpoints.' }),
  },
  {
    additionalProperties: false,
    description:
      'Behaviour: how many touchpoints (of the type, on the channel, where given) the subject had in the window. Needs the field `touchpoints` (category behavioural).',
  },
)

export const OrderCondition = Type.Object(
  {
    type: Type.Literal('orders'),
    measure: Type.Enum(ORDER_MEASURES, {
      description:
        '`count`: orders; `amount`: their sum in the currency unit (EUR, not cents); `recency`: days since the last order (only subjects with an order match).',
    }),
    withinDays: Type.Optional(Window),
    op: Comparison,
    value: Type.Number({ minimum: 0, maximum: 1e12 }),
  },
  {
    additionalProperties: false,
    description:
      'Purchases (open and fulfilled orders; cancelled and returned ones count as none), within the window where given. Needs the field `orders` (category purchases).',
  },
)

export const ScoreCondition = Type.Object(
  {
    type: Type.Literal('score'),
    score: Type.Enum(SCORE_MEASURES, {
      description:
        '`clv` (currency unit), `pAlive` (0–1), `rfmRecency`/`rfmFrequency`/`rfmMonetary` (quintile 1–5).',
    }),
    op: Comparison,
    value: Type.Number({ minimum: 0, maximum: 1e12 }),
  },
  {
    additionalProperties: false,
    description:
      'A score of the subject (only subjects with scores match: scores exist only while the profiling purpose holds). Needs the field `scores` (category derived).',
  },
)

export const ScoreBandCondition = Type.Object(
  {
    type: Type.Literal('scoreBand'),
    band: Type.Enum(['churnRisk', 'abc']),
    values: Type.Array(Type.String({ maxLength: 10 }), { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  {
    additionalProperties: false,
    description:
      'The churn-risk band (high, medium, low) or the ABC class (A, B, C). Needs the field `scores`.',
  },
)

export const PermissionCondition = Type.Object(
  {
    type: Type.Literal('permission'),
    purpose: Key,
    channel: Type.Enum(CHANNELS),
  },
  {
    additionalProperties: false,
    description:
      "The purpose may use the subject on the channel: the gate's own decision (consent, objection, restriction, erasure, subject kinds, records).",
  },
)

const CONDITIONS = [
  KindCondition,
  AttributeCondition,
  TouchpointCondition,
  OrderCondition,
  ScoreCondition,
  ScoreBandCondition,
  PermissionCondition,
] as const

export type KindCondition = Static<typeof KindCondition>
export type AttributeCondition = Static<typeof AttributeCondition>
export type TouchpointCondition = Static<typeof TouchpointCondition>
export type OrderCondition = Static<typeof OrderCondition>
export type ScoreCondition = Static<typeof ScoreCondition>
export type ScoreBandCondition = Static<typeof ScoreBandCondition>
export type PermissionCondition = Static<typeof PermissionCondition>
export type SegmentCondition =
  | KindCondition
  | AttributeCondition
  | TouchpointCondition
  | OrderCondition
  | ScoreCondition
  | ScoreBandCondition
  | PermissionCondition

/** An AND/OR group of conditions and groups. */
export interface SegmentGroup {
  type: 'group'
  combine: 'and' | 'or'
  conditions: (SegmentCondition | SegmentGroup)[]
}
export type SegmentNode = SegmentCondition | SegmentGroup

/**
 * One member of a group: a condition or (above the deepest level) a group, chosen by its `type` with
 * `if`/`then` rather than `anyOf`, so a bad condition is reported by the schema of its own type only
 * (`rules.conditions.1.op: must be one of: gte, lte`), not once for every type it is not.
 */
function memberSchema(depth: number): TSchema {
  const members: { type: string; schema: TSchema }[] = CONDITIONS.map((c) => ({
    type: (c.properties.type as unknown as { const: string }).const,
    schema: c,
  }))
  if (depth > 1) members.push({ type: 'group', schema: groupSchema(depth - 1) })
  return Type.Unsafe({
    type: 'object',
    required: ['type'],
    properties: {
      type: {
        enum: members.map((m) => m.type),
        description:
          depth > 1 ? 'The kind of condition, or `group`.' : 'The kind of condition (no deeper groups).',
      },
    },
    allOf: members.map((m) => ({
      if: { required: ['type'], properties: { type: { const: m.type } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
      then: m.schema,
    })),
  })
}

/**
 * The group schema `depth` levels deep: recursive in meaning, written out to a bounded depth (so
 * OpenAPI, Ajv and the CLI share one plain schema without references, and no definition nests deeper).
 */
function groupSchema(depth: number): TSchema {
  return Type.Object(
    {
      type: Type.Literal('group'),
      combine: Type.Enum(['and', 'or'], {
        description: '`and`: every condition holds; `or`: at least one.',
      }),
      conditions: Type.Array(memberSchema(depth), { minItems: 1, maxItems: MAX_GROUP_SIZE }),
    },
    {
      additionalProperties: false,
      description: `An AND/OR group of conditions and groups (groups nest up to ${MAX_DEPTH} levels, ${MAX_NODES} conditions and groups in all).`,
    },
  )
}

/** A segment's rule tree: the root group. */
export const SegmentRules = Type.Unsafe<SegmentGroup>(groupSchema(MAX_DEPTH))
