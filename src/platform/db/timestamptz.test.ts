import fc from 'fast-check'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { timestamptzParser } from './timestamptz.ts'

const driver = pg.types.getTypeParser(1184, 'text') as (text: string) => unknown
const parse = timestamptzParser(driver)
const FALLBACK = Symbol('fallback')
const onlyFast = timestamptzParser(() => FALLBACK)

const pad = (value: number, width: number) => String(value).padStart(width, '0')

/** A timestamptz as PostgreSQL writes it with DateStyle ISO. */
const pgText = fc
  .record({
    year: fc.integer({ min: 1000, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    offsetMinutes: fc.integer({ min: -15 * 60, max: 15 * 60 }),
  })
  .map((t) => {
    // PostgreSQL drops trailing zeros of the fraction, and the fraction itself when it is zero.
    const fraction = t.micros === 0 ? '' : `.${pad(t.micros, 6).replace(/0+$/, '')}`
    const abs = Math.abs(t.offsetMinutes)
    const zone = `${t.offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(abs / 60), 2)}${abs % 60 ? `:${pad(abs % 60, 2)}` : ''}`
    return `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${fraction}${zone}`
  })

describe('timestamptzParser', () => {
  it('reads what PostgreSQL writes exactly as the driver does, without the driver', () => {
    fc.assert(
      fc.property(pgText, (text) => {
        const fast = onlyFast(text)
        expect(fast, text).toBeInstanceOf(Date)
        expect((fast as Date).getTime(), text).toBe((driver(text) as Date).getTime())
      }),
      { numRuns: 2_000 },
    )
  })

  it('keeps milliseconds and cuts the rest of the fraction off', () => {
    expect((parse('2026-12-07 22:13:50.123987+00') as Date).toISOString()).toBe('2026-12-07T22:13:50.123Z')
    expect((parse('2026-12-07 22:13:50.5+00') as Date).toISOString()).toBe('2026-12-07T22:13:50.500Z')
    expect((parse('2026-12-07 23:13:50+01') as Date).toISOString()).toBe('2026-12-07T22:13:50.000Z')
    expect((parse('2026-12-07 16:43:50-05:30') as Date).toISOString()).toBe('2026-12-07T22:13:50.000Z')
  })

  it('leaves every other shape to the driver', () => {
    for (const text of [
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '0099-01-01 00:00:00+00',
      '12026-01-01 00:00:00+00',
      '2026-01-01 00:00:00+00:00:30',
      '2026-01-01T00:00:00Z',
      '2026-01-01 00:00:00.1234567+00',
      '2026-01-01 00:00:00.+00',
    ]) {
      expect(onlyFast(text), text).toBe(FALLBACK)
      expect(parse(text), text).toEqual(driver(text))
    }
  })
})
