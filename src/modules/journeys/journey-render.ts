/**
 * The journeys' small, safe merge-field renderer: `{{firstName}}` and `{{lastName}}` only, filled
 * with the person's value (line breaks flattened, so a name can't add a header to a subject line),
 * nothing evaluated. The campaigns' renderer, when the core exposes one, should replace it.
 */

/** The merge fields a journey's content may use, and the person's field each reads. */
export const MERGE_FIELDS = ['firstName', 'lastName'] as const
export type MergeField = (typeof MERGE_FIELDS)[number]

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

/** The merge fields a text names, and the names it uses that are none (for a 400 when saving). */
export function mergeFieldsOf(text: string): { fields: MergeField[]; unknown: string[] } {
  const fields = new Set<MergeField>()
  const unknown = new Set<string>()
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? ''
    if ((MERGE_FIELDS as readonly string[]).includes(name)) fields.add(name as MergeField)
    else unknown.add(name)
  }
  return { fields: [...fields], unknown: [...unknown] }
}

/** The text with each merge field replaced by the value (empty when the person's is unknown or withheld). */
export function renderMergeFields(text: string, values: Partial<Record<MergeField, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    (MERGE_FIELDS as readonly string[]).includes(name)
      ? (values[name as MergeField] ?? '').replace(/[\r\n\u2028\u2029]+/g, ' ')
      : whole,
  )
}
