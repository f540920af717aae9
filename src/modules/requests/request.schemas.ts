import { type Static, Type } from 'typebox'
import { Page } from '../../platform/pagination.ts'
import { DSR_CHANNELS, DSR_KINDS, DSR_STATUSES } from '../../privacy/requests/dsr.ts'
import { DETAILS_MAX_LENGTH } from './request-kinds.ts'

const timestamp = (description: string) => Type.String({ format: 'date-time', description })
const texts = (description: string) => Type.Object({ de: Type.String(), en: Type.String() }, { description })

/** The channels staff record from: everything but the portal (the person files there themself). */
export const STAFF_CHANNELS = DSR_CHANNELS.filter((c) => c !== 'portal')

export const KindSchema = Type.Enum(DSR_KINDS, {
  description:
    'access (Art. 15(1)-(2)), copy (Art. 15(3) and Art. 20, answered by one machine-readable export), rectification (Art. 16), erasure (Art. 17), restriction (Art. 18), objection (Art. 21(1), on personal grounds; direct-marketing objections are recorded as objections, not requests).',
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
  status: Type.Enum(DSR_STATUSES, { description: 'received: recorded, not handled yet.' }),
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
