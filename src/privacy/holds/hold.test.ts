import { describe, expect, it } from 'vitest'
import {
  BILLING_IDENTITY,
  derivedHolds,
  type EnteredHold,
  enteredHolds,
  erasureAnswerText,
  type HoldFacts,
  holdsInForce,
  inForce,
  planHeldErasure,
  seededHoldRules,
} from './hold.ts'

const rules = seededHoldRules()
const none: HoldFacts = { invoices: [], consents: [], entered: [] }
const at = (iso: string) => new Date(iso)

describe('holds derived from the data', () => {
  it('keeps an invoice, its order and the billing identity 8 years from the end of the year of issue', () => {
    const [hold, ...rest] = derivedHolds(
      {
        ...none,
        invoices: [
          {
            id: 'i1',
            orderId: 'o1',
            issuedAt: at('2026-03-10T12:00:00Z'),
            paidAt: at('2026-04-01T00:00:00Z'),
          },
        ],
      },
      rules,
    )
    expect(rest).toEqual([])
    expect(hold).toMatchObject({
      id: 'invoice:i1',
      source: 'invoice',
      exception: 'Art. 17(3)(b) GDPR',
      law: '§ 147(3) AO, § 257(4) HGB',
      purpose: 'invoicing_retention',
      fields: BILLING_IDENTITY,
      records: { invoice: ['i1'], customer_order: ['o1'] },
      untilEvent: null,
    })
    // 1 January 2035, midnight in Berlin (§ 147(4) AO: from the end of the calendar year).
    expect(hold?.until?.toISOString()).toBe('2034-12-31T23:00:00.000Z')
  })

  it('follows the BEG IV transition: a voucher whose 10 years ran out by 2025 was due under the old law', () => {
    const [old] = derivedHolds(
      {
        ...none,
        invoices: [
          {
            id: 'i0',
            orderId: null,
            issuedAt: at('2014-06-01T00:00:00Z'),
            paidAt: at('2014-07-01T00:00:00Z'),
          },
        ],
      },
      rules,
    )
    expect(old?.until?.toISOString()).toBe('2024-12-31T23:00:00.000Z')
    expect(old?.records).toEqual({ invoice: ['i0'] })
    const [newer] = derivedHolds(
      {
        ...none,
        invoices: [
          {
            id: 'i2',
            orderId: null,
            issuedAt: at('2018-06-01T00:00:00Z'),
            paidAt: at('2018-07-01T00:00:00Z'),
          },
        ],
      },
      rules,
    )
    expect(newer?.until?.toISOString()).toBe('2026-12-31T23:00:00.000Z')
  })

  it('keeps an unpaid invoice open-ended: the claim (Art. 17(3)(e))', () => {
    const holds = derivedHolds(
      {
        ...none,
        invoices: [{ id: 'i1', orderId: null, issuedAt: at('2010-01-01T00:00:00Z'), paidAt: null }],
      },
      rules,
    )
    expect(holds.map((h) => h.id)).toEqual(['invoice:i1', 'unpaid-invoice:i1'])
    const now = at('2030-01-01T00:00:00Z')
    expect(holds.filter((h) => inForce(h, now)).map((h) => [h.id, h.until, h.untilEvent])).toEqual([
      ['unpaid-invoice:i1', null, 'paid'],
    ])
  })

  it('keeps the number and the proof of a phone consent 5 years from the grant and from each use (§ 7a UWG)', () => {
    const consent = {
      purposeKey: 'phone_marketing',
      channel: 'phone' as const,
      directMarketing: true,
      lastGivenAt: at('2026-01-01T00:00:00Z'),
      lastUsedAt: at('2027-05-05T00:00:00Z'),
      useIds: ['t1', 't2'],
    }
    const [hold] = derivedHolds({ ...none, consents: [consent] }, rules)
    expect(hold).toMatchObject({
      id: 'phone-consent:phone_marketing',
      law: '§ 7a UWG',
      purpose: 'legal_claims',
      fields: ['phone'],
      records: { touchpoint: ['t1', 't2'] },
      consentProof: true,
    })
    expect(hold?.until?.toISOString()).toBe('2032-05-05T00:00:00.000Z')
    expect(
      derivedHolds({ ...none, consents: [{ ...consent, lastUsedAt: null, useIds: [] }] }, rules)[0]?.until,
    ).toEqual(at('2031-01-01T00:00:00Z'))
    // Not advertising, or never given: nothing to prove.
    expect(derivedHolds({ ...none, consents: [{ ...consent, directMarketing: false }] }, rules)).toEqual([])
    expect(derivedHolds({ ...none, consents: [{ ...consent, lastGivenAt: null }] }, rules)).toEqual([])
  })
})

describe('holds the DPO enters', () => {
  const entered: EnteredHold = {
    subjectId: 's',
    id: 'h1',
    ground: 'authority_request',
    reason: 'Request of the public prosecutor, file 12 Js 34/26',
    fieldCategories: ['identity', 'bank'],
    recordKinds: ['deal'],
    until: at('2027-01-01T00:00:00Z'),
    setBy: { type: 'user', id: 'dpo' },
    createdAt: at('2026-12-01T00:00:00Z'),
    liftedAt: null,
    liftedBy: null,
  }

  it('keep the identifiers of their categories and every record of their kinds, until their end or lift', () => {
    const [hold] = enteredHolds([entered])
    expect(hold).toMatchObject({
      id: 'h1',
      exception: 'Art. 17(3)(b) GDPR',
      fields: ['firstName', 'lastName', 'birthDate', 'iban', 'accountHolder'],
      records: { deal: 'all' },
      untilEvent: 'lifted',
    })
    expect(inForce(hold as never, at('2026-12-31T00:00:00Z'))).toBe(true)
    expect(inForce(hold as never, at('2027-01-01T00:00:00Z'))).toBe(false)
    const [lifted] = enteredHolds([{ ...entered, liftedAt: at('2026-12-02T00:00:00Z') }])
    expect(inForce(lifted as never, at('2026-12-03T00:00:00Z'))).toBe(false)
  })
})

describe('what a held erasure keeps', () => {
  it('is the union of the holds in force, and ends with the last of them', () => {
    const now = at('2026-12-07T00:00:00Z')
    const holds = holdsInForce(
      {
        invoices: [
          {
            id: 'i1',
            orderId: 'o1',
            issuedAt: at('2026-01-01T00:00:00Z'),
            paidAt: at('2026-01-02T00:00:00Z'),
          },
          {
            id: 'i2',
            orderId: 'o1',
            issuedAt: at('2025-01-01T00:00:00Z'),
            paidAt: at('2025-01-02T00:00:00Z'),
          },
        ],
        consents: [],
        entered: [],
      },
      rules,
      now,
    )
    const plan = planHeldErasure(holds)
    expect(plan.fields).toEqual(BILLING_IDENTITY)
    expect(plan.records).toEqual({ invoice: ['i1', 'i2'], customer_order: ['o1'] })
    expect(plan.holdIds).toEqual(['invoice:i1', 'invoice:i2'])
    expect(plan.until?.toISOString()).toBe('2034-12-31T23:00:00.000Z')
    const withOpen = planHeldErasure([
      ...holds,
      ...enteredHolds([
        {
          subjectId: 's',
          id: 'h',
          ground: 'dispute',
          reason: 'Dispute about delivery 2026-17',
          fieldCategories: ['contact'],
          recordKinds: ['invoice'],
          until: null,
          setBy: { type: 'user', id: 'dpo' },
          createdAt: now,
          liftedAt: null,
          liftedBy: null,
        },
      ]),
    ])
    expect(withOpen.until).toBeNull()
    expect(withOpen.records.invoice).toBe('all')
    expect(withOpen.fields).toEqual([
      ...BILLING_IDENTITY.slice(0, 2),
      'email',
      'phone',
      ...BILLING_IDENTITY.slice(2),
    ])
  })

  it('answers the person in words, naming the law and the date', () => {
    const text = erasureAnswerText(
      {
        subjectId: 's',
        erasedAt: at('2026-12-07T10:00:00Z'),
        outcome: 'held',
        erased: { identifiers: ['email'], records: [{ kind: 'touchpoint', count: 3 }] },
        kept: [
          {
            holdId: 'invoice:i1',
            source: 'invoice',
            exception: 'Art. 17(3)(b) GDPR',
            law: '§ 147(3) AO, § 257(4) HGB',
            purpose: 'invoicing_retention',
            reason: { de: 'Rechnungen 8 Jahre.', en: 'Invoices 8 years.' },
            fields: ['lastName'],
            categories: ['identity', 'address'],
            records: [{ kind: 'invoice', count: 1 }],
            until: at('2034-12-31T23:00:00Z'),
            untilEvent: null,
          },
        ],
        restrictedTo: ['invoicing_retention'],
      },
      'de',
    )
    expect(text).toContain('am 2026-12-07 gelöscht')
    expect(text).toContain(
      '- Name, Anschrift, Rechnungen: bis 2034-12-31; § 147(3) AO, § 257(4) HGB. Rechnungen 8 Jahre.',
    )
  })
})
