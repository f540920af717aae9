import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MarketingMailRefused } from '../../src/modules/unsubscribe/marketing-mail.service.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { buildApp } from '../../src/server/app.ts'
import type { TestRuntime } from '../support/engines.ts'
import {
  addressSequence,
  buildTestApp,
  consentStatusOf,
  createSubject,
  decisionOf,
  permissionsOf as fetchPermissions,
  htmlOf,
  type PermissionsView,
  type TestApp,
} from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'
/** Mail goes to the test SMTP server, from this sender; links point to PUBLIC_URL. */
const MAIL = { publicUrl: PUBLIC_URL, mailFrom: 'Tresor <news@example.com>' }
const LINK = /^https:\/\/crm\.example\.test\/p\/unsubscribe\/([A-Za-z0-9_-]{43})\?lang=(de|en)$/
/**
 * A purpose on legitimate interest: § 7(3) UWG mails to existing customers about similar goods
 * (the test's own, on two channels; the seed has existing_customer_email on e-mail only).
 */
const EXISTING_CUSTOMERS = 'existing_customer_offers'

/**
 * Issue #5: withdrawal as easy as giving. A marketing mail through the real SMTP server carries
 * the RFC 8058 headers and the visible link; the link's page (GET changes nothing), the one-click
 * POST (urlencoded and multipart), the page's buttons, replay, tampering, erasure, legitimate
 * interest (objection) against consent (withdrawal), the objection to all marketing, merges, the
 * rate limit and TRESOR_TRUST_PROXY.
 */
describeEachEngineWithMail('unsubscribe links and marketing mail', MAIL, (runtime, smtp) => {
  let t: TestApp
  let admin: string
  /** The runtime's marketing mail: links to PUBLIC_URL, mail to the test SMTP server. */
  const marketingMail = () => runtime().services.marketingMail
  /** A fresh client address per request, so the per-IP rate limit only bites where a test wants it. */
  const nextIp = addressSequence('198.51.100')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@unsubscribe.test', 'admin')
    await runtime().services.purposes.create(
      {
        key: EXISTING_CUSTOMERS,
        name: { de: 'Angebote für Bestandskunden', en: 'Offers for existing customers' },
        description: {
          de: 'Werbung für eigene ähnliche Waren per E-Mail (§ 7 Abs. 3 UWG).',
          en: 'Advertising for own similar goods by e-mail (§ 7(3) UWG).',
        },
        legalBasis: 'legitimate_interest',
        channels: ['email', 'sms'],
        doubleOptIn: false,
        profiling: false,
        directMarketing: true,
        // § 7(2) No. 2 UWG: without consent only to customers who bought from us.
        existingCustomers: true,
        retention: { period: null, rule: { de: 'Bis zum Widerspruch.', en: 'Until objected to.' } },
      },
      { actor: { type: 'system', id: 'test' } },
    )
  })
  afterAll(async () => {
    await t?.app.close()
  })

  let people = 0
  /**
   * A customer with an e-mail address; `newsletter`: with a confirmed newsletter consent; `order`:
   * who bought from us, so the existing-customer purpose may mail them (§ 7(3) UWG).
   */
  const newCustomer = async (options: { newsletter?: boolean; order?: boolean } = {}) => {
    const email = `person${++people}@unsubscribe.test`
    const id = await createSubject(t.app, admin, { firstName: 'Erika', email })
    if (options.order) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/subjects/${id}/orders`,
        headers: { cookie: admin },
        payload: {
          orderNumber: `A-${people}`,
          orderedAt: '2026-01-15T10:00:00Z',
          lines: [{ description: 'Kaffeemühle', quantity: 1, unitPriceCents: 4900 }],
        },
      })
      expect(res.statusCode, res.body).toBe(201)
    }
    if (options.newsletter) {
      for (const kind of ['requested', 'confirmed'])
        expect(
          (
            await t.app.inject({
              method: 'POST',
              url: `/api/v1/subjects/${id}/consents`,
              headers: { cookie: admin },
              payload: {
                purposeKey: 'newsletter_email',
                channel: 'email',
                kind,
                proof: { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
              },
            })
          ).statusCode,
        ).toBe(201)
    }
    return { id, email }
  }
  const permissionsOf = (subjectId: string) => fetchPermissions(t.app, admin, subjectId)
  const newsletterOf = (p: PermissionsView) => consentStatusOf(p, 'newsletter_email', 'email')
  const allowed = (p: PermissionsView, purposeKey: string) => decisionOf(p, purposeKey, 'email')?.allowed
  /** Sends a marketing mail and returns the mail as the SMTP server got it, with its link. */
  const sendAndReceive = async (
    to: { id: string; email: string },
    purposeKey = 'newsletter_email',
    lang: 'de' | 'en' = 'de',
  ) => {
    const waiting = smtp().nextMailTo(to.email)
    await marketingMail().send({
      subjectId: to.id,
      purposeKey,
      subject: 'Unsere Angebote',
      text: 'Alles im Angebot.',
      html: '<html><body><p>Alles im Angebot.</p></body></html>',
      lang,
    })
    const mail = await waiting
    // The header section, unfolded (RFC 5322 § 2.2.3: a long header is folded onto more lines).
    const raw = (mail.raw.toString('utf8').split('\r\n\r\n')[0] as string).replace(/\r\n[ \t]+/g, ' ')
    const url = /^List-Unsubscribe: +<([^>]+)>$/m.exec(raw)?.[1]
    if (!url) throw new Error(`no List-Unsubscribe header in: ${raw}`)
    return { mail, raw, url, path: url.replace(PUBLIC_URL, '') }
  }
  const oneClick = (path: string, options: { ip?: string } = {}) =>
    t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: options.ip ?? nextIp(),
      // What a mailbox provider sends (RFC 8058 § 3.1): no cookie, no authorisation.
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailProvider/1.0' },
      payload: 'List-Unsubscribe=One-Click',
    })
  const click = (path: string, scope: string, options: { ip?: string } = {}) =>
    t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: options.ip ?? nextIp(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Browser/1.0' },
      payload: `scope=${scope}`,
    })
  const visit = (path: string, method: 'GET' | 'HEAD' = 'GET') =>
    t.app.inject({ method, url: path, remoteAddress: nextIp() })
  const html = (res: LightMyRequestResponse) => {
    expect(res.headers['set-cookie']).toBeUndefined()
    return htmlOf(res)
  }
  const tokenRows = (subjectId: string) =>
    runtime()
      .database.db.selectFrom('unsubscribe_token')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .execute()

  it('a marketing mail carries the RFC 8058 headers and the visible link; the one-click POST withdraws the consent', async () => {
    const erika = await newCustomer({ newsletter: true })
    const { mail, raw, url, path } = await sendAndReceive(erika)
    expect(url).toMatch(LINK)
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m)
    // The same link, visible in the text and the HTML (§ 7(3) No. 4 UWG).
    expect(mail.parsed.text).toContain('Alles im Angebot.')
    expect(mail.parsed.text).toContain(`Abmelden: ${url}`)
    expect(mail.parsed.html).toContain(`<a href="${url}">Abmelden</a>`)
    // One row per subject, purpose and channel; only the token's digest is stored.
    const rows = await tokenRows(erika.id)
    expect(rows).toMatchObject([{ purpose_key: 'newsletter_email', channel: 'email', used_at: null }])
    expect(Buffer.from(rows[0]?.token_hash as Uint8Array).toString('base64url')).not.toBe(LINK.exec(url)?.[1])

    // A second mail of the same kind carries the same link (no row per mail).
    expect((await sendAndReceive(erika)).url).toBe(url)
    expect(await tokenRows(erika.id)).toHaveLength(1)

    const before = await permissionsOf(erika.id)
    expect(newsletterOf(before)).toBe('confirmed')

    const res = await oneClick(path)
    expect(res.statusCode).toBe(200)
    expect(html(res)).toContain('Sie sind abgemeldet')
    const after = await permissionsOf(erika.id)
    expect(newsletterOf(after)).toBe('withdrawn')
    expect(allowed(after, 'newsletter_email')).toBe(false)
    const withdrawal = after.history.at(-1)
    expect(withdrawal).toMatchObject({
      type: 'consent',
      what: 'withdrawn',
      purposeKey: 'newsletter_email',
      channel: 'email',
      source: 'unsubscribe-link',
      // The person's own act, with the truncated address and user agent of the request.
      actor: { type: 'subject', id: erika.id },
      proof: {
        source: 'unsubscribe-link',
        reference: expect.stringContaining('one-click'),
        ip: '198.51.100.0/24',
        userAgent: 'MailProvider/1.0',
      },
    })
    expect((await tokenRows(erika.id))[0]?.used_at).toBeInstanceOf(Date)

    // Sending again is refused, naming the rule; nothing goes out.
    const sent = smtp().mailsTo(erika.email).length
    const refused = await marketingMail()
      .send({ subjectId: erika.id, purposeKey: 'newsletter_email', subject: 's', text: 't', lang: 'de' })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(refused).toBeInstanceOf(MarketingMailRefused)
    expect(refused).toMatchObject({ rule: 'consent-withdrawn', kind: 'conflict' })
    expect((refused as Error).message).toContain('consent-withdrawn')
    expect((refused as Error).message).not.toContain(erika.email)
    expect(await smtp().settledMailsTo(erika.email, 200)).toHaveLength(sent)

    // Replayed (a provider posting twice, a second click): answered, nothing recorded again.
    const again = await oneClick(path)
    expect(again.statusCode).toBe(200)
    expect(html(again)).toContain('bereits abgemeldet')
    expect((await permissionsOf(erika.id)).history).toHaveLength(after.history.length)
  })

  it('a GET (link scanners, previews) and a HEAD change nothing; the page names purpose and channel and offers both choices and the portal', async () => {
    const max = await newCustomer({ newsletter: true })
    const { path } = await sendAndReceive(max, 'newsletter_email', 'en')
    const before = await permissionsOf(max.id)
    for (let i = 0; i < 3; i++) {
      const res = await visit(path)
      expect(res.statusCode).toBe(200)
      const page = html(res)
      expect(page).toContain('<html lang="en">')
      expect(page).toContain('Newsletter by e-mail')
      expect(page).toMatch(/<form method="post" action="\/p\/unsubscribe\/[A-Za-z0-9_-]{43}\?lang=en"/)
      expect(page).toContain('name="scope" value="this"')
      expect(page).toContain('withdraws your consent')
      expect(page).toContain('name="scope" value="all"')
      expect(page).toContain('href="/p/portal?lang=en"')
      // Nothing about the person: not their address, not their name.
      expect(page).not.toContain(max.email)
      expect(page).not.toContain('Erika')
      expect(page).not.toMatch(/<script|<img|<link/i)
      expect(res.headers['content-security-policy']).toContain("default-src 'none'")
    }
    const german = await visit(path.replace('lang=en', 'lang=de'))
    expect(html(german)).toContain('Von „Newsletter per E-Mail“ abmelden')
    expect((await visit(path, 'HEAD')).statusCode).not.toBe(200)
    const after = await permissionsOf(max.id)
    expect(after.history).toEqual(before.history)
    expect(newsletterOf(after)).toBe('confirmed')
    expect((await tokenRows(max.id))[0]?.used_at).toBeNull()
  })

  it('takes the one-click POST as multipart/form-data too (what RFC 8058 recommends to providers)', async () => {
    const anna = await newCustomer({ newsletter: true })
    const { path } = await sendAndReceive(anna)
    const boundary = '----FormBoundaryjWmhtjORrn'
    const res = await t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: nextIp(),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    })
    expect(res.statusCode).toBe(200)
    const after = await permissionsOf(anna.id)
    expect(newsletterOf(after)).toBe('withdrawn')
    expect(after.history.at(-1)?.proof).toMatchObject({ reference: expect.stringContaining('one-click') })
  })

  it('a tampered, made-up or malformed link is a 404 page that changes nothing', async () => {
    const otto = await newCustomer({ newsletter: true })
    const { path } = await sendAndReceive(otto)
    const token = LINK.exec(`${PUBLIC_URL}${path}`)?.[1] as string
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    const before = await permissionsOf(otto.id)
    for (const bad of [tampered, 'A'.repeat(43), 'short', `${token}x`]) {
      for (const res of [
        await visit(`/p/unsubscribe/${bad}?lang=de`),
        await oneClick(`/p/unsubscribe/${bad}?lang=de`),
        await click(`/p/unsubscribe/${bad}?lang=de`, 'all'),
      ]) {
        expect(res.statusCode).toBe(404)
        expect(html(res)).toContain('Diesen Abmeldelink kennen wir nicht')
        expect(res.body).toContain('es wurde nichts geändert')
      }
    }
    // An unknown choice on a real link: said so, nothing changed.
    const wrong = await click(path, 'everything')
    expect(wrong.statusCode).toBe(400)
    expect(html(wrong)).toContain('Diese Auswahl gibt es nicht')
    expect((await permissionsOf(otto.id)).history).toEqual(before.history)
  })

  it('the second button objects to all direct marketing (Art. 21(2)), at once, once', async () => {
    const lena = await newCustomer({ newsletter: true, order: true })
    expect(allowed(await permissionsOf(lena.id), EXISTING_CUSTOMERS)).toBe(true)
    const { path } = await sendAndReceive(lena)
    const res = await click(path, 'all')
    expect(res.statusCode).toBe(200)
    expect(html(res)).toContain('Widerspruch gegen jede Direktwerbung ist eingetragen')
    const after = await permissionsOf(lena.id)
    expect(after.objections).toEqual([
      expect.objectContaining({
        scope: 'all_marketing',
        purposeKey: null,
        channel: null,
        source: 'unsubscribe-link',
      }),
    ])
    expect(after.history.at(-1)).toMatchObject({
      type: 'objection',
      what: 'raised',
      scope: 'all_marketing',
      source: 'unsubscribe-link',
      actor: { type: 'subject', id: lena.id },
    })
    // It overrides the consent (still on file) and the legitimate interest at once.
    expect(newsletterOf(after)).toBe('confirmed')
    expect(allowed(after, 'newsletter_email')).toBe(false)
    expect(allowed(after, EXISTING_CUSTOMERS)).toBe(false)
    for (const purposeKey of ['newsletter_email', EXISTING_CUSTOMERS])
      await expect(
        marketingMail().send({ subjectId: lena.id, purposeKey, subject: 's', text: 't', lang: 'de' }),
      ).rejects.toMatchObject({ rule: 'objected' })
    const again = await click(path, 'all')
    expect(html(again)).toContain('bereits eingetragen')
    expect((await permissionsOf(lena.id)).history).toHaveLength(after.history.length)
  })

  it('on legitimate interest (§ 7(3) UWG existing customers) "unsubscribe" objects to the purpose; the newsletter consent stays', async () => {
    const kurt = await newCustomer({ newsletter: true, order: true })
    // No consent needed for existing customers (until they object).
    const { path, mail } = await sendAndReceive(kurt, EXISTING_CUSTOMERS)
    expect(mail.parsed.text).toContain('Abmelden: ')
    const page = html(await visit(path))
    expect(page).toContain('„Angebote für Bestandskunden“ widersprechen und abmelden')
    expect(page).toContain('Art. 21 DSGVO')

    const res = await click(path, 'this')
    expect(res.statusCode).toBe(200)
    expect(html(res)).toContain('Ihr Widerspruch ist eingetragen')
    const after = await permissionsOf(kurt.id)
    expect(after.objections).toEqual([
      expect.objectContaining({
        scope: 'purpose',
        purposeKey: EXISTING_CUSTOMERS,
        source: 'unsubscribe-link',
      }),
    ])
    expect(after.history.at(-1)).toMatchObject({
      type: 'objection',
      scope: 'purpose',
      purposeKey: EXISTING_CUSTOMERS,
      proof: { reference: 'unsubscribe page' },
    })
    // This kind stops on every channel of it (SMS too); the newsletter they consented to stays.
    expect(allowed(after, EXISTING_CUSTOMERS)).toBe(false)
    expect(decisionOf(after, EXISTING_CUSTOMERS, 'sms')).toMatchObject({ allowed: false, rule: 'objected' })
    expect(allowed(after, 'newsletter_email')).toBe(true)
    await expect(
      marketingMail().send({
        subjectId: kurt.id,
        purposeKey: EXISTING_CUSTOMERS,
        subject: 's',
        text: 't',
        lang: 'de',
      }),
    ).rejects.toMatchObject({ rule: 'objected' })

    // Replayed: nothing new.
    expect(html(await oneClick(path))).toContain('bereits abgemeldet')
    expect((await permissionsOf(kurt.id)).history).toHaveLength(after.history.length)
  })

  it('sends only what the permission rules allow, and only for direct-marketing purposes', async () => {
    const nobody = await newCustomer()
    const send = (subjectId: string, purposeKey: string) =>
      marketingMail().send({ subjectId, purposeKey, subject: 's', text: 't', lang: 'en' })
    await expect(send(nobody.id, 'newsletter_email')).rejects.toMatchObject({ rule: 'no-consent' })
    // § 7(2) No. 2, (3) UWG: no consent and no order, so no mail on legitimate interest either.
    await expect(send(nobody.id, EXISTING_CUSTOMERS)).rejects.toMatchObject({
      rule: 'not-existing-customer',
    })
    await expect(send(nobody.id, 'order_processing')).rejects.toMatchObject({ kind: 'validation' })
    await expect(send('00000000-0000-4000-8000-000000000000', 'newsletter_email')).rejects.toMatchObject({
      kind: 'not-found',
    })
    // Double opt-in not yet confirmed: only the confirmation mail may go to the address.
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${nobody.id}/consents`,
      headers: { cookie: admin },
      payload: {
        purposeKey: 'newsletter_email',
        channel: 'email',
        kind: 'requested',
        proof: { source: 'form', textVersion: 'v1' },
      },
    })
    await expect(send(nobody.id, 'newsletter_email')).rejects.toMatchObject({
      rule: 'consent-pending-confirmation',
    })
    expect(await smtp().settledMailsTo(nobody.email, 200)).toHaveLength(0)
    // No link for what isn't advertising.
    await expect(
      runtime().services.unsubscribe.linkFor(nobody.id, 'order_processing', 'email'),
    ).rejects.toMatchObject({ kind: 'validation' })
  })

  it('a merge keeps old links working: the duplicate’s link unsubscribes the survivor', async () => {
    const survivor = await newCustomer()
    const duplicate = await newCustomer({ newsletter: true })
    const { path } = await sendAndReceive(duplicate)
    const merged = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${survivor.id}/merge`,
      headers: { cookie: admin },
      payload: { duplicateId: duplicate.id, reason: 'same person' },
    })
    expect(merged.statusCode).toBeLessThan(300)
    expect(newsletterOf(await permissionsOf(survivor.id))).toBe('confirmed')
    expect((await oneClick(path)).statusCode).toBe(200)
    expect(newsletterOf(await permissionsOf(survivor.id))).toBe('withdrawn')
  })

  it('an erasure (Art. 17) deletes the person’s links; the link then finds nothing and changes nothing', async () => {
    const gone = await newCustomer({ newsletter: true, order: true })
    const { path } = await sendAndReceive(gone)
    await sendAndReceive(gone, EXISTING_CUSTOMERS)
    expect(await tokenRows(gone.id)).toHaveLength(2)
    await runtime().services.subjects.erase(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      gone.id,
      'test',
    )
    expect(await tokenRows(gone.id)).toHaveLength(0)
    for (const res of [await visit(path), await oneClick(path), await click(path, 'all')]) {
      expect(res.statusCode).toBe(404)
      expect(html(res)).toContain('Unter ihm ist nichts gespeichert')
    }
  })

  it('keeps the token out of the request log', async () => {
    const lines: string[] = []
    const rt = runtime()
    const logged = await buildApp({
      ...rt,
      logger: createLogger('info', { write: (line: string) => lines.push(line) }),
    })
    try {
      const person = await newCustomer({ newsletter: true })
      const { path } = await sendAndReceive(person)
      const token = LINK.exec(`${PUBLIC_URL}${path}`)?.[1] as string
      expect((await logged.inject({ method: 'GET', url: path })).statusCode).toBe(200)
      expect(
        (
          await logged.inject({
            method: 'POST',
            url: path,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: 'List-Unsubscribe=One-Click',
          })
        ).statusCode,
      ).toBe(200)
      expect((await logged.inject({ method: 'GET', url: '/api/v1/purposes' })).statusCode).toBe(401)
      const log = lines.join('\n')
      // Other requests are logged with their path; the link's are not.
      expect(log).toContain('/api/v1/purposes')
      expect(log).not.toContain(token)
      expect(log).not.toContain(person.email)
    } finally {
      await logged.close()
    }
  })

  it('is rate-limited per client address; behind a trusted proxy (TRESOR_TRUST_PROXY) per forwarded client', async () => {
    const rt = runtime()
    const appWith = async (trustProxy: boolean | string[]) => {
      const app = await buildApp({
        ...rt,
        config: { ...rt.config, trustProxy, unsubscribeRateLimitPerMinute: 3 },
      } as TestRuntime)
      app.get('/test/ip', async (request) => ({ ip: request.ip }))
      await app.ready()
      return app
    }
    const get = (app: Awaited<ReturnType<typeof appWith>>, forwardedFor: string, url = '/test/ip') =>
      app.inject({
        method: 'GET',
        url,
        remoteAddress: '10.0.0.5',
        headers: { 'x-forwarded-for': forwardedFor },
      })

    // Default: X-Forwarded-For is ignored; the peer is the client, and every request counts for it.
    const direct = await appWith(false)
    try {
      expect((await get(direct, '203.0.113.7')).json()).toEqual({ ip: '10.0.0.5' })
      const statuses: number[] = []
      for (let i = 1; i <= 4; i++)
        statuses.push((await get(direct, `203.0.113.${i}`, `/p/unsubscribe/${'A'.repeat(43)}`)).statusCode)
      expect(statuses).toEqual([404, 404, 404, 429])
      const limited = await get(direct, '203.0.113.9', `/p/unsubscribe/${'A'.repeat(43)}?lang=en`)
      expect(html(limited)).toContain('Too many requests')
    } finally {
      await direct.close()
    }

    // The proxy's address trusted: the forwarded client is the client.
    const proxied = await appWith(['10.0.0.5'])
    try {
      expect((await get(proxied, '203.0.113.7')).json()).toEqual({ ip: '203.0.113.7' })
      // A chain: the right-most address not of a trusted proxy.
      expect((await get(proxied, '192.0.2.1, 203.0.113.8')).json()).toEqual({ ip: '203.0.113.8' })
      const statuses: number[] = []
      for (let i = 1; i <= 4; i++)
        statuses.push((await get(proxied, `203.0.113.${i}`, `/p/unsubscribe/${'A'.repeat(43)}`)).statusCode)
      expect(statuses).toEqual([404, 404, 404, 404])
      // A peer that is not the trusted proxy can't claim an address.
      const other = await proxied.inject({
        method: 'GET',
        url: '/test/ip',
        remoteAddress: '10.0.0.6',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      })
      expect(other.json()).toEqual({ ip: '10.0.0.6' })
    } finally {
      await proxied.close()
    }
  })
})
