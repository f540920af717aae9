import { parseAttributeFilters } from './fields.api'
import {
  type AttributeFilters,
  isSubjectKind,
  SORT_ORDERS,
  type SortOrder,
  SUBJECT_SORTS,
  type SubjectKind,
  type SubjectSort,
} from './subjects.api'

/**
 * What the contacts page keeps in the URL, so a filtered view can be bookmarked and shared. The
 * attribute filters are pseudonymous (a region, an age band); a search by name or e-mail is personal
 * data and is never kept here.
 */
export interface ContactsSearch {
  kind?: SubjectKind
  sort?: SubjectSort
  order?: SortOrder
  attributes?: AttributeFilters
}

export const DEFAULT_SORT: SubjectSort = 'createdAt'
export const DEFAULT_ORDER: SortOrder = 'desc'

function oneOf<T extends string>(allowed: readonly T[], value: unknown): T | undefined {
  return allowed.find((candidate) => candidate === value)
}

/** Unknown or malformed values are dropped rather than rejected: a stale link still opens the page. */
export function validateContactsSearch(search: Record<string, unknown>): ContactsSearch {
  return {
    kind: isSubjectKind(search.kind) ? search.kind : undefined,
    sort: oneOf(SUBJECT_SORTS, search.sort),
    order: oneOf(SORT_ORDERS, search.order),
    attributes: parseAttributeFilters(search.attributes),
  }
}
