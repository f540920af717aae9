import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { settingsQueryOptions } from '../settings/settings.api'

/** The zone shown until the settings are read (the server's default). */
const FALLBACK_TIME_ZONE = 'Europe/Berlin'

/** The wall-clock parts of `date` in `timeZone` (hour 0–23). */
function zonedParts(date: Date, timeZone: string): Record<string, number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date)
  return Object.fromEntries(parts.filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]))
}

/** How far `timeZone` is ahead of UTC at `date`, in milliseconds. */
function offsetAt(date: Date, timeZone: string): number {
  const p = zonedParts(date, timeZone)
  const asUtc = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  )
  return asUtc - Math.floor(date.getTime() / 1000) * 1000
}

const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0')

/** `2026-12-07T09:30` as a `datetime-local` input shows `iso` in `timeZone`. */
export function toZonedInput(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`
}

/**
 * The instant a `datetime-local` value means on the wall clock of `timeZone` (not the browser's),
 * as ISO; undefined for an empty or malformed value.
 */
export function fromZonedInput(value: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value)
  if (!m) return undefined
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
  // Two rounds settle the offset across a daylight-saving change.
  let guess = wall - offsetAt(new Date(wall), timeZone)
  guess = wall - offsetAt(new Date(guess), timeZone)
  return new Date(guess).toISOString()
}

/** Times in the installation's time zone (the settings), numbers in the UI language. */
export function useCampaignFormat() {
  const { i18n } = useTranslation()
  const settings = useQuery(settingsQueryOptions)
  const timeZone = settings.data?.timeZone ?? FALLBACK_TIME_ZONE
  const language = i18n.resolvedLanguage ?? 'en'
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone })
  const time = new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit', timeZone })
  const numbers = new Intl.NumberFormat(language)
  return {
    timeZone,
    language,
    dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '–'),
    time: (iso: string) => time.format(new Date(iso)),
    number: (n: number | null | undefined) => (n === null || n === undefined ? '–' : numbers.format(n)),
  }
}
