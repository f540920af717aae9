import { describe, expect, it } from 'vitest'
import type { ConsentUse } from '../../privacy/permissions/permission.service.ts'
import { CONSENT_PROOF_RETENTION, consentProofRetention, keepProofUntil } from './consent-proof-retention.ts'

const A = '00000000-0000-4000-8000-00000000000a'
const B = '00000000-0000-4000-8000-00000000000b'
const purposes = new Map([
  ['phone_marketing', { directMarketing: true }],
  ['service_hotline', { directMarketing: false }],
])
const use = (over: Partial<ConsentUse>): ConsentUse => ({
  subjectId: A,
  purposeKey: 'phone_marketing',
  channel: 'phone',
  lastGivenAt: new Date('2026-01-10T09:00:00Z'),
  lastUsedAt: null,
  ...over,
})

describe('§ 7a UWG: consent proof for phone advertising is kept 5 years from the grant and each use', () => {
  it('is one reviewable row of the rule book', () => {
    expect(CONSENT_PROOF_RETENTION).toEqual([
      { channel: 'phone', directMarketingOnly: true, period: 'P5Y', law: '§ 7a UWG' },
    ])
  })

  it('runs from the grant while the consent was never used', () => {
    const [entry] = consentProofRetention([use({})], purposes)
    expect(entry).toMatchObject({ law: '§ 7a UWG', period: 'P5Y', lastUsedAt: null })
    expect(entry?.keepUntil.toISOString()).toBe('2031-01-10T09:00:00.000Z')
  })

  it('runs from the last use when that is later, and from the grant when a use came before it', () => {
    const used = consentProofRetention([use({ lastUsedAt: new Date('2027-03-01T10:00:00Z') })], purposes)
    expect(used[0]?.keepUntil.toISOString()).toBe('2032-03-01T10:00:00.000Z')
    const regranted = consentProofRetention(
      [use({ lastGivenAt: new Date('2028-05-05T00:00:00Z'), lastUsedAt: new Date('2027-03-01T10:00:00Z') })],
      purposes,
    )
    expect(regranted[0]?.keepUntil.toISOString()).toBe('2033-05-05T00:00:00.000Z')
  })

  it('has nothing to keep for a consent never given, another channel, or a purpose that is no advertising', () => {
    expect(consentProofRetention([use({ lastGivenAt: null })], purposes)).toEqual([])
    expect(consentProofRetention([use({ channel: 'email' })], purposes)).toEqual([])
    expect(consentProofRetention([use({ purposeKey: 'service_hotline' })], purposes)).toEqual([])
    // A purpose the registry no longer knows: keep rather than lose the proof.
    expect(consentProofRetention([use({ purposeKey: 'gone' })], purposes)).toHaveLength(1)
  })

  it('gives per subject the latest date of all their consents', () => {
    const until = keepProofUntil(
      consentProofRetention(
        [
          use({}),
          use({ purposeKey: 'gone', lastGivenAt: new Date('2026-06-01T00:00:00Z') }),
          use({ subjectId: B, lastGivenAt: new Date('2025-02-02T00:00:00Z') }),
        ],
        purposes,
      ),
    )
    expect(Object.fromEntries([...until].map(([k, v]) => [k, v.toISOString()]))).toEqual({
      [A]: '2031-06-01T00:00:00.000Z',
      [B]: '2030-02-02T00:00:00.000Z',
    })
  })
})
