import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import type { CountryCode } from 'libphonenumber-js'
import { ConfigError } from '../../platform/config.ts'
import { lazy } from '../../platform/lazy.ts'
import type { FieldErrorCode } from '../../platform/problem.ts'

// Loaded with the first phone number, not with the vault: most commands never see one (issue #18).
const phoneNumbers = lazy<typeof import('libphonenumber-js')>('libphonenumber-js')
/** The library's own metadata (the one its default entry uses): the regions it knows numbers of. */
const phoneMetadata = lazy<{ countries: Record<string, unknown> }>('libphonenumber-js/metadata.min.json')

/** What can be looked up by value: the identifiers people are found and de-duplicated by. */
export const BLIND_INDEX_KINDS = ['email', 'phone'] as const
export type BlindIndexKind = (typeof BLIND_INDEX_KINDS)[number]

export const isBlindIndexKind = (name: string): name is BlindIndexKind =>
  (BLIND_INDEX_KINDS as readonly string[]).includes(name)

/**
 * Name search (docs/adr/0008): each token of a first and a last name gets a blind index of its own
 * kind, so a name is found by any of its words without decrypting anything.
 */
export const NAME_INDEX_KINDS = { firstName: 'first_name', lastName: 'last_name' } as const
export type NameIndexKind = (typeof NAME_INDEX_KINDS)[keyof typeof NAME_INDEX_KINDS]
/** Every kind of entry the blind_index table holds. */
export type IndexKind = BlindIndexKind | NameIndexKind

export const nameIndexKindOf = (field: string): NameIndexKind | undefined =>
  Object.hasOwn(NAME_INDEX_KINDS, field)
    ? NAME_INDEX_KINDS[field as keyof typeof NAME_INDEX_KINDS]
    : undefined

/**
 * The words of a name as the index compares them: lower case, accents and umlauts folded the way
 * German writes them without (ä = ae = a, ß = ss), split at spaces, hyphens and apostrophes; words
 * shorter than two letters are left out. "Schmidt-Müller" and "schmidt mueller" give the same.
 */
export function nameTokens(raw: string): string[] {
  const folded = raw
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/œ/g, 'oe')
    // ae, oe, ue → a, o, u: "Mueller" finds "Müller" (and "Bauer" is stored as "baur": the same on
    // both sides, so nothing is lost but a little precision).
    .replace(/([aou])e/g, '$1')
  const tokens = folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length >= 2)
  return [...new Set(tokens)]
}

/** A value that can't be normalised. The message says why, never what the value was. */
export class InvalidIdentifierError extends Error {
  readonly kind: BlindIndexKind
  readonly reason: string
  constructor(kind: BlindIndexKind, reason: string) {
    super(`${kind}: ${reason}`)
    this.name = 'InvalidIdentifierError'
    this.kind = kind
    this.reason = reason
  }

  /** The field error's code (platform/problem.ts), for a client that shows it in its own language. */
  get code(): FieldErrorCode {
    return identifierErrorCode(this.kind)
  }
}

/** The field error code of a value that is not an identifier of `kind`. */
export const identifierErrorCode = (kind: BlindIndexKind): FieldErrorCode =>
  kind === 'email' ? 'not-an-email-address' : 'not-a-phone-number'

// Deliberately simple: one @, no spaces, a dot in the domain. Whether the address exists is for
// double opt-in to prove, not for a pattern to guess.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/u

/** E-mail addresses compare trimmed, in Unicode NFC and lower case. Throws if it isn't one. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().normalize('NFC').toLowerCase()
  if (email.length > 254 || !EMAIL.test(email))
    throw new InvalidIdentifierError('email', 'is not an e-mail address')
  return email
}

/**
 * Phone numbers compare in E.164 (`+4915123456789`); a number without a country code is read as
 * one of `region` (ISO 3166-1 alpha-2). Throws if it isn't a valid number.
 */
export function normalizePhone(raw: string, region: string): string {
  const parsed = phoneNumbers().parsePhoneNumberFromString(raw, { defaultCountry: region as CountryCode })
  if (!parsed?.isValid()) throw new InvalidIdentifierError('phone', 'is not a valid phone number')
  return parsed.number
}

/** Throws unless libphonenumber knows the region (a configuration error: TRESOR_PHONE_REGION). */
export function assertPhoneRegion(region: string): void {
  if (!Object.hasOwn(phoneMetadata().countries, region))
    throw new ConfigError('TRESOR_PHONE_REGION', `${region} is not a region phone numbers are known for`)
}

/**
 * Blind indexes: HMAC-SHA256 under the blind-index secret of `kind:normalised value`. Equal values
 * give equal digests, so the vault finds and de-duplicates people without decrypting anything; the
 * key is separate from every encryption key and never leaves the vault, so a dump alone can't be
 * searched for a guessed address.
 */
export class BlindIndex {
  readonly #key: KeyObject
  readonly #region: string

  constructor(key: Uint8Array, options: { phoneRegion: string }) {
    assertPhoneRegion(options.phoneRegion)
    if (key.length < 32) throw new Error('the blind-index key needs 32 bytes')
    // a KeyObject, not the raw bytes: Node re-imports a raw key on every createHmac
    this.#key = createSecretKey(key)
    this.#region = options.phoneRegion
  }

  /** The key and region, for a worker thread to build the same index (vault-crypto.ts). */
  spec(): { key: Uint8Array; phoneRegion: string } {
    return { key: this.#key.export(), phoneRegion: this.#region }
  }

  normalize(kind: BlindIndexKind, raw: string): string {
    return kind === 'email' ? normalizeEmail(raw) : normalizePhone(raw, this.#region)
  }

  /** The digest of an already normalised value. */
  digestNormalized(kind: BlindIndexKind, normalized: string): Buffer {
    return createHmac('sha256', this.#key).update(`${kind}:${normalized}`, 'utf8').digest()
  }

  /** The digests of the words of a first or last name (none for a name without words). */
  nameDigests(kind: NameIndexKind, raw: string): Buffer[] {
    return nameTokens(raw).map((token) =>
      createHmac('sha256', this.#key).update(`${kind}:${token}`, 'utf8').digest(),
    )
  }

  /** Normalises, then digests. Throws `InvalidIdentifierError` for a value that isn't one. */
  digest(kind: BlindIndexKind, raw: string): Buffer {
    return this.digestNormalized(kind, this.normalize(kind, raw))
  }
}
