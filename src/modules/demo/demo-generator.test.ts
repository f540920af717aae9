import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AgeBand,
  DEMO_REFERENCE_DATE,
  type DemoPerson,
  derivePseudonymousAttributes,
  generatePeople,
} from './demo-generator.ts'

const people = (seed: number, count: number, offset?: number): DemoPerson[] => [
  ...generatePeople(offset === undefined ? { seed, count } : { seed, count, offset }),
]

// One shared sample for the statistical checks; generating it once keeps the suite fast.
const SAMPLE = people(20260101, 20_000)

const RESERVED_DOMAIN = /@(example\.(com|org|net)|[a-z0-9-]+\.test)$/
const E164 = /^\+[1-9]\d{7,14}$/
const CALLING_CODES: Record<string, string> = {
  DE: '49',
  AT: '43',
  CH: '41',
  FR: '33',
  IT: '39',
  ES: '34',
  NL: '31',
  PL: '48',
  SE: '46',
  BE: '32',
  PT: '351',
  CZ: '420',
  DK: '45',
  FI: '358',
  HU: '36',
}

function share(predicate: (p: DemoPerson) => boolean): number {
  return SAMPLE.filter(predicate).length / SAMPLE.length
}

function completedYears(birthDate: string, at: string): number {
  const birth = new Date(`${birthDate}T00:00:00Z`)
  const ref = new Date(at)
  let age = ref.getUTCFullYear() - birth.getUTCFullYear()
  const beforeBirthday =
    ref.getUTCMonth() < birth.getUTCMonth() ||
    (ref.getUTCMonth() === birth.getUTCMonth() && ref.getUTCDate() < birth.getUTCDate())
  if (beforeBirthday) age--
  return age
}

describe('generatePeople', () => {
  it('is deterministic: the same seed yields identical people, another seed different ones', () => {
    expect(people(7, 300)).toEqual(people(7, 300))
    const other = people(8, 300)
    const same = people(7, 300).filter((p, i) => p.email === other[i]?.email && p.street === other[i]?.street)
    expect(same.length).toBeLessThan(3)
  })

  it('derives each person from seed and absolute index only, so batches match a full run', () => {
    const full = people(99, 200)
    expect(people(99, 100, 100)).toEqual(full.slice(100, 200))
    // Batches generated out of order and interleaved must not disturb each other.
    const a = generatePeople({ seed: 99, count: 50, offset: 150 })
    const b = generatePeople({ seed: 99, count: 50, offset: 0 })
    const interleaved: DemoPerson[] = []
    for (let i = 0; i < 50; i++) interleaved.push(b.next().value as DemoPerson, a.next().value as DemoPerson)
    expect(interleaved.filter((_, i) => i % 2 === 0)).toEqual(full.slice(0, 50))
    expect(interleaved.filter((_, i) => i % 2 === 1)).toEqual(full.slice(150, 200))
  })

  it('matches a full run for arbitrary seeds and windows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 40 }), (seed, start) => {
        const full = people(seed, 60)
        expect(people(seed, 20, start)).toEqual(full.slice(start, start + 20))
      }),
      { numRuns: 25 },
    )
  })

  it('supports indexes beyond 2^32 without repeating earlier people', () => {
    const [far] = people(1, 1, 2 ** 32)
    const [near] = people(1, 1, 0)
    expect(far?.index).toBe(2 ** 32)
    expect(far?.street === near?.street && far?.lastName === near?.lastName).toBe(false)
  })

  it('rejects invalid options', () => {
    expect(() => people(1.5, 1)).toThrow(RangeError)
    expect(() => people(1, -1)).toThrow(RangeError)
    expect(() => people(1, 1, -1)).toThrow(RangeError)
  })

  it('gives every person a unique e-mail address on a reserved example domain', () => {
    const emails = SAMPLE.map((p) => p.email)
    expect(new Set(emails).size).toBe(SAMPLE.length)
    for (const email of emails) {
      expect(email).toMatch(/^[a-z][a-z._]*[a-z]\d+@[a-z.]+$/)
      expect(email).toMatch(RESERVED_DOMAIN)
    }
    expect(share((p) => p.email.endsWith('.test'))).toBeGreaterThan(0.02)
    expect(share((p) => p.email.endsWith('.test'))).toBeLessThan(0.2)
  })

  it('keeps fields well-formed and plausible', () => {
    for (const p of SAMPLE) {
      expect(p.firstName.length).toBeGreaterThan(0)
      expect(p.lastName.length).toBeGreaterThan(0)
      expect(p.street.length).toBeGreaterThan(0)
      expect(p.city.length).toBeGreaterThan(0)
      expect(p.postcode).toMatch(/\d/)
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      const age = completedYears(p.birthDate, DEMO_REFERENCE_DATE)
      expect(age).toBeGreaterThanOrEqual(18)
      expect(age).toBeLessThanOrEqual(85)
      expect(p.phone).toMatch(E164)
      expect(p.phone.startsWith(`+${CALLING_CODES[p.country]}`)).toBe(true)
      expect(p.kinds.length).toBeGreaterThan(0)
      expect(new Date(p.createdAt).toISOString()).toBe(p.createdAt)
      expect(p.createdAt >= '2023-01-01T00:00:00.000Z' && p.createdAt < DEMO_REFERENCE_DATE).toBe(true)
      // Nobody is recorded before their 18th birthday.
      expect(completedYears(p.birthDate, p.createdAt)).toBeGreaterThanOrEqual(18)
    }
  })

  it('computes the pseudonymous attributes from the person’s own fields', () => {
    for (const p of SAMPLE) {
      expect(p.attributes).toEqual(derivePseudonymousAttributes(p))
      expect(p.attributes.country).toBe(p.country)
      expect(p.attributes.gender).toBe(p.gender)
      expect(p.attributes.region).toBe(`${p.country}-${p.postcode.replace(/\D/g, '').slice(0, 2)}`)
    }
  })

  it('follows the intended distribution', () => {
    const german = share((p) => ['DE', 'AT', 'CH'].includes(p.country))
    expect(german).toBeGreaterThan(0.56)
    expect(german).toBeLessThan(0.64)
    expect(share((p) => p.country === 'DE')).toBeGreaterThan(0.42)
    expect(new Set(SAMPLE.map((p) => p.country)).size).toBeGreaterThanOrEqual(12)

    expect(share((p) => p.gender === 'diverse')).toBeGreaterThan(0.003)
    expect(share((p) => p.gender === 'diverse')).toBeLessThan(0.03)
    expect(share((p) => p.gender === 'female')).toBeGreaterThan(0.45)
    expect(share((p) => p.gender === 'male')).toBeGreaterThan(0.45)

    const kinds = (k: string) => share((p) => p.kinds.join('+') === k)
    expect(kinds('customer')).toBeGreaterThan(0.65)
    expect(kinds('customer')).toBeLessThan(0.75)
    expect(kinds('lead')).toBeGreaterThan(0.1)
    expect(kinds('b2b_contact')).toBeGreaterThan(0.06)
    expect(kinds('customer+b2b_contact')).toBeGreaterThan(0.02)
    expect(kinds('customer+b2b_contact')).toBeLessThan(0.07)
    for (const rare of ['applicant', 'employee', 'supplier_contact']) {
      expect(kinds(rare)).toBeGreaterThan(0)
      expect(kinds(rare)).toBeLessThan(0.03)
    }

    const bands: AgeBand[] = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+']
    for (const band of bands) {
      expect(share((p) => p.attributes.ageBand === band)).toBeGreaterThan(0.07)
      expect(share((p) => p.attributes.ageBand === band)).toBeLessThan(0.25)
    }

    // Growth: the last year holds more new records than the first.
    expect(share((p) => p.createdAt >= '2025-01-01')).toBeGreaterThan(
      share((p) => p.createdAt < '2024-01-01'),
    )
  })

  it('writes German umlauts as ae/oe/ue and folds other letters to ASCII in addresses', () => {
    const [de] = SAMPLE.filter((p) => p.country === 'DE' && /[äöü]/i.test(p.lastName))
    expect(de).toBeDefined()
    expect(de?.email).toMatch(/(ae|oe|ue)/)
    const pl = SAMPLE.filter((p) => p.country === 'PL' && p.gender === 'female')
    // faker's Polish surnames are male-only; the generator feminises them.
    expect(pl.some((p) => /(ski|cki|dzki)$/.test(p.lastName))).toBe(false)
  })
})

describe('derivePseudonymousAttributes', () => {
  it('bands ages at the reference date, birthday-exact', () => {
    const at = (birthDate: string) =>
      derivePseudonymousAttributes({ country: 'DE', postcode: '10115', birthDate, gender: 'female' }).ageBand
    expect(at('2008-01-01')).toBe('18-24')
    expect(at('2001-01-02')).toBe('18-24')
    expect(at('2001-01-01')).toBe('25-34')
    expect(at('1961-01-02')).toBe('55-64')
    expect(at('1961-01-01')).toBe('65+')
  })

  it('builds the region from country and the first two postcode digits', () => {
    const region = (country: string, postcode: string) =>
      derivePseudonymousAttributes({ country, postcode, birthDate: '1980-05-05', gender: 'male' }).region
    expect(region('DE', '10115')).toBe('DE-10')
    expect(region('NL', '1234 AB')).toBe('NL-12')
    expect(region('PL', '02-033')).toBe('PL-02')
  })

  it('agrees with an independent age computation for any birth date', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1930-01-01'), max: new Date('2007-12-31'), noInvalidDate: true }),
        (d) => {
          const birthDate = d.toISOString().slice(0, 10)
          const age = completedYears(birthDate, DEMO_REFERENCE_DATE)
          const expected: AgeBand =
            age < 25
              ? '18-24'
              : age < 35
                ? '25-34'
                : age < 45
                  ? '35-44'
                  : age < 55
                    ? '45-54'
                    : age < 65
                      ? '55-64'
                      : '65+'
          const attrs = derivePseudonymousAttributes({
            country: 'AT',
            postcode: '1010',
            birthDate,
            gender: 'diverse',
          })
          expect(attrs.ageBand).toBe(expected)
        },
      ),
    )
  })
})
