/** One field-level complaint inside a problem document (RFC 9457 extension used by the server). */
export interface ProblemFieldError {
  /** Where the offending input was: `body`, `query`, `params` or `headers` (when the server said). */
  in?: string
  /** The field, as a dotted path inside its part (`identifiers.email`). */
  field: string
  /** Why, in English; show it through `reasonText` (app/problem-text.ts), which says it in the UI's language. */
  reason: string
  /** A stable name of the reason, when the server gives one (`required`, `max-length` …). */
  code?: string
  /** The values the reason names (`{ limit: 200 }`). */
  params?: Record<string, string | number>
}

/** A failed API call, built from the server's `application/problem+json` answer (or from the bare status). */
export class ProblemError extends Error {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string | undefined
  readonly errors: ProblemFieldError[]
  /** Seconds from a `Retry-After` header (sent with 429), when the server gave one. */
  readonly retryAfterSeconds: number | undefined
  /** A merged contact (410): the contact it lives on in. */
  readonly mergedInto: string | undefined

  constructor(init: {
    type?: string
    title: string
    status: number
    detail?: string
    errors?: ProblemFieldError[]
    retryAfterSeconds?: number
    mergedInto?: string | undefined
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title)
    this.name = 'ProblemError'
    this.type = init.type ?? 'about:blank'
    this.title = init.title
    this.status = init.status
    this.detail = init.detail
    this.errors = init.errors ?? []
    this.retryAfterSeconds = init.retryAfterSeconds
    this.mergedInto = init.mergedInto
  }
}

export function isProblem(error: unknown, status?: number): error is ProblemError {
  return error instanceof ProblemError && (status === undefined || error.status === status)
}

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler = () => {}

/** The app shell registers what a 401 means (drop the session, go to /login); the client stays router-free. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler
}

export type QueryParams = Record<string, string | number | undefined | null>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  /** A file sent as the raw request body with its own content type (instead of a JSON `body`). */
  file?: { data: Blob; contentType: string }
  query?: QueryParams
  signal?: AbortSignal
  /**
   * Whether a 401 triggers the global redirect to /login. Off for the login call itself (a 401 there
   * means wrong credentials) and for the session probe (the router decides where to go).
   */
  redirectOnUnauthorized?: boolean
}

export function buildUrl(path: string, query?: QueryParams): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const search = params.toString()
  return search ? `${path}?${search}` : path
}

/** Calls the Tresor API on the same origin with the session cookie; resolves to the parsed JSON body. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  let body: string | Blob | undefined
  if (options.file) {
    headers['Content-Type'] = options.file.contentType
    body = options.file.data
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  const response = await fetch(buildUrl(path, options.query), {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers,
    body,
    signal: options.signal,
  })
  if (!response.ok) {
    const problem = await toProblem(response)
    if (problem.status === 401 && (options.redirectOnUnauthorized ?? true)) onUnauthorized()
    throw problem
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const api = {
  get: <T>(path: string, query?: QueryParams, signal?: AbortSignal) => apiRequest<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'POST', body }),
  patch: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'PATCH', body }),
}

async function toProblem(response: Response): Promise<ProblemError> {
  const retryAfter = Number(response.headers.get('Retry-After'))
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined
  const fallback = { title: response.statusText || `HTTP ${response.status}`, status: response.status }
  const contentType = response.headers.get('Content-Type') ?? ''
  if (!contentType.includes('json')) return new ProblemError({ ...fallback, retryAfterSeconds })
  let parsed: unknown
  try {
    parsed = await response.json()
  } catch {
    return new ProblemError({ ...fallback, retryAfterSeconds })
  }
  if (!isRecord(parsed)) return new ProblemError({ ...fallback, retryAfterSeconds })
  return new ProblemError({
    type: stringOr(parsed.type, undefined),
    title: stringOr(parsed.title, fallback.title),
    // The HTTP status is authoritative; a body that disagrees is a server bug, not a reason to mislead the UI.
    status: response.status,
    detail: stringOr(parsed.detail, undefined),
    errors: Array.isArray(parsed.errors) ? parsed.errors.filter(isFieldError) : [],
    retryAfterSeconds,
    mergedInto: stringOr(parsed.mergedInto, undefined),
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback
}

function isFieldError(value: unknown): value is ProblemFieldError {
  return isRecord(value) && typeof value.field === 'string' && typeof value.reason === 'string'
}
