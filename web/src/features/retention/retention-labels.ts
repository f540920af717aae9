import { useTranslation } from 'react-i18next'
import { SUBJECT_KINDS } from '../../../../src/privacy/subjects/subject-kinds'
import { currentLanguage } from '../../app/i18n'
import { isOneOf } from '../subjects/contact-overview.api'
import {
  RETENTION_CONDITION_KEYS,
  RETENTION_RECORD_KINDS,
  type RetentionCoverage,
  START_EVENTS,
} from './retention.api'

/**
 * The words for a retention rule in the UI language: record kinds, start events, conditions,
 * periods ("8 years") and what a rule covers. A value this UI does not know yet is shown as the
 * server sent it, never dropped.
 */
export function useRetentionLabels(purposeName: (key: string) => string = (key) => key) {
  const { t } = useTranslation()
  const period = (iso: string): string => {
    const parts = [...iso.matchAll(/(\d+)([YMWD])/g)].map(([, n, unit]) =>
      t(`deletionConcept.periodUnits.${unit as 'Y' | 'M' | 'W' | 'D'}`, { count: Number(n) }),
    )
    return parts.length > 0 ? parts.join(' ') : iso
  }
  const kind = (recordKind: string | null) =>
    recordKind === null
      ? t('deletionConcept.kinds.none')
      : isOneOf(RETENTION_RECORD_KINDS, recordKind)
        ? t(`deletionConcept.kinds.${recordKind}`)
        : recordKind
  const startEvent = (event: string) =>
    isOneOf(START_EVENTS, event) ? t(`deletionConcept.startEvents.${event}`) : event
  const condition = (value: string) =>
    isOneOf(RETENTION_CONDITION_KEYS, value) ? t(`deletionConcept.conditions.${value}`) : value
  const subjectKind = (value: string) =>
    isOneOf(SUBJECT_KINDS, value) ? t(`subjects.kinds.${value}`) : value
  return {
    period,
    kind,
    startEvent,
    condition,
    subjectKind,
    /** "Touchpoints, collected under “Web tracking”"; for a kind Tresor doesn't store, that it doesn't. */
    covers: (covers: RetentionCoverage): string => {
      if (covers.recordKind === null) return t('deletionConcept.notStored')
      const parts = [kind(covers.recordKind)]
      if (covers.condition) parts.push(condition(covers.condition))
      if (covers.purposeKey)
        parts.push(t('deletionConcept.purpose', { purpose: purposeName(covers.purposeKey) }))
      if (covers.subjectKind)
        parts.push(t('deletionConcept.onlyKind', { kind: subjectKind(covers.subjectKind) }))
      return parts.join(', ')
    },
    language: currentLanguage(),
  }
}
