import { type Static, Type } from 'typebox'
import { TRACK_BATCH_MAX, TRACKED_TYPES } from './tracking-config.ts'

const TC_STRING_MAX = 10_000
const tcString = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: TC_STRING_MAX, description }))

/**
 * One visitor's events from a website. The frame is checked as a whole (a bad subject id or TC
 * string is a 400); each event is checked on its own, so one bad event is dropped with its reason
 * and the others are still taken.
 */
export const TrackRequest = Type.Object(
  {
    subjectId: Type.String({
      format: 'uuid',
      description:
        'The visitor, a known subject (the site knows its signed-in customer’s subject id). Anonymous visitors are not tracked.',
    }),
    events: Type.Array(Type.Unknown(), {
      maxItems: TRACK_BATCH_MAX,
      description:
        `Web events: \`{ type, occurredAt?, properties?, externalId? }\`; \`type\` is one of ${TRACKED_TYPES.join(', ')}; ` +
        '`occurredAt` defaults to the time of receipt; `properties` is a flat JSON object (e.g. `path`) without identifiers. ' +
        'May be empty when the request only carries a consent signal (a withdrawal).',
    }),
    consent: Type.Optional(
      Type.Object(
        {
          granted: Type.Boolean({
            description:
              'The site’s consent banner: `true` the visitor agreed to web tracking, `false` refused or withdrew it.',
          }),
          textVersion: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description:
                'The version of the banner text the visitor agreed to (required with `granted: true`).',
            }),
          ),
          formKey: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'Which banner (default `tracking-banner`).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tcString: tcString('An IAB TCF v2 consent string from the site’s CMP (`__tcfapi`).'),
    gdpr_consent: tcString('The same, under the name of the IAB `gdpr_consent` convention.'),
    source: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
        description:
          'The sending site, e.g. `www.example.com` (default `website`); the counts are kept per source.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type TrackRequest = Static<typeof TrackRequest>

export const TrackOutcome = Type.Object({
  index: Type.Integer({ description: 'Position of the event in the request (0-based).' }),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('dropped')]),
  id: Type.Optional(Type.String({ format: 'uuid' })),
  rule: Type.Optional(
    Type.String({
      description:
        'Why it was dropped: `gpc` (the browser sent `Sec-GPC: 1`), `tcf-refused` (the TC string lacks a mapped purpose), ' +
        '`consent-refused` (the banner said no), `invalid` (bad shape, naming the field), or the legal-basis rule of the ' +
        'record gate (`no-consent`, `consent-withdrawn`, `consent-expired`, `objected`, `restricted`, `erased`, `unknown-subject`).',
    }),
  ),
  field: Type.Optional(Type.String({ description: 'The offending field, for `invalid`.' })),
  reason: Type.Optional(Type.String()),
})

export const TrackResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  dropped: Type.Integer(),
  results: Type.Array(TrackOutcome),
  consent: Type.Object({
    signal: Type.Union(
      [Type.Literal('gpc'), Type.Literal('refused'), Type.Literal('granted'), Type.Literal('none')],
      {
        description:
          'The consent signal the request carried: `gpc` (opt-out, wins over everything else), `refused` (TC string or banner), `granted`, or `none` (the recorded consent decides).',
      },
    ),
    recorded: Type.Union([Type.Literal('granted'), Type.Literal('withdrawn'), Type.Null()], {
      description:
        'What was recorded as the subject’s web-tracking consent because of the signal (Art. 7(1) proof: the banner text version or the TC string’s CMP and hash), or null.',
    }),
  }),
})
export type TrackResult = Static<typeof TrackResult>

export const TrackStatsQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date', description: 'First day (UTC), default 30 days ago.' }),
    ),
    to: Type.Optional(Type.String({ format: 'date', description: 'Last day (UTC), default today.' })),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only this sending site.' }),
    ),
  },
  { additionalProperties: false },
)
export type TrackStatsQuery = Static<typeof TrackStatsQuery>

export const TrackStats = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  dropped: Type.Integer(),
  droppedBy: Type.Record(Type.String(), Type.Integer(), {
    description: 'Dropped events per reason (`gpc`, `tcf-refused`, `no-consent`, …).',
  }),
  days: Type.Array(
    Type.Object({
      day: Type.String({ format: 'date' }),
      source: Type.String(),
      outcome: Type.String({
        description: '`accepted`, `duplicate`, or the reason the events were dropped.',
      }),
      count: Type.Integer(),
    }),
  ),
})
export type TrackStats = Static<typeof TrackStats>
