import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import type { FieldError } from '../platform/problem.ts'

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

/** Turns Ajv's errors into field errors a person can act on. */
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
    out.push({ in: where, field: field || '(root)', reason })
  }
  return out
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
}

const join = (base: string, name: string): string => (base ? `${base}.${name}` : name)
