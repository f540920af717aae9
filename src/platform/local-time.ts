/**
 * Times as people read them in mails and on public pages: in the installation's time zone, and
 * saying which (a bare "09:30" in a mail read in another country is a riddle). The zone is an IANA
 * name from the settings (default Europe/Berlin).
 */

export const DEFAULT_TIME_ZONE = 'Europe/Berlin'

type Lang = 'de' | 'en'

const formats = new Map<string, Intl.DateTimeFormat>()
function format(lang: Lang, timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}|${withTime}`
  let f = formats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    })
    formats.set(key, f)
  }
  return f
}

/** The parts of `date` in `timeZone`: year, month, day, hour, minute as two-digit strings. */
function parts(lang: Lang, date: Date, timeZone: string, withTime: boolean): Record<string, string> {
  return Object.fromEntries(
    format(lang, timeZone, withTime)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  )
}

/** `15.03.2025, 10:30 (Europe/Berlin)` / `2025-03-15 10:30 (Europe/Berlin)`. */
export function formatLocalTime(lang: Lang, date: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const p = parts(lang, date, timeZone, true)
  const day = lang === 'de' ? `${p.day}.${p.month}.${p.year},` : `${p.year}-${p.month}-${p.day}`
  return `${day} ${p.hour}:${p.minute} (${timeZone})`
}

/** `15.03.2025` / `2025-03-15`: the calendar day in `timeZone`. */
export function formatLocalDate(lang: Lang, date: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const p = parts(lang, date, timeZone, false)
  return lang === 'de' ? `${p.day}.${p.month}.${p.year}` : `${p.year}-${p.month}-${p.day}`
}

/** Whether the runtime knows `name` as a time zone (IANA names and UTC). */
export function isTimeZone(name: string): boolean {
  if (name === 'UTC') return true
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name)
  } catch {
    return false
  }
}
