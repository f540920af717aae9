import { type Static, Type } from 'typebox'
import { Page } from '../../platform/pagination.ts'
import { RESTRICTION_GROUNDS } from '../../privacy/permissions/permission.schemas.ts'
import {
  DSR_CHANNELS,
  DSR_KINDS,
  DSR_STATUSES,
  REFUSAL_GROUNDS,
  VERIFICATION_METHODS,
} from '../../privacy/requests/dsr.ts'
import { DETAILS_MAX_LENGTH } from './request-kinds.ts'

const timestamp = (description: string) => Type.String({ format: 'date-time', description })
const texts = (description: string) => Type.Object({ de: Type.String(), en: Type.String() }, { description })

/** The channels staff record from: everything but the portal (the person files there themself). */
export const STAFF_CHANNELS = DSR_CHANNELS.filter((c) => c !== 'portal')

export const KindSchema = Type.Enum(DSR_KINDS, {
  description:
    'access (Art. 15(1)-(2)), copy (Art. 15(3) and Art. 20, answered by one machine-readable export), rectification (Art. 16), erasure (Art. 17), restriction (Art. 18), objection (Art. 21(1), on personal grounds; direct-marketing objections are recorded as objections, not requests), human_review (Art. 22(3): a human reviews a decision that rested on a score).',
})

export const NewRequestBody = Type.Object(
  {
    kind: KindSchema,
    channel: Type.Enum(STAFF_CHANNELS, { description: 'How the request reached us.' }),
    receivedAt: Type.Optional(
      timestamp('When it was received (the deadline runs from it); default now. Not in the future.'),
    ),
    details: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: DETAILS_MAX_LENGTH,
        description:
          'What the person asked for in their words (required for rectification: what is wrong). Stored encrypted under the subject’s key.',
      }),
    ),
    reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Where the original is kept (the scanned letter, the call note); not its content.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type NewRequestBody = Static<typeof NewRequestBody>

export const RequestJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  subjectId: Type.String({ format: 'uuid' }),
  kind: KindSchema,
  channel: Type.Enum(DSR_CHANNELS),
  status: Type.Enum(DSR_STATUSES, {
    description:
      'received: recorded, identity not verified yet; identity_verified (Art. 12(6)); in_progress; extended (Art. 12(3), due date moved); answered; refused (Art. 12(5)).',
  }),
  receivedAt: timestamp('When the request was received.'),
  dueAt: timestamp('When the answer is due (Art. 12(3): one month of receipt, or the configured deadline).'),
  overdue: Type.Boolean({ description: 'Still open after its due date.' }),
  hasDetails: Type.Boolean(),
  details: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description:
        'What the person wrote; null when the subject was erased (the key that sealed it is destroyed). Only on the subject’s list.',
    }),
  ),
  reference: Type.Union([Type.String(), Type.Null()]),
  recordedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  recordedAt: timestamp('When it was recorded.'),
  assigneeId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The user handling the request; null: nobody yet.',
  }),
  verification: Type.Union(
    [
      Type.Object({
        at: timestamp('When the identity was verified.'),
        method: Type.Enum(VERIFICATION_METHODS),
        note: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    {
      description:
        'Art. 12(6): how the identity of the person was verified (portal_sign_in for a request filed in the portal); null: not yet — nothing personal goes out before.',
    },
  ),
  startedAt: Type.Union([timestamp('When work on it started.'), Type.Null()]),
  extension: Type.Union(
    [
      Type.Object({
        at: timestamp('When it was extended.'),
        reason: Type.String({ description: 'Told to the person.' }),
        firstDueAt: timestamp('The due date before the extension.'),
      }),
      Type.Null(),
    ],
    { description: 'Art. 12(3): the extension by up to two further months, with its reason.' },
  ),
  closedAt: Type.Union([timestamp('When it was answered or refused.'), Type.Null()]),
  refusal: Type.Union(
    [Type.Object({ ground: Type.Enum(REFUSAL_GROUNDS), reason: Type.String() }), Type.Null()],
    { description: 'Art. 12(4)-(5): why it was refused (told to the person with the right to complain).' },
  ),
  answerNote: Type.Union([Type.String(), Type.Null()], {
    description: 'What staff noted with the answer (what was done by hand, or a remark); no personal data.',
  }),
  answer: Type.Union([Type.Unsafe<unknown>({ type: 'object', additionalProperties: true }), Type.Null()], {
    description:
      'The answer Tresor generated for a rectification, erasure, restriction, objection or human review (docs/adr/0021), format tresor-dsr-answer/1: `text` (de, en) as told to the person; `recipients` told under Art. 19 (name, country, how: webhook or letter, the letter task id); `rectification` (the fields corrected, the reason), `erasure` (outcome, what was erased, what was kept: law, reason, until), `restriction` (ground), `objection` (purposeKey, decision upheld|rejected, reasons), `humanReview` (outcome confirmed|changed, decision, reasons, the scores concerned with their meaning). No personal values. Null for other requests.',
  }),
})
export type RequestJson = Static<typeof RequestJson>

export const OpenRequestsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page (1–500).' }),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
)
export type OpenRequestsQuery = Static<typeof OpenRequestsQuery>

export const OpenRequestJson = Type.Object({
  ...RequestJson.properties,
  contact: Type.Optional(
    Type.Object(
      {
        firstName: Type.Optional(Type.String()),
        lastName: Type.Optional(Type.String()),
        email: Type.Optional(Type.String()),
      },
      {
        description:
          'The name and e-mail address of the person, where your role and the purpose contact_management may see them (read for the whole page in one gated read, audited once); absent otherwise, and for an erased or restricted person.',
      },
    ),
  ),
})
export type OpenRequestJson = Static<typeof OpenRequestJson>

export const RequestPage = Page(OpenRequestJson)

export const RequestKindsJson = Type.Object({
  deadline: Type.String({ description: 'ISO 8601 duration every request gets (TRESOR_DSR_DEADLINE).' }),
  law: Type.String(),
  channels: Type.Array(Type.Enum(DSR_CHANNELS)),
  kinds: Type.Array(
    Type.Object({
      kind: KindSchema,
      article: Type.String(),
      name: texts('What the portal calls it.'),
      description: texts('What the portal says about it.'),
      detailsRequired: Type.Boolean(),
    }),
  ),
})

export const RequestParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

const reasonText = (description: string) => Type.String({ minLength: 1, maxLength: 2000, description })

/** One step of the workflow (Art. 12), discriminated by `step`. */
export const StepBody = Type.Union(
  [
    Type.Object(
      {
        step: Type.Literal('verify'),
        method: Type.Enum(VERIFICATION_METHODS, {
          description:
            'Art. 12(6): known_contact_details (answered from or called back on details on file), id_document (never record its number), in_person, signature, other; portal_sign_in only for portal requests (they are verified when filed).',
        }),
        note: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 500,
            description: 'How it was verified, without personal data.',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object({ step: Type.Literal('start') }, { additionalProperties: false }),
    Type.Object(
      {
        step: Type.Literal('answer'),
        lang: Type.Optional(
          Type.Enum(['de', 'en'], { description: 'The report’s language (access, copy); default de.' }),
        ),
        withheldNotes: Type.Optional(
          Type.Union([Type.Literal('all'), Type.Array(Type.String({ format: 'uuid' }), { maxItems: 1000 })], {
            description:
              'Art. 15(4): staff notes withheld from the report because showing them would affect the rights of others — all of them or these note ids; the report says how many and why.',
          }),
        ),
        note: Type.Optional(
          reasonText(
            'A remark stored with the answer, without personal data. For rectification, erasure, restriction, objection or human_review without its answer part below: required, the request is then closed with this note of what was done by hand.',
          ),
        ),
        rectification: Type.Optional(
          Type.Object(
            {
              identifiers: Type.Optional(
                Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
                  description:
                    'Identifiers to correct → new value (null removes it), as in PATCH /subjects/{id}.',
                }),
              ),
              attributes: Type.Optional(
                Type.Record(Type.String(), Type.Unknown(), {
                  description: 'Attributes to correct → new value (null removes it).',
                }),
              ),
              reason: reasonText(
                'Why (what was wrong), without the values themselves (no personal data: it is stored with the answer in plain text): kept in the audit trail and told to the person.',
              ),
            },
            {
              additionalProperties: false,
              description:
                'Art. 16 (kind rectification): the corrections, applied through the privacy gate under dsr_fulfilment (old and new values kept encrypted in the audit trail). Then Art. 19: every recipient the data was disclosed to that receives a changed field is told — by its webhook (event subject.changed, only the fields it receives) or, without one, by a letter task for the DPO (GET /requests/{id}/letter-tasks). The answer lists the recipients told.',
            },
          ),
        ),
        erasure: Type.Optional(
          Type.Object(
            {
              reason: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: 400,
                  description: 'For the audit trail and the erasure ledger.',
                }),
              ),
            },
            {
              additionalProperties: false,
              description:
                'Art. 17 (kind erasure): runs the deletion-concept erasure with the legal holds (as DELETE /subjects/{id}); the answer lists what was erased and what was kept, why and until when, in the person’s language, and the recipients told (Art. 19: webhook event subject.erased, or a letter task). It is mailed to the person (read before the erasure: the portal is closed to an erased person).',
            },
          ),
        ),
        restriction: Type.Optional(
          Type.Object(
            {
              ground: Type.Enum(RESTRICTION_GROUNDS, {
                description:
                  'Art. 18(1): accuracy-contested (a), unlawful-processing (b), legal-claims (c), objection-pending (d).',
              }),
            },
            {
              additionalProperties: false,
              description:
                'Art. 18 (kind restriction): restricts the processing (as PUT /subjects/{id}/restriction) and tells the recipients (Art. 19: webhook event subject.restricted, or a letter task). Lifting it later needs the Art. 18(3) notice first (POST /subjects/{id}/restriction/notice).',
            },
          ),
        ),
        objection: Type.Optional(
          Type.Object(
            {
              purposeKey: Type.String({
                minLength: 1,
                maxLength: 100,
                description: 'The purpose objected to.',
              }),
              decision: Type.Enum(['upheld', 'rejected'], {
                description:
                  'upheld: the objection is recorded (source: the request’s channel) and the purpose stops processing the person’s data; rejected: on compelling legitimate grounds (Art. 21(1) sentence 2) — never for a direct-marketing purpose (422, Art. 21(3)).',
              }),
              reasons: Type.Optional(
                reasonText(
                  'Required to reject (422 without): the compelling legitimate grounds, told to the person with the right to complain (Art. 77) and to a judicial remedy (Art. 79). No personal data.',
                ),
              ),
            },
            {
              additionalProperties: false,
              description:
                'Art. 21(1) (kind objection): the DPO’s decision on an objection on personal grounds.',
            },
          ),
        ),
        humanReview: Type.Optional(
          Type.Object(
            {
              outcome: Type.Enum(['confirmed', 'changed'], {
                description: 'confirmed: the decision stands; changed: replaced by `decision`.',
              }),
              decision: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: 500,
                  description: 'The new decision (required when changed).',
                }),
              ),
              reasons: reasonText('The reviewer’s reasons, told to the person.'),
            },
            {
              additionalProperties: false,
              description:
                'Art. 22(3) (kind human_review): the outcome of the human review of a decision that rested on a score; the answer names the scores concerned with their meaning (the explanation).',
            },
          ),
        ),
      },
      {
        additionalProperties: false,
        description:
          'Answers the request, per kind: access and copy get the report (lang, withheldNotes); rectification, erasure, restriction, objection and human_review take the part named like the kind (humanReview for human_review) and Tresor carries it out; a part of another kind is 400.',
      },
    ),
    Type.Object(
      {
        step: Type.Literal('refuse'),
        ground: Type.Enum(REFUSAL_GROUNDS, {
          description:
            'identity_not_verified (Art. 11(2), 12(6)), manifestly_unfounded or excessive (Art. 12(5): the controller bears the burden of showing it), rights_of_others (Art. 15(4)), other.',
        }),
        reason: reasonText(
          'The reasons, told to the person together with their right to complain (Art. 12(4)).',
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        step: Type.Literal('extend'),
        months: Type.Union([Type.Literal(1), Type.Literal(2)], {
          description: 'By one or two further months.',
        }),
        reason: reasonText('Why (complexity, number of requests), told to the person (Art. 12(3)).'),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        step: Type.Literal('assign'),
        assigneeId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
          description: 'A user id; null unassigns.',
        }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'One step of the workflow, named by `step`.' },
)
export type StepBody = Static<typeof StepBody>

export const ReportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Enum(['json', 'html', 'pdf', 'csv', 'zip'], {
        description:
          'Default: from Accept (application/pdf, text/html, text/csv, application/zip), else json. csv: the data alone, one line per value with its section and whether the person provided it. zip: the copy (Art. 15(3), 20) — data.json, data.xlsx (a sheet per table), csv/<table>.csv and README.txt in the report’s language; every table marks what the person provided (column provided_by_you).',
      }),
    ),
    lang: Type.Optional(Type.Enum(['de', 'en'], { description: 'The language of a preview; default de.' })),
    withheldNotes: Type.Optional(
      Type.Literal('all', { description: 'Preview with every staff note withheld (Art. 15(4)).' }),
    ),
  },
  { additionalProperties: false },
)
export type ReportQuery = Static<typeof ReportQuery>

export const LetterTaskJson = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    requestId: Type.String({ format: 'uuid' }),
    subjectId: Type.String({ format: 'uuid' }),
    recipientId: Type.String({ format: 'uuid' }),
    event: Type.String({
      description: 'subject.changed (rectification), subject.erased, subject.restricted.',
    }),
    fields: Type.Array(Type.String(), {
      description: 'The corrected fields the recipient receives (rectification); names, never values.',
    }),
    message: Type.String({ description: 'What to tell the recipient.' }),
    status: Type.Enum(['open', 'done']),
    createdAt: timestamp('When the task was created (with the answer).'),
    done: Type.Union([
      Type.Object({
        at: timestamp('When the recipient was told.'),
        by: Type.Object({ type: Type.String(), id: Type.String() }),
        note: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  },
  {
    description:
      'Art. 19: a recipient the data was disclosed to that no webhook tells of the change; the DPO tells it (a letter, a mail) and marks the task done.',
  },
)
export type LetterTaskJson = Static<typeof LetterTaskJson>

export const LetterTaskQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(['open', 'done'], { description: 'Default: open.' })),
  },
  { additionalProperties: false },
)

export const LetterTaskDoneBody = Type.Object(
  {
    note: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'How it was sent (no personal data).' }),
    ),
  },
  { additionalProperties: false },
)

export const LiftNoticeBody = Type.Object(
  {
    channel: Type.Enum(['email', 'letter'], {
      description:
        'email: Tresor mails the notice to the address on file (read through the gate under dsr_fulfilment); letter: staff sent it by post and record that here.',
    }),
    lang: Type.Optional(Type.Enum(['de', 'en'], { description: 'The notice’s language; default de.' })),
  },
  { additionalProperties: false },
)
