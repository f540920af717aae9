import { type Static, Type } from 'typebox'

/** Events per request: large enough to amortise a round trip, small enough to answer in one go. */
export const EVENT_BATCH_MAX = 1_000

/**
 * The batch is checked as a whole only for its frame; each event is checked on its own, so one bad
 * event is rejected with its reason and the others are still stored.
 */
export const EventBatch = Type.Object(
  {
    events: Type.Array(Type.Unknown(), {
      minItems: 1,
      maxItems: EVENT_BATCH_MAX,
      description:
        'Touchpoints: `{ subjectId, type, occurredAt, channel?, purpose?, properties?, externalId? }`. ' +
        '`type` is one of GET /api/v1/touchpoint-types; `purpose` overrides the type’s purpose; ' +
        '`externalId` makes a retry idempotent; `properties` is a flat JSON object (≤ 50 keys, ≤ 8 KiB) ' +
        'and must not carry identifiers (e-mail, phone, name, address, bank data).',
    }),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Sending system, e.g. `website`, `shop`.' }),
    ),
  },
  { additionalProperties: false },
)
export type EventBatch = Static<typeof EventBatch>

export const EventOutcome = Type.Object({
  index: Type.Integer({ description: 'Position of the event in the batch (0-based).' }),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  id: Type.Optional(Type.String({ format: 'uuid' })),
  rule: Type.Optional(
    Type.String({
      description:
        'Why it was rejected: `invalid` (bad shape), `unknown-subject`, `unknown-purpose`, or the legal-basis rule (`no-consent`, `objected`, `restricted`, `erased`, …).',
    }),
  ),
  field: Type.Optional(Type.String({ description: 'The offending field, for `invalid`.' })),
  reason: Type.Optional(Type.String()),
})

export const EventBatchResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(EventOutcome),
})
export type EventBatchResult = Static<typeof EventBatchResult>

export const TouchpointTypeInfo = Type.Object({
  key: Type.String(),
  purpose: Type.String(),
  purposeChannel: Type.Optional(Type.String()),
  channels: Type.Array(Type.String()),
  description: Type.String(),
})
