import { queryOptions } from '@tanstack/react-query'
import type { FieldDataType } from '../../../../src/privacy/fields/field-registry'
import { api } from '../../app/api'
import type { AttributeFilters, AttributeFilterValue } from './subjects.api'

export type { FieldDataType }

/** A field of the catalog as `GET /api/v1/fields` returns it (what the UI uses of it). */
/** The values of the seeded gender attribute, with labels under `contact.genders.*`. */
export const GENDERS = ['female', 'male', 'diverse'] as const

export interface CatalogField {
  key: string
  label: { de: string; en: string }
  category: string
  /** Stored only encrypted in the vault: never a filter of a list. */
  identifier: boolean
  /** Art. 9(1) special category, or null. */
  special: string | null
  dataType: FieldDataType
  /** Allowed values of an enum / multi_enum field. */
  options: string[]
  /** The purposes the field serves (keys of the purpose registry). */
  purposes: string[]
  /** How long a value is kept (ISO 8601 duration, e.g. P2Y); null: as long as the contact. */
  retentionPeriod: string | null
  /** The retention rule in words (naming the law), or null. */
  retentionRule: { de: string; en: string } | null
  /** Seeded by Tresor: key and type are fixed (admins add their own attributes). */
  builtin: boolean
  /** Counts the changes of the field (1 when created). */
  version: number
}

export const fieldKeys = {
  catalog: () => ['fields'] as const,
}

/** The field catalog; configuration, so it is kept for a while. */
export function fieldCatalogQueryOptions() {
  return queryOptions({
    queryKey: fieldKeys.catalog(),
    queryFn: ({ signal }) => api.get<CatalogField[]>('/api/v1/fields', {}, signal),
    staleTime: 5 * 60_000,
  })
}

/**
 * The attributes a list can be filtered on by this role: pseudonymous attributes (no identifiers) of
 * a category the role holds. Special categories (Art. 9) are left out: the everyday purpose may not
 * use them, so the server would refuse the filter.
 */
export function filterableAttributes(
  fields: readonly CatalogField[],
  categories: ReadonlySet<string>,
): CatalogField[] {
  return fields.filter((f) => !f.identifier && f.special === null && categories.has(f.category))
}

/**
 * The attributes the role may change in a contact's correction form, read for `purpose`: pseudonymous
 * attributes of a category the role holds; a special category (Art. 9) only when the field serves
 * that purpose (the server writes it for no other).
 */
export function editableAttributes(
  fields: readonly CatalogField[],
  categories: ReadonlySet<string>,
  purpose: string,
): CatalogField[] {
  return fields.filter(
    (f) =>
      !f.identifier && categories.has(f.category) && (f.special === null || f.purposes.includes(purpose)),
  )
}

const ATTRIBUTE_KEY = /^[a-z][a-zA-Z0-9]{0,39}$/

function isFilterValue(value: unknown): value is AttributeFilterValue {
  if (typeof value === 'string') return value.length > 0 && value.length <= 1_000
  if (typeof value === 'number') return Number.isFinite(value)
  if (typeof value === 'boolean') return true
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 50 &&
    value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 60)
  )
}

/**
 * Attribute filters from the URL: a JSON object (or its text) of attribute -> value. Malformed
 * entries are dropped rather than rejected, so a stale link still opens the page; undefined when
 * nothing is left.
 */
export function parseAttributeFilters(value: unknown): AttributeFilters | undefined {
  let parsed = value
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed)
    } catch {
      return undefined
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const filters: AttributeFilters = {}
  for (const [key, entry] of Object.entries(parsed)) {
    if (ATTRIBUTE_KEY.test(key) && isFilterValue(entry)) filters[key] = entry
  }
  return Object.keys(filters).length > 0 ? filters : undefined
}
