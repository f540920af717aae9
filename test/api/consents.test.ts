import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type {
  ConsentProofViewJson,
  ConsentRecords27560,
} from '../../src/modules/consents/consent-proof.schemas.ts'
import { CONSENT_PROOF_RETENTION } from '../../src/modules/consents/consent-proof-retention.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, insertSubject, problemOf, type TestApp } from '../support/http.ts'

interface Decisions {
  decisions: { purposeKey: string; channel: string; allowed: boolean; rule?: string }[]
}

describeEachEngine('consent proof: GET /api/v1/subjects/{id}/consents and /consent-records', (runtime) => {
  let t: TestApp
  let marketing: string
  let marketingUserId: string
  let product: string
  let subject: string

  const newSubject = () => insertSubject(runtime())
  const call = (method: 'GET' | 'POST', path: string, cookie: string, payload?: object, id = subject) =>
    t.app.inject({
      method,
      url: `/api/v1/subjects/${id}${path}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const consent = async (payload: object) => {
    const res = await call('POST', '/consents', marketing, payload)
    expect(res.statusCode, res.body).toBe(201)
  }
  const auditOf = (id: string) =>
    runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'actor_type', 'actor_id', 'actor_role', 'reason', 'request_id'])
      .where(sql<boolean>`${id}::uuid = any(subject_ids)`)
      .orderBy('seq')
      .execute()

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    marketing = await t.signIn('proof-marketing@example.com', 'marketing')
    product = await t.signIn('proof-product@example.com', 'product')
    marketingUserId = (await runtime().services.access.findUserByEmail('proof-marketing@example.com'))!.id
    subject = await newSubject()
    // Double opt-in for the newsletter: asked on a web form, confirmed through the link.
    await consent({
      purposeKey: 'newsletter_email',
      channel: 'email',
      kind: 'requested',
      proof: { source: 'form', formKey: 'footer-signup', textVersion: 'nl-2026-03' },
    })
    await consent({
      purposeKey: 'newsletter_email',
      channel: 'email',
      kind: 'confirmed',
      proof: {
        source: 'email',
        doi: { confirmedAt: '2026-11-20T08:00:00Z', ip: '198.51.100.0', userAgent: 'Mail/1.0' },
      },
    })
    // Phone advertising: given in a call (with the reference to the recording), withdrawn by letter.
    await consent({
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'granted',
      proof: { source: 'phone', textVersion: 'tel-script-3', reference: 'call-2026-11-0042' },
    })
    await consent({
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'withdrawn',
      proof: { source: 'letter', reference: 'scan-2026-11-77', collectedAt: '2026-11-19T00:00:00Z' },
    })
    // SMS consent given by phone, but nobody noted where the evidence is.
    await consent({
      purposeKey: 'sms_marketing',
      channel: 'sms',
      kind: 'granted',
      proof: { source: 'phone', textVersion: 'sms-1' },
    })
    // Profiling consent that the expiry job has ended.
    await consent({
      purposeKey: 'profiling_offers',
      channel: 'none',
      kind: 'granted',
      proof: { source: 'portal', textVersion: 'prof-1' },
    })
    await consent({
      purposeKey: 'profiling_offers',
      channel: 'none',
      kind: 'expired',
      proof: { source: 'api' },
    })
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('shows the state per purpose and channel and every consent event with its proof and recorder', async () => {
    const res = await call('GET', '/consents', marketing)
    expect(res.statusCode, res.body).toBe(200)
    const view = res.json() as ConsentProofViewJson
    expect(view).toMatchObject({ subjectId: subject, erased: false, doNotContact: false, objections: [] })
    const state = (key: string) => view.consents.find((c) => c.purposeKey === key)
    expect(state('newsletter_email')).toMatchObject({
      channel: 'email',
      status: 'confirmed',
      counts: true,
      legalBasis: 'consent',
      expiresAt: null,
    })
    expect(state('phone_marketing')).toMatchObject({
      status: 'withdrawn',
      counts: false,
      rule: 'consent-withdrawn',
    })
    expect(state('phone_marketing')?.since).toBe(state('phone_marketing')?.withdrawnAt)
    expect(state('profiling_offers')).toMatchObject({
      status: 'expired',
      counts: false,
      rule: 'consent-expired',
    })
    expect(view.events.map((e) => `${e.purposeKey}:${e.kind}`)).toEqual([
      'newsletter_email:requested',
      'newsletter_email:confirmed',
      'phone_marketing:granted',
      'phone_marketing:withdrawn',
      'sms_marketing:granted',
      'profiling_offers:granted',
      'profiling_offers:expired',
    ])
    // Who recorded it, by id and by name (Art. 7(1): the collecting staff member).
    for (const e of view.events)
      expect(e.recordedBy).toEqual({ type: 'user', id: marketingUserId, name: 'proof-marketing@example.com' })
    const [requested, confirmed, granted, withdrawn, sms] = view.events
    expect(requested).toMatchObject({
      channel: 'email',
      source: 'form',
      purposeVersion: 1,
      proof: { formKey: 'footer-signup', textVersion: 'nl-2026-03' },
      gaps: [],
    })
    expect(confirmed?.proof).toMatchObject({
      doi: { confirmedAt: '2026-11-20T08:00:00Z', ip: '198.51.100.0' },
    })
    expect(granted).toMatchObject({
      source: 'phone',
      proof: { textVersion: 'tel-script-3', reference: 'call-2026-11-0042' },
      gaps: [],
    })
    expect(withdrawn).toMatchObject({ source: 'letter', proof: { reference: 'scan-2026-11-77' } })
    expect(sms?.gaps).toEqual(['no reference to the evidence of the phone consent (recording, letter, form)'])
    // § 7a UWG: the withdrawn phone consent's proof is still to be kept, five years from its grant.
    expect(view.proofRetention).toEqual([
      expect.objectContaining({ purposeKey: 'phone_marketing', channel: 'phone', law: '§ 7a UWG' }),
    ])
    const keep = view.proofRetention[0]!
    expect(new Date(keep.keepUntil).getUTCFullYear()).toBe(new Date(keep.lastGivenAt).getUTCFullYear() + 5)
  })

  it('an objection to all direct marketing (by letter) is the do-not-contact flag and stops legitimate interest at once', async () => {
    const other = await newSubject()
    await runtime().services.permissions.recordConsent([
      {
        subjectId: other,
        purposeKey: 'phone_marketing',
        channel: 'phone',
        kind: 'granted',
        proof: { source: 'phone', textVersion: 'tel-script-3', reference: 'call-1' },
        actor: { type: 'user', id: marketingUserId },
      },
    ])
    const before = (await call('GET', '/permissions', marketing, undefined, other)).json() as Decisions
    const allowed = (d: Decisions, purposeKey: string) => d.decisions.find((x) => x.purposeKey === purposeKey)
    expect(allowed(before, 'postal_advertising')).toMatchObject({ allowed: true }) // Art. 6(1)(f)
    const objected = await call(
      'POST',
      '/objections',
      marketing,
      { scope: 'all_marketing', source: 'letter', reference: 'scan-2026-11-91' },
      other,
    )
    expect(objected.statusCode, objected.body).toBe(201)
    const after = objected.json() as Decisions
    // Art. 21(3): at once, on every channel, against legitimate interest and consent alike.
    expect(allowed(after, 'postal_advertising')).toMatchObject({ allowed: false, rule: 'objected' })
    // (B2B prospecting never reaches this consumer: § 7(2) No. 1 UWG, before any objection.)
    expect(allowed(after, 'b2b_prospecting')).toMatchObject({
      allowed: false,
      rule: 'subject-kind-not-covered',
    })
    expect(allowed(after, 'phone_marketing')).toMatchObject({ allowed: false, rule: 'objected' })
    // Not direct marketing: the contract and the ordinary contact management go on.
    expect(allowed(after, 'order_processing')).toMatchObject({ allowed: true })
    expect(allowed(after, 'contact_management')).toMatchObject({ allowed: true })
    expect(
      await runtime().services.permissions.countAudience({
        purposeKey: 'postal_advertising',
        filter: { subjectIds: [other] },
      }),
    ).toBe(0)
    const view = (await call('GET', '/consents', marketing, undefined, other)).json() as ConsentProofViewJson
    expect(view.doNotContact).toBe(true)
    expect(view.objections).toEqual([expect.objectContaining({ scope: 'all_marketing', source: 'letter' })])
    expect(view.objectionEvents).toEqual([
      expect.objectContaining({
        action: 'raised',
        scope: 'all_marketing',
        source: 'letter',
        reference: 'scan-2026-11-91',
        recordedBy: { type: 'user', id: marketingUserId, name: 'proof-marketing@example.com' },
      }),
    ])
    // The consent itself still counts; the objection is what stops the calls.
    expect(view.consents).toEqual([expect.objectContaining({ purposeKey: 'phone_marketing', counts: true })])
  })

  it('is audited as a read, naming who looked, in which request', async () => {
    const res = await call('GET', '/consents', marketing)
    expect(res.statusCode).toBe(200)
    const reads = (await auditOf(subject)).filter((a) => a.request_id === res.headers['x-request-id'])
    expect(reads).toEqual([
      {
        action: 'read',
        actor_type: 'user',
        actor_id: marketingUserId,
        actor_role: 'marketing',
        reason: 'consent state and proof viewed',
        request_id: res.headers['x-request-id'],
      },
    ])
  })

  it('the permission routes ask for the contact category too: nothing shown, nothing recorded', async () => {
    const [roleName, cookie] = ['consent-clerk', await t.signIn('proof-clerk@example.com', 'admin')]
    // An admin-defined role that may record permissions but sees no contact data.
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/roles',
      headers: { cookie },
      payload: {
        name: roleName,
        description: 'records permissions only',
        permissions: ['subjects:read', 'permissions:write'],
        fieldCategories: ['purchases'],
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const clerk = await t.signIn('proof-clerk-2@example.com', roleName)
    const before = await runtime().database.db.selectFrom('objection_event').select('seq').execute()
    const reads = [
      await call('GET', '/permissions', clerk),
      await call('POST', '/objections', clerk, { scope: 'all_marketing', source: 'letter' }),
      await call('POST', '/consents', clerk, {
        purposeKey: 'sms_marketing',
        channel: 'sms',
        kind: 'withdrawn',
        proof: { source: 'letter' },
      }),
    ]
    for (const res of reads) {
      expect(res.statusCode, res.body).toBe(403)
      expect(problemOf(res).detail).toBe('your role lacks the field category contact')
    }
    expect(await runtime().database.db.selectFrom('objection_event').select('seq').execute()).toEqual(before)
    const denied = (await auditOf(subject)).filter((a) =>
      a.reason?.startsWith('permissions: role consent-clerk'),
    )
    expect(denied).toHaveLength(3)
  })

  it('refuses a role without the contact category with 403 naming it, and audits the refusal', async () => {
    for (const path of ['/consents', '/consent-records']) {
      const res = await call('GET', path, product)
      expect(res.statusCode, path).toBe(403)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:forbidden')
      expect(problem.detail).toBe('your role lacks the field category contact')
      expect(res.body).not.toContain('call-2026-11-0042')
      const audited = (await auditOf(subject)).filter((a) => a.request_id === res.headers['x-request-id'])
      expect(audited).toEqual([
        expect.objectContaining({
          action: 'denied',
          actor_role: 'product',
          reason: 'consent proof: role product lacks the field category contact',
        }),
      ])
    }
  })

  it('404 for an unknown subject, 400 for a malformed id', async () => {
    for (const path of ['/consents', '/consent-records']) {
      const unknown = await call('GET', path, marketing, undefined, '00000000-0000-4000-8000-000000000000')
      expect(unknown.statusCode, path).toBe(404)
      expect((await call('GET', path, marketing, undefined, 'not-a-uuid')).statusCode, path).toBe(400)
    }
  })

  it('gives ISO/IEC TS 27560 consent records in JSON-LD with DPV terms, one per purpose and channel', async () => {
    const res = await call('GET', '/consent-records', marketing)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/)
    const doc = res.json() as ConsentRecords27560
    expect(doc['@context']).toMatchObject({
      dpv: 'https://w3id.org/dpv#',
      'eu-gdpr': 'https://w3id.org/dpv/legal/eu/gdpr#',
      dct: 'http://purl.org/dc/terms/',
      'dpv:hasConsentStatus': { '@container': '@list' },
    })
    const records = doc['@graph']
    expect(records.map((r) => r['dct:identifier']).sort()).toEqual(
      ['newsletter_email/email', 'phone_marketing/phone', 'profiling_offers/none', 'sms_marketing/sms'].map(
        (k) => `${subject}/${k}`,
      ),
    )
    const required = [
      '@id',
      '@type',
      'dct:identifier',
      'dct:conformsTo',
      'dpv:hasDataSubject',
      'dpv:hasDataController',
      'dpv:hasJurisdiction',
      'dpv:hasApplicableLaw',
      'dpv:hasLegalBasis',
      'dpv:hasProcess',
      'dpv:hasNotice',
      'dpv:hasConsentControl',
      'dpv:hasConsentStatus',
    ]
    for (const record of records) {
      for (const key of required) expect(record, `${record['dct:identifier']} ${key}`).toHaveProperty([key])
      expect(record).toMatchObject({
        '@type': 'dpv:ConsentRecord',
        'dct:conformsTo': 'https://w3id.org/dpv/schema/dpv-27560#record',
        'dpv:hasDataSubject': { '@type': 'dpv:DataSubject', 'dct:identifier': subject },
        'dpv:hasApplicableLaw': 'eu-gdpr:GDPR',
        // Every seeded consent purpose rests on Art. 6(1)(a).
        'dpv:hasLegalBasis': ['eu-gdpr:A6-1-a'],
      })
      for (const status of record['dpv:hasConsentStatus']) {
        expect(status['dpv:isIndicatedAtTime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        expect(['dpv:DataSubject', 'dpv:DataController']).toContain(status['dpv:isIndicatedBy'])
        expect(status['dpv:isImplementedByEntity']).toBe(`urn:tresor:user:${marketingUserId}`)
      }
    }
    const byPurpose = (key: string) => records.find((r) => r['dct:identifier'].includes(`/${key}/`))!
    const statusTypes = (key: string) =>
      byPurpose(key)['dpv:hasConsentStatus'].map((s) => [s['@type']].flat().join(' '))
    expect(statusTypes('newsletter_email')).toEqual([
      'dpv:ConsentRequested',
      'dpv:ConsentGiven dpv:ExpressedConsent',
    ])
    expect(statusTypes('phone_marketing')).toEqual([
      'dpv:ConsentGiven dpv:ExpressedConsent',
      'dpv:ConsentWithdrawn',
    ])
    expect(statusTypes('profiling_offers')).toEqual([
      'dpv:ConsentGiven dpv:ExpressedConsent',
      'dpv:ConsentExpired',
    ])
    expect(byPurpose('phone_marketing')['tresor:currentStatus']).toBe('dpv:ConsentWithdrawn')
    expect(byPurpose('newsletter_email')['tresor:currentStatus']).toBe('dpv:ConsentGiven')
    expect(byPurpose('newsletter_email')['dpv:hasProcess']).toMatchObject({
      'dpv:hasPurpose': { '@type': 'dpv:DirectMarketing', 'dct:identifier': 'newsletter_email' },
      'dpv:hasPersonalData': 'pd:EmailAddress',
    })
    expect(byPurpose('newsletter_email')['dpv:hasNotice']).toEqual([
      expect.objectContaining({ '@type': 'dpv:ConsentNotice', 'dct:identifier': 'nl-2026-03' }),
    ])
    const [given, withdrawn] = byPurpose('phone_marketing')['dpv:hasConsentStatus']
    expect(given).toMatchObject({
      'dpv:isIndicatedBy': 'dpv:DataSubject',
      'dpv:hasIndicationMethod': 'orally in a phone call',
      'dct:source': 'call-2026-11-0042',
      'tresor:proof': { textVersion: 'tel-script-3' },
    })
    expect(withdrawn).toMatchObject({ 'dpv:hasIndicationMethod': 'letter', 'dct:source': 'scan-2026-11-77' })
    const audited = (await auditOf(subject)).filter((a) => a.request_id === res.headers['x-request-id'])
    expect(audited).toEqual([
      expect.objectContaining({
        action: 'read',
        reason: 'consent state and proof viewed as ISO/IEC TS 27560 records',
      }),
    ])
  })

  it('§ 7a UWG: phone consent proof is kept 5 years from the grant and from the last call', async () => {
    expect(CONSENT_PROOF_RETENTION.map((r) => r.law)).toContain('§ 7a UWG')
    const { permissions, consents } = runtime().services
    const caller = await newSubject()
    const untouched = await newSubject()
    await permissions.recordConsent([
      {
        subjectId: caller,
        purposeKey: 'phone_marketing',
        channel: 'phone',
        kind: 'granted',
        proof: { source: 'phone', textVersion: 'tel-1', reference: 'rec-1' },
        actor: { type: 'user', id: marketingUserId },
        at: new Date('2025-01-10T09:00:00Z'),
      },
      // E-mail consents carry no such duty.
      {
        subjectId: untouched,
        purposeKey: 'newsletter_email',
        channel: 'email',
        kind: 'requested',
        proof: { source: 'form', textVersion: 'nl-1' },
        actor: { type: 'user', id: marketingUserId },
      },
    ])
    expect((await consents.keepProofUntil([caller, untouched])).get(caller)?.toISOString()).toBe(
      '2030-01-10T09:00:00.000Z',
    )
    // A marketing call made on the consent: a touchpoint under the purpose on the phone channel.
    const events = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { cookie: marketing },
      payload: {
        events: [
          {
            subjectId: caller,
            type: 'service_call',
            channel: 'phone',
            purpose: 'phone_marketing',
            occurredAt: '2026-03-01T10:00:00Z',
          },
        ],
      },
    })
    expect(events.json(), events.body).toMatchObject({ accepted: 1 })
    const [entry] = await consents.proofRetention([caller, untouched])
    expect(entry).toMatchObject({ subjectId: caller, purposeKey: 'phone_marketing', channel: 'phone' })
    expect(entry?.lastGivenAt.toISOString()).toBe('2025-01-10T09:00:00.000Z')
    expect(entry?.lastUsedAt?.toISOString()).toBe('2026-03-01T10:00:00.000Z')
    expect(entry?.keepUntil.toISOString()).toBe('2031-03-01T10:00:00.000Z')
    // A withdrawal ends the consent, not the duty to keep its proof.
    await permissions.recordConsent([
      {
        subjectId: caller,
        purposeKey: 'phone_marketing',
        channel: 'phone',
        kind: 'withdrawn',
        proof: { source: 'letter', reference: 'scan-1' },
        actor: { type: 'user', id: marketingUserId },
      },
    ])
    const until = await consents.keepProofUntil([caller, untouched])
    expect([...until.keys()]).toEqual([caller])
    expect(until.get(caller)?.toISOString()).toBe('2031-03-01T10:00:00.000Z')
  })
})
