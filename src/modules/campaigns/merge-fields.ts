import type { FieldError } from '../../platform/problem.ts'
import type { FieldCategory, PersonalField } from '../../privacy/fields/field-catalog.ts'
import type { GatedSubject } from '../../privacy/gate/gate.service.ts'

type Lang = 'de' | 'en'

/**
 * The merge fields a campaign's content may use (`{{firstName}}`), each with the catalog fields it
 * reads through the gate. Nothing else is filled in: no free expressions, no other fields, no
 * helpers — a template is text with named holes.
 */
export const MERGE_FIELDS: Readonly<
  Record<string, { fields: readonly PersonalField[]; description: string }>
> = {
  firstName: { fields: ['firstName'], description: 'the first name' },
  lastName: { fields: ['lastName'], description: 'the last name' },
  salutation: {
    fields: ['firstName', 'lastName'],
    description:
      'a greeting with the name in the mail\'s language ("Hallo Erika Mustermann", "Hello Erika Mustermann")',
  },
  street: { fields: ['street'], description: 'the street and number' },
  postalCode: { fields: ['postalCode'], description: 'the postal code' },
  city: { fields: ['city'], description: 'the city' },
  countryCode: { fields: ['countryCode'], description: 'the country code of the address' },
  country: { fields: ['country'], description: 'the country attribute' },
  region: { fields: ['region'], description: 'the region attribute' },
}

/** Sample values for previews and test sends without a person. */
const SAMPLE: Readonly<Record<string, string>> = {
  firstName: 'Erika',
  lastName: 'Mustermann',
  street: 'Musterstraße 1',
  postalCode: '10115',
  city: 'Berlin',
  countryCode: 'DE',
  country: 'DE',
  region: 'BE',
}

const TOKEN = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g

/** The merge fields a text uses, or the reason it is no template (an unclosed or stray brace pair). */
export function parseTemplate(text: string): { names: string[]; error?: string } {
  const names = [...text.matchAll(TOKEN)].map((m) => m[1] as string)
  const rest = text.replace(TOKEN, '')
  if (rest.includes('{{') || rest.includes('}}'))
    return {
      names,
      error: 'has a "{{" or "}}" that is no merge field (write {{firstName}}, a name in double braces)',
    }
  return { names: [...new Set(names)] }
}

/**
 * Checks the merge fields of the texts: each known, and each of its catalog fields of a category
 * the channel's purpose uses (`purposeCategories`) and the saving user's role holds
 * (`roleCategories`). Returns the problems by field path: `invalid` (unknown or outside the
 * purpose: 422) and `forbidden` (the role lacks the category: 403).
 */
export function checkMergeFields(
  texts: readonly { path: string; text: string }[],
  categoryOf: (field: PersonalField) => FieldCategory | undefined,
  purpose: { key: string; categories: readonly FieldCategory[] },
  roleCategories: readonly FieldCategory[],
): { invalid: FieldError[]; forbidden: FieldError[] } {
  const invalid: FieldError[] = []
  const forbidden: FieldError[] = []
  for (const { path, text } of texts) {
    const parsed = parseTemplate(text)
    if (parsed.error)
      invalid.push({
        in: 'body',
        field: path,
        reason: parsed.error,
        code: 'merge-field-syntax',
        params: { example: '{{firstName}}' },
      })
    for (const name of parsed.names) {
      const merge = MERGE_FIELDS[name]
      if (!merge) {
        invalid.push({
          in: 'body',
          field: path,
          reason: `{{${name}}} is not a merge field (known: ${Object.keys(MERGE_FIELDS).join(', ')})`,
          code: 'unknown-merge-field',
          params: {
            names: `{{${name}}}`,
            known: Object.keys(MERGE_FIELDS)
              .map((n) => `{{${n}}}`)
              .join(', '),
          },
        })
        continue
      }
      for (const field of merge.fields) {
        const category = categoryOf(field)
        if (!category || !purpose.categories.includes(category))
          invalid.push({
            in: 'body',
            field: path,
            reason: `{{${name}}}: the purpose ${purpose.key} does not use the field category ${category ?? '?'} (${field})`,
            code: 'merge-field-purpose',
            params: { name: `{{${name}}}`, purpose: purpose.key, category: category ?? '?', field },
          })
        else if (!roleCategories.includes(category))
          forbidden.push({
            in: 'body',
            field: path,
            reason: `{{${name}}}: your role lacks the field category ${category} (${field})`,
            code: 'merge-field-role',
            params: { name: `{{${name}}}`, category, field },
          })
      }
    }
  }
  return { invalid, forbidden }
}

/** The catalog fields the texts' merge fields read. */
export function fieldsOfTemplates(texts: readonly string[]): PersonalField[] {
  const out = new Set<PersonalField>()
  for (const text of texts)
    for (const name of parseTemplate(text).names) for (const f of MERGE_FIELDS[name]?.fields ?? []) out.add(f)
  return [...out]
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)

/** The merge values of a person read through the gate (fields the gate withheld stay empty). */
export function valuesOf(subject: GatedSubject | null, lang: Lang): Record<string, string> {
  const get = (field: string): string => {
    if (!subject) return SAMPLE[field] ?? ''
    const v = (subject.identifiers as Record<string, unknown>)[field] ?? subject.attributes[field]
    return v === undefined || v === null ? '' : String(v)
  }
  const values: Record<string, string> = {}
  for (const name of Object.keys(MERGE_FIELDS)) if (name !== 'salutation') values[name] = get(name)
  const name = [values.firstName, values.lastName].filter(Boolean).join(' ')
  values.salutation = lang === 'de' ? (name ? `Hallo ${name}` : 'Hallo') : name ? `Hello ${name}` : 'Hello'
  return values
}

/** Fills the merge fields; `html`: every value HTML-escaped (a name can't inject markup). */
export function render(text: string, values: Readonly<Record<string, string>>, html = false): string {
  return text.replace(TOKEN, (_, name: string) => {
    const value = values[name] ?? ''
    return html ? escapeHtml(value) : value
  })
}
