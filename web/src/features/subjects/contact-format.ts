import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { currentLanguage } from '../../app/i18n'
import { ALL_CHANNELS, isOneOf, purposesQueryOptions } from './contact-overview.api'

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/**
 * Locale-aware formatting for the contact page, in the language the UI shows (re-created when it
 * changes): dates, money (the API sends cents), countries, channels and purpose names.
 */
export function useContactFormat() {
  const { t } = useTranslation()
  const language = currentLanguage()
  const purposes = useQuery(purposesQueryOptions())
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium' })
  // A calendar date (YYYY-MM-DD) is the same day everywhere: format it in UTC so it never shifts.
  const dayFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' })
  const dateTimeFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' })
  const regions = new Intl.DisplayNames([language], { type: 'region', fallback: 'code' })
  const formatIso = (formatter: Intl.DateTimeFormat, iso: string) => {
    const value = new Date(iso)
    return Number.isNaN(value.getTime()) ? iso : formatter.format(value)
  }
  return {
    language,
    /** A date, or the date of a timestamp. */
    date: (iso: string) => formatIso(DATE_ONLY.test(iso) ? dayFormat : dateFormat, iso),
    dateTime: (iso: string) => formatIso(dateTimeFormat, iso),
    /** Cents in a currency, e.g. 24800 EUR -> "248,00 €" / "€248.00". */
    money: (cents: number, currency: string) => {
      try {
        return new Intl.NumberFormat(language, { style: 'currency', currency }).format(cents / 100)
      } catch {
        // A currency code Intl does not know: the number and the code, never a crash.
        return `${new Intl.NumberFormat(language, { minimumFractionDigits: 2 }).format(cents / 100)} ${currency}`
      }
    },
    /** 'DE' -> 'Deutschland' / 'Germany'; anything that is not a region code is shown unchanged. */
    country: (code: string) => {
      try {
        return /^[A-Za-z]{2}$/.test(code) ? (regions.of(code.toUpperCase()) ?? code) : code
      } catch {
        return code
      }
    },
    channel: (channel: string) =>
      isOneOf(ALL_CHANNELS, channel) ? t(`contact.channels.${channel}`) : channel,
    /** The purpose's name from the registry in the UI language; its key while that is unknown. */
    purpose: (key: string) => purposes.data?.find((purpose) => purpose.key === key)?.name[language] ?? key,
  }
}

export type ContactFormat = ReturnType<typeof useContactFormat>
