import { ProblemError } from '../problem.ts'

/** What is safe to log of a database error: its SQLSTATE and the names of what it concerns. */
export interface DatabaseErrorInfo {
  code: string
  constraint?: string
  table?: string
  column?: string
}

const SQLSTATE = /^[0-9A-Z]{5}$/

/**
 * The SQLSTATE of a database error (PostgreSQL via pg, or PGlite), looking through `cause`s; none
 * for anything else. Node's own codes (`EPIPE`, `ERR_…`) never have the form of a SQLSTATE class
 * 22 or 23, the only ones looked at.
 */
export function databaseErrorOf(error: unknown): DatabaseErrorInfo | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { code, constraint, table, column } = current as Error & Record<string, unknown>
    if (typeof code === 'string' && SQLSTATE.test(code) && /^2[23]/.test(code))
      return {
        code,
        ...(typeof constraint === 'string' ? { constraint } : {}),
        ...(typeof table === 'string' ? { table } : {}),
        ...(typeof column === 'string' ? { column } : {}),
      }
    current = current.cause
  }
  return undefined
}

/**
 * The safety net for input the checks before the database let through: a database refusal of
 * class 22 (data exception: a value too long, out of range, malformed, a NUL) or 23 (integrity: a
 * duplicate, a missing or still-referenced row, a check) is the client's problem, a 4xx — never a
 * 500. The answer names no value: PostgreSQL's message and detail may quote the input.
 */
export function problemOfDatabaseError(error: unknown): ProblemError | undefined {
  const info = databaseErrorOf(error)
  if (!info) return undefined
  switch (info.code) {
    case '23505':
      return new ProblemError('conflict', 'this conflicts with something that exists already')
    case '23503':
      return new ProblemError(
        'conflict',
        'this refers to something that does not exist, or something still refers to what it changes',
      )
    case '23P01':
      return new ProblemError('conflict', 'this overlaps with something that exists already')
    case '23502':
    case '23514':
      return new ProblemError('validation', 'a value is missing or not allowed here')
    default:
      return info.code.startsWith('23')
        ? new ProblemError('conflict', 'this violates a rule of the stored data')
        : new ProblemError(
            'validation',
            'a value cannot be stored: it is too long, out of range, malformed, or contains a character that is not allowed',
          )
  }
}
