import {
  base,
  cs_CZ,
  da,
  de,
  de_AT,
  de_CH,
  es,
  Faker,
  fi,
  fr,
  hu,
  it,
  type LocaleDefinition,
  nl,
  nl_BE,
  pl,
  pt_PT,
  type Randomizer,
  sv,
} from '@faker-js/faker'
import type { SUBJECT_KINDS } from '../../privacy/subjects/subject-kinds.ts'

/** A subject kind, as the subjects module defines them. */
export type DemoKind = (typeof SUBJECT_KINDS)[number]

/** Gender as recorded on a subject. */
export type DemoGender = 'female' | 'male' | 'diverse'

/** Age bands used for segmentation instead of the exact birth date. */
export type AgeBand = '18-24' | '25-34' | '35-44' | '45-54' | '55-64' | '65+'

/** The pseudonymous, segmentation-ready view of a person: nothing in it identifies them on its own. */
export interface PseudonymousAttributes {
  country: string
  /** Country plus the first two postcode digits, e.g. `DE-10`. */
  region: string
  ageBand: AgeBand
  gender: DemoGender
}

/** One synthetic person; a pure function of the generator seed and `index`. */
export interface DemoPerson {
  index: number
  firstName: string
  lastName: string
  gender: DemoGender
  /** `YYYY-MM-DD`. */
  birthDate: string
  /** Unique per index, always on a reserved example domain (RFC 2606). */
  email: string
  /** E.164, in the person's country. */
  phone: string
  street: string
  postcode: string
  city: string
  /** ISO 3166-1 alpha-2. */
  country: string
  kinds: DemoKind[]
  /** ISO timestamp. */
  createdAt: string
  attributes: PseudonymousAttributes
}

/** Options for {@link generatePeople}. */
export interface GenerateOptions {
  seed: number
  count: number
  /** Index of the first person; lets batches be generated independently. */
  offset?: number
}

/** Fixed "now" of the demo data set, so ages and timestamps never depend on when it is generated. */
export const DEMO_REFERENCE_DATE = '2026-01-01T00:00:00.000Z'

const REFERENCE_MS = Date.parse(DEMO_REFERENCE_DATE)
const DAY_MS = 86_400_000
// The reference date is a 1 January, which keeps the age-band arithmetic below whole years.
const REFERENCE_YEAR = new Date(REFERENCE_MS).getUTCFullYear()
const CREATED_FROM_MS = Date.UTC(REFERENCE_YEAR - 3, 0, 1)

/**
 * faker's default Mersenne Twister costs ~40µs to seed with an array, which alone would make a million people
 * take 40s. sfc32 seeds in a few dozen operations; the state is filled from a hash of (seed, index) so every
 * person gets an independent stream no matter which batch generates it.
 */
class PersonRandomizer implements Randomizer {
  a = 0
  b = 0
  c = 0
  d = 0

  // An arrow property because faker calls `next` detached from the object.
  next = (): number => this.nextUint32() / 0x1_0000_0000

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  seed = (seed: number | number[]): void => {
    const [s = 0, i = 0] = typeof seed === 'number' ? [seed, 0] : seed
    this.seedPerson(s, i)
  }

  seedPerson(seed: number, index: number): void {
    // Hash all 64 bits of both numbers so neither large seeds nor indexes beyond 2^32 collide.
    const sLo = seed >>> 0
    const sHi = Math.floor(seed / 0x1_0000_0000) >>> 0
    const iLo = index >>> 0
    const iHi = Math.floor(index / 0x1_0000_0000) >>> 0
    let h = fmix32(sLo ^ 0x9e3779b9)
    h = fmix32(h ^ sHi ^ 0x85ebca6b)
    h = fmix32(h ^ iLo ^ 0xc2b2ae35)
    h = fmix32(h ^ iHi ^ 0x27d4eb2f)
    this.a = h
    this.b = fmix32(h ^ iLo ^ 0x165667b1)
    this.c = fmix32(this.b ^ sLo ^ 0xd3a2646c)
    this.d = fmix32(this.c ^ iHi ^ 0xfd7046c5)
    for (let round = 0; round < 12; round++) this.nextUint32()
  }
}

function fmix32(value: number): number {
  let h = value | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// One randomizer shared by every Faker instance: seeding it once per person fixes all locales' output.
const rng = new PersonRandomizer()

interface Market {
  country: string
  weight: number
  faker: Faker
  street: () => string
  callingCode: string
  /** Mobile prefixes after the calling code, each followed by `subscriberDigits` random digits. */
  mobilePrefixes: readonly string[]
  subscriberDigits: number
  /** German-speaking countries write ä/ö/ü as ae/oe/ue in e-mail addresses. */
  umlautsAsE: boolean
}

function market(
  country: string,
  weight: number,
  locales: LocaleDefinition[],
  callingCode: string,
  mobilePrefixes: string,
  subscriberDigits: number,
): Market {
  const faker = new Faker({ locale: [...locales, base], randomizer: rng })
  const street = streetFormatter(faker)
  return {
    country,
    weight,
    faker,
    street,
    callingCode,
    mobilePrefixes: mobilePrefixes.split(' '),
    subscriberDigits,
    umlautsAsE: locales[0] === de,
  }
}

/**
 * `streetAddress()` expands a template through faker's generic `fake()`, which costs ~40% of a person;
 * calling `street()` and `buildingNumber()` directly and joining them in the locale's order halves that.
 */
function streetFormatter(faker: Faker): () => string {
  const pattern = faker.rawDefinitions.location?.street_address?.normal ?? ''
  const streetFirst = /^\{\{location\.street\}\}(.*)\{\{location\.buildingNumber\}\}$/.exec(pattern)
  if (streetFirst) {
    const sep = streetFirst[1] ?? ''
    return () => {
      const street = faker.location.street()
      return `${street}${sep}${faker.location.buildingNumber()}`
    }
  }
  const numberFirst = /^\{\{location\.buildingNumber\}\}(.*)\{\{location\.street\}\}$/.exec(pattern)
  if (numberFirst) {
    const sep = numberFirst[1] ?? ''
    return () => {
      const street = faker.location.street()
      return `${faker.location.buildingNumber()}${sep}${street}`
    }
  }
  return () => faker.location.streetAddress()
}

// German-speaking ~60%, then the larger EU markets, then a tail of smaller ones. faker's own phone formats are
// not E.164 for several locales (trunk zeros, a US fallback), hence calling code + mobile prefix + digits.
const MARKETS: readonly Market[] = [
  market('DE', 46, [de], '49', '151 152 157 159 160 162 163 170 171 172 173 175 176 177', 7),
  market('AT', 8, [de_AT, de], '43', '650 660 664 676 680 681 688 699', 7),
  market('CH', 6, [de_CH, de], '41', '75 76 77 78 79', 7),
  market('FR', 8, [fr], '33', '6 7', 8),
  market('IT', 7, [it], '39', '320 328 329 333 338 340 347 348 349 366 388 392', 7),
  market('ES', 6, [es], '34', '6 7', 8),
  market('NL', 5, [nl], '31', '6', 8),
  market('PL', 5, [pl], '48', '50 51 53 57 60 66 69 72 73 78 79 88', 7),
  market('SE', 2, [sv], '46', '70 72 73 76 79', 7),
  market('BE', 1.5, [nl_BE, nl], '32', '46 47 48 49', 7),
  market('PT', 1.5, [pt_PT], '351', '91 92 93 96', 7),
  market('CZ', 1.5, [cs_CZ], '420', '60 72 73 77 79', 7),
  market('DK', 1, [da], '45', '20 22 26 28 30 31 40 42 50 51 60 61', 6),
  market('FI', 1, [fi], '358', '40 41 44 45 46 50', 7),
  market('HU', 0.5, [hu], '36', '20 30 70', 7),
]

const MARKET_PICK = cumulative(MARKETS.map((m) => m.weight))

const KIND_SETS: readonly (readonly DemoKind[])[] = [
  ['customer'],
  ['lead'],
  ['b2b_contact'],
  ['customer', 'b2b_contact'],
  ['applicant'],
  ['employee'],
  ['supplier_contact'],
]
const KIND_PICK = cumulative([70, 14, 9, 4, 1.5, 1, 0.5])

const GENDERS: readonly DemoGender[] = ['female', 'male', 'diverse']
const GENDER_PICK = cumulative([49.5, 49.5, 1])

/** Ages (inclusive) per band; weights follow a typical adult customer base rather than a uniform spread. */
const AGE_BANDS: readonly { band: AgeBand; min: number; max: number }[] = [
  { band: '18-24', min: 18, max: 24 },
  { band: '25-34', min: 25, max: 34 },
  { band: '35-44', min: 35, max: 44 },
  { band: '45-54', min: 45, max: 54 },
  { band: '55-64', min: 55, max: 64 },
  { band: '65+', min: 65, max: 85 },
]
const AGE_PICK = cumulative([10, 18, 19, 19, 18, 16])

// RFC 2606 / RFC 6761 reserved names only, so no demo mail can ever reach a real mailbox.
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.test', 'tresor.test']
const DOMAIN_PICK = cumulative([45, 25, 20, 6, 4])

function cumulative(weights: readonly number[]): Float64Array {
  const total = weights.reduce((sum, w) => sum + w, 0)
  const out = new Float64Array(weights.length)
  let acc = 0
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total
    out[i] = acc
  }
  out[out.length - 1] = 1
  return out
}

function pick(table: Float64Array): number {
  const u = rng.next()
  let i = 0
  while (u >= table[i]!) i++
  return i
}

function int(bound: number): number {
  return Math.floor(rng.next() * bound)
}

function digits(count: number): string {
  let out = ''
  for (let i = 0; i < count; i++) out += int(10)
  return out
}

const FOLD_SPECIAL: Record<string, string> = {
  ß: 'ss',
  ł: 'l',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
}
// Names repeat heavily, so folding each distinct one once keeps e-mail generation cheap.
const foldCache = new Map<string, string>()
const foldCacheUmlautsAsE = new Map<string, string>()

function foldName(name: string, umlautsAsE: boolean): string {
  const cache = umlautsAsE ? foldCacheUmlautsAsE : foldCache
  let folded = cache.get(name)
  if (folded === undefined) {
    let s = name.toLowerCase()
    if (umlautsAsE) s = s.replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue')
    s = s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[ßłøæœđðþı]/g, (c) => FOLD_SPECIAL[c] ?? '')
      .replace(/[^a-z]/g, '')
    folded = s || 'person'
    cache.set(name, folded)
  }
  return folded
}

function email(first: string, last: string, index: number): string {
  // The index ends every local part and names contribute letters only, so addresses can never collide.
  const style = int(4)
  const local =
    style === 0
      ? `${first}.${last}`
      : style === 1
        ? `${first}${last}`
        : style === 2
          ? `${first.charAt(0)}.${last}`
          : `${first}_${last}`
  return `${local}${index}@${EMAIL_DOMAINS[pick(DOMAIN_PICK)]}`
}

// Only ~25,000 distinct days occur (birth dates and creation days), so formatting each once beats Date objects.
const dayStrings = new Map<number, string>()

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
function dayString(day: number): string {
  let out = dayStrings.get(day)
  if (out === undefined) {
    out = new Date(day * DAY_MS).toISOString().slice(0, 10)
    dayStrings.set(day, out)
  }
  return out
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

/** Completed years between a `YYYY-MM-DD` birth date and an ISO reference timestamp. */
function ageAt(birthDate: string, reference: string): number {
  const years = Number(reference.slice(0, 4)) - Number(birthDate.slice(0, 4))
  return reference.slice(5, 10) < birthDate.slice(5, 10) ? years - 1 : years
}

function ageBand(age: number): AgeBand {
  if (age < 25) return '18-24'
  if (age < 35) return '25-34'
  if (age < 45) return '35-44'
  if (age < 55) return '45-54'
  if (age < 65) return '55-64'
  return '65+'
}

/** The segmentation view of a person, computed from their fields at the demo reference date. */
export function derivePseudonymousAttributes(
  person: Pick<DemoPerson, 'country' | 'postcode' | 'birthDate' | 'gender'>,
  referenceDate: string = DEMO_REFERENCE_DATE,
): PseudonymousAttributes {
  const postcodeDigits = person.postcode.replace(/\D/g, '').slice(0, 2)
  return {
    country: person.country,
    region: postcodeDigits.length === 2 ? `${person.country}-${postcodeDigits}` : person.country,
    ageBand: ageBand(ageAt(person.birthDate, referenceDate)),
    gender: person.gender,
  }
}

/** A birth day (days since epoch) whose age at the reference date lies in the band. */
function birthDayFor(band: { min: number; max: number }): number {
  // Age a on 2026-01-01 means born between (2025-a)-01-02 and (2026-a)-01-01. The youngest band stops a day
  // short, so everyone was adult for at least one day before the reference date and can have been created.
  const earliest = Date.UTC(REFERENCE_YEAR - 1 - band.max, 0, 2) / DAY_MS
  const latest = Date.UTC(REFERENCE_YEAR - band.min, 0, 1) / DAY_MS - (band.min === 18 ? 1 : 0)
  return earliest + int(latest - earliest + 1)
}

const adultDays = new Map<number, number>()

/** The day someone born on `birthDay` turns 18 (29 February rolls over to 1 March). */
function adultDay(birthDay: number): number {
  let out = adultDays.get(birthDay)
  if (out === undefined) {
    const born = new Date(birthDay * DAY_MS)
    out = Date.UTC(born.getUTCFullYear() + 18, born.getUTCMonth(), born.getUTCDate()) / DAY_MS
    adultDays.set(birthDay, out)
  }
  return out
}

function createdAtFor(birthDay: number): string {
  // Nobody enters the CRM before turning 18, and more records are recent, as in a growing business.
  const from = Math.max(CREATED_FROM_MS / 1000, adultDay(birthDay) * 86_400)
  const t = from + Math.floor(Math.sqrt(rng.next()) * (REFERENCE_MS / 1000 - from))
  const secondOfDay = t % 86_400
  const time = `${pad2(Math.floor(secondOfDay / 3600))}:${pad2(Math.floor(secondOfDay / 60) % 60)}:${pad2(secondOfDay % 60)}`
  return `${dayString((t - secondOfDay) / 86_400)}T${time}.000Z`
}

/** faker's Polish surnames have no female forms; women are Kowalska, not Kowalski. */
function feminine(m: Market, sex: 'female' | 'male', lastName: string): string {
  return sex === 'female' && m.country === 'PL' ? lastName.replace(/([sc]k|dzk)i$/, '$1a') : lastName
}

function person(seed: number, index: number): DemoPerson {
  rng.seedPerson(seed, index)
  // Draw order is part of the output contract: changing it changes every generated person.
  const m = MARKETS[pick(MARKET_PICK)]!
  const gender = GENDERS[pick(GENDER_PICK)]!
  const sex = gender === 'diverse' ? (int(2) === 0 ? 'female' : 'male') : gender
  const birthDay = birthDayFor(AGE_BANDS[pick(AGE_PICK)]!)
  const birthDate = dayString(birthDay)
  const kinds = [...KIND_SETS[pick(KIND_PICK)]!]
  const createdAt = createdAtFor(birthDay)
  const phone = `+${m.callingCode}${m.mobilePrefixes[int(m.mobilePrefixes.length)]}${digits(m.subscriberDigits)}`
  const firstName = m.faker.person.firstName(sex)
  const lastName = feminine(m, sex, m.faker.person.lastName(sex))
  const mail = email(foldName(firstName, m.umlautsAsE), foldName(lastName, m.umlautsAsE), index)
  const street = m.street()
  const postcode = m.faker.location.zipCode()
  const city = m.faker.location.city()
  const country = m.country
  return {
    index,
    firstName,
    lastName,
    gender,
    birthDate,
    email: mail,
    phone,
    street,
    postcode,
    city,
    country,
    kinds,
    createdAt,
    attributes: derivePseudonymousAttributes({ country, postcode, birthDate, gender }),
  }
}

/**
 * Yields people `offset .. offset+count-1`; each is derived from `seed` and its absolute index only, so
 * batches can be generated in any order, in parallel, and still match a single full run.
 */
export function* generatePeople(options: GenerateOptions): Generator<DemoPerson> {
  const { seed, count } = options
  const offset = options.offset ?? 0
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`)
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be >= 0, got ${offset}`)
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be >= 0, got ${count}`)
  for (let index = offset; index < offset + count; index++) yield person(seed, index)
}
