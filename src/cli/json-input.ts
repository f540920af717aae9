import { readFileSync } from 'node:fs'
import type { TSchema } from 'typebox'
import { ProblemError } from '../platform/problem.ts'

/** A JSON file given to a `… set --file F` command; a validation problem naming the file if it is none. */
export function readJsonFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ProblemError('validation', `${file}: can't be read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ProblemError('validation', `${file}: is not valid JSON`)
  }
}

/**
 * Checks a file's content against the API's own schema for the same change, so the CLI refuses
 * what the API refuses, each problem named by its field and the file. The validator is loaded
 * here, not at start: `tresor --help` needs none.
 */
export async function checkAgainstSchema(schema: TSchema, value: unknown, file: string): Promise<void> {
  const { fieldErrors, validatorCompiler } = await import('../server/validation.ts')
  const validate = validatorCompiler({ schema, httpPart: 'body' })
  if (validate(value)) return
  const errors = fieldErrors(validate.errors ?? [], 'body').map((e) => ({ ...e, in: file }))
  throw new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors })
}
