import type { FastifyInstance } from 'fastify'
import { type FieldError, ProblemError } from '../platform/problem.ts'

const NUL = '\u0000'
/** Enough to say what is wrong; a body full of NULs needn't be listed in full. */
const MAX_ERRORS = 10
const REASON = 'must not contain the NUL character (U+0000)'

/**
 * Refuses input containing U+0000 with a 400 naming where it was, before any route sees it:
 * PostgreSQL stores no NUL in text (nor in jsonb), so such a value could only ever end in a
 * database error. Checked centrally so that no route, public page or future one can forget it:
 * the decoded path parameters, the query and the headers when the request arrives (before
 * authentication: the answer says nothing about a route), the parsed body (JSON or form, property
 * names too) before validation. The value is never echoed.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const errors = [
      ...nulFields('params', request.params),
      ...nulFields('query', request.query),
      ...nulFields('headers', request.headers),
    ]
    if (errors.length) throw refusal(errors)
  })
  app.addHook('preValidation', async (request) => {
    const errors = nulFields('body', request.body)
    if (errors.length) throw refusal(errors)
  })
}

function refusal(errors: FieldError[]): ProblemError {
  return new ProblemError(
    'validation',
    `the request contains the NUL character (U+0000), which is not accepted`,
    {
      errors: errors.slice(0, MAX_ERRORS),
    },
  )
}

/**
 * Data to look into: what the JSON, form and query parsers and the router make (plain objects,
 * some without or with a bare prototype), not binary data or streams (a multipart file).
 */
const isData = (value: object): boolean =>
  !ArrayBuffer.isView(value) &&
  !(value instanceof ArrayBuffer) &&
  typeof (value as { pipe?: unknown }).pipe !== 'function'

/** Where in `value` (strings, arrays, plain objects, keys included) a NUL occurs, as field paths. */
export function nulFields(where: string, value: unknown): FieldError[] {
  const errors: FieldError[] = []
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: [string, unknown][] = [['', value]]
  const seen = new Set<object>()
  while (stack.length && errors.length < MAX_ERRORS) {
    const [path, item] = stack.pop() as [string, unknown]
    if (typeof item === 'string') {
      if (item.includes(NUL)) errors.push({ in: where, field: path || '(root)', reason: REASON })
      continue
    }
    if (item === null || typeof item !== 'object' || seen.has(item)) continue
    seen.add(item)
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([join(path, String(i)), item[i]])
    } else if (isData(item)) {
      for (const [key, child] of Object.entries(item).reverse()) {
        if (key.includes(NUL)) {
          // The name itself is input: the parent is named, not the name.
          errors.push({ in: where, field: path || '(root)', reason: `has a property name that ${REASON}` })
          continue
        }
        stack.push([join(path, key), child])
      }
    }
  }
  return errors
}

const join = (base: string, name: string): string => (base ? `${base}.${name}` : name)
