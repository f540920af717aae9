import { type Static, type TSchema, Type } from 'typebox'
import { RETENTION_RECORD_KINDS, START_EVENTS } from '../../privacy/retention/retention-rule.ts'

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Uuid = Type.String({ format: 'uuid' })
const Instant = Type.String({ format: 'date-time' })
const Who = Type.Object(
  {
    type: Type.String({ description: '`user`, `token`, `job` (the daily sweep) or `system` (the CLI).' }),
    id: Type.String(),
  },
  { description: 'Who acted (pseudonymous: a user, token or job id).' },
)
const Count = Type.Integer({ minimum: 0 })

const PlanRuleJson = Type.Object(
  {
    ruleKey: Type.String({ description: 'The retention rule.' }),
    ruleVersion: Type.Integer({
      description: 'The version of the rule the plan applied; a run applies only this one.',
    }),
    recordKind: nullable(Type.Enum(RETENTION_RECORD_KINDS, { description: 'The record kind it covers.' })),
    period: Type.String({ description: 'The rule’s period (ISO 8601).' }),
    startEvent: Type.Enum(START_EVENTS),
    status: Type.Enum(['due', 'nothing_due', 'not_recorded', 'not_in_tresor'] as const, {
      description:
        '`due`: rows fall due; `nothing_due`; `not_recorded`: the start event reads a date Tresor does not record, so nothing falls due (see `note`); `not_in_tresor`: a category Tresor keeps no record of (the books).',
    }),
    action: Type.Enum(['erase_subjects', 'delete_records', 'none'] as const, {
      description:
        '`erase_subjects`: a subject rule erases through the erasure of Art. 17 (what legal holds keep stays, restricted); `delete_records`: the due records are deleted; `none`.',
    }),
    cutoff: nullable(
      Type.String({
        format: 'date-time',
        description:
          'A row whose date (the latest of `columns`) is before this instant is due. Derived from the period and the start event at the plan’s `asOf` (periods from the end of a year: 1 January, midnight in Berlin).',
      }),
    ),
    columns: Type.Array(Type.String(), {
      description: 'The date columns compared with the cutoff, as table.column.',
    }),
    note: nullable(Type.String({ description: 'Why nothing falls due (a date that is not recorded).' })),
    subjects: Count,
    records: Count,
    sample: Type.Array(Type.Object({ subjectId: Uuid, recordId: Type.String() }), {
      description: 'Up to five due rows: pseudonymous subject and record ids, no personal data.',
    }),
  },
  { description: 'What the plan found for one rule.' },
)

export const RetentionPlanJson = Type.Object({
  id: Uuid,
  createdAt: Instant,
  asOf: Type.String({ format: 'date-time', description: 'The instant the plan judged due at.' }),
  trigger: Type.Enum(['manual', 'schedule'] as const),
  createdBy: Who,
  rules: Type.Array(PlanRuleJson),
  approval: nullable(
    Type.Object({
      kind: Type.Enum(['dpo', 'standing'] as const, {
        description:
          '`dpo`: approved by a person; `standing`: run by the daily sweep under the last approval.',
      }),
      by: Who,
      at: Instant,
    }),
  ),
})
export type RetentionPlanJson = Static<typeof RetentionPlanJson>

export const RetentionPlanList = Type.Object({ items: Type.Array(RetentionPlanJson) })

const RunRuleJson = Type.Object({
  ruleKey: Type.String(),
  ruleVersion: Type.Integer(),
  recordKind: nullable(Type.String()),
  status: Type.Enum(['pending', 'done', 'skipped'] as const),
  skipReason: nullable(
    Type.String({ description: 'Why the rule was not run (e.g. its version changed since the approval).' }),
  ),
  cutoff: nullable(Instant),
  planned: Type.Object({ subjects: Count, records: Count }),
  done: Type.Object({
    subjects: Type.Integer({ minimum: 0, description: 'Subjects handled so far.' }),
    records: Type.Integer({
      minimum: 0,
      description: 'Records deleted (or subjects erased, for a subject rule).',
    }),
    erased: Type.Integer({ minimum: 0, description: 'Subjects erased completely.' }),
    held: Type.Integer({ minimum: 0, description: 'Subjects erased but for what legal holds keep.' }),
    failed: Type.Integer({ minimum: 0, description: 'Subjects that failed (the others went on).' }),
  }),
  failures: Type.Array(Type.Object({ subject: Uuid, reason: Type.String() }), {
    description: 'The first failures: pseudonymous subject id and the reason.',
  }),
})

export const RetentionRunJson = Type.Object({
  id: Uuid,
  planId: Uuid,
  trigger: Type.Enum(['manual', 'schedule'] as const),
  actor: Who,
  status: Type.Enum(['running', 'done'] as const),
  startedAt: Instant,
  finishedAt: nullable(Instant),
  rules: Type.Array(RunRuleJson),
})
export type RetentionRunJson = Static<typeof RetentionRunJson>

export const RetentionRunList = Type.Object({ items: Type.Array(RetentionRunJson) })

export const SweeperStatusJson = Type.Object({
  enabled: Type.Boolean({
    description:
      'Whether the daily sweep runs: off on a new installation until a person approves a first plan.',
  }),
  lastApproval: nullable(Type.Object({ planId: Uuid, at: Instant, by: Who })),
  approvedVersions: Type.Array(Type.Object({ ruleKey: Type.String(), ruleVersion: Type.Integer() }), {
    description:
      'The rule versions the daily sweep runs; a rule at another version waits for a new approval.',
  }),
})

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const ListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) },
  { additionalProperties: false },
)

export const StartRunBody = Type.Object(
  { planId: Type.String({ format: 'uuid', description: 'An approved plan.' }) },
  { additionalProperties: false },
)
