import { useTranslation } from 'react-i18next'
import { isKnownRole } from '../../app/roles'
import { isOneOf, type PurposeSummary } from '../subjects/contact-overview.api'
import {
  ART9_BASES,
  articleLetter,
  FIELD_CATEGORIES,
  LEGAL_BASES,
  REQUIRED_RECORDS,
  RESTRICTION_EXCEPTIONS,
  SUBJECT_KINDS,
} from './privacy.api'

/**
 * The words for a purpose and its scope in the UI language: the legal basis with its letter of
 * Art. 6(1) (and of Art. 9(2)), roles, kinds of contacts, data categories, the required record and
 * the Art. 18(2) ground with a one-line explanation. A value this UI does not know yet is shown
 * as the server sent it, never dropped.
 */
export function useScopeLabels() {
  const { t } = useTranslation()
  return {
    role: (role: string) => (isKnownRole(role) ? t(`auth.roles.${role}`) : role),
    kind: (kind: string) => (isOneOf(SUBJECT_KINDS, kind) ? t(`subjects.kinds.${kind}`) : kind),
    category: (category: string) =>
      isOneOf(FIELD_CATEGORIES, category) ? t(`fields.categories.${category}`) : category,
    /** The Art. 6(1) basis in words ("Contract") and its article ("Art. 6(1)(b) GDPR"). */
    legalBasis: (purpose: Pick<PurposeSummary, 'legalBasis'>): { label: string; article: string } => {
      const basis = purpose.legalBasis
      const letter = articleLetter(LEGAL_BASES, basis)
      return isOneOf(LEGAL_BASES, basis) && letter
        ? { label: t(`history.legalBases.${basis}`), article: t('privacy.registry.article', { letter }) }
        : { label: basis, article: '' }
    },
    /** "Special categories: explicit consent (Art. 9(2)(a) GDPR)"; undefined without an Art. 9 basis. */
    art9Basis: (purpose: Pick<PurposeSummary, 'art9Basis'>) => {
      const basis = purpose.art9Basis
      if (!basis) return undefined
      const letter = articleLetter(ART9_BASES, basis)
      return isOneOf(ART9_BASES, basis) && letter
        ? t('privacy.registry.art9', { basis: t(`privacy.registry.art9Bases.${basis}`), letter })
        : basis
    },
    /** "Only with an invoice"; undefined when no record is required. */
    requiredRecord: (record: string | null) => {
      if (record === null) return undefined
      return isOneOf(REQUIRED_RECORDS, record) ? t(`privacy.registry.requiresRecord.${record}`) : record
    },
    /** The Art. 18(2) ground (or that there is none) and what it means. */
    restriction: (exception: string | null): { label: string; hint: string } => {
      if (exception === null)
        return {
          label: t('privacy.registry.restriction.none.label'),
          hint: t('privacy.registry.restriction.none.hint'),
        }
      if (!isOneOf(RESTRICTION_EXCEPTIONS, exception)) return { label: exception, hint: '' }
      return {
        label: t(`privacy.registry.restriction.${exception}.label`),
        hint: t(`privacy.registry.restriction.${exception}.hint`),
      }
    },
  }
}

export type ScopeLabels = ReturnType<typeof useScopeLabels>
