import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { currentLanguage } from '../../app/i18n'
import { isKnownRole } from '../../app/roles'
import { purposesQueryOptions } from './contact-overview.api'
import { fieldCatalogQueryOptions } from './fields.api'
import { type ParsedReason, parseReason, type ReasonPart, shortId, valuesOf } from './history-reasons'

export interface HistoryLabels {
  /** The purpose's name in the UI language; the key while unknown. */
  purpose: (key: string) => string
  /** Whether the registry knows the purpose (else its key is shown, in monospace). */
  knowsPurpose: (key: string) => boolean
  /** The field's label in the catalog; the key while unknown. */
  field: (key: string) => string
  knowsField: (key: string) => boolean
  role: (role: string) => string
  /** The reason in the UI language where it follows one of the server's patterns; else as recorded. */
  reason: (reason: string) => string
}

/**
 * The words of the history page: purposes by their names, fields by their catalog labels, roles and
 * the server's fixed reasons in the UI language (see history-reasons.ts). Reads the purpose registry
 * and the field catalog (both cached), so a row never shows `contact_management` or `firstName`.
 */
export function useHistoryLabels(): HistoryLabels {
  const { t, i18n } = useTranslation()
  const language = currentLanguage()
  const purposes = useQuery(purposesQueryOptions())
  const fields = useQuery(fieldCatalogQueryOptions())
  // Keys built from what the server sent: translated when this UI has the word, else shown as sent.
  const tr = (key: string, fallback: string, values?: Record<string, string>): string =>
    i18n.exists(key)
      ? (t as unknown as (k: string, v?: Record<string, string>) => string)(key, values)
      : fallback

  const purposeOf = (key: string) => purposes.data?.find((p) => p.key === key)
  const fieldOf = (key: string) => fields.data?.find((f) => f.key === key)
  const purpose = (key: string) => purposeOf(key)?.name[language] ?? key
  const role = (name: string) => (isKnownRole(name) ? t(`auth.roles.${name}`) : name)
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' })
  const date = (iso: string) => {
    const d = new Date(iso)
    return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d)
  }
  const joined = (values: string[]) => values.join(', ')

  const show = (p: ReasonPart): string => {
    switch (p.kind) {
      case 'id':
        return shortId(p.value)
      case 'ids':
        return joined(valuesOf(p.value).map(shortId))
      case 'date':
        return date(p.value)
      case 'purpose':
        return purpose(p.value)
      case 'purposes':
        return joined(valuesOf(p.value).map(purpose))
      case 'role':
        return role(p.value)
      case 'category':
        return tr(`fields.categories.${p.value}`, p.value)
      case 'categories':
        return joined(valuesOf(p.value).map((c) => tr(`fields.categories.${c}`, c)))
      case 'channel':
        return tr(`contact.channels.${p.value}`, p.value)
      case 'denial':
        return tr(`contact.permissions.denials.${p.value}`, p.value)
      case 'status':
        return tr(`contact.permissions.statuses.${p.value}`, p.value)
      case 'source':
        return tr(`consents.sources.${p.value}`, p.value)
      case 'requestKind':
        return tr(`requests.kinds.${p.value}`, p.value)
      case 'requestChannel':
        return tr(`requests.channels.${p.value}`, p.value)
      case 'ground':
        return tr(`contact.permissions.grounds.${p.value}`, p.value)
      case 'exception':
        return tr(`privacy.registry.restriction.${p.value}.label`, p.value)
      case 'objectionAction':
        return tr(`history.reasons.objectionActions.${p.value}`, p.value)
      case 'objectionTarget': {
        if (p.value === 'all marketing') return t('consents.object.scopes.all_marketing.label')
        const [scope, target = ''] = p.value.split(' ')
        return scope === 'purpose' ? purpose(target) : tr(`contact.channels.${target}`, target)
      }
      case 'milestone':
        return tr(`milestones.kinds.${p.value}`, p.value)
      case 'reason':
        return p.value ? reason(p.value) : ''
      case 'text':
        return p.value
    }
  }

  const localise = (parsed: ParsedReason): string | undefined => {
    const values = Object.fromEntries(Object.entries(parsed.parts).map(([name, p]) => [name, show(p)]))
    const text = tr(`history.reasons.${parsed.key}`, '', values)
    if (!text) return undefined
    return parsed.key === 'explicitConsent' && values.reason ? `${values.reason}; ${text}` : text
  }

  function reason(text: string): string {
    const parsed = parseReason(text)
    return (parsed && localise(parsed)) || text
  }

  return {
    purpose,
    knowsPurpose: (key) => purposeOf(key) !== undefined,
    field: (key) => fieldOf(key)?.label[language] ?? key,
    knowsField: (key) => fieldOf(key) !== undefined,
    role,
    reason,
  }
}
