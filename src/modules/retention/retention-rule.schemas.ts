import { type Static, type TSchema, Type } from 'typebox'
import {
  RETENTION_CONDITION_KEYS,
  RETENTION_RECORD_KINDS,
  START_EVENTS,
} from '../../privacy/retention/retention-rule.ts'
import { SUBJECT_KINDS } from '../../privacy/subjects/subject-kinds.ts'
import { DOCUMENT_FORMATS, DOCUMENT_LANGUAGES } from './deletion-concept.ts'

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const texts = (maxLength: number, description: string) =>
  Type.Object(
    {
      de: Type.String({ minLength: 1, maxLength, description: 'German.' }),
      en: Type.String({ minLength: 1, maxLength, description: 'English.' }),
    },
    { additionalProperties: false, description },
  )

export const RetentionRuleKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,62}$',
  description: 'Stable identifier, snake_case (`document` is reserved).',
})

const Duration = Type.String({
  pattern: '^P(?=\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$',
  description: 'ISO 8601 duration, e.g. P8Y, P6M, P30D.',
})

const RecordKindSchema = Type.Enum(RETENTION_RECORD_KINDS, {
  description: 'A record kind of the registry of personal record kinds (its table).',
})
const StartEventSchema = Type.Enum(START_EVENTS, {
  description:
    'The event that starts the period: creation, end_of_year_of_creation, last_interaction, end_of_contract, decision, grant_and_each_use (the later of the grant and the latest use), closure, end_of_year_of_closure, end_of_year_of_last_entry. `end_of_year_of_…`: from the end of that calendar year (§ 257(5) HGB, § 147(4) AO). A kind offers only the events whose date it records.',
})

/** Which rows a rule covers, as input: the narrowing may be left out (none). Replaced whole. */
const CoverageInput = Type.Object(
  {
    recordKind: nullable(RecordKindSchema),
    purposeKey: Type.Optional(
      nullable(
        Type.String({
          pattern: '^[a-z][a-z0-9_]{1,62}$',
          description: 'Only rows collected under this purpose (touchpoints, consent events).',
        }),
      ),
    ),
    subjectKind: Type.Optional(
      nullable(
        Type.Enum(SUBJECT_KINDS, {
          description:
            'Only rows of subjects whose only kind is this one (a lead that became a customer is not only a lead).',
        }),
      ),
    ),
    condition: Type.Optional(
      nullable(
        Type.Enum(RETENTION_CONDITION_KEYS, {
          description:
            'Only rows meeting a condition of a closed set: deal_won (deals), consent_channel_phone (consent events), doi_unconfirmed (double opt-in requests), request_closed (data subject requests), application_rejected (subjects).',
        }),
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Which rows the rule covers: a record kind (null: a category Tresor stores no record of), optionally narrowed; omitted narrowing is none.',
  },
)

const Coverage = Type.Object({
  recordKind: nullable(RecordKindSchema),
  purposeKey: nullable(Type.String()),
  subjectKind: nullable(Type.Enum(SUBJECT_KINDS)),
  condition: nullable(Type.Enum(RETENTION_CONDITION_KEYS)),
})

const LegalMinimum = Type.Object(
  {
    period: Duration,
    law: Type.String({ description: 'The law, e.g. § 147(3) AO, § 257(4) HGB.' }),
  },
  { description: 'The shortest period the law allows; seeded, not editable.' },
)

const Transition = Type.Object(
  {
    previousPeriod: Duration,
    cutover: Type.String({ format: 'date', description: 'The day the current period took effect.' }),
    rule: texts(2000, 'The transition in words, naming the law.'),
  },
  {
    description:
      'A change of the law: records whose previous period had run out before the cut-over were due under it; all others take the current period. Seeded, not editable.',
  },
)

/** The editable properties, as the API and the CLI file take them. */
const editable = {
  name: texts(200, 'The deletion class as the DPO and the document name it.'),
  covers: CoverageInput,
  period: {
    ...Duration,
    description: 'The standard period (ISO 8601 duration); never below a legal minimum.',
  },
  startEvent: StartEventSchema,
  rule: texts(2000, 'The rule in words, naming the law.'),
}

const definition = {
  key: RetentionRuleKey,
  name: editable.name,
  covers: Coverage,
  period: Duration,
  startEvent: StartEventSchema,
  legalMinimum: nullable(LegalMinimum),
  transition: nullable(Transition),
  rule: editable.rule,
}

export const RetentionRule = Type.Object(
  {
    ...definition,
    builtin: Type.Boolean({
      description: 'Seeded from the rule book: its legal minimum and transition follow the product.',
    }),
    version: Type.Integer({ minimum: 1, description: 'Bumped by every change.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'RetentionRule' },
)
export type RetentionRuleJson = Static<typeof RetentionRule>

export const RetentionRuleList = Type.Object({ items: Type.Array(Type.Ref('RetentionRule')) })

const RetentionRuleVersion = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  definition: Type.Object(definition, { description: 'The rule as this version said it.' }),
  changed: Type.Array(Type.String(), {
    description: 'The properties that differ from the previous version.',
  }),
  actor: Type.Object({ type: Type.String(), id: Type.String() }, { description: 'Who made the version.' }),
  createdAt: Type.String({ format: 'date-time' }),
})

export const RetentionRuleWithVersions = Type.Object({
  ...RetentionRule.properties,
  versions: Type.Array(RetentionRuleVersion, { description: 'Every version, oldest first.' }),
})
export type RetentionRuleWithVersionsJson = Static<typeof RetentionRuleWithVersions>

export const CreateRetentionRuleBody = Type.Object(
  {
    key: RetentionRuleKey,
    name: editable.name,
    covers: editable.covers,
    period: editable.period,
    startEvent: editable.startEvent,
    rule: editable.rule,
  },
  { additionalProperties: false },
)
export type CreateRetentionRuleBody = Static<typeof CreateRetentionRuleBody>

export const UpdateRetentionRuleBody = Type.Partial(Type.Object(editable), {
  additionalProperties: false,
  minProperties: 1,
  description:
    'The properties to change, each replaced whole. The legal minimum and the transition are the law’s and not editable; a rule with a legal minimum keeps its record kind and start event.',
})
export type UpdateRetentionRuleBody = Static<typeof UpdateRetentionRuleBody>

export const RetentionRuleParams = Type.Object({ key: RetentionRuleKey }, { additionalProperties: false })

export const DocumentQuery = Type.Object(
  {
    lang: Type.Enum(DOCUMENT_LANGUAGES, { default: 'de', description: 'German (default) or English.' }),
    format: Type.Enum(DOCUMENT_FORMATS, { default: 'html', description: 'HTML (default) or PDF.' }),
  },
  { additionalProperties: false },
)
