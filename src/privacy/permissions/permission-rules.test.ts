import { describe, expect, it } from 'vitest'
import type { Channel, PurposeScope } from '../purposes/purpose.ts'
import { PURPOSE_SEED } from '../purposes/purpose-seed.ts'
import {
  type ConsentState,
  DENIAL_RULES,
  type DenialRule,
  decide,
  decisionPlan,
  defaultChannel,
  type ObjectionKey,
  type PurposeRules,
  type SubjectFacts,
} from './permission-rules.ts'

const NOW = new Date('2026-06-01T12:00:00Z')
const LATER = new Date('2027-01-01T00:00:00Z')
const EARLIER = new Date('2026-01-01T00:00:00Z')

const OPEN_SCOPE: PurposeScope = {
  roles: [],
  subjectKinds: [],
  requiresRecord: null,
  fieldCategories: [],
  restrictionException: null,
}

const purpose = (
  p: Partial<Omit<PurposeRules, 'scope'>> &
    Pick<PurposeRules, 'key' | 'legalBasis' | 'channels'> & { scope?: Partial<PurposeScope> },
): PurposeRules => ({
  art9Basis: null,
  doubleOptIn: false,
  directMarketing: false,
  existingCustomers: false,
  ...p,
  scope: { ...OPEN_SCOPE, ...p.scope },
})

const NEWSLETTER = purpose({
  key: 'newsletter_email',
  legalBasis: 'consent',
  channels: ['email'],
  doubleOptIn: true,
  directMarketing: true,
})
const PHONE = purpose({
  key: 'phone_marketing',
  legalBasis: 'consent',
  channels: ['phone'],
  directMarketing: true,
})
const TRACKING = purpose({ key: 'web_tracking', legalBasis: 'consent', channels: ['web'] })
const POSTAL = purpose({
  key: 'postal_advertising',
  legalBasis: 'legitimate_interest',
  channels: ['post'],
  directMarketing: true,
})
const B2B = purpose({
  key: 'b2b_prospecting',
  legalBasis: 'legitimate_interest',
  channels: ['phone', 'post'],
  directMarketing: true,
  scope: { subjectKinds: ['b2b_contact'] },
})
/** Stored before the registry checked § 7(2) No. 1 UWG: calls on legitimate interest, no kinds named. */
const LEGACY_CALLS = purpose({
  key: 'legacy_calls',
  legalBasis: 'legitimate_interest',
  channels: ['phone', 'post'],
  directMarketing: true,
})
const EXISTING_CUSTOMERS = purpose({
  key: 'existing_customer_email',
  legalBasis: 'legitimate_interest',
  channels: ['email'],
  directMarketing: true,
  existingCustomers: true,
})
/** Stored before the registry refused it: legitimate-interest e-mail advertising without the flag. */
const LEGACY_EMAIL = purpose({
  key: 'legacy_mailing',
  legalBasis: 'legitimate_interest',
  channels: ['email', 'post'],
  directMarketing: true,
})
const FRAUD = purpose({ key: 'fraud_prevention', legalBasis: 'legitimate_interest', channels: ['none'] })
const PUBLIC = purpose({ key: 'public_register', legalBasis: 'public_task', channels: ['none', 'post'] })
const ORDER = purpose({
  key: 'order_processing',
  legalBasis: 'contract',
  channels: ['none', 'email', 'post'],
})
const INVOICING = purpose({
  key: 'invoicing_retention',
  legalBasis: 'legal_obligation',
  channels: ['none', 'post'],
  scope: { requiresRecord: 'invoice', restrictionException: 'important_public_interest' },
})
/** A legal obligation without an Art. 18(2) ground: restricted subjects are only stored. */
const RECORDS_DUTY = purpose({ key: 'records_duty', legalBasis: 'legal_obligation', channels: ['none'] })
const VITAL = purpose({ key: 'emergency', legalBasis: 'vital_interest', channels: ['phone'] })
const HEALTH_OFFERS = purpose({
  key: 'health_offers',
  legalBasis: 'consent',
  art9Basis: 'explicit_consent',
  channels: ['email'],
  doubleOptIn: true,
  directMarketing: true,
})
const CARE_CONTRACT = purpose({
  key: 'care_contract',
  legalBasis: 'contract',
  art9Basis: 'explicit_consent',
  channels: ['none'],
})
const CLINIC = purpose({
  key: 'clinic',
  legalBasis: 'contract',
  art9Basis: 'health_care',
  channels: ['none'],
})

const consent = (status: ConsentState['status'], expiresAt: Date | null = null): ConsentState => ({
  status,
  expiresAt,
})
const ALL_MARKETING: ObjectionKey = { scope: 'all_marketing', target: '*' }
const onChannel = (channel: Channel): ObjectionKey => ({ scope: 'channel', target: channel })
const onPurpose = (key: string): ObjectionKey => ({ scope: 'purpose', target: key })

interface Row {
  law: string
  purpose: PurposeRules
  channel: Channel
  subject?: Partial<SubjectFacts>
  specialCategory?: boolean
  expect: 'allowed' | DenialRule
}

/** One row per LEGAL.md case; `law` says which rule the row holds the code to. */
const TABLE: Row[] = [
  // Consent (Art. 6(1)(a), Art. 7) with double opt-in for e-mail
  { law: 'no consent at all', purpose: NEWSLETTER, channel: 'email', expect: 'no-consent' },
  {
    law: 'DOI requested, not confirmed',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('requested') },
    expect: 'consent-pending-confirmation',
  },
  {
    law: 'granted but DOI not confirmed: only the confirmation mail',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('granted') },
    expect: 'consent-pending-confirmation',
  },
  {
    law: 'DOI confirmed',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed') },
    expect: 'allowed',
  },
  {
    law: 'Art. 7(3) withdrawn',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('withdrawn') },
    expect: 'consent-withdrawn',
  },
  {
    law: 'expired (recorded)',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('expired') },
    expect: 'consent-expired',
  },
  {
    law: 'confirmed, validity not yet over',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed', LATER) },
    expect: 'allowed',
  },
  {
    law: 'confirmed, validity over (lapsed)',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed', EARLIER) },
    expect: 'consent-expired',
  },
  {
    law: 'lapses at the instant of expiry',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed', NOW) },
    expect: 'consent-expired',
  },
  {
    law: 'consent for e-mail does not cover SMS',
    purpose: NEWSLETTER,
    channel: 'sms',
    subject: { consent: consent('confirmed') },
    expect: 'channel-not-covered',
  },
  // Consent without DOI (phone: § 7(2) UWG prior express consent; web: § 25 TDDDG)
  {
    law: 'phone consent granted',
    purpose: PHONE,
    channel: 'phone',
    subject: { consent: consent('granted') },
    expect: 'allowed',
  },
  {
    law: 'phone consent only requested',
    purpose: PHONE,
    channel: 'phone',
    subject: { consent: consent('requested') },
    expect: 'consent-pending-confirmation',
  },
  {
    law: 'tracking consent granted',
    purpose: TRACKING,
    channel: 'web',
    subject: { consent: consent('granted', LATER) },
    expect: 'allowed',
  },
  {
    law: 'tracking consent lapsed',
    purpose: TRACKING,
    channel: 'web',
    subject: { consent: consent('granted', EARLIER) },
    expect: 'consent-expired',
  },
  // Art. 21(2)-(3): an objection to direct marketing is absolute, also against consent
  {
    law: 'consent, then objection to all marketing',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed'), objections: [ALL_MARKETING] },
    expect: 'objected',
  },
  {
    law: 'consent, objection to another channel',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed'), objections: [onChannel('post')] },
    expect: 'allowed',
  },
  {
    law: 'consent, objection on this channel',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed'), objections: [onChannel('email')] },
    expect: 'objected',
  },
  {
    law: 'non-marketing consent purpose ignores a marketing objection',
    purpose: TRACKING,
    channel: 'web',
    subject: { consent: consent('granted'), objections: [ALL_MARKETING] },
    expect: 'allowed',
  },
  // Legitimate interest (Art. 6(1)(f), Recital 47: postal advertising)
  { law: 'postal advertising without objection', purpose: POSTAL, channel: 'post', expect: 'allowed' },
  {
    law: 'postal advertising, objection per channel',
    purpose: POSTAL,
    channel: 'post',
    subject: { objections: [onChannel('post')] },
    expect: 'objected',
  },
  {
    law: 'postal advertising, objection per purpose',
    purpose: POSTAL,
    channel: 'post',
    subject: { objections: [onPurpose('postal_advertising')] },
    expect: 'objected',
  },
  {
    law: 'postal advertising, objection to all marketing',
    purpose: POSTAL,
    channel: 'post',
    subject: { objections: [ALL_MARKETING] },
    expect: 'objected',
  },
  {
    law: 'objection to another purpose',
    purpose: POSTAL,
    channel: 'post',
    subject: { objections: [onPurpose('b2b_prospecting')] },
    expect: 'allowed',
  },
  {
    law: 'objection to the phone does not stop post',
    purpose: B2B,
    channel: 'post',
    subject: { objections: [onChannel('phone')], kinds: ['b2b_contact'] },
    expect: 'allowed',
  },
  {
    law: 'objection to the phone stops phone prospecting',
    purpose: B2B,
    channel: 'phone',
    subject: { objections: [onChannel('phone')], kinds: ['b2b_contact'] },
    expect: 'objected',
  },
  {
    law: 'legitimate interest needs no consent',
    purpose: B2B,
    channel: 'phone',
    subject: { kinds: ['b2b_contact'] },
    expect: 'allowed',
  },
  // § 7(2) No. 1 UWG: advertising calls without consent reach businesses only
  {
    law: '§ 7(2) No. 1 UWG: B2B prospecting does not call a consumer',
    purpose: B2B,
    channel: 'phone',
    subject: { kinds: ['customer', 'lead'] },
    expect: 'subject-kind-not-covered',
  },
  {
    law: '§ 7(2) No. 1 UWG: nor write to one (the purpose reaches B2B contacts only)',
    purpose: B2B,
    channel: 'post',
    subject: { kinds: ['lead'] },
    expect: 'subject-kind-not-covered',
  },
  {
    law: '§ 7(2) No. 1 UWG: a purpose stored without kinds still calls businesses only',
    purpose: LEGACY_CALLS,
    channel: 'phone',
    subject: { kinds: ['customer'] },
    expect: 'subject-kind-not-covered',
  },
  {
    law: '… while its letters reach everyone (Recital 47)',
    purpose: LEGACY_CALLS,
    channel: 'post',
    subject: { kinds: ['customer'] },
    expect: 'allowed',
  },
  // § 7(2) No. 2, (3) UWG: e-mail/SMS advertising without consent only to existing customers
  {
    law: '§ 7(3) UWG: no order, no e-mail advertising without consent',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    expect: 'not-existing-customer',
  },
  {
    law: '§ 7(3) UWG: an existing customer, no consent needed',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    subject: { customer: true },
    expect: 'allowed',
  },
  {
    law: '§ 7(3) UWG: the customer objected to all marketing',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    subject: { customer: true, objections: [ALL_MARKETING] },
    expect: 'objected',
  },
  {
    law: '§ 7(3) UWG: the customer objected to e-mail',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    subject: { customer: true, objections: [onChannel('email')] },
    expect: 'objected',
  },
  {
    law: '§ 7(3) UWG: an objection outranks the missing order',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    subject: { objections: [onPurpose('existing_customer_email')] },
    expect: 'objected',
  },
  {
    law: '§ 7(3) UWG: restriction still stops it',
    purpose: EXISTING_CUSTOMERS,
    channel: 'email',
    subject: { customer: true, restricted: true },
    expect: 'restricted',
  },
  {
    law: 'a stored legitimate-interest e-mail purpose without the flag: only existing customers',
    purpose: LEGACY_EMAIL,
    channel: 'email',
    expect: 'not-existing-customer',
  },
  {
    law: 'the same purpose by post needs no order (Recital 47)',
    purpose: LEGACY_EMAIL,
    channel: 'post',
    expect: 'allowed',
  },
  {
    law: 'an order does not replace consent on a consent purpose',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { customer: true },
    expect: 'no-consent',
  },
  // Art. 21(1): non-marketing legitimate interest / public task — only a purpose objection counts
  {
    law: 'fraud prevention, all-marketing objection does not apply',
    purpose: FRAUD,
    channel: 'none',
    subject: { objections: [ALL_MARKETING] },
    expect: 'allowed',
  },
  {
    law: 'fraud prevention, objection to the purpose',
    purpose: FRAUD,
    channel: 'none',
    subject: { objections: [onPurpose('fraud_prevention')] },
    expect: 'objected',
  },
  {
    law: 'public task, objection to the purpose',
    purpose: PUBLIC,
    channel: 'post',
    subject: { objections: [onPurpose('public_register')] },
    expect: 'objected',
  },
  {
    law: 'public task, channel objection is about marketing only',
    purpose: PUBLIC,
    channel: 'post',
    subject: { objections: [onChannel('post')] },
    expect: 'allowed',
  },
  // Contract (b) and legal obligation (c): no consent needed, no objection possible
  { law: 'contract holds without consent', purpose: ORDER, channel: 'email', expect: 'allowed' },
  {
    law: 'contract can not be objected to',
    purpose: ORDER,
    channel: 'post',
    subject: { objections: [ALL_MARKETING, onChannel('post'), onPurpose('order_processing')] },
    expect: 'allowed',
  },
  {
    law: 'legal obligation can not be objected to',
    purpose: INVOICING,
    channel: 'none',
    subject: { objections: [onPurpose('invoicing_retention')], invoiced: true },
    expect: 'allowed',
  },
  {
    law: 'vital interest can not be objected to',
    purpose: VITAL,
    channel: 'phone',
    subject: { objections: [onPurpose('emergency'), onChannel('phone')] },
    expect: 'allowed',
  },
  {
    law: 'a contract purpose on a channel it does not use',
    purpose: ORDER,
    channel: 'sms',
    expect: 'channel-not-covered',
  },
  // Art. 18: restriction blocks all but what the law demands to keep
  {
    law: 'restricted: contract processing stops',
    purpose: ORDER,
    channel: 'none',
    subject: { restricted: true },
    expect: 'restricted',
  },
  {
    law: 'restricted: even with confirmed consent',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { restricted: true, consent: consent('confirmed') },
    expect: 'restricted',
  },
  {
    law: 'restricted: legitimate interest stops',
    purpose: POSTAL,
    channel: 'post',
    subject: { restricted: true },
    expect: 'restricted',
  },
  {
    law: 'restricted: retention for the tax audit continues (Art. 18(2) important public interest)',
    purpose: INVOICING,
    channel: 'none',
    subject: { restricted: true, invoiced: true },
    expect: 'allowed',
  },
  {
    law: 'Art. 18(2): a legal obligation without an exception ground only stores',
    purpose: RECORDS_DUTY,
    channel: 'none',
    subject: { restricted: true },
    expect: 'restricted',
  },
  {
    law: 'record-bound duty: invoicing retention reaches only subjects with an invoice',
    purpose: INVOICING,
    channel: 'none',
    subject: { restricted: true },
    expect: 'record-not-held',
  },
  // Art. 17: erased blocks everything, legal obligation included
  {
    law: 'erased: consent purpose',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { erased: true, consent: consent('confirmed') },
    expect: 'erased',
  },
  {
    law: 'erased: legal obligation',
    purpose: INVOICING,
    channel: 'none',
    subject: { erased: true },
    expect: 'erased',
  },
  {
    law: 'erased outranks restricted',
    purpose: ORDER,
    channel: 'none',
    subject: { erased: true, restricted: true },
    expect: 'erased',
  },
  // Art. 9: special categories need an Art. 9(2) exception, in a CRM explicit consent
  {
    law: 'special category on a purpose without Art. 9 basis',
    purpose: ORDER,
    channel: 'none',
    specialCategory: true,
    expect: 'special-category-without-explicit-consent',
  },
  {
    law: 'special category on a consent purpose without Art. 9 basis',
    purpose: NEWSLETTER,
    channel: 'email',
    subject: { consent: consent('confirmed') },
    specialCategory: true,
    expect: 'special-category-without-explicit-consent',
  },
  {
    law: 'special category with explicit consent (consent purpose)',
    purpose: HEALTH_OFFERS,
    channel: 'email',
    subject: { consent: consent('confirmed') },
    specialCategory: true,
    expect: 'allowed',
  },
  {
    law: 'explicit consent not confirmed yet',
    purpose: HEALTH_OFFERS,
    channel: 'email',
    subject: { consent: consent('granted') },
    specialCategory: true,
    expect: 'consent-pending-confirmation',
  },
  {
    law: 'special category on a contract purpose, explicit consent given',
    purpose: CARE_CONTRACT,
    channel: 'none',
    subject: { consent: consent('granted') },
    specialCategory: true,
    expect: 'allowed',
  },
  {
    law: 'special category on a contract purpose, no explicit consent',
    purpose: CARE_CONTRACT,
    channel: 'none',
    specialCategory: true,
    expect: 'special-category-without-explicit-consent',
  },
  {
    law: 'special category on a contract purpose, explicit consent withdrawn',
    purpose: CARE_CONTRACT,
    channel: 'none',
    subject: { consent: consent('withdrawn') },
    specialCategory: true,
    expect: 'special-category-without-explicit-consent',
  },
  {
    law: 'contract purpose without special categories needs no consent',
    purpose: CARE_CONTRACT,
    channel: 'none',
    expect: 'allowed',
  },
  {
    law: 'special category under another Art. 9(2) exception',
    purpose: CLINIC,
    channel: 'none',
    specialCategory: true,
    expect: 'allowed',
  },
]

const facts = (partial: Partial<SubjectFacts> = {}): SubjectFacts => ({
  erased: false,
  restricted: false,
  consent: null,
  objections: [],
  customer: false,
  kinds: ['customer'],
  invoiced: false,
  ...partial,
})

describe('permission rules: one row per LEGAL.md case', () => {
  it.each(TABLE)('$law → $expect', (row) => {
    const decision = decide({
      purpose: row.purpose,
      channel: row.channel,
      subject: facts(row.subject),
      specialCategory: row.specialCategory ?? false,
      now: NOW,
    })
    if (row.expect === 'allowed') {
      expect(decision).toEqual({
        allowed: true,
        basis: row.purpose.legalBasis,
        art9Basis: row.purpose.art9Basis,
      })
    } else {
      expect(decision).toMatchObject({ allowed: false, rule: row.expect })
      if (!decision.allowed) {
        expect(decision.reason.length).toBeGreaterThan(10)
        // Reasons name purposes and channels, never anything about the person.
        expect(decision.reason).not.toMatch(/@|\d{4}-\d{2}-\d{2}/)
      }
    }
  })

  it('covers every denial rule', () => {
    const covered = new Set(TABLE.map((r) => r.expect))
    for (const rule of DENIAL_RULES) expect(covered.has(rule), rule).toBe(true)
  })

  it('restricts every purpose without an Art. 18(2) ground, and stops at a channel the purpose lacks', () => {
    expect(decisionPlan(INVOICING, 'none', false).map((c) => c.kind)).toEqual(['erased', 'record'])
    expect(decisionPlan(RECORDS_DUTY, 'none', false).map((c) => c.kind)).toEqual(['erased', 'restricted'])
    expect(decisionPlan(ORDER, 'sms', false).map((c) => c.kind)).toEqual([
      'erased',
      'restricted',
      'channel-not-covered',
    ])
  })

  it('checks the existing customer after objections and before consent', () => {
    expect(decisionPlan(EXISTING_CUSTOMERS, 'email', false).map((c) => c.kind)).toEqual([
      'erased',
      'restricted',
      'objected',
      'existing-customer',
    ])
    expect(decisionPlan(POSTAL, 'post', false).map((c) => c.kind)).not.toContain('existing-customer')
    expect(decisionPlan(NEWSLETTER, 'email', false).map((c) => c.kind)).not.toContain('existing-customer')
    const order = DENIAL_RULES.indexOf('not-existing-customer')
    expect(DENIAL_RULES[order - 1]).toBe('objected')
    expect(DENIAL_RULES[order + 1]).toBe('no-consent')
  })

  it('derives the channel when the caller names none, only where that is unambiguous', () => {
    expect(defaultChannel(ORDER)).toBe('none')
    expect(defaultChannel(NEWSLETTER)).toBe('email')
    expect(defaultChannel(B2B)).toBeUndefined()
  })

  it('the seeded purposes decide as LEGAL.md says', () => {
    const seeded = (key: string) => PURPOSE_SEED.find((p) => p.key === key) as PurposeRules
    const verdict = (key: string, channel: Channel, subject: Partial<SubjectFacts> = {}) => {
      const d = decide({
        purpose: seeded(key),
        channel,
        subject: facts(subject),
        specialCategory: false,
        now: NOW,
      })
      return d.allowed ? 'allowed' : d.rule
    }
    expect(verdict('newsletter_email', 'email', { consent: consent('granted') })).toBe(
      'consent-pending-confirmation',
    )
    expect(verdict('newsletter_email', 'email', { consent: consent('confirmed') })).toBe('allowed')
    expect(verdict('postal_advertising', 'post')).toBe('allowed')
    expect(verdict('existing_customer_email', 'email')).toBe('not-existing-customer')
    expect(verdict('existing_customer_email', 'email', { customer: true })).toBe('allowed')
    expect(verdict('existing_customer_email', 'email', { customer: true, objections: [ALL_MARKETING] })).toBe(
      'objected',
    )
    expect(verdict('postal_advertising', 'post', { objections: [ALL_MARKETING] })).toBe('objected')
    expect(
      verdict('profiling_offers', 'none', { consent: consent('granted'), objections: [ALL_MARKETING] }),
    ).toBe('objected')
    expect(verdict('order_processing', 'email', { objections: [ALL_MARKETING] })).toBe('allowed')
    expect(verdict('invoicing_retention', 'none', { restricted: true })).toBe('record-not-held')
    expect(verdict('invoicing_retention', 'none', { restricted: true, invoiced: true })).toBe('allowed')
    expect(verdict('legal_claims', 'none', { restricted: true })).toBe('allowed')
    expect(verdict('b2b_prospecting', 'phone', { kinds: ['customer'] })).toBe('subject-kind-not-covered')
    expect(verdict('b2b_prospecting', 'phone', { kinds: ['b2b_contact'] })).toBe('allowed')
    expect(verdict('customer_service', 'phone', { restricted: true })).toBe('restricted')
    expect(verdict('fraud_prevention', 'none', { objections: [onPurpose('fraud_prevention')] })).toBe(
      'objected',
    )
  })
})
