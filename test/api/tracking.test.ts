import { readFileSync } from 'node:fs'
import vm from 'node:vm'
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

interface Outcome {
  index: number
  status: 'accepted' | 'duplicate' | 'dropped'
  id?: string
  rule?: string
  field?: string
  reason?: string
}
interface TrackResult {
  accepted: number
  duplicates: number
  dropped: number
  results: Outcome[]
  consent: { signal: string; recorded: string | null }
}
interface TrackStats {
  from: string
  to: string
  accepted: number
  duplicates: number
  dropped: number
  droppedBy: Record<string, number>
  days: { day: string; source: string; outcome: string; count: number }[]
}

/**
 * A vendor list as small as TCString.encode accepts: encoding needs a GVL (its version and policy
 * go into the string), none is fetched, and Tresor reads no vendor of it.
 */
const TINY_GVL = {
  gvlSpecificationVersion: 3,
  vendorListVersion: 1,
  tcfPolicyVersion: 5,
  lastUpdated: '2026-01-01T00:00:00Z',
  purposes: {},
  specialPurposes: {},
  features: {},
  specialFeatures: {},
  vendors: {},
  stacks: {},
  dataCategories: {},
}

/** A real TC string from the IAB library: the purposes consented, and the publisher's own if given. */
function tcString(purposes: number[], publisher?: number[]): string {
  const model = new TCModel(new GVL(TINY_GVL))
  model.cmpId = 300
  model.cmpVersion = 2
  model.consentScreen = 1
  model.consentLanguage = 'EN'
  model.publisherCountryCode = 'DE'
  model.purposeConsents.set(purposes)
  if (publisher) model.publisherConsents.set(publisher)
  return TCString.encode(model)
}

const page = (path = '/pricing') => ({ type: 'page_view', properties: { path } })

describeEachEngine('web tracking (POST /api/v1/track)', (runtime) => {
  let t: TestApp
  let admin: string
  let siteKey: string
  let consenting: string

  const newSubject = () => createSubject(t.app, admin)
  const grantRecorded = async (subjectId: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjectId}/consents`,
      headers: { cookie: admin },
      payload: {
        purposeKey: 'web_tracking',
        channel: 'web',
        kind: 'granted',
        proof: { source: 'form', formKey: 'cookie-banner', textVersion: 'v1' },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
  }
  const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/track',
      headers: { authorization: `Bearer ${siteKey}`, ...headers },
      payload: { source: 'www.example.test', ...body },
    })
  const track = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await send(body, headers)
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as TrackResult
  }
  const storedPageViews = async (subjectId: string) =>
    (
      await runtime().database.transaction((tx) =>
        tx.query<{ type: string; channel: string; purpose_key: string; legal_basis: string; source: string }>(
          'select type, channel, purpose_key, legal_basis, source from touchpoint where subject_id = $1',
          [subjectId],
        ),
      )
    ).rows
  const consentOf = async (subjectId: string) => {
    const [state] = await runtime().services.permissions.stateOf([subjectId], 'web_tracking')
    return state?.consents.find((c) => c.channel === 'web')?.status ?? null
  }
  const lastProof = async (subjectId: string) =>
    (
      await runtime().database.transaction((tx) =>
        tx.query<{ kind: string; proof: Record<string, string>; actor_type: string }>(
          `select kind, proof, actor_type from consent_event
           where subject_id = $1 and purpose_key = 'web_tracking' order by occurred_at desc limit 1`,
          [subjectId],
        ),
      )
    ).rows[0]
  const rulesOf = (result: TrackResult) => result.results.map((r) => [r.status, r.rule ?? null])

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    const { roles, access } = runtime().services
    // The site key: a token acting in a role that may only send events (README, "Web tracking").
    await roles.create(
      {
        name: 'website',
        description: 'the tracking snippet on our website',
        permissions: ['events:write'],
        fieldCategories: ['behavioural'],
      },
      { actor: { type: 'system', id: 'test' } },
    )
    const owner = await access.findUserByEmail('admin@example.test')
    if (!owner) throw new Error('no admin')
    siteKey = (await access.createToken({ userId: owner.id, role: 'admin' }, 'www.example.test', 'website'))
      .token
    consenting = await newSubject()
    await grantRecorded(consenting)
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('stores page views of a subject with recorded tracking consent, under web_tracking', async () => {
    const result = await track({ subjectId: consenting, events: [page('/pricing'), page('/faq')] })
    expect(rulesOf(result)).toEqual([
      ['accepted', null],
      ['accepted', null],
    ])
    expect(result).toMatchObject({ accepted: 2, dropped: 0, consent: { signal: 'none', recorded: null } })
    expect(await storedPageViews(consenting)).toEqual([
      {
        type: 'page_view',
        channel: 'web',
        purpose_key: 'web_tracking',
        legal_basis: 'consent',
        source: 'www.example.test',
      },
      {
        type: 'page_view',
        channel: 'web',
        purpose_key: 'web_tracking',
        legal_basis: 'consent',
        source: 'www.example.test',
      },
    ])
  })

  it('drops page views of a subject without consent, and stores nothing', async () => {
    const silent = await newSubject()
    const result = await track({ subjectId: silent, events: [page()] })
    expect(rulesOf(result)).toEqual([['dropped', 'no-consent']])
    expect(result).toMatchObject({ accepted: 0, dropped: 1 })
    expect(await storedPageViews(silent)).toEqual([])
  })

  it('drops every event of a request with Sec-GPC: 1, even with recorded consent and a yes in the request', async () => {
    const before = (await storedPageViews(consenting)).length
    const result = await track(
      {
        subjectId: consenting,
        events: [page('/a'), page('/b')],
        tcString: tcString([1, 8, 9]),
        consent: { granted: true, textVersion: 'banner-v1' },
      },
      { 'sec-gpc': '1' },
    )
    expect(rulesOf(result)).toEqual([
      ['dropped', 'gpc'],
      ['dropped', 'gpc'],
    ])
    expect(result.consent).toEqual({ signal: 'gpc', recorded: null })
    expect(result.results[0]?.reason).toMatch(/Global Privacy Control/)
    expect((await storedPageViews(consenting)).length).toBe(before)
    // An opt-out for the request, not a withdrawal: the recorded consent stays.
    expect(await consentOf(consenting)).toBe('granted')
    // Without the header the same subject is tracked again.
    expect(rulesOf(await track({ subjectId: consenting, events: [page()] }))).toEqual([['accepted', null]])
  })

  it('honours a TCF string that consents to purpose 1 and the mapped purposes: recorded as consent, with proof', async () => {
    const visitor = await newSubject()
    const tc = tcString([1, 8, 9])
    const result = await track({ subjectId: visitor, events: [page()], tcString: tc })
    expect(rulesOf(result)).toEqual([['accepted', null]])
    expect(result.consent).toEqual({ signal: 'granted', recorded: 'granted' })
    expect(await consentOf(visitor)).toBe('granted')
    const proof = await lastProof(visitor)
    expect(proof).toMatchObject({ kind: 'granted', actor_type: 'token' })
    expect(proof?.proof).toMatchObject({ source: 'form', formKey: 'tcf-cmp' })
    expect(proof?.proof.textVersion).toMatch(/^TCF v2 policy 5, CMP 300 v2, screen 1, EN$/)
    expect(proof?.proof.reference).toMatch(/^tc-string-sha256:[0-9a-f]{64}$/)
    expect(await storedPageViews(visitor)).toHaveLength(1)
    // A consent in force is not recorded again with every page view; `gdpr_consent` is the same field.
    const again = await track({ subjectId: visitor, events: [page('/next')], gdpr_consent: tc })
    expect(again).toMatchObject({ accepted: 1, consent: { signal: 'granted', recorded: null } })
  })

  it('drops events under a TCF string that refuses a mapped purpose, and withdraws the recorded consent', async () => {
    const visitor = await newSubject()
    await grantRecorded(visitor)
    // Device access (1) yes, but neither measurement (8) nor audience statistics (9).
    const result = await track({
      subjectId: visitor,
      events: [page(), page('/x')],
      gdpr_consent: tcString([1]),
    })
    expect(rulesOf(result)).toEqual([
      ['dropped', 'tcf-refused'],
      ['dropped', 'tcf-refused'],
    ])
    expect(result.results[0]?.reason).toMatch(/purpose 8, 9/)
    expect(result.consent).toEqual({ signal: 'refused', recorded: 'withdrawn' })
    expect(await storedPageViews(visitor)).toEqual([])
    // Art. 7(3): the withdrawal holds for later requests without any signal too.
    expect(await consentOf(visitor)).toBe('withdrawn')
    expect(rulesOf(await track({ subjectId: visitor, events: [page()] }))).toEqual([
      ['dropped', 'consent-withdrawn'],
    ])
  })

  // tcString() without publisher purposes still carries an (empty) publisher segment, as every
  // service-specific string does: the test above shows that such a segment declares nothing.
  it('reads the publisher’s own purposes where the string declares them: a no there is a no', async () => {
    const visitor = await newSubject()
    const result = await track({
      subjectId: visitor,
      events: [page()],
      tcString: tcString([1, 8, 9], [1, 8]),
    })
    expect(rulesOf(result)).toEqual([['dropped', 'tcf-refused']])
    expect(result.results[0]?.reason).toMatch(/purpose 9,/)
    const both = await track({
      subjectId: visitor,
      events: [page()],
      tcString: tcString([1, 8, 9], [1, 8, 9]),
    })
    expect(rulesOf(both)).toEqual([['accepted', null]])
  })

  it('refuses a TC string that cannot be decoded with a 400 naming the field, and stores nothing', async () => {
    const visitor = await newSubject()
    await grantRecorded(visitor)
    for (const [field, value] of [
      ['tcString', 'definitely not a TC string'],
      ['gdpr_consent', 'CPaaaa'],
      ['tcString', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'], // TCF v1
    ] as const) {
      const res = await send({ subjectId: visitor, events: [page()], [field]: value })
      expect(res.statusCode, res.body).toBe(400)
      const problem = problemOf(res)
      expect(problem.type).toBe('urn:tresor:problem:validation')
      expect(problem.errors?.map((e) => [e.in, e.field])).toEqual([['body', field]])
      expect(res.body).not.toContain(value)
    }
    const mismatch = await send({
      subjectId: visitor,
      events: [page()],
      tcString: tcString([1, 8, 9]),
      gdpr_consent: tcString([1]),
    })
    expect(problemOf(mismatch).errors?.[0]?.field).toBe('gdpr_consent')
    expect(await storedPageViews(visitor)).toEqual([])
  })

  it('takes the banner’s yes as consent with its text version, and its no as a withdrawal', async () => {
    const visitor = await newSubject()
    const noVersion = await send({ subjectId: visitor, events: [page()], consent: { granted: true } })
    expect(problemOf(noVersion).errors?.[0]?.field).toBe('consent.textVersion')
    const yes = await track({
      subjectId: visitor,
      events: [page()],
      consent: { granted: true, textVersion: 'banner-v3' },
    })
    expect(yes).toMatchObject({ accepted: 1, consent: { signal: 'granted', recorded: 'granted' } })
    expect((await lastProof(visitor))?.proof).toMatchObject({
      formKey: 'tracking-banner',
      textVersion: 'banner-v3',
    })
    // The snippet's withdrawal: no events, only the banner's no.
    const no = await track({ subjectId: visitor, events: [], consent: { granted: false } })
    expect(no).toMatchObject({
      accepted: 0,
      dropped: 0,
      consent: { signal: 'refused', recorded: 'withdrawn' },
    })
    expect(await consentOf(visitor)).toBe('withdrawn')
    const after = await track({ subjectId: visitor, events: [page()], consent: { granted: false } })
    expect(rulesOf(after)).toEqual([['dropped', 'consent-refused']])
    expect(after.consent.recorded).toBeNull()
    expect(await storedPageViews(visitor)).toHaveLength(1)
  })

  it('takes only tracking events, each checked on its own; identifiers never pass', async () => {
    const result = await track({
      subjectId: consenting,
      events: [
        { type: 'form_submit', properties: { form: 'contact' } },
        { type: 'page_view', properties: { q: 'mail me at erika@example.com' } },
        { type: 'page_view', purpose: 'contact_management' },
        { type: 'page_view', occurredAt: 'yesterday' },
        'nonsense',
        page('/ok'),
      ],
    })
    expect(result.results.map((r) => [r.status, r.rule ?? null, r.field ?? null])).toEqual([
      ['dropped', 'invalid', 'type'],
      ['dropped', 'invalid', 'properties.q'],
      ['dropped', 'invalid', 'purpose'],
      ['dropped', 'invalid', 'occurredAt'],
      ['dropped', 'invalid', ''],
      ['accepted', null, null],
    ])
    expect(JSON.stringify(result)).not.toContain('erika@example.com')
    // Nothing to do at all is a bad request.
    expect(problemOf(await send({ subjectId: consenting, events: [] })).errors?.[0]?.field).toBe('events')
  })

  it('counts taken and dropped events per reason; the DPO sees them, the site key does not', async () => {
    const source = 'counting.example.test'
    const silent = await newSubject()
    await track({ source, subjectId: consenting, events: [page()] })
    await track({ source, subjectId: consenting, events: [page(), page()] }, { 'sec-gpc': '1' })
    await track({ source, subjectId: silent, events: [page()] })
    await track({ source, subjectId: silent, events: [page()], tcString: tcString([1, 8]) })
    await track({ source, subjectId: consenting, events: [{ type: 'form_submit' }] })
    const dpo = await t.signIn('dpo@example.test', 'dpo')
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/track/stats?source=${source}`,
      headers: { cookie: dpo },
    })
    expect(res.statusCode, res.body).toBe(200)
    const stats = res.json() as TrackStats
    expect(stats).toMatchObject({ accepted: 1, duplicates: 0, dropped: 5 })
    expect(stats.droppedBy).toEqual({ gpc: 2, 'no-consent': 1, 'tcf-refused': 1, invalid: 1 })
    const today = new Date().toISOString().slice(0, 10)
    expect(stats.to).toBe(today)
    expect(stats.days).toContainEqual({ day: today, source, outcome: 'gpc', count: 2 })
    // Counts only: no subject id anywhere.
    expect(res.body).not.toContain(silent)
    // All sites together hold at least these.
    const all = (
      await t.app.inject({ method: 'GET', url: '/api/v1/track/stats', headers: { cookie: dpo } })
    ).json() as TrackStats
    expect(all.droppedBy.gpc).toBeGreaterThanOrEqual(4)
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/v1/track/stats?from=2026-02-01&to=2026-01-01',
      headers: { cookie: dpo },
    })
    expect(problemOf(bad).errors?.[0]?.field).toBe('from')
    const bySiteKey = await t.app.inject({
      method: 'GET',
      url: '/api/v1/track/stats',
      headers: { authorization: `Bearer ${siteKey}` },
    })
    expect(bySiteKey.statusCode).toBe(403)
  })

  it('needs a site key with events:write; answers the browser’s CORS preflight', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/track',
      payload: { subjectId: consenting, events: [page()] },
    })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.headers['access-control-allow-origin']).toBe('*')
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/track',
      headers: {
        origin: 'https://www.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('*')
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/)
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('serves the snippet and the example page with their content types, and sets no cookie', async () => {
    const check = async (url: string, type: RegExp, headers: Record<string, string> = {}) => {
      const res: LightMyRequestResponse = await t.app.inject({ method: 'GET', url, headers })
      expect(res.statusCode, url).toBe(200)
      expect(String(res.headers['content-type']), url).toMatch(type)
      expect(res.headers['set-cookie'], url).toBeUndefined()
      return res
    }
    const snippet = await check('/p/tracking/tresor.js', /^text\/javascript; charset=utf-8/)
    expect(snippet.body).toContain('globalPrivacyControl')
    expect(snippet.body).toContain('__tcfapi')
    expect(snippet.body.length).toBeLessThan(8 * 1024)
    await check('/p/tracking/example.js', /^text\/javascript/)
    const de = await check('/p/tracking/example?lang=de', /^text\/html; charset=utf-8/)
    expect(de.body).toContain('<html lang="de">')
    expect(de.body).toContain('src="/p/tracking/tresor.js"')
    expect(de.headers['content-security-policy']).toMatch(/script-src 'self'/)
    const en = await check('/p/tracking/example?lang=en', /^text\/html/)
    expect(en.body).toContain('<html lang="en">')
    // One template, the words of each language filled in, none left out.
    expect(de.body).toContain('Dürfen wir Ihre Seitenaufrufe auswerten?')
    expect(de.body).toContain('data-text-version="example-banner-de-v1"')
    expect(en.body).toContain('May we analyse your page views?')
    for (const body of [de.body, en.body]) expect(body).not.toMatch(/\{\{/)
    const byBrowser = await check('/p/tracking/example', /^text\/html/, {
      'accept-language': 'de-DE,de;q=0.9',
    })
    expect(byBrowser.body).toContain('<html lang="de">')
  })
})

/**
 * The snippet, run in a bare stand-in for a browser page: what it sends, and when. No DOM
 * library: the snippet touches only these few things.
 */
describe('the tracking snippet (tresor.js)', () => {
  const source = readFileSync(new URL('../../src/modules/tracking/public/tresor.js', import.meta.url), 'utf8')
  const subject = '11111111-1111-4111-8111-111111111111'

  function runSnippet(
    options: {
      gpc?: boolean
      tcfapi?: (cmd: string, v: number, cb: (d: unknown, ok: boolean) => void) => void
      data?: Record<string, string>
    } = {},
  ) {
    const sent: {
      url: string
      init: { headers: Record<string, string>; body: string; credentials: string }
    }[] = []
    const listeners: ((e: { detail: unknown }) => void)[] = []
    const window: Record<string, unknown> = {
      dispatchEvent: (e: { detail: unknown }) => {
        for (const l of listeners) l(e)
      },
      addEventListener: (_: string, l: (e: { detail: unknown }) => void) => listeners.push(l),
      ...(options.tcfapi ? { __tcfapi: options.tcfapi } : {}),
    }
    const context = {
      window,
      document: {
        currentScript: {
          src: 'https://tresor.example.test/p/tracking/tresor.js',
          dataset: { subject, key: 'tresor_sitekey', textVersion: 'banner-v1', ...options.data },
        },
        referrer: 'https://search.example/?q=erika@example.com',
        cookie: '',
      },
      location: {
        pathname: '/shop/shoes',
        origin: 'https://www.example.test',
        hostname: 'www.example.test',
        href: 'https://www.example.test/shop/shoes',
      },
      navigator: { globalPrivacyControl: options.gpc === true },
      fetch: (url: string, init: { headers: Record<string, string>; body: string; credentials: string }) => {
        sent.push({ url, init })
        return Promise.resolve({ status: 200, json: () => Promise.resolve({}) })
      },
      CustomEvent: class {
        detail: unknown
        constructor(_: string, init: { detail: unknown }) {
          this.detail = init.detail
        }
      },
      URL,
    }
    vm.runInNewContext(source, context)
    const api = window.Tresor as {
      consent(granted: boolean): boolean
      pageView(): boolean
      state(): { consent: string }
    }
    const bodies = () => sent.map((s) => JSON.parse(s.init.body) as Record<string, unknown>)
    return { api, sent, bodies }
  }

  it('sends nothing before consent, then a page view with the banner’s consent; never cookies, never the full referrer', () => {
    const { api, sent, bodies } = runSnippet()
    expect(sent).toEqual([])
    expect(api.pageView()).toBe(false)
    expect(sent).toEqual([])
    api.consent(true)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.url).toBe('https://tresor.example.test/api/v1/track')
    expect(sent[0]?.init.headers.authorization).toBe('Bearer tresor_sitekey')
    expect(sent[0]?.init.credentials).toBe('omit')
    expect(bodies()[0]).toEqual({
      subjectId: subject,
      source: 'www.example.test',
      events: [{ type: 'page_view', properties: { path: '/shop/shoes', referrer: 'search.example' } }],
      consent: { granted: true, textVersion: 'banner-v1' },
    })
    api.consent(false)
    expect(bodies()[1]).toMatchObject({ events: [], consent: { granted: false } })
    expect(api.pageView()).toBe(false)
    expect(sent).toHaveLength(2)
  })

  it('sends nothing at all under Global Privacy Control, whatever the banner says', () => {
    const { api, sent } = runSnippet({ gpc: true })
    api.consent(true)
    expect(api.pageView()).toBe(false)
    expect(sent).toEqual([])
    expect(api.state().consent).toBe('gpc')
  })

  it('follows a TCF CMP: sends with its TC string when the purposes are consented, not otherwise', () => {
    const consented = runSnippet({
      tcfapi: (_cmd, _v, cb) =>
        cb(
          {
            gdprApplies: true,
            eventStatus: 'tcloaded',
            tcString: 'CQtcf',
            purpose: { consents: { 1: true, 8: true, 9: true } },
          },
          true,
        ),
    })
    expect(consented.bodies()).toEqual([
      expect.objectContaining({
        tcString: 'CQtcf',
        events: [expect.objectContaining({ type: 'page_view' })],
      }),
    ])
    expect(consented.bodies()[0]).not.toHaveProperty('consent')
    const refused = runSnippet({
      tcfapi: (_cmd, _v, cb) =>
        cb(
          {
            gdprApplies: true,
            eventStatus: 'tcloaded',
            tcString: 'CQno',
            purpose: { consents: { 1: true } },
          },
          true,
        ),
    })
    expect(refused.sent).toEqual([])
  })

  it('sends nothing without a subject id: anonymous visitors are not tracked', () => {
    const { api, sent } = runSnippet({ data: { subject: '' } })
    api.consent(true)
    expect(sent).toEqual([])
  })
})
