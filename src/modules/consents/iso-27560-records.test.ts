import { describe, expect, it } from 'vitest'
import type { HistoryEntry, SubjectPermissions } from '../../privacy/permissions/permission.service.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import { PURPOSE_SEED } from '../../privacy/purposes/purpose-seed.ts'
import { consentProofView, proofGaps } from './consent-proof-view.ts'
import { CONSENT_RECORD_CONTEXT, CONSENT_STATUS_TERMS } from './dpv-terms.ts'
import { iso27560Records } from './iso-27560-records.ts'

const SUBJECT = '00000000-0000-4000-8000-000000000001'
const STAFF = { type: 'user', id: 'u-1' }
const at = (iso: string) => new Date(iso)

const purposes = new Map<string, Purpose>(
  [
    ...PURPOSE_SEED,
    // A purpose on special categories with explicit consent (Art. 9(2)(a)) and a consent validity.
    {
      ...(PURPOSE_SEED.find((p) => p.key === 'profiling_offers') as Purpose),
      key: 'health_offers',
      art9Basis: 'explicit_consent' as const,
      consentValidity: 'P1Y',
    },
  ].map((p) => [
    p.key,
    { ...p, version: 1, createdAt: at('2026-01-01T00:00:00Z'), updatedAt: at('2026-01-01T00:00:00Z') },
  ]),
)

const consentEvent = (
  when: string,
  purposeKey: string,
  channel: string,
  what: string,
  proof: Record<string, unknown>,
): HistoryEntry => ({
  type: 'consent',
  at: at(when),
  what,
  purposeKey,
  channel,
  scope: null,
  ground: null,
  source: typeof proof.source === 'string' ? proof.source : null,
  purposeVersion: 1,
  proof,
  actor: STAFF,
})

const history: HistoryEntry[] = [
  consentEvent('2026-02-01T10:00:00Z', 'newsletter_email', 'email', 'requested', {
    source: 'form',
    formKey: 'footer',
    textVersion: 'nl-3',
  }),
  consentEvent('2026-02-01T10:05:00Z', 'newsletter_email', 'email', 'confirmed', {
    source: 'email',
    doi: { confirmedAt: '2026-02-01T10:05:00Z', ip: '198.51.100.0' },
  }),
  consentEvent('2026-03-01T09:00:00Z', 'phone_marketing', 'phone', 'granted', {
    source: 'phone',
    textVersion: 'tel-2',
  }),
  consentEvent('2026-04-01T09:00:00Z', 'phone_marketing', 'phone', 'withdrawn', {
    source: 'letter',
    reference: 'scan-77',
  }),
  consentEvent('2025-01-01T00:00:00Z', 'health_offers', 'none', 'granted', {
    source: 'portal',
    textVersion: 'h-1',
  }),
  {
    type: 'objection',
    at: at('2026-05-01T00:00:00Z'),
    what: 'raised',
    purposeKey: null,
    channel: null,
    scope: 'all_marketing',
    ground: null,
    source: 'letter',
    purposeVersion: null,
    proof: null,
    actor: STAFF,
  },
]

const state: SubjectPermissions = {
  subjectId: SUBJECT,
  erased: false,
  customer: false,
  invoiced: false,
  kinds: ['customer'],
  restriction: null,
  objections: [
    {
      scope: 'all_marketing',
      purposeKey: null,
      channel: null,
      source: 'letter',
      raisedAt: at('2026-05-01T00:00:00Z'),
    },
  ],
  consents: [
    {
      purposeKey: 'health_offers',
      channel: 'none',
      status: 'granted',
      requestedAt: null,
      grantedAt: at('2025-01-01T00:00:00Z'),
      confirmedAt: null,
      withdrawnAt: null,
      expiredAt: null,
      expiresAt: at('2026-01-01T00:00:00Z'),
      updatedAt: at('2025-01-01T00:00:00Z'),
    },
    {
      purposeKey: 'newsletter_email',
      channel: 'email',
      status: 'confirmed',
      requestedAt: at('2026-02-01T10:00:00Z'),
      grantedAt: null,
      confirmedAt: at('2026-02-01T10:05:00Z'),
      withdrawnAt: null,
      expiredAt: null,
      expiresAt: null,
      updatedAt: at('2026-02-01T10:05:00Z'),
    },
    {
      purposeKey: 'phone_marketing',
      channel: 'phone',
      status: 'withdrawn',
      requestedAt: null,
      grantedAt: at('2026-03-01T09:00:00Z'),
      confirmedAt: null,
      withdrawnAt: at('2026-04-01T09:00:00Z'),
      expiredAt: null,
      expiresAt: null,
      updatedAt: at('2026-04-01T09:00:00Z'),
    },
  ],
}

const view = consentProofView({ state, history, purposes, retention: [], now: at('2026-11-24T00:00:00Z') })
const doc = iso27560Records(view, purposes)
const recordOf = (purposeKey: string) => {
  const record = doc['@graph'].find((r) => r['dct:identifier'].split('/')[1] === purposeKey)
  if (!record) throw new Error(`no record for ${purposeKey}`)
  return record
}
const types = (status: Record<string, unknown>) => [status['@type']].flat()

describe('the consent proof view', () => {
  it('says which consents count now and why not, and raises the do-not-contact flag', () => {
    expect(view.doNotContact).toBe(true)
    expect(view.consents.map((c) => [c.purposeKey, c.counts, c.rule ?? null])).toEqual([
      ['health_offers', false, 'consent-expired'],
      ['newsletter_email', true, null],
      ['phone_marketing', false, 'consent-withdrawn'],
    ])
    expect(view.events).toHaveLength(5)
    expect(view.objectionEvents).toEqual([
      expect.objectContaining({
        action: 'raised',
        scope: 'all_marketing',
        source: 'letter',
        recordedBy: STAFF,
      }),
    ])
  })

  it('names what a proof lacks, without refusing anything', () => {
    expect(proofGaps('granted', { source: 'phone', textVersion: 'tel-2' }, undefined)).toEqual([
      'no reference to the evidence of the phone consent (recording, letter, form)',
    ])
    expect(
      proofGaps('granted', { source: 'letter', textVersion: 'l-1', reference: 'scan-1' }, undefined),
    ).toEqual([])
    expect(proofGaps('confirmed', { source: 'email' }, { doubleOptIn: true })).toEqual([
      'no double opt-in confirmation data (when the link was confirmed)',
    ])
    expect(proofGaps('withdrawn', { source: 'phone' }, undefined)).toEqual([])
    expect(proofGaps('requested', { source: 'form' }, undefined)).toEqual([
      'the version of the consent text shown is missing',
    ])
  })
})

describe('ISO/IEC TS 27560 consent records with DPV terms', () => {
  it('is JSON-LD with the DPV namespaces and an ordered status list', () => {
    expect(doc['@context']).toBe(CONSENT_RECORD_CONTEXT)
    expect(doc['@context']).toMatchObject({
      dpv: 'https://w3id.org/dpv#',
      'eu-gdpr': 'https://w3id.org/dpv/legal/eu/gdpr#',
      'dpv:hasConsentStatus': { '@container': '@list' },
      'dpv:hasLegalBasis': { '@type': '@id' },
    })
    expect(doc['@graph']).toHaveLength(3)
  })

  it('maps every event to its DPV consent status, in order, with the consent type on giving', () => {
    const newsletter = recordOf('newsletter_email')['dpv:hasConsentStatus']
    expect(newsletter.map(types)).toEqual([
      ['dpv:ConsentRequested'],
      ['dpv:ConsentGiven', 'dpv:ExpressedConsent'],
    ])
    expect(newsletter[0]).toMatchObject({
      'dpv:isIndicatedBy': 'dpv:DataController',
      'dpv:isImplementedByEntity': 'urn:tresor:user:u-1',
      'dpv:hasIndicationMethod': 'web form: footer',
      'dpv:hasNotice': 'urn:tresor:notice:newsletter_email:nl-3',
    })
    expect(newsletter[1]).toMatchObject({
      'dpv:isIndicatedBy': 'dpv:DataSubject',
      'dpv:isIndicatedAtTime': '2026-02-01T10:05:00.000Z',
      'tresor:proof': { doi: { ip: '198.51.100.0' } },
    })
    const phone = recordOf('phone_marketing')
    expect(phone['dpv:hasConsentStatus'].map(types)).toEqual([
      ['dpv:ConsentGiven', 'dpv:ExpressedConsent'],
      ['dpv:ConsentWithdrawn'],
    ])
    expect(phone['dpv:hasConsentStatus'][1]).toMatchObject({ 'dct:source': 'scan-77' })
    expect(phone['tresor:currentStatus']).toBe(CONSENT_STATUS_TERMS.withdrawn)
  })

  it('names the legal bases and the purpose in DPV, explicit consent for Art. 9, and a lapse as expiry', () => {
    const newsletter = recordOf('newsletter_email')
    expect(newsletter['dpv:hasLegalBasis']).toEqual(['eu-gdpr:A6-1-a'])
    expect(newsletter['dpv:hasProcess']).toMatchObject({
      'dpv:hasPurpose': { '@type': 'dpv:DirectMarketing', 'dct:identifier': 'newsletter_email' },
      'dpv:hasPersonalData': 'pd:EmailAddress',
    })
    const health = recordOf('health_offers')
    expect(health['dpv:hasLegalBasis']).toEqual(['eu-gdpr:A6-1-a', 'eu-gdpr:A9-2-a'])
    const [given, lapsed] = health['dpv:hasConsentStatus']
    expect(types(given as Record<string, unknown>)).toEqual([
      'dpv:ConsentGiven',
      'dpv:ExplicitlyExpressedConsent',
    ])
    expect(given).toMatchObject({
      'dpv:hasDuration': { '@type': 'dpv:TemporalDuration', 'rdf:value': 'P1Y' },
    })
    expect(lapsed).toMatchObject({
      '@type': 'dpv:ConsentExpired',
      'dpv:isIndicatedAtTime': '2026-01-01T00:00:00.000Z',
    })
    expect(health['tresor:currentStatus']).toBe('dpv:ConsentExpired')
  })
})
