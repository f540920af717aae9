import { describe, expect, it } from 'vitest'
import { formatLocalDate, formatLocalTime, isTimeZone } from './local-time.ts'

describe('local time for mails and public pages', () => {
  it('shows the instant in the zone and names the zone, summer and winter', () => {
    expect(formatLocalTime('de', new Date('2025-03-15T09:30:00Z'))).toBe('15.03.2025, 10:30 (Europe/Berlin)')
    expect(formatLocalTime('en', new Date('2025-07-15T09:30:00Z'))).toBe('2025-07-15 11:30 (Europe/Berlin)')
    expect(formatLocalTime('en', new Date('2025-07-15T09:30:00Z'), 'America/New_York')).toBe(
      '2025-07-15 05:30 (America/New_York)',
    )
    expect(formatLocalTime('de', new Date('2025-07-15T23:30:00Z'), 'UTC')).toBe('15.07.2025, 23:30 (UTC)')
  })

  it('takes the calendar day of the zone (New Year’s night in Berlin is the new year)', () => {
    expect(formatLocalDate('de', new Date('2025-12-31T23:30:00Z'))).toBe('01.01.2026')
    expect(formatLocalDate('en', new Date('2025-12-31T23:30:00Z'), 'UTC')).toBe('2025-12-31')
  })

  it('knows IANA zones and refuses anything else', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true)
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true)
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Mars/Olympus')).toBe(false)
    expect(isTimeZone('')).toBe(false)
    expect(isTimeZone('Europe/Berlin; drop table')).toBe(false)
  })
})
