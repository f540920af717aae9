import { createHash } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dueDate } from '../../src/modules/requests/request-deadline.ts'
import { formatLocalDate, formatLocalTime } from '../../src/platform/local-time.ts'
import { purgePortalAccessJob } from '../../src/privacy/portal-access/portal-access.jobs.ts'
import {
  addressSequence,
  buildTestApp,
  createSubject,
  decisionOf,
  permissionsOf as fetchPermissions,
  htmlOf,
  type TestApp,
} from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'
/** Mail goes to the test SMTP server, from this sender; links point to PUBLIC_URL. */
const MAIL = { publicUrl: PUBLIC_URL, mailFrom: 'Tresor <privacy@example.com>' }
const LINK = /https:\/\/crm\.example\.test\/p\/portal\/login\/([A-Za-z0-9_-]{43})\?lang=(de|en)/
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

interface StaffRequest {
  id: string
  kind: string
  channel: string
  status: string
  receivedAt: string
  dueAt: string
  hasDetails: boolean
  details?: string | null
  recordedBy: { type: string; id: string }
}

/** A signed-in portal browser: its cookie header and the anti-CSRF token of its page. */
interface Browser {
  cookie: string
  csrf: string
}

/**
 * Issue #5: the privacy portal with a real SMTP server receiving the sign-in mail — the same answer
 * for every address, links that survive GETs and work once, the session cookie, the page (consents
 * with since when, what can be done), each action through the permission service with proof,
 * CSRF, requests with their deadline, sign-out, and erasure taking links and sessions with it.
 */
describeEachEngineWithMail('privacy portal', MAIL, (runtime, smtp) => {
  let t: TestApp
  let admin: string
  let dpo: string
  /** A fresh client address per call, so the per-IP rate limit only bites where a test wants it. */
  const nextIp = addressSequence('198.51.100')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@portal.test', 'admin')
    dpo = await t.signIn('dpo@portal.test', 'dpo')
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const createPerson = (email: string) => createSubject(t.app, admin, { email, firstName: 'Test' })
  const askForLink = (email: string, options: { ip?: string; lang?: 'de' | 'en' } = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/p/portal/login?lang=${options.lang ?? 'de'}`,
      remoteAddress: options.ip ?? nextIp(),
      headers: FORM,
      payload: `email=${encodeURIComponent(email)}`,
    })
  const linkOf = async (email: string): Promise<{ path: string; token: string }> => {
    const mail = await smtp().nextMailTo(email)
    const match = LINK.exec(mail.parsed.text ?? '')
    if (!match) throw new Error(`no sign-in link in the mail: ${mail.parsed.text}`)
    return { path: match[0].replace(PUBLIC_URL, ''), token: match[1] as string }
  }
  const open = (
    path: string,
    options: { method?: 'GET' | 'POST' | 'HEAD'; cookie?: string; ip?: string } = {},
  ) =>
    t.app.inject({
      method: options.method ?? 'GET',
      url: path,
      remoteAddress: options.ip ?? nextIp(),
      headers: {
        'user-agent': 'PortalBrowser/3.0',
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.method === 'POST' ? FORM : {}),
      },
      ...(options.method === 'POST' ? { payload: '' } : {}),
    })
  const me = (cookie: string, lang: 'de' | 'en' = 'de', query = '') =>
    t.app.inject({ method: 'GET', url: `/p/portal/me?lang=${lang}${query}`, headers: { cookie } })
  const csrfIn = (body: string): string => {
    const match = /name="csrf" value="([^"]+)"/.exec(body)
    if (!match) throw new Error('no csrf token on the page')
    return match[1] as string
  }
  const signIn = async (email: string): Promise<Browser> => {
    expect((await askForLink(email)).statusCode).toBe(200)
    const { path } = await linkOf(email)
    const res = await open(path, { method: 'POST' })
    expect(res.statusCode).toBe(303)
    const cookie = res.cookies.find((c) => c.name === 'tresor_portal')
    if (!cookie) throw new Error('no portal cookie')
    const header = `tresor_portal=${cookie.value}`
    const page = await me(header)
    expect(page.statusCode).toBe(200)
    return { cookie: header, csrf: csrfIn(page.body) }
  }
  const post = (
    browser: Browser | { cookie?: string; csrf?: string },
    path: string,
    fields: Record<string, string>,
  ) =>
    t.app.inject({
      method: 'POST',
      url: `${path}?lang=de`,
      remoteAddress: '203.0.113.250',
      headers: {
        ...FORM,
        'user-agent': 'PortalBrowser/3.0',
        ...(browser.cookie ? { cookie: browser.cookie } : {}),
      },
      payload: new URLSearchParams({ ...(browser.csrf ? { csrf: browser.csrf } : {}), ...fields }).toString(),
    })
  const permissionsOf = (subjectId: string) => fetchPermissions(t.app, admin, subjectId)
  const staffRequests = async (subjectId: string): Promise<StaffRequest[]> => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}/requests`,
      headers: { cookie: dpo },
    })
    expect(res.statusCode).toBe(200)
    return res.json() as StaffRequest[]
  }
  const count = async (
    table: 'portal_link' | 'portal_session' | 'portal_token' | 'dsr_request',
    subjectId: string,
  ) =>
    Number(
      (
        await runtime()
          .database.db.selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('subject_id', '=', subjectId)
          .executeTakeFirstOrThrow()
      ).n,
    )
  const html = (res: LightMyRequestResponse) => {
    expect(res.headers['content-security-policy']).toContain("default-src 'none'")
    return htmlOf(res)
  }

  it('answers every address the same; only a known one gets a mail, a transactional one, once per window', async () => {
    await createPerson('known@example.com')
    const page = await t.app.inject({ method: 'GET', url: '/p/portal', headers: { 'accept-language': 'de' } })
    expect(html(page)).toContain('Ihre Datenschutz-Einstellungen')
    expect(page.body).toContain('action="/p/portal/login?lang=de"')
    expect(page.body).not.toContain('<script')

    const unknown = await askForLink('nobody@example.com')
    const known = await askForLink('Known@Example.com')
    expect(unknown.statusCode).toBe(200)
    expect(known.statusCode).toBe(200)
    expect(html(known)).toContain('Bitte sehen Sie in Ihr Postfach')
    expect(known.body).toBe(unknown.body)
    expect(known.body).not.toContain('known@example.com')

    const mail = await smtp().nextMailTo('known@example.com')
    expect(mail.from).toBe('privacy@example.com')
    expect(mail.parsed.subject).toBe('Ihr Anmeldelink zu Ihren Datenschutz-Einstellungen')
    expect(LINK.exec(mail.parsed.text ?? '')?.[2]).toBe('de')
    expect(mail.parsed.text).toContain('nur einmal')
    // A transactional mail the person asked for: no unsubscribe headers.
    expect(mail.parsed.headers.has('list-unsubscribe')).toBe(false)
    expect(await smtp().settledMailsTo('nobody@example.com')).toHaveLength(0)

    // Asked again within the resend window: the same answer, no second mail.
    const again = await askForLink('known@example.com')
    expect(again.body).toBe(unknown.body)
    expect(await smtp().settledMailsTo('known@example.com')).toHaveLength(1)

    // Not an address at all: said so, in the page's language, nothing sent.
    const bad = await askForLink('not-an-address', { lang: 'en' })
    expect(bad.statusCode).toBe(400)
    expect(html(bad)).toContain('This is not a valid e-mail address.')
  })

  it('opening the link changes nothing; the POST signs in once with a safe cookie; replays say so', async () => {
    const id = await createPerson('lena@example.com')
    await askForLink('lena@example.com')
    const { path, token } = await linkOf('lena@example.com')

    // Mail scanners and link checkers: GET (twice) and HEAD use nothing up.
    for (let i = 0; i < 2; i++) {
      const shown = await open(path)
      expect(shown.statusCode).toBe(200)
      expect(html(shown)).toContain(`action="/p/portal/login/${token}?lang=de"`)
      expect(shown.body).toContain('Anmelden')
    }
    expect((await open(path, { method: 'HEAD' })).statusCode).not.toBe(200)
    expect(await count('portal_session', id)).toBe(0)

    // Only the digest of the token is stored.
    const digests = (
      await runtime().database.db.selectFrom('portal_token').select('token_hash').execute()
    ).map((r) => Buffer.from(r.token_hash).toString('hex'))
    expect(digests).toContain(createHash('sha256').update(token).digest('hex'))

    const signedIn = await open(path, { method: 'POST' })
    expect(signedIn.statusCode).toBe(303)
    expect(signedIn.headers.location).toBe('/p/portal/me?lang=de')
    const cookie = signedIn.cookies.find((c) => c.name === 'tresor_portal')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/p/portal', secure: true })
    expect(cookie?.maxAge).toBeGreaterThan(0)
    expect(cookie?.value).not.toBe(token)
    expect(await count('portal_session', id)).toBe(1)

    // Replayed: says so, signs no one in.
    const replay = await open(path, { method: 'POST' })
    expect(replay.statusCode).toBe(410)
    expect(html(replay)).toContain('Link schon verwendet')
    expect(replay.cookies.find((c) => c.name === 'tresor_portal')).toBeUndefined()
    expect((await open(path)).statusCode).toBe(410)
    expect(await count('portal_session', id)).toBe(1)

    // The sign-in is in the subject's history, by the subject.
    const history = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${id}/history`,
      headers: { cookie: admin },
    })
    const login = (
      history.json() as { items: { action: string; actor: { type: string; id: string } }[] }
    ).items.find((i) => i.action === 'login')
    expect(login?.actor).toMatchObject({ type: 'subject', id })
  })

  it('expired, tampered, unknown and malformed links say why, in the page language, and sign no one in', async () => {
    const id = await createPerson('max@example.com')
    await askForLink('max@example.com', { lang: 'en' })
    const { path, token } = await linkOf('max@example.com')

    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`
    for (const method of ['GET', 'POST'] as const) {
      const tampered = await open(path.replace(token, flipped), { method })
      expect(tampered.statusCode).toBe(404)
      expect(html(tampered)).toContain('We do not know this sign-in link')
    }
    for (const bogus of ['/p/portal/login/abc', `/p/portal/login/${'x'.repeat(43)}?lang=en`]) {
      expect((await open(bogus, { method: 'POST' })).statusCode, bogus).toBe(404)
    }

    await runtime()
      .database.db.updateTable('portal_link')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('subject_id', '=', id)
      .execute()
    const expiredPage = await open(path)
    expect(expiredPage.statusCode).toBe(410)
    expect(html(expiredPage)).toContain('Link expired')
    expect(expiredPage.body).toContain('30 minutes')
    const expired = await open(path, { method: 'POST' })
    expect(expired.statusCode).toBe(410)
    expect(expired.cookies.find((c) => c.name === 'tresor_portal')).toBeUndefined()
    expect(await count('portal_session', id)).toBe(0)
    expect(expired.body).not.toContain('@example.com')

    // A link for another address signs in that address's person only, and the page says it switches.
    await createPerson('nora@example.com')
    const nora = await signIn('nora@example.com')
    const other = await createPerson('otto@example.com')
    await askForLink('otto@example.com')
    const otto = await linkOf('otto@example.com')
    const switching = await open(otto.path, { cookie: nora.cookie })
    expect(html(switching)).toContain('mit einer anderen E-Mail-Adresse angemeldet')
    const switched = await open(otto.path, { method: 'POST', cookie: nora.cookie })
    expect(switched.statusCode).toBe(303)
    // The old session ended with the switch.
    expect((await me(nora.cookie)).statusCode).toBe(401)
    expect(await count('portal_session', other)).toBe(1)
  })

  it('shows each consent with since when, offers the missing ones with their exact text, and gives one with proof', async () => {
    const id = await createPerson('erika@example.com')
    // A phone consent recorded by staff earlier.
    const staff = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${id}/consents`,
      headers: { cookie: admin },
      payload: {
        purposeKey: 'phone_marketing',
        channel: 'phone',
        kind: 'granted',
        proof: { source: 'phone', textVersion: 'v1', reference: 'call 2025-001' },
      },
    })
    expect(staff.statusCode).toBe(201)
    const browser = await signIn('erika@example.com')

    const page = html(await me(browser.cookie))
    // The portal shows dates in the installation's time zone (default Europe/Berlin), which is a
    // day ahead of UTC for an hour every night.
    const today = new Intl.DateTimeFormat('de-DE', {
      timeZone: 'Europe/Berlin',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
    }).format(new Date())
    const phone =
      /<div class="item consent-item" id="consent-phone_marketing-phone">[\s\S]*?<\/div>\s*(?=<div class="item|<\/section>)/.exec(
        page,
      )?.[0] ?? ''
    expect(phone).toContain('Telefonwerbung')
    // German only: DSGVO, never GDPR (the requests' articles too); the English page says GDPR.
    expect(page).toContain('(Art. 17 DSGVO)')
    expect(page).toContain('(Art. 15 Abs. 1–2 DSGVO)')
    expect(page).not.toContain('GDPR')
    const english = html(await me(browser.cookie, 'en'))
    expect(english).toContain('(Art. 17 GDPR)')
    expect(english).not.toContain('DSGVO')
    expect(phone).toContain(`Erteilt seit ${today}`)
    expect(phone).toContain('Einwilligung widerrufen')
    const newsletter = page.slice(page.indexOf('id="consent-newsletter_email-email"'))
    expect(newsletter).toContain('Nicht erteilt')
    // The exact text of the current version, next to an unticked box.
    expect(newsletter).toContain(
      'Ja, ich möchte den Newsletter mit Neuigkeiten und Angeboten per E-Mail erhalten.',
    )
    expect(newsletter).toContain('(Textversion v1)')
    expect(newsletter).toMatch(
      /<input type="checkbox" id="give-newsletter_email-email" name="agreed" value="yes">/,
    )
    // SMS with double opt-in can't be given here (the sign-in proves the address, not the number).
    expect(page.slice(page.indexOf('id="consent-sms_marketing-sms"'))).toContain(
      'Kann hier nicht erteilt werden',
    )
    // Advertising on legitimate interest, the channels, all marketing, the other processing.
    expect(page).toContain('Werbung per Post')
    expect(page).toContain('Keine Werbung per Telefon')
    expect(page).toContain('Jeder Werbung widersprechen')
    expect(page).toContain('Bestellabwicklung und Lieferung')
    expect(page).toContain('ein Vertrag mit Ihnen oder Ihre Anfrage vor einem Vertrag')
    expect(page).not.toContain('erika@example.com')
    // English on request.
    expect((await me(browser.cookie, 'en')).body).toContain('Yes, I would like to receive the newsletter')

    const give = { action: 'give', purpose: 'newsletter_email', channel: 'email', textVersion: 'v1' }
    // The box not ticked: refused, nothing recorded.
    const unticked = await post(browser, '/p/portal/consent', give)
    expect(unticked.statusCode).toBe(400)
    expect(html(unticked)).toContain('Bitte setzen Sie das Häkchen')
    // A text version other than the current one: refused.
    const stale = await post(browser, '/p/portal/consent', { ...give, textVersion: 'v0', agreed: 'yes' })
    expect(stale.statusCode).toBe(400)
    expect(stale.body).toContain('hat sich inzwischen geändert')
    expect(
      (await permissionsOf(id)).consents.find((c) => c.purposeKey === 'newsletter_email'),
    ).toBeUndefined()

    const given = await post(browser, '/p/portal/consent', { ...give, agreed: 'yes' })
    expect(given.statusCode).toBe(303)
    expect(given.headers.location).toBe('/p/portal/me?lang=de&done=consent-given')
    expect((await me(browser.cookie, 'de', '&done=consent-given')).body).toContain(
      'Danke: Ihre Einwilligung ist erteilt.',
    )

    const p = await permissionsOf(id)
    expect(p.consents.find((c) => c.purposeKey === 'newsletter_email')?.status).toBe('confirmed')
    expect(decisionOf(p, 'newsletter_email', 'email')?.allowed).toBe(true)
    const events = p.history.filter((h) => h.purposeKey === 'newsletter_email')
    expect(events.map((e) => e.what)).toEqual(['granted', 'confirmed'])
    for (const e of events) expect(e.actor).toEqual({ type: 'subject', id })
    expect(events[0]?.proof).toMatchObject({
      source: 'portal',
      textVersion: 'v1',
      collectedAt: expect.any(String),
      ip: '203.0.113.0/24',
      userAgent: 'PortalBrowser/3.0',
    })
    expect(String(events[0]?.proof?.reference)).toMatch(/^portal session [0-9a-f-]{36}$/)
    const doi = events[1]?.proof?.doi as Record<string, string>
    expect(events[1]?.proof).toMatchObject({ source: 'portal', textVersion: 'v1' })
    // The network and browser of the request that ticked the box.
    expect(doi).toMatchObject({ ip: '203.0.113.0/24', userAgent: 'PortalBrowser/3.0' })
    // requestedAt: when the sign-in link was mailed; confirmedAt: now, after it.
    const [link] = await runtime()
      .database.db.selectFrom('portal_link')
      .select('created_at')
      .where('subject_id', '=', id)
      .execute()
    expect(new Date(doi.requestedAt as string).getTime()).toBe(link?.created_at.getTime())
    expect(new Date(doi.confirmedAt as string).getTime()).toBeGreaterThanOrEqual(
      link?.created_at.getTime() ?? 0,
    )

    // The page now says given, and offers withdrawal instead of the box.
    const after = (await me(browser.cookie)).body
    const section = after.slice(after.indexOf('id="consent-newsletter_email-email"'))
    expect(section).toContain(`Erteilt seit ${today}`)
    expect(section).toContain('Wird derzeit genutzt.')
    expect(section.slice(0, section.indexOf('</form>'))).not.toContain('name="agreed"')

    // Withdrawal, as easy as giving: one click, in force at once.
    const withdrawn = await post(browser, '/p/portal/consent', {
      action: 'withdraw',
      purpose: 'newsletter_email',
      channel: 'email',
    })
    expect(withdrawn.statusCode).toBe(303)
    const q = await permissionsOf(id)
    expect(q.consents.find((c) => c.purposeKey === 'newsletter_email')?.status).toBe('withdrawn')
    expect(decisionOf(q, 'newsletter_email', 'email')).toMatchObject({
      allowed: false,
      rule: 'consent-withdrawn',
    })
    expect(q.history.at(-1)).toMatchObject({
      what: 'withdrawn',
      source: 'portal',
      actor: { type: 'subject', id },
    })
    expect((await me(browser.cookie)).body).toContain(`Widerrufen am ${today}`)

    // A purpose or channel the portal doesn't offer: refused, nothing recorded.
    const web = await post(browser, '/p/portal/consent', {
      ...give,
      purpose: 'web_tracking',
      channel: 'web',
      agreed: 'yes',
    })
    expect(web.statusCode).toBe(400)
    expect((await permissionsOf(id)).history).toHaveLength(q.history.length)
  })

  it('objections: all advertising at once (over consents too), per channel, per purpose; each can be lifted', async () => {
    const id = await createPerson('olga@example.com')
    const browser = await signIn('olga@example.com')
    await post(browser, '/p/portal/consent', {
      action: 'give',
      purpose: 'newsletter_email',
      channel: 'email',
      textVersion: 'v1',
      agreed: 'yes',
    })
    let p = await permissionsOf(id)
    expect(decisionOf(p, 'postal_advertising', 'post')?.allowed).toBe(true)
    expect(decisionOf(p, 'newsletter_email', 'email')?.allowed).toBe(true)

    const raised = await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'raise' })
    expect(raised.statusCode).toBe(303)
    p = await permissionsOf(id)
    // Art. 21(3): absolute and immediate, over the legitimate interest and over the consent.
    expect(decisionOf(p, 'postal_advertising', 'post')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(decisionOf(p, 'newsletter_email', 'email')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(decisionOf(p, 'order_processing', 'post')?.allowed).toBe(true)
    expect(p.objections).toContainEqual(expect.objectContaining({ scope: 'all_marketing', source: 'portal' }))
    expect(p.history.at(-1)).toMatchObject({
      type: 'objection',
      what: 'raised',
      actor: { type: 'subject', id },
    })
    const page = (await me(browser.cookie)).body
    expect(page).toContain('jeder Verwendung Ihrer Daten für Werbung widersprochen')
    expect(page).toContain('Ihr Widerspruch geht vor')
    // Raising it again changes nothing.
    await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'raise' })
    expect((await permissionsOf(id)).history).toHaveLength(p.history.length)

    expect(
      (await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'lift' })).statusCode,
    ).toBe(303)
    p = await permissionsOf(id)
    expect(decisionOf(p, 'postal_advertising', 'post')?.allowed).toBe(true)
    expect(decisionOf(p, 'newsletter_email', 'email')?.allowed).toBe(true)

    // One channel: no advertising calls, for every purpose.
    await post(browser, '/p/portal/objection', { scope: 'channel', channel: 'phone', action: 'raise' })
    p = await permissionsOf(id)
    // (B2B prospecting would not call this consumer anyway, § 7(2) No. 1 UWG; phone marketing asks
    // for consent, but the objection on the channel comes first.)
    expect(decisionOf(p, 'b2b_prospecting', 'phone')?.allowed).toBe(false)
    expect(decisionOf(p, 'phone_marketing', 'phone')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(decisionOf(p, 'postal_advertising', 'post')?.allowed).toBe(true)
    expect((await me(browser.cookie)).body).toMatch(
      /Keine Werbung per Telefon<\/h3>\s*<p class="state">Widersprochen am/,
    )
    // One purpose on legitimate interest.
    await post(browser, '/p/portal/objection', {
      scope: 'purpose',
      purpose: 'postal_advertising',
      action: 'raise',
    })
    p = await permissionsOf(id)
    expect(decisionOf(p, 'postal_advertising', 'post')).toMatchObject({ allowed: false, rule: 'objected' })
    await post(browser, '/p/portal/objection', {
      scope: 'purpose',
      purpose: 'postal_advertising',
      action: 'lift',
    })
    expect(decisionOf(await permissionsOf(id), 'postal_advertising', 'post')?.allowed).toBe(true)

    // Not a direct-marketing purpose (Art. 21(1) needs grounds: that is a request) and made-up scopes.
    const made: Record<string, string>[] = [
      { scope: 'purpose', purpose: 'fraud_prevention', action: 'raise' },
      { scope: 'purpose', purpose: 'order_processing', action: 'raise' },
      { scope: 'channel', channel: 'none', action: 'raise' },
      { scope: 'everything', action: 'raise' },
    ]
    for (const fields of made) {
      const res = await post(browser, '/p/portal/objection', fields)
      expect(res.statusCode, JSON.stringify(fields)).toBe(400)
      expect(res.body).toContain('Diese Auswahl gibt es hier nicht')
    }
    expect((await permissionsOf(id)).objections).toEqual([
      expect.objectContaining({ scope: 'channel', channel: 'phone' }),
    ])
  })

  it('refuses a change without the session’s anti-CSRF token, or without a session, and changes nothing', async () => {
    const id = await createPerson('clara@example.com')
    const browser = await signIn('clara@example.com')
    await createPerson('dora@example.com')
    const otherBrowser = await signIn('dora@example.com')
    const before = await permissionsOf(id)

    const cases: [string, { cookie?: string; csrf?: string }, number][] = [
      ['no token', { cookie: browser.cookie }, 403],
      ['a wrong token', { cookie: browser.cookie, csrf: 'x'.repeat(43) }, 403],
      ['another session’s token', { cookie: browser.cookie, csrf: otherBrowser.csrf }, 403],
      ['no session', { csrf: browser.csrf }, 401],
      ['a made-up session', { cookie: `tresor_portal=${'y'.repeat(43)}`, csrf: browser.csrf }, 401],
    ]
    for (const [what, caller, status] of cases) {
      for (const [path, fields] of [
        ['/p/portal/objection', { scope: 'all_marketing', action: 'raise' }],
        [
          '/p/portal/consent',
          { action: 'give', purpose: 'newsletter_email', channel: 'email', textVersion: 'v1', agreed: 'yes' },
        ],
        ['/p/portal/requests', { kind: 'erasure' }],
      ] as const) {
        const res = await post(caller, path, fields)
        expect(res.statusCode, `${what} ${path}`).toBe(status)
        expect(html(res)).toContain('Es wurde nichts geändert')
      }
    }
    const after = await permissionsOf(id)
    expect(after.history).toEqual(before.history)
    expect(await count('dsr_request', id)).toBe(0)
    // The right token works.
    expect(
      (await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'raise' })).statusCode,
    ).toBe(303)
    // Signing out with a wrong token doesn't sign out either.
    expect(
      (await post({ cookie: browser.cookie, csrf: otherBrowser.csrf }, '/p/portal/logout', {})).statusCode,
    ).toBe(403)
    expect((await me(browser.cookie)).statusCode).toBe(200)
  })

  it('records requests with the time of receipt and the due date; changes nothing else', async () => {
    const id = await createPerson('rita@example.com')
    const browser = await signIn('rita@example.com')
    const before = await permissionsOf(id)

    const filed = await post(browser, '/p/portal/requests', { kind: 'access' })
    expect(filed.statusCode).toBe(303)
    expect(filed.headers.location).toBe('/p/portal/me?lang=de&done=request-filed')
    // The same request again (a reload, a second click): not recorded twice.
    const twice = await post(browser, '/p/portal/requests', { kind: 'access', details: '  ' })
    expect(twice.headers.location).toBe('/p/portal/me?lang=de&done=request-duplicate')
    // A rectification says what is wrong.
    const empty = await post(browser, '/p/portal/requests', { kind: 'rectification' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Bitte schreiben Sie, was falsch ist')
    const tooLong = await post(browser, '/p/portal/requests', {
      kind: 'rectification',
      details: 'x'.repeat(2001),
    })
    expect(tooLong.statusCode).toBe(400)
    const unknownKind = await post(browser, '/p/portal/requests', { kind: 'deletion' })
    expect(unknownKind.statusCode).toBe(400)
    const rectify = await post(browser, '/p/portal/requests', {
      kind: 'rectification',
      details: 'My street is Hauptstraße 5, not 3.',
    })
    expect(rectify.statusCode).toBe(303)

    // Art. 22(3): a human review of a decision that rested on a score, saying which decision.
    expect((await me(browser.cookie, 'en')).body).toContain('value="human_review"')
    const review = await post(browser, '/p/portal/requests', {
      kind: 'human_review',
      details: 'My order was refused automatically.',
    })
    expect(review.statusCode).toBe(303)

    const staff = await staffRequests(id)
    expect(staff.map((r) => r.kind).sort()).toEqual(['access', 'human_review', 'rectification'])
    for (const r of staff) {
      // Art. 12(6): filed signed in through the mailed link, so verified when filed (issue #15).
      expect(r).toMatchObject({
        channel: 'portal',
        status: 'identity_verified',
        recordedBy: { type: 'subject', id },
      })
      expect(Date.now() - new Date(r.receivedAt).getTime()).toBeLessThan(60_000)
      // Art. 12(3): one month of receipt.
      expect(r.dueAt).toBe(dueDate(new Date(r.receivedAt), 'P1M').toISOString())
    }
    expect(staff.find((r) => r.kind === 'rectification')?.details).toBe('My street is Hauptstraße 5, not 3.')
    // Sealed: the text is not in the table in the clear.
    const stored = await runtime()
      .database.db.selectFrom('dsr_request')
      .select('details_sealed')
      .where('subject_id', '=', id)
      .execute()
    expect(
      stored.map((r) => (r.details_sealed ? Buffer.from(r.details_sealed).toString('latin1') : '')).join(),
    ).not.toContain('Hauptstra')

    // The page lists them with time of receipt and due date.
    const page = (await me(browser.cookie, 'en')).body
    // A long page with a navigation to its sections, each link to a section that is there.
    const links = [
      ...(page.match(/<nav class="toc"[\s\S]*?<\/nav>/)?.[0] ?? '').matchAll(/href="#([a-z-]+)"/g),
    ].map((m) => m[1])
    expect(links).toEqual(expect.arrayContaining(['all-marketing', 'consents', 'requests']))
    for (const id of links)
      expect(page).toContain(`<section class="box${id === 'all-marketing' ? ' objection' : ''}" id="${id}">`)
    const rows = page.match(/<tr class="request">[\s\S]*?<\/tr>/g) ?? []
    expect(rows).toHaveLength(3)
    const access = staff.find((r) => r.kind === 'access') as StaffRequest
    expect(rows.join()).toContain(
      `<td>Access</td><td>${formatLocalTime('en', new Date(access.receivedAt))}</td><td>${formatLocalDate('en', new Date(access.dueAt))}</td><td><strong>Received, identity confirmed</strong></td>`,
    )
    // Recording a request changed nothing else.
    expect((await permissionsOf(id)).history).toEqual(before.history)
  })

  it('sign-out ends the session', async () => {
    const id = await createPerson('sven@example.com')
    const browser = await signIn('sven@example.com')
    const out = await post(browser, '/p/portal/logout', {})
    expect(out.statusCode).toBe(200)
    expect(html(out)).toContain('Sie sind abgemeldet.')
    expect(out.cookies.find((c) => c.name === 'tresor_portal')?.value).toBe('')
    expect(await count('portal_session', id)).toBe(0)
    const after = await me(browser.cookie)
    expect(after.statusCode).toBe(401)
    expect(html(after)).toContain('Nicht angemeldet')
    expect(
      (await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'raise' })).statusCode,
    ).toBe(401)
  })

  it('an erasure (Art. 17) takes links and sessions with it, shreds request details, and the session stops working', async () => {
    const id = await createPerson('forget@example.com')
    const browser = await signIn('forget@example.com')
    await askForLink('forget@example.com') // within the resend window: no second link
    await post(browser, '/p/portal/requests', { kind: 'rectification', details: 'My name is spelt Zoë.' })
    expect(await count('portal_link', id)).toBe(1)
    expect(await count('portal_session', id)).toBe(1)
    expect(await count('portal_token', id)).toBe(2)

    await runtime().services.subjects.erase(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      id,
      'test',
    )
    for (const table of ['portal_link', 'portal_session', 'portal_token'] as const)
      expect(await count(table, id), table).toBe(0)
    expect((await me(browser.cookie)).statusCode).toBe(401)
    expect(
      (await post(browser, '/p/portal/objection', { scope: 'all_marketing', action: 'raise' })).statusCode,
    ).toBe(401)

    // The request stays as proof of receipt; what the person wrote is shredded with the key.
    const [request] = await staffRequests(id)
    expect(request).toMatchObject({ kind: 'rectification', hasDetails: true, details: null })

    // The address is unknown now: the same answer as for anyone, no mail.
    const mailsBefore = smtp().mailsTo('forget@example.com').length
    expect((await askForLink('forget@example.com')).statusCode).toBe(200)
    expect(await smtp().settledMailsTo('forget@example.com')).toHaveLength(mailsBefore)
  })

  it('limits sign-in requests per IP address', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 11; i++)
      statuses.push((await askForLink(`flood${i}@example.com`, { ip: '192.0.2.99' })).statusCode)
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200))
    const limited = await askForLink('flood@example.com', { ip: '192.0.2.99' })
    expect(limited.statusCode).toBe(429)
    expect(html(limited)).toContain('Zu viele Anfragen')
  })

  it('purges sessions that ran out, and links a week after they ran out', async () => {
    const id = await createPerson('purge@example.com')
    await signIn('purge@example.com')
    const db = runtime().database.db
    await db
      .updateTable('portal_session')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('subject_id', '=', id)
      .execute()
    await db
      .updateTable('portal_link')
      .set({ expires_at: new Date(Date.now() - 3_600_000) })
      .where('subject_id', '=', id)
      .execute()
    await purgePortalAccessJob(runtime().services.portalAccess)
    expect(await count('portal_session', id)).toBe(0)
    expect(await count('portal_link', id)).toBe(1)
    await purgePortalAccessJob(runtime().services.portalAccess, new Date(Date.now() + 8 * 24 * 3_600_000))
    expect(await count('portal_link', id)).toBe(0)
    expect(await count('portal_token', id)).toBe(0)
  })

  it('keeps its tables distribution-ready: keyed by subject, the token lookup by its digest', async () => {
    const { rows } = await sql<{ table: string; first: string }>`
      select c.conrelid::regclass::text as table, a.attname as first
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype in ('p', 'u')
        and c.conrelid::regclass::text in ('portal_link', 'portal_session', 'portal_token', 'dsr_request')
      order by 1
    `.execute(runtime().database.db)
    expect(rows).toEqual([
      { table: 'dsr_request', first: 'subject_id' },
      { table: 'portal_link', first: 'subject_id' },
      { table: 'portal_session', first: 'subject_id' },
      { table: 'portal_token', first: 'token_hash' },
    ])
  })
})
