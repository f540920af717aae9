import {
  FIELD_CATALOG,
  type FieldCategory,
  type FieldDefinition,
  IDENTIFIER_FIELDS,
  RECORD_FIELDS,
  type SpecialCategory,
} from './field-catalog.ts'

export const FIELD_DATA_TYPES = ['text', 'number', 'boolean', 'date', 'enum', 'multi_enum'] as const
export type FieldDataType = (typeof FIELD_DATA_TYPES)[number]

/** A field of the catalog as the admin sees and edits it (identifiers and attributes; records are fixed). */
export interface CatalogField extends FieldDefinition {
  key: string
  label: { de: string; en: string }
  special: SpecialCategory | null
  dataType: FieldDataType
  /** Allowed values of an enum / multi_enum field. */
  options: string[]
  /** The purposes the field serves (keys of the purpose registry). */
  purposes: string[]
  /** How long the value is kept (ISO 8601 duration); null: as long as the subject. */
  retentionPeriod: string | null
  retentionRule: { de: string; en: string } | null
  /** Seeded by Tresor: key, category, type and identifier flag can't change. */
  builtin: boolean
}

/**
 * The field catalog in memory, for the gate's every decision: which category a field is in,
 * whether it is an identifier (vault) or a special category (Art. 9), and what values an attribute
 * takes. Loaded from the database at start and replaced after every change (FieldService). Until
 * loaded (and in unit tests) it holds the built-in fields.
 */
export class FieldRegistry {
  #fields = new Map<string, FieldDefinition & Partial<CatalogField>>()

  constructor(fields?: readonly CatalogField[]) {
    this.replace(fields ?? [])
  }

  /** Replaces the catalog's identifiers and attributes; the record kinds are always there. */
  replace(fields: readonly CatalogField[]): void {
    const next = new Map<string, FieldDefinition & Partial<CatalogField>>()
    for (const [key, definition] of Object.entries(FIELD_CATALOG)) next.set(key, definition)
    for (const field of fields) next.set(field.key, field)
    this.#fields = next
  }

  get(key: string): (FieldDefinition & Partial<CatalogField>) | undefined {
    return this.#fields.get(key)
  }

  categoryOf(key: string): FieldCategory | undefined {
    return this.#fields.get(key)?.category
  }

  isIdentifier(key: string): boolean {
    return (IDENTIFIER_FIELDS as readonly string[]).includes(key)
  }

  isRecord(key: string): boolean {
    return (RECORD_FIELDS as readonly string[]).includes(key)
  }

  /** A pseudonymous attribute of the catalog (stored in the clear on the subject row). */
  isAttribute(key: string): boolean {
    return this.#fields.has(key) && !this.isIdentifier(key) && !this.isRecord(key)
  }

  /** Every attribute key, in catalog order. */
  attributes(): string[] {
    return [...this.#fields.keys()].filter((k) => this.isAttribute(k))
  }

  /**
   * Why `value` is not a valid value of the attribute `key`, or undefined when it is (null, which
   * removes the attribute, always is). Never repeats the value.
   */
  valueProblem(key: string, value: unknown): string | undefined {
    const field = this.#fields.get(key)
    if (!field || !this.isAttribute(key)) return 'is not an attribute of the field catalog'
    if (value === null) return undefined
    const options = field.options ?? []
    switch (field.dataType ?? 'text') {
      case 'text':
        return typeof value === 'string' && value.length <= 1_000
          ? undefined
          : 'must be a text of up to 1,000 characters'
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number'
      case 'boolean':
        return typeof value === 'boolean' ? undefined : 'must be true or false'
      case 'date':
        return typeof value === 'string' &&
          /^\d{4}-\d{2}-\d{2}$/.test(value) &&
          !Number.isNaN(Date.parse(value))
          ? undefined
          : 'must be a date (YYYY-MM-DD)'
      case 'enum':
        return typeof value === 'string' && options.includes(value)
          ? undefined
          : `must be one of ${options.join(', ')}`
      case 'multi_enum':
        return Array.isArray(value) && value.every((v) => typeof v === 'string' && options.includes(v))
          ? undefined
          : `must be a list of ${options.join(', ')}`
    }
  }
}
