import { type Static, Type } from 'typebox'
import { AUDIT_ACTIONS } from '../../privacy/audit/audit-record.ts'
import {
  BREACH_ACTOR_TYPES,
  BREACH_NATURES,
  BREACH_RISKS,
  BREACH_STATUSES,
  LETTER_STATUSES,
} from '../../privacy/breaches/breach.ts'
import { FIELD_CATEGORIES } from '../../privacy/fields/field-catalog.ts'
import { SUBJECT_KINDS } from '../../privacy/subjects/subject-kinds.ts'
import { NOTICE_FORMATS, NOTICE_LANGUAGES } from './breach-notice.ts'

const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const NullableDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description })
const Text = (min: number, max: number, description: string) =>
  Type.String({ minLength: min, maxLength: max, description })

const facts = {
  awareAt: DateTime('Art. 33(1): when the company became aware of the breach; the 72 hours run from here.'),
  occurredFrom: NullableDateTime('When the breach began, as far as known.'),
  occurredUntil: NullableDateTime('When it ended, as far as known.'),
  title: Text(3, 200, 'A short name of what happened (no personal data).'),
  description: Text(10, 5000, 'Art. 33(3)(a): the nature of the breach, what happened (no personal data).'),
  nature: Type.Array(Type.Enum(BREACH_NATURES), {
    uniqueItems: true,
    description:
      'What it did to the data: confidentiality (disclosed), integrity (altered), availability (lost).',
  }),
  subjectCategories: Type.Array(Type.Enum(SUBJECT_KINDS), {
    uniqueItems: true,
    description: 'Art. 33(3)(a): the categories of data subjects concerned (subject kinds).',
  }),
  dataCategories: Type.Array(Type.Enum(FIELD_CATEGORIES), {
    uniqueItems: true,
    description: 'Art. 33(3)(a): the categories of personal data concerned (field categories).',
  }),
  approxSubjects: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Art. 33(3)(a): the approximate number of people concerned (the DPO’s estimate).',
  }),
  approxRecords: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Art. 33(3)(a): the approximate number of personal data records concerned.',
  }),
  consequences: Text(0, 5000, 'Art. 33(3)(c): the likely consequences.'),
  measures: Text(0, 5000, 'Art. 33(3)(d): the measures taken or proposed, incl. to mitigate its effects.'),
  risk: Type.Enum(BREACH_RISKS, {
    description:
      'none: unlikely to result in a risk (documented, not notified); risk: notify the authority (Art. 33); high: and tell the people (Art. 34).',
  }),
}

export const NewBreachBody = Type.Object(
  {
    awareAt: facts.awareAt,
    occurredFrom: Type.Optional(facts.occurredFrom),
    occurredUntil: Type.Optional(facts.occurredUntil),
    title: facts.title,
    description: facts.description,
    nature: Type.Optional(facts.nature),
    subjectCategories: Type.Optional(facts.subjectCategories),
    dataCategories: Type.Optional(facts.dataCategories),
    approxSubjects: Type.Optional(facts.approxSubjects),
    approxRecords: Type.Optional(facts.approxRecords),
    consequences: Type.Optional(facts.consequences),
    measures: Type.Optional(facts.measures),
    risk: facts.risk,
  },
  { additionalProperties: false },
)
export type NewBreachBody = Static<typeof NewBreachBody>

export const BreachPatchBody = Type.Object(
  {
    awareAt: Type.Optional(facts.awareAt),
    occurredFrom: Type.Optional(facts.occurredFrom),
    occurredUntil: Type.Optional(facts.occurredUntil),
    title: Type.Optional(facts.title),
    description: Type.Optional(facts.description),
    nature: Type.Optional(facts.nature),
    subjectCategories: Type.Optional(facts.subjectCategories),
    dataCategories: Type.Optional(facts.dataCategories),
    approxSubjects: Type.Optional(facts.approxSubjects),
    approxRecords: Type.Optional(facts.approxRecords),
    consequences: Type.Optional(facts.consequences),
    measures: Type.Optional(facts.measures),
    risk: Type.Optional(facts.risk),
    status: Type.Optional(
      Type.Enum(BREACH_STATUSES, {
        description: '`closed` when dealt with; `notified` is set by recording the notification.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type BreachPatchBody = Static<typeof BreachPatchBody>

export const NotificationBody = Type.Object(
  {
    at: DateTime('When the supervisory authority was notified.'),
    reference: Type.Optional(Type.Union([Text(1, 200, 'The authority’s reference.'), Type.Null()])),
    delayReasons: Type.Optional(
      Type.Union([
        Text(10, 5000, 'Art. 33(1): required when notified more than 72 hours after becoming aware.'),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
)
export type NotificationBody = Static<typeof NotificationBody>

export const AffectedQueryBody = Type.Object(
  {
    actor: Type.Object(
      {
        type: Type.Enum(BREACH_ACTOR_TYPES, {
          description: 'A user (session), an API token, a job or the system (the CLI at the machine).',
        }),
        id: Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'The user id, the API token id, the job name, or the system actor (`tresor-cli`).',
        }),
      },
      { additionalProperties: false },
    ),
    from: DateTime('Start of the window (inclusive).'),
    until: DateTime('End of the window (exclusive).'),
    actions: Type.Optional(
      Type.Array(Type.Enum(AUDIT_ACTIONS), {
        minItems: 1,
        uniqueItems: true,
        description: 'The audit actions that count; default read and export (what the actor saw or took).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type AffectedQueryBody = Static<typeof AffectedQueryBody>

const Counts = Type.Object({
  subjects: Type.Integer({ description: 'People in the affected set (computed from the audit trail).' }),
  records: Type.Integer({ description: 'Audit records of the breach’s queries that named them.' }),
  letters: Type.Object(
    Object.fromEntries([...LETTER_STATUSES, 'pending'].map((s) => [s, Type.Integer()])) as Record<
      (typeof LETTER_STATUSES)[number] | 'pending',
      ReturnType<typeof Type.Integer>
    >,
    { description: 'Art. 34 letters by outcome; pending: not tried yet.' },
  ),
})

export const BreachJson = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    reference: Type.String({ description: 'B-<number>: the register’s running number.' }),
    awareAt: Type.String({ format: 'date-time' }),
    occurredFrom: NullableDateTime('When it began.'),
    occurredUntil: NullableDateTime('When it ended.'),
    title: Type.String(),
    description: Type.String(),
    nature: Type.Array(Type.String()),
    subjectCategories: Type.Array(Type.String()),
    dataCategories: Type.Array(Type.String()),
    approxSubjects: Type.Union([Type.Integer(), Type.Null()]),
    approxRecords: Type.Union([Type.Integer(), Type.Null()]),
    consequences: Type.String(),
    measures: Type.String(),
    risk: Type.Enum(BREACH_RISKS),
    status: Type.Enum(BREACH_STATUSES),
    authorityNotifiedAt: NullableDateTime('When the authority was notified.'),
    authorityReference: Type.Union([Type.String(), Type.Null()]),
    delayReasons: Type.Union([Type.String(), Type.Null()]),
    affectedQueries: Type.Array(
      Type.Object({
        actor: Type.Object({ type: Type.String(), id: Type.String() }),
        from: Type.String({ format: 'date-time' }),
        until: Type.String({ format: 'date-time' }),
        actions: Type.Array(Type.String()),
      }),
      { description: 'The audit-trail queries the affected set was computed from.' },
    ),
    clock: Type.Object(
      {
        deadline: Type.String({ format: 'date-time', description: 'awareAt + 72 hours.' }),
        notificationRequired: Type.Boolean({ description: 'False when the risk is none.' }),
        remainingSeconds: Type.Union([Type.Integer(), Type.Null()], {
          description: 'Seconds left (negative: overdue); null once notified, closed or not required.',
        }),
        overdue: Type.Boolean(),
        late: Type.Boolean({ description: 'Notified after the 72 hours (with reasons for the delay).' }),
      },
      { description: 'The 72-hour clock of Art. 33(1), at the time of the answer.' },
    ),
    affected: Counts,
    recordedBy: Type.Object({ type: Type.String(), id: Type.String() }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Breach' },
)
export type BreachJson = Static<typeof BreachJson>

export const BreachList = Type.Object({ items: Type.Array(Type.Ref('Breach')) })
export const BreachParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const AffectedPageQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({ format: 'uuid', description: 'The last subject id of the page before.' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
)
export const AffectedPage = Type.Object({
  items: Type.Array(
    Type.Object({
      subjectId: Type.String({ format: 'uuid', description: 'Pseudonymous: the subject id only.' }),
      records: Type.Integer({ description: 'Audit records of the breach’s queries naming the person.' }),
      addedAt: Type.String({ format: 'date-time' }),
      letter: Type.Union([
        Type.Object({
          status: Type.Enum(LETTER_STATUSES),
          note: Type.Union([Type.String(), Type.Null()], {
            description: 'Why not: the gate’s rule, or the error kind.',
          }),
          at: Type.String({ format: 'date-time' }),
        }),
        Type.Null(),
      ]),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page.' }),
})
export const AffectedResult = Type.Object({
  added: Type.Integer({ description: 'People added to the set or whose record count grew.' }),
  affected: Counts,
})

export const NoticeQuery = Type.Object(
  {
    lang: Type.Enum(NOTICE_LANGUAGES, { default: 'de' }),
    format: Type.Enum(NOTICE_FORMATS, { default: 'html', description: 'HTML, PDF or plain text.' }),
  },
  { additionalProperties: false },
)
export const LettersBody = Type.Object(
  { lang: Type.Optional(Type.Enum(NOTICE_LANGUAGES, { description: 'The letters’ language; default de.' })) },
  { additionalProperties: false },
)
export const LetterSummaryJson = Type.Object({
  sent: Type.Integer(),
  refused: Type.Integer({ description: 'The gate refused the purpose for them (erased, restricted, …).' }),
  noAddress: Type.Integer(),
  failed: Type.Integer({ description: 'The mail server refused; tried again with the next call.' }),
})
