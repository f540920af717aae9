import { Type } from 'typebox'
import { FIELD_ERROR_CODES, PROBLEM_KINDS, type ProblemKind, problemType } from '../platform/problem.ts'

/** One offending input of a problem (`FieldError` in src/platform/problem.ts). */
const ProblemFieldError = Type.Object(
  {
    in: Type.String({
      description: 'Where the input was: `body`, `query`, `params` or `headers` (a CLI names its file).',
    }),
    field: Type.String({
      description:
        'The field, as a dotted path inside its part (`proof.reference`, `steps.0.minutes`); `(root)` for the whole part.',
    }),
    reason: Type.String({
      description:
        'Why, in English, for people and logs (`is required`, `must NOT have more than 200 characters`). Its wording may change; switch on `code`, not on this text.',
    }),
    code: Type.Optional(
      Type.String({
        description: `A stable, machine-readable name of the reason, for a client that shows it in its own language: ${FIELD_ERROR_CODES.map((c) => `\`${c}\``).join(', ')}. Set for the schema checks (\`invalid\`: none of the allowed shapes), for the merge fields of campaigns and journeys (\`merge-field-*\`, \`unknown-merge-field\`) and for some rules of the services. Absent when the reason has no code: then show \`reason\`.`,
      }),
    ),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
        description:
          'The values the reason names, by name, for filling in a translated text: `limit` (lengths, bounds, item counts), `allowed` (the allowed values, comma-separated, for `one-of` and `equal-to`), `format` (`email`, `date-time`, `uuid` …), `pattern`, `type` (the expected JSON type), `names` and `known` (merge fields), `name`, `purpose`, `category` and `field` (a merge field outside the purpose or the role), `example` (a well-formed merge field).',
      }),
    ),
  },
  { description: 'One offending input.' },
)

/**
 * The body of every error response, `application/problem+json` (RFC 9457): the OpenAPI document's
 * `components.schemas.Problem`, which each operation's 4XX and 5XX responses refer to.
 */
export const ProblemJson = Type.Object(
  {
    type: Type.String({
      description: `The kind of problem, a URI that never changes: ${Object.keys(PROBLEM_KINDS)
        .map((k) => `\`${problemType(k as ProblemKind)}\``)
        .join(', ')}.`,
    }),
    title: Type.String({ description: 'The kind in English; the same for every problem of a kind.' }),
    status: Type.Integer({ description: 'The HTTP status code.' }),
    detail: Type.Optional(Type.String({ description: 'What went wrong this time, in English.' })),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(ProblemFieldError, {
        description:
          'Each offending input, for a validation (400) or unprocessable (422) problem and some others.',
      }),
    ),
    mergedInto: Type.Optional(
      Type.String({ description: 'A merged contact (410 gone): the id of the contact it was merged into.' }),
    ),
  },
  { description: 'RFC 9457 problem details, with field errors.' },
)

/** The problem responses every documented operation of the API may give. */
export const PROBLEM_RESPONSES = {
  '4XX': {
    description: 'A problem with the request (RFC 9457 problem details; `type` names its kind).',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  },
  '5XX': {
    description: 'A problem of the server or its database (RFC 9457 problem details).',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  },
} as const
