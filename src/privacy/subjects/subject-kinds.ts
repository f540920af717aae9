/**
 * The kinds of relationship a subject can have with the company: a closed set. Plain data with no
 * imports, so the web UI imports it too and both sides always agree.
 */
export const SUBJECT_KINDS = [
  'customer',
  'lead',
  'b2b_contact',
  'applicant',
  'employee',
  'supplier_contact',
] as const
export type SubjectKind = (typeof SUBJECT_KINDS)[number]

/** The fields a subject list may be sorted by (an allowlist: sort columns never come from input). */
export const SUBJECT_SORT_FIELDS = ['createdAt', 'updatedAt'] as const
export type SubjectSort = (typeof SUBJECT_SORT_FIELDS)[number]
