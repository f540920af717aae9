import { Type } from 'typebox'
import { type SegmentGroup, SegmentRules } from '../../privacy/segments/segment-rules.ts'

export { SegmentRules }

/**
 * The rule tree in answers: as saved, which the request schema checked (the response serialiser
 * can't compile that schema's `if`/`then` choice of a condition by its type).
 */
const SavedRules = Type.Unsafe<SegmentGroup>({
  type: 'object',
  additionalProperties: true,
  description: 'The rule tree as saved: a group, as `rules` of POST /segments describes it.',
})

const DateTime = Type.String({ format: 'date-time' })
const PurposeKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,63}$',
  description:
    'The purpose the segment is evaluated under: your role must act under it (its scope), and the fields the conditions read must be of categories your role holds and the purpose uses.',
})

export const SegmentParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The segment.' }) },
  { additionalProperties: false },
)

export const SegmentInput = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'Unique, case-insensitively.',
    }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    purpose: PurposeKey,
    rules: SegmentRules,
  },
  { additionalProperties: false },
)

export const SegmentUpdate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    purpose: PurposeKey,
    rules: SegmentRules,
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'The version the edit started from: when the segment has moved on since, 409 instead of overwriting.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const Segment = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  purpose: Type.String(),
  rules: SavedRules,
  version: Type.Integer({ description: 'Bumped by every save; every version is kept.' }),
  createdAt: DateTime,
  updatedAt: DateTime,
})

export const SegmentList = Type.Object({ items: Type.Array(Segment) })

export const SegmentVersions = Type.Object({
  items: Type.Array(
    Type.Object({
      version: Type.Integer(),
      name: Type.String(),
      description: Type.String(),
      purpose: Type.String(),
      rules: SavedRules,
      savedAt: DateTime,
      savedBy: Type.Object({ type: Type.String(), id: Type.String() }),
    }),
  ),
})

const Channel = Type.String({ description: 'A channel of the purpose (email, sms, phone, post, web, none).' })

const AudiencePurpose = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,63}$',
  description:
    "The purpose the audience is for (default: the segment's own). When another, the audience is the members both purposes may use: selecting people by their data is a use of it under the segment's purpose.",
})

export const PreviewInput = Type.Object(
  {
    purpose: PurposeKey,
    audiencePurpose: Type.Optional(AudiencePurpose),
    rules: SegmentRules,
    channels: Type.Optional(
      Type.Array(Channel, {
        maxItems: 6,
        description: 'Count the audience on these channels; default: every channel of the purpose.',
      }),
    ),
    reasons: Type.Optional(
      Type.Boolean({
        description:
          'Also count the excluded members by the rule that excludes them (decides every member: slower).',
      }),
    ),
  },
  { additionalProperties: false },
)

export const CountQuery = Type.Object(
  {
    purpose: Type.Optional(AudiencePurpose),
    channel: Type.Optional(Channel),
    reasons: Type.Optional(Type.Boolean({ description: 'Also count the excluded members by rule.' })),
  },
  { additionalProperties: false },
)

export const SegmentCounts = Type.Object({
  purpose: Type.String({ description: 'The purpose the segment was evaluated under.' }),
  audiencePurpose: Type.String({ description: 'The purpose the audience was counted for.' }),
  total: Type.Integer({
    description: 'Members of the segment (erased subjects aside), whatever the permissions.',
  }),
  audience: Type.Array(
    Type.Object({
      channel: Type.String(),
      permitted: Type.Integer({
        description: 'Members the purpose may use on the channel (segment ∩ permission).',
      }),
      excluded: Type.Integer({ description: 'Members it may not.' }),
      excludedBy: Type.Optional(
        Type.Record(Type.String(), Type.Integer(), {
          description:
            'With `reasons`: the excluded members by the first denial rule of the gate (no-consent, objected, restricted, …).',
        }),
      ),
    }),
  ),
  countedAt: DateTime,
})

export const SavedSegmentCounts = Type.Object({
  ...SegmentCounts.properties,
  segment: Type.Object(
    { id: Type.String(), version: Type.Integer() },
    { description: 'The segment and the version that was counted.' },
  ),
})

export const MembersQuery = Type.Object(
  {
    purpose: Type.Optional(AudiencePurpose),
    channel: Type.Optional(Channel),
    after: Type.Optional(
      Type.String({ format: 'uuid', description: 'The `nextCursor` of the page before.' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
)

export const MembersPage = Type.Object({
  purpose: Type.String({ description: 'The purpose the audience is listed for.' }),
  channel: Type.String(),
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      kinds: Type.Array(Type.String()),
      attributes: Type.Record(Type.String(), Type.Unknown(), {
        description: 'The pseudonymous attributes your role may see for the purpose.',
      }),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `after` for the next page; null on the last page.',
  }),
})
