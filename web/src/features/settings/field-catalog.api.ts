import type { QueryClient } from '@tanstack/react-query'
import { FIELD_CATEGORIES, SPECIAL_CATEGORIES } from '../../../../src/privacy/fields/field-catalog'
import { FIELD_DATA_TYPES } from '../../../../src/privacy/fields/field-registry'
import { api } from '../../app/api'
import { type CatalogField, type FieldDataType, fieldKeys } from '../subjects/fields.api'

// The server's own closed sets (plain-data modules), so the form offers exactly what it accepts.
export { FIELD_CATEGORIES, FIELD_DATA_TYPES, SPECIAL_CATEGORIES }

type Texts = { de: string; en: string }

/** POST /api/v1/fields: a new attribute (identifiers are a fixed set). */
export interface NewField {
  key: string
  label: Texts
  category: string
  special?: string | null
  dataType: FieldDataType
  options?: string[]
  purposes?: string[]
  retentionPeriod?: string | null
  retentionRule?: Texts | null
}

/** PATCH /api/v1/fields/{key}: only what changes (the key and the type never do). */
export interface FieldPatch {
  label?: Texts
  category?: string
  special?: string | null
  options?: string[]
  purposes?: string[]
  retentionPeriod?: string | null
  retentionRule?: Texts | null
}

export function createField(field: NewField): Promise<CatalogField> {
  return api.post<CatalogField>('/api/v1/fields', field)
}

export function updateField(key: string, patch: FieldPatch): Promise<CatalogField> {
  return api.patch<CatalogField>(`/api/v1/fields/${encodeURIComponent(key)}`, patch)
}

/**
 * After a change of the catalog: the catalog itself, and every contact view and list, whose
 * attributes (labels, what a role may see or filter on) follow it.
 */
export async function invalidateAfterFieldChange(queryClient: QueryClient): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: fieldKeys.catalog() }),
    queryClient.invalidateQueries({ queryKey: ['subjects'] }),
  ])
}

/** The units a retention period is entered in: one number and one unit (P2Y, P6M, P4W, P30D). */
export const RETENTION_UNITS = ['Y', 'M', 'W', 'D'] as const
export type RetentionUnit = (typeof RETENTION_UNITS)[number]

const DURATION = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/

/** The parts of an ISO 8601 duration (`P1Y6M` -> [[1, 'Y'], [6, 'M']]); undefined for anything else. */
export function durationParts(duration: string): [number, RetentionUnit][] | undefined {
  const match = DURATION.exec(duration)
  if (!match) return undefined
  return RETENTION_UNITS.flatMap((unit, i): [number, RetentionUnit][] => {
    const value = match[i + 1]
    return value === undefined ? [] : [[Number(value), unit]]
  })
}

/** A retention period as the form edits it: one number and one unit; an empty amount is "no period". */
export interface RetentionDraft {
  amount: string
  unit: RetentionUnit
}

/**
 * The form's draft of a stored period. A period of several units (only the API can set one) is
 * kept as it is unless the admin enters a new one: the draft is then empty and `other` holds it.
 */
export function retentionDraftOf(period: string | null): RetentionDraft & { other?: string } {
  if (period === null) return { amount: '', unit: 'Y' }
  const parts = durationParts(period)
  const [only] = parts ?? []
  if (parts?.length === 1 && only) return { amount: String(only[0]), unit: only[1] }
  return { amount: '', unit: 'Y', other: period }
}

/** The ISO 8601 duration of a draft; null for an empty amount, undefined when it is not a whole number ≥ 1. */
export function retentionPeriodOf(draft: RetentionDraft): string | null | undefined {
  const amount = draft.amount.trim()
  if (amount === '') return null
  if (!/^\d{1,4}$/.test(amount) || Number(amount) < 1) return undefined
  return `P${Number(amount)}${draft.unit}`
}

/** The inputs of the field form; a server error is shown next to the one it names. */
export const FIELD_INPUTS = [
  'key',
  'labelDe',
  'labelEn',
  'category',
  'dataType',
  'special',
  'options',
  'purposes',
  'retentionPeriod',
  'retentionRuleDe',
  'retentionRuleEn',
] as const
export type FieldInput = (typeof FIELD_INPUTS)[number]

/**
 * The input a field error of the server names: `label.de` -> labelDe, `options.2` -> options,
 * `retentionRule` -> retentionRuleDe (the first of the pair); undefined for anything else.
 */
export function fieldInputOf(path: string): FieldInput | undefined {
  const [head, sub] = path.split('.')
  switch (head) {
    case 'label':
      return sub === 'en' ? 'labelEn' : 'labelDe'
    case 'retentionRule':
      return sub === 'en' ? 'retentionRuleEn' : 'retentionRuleDe'
    case 'key':
    case 'category':
    case 'dataType':
    case 'special':
    case 'options':
    case 'purposes':
    case 'retentionPeriod':
      return head
    default:
      return undefined
  }
}

/** A choice field: its values come from `options`. */
export const hasOptions = (dataType: FieldDataType): boolean =>
  dataType === 'enum' || dataType === 'multi_enum'
