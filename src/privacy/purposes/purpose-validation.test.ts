import { describe, expect, it } from 'vitest'
import { addIsoDuration } from './iso-duration.ts'
import type { PurposeDefinition } from './purpose.ts'
import { PURPOSE_SEED } from './purpose-seed.ts'
import { purposeProblems } from './purpose-validation.ts'

const newsletter = PURPOSE_SEED.find((p) => p.key === 'newsletter_email') as PurposeDefinition
const fieldsWrong = (changes: Partial<PurposeDefinition>) =>
  purposeProblems({ ...newsletter, ...changes }).map((e) => e.field)

describe('purpose validation', () => {
  it('accepts every seeded purpose, and the seed covers LEGAL.md', () => {
    for (const p of PURPOSE_SEED) expect(purposeProblems(p), p.key).toEqual([])
    const keys = PURPOSE_SEED.map((p) => p.key)
    expect(new Set(keys).size).toBe(keys.length)
    const bases = new Set(PURPOSE_SEED.map((p) => p.legalBasis))
    for (const basis of ['consent', 'contract', 'legal_obligation', 'legitimate_interest'])
      expect(bases).toContain(basis)
  })

  it('refuses e-mail consent without double opt-in', () => {
    expect(fieldsWrong({ doubleOptIn: false })).toEqual(['doubleOptIn'])
  })

  it('refuses double opt-in and consent validity on purposes that do not rest on consent', () => {
    expect(
      fieldsWrong({ legalBasis: 'contract', directMarketing: false, dpvLegalBasis: 'eu-gdpr:A6-1-b' }),
    ).toEqual(['doubleOptIn'])
    expect(
      fieldsWrong({
        legalBasis: 'legitimate_interest',
        channels: ['post'],
        doubleOptIn: false,
        consentValidity: 'P1Y',
        dpvLegalBasis: 'eu-gdpr:A6-1-f',
      }),
    ).toEqual(['consentValidity'])
  })

  it('refuses direct marketing on a contract or legal obligation', () => {
    expect(
      fieldsWrong({
        legalBasis: 'contract',
        channels: ['post'],
        doubleOptIn: false,
        dpvLegalBasis: 'eu-gdpr:A6-1-b',
      }),
    ).toEqual(['directMarketing'])
  })

  it('refuses malformed keys, durations, channels and DPV terms', () => {
    expect(fieldsWrong({ key: 'Newsletter' })).toEqual(['key'])
    expect(fieldsWrong({ retention: { period: '8 years', rule: newsletter.retention.rule } })).toEqual([
      'retention.period',
    ])
    expect(fieldsWrong({ channels: [] })).toEqual(['channels'])
    expect(fieldsWrong({ channels: ['email', 'email'] })).toEqual(['channels'])
    expect(fieldsWrong({ dpvPurpose: 'DirectMarketing' })).toEqual(['dpvPurpose'])
    expect(fieldsWrong({ dpvLegalBasis: 'eu-gdpr:A6-1-f' })).toEqual(['dpvLegalBasis'])
  })

  it('adds ISO 8601 durations in calendar units', () => {
    const base = new Date('2025-01-15T10:00:00Z')
    expect(addIsoDuration(base, 'P8Y')).toEqual(new Date('2033-01-15T10:00:00Z'))
    expect(addIsoDuration(base, 'P1Y6M')).toEqual(new Date('2026-07-15T10:00:00Z'))
    expect(addIsoDuration(base, 'P2W3D')).toEqual(new Date('2025-02-01T10:00:00Z'))
    expect(() => addIsoDuration(base, 'PT5M')).toThrow(RangeError)
  })
})
