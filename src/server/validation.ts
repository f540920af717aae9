import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import type { FieldError, FieldErrorCode } from '../platform/problem.ts'

/**
 * Two validators: request bodies are checked strictly (a string "5" is not the number 5, and
 * unknown properties are refused, never stripped: no mass assignment); query strings and path
 * parameters arrive as text, so there scalars are coerced.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  })
  ;(addFormats as unknown as (ajv: Ajv) => void)(ajv)
  // RFC 3339 allows the year 0000; PostgreSQL has no year 0 and refuses it. Refused here, naming
  // the field, instead of by the database.
  for (const name of ['date', 'date-time']) {
    const format = ajv.formats[name] as { validate: (value: string) => boolean; compare?: unknown }
    ajv.addFormat(name, {
      ...format,
      type: 'string',
      validate: (value: string) => !value.startsWith('0000') && format.validate(value),
    } as Parameters<Ajv['addFormat']>[1])
  }
  return ajv
}

const bodyAjv = makeAjv(false)
const textAjv = makeAjv(true)

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
}

const PARTS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
}

/** Turns Ajv's errors into field errors a person can act on, each with its code and values. */
export function fieldErrors(
  errors: readonly (FastifySchemaValidationError | ErrorObject)[],
  context: string | undefined,
): FieldError[] {
  const where = PARTS[context ?? 'body'] ?? 'body'
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const error of errors) {
    const params = (error.params ?? {}) as Record<string, unknown>
    const base = pointerToPath(error.instancePath ?? '')
    let field = base
    let reason = error.message ?? 'is invalid'
    if (error.keyword === 'required') {
      field = join(base, String(params.missingProperty))
      reason = 'is required'
    } else if (error.keyword === 'additionalProperties') {
      field = join(base, String(params.additionalProperty))
      reason = 'is not a known property'
    } else if (error.keyword === 'enum') {
      reason = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`
    }
    const key = `${field}\u0000${reason}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ in: where, field: field || '(root)', reason, ...codeOf(error.keyword, params) })
  }
  return out
}

/** Schema keywords whose refusal names a limit (`params.limit`), by their code. */
const LIMIT_CODES: Readonly<Record<string, FieldErrorCode>> = {
  maxLength: 'max-length',
  minLength: 'min-length',
  maximum: 'maximum',
  minimum: 'minimum',
  exclusiveMaximum: 'exclusive-maximum',
  exclusiveMinimum: 'exclusive-minimum',
  maxItems: 'max-items',
  minItems: 'min-items',
}

/**
 * The stable code of a schema keyword's refusal and the values its reason names; none for a keyword
 * not listed here (its English reason still says what is wrong).
 */
function codeOf(keyword: string, params: Record<string, unknown>): Pick<FieldError, 'code' | 'params'> {
  const limitCode = LIMIT_CODES[keyword]
  if (limitCode) return { code: limitCode, params: { limit: Number(params.limit) } }
  switch (keyword) {
    case 'required':
      return { code: 'required' }
    case 'additionalProperties':
      return { code: 'unknown-property' }
    case 'enum':
      return { code: 'one-of', params: { allowed: (params.allowedValues as unknown[]).join(', ') } }
    case 'const':
      return { code: 'equal-to', params: { allowed: String(params.allowedValue) } }
    case 'format':
      return { code: 'format', params: { format: String(params.format) } }
    case 'pattern':
      return { code: 'pattern', params: { pattern: String(params.pattern) } }
    case 'type':
      return {
        code: 'type',
        params: { type: Array.isArray(params.type) ? params.type.join(', ') : String(params.type) },
      }
    case 'anyOf':
    case 'oneOf':
      return { code: 'invalid' }
    default:
      return {}
  }
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
}

const join = (base: string, name: string): string => (base ? `${base}.${name}` : name)
