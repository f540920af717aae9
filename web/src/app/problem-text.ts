import type { TFunction } from 'i18next'
// The server's list of field error codes (documented in the OpenAPI document's
// `components.schemas.Problem`); the UI says each in its own words (`problems.reasons.<code>`).
import { FIELD_ERROR_CODES } from '../../../src/platform/problem.ts'

/** Formats (`params.format` of `format`) with a sentence of their own. */
const FORMATS = ['email', 'date', 'date-time', 'time', 'uri', 'uuid'] as const
/** JSON types (`params.type` of `type`) with a sentence of their own. */
const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const

/** What the UI needs of a problem's field error: the English reason, and a code with its values when given. */
export interface ReasonOf {
  reason: string
  code?: string | undefined
  params?: Record<string, string | number> | undefined
}

const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (list as readonly string[]).includes(value)

/** Only the flat string and number values of `params` (a server's answer is not trusted blindly). */
function valuesOf(params: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  if (typeof params !== 'object' || params === null) return out
  for (const [name, value] of Object.entries(params))
    if (typeof value === 'string' || typeof value === 'number') out[name] = value
  return out
}

/**
 * The reason of a field error in the UI's language: the translation of its `code`, filled in with
 * its `params` (`limit` is also the plural `count`), or the server's English `reason` when there is
 * no code, or none the UI knows, no text for it, or not the values its text needs.
 */
export function reasonText(t: TFunction, error: ReasonOf): string {
  const { code, reason } = error
  if (!isOneOf(FIELD_ERROR_CODES, code)) return reason
  const values = valuesOf(error.params)
  const options = {
    ...values,
    ...(typeof values.limit === 'number' ? { count: values.limit } : {}),
    defaultValue: reason,
  }
  const text =
    code === 'format' && isOneOf(FORMATS, values.format)
      ? t(`problems.formats.${values.format}`, options)
      : code === 'type' && isOneOf(TYPES, values.type)
        ? t(`problems.types.${values.type}`, options)
        : t(`problems.reasons.${code}`, options)
  return lacksValue(text, values) ? reason : text
}

/** Whether the text still has a placeholder (`{{limit}}`) the params gave no value for. */
function lacksValue(text: string, values: Record<string, string | number>): boolean {
  let rest = text
  for (const value of Object.values(values)) rest = rest.split(String(value)).join('')
  return /\{\{[^{}]*\}\}/.test(rest)
}

/**
 * A field error as one line, `field: reason`, the field by its label in the form when it has one
 * (`label` gets the field's dotted path and may return undefined for the path itself).
 */
export function problemLine(
  t: TFunction,
  error: ReasonOf & { field: string },
  label?: (field: string) => string | undefined,
): string {
  return `${label?.(error.field) ?? error.field}: ${reasonText(t, error)}`
}

/**
 * A refusal in one line: its field errors in the UI's language (`field: reason; …`) when it names
 * any, else the server's detail or title.
 */
export function problemSummary(
  t: TFunction,
  problem: { errors: readonly (ReasonOf & { field: string })[]; detail?: string | undefined; title: string },
): string {
  return problem.errors.length > 0
    ? problem.errors.map((e) => problemLine(t, e)).join('; ')
    : (problem.detail ?? problem.title)
}

/**
 * The first line of a refusal: "some values were not accepted" when it names field errors (they
 * follow, in the UI's language), else the server's detail or title.
 */
export function problemHeadline(
  t: TFunction,
  problem: { errors: readonly unknown[]; detail?: string | undefined; title: string },
): string {
  return problem.errors.length > 0 ? t('problems.notAccepted') : (problem.detail ?? problem.title)
}
