import {
  FIELD_CATALOG,
  type FieldCategory,
  type IdentifierField,
  isIdentifierField,
  type PersonalField,
} from '../fields/field-catalog.ts'

export interface FieldDenial {
  field: PersonalField
  rule: 'role-lacks-field-category'
  category: FieldCategory
}

export interface FieldSplit {
  allowed: PersonalField[]
  denied: FieldDenial[]
  /** The allowed fields that are direct identifiers (to decrypt from the vault). */
  identifiers: IdentifierField[]
  /** Whether an allowed field is an Art. 9 special category (needs explicit consent). */
  specialCategory: boolean
}

/**
 * Step 1 of the gate, pure: which of the requested fields the role may use. Roles are granted
 * field categories (Art. 25(2): by default only the data each department needs).
 */
export function splitFieldsByRole(
  fields: readonly PersonalField[],
  categories: readonly FieldCategory[],
): FieldSplit {
  const granted = new Set(categories)
  const allowed: PersonalField[] = []
  const denied: FieldDenial[] = []
  for (const field of new Set(fields)) {
    const { category } = FIELD_CATALOG[field]
    if (granted.has(category)) allowed.push(field)
    else denied.push({ field, rule: 'role-lacks-field-category', category })
  }
  return {
    allowed,
    denied,
    identifiers: allowed.filter(isIdentifierField),
    specialCategory: allowed.some((f) => FIELD_CATALOG[f].specialCategory),
  }
}
