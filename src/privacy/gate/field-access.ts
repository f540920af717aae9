import type { FieldCategory, IdentifierField, PersonalField } from '../fields/field-catalog.ts'
import { FieldRegistry } from '../fields/field-registry.ts'

/** The built-in catalog, for callers (and tests) that have no loaded one. */
const BUILTIN = new FieldRegistry()

export interface FieldDenial {
  field: PersonalField
  rule:
    | 'role-lacks-field-category'
    | 'purpose-lacks-field-category'
    | 'unknown-field'
    | 'special-category-without-art9-basis'
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
  catalog: FieldRegistry = BUILTIN,
): FieldSplit {
  const granted = new Set(categories)
  const allowed: PersonalField[] = []
  const denied: FieldDenial[] = []
  for (const field of new Set(fields)) {
    const definition = catalog.get(field)
    if (!definition) denied.push({ field, rule: 'unknown-field', category: 'derived' })
    else if (granted.has(definition.category)) allowed.push(field)
    else denied.push({ field, rule: 'role-lacks-field-category', category: definition.category })
  }
  return {
    allowed,
    denied,
    identifiers: allowed.filter((f): f is IdentifierField => catalog.isIdentifier(f)),
    specialCategory: allowed.some((f) => catalog.get(f)?.specialCategory === true),
  }
}

/**
 * Art. 9: special-category fields are usable only for a purpose with an Art. 9 basis that the field
 * serves; for any other purpose they are withheld (the subject is still usable without them).
 */
export function withholdSpecialCategories(
  split: FieldSplit,
  purpose: { key: string; art9Basis?: string | null | undefined },
  catalog: FieldRegistry = BUILTIN,
): FieldSplit {
  const blocked = split.allowed.filter((f) => {
    const d = catalog.get(f)
    return d?.specialCategory === true && (!purpose.art9Basis || !(d.purposes ?? []).includes(purpose.key))
  })
  if (blocked.length === 0) return split
  const allowed = split.allowed.filter((f) => !blocked.includes(f))
  return {
    allowed,
    denied: [
      ...split.denied,
      ...blocked.map((field) => ({
        field,
        rule: 'special-category-without-art9-basis' as const,
        category: catalog.get(field)?.category ?? ('derived' as FieldCategory),
      })),
    ],
    identifiers: split.identifiers.filter((f) => !blocked.includes(f)),
    specialCategory: allowed.some((f) => catalog.get(f)?.specialCategory === true),
  }
}
