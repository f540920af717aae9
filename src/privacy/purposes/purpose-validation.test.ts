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

  describe('§ 7(2) No. 2, (3) UWG: e-mail and SMS advertising on legitimate interest', () => {
    const existing = PURPOSE_SEED.find((p) => p.key === 'existing_customer_email') as PurposeDefinition
    const wrong = (changes: Partial<PurposeDefinition>) =>
      purposeProblems({ ...existing, ...changes }).map((e) => e.field)

    it('seeds the existing-customer purpose and accepts it', () => {
      expect(existing).toMatchObject({
        legalBasis: 'legitimate_interest',
        directMarketing: true,
        existingCustomers: true,
        channels: ['email'],
        dpvPurpose: 'dpv:DirectMarketing',
        dpvLegalBasis: 'eu-gdpr:A6-1-f',
      })
      expect(purposeProblems(existing)).toEqual([])
      expect(wrong({ channels: ['sms'] })).toEqual([])
      expect(wrong({ channels: ['email', 'sms'] })).toEqual([])
    })

    it('refuses e-mail or SMS advertising on legitimate interest to anyone but existing customers', () => {
      expect(wrong({ existingCustomers: false })).toEqual(['existingCustomers'])
      expect(wrong({ existingCustomers: false, channels: ['sms'] })).toEqual(['existingCustomers'])
      expect(wrong({ existingCustomers: false, channels: ['post', 'email'] })).toEqual(['existingCustomers'])
      const [error] = purposeProblems({ ...existing, existingCustomers: false })
      expect(error?.reason).toMatch(/§ 7\(2\) No\. 2 UWG/)
      expect(error?.reason).toMatch(/§ 7\(3\) UWG/)
      // Post and phone on legitimate interest need no flag (Recital 47; B2B phone: § 7(2) No. 1).
      expect(wrong({ existingCustomers: false, channels: ['post'] })).toEqual([])
      // … phone only to businesses (presumed consent): the scope must say so.
      expect(wrong({ existingCustomers: false, channels: ['post', 'phone'] })).toEqual(['scope.subjectKinds'])
      expect(
        wrong({
          existingCustomers: false,
          channels: ['post', 'phone'],
          scope: { ...existing.scope, subjectKinds: ['b2b_contact'] },
        }),
      ).toEqual([])
      // Not advertising: no UWG question.
      expect(wrong({ existingCustomers: false, directMarketing: false, dpvPurpose: 'dpv:Purpose' })).toEqual(
        [],
      )
    })

    it('allows the flag only on legitimate-interest direct marketing by e-mail or SMS', () => {
      expect(wrong({ channels: ['email', 'post'] })).toEqual(['existingCustomers'])
      expect(wrong({ channels: ['none'] })).toEqual(['existingCustomers'])
      expect(wrong({ directMarketing: false })).toEqual(['existingCustomers'])
      expect(wrong({ legalBasis: 'consent', doubleOptIn: true, dpvLegalBasis: 'eu-gdpr:A6-1-a' })).toEqual([
        'existingCustomers',
      ])
      // A consent purpose by e-mail needs no flag, and a flag on it is refused.
      expect(fieldsWrong({ existingCustomers: true })).toEqual(['existingCustomers'])
    })
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
