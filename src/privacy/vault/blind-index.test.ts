import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlindIndex, InvalidIdentifierError, normalizeEmail, normalizePhone } from './blind-index.ts'

describe('blind index normalisation', () => {
  it('compares e-mail addresses trimmed and case-insensitively', () => {
    expect(normalizeEmail('  Anna.Muster@Example.COM ')).toBe('anna.muster@example.com')
    expect(normalizeEmail('ÄRGER@beispiel.de')).toBe('ärger@beispiel.de')
  })

  it.each([
    '',
    'no-at-sign',
    'a@b',
    'two@@example.com',
    'with space@example.com',
    `${'x'.repeat(65)}@example.com`,
  ])('refuses %j as an e-mail address, without echoing it', (value) => {
    expect(() => normalizeEmail(value)).toThrow(InvalidIdentifierError)
    try {
      normalizeEmail(value)
    } catch (error) {
      if (value) expect((error as Error).message).not.toContain(value)
    }
  })

  it('reads German numbers with and without country code as the same E.164 number', () => {
    for (const raw of [
      '+49 151 23456789',
      '0151 23456789',
      '0049 151 23456789',
      '+49 (0)151 234 567 89',
      '0151/23456789',
    ])
      expect(normalizePhone(raw, 'DE')).toBe('+4915123456789')
    expect(normalizePhone('030 1234567', 'DE')).toBe('+49301234567')
    // another default region reads the national form differently, an international one the same
    expect(normalizePhone('06 12 34 56 78', 'FR')).toBe('+33612345678')
    expect(normalizePhone('+49 151 23456789', 'FR')).toBe('+4915123456789')
  })

  it.each(['12', 'not a number', '+49 1', ''])('refuses %j as a phone number', (value) => {
    expect(() => normalizePhone(value, 'DE')).toThrow(InvalidIdentifierError)
  })

  it('is idempotent (normalising a normalised value changes nothing)', () => {
    let emails = 0
    let phones = 0
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom('', ' ', '\t'), fc.boolean(), (email, pad, upper) => {
        const raw = `${pad}${upper ? email.toUpperCase() : email}${pad}`
        let once: string
        try {
          once = normalizeEmail(raw)
        } catch {
          return // fast-check's RFC addresses include forms we refuse on purpose (e.g. dotless domains)
        }
        expect(normalizeEmail(once)).toBe(once)
        emails++
      }),
    )
    fc.assert(
      fc.property(
        fc.stringMatching(/^1[5-7][0-9] ?[0-9]{7,8}$/),
        fc.constantFrom('0', '+49 ', '0049'),
        (rest, prefix) => {
          let once: string
          try {
            once = normalizePhone(`${prefix}${rest}`, 'DE')
          } catch {
            return
          }
          expect(once).toMatch(/^\+49\d+$/)
          expect(normalizePhone(once, 'DE')).toBe(once)
          expect(normalizePhone(once, 'US')).toBe(once)
          phones++
        },
      ),
    )
    // most generated values are valid, so the property really ran
    expect(emails).toBeGreaterThan(20)
    expect(phones).toBeGreaterThan(20)
  })
})

describe('BlindIndex', () => {
  const key = randomBytes(32)
  const index = new BlindIndex(key, { phoneRegion: 'DE' })

  it('gives equal digests for equal normalised values, different ones otherwise', () => {
    expect(index.digest('email', 'Anna@Example.com').equals(index.digest('email', ' anna@example.com'))).toBe(
      true,
    )
    expect(index.digest('phone', '0151 23456789').equals(index.digest('phone', '+4915123456789'))).toBe(true)
    expect(index.digest('email', 'anna@example.com').equals(index.digest('email', 'anne@example.com'))).toBe(
      false,
    )
  })

  it('is a keyed HMAC: another key gives other digests', () => {
    const other = new BlindIndex(randomBytes(32), { phoneRegion: 'DE' })
    expect(index.digest('email', 'anna@example.com').equals(other.digest('email', 'anna@example.com'))).toBe(
      false,
    )
    expect(index.digest('email', 'anna@example.com')).toHaveLength(32)
  })

  it('refuses an unknown phone region', () => {
    expect(() => new BlindIndex(key, { phoneRegion: 'XX' })).toThrow(/TRESOR_PHONE_REGION/)
  })
})
