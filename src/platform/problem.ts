/**
 * RFC 9457 problem details. Every error response of the API is one of these kinds; the `type`
 * URI of a kind never changes, so clients can switch on it.
 */
export const PROBLEM_KINDS = {
  validation: { status: 400, title: 'The request is not valid' },
  'malformed-body': { status: 400, title: 'The request body could not be read' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'You do not have the permission for this' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  gone: { status: 410, title: 'Gone' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body has an unsupported media type' },
  unprocessable: { status: 422, title: 'The request can not be carried out as asked' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemKind = keyof typeof PROBLEM_KINDS

export const problemType = (kind: ProblemKind): string => `urn:tresor:problem:${kind}`

/**
 * One offending input: where it was (`body`, `query`, `params`, `headers`) and which field, why in
 * English (`reason`), and, for the common reasons, a stable machine-readable `code` with the values
 * the reason names (`params`, e.g. `{ limit: 200 }`), so that a client can say it in its own language.
 */
export interface FieldError {
  in: string
  field: string
  reason: string
  code?: FieldErrorCode
  params?: FieldErrorParams
}

/**
 * Every code a field error may carry (the OpenAPI document lists them from here; the UI translates
 * them, web/src/app/problem-text.ts): the schema checks, then the merge fields of campaigns and
 * journeys, then the vault's identifier checks.
 */
export const FIELD_ERROR_CODES = [
  'required',
  'unknown-property',
  'one-of',
  'equal-to',
  'type',
  'format',
  'pattern',
  'max-length',
  'min-length',
  'maximum',
  'minimum',
  'exclusive-maximum',
  'exclusive-minimum',
  'max-items',
  'min-items',
  'invalid',
  'merge-field-syntax',
  'unknown-merge-field',
  'merge-field-purpose',
  'merge-field-role',
  'not-an-email-address',
  'not-a-phone-number',
] as const
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number]

/** The values a reason names, by name: flat, strings and numbers only. */
export type FieldErrorParams = Record<string, string | number>

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  errors?: FieldError[]
  /** A merged contact: the one it was merged into (RFC 9457 extension member). */
  mergedInto?: string
}

/** Thrown by services and routes; the error handler turns it into a problem+json response. */
export class ProblemError extends Error {
  readonly kind: ProblemKind
  readonly detail: string | undefined
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>
  readonly mergedInto: string | undefined
  constructor(
    kind: ProblemKind,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; mergedInto?: string } = {},
  ) {
    super(detail ?? PROBLEM_KINDS[kind].title)
    this.name = 'ProblemError'
    this.kind = kind
    this.detail = detail
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.mergedInto = options.mergedInto
  }
  get status(): number {
    return PROBLEM_KINDS[this.kind].status
  }
}

export function toProblem(kind: ProblemKind, detail?: string, errors?: FieldError[]): Problem {
  const { status, title } = PROBLEM_KINDS[kind]
  return {
    type: problemType(kind),
    title,
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...(errors?.length ? { errors } : {}),
  }
}

export const invalidField = (
  where: string,
  field: string,
  reason: string,
  code?: FieldErrorCode,
  params?: FieldErrorParams,
): ProblemError =>
  new ProblemError('validation', `${field}: ${reason}`, {
    errors: [{ in: where, field, reason, ...(code ? { code } : {}), ...(params ? { params } : {}) }],
  })
