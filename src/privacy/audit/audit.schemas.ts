import { type Static, Type } from 'typebox'
import { Page } from '../../platform/pagination.ts'
import { AUDIT_ACTIONS, AUDIT_ACTOR_TYPES } from './audit-record.ts'

export const SubjectHistoryParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The subject id.' }) },
  { additionalProperties: false },
)

export const SubjectHistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page (1–500).' }),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
)
export type SubjectHistoryQuery = Static<typeof SubjectHistoryQuery>

const nullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description })

/** One audit record as the history shows it: who did what, when, why; never values. */
export const AuditHistoryEntry = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Position in the audit chain.' }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    type: Type.String({
      description: `Who acted: ${AUDIT_ACTOR_TYPES.join(', ')} (token: an API token; subject: the person, via the portal).`,
    }),
    id: Type.String({ description: 'User id, API token id, job name, subject id, or tresor.' }),
    role: nullableString('The role the actor acted in.'),
  }),
  action: Type.String({ description: `What was done: ${AUDIT_ACTIONS.join(', ')}.` }),
  purpose: nullableString('Purpose key, when personal data was used.'),
  legalBasis: nullableString('The Art. 6(1) basis the use relied on.'),
  fields: Type.Array(Type.String(), { description: 'Field names touched; never their values.' }),
  reason: nullableString('Why: the denial reason, the DSR number, a note.'),
  requestId: nullableString('The HTTP request id, to find the request in the logs.'),
})

export const SubjectHistoryPage = Page(AuditHistoryEntry)
export type SubjectHistoryPage = Static<typeof SubjectHistoryPage>
