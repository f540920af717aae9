import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FormSubmissionService } from '../../src/modules/forms/form-submission.service.ts'
import { createMailer } from '../../src/platform/mail/mailer.ts'
import { expireDoiRequestsJob } from '../../src/privacy/double-opt-in/double-opt-in.jobs.ts'
import { openTestRuntime } from '../support/engines.ts'
import {
  addressSequence,
  buildTestApp,
  consentStatusOf,
  createSubject,
  permissionsOf as fetchPermissions,
  htmlOf,
  type PermissionsView,
  problemOf,
  type TestApp,
} from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'
/** Mail goes to the test SMTP server, from this sender; links point to PUBLIC_URL. */
const MAIL = { publicUrl: PUBLIC_URL, mailFrom: 'Tresor <news@example.com>' }
const LINK = /https:\/\/crm\.example\.test\/p\/confirm\/([A-Za-z0-9_-]{43})\?lang=(de|en)/

/**
 * Issue #5, first part: the public forms (page, post, JSON), the double opt-in with a real SMTP
 * server receiving the confirmation mail, the links (confirm, replay, expired, tampered, unknown),
 * abuse protection (extra fields, honeypot, flood, rate limit), the expiry job, and data
 * minimisation when a form is defined.
 */
describeEachEngineWithMail('public forms and double opt-in', MAIL, (runtime, smtp, engine) => {
  let t: TestApp
  let admin: string
  let dpo: string
  /** A fresh client address per use, so the per-IP rate limit only bites where a test wants it. */
  const nextIp = addressSequence('203.0.113')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@forms.test', 'admin')
    dpo = await t.signIn('dpo@forms.test', 'dpo')
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const postForm = (
    key: string,
    form: string,
    options: { ip?: string; headers?: Record<string, string> } = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/p/forms/${key}`,
      remoteAddress: options.ip ?? nextIp(),
      // A German browser unless a test says otherwise.
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'accept-language': 'de-DE,de;q=0.9',
        ...options.headers,
      },
      payload: form,
    })
  const postJson = (key: string, body: unknown, options: { ip?: string } = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/public/forms/${key}/submissions`,
      remoteAddress: options.ip ?? nextIp(),
      payload: body as Record<string, unknown>,
    })
  /** Opens a link (GET: its page) or, with POST, presses the page's button. */
  const follow = (
    url: string,
    options: { ip?: string; userAgent?: string; method?: 'GET' | 'HEAD' | 'POST' } = {},
  ) =>
    t.app.inject({
      method: options.method ?? 'GET',
      url: url.replace(PUBLIC_URL, ''),
      remoteAddress: options.ip ?? nextIp(),
      headers: { 'user-agent': options.userAgent ?? 'MailClient/2.0' },
    })
  const subjectIdOf = async (email: string): Promise<string | undefined> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: admin },
      payload: { email },
    })
    expect(res.statusCode).toBe(200)
    return (res.json() as { items: { id: string }[] }).items[0]?.id
  }
  const permissionsOf = (subjectId: string) => fetchPermissions(t.app, admin, subjectId)
  const newsletterOf = (p: PermissionsView) => consentStatusOf(p, 'newsletter_email', 'email')
  const linkOf = async (email: string): Promise<string> => {
    const mail = await smtp().nextMailTo(email)
    const match = LINK.exec(mail.parsed.text ?? '')
    if (!match) throw new Error(`no confirmation link in the mail: ${mail.parsed.text}`)
    return match[0]
  }

  it('serves the form page: the fields, each consent as its own unticked box with its text, the Art. 13 notice', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/p/forms/contact?lang=de' })
    expect(res.statusCode).toBe(200)
    const page = htmlOf(res)
    // No script and nothing loaded from elsewhere.
    expect(res.headers['content-security-policy']).toContain("default-src 'none'")
    expect(page).not.toMatch(/<script|<link|<img|src=|url\(/i)
    // The fields the form asks for, required where they are.
    expect(page).toMatch(/<input id="f-email" name="email" type="email"[^>]* required>/)
    expect(page).toMatch(/<input id="f-phone" name="phone" type="tel"[^>]*>/)
    expect(page).not.toMatch(/name="phone"[^>]* required/)
    // Two separate boxes, neither ticked.
    const boxes = [...page.matchAll(/<input type="checkbox"[^>]*>/g)].map((m) => m[0])
    expect(boxes).toHaveLength(2)
    expect(boxes[0]).toContain('name="consent" value="newsletter_email"')
    expect(boxes[1]).toContain('name="consent" value="phone_marketing"')
    for (const box of boxes) expect(box).not.toMatch(/checked/)
    // Each with its exact text and version.
    expect(page).toContain('Ja, ich möchte den Newsletter mit Neuigkeiten und Angeboten per E-Mail erhalten.')
    expect(page).toContain('Ja, Sie dürfen mich unter der angegebenen Telefonnummer anrufen')
    expect(page).toContain('(Textversion v1)')
    // The notice: controller, purposes with bases and retention, recipients, rights, objection.
    expect(page).toContain('Datenschutzhinweise (Art. 13 DSGVO)')
    expect(page).toContain('Verantwortlich:')
    expect(page).toContain('Kundenservice') // the contact request's own purpose
    expect(page).toContain('Art. 6 Abs. 1 lit. b DSGVO')
    expect(page).toContain('Art. 6 Abs. 1 lit. a DSGVO')
    expect(page).toContain('3 Jahre nach Abschluss des Vorgangs')
    expect(page).toContain('Empfänger')
    expect(page).toContain('Art. 77 DSGVO')
    expect(page).toContain('Ihr Widerspruchsrecht (Art. 21 DSGVO)')
    // The honeypot is there, hidden.
    expect(page).toContain('<div class="hp" aria-hidden="true">')

    const en = await t.app.inject({
      method: 'GET',
      url: '/p/forms/newsletter',
      headers: { 'accept-language': 'en-GB,en;q=0.9,de;q=0.5' },
    })
    expect(en.statusCode).toBe(200)
    expect(htmlOf(en)).toContain('<html lang="en">')
    expect(en.body).toContain('Yes, I would like to receive the newsletter')
    expect(en.body).toContain('Privacy information (Art. 13 GDPR)')
    expect(en.body).toContain('Your right to object (Art. 21 GDPR)')
    expect(en.body).not.toMatch(/checked/)

    const missing = await t.app.inject({ method: 'GET', url: '/p/forms/no-such-form?lang=en' })
    expect(missing.statusCode).toBe(404)
    expect(htmlOf(missing)).toContain('Form not found')
  })

  it('describes a form as JSON for websites that render it themselves', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/public/forms/newsletter?lang=en' })
    expect(res.statusCode).toBe(200)
    const form = res.json() as {
      fields: { name: string; required: boolean }[]
      consents: { purposeKey: string; textVersion: string; text: string; doubleOptIn: boolean }[]
      honeypot: string
      notice: { heading: string }[]
    }
    expect(form.fields.map((f) => f.name)).toEqual(['email', 'firstName'])
    expect(form.consents).toEqual([
      expect.objectContaining({ purposeKey: 'newsletter_email', textVersion: 'v1', doubleOptIn: true }),
    ])
    expect(form.honeypot).toBe('website')
    expect(form.notice.map((n) => n.heading)).toContain('Your right to object (Art. 21 GDPR)')
  })

  it('a sign-up sends one confirmation mail over SMTP; its link confirms the consent, with proof, once', async () => {
    const res = await postForm(
      'newsletter',
      'email=Erika%40Example.com&firstName=Erika&consent=newsletter_email',
      {
        ip: '198.51.100.77',
        headers: { 'user-agent': 'TestBrowser/1.0', 'accept-language': 'de-DE' },
      },
    )
    expect(res.statusCode).toBe(200)
    expect(htmlOf(res)).toContain('Vielen Dank')
    expect(res.body).toContain('Bitte bestätigen Sie Ihre Anmeldung')

    const mail = await smtp().nextMailTo('erika@example.com')
    expect(mail.from).toBe('news@example.com')
    expect(mail.parsed.subject).toBe('Bitte bestätigen Sie Ihre Anmeldung')
    expect(mail.parsed.text).toContain('Ja, ich möchte den Newsletter')
    // A transactional mail: no unsubscribe headers.
    expect(mail.parsed.headers.has('list-unsubscribe')).toBe(false)
    const match = LINK.exec(mail.parsed.text ?? '')
    expect(match?.[2]).toBe('de')
    const link = match?.[0] as string
    const token = match?.[1] as string

    const id = (await subjectIdOf('erika@example.com')) as string
    expect(id).toBeDefined()
    let p = await permissionsOf(id)
    expect(newsletterOf(p)).toBe('requested')
    expect(p.decisions).toContainEqual(
      expect.objectContaining({ purposeKey: 'newsletter_email', channel: 'email', allowed: false }),
    )
    const requested = p.history.find((h) => h.what === 'requested')
    expect(requested?.actor).toEqual({ type: 'system', id: 'public-form' })
    expect(requested?.channel).toBe('email')
    expect(requested?.proof).toMatchObject({
      source: 'form',
      formKey: 'newsletter',
      textVersion: 'v1',
      doi: { ip: '198.51.100.0/24', userAgent: 'TestBrowser/1.0', requestedAt: expect.any(String) },
    })
    const reference = requested?.proof?.reference as string
    expect(reference).toMatch(/^doi-request:/)

    // Only the token's SHA-256 is stored.
    const db = runtime().database.db
    const stored = await db.selectFrom('doi_token').select('token_hash').execute()
    const digests = stored.map((r) => Buffer.from(r.token_hash).toString('hex'))
    expect(digests).toContain(createHash('sha256').update(token).digest('hex'))
    expect(digests.join()).not.toContain(Buffer.from(token).toString('hex'))

    // Opening the link (as a mail server's link scanner does) shows a button and confirms nothing.
    const opened = await follow(link, { ip: '192.0.2.200', userAgent: 'LinkScanner/1.0' })
    expect(opened.statusCode).toBe(200)
    expect(htmlOf(opened)).toContain('Anmeldung bestätigen')
    expect(opened.body).toContain('Newsletter per E-Mail')
    expect(opened.body).toMatch(/<form method="post" action="\/p\/confirm\/[A-Za-z0-9_-]{43}\?lang=de">/)
    expect(newsletterOf(await permissionsOf(id))).toBe('requested')

    const confirmed = await follow(link, {
      method: 'POST',
      ip: '2001:db8:abcd:12::1',
      userAgent: 'MailClient/2.0',
    })
    expect(confirmed.statusCode).toBe(200)
    expect(htmlOf(confirmed)).toContain('Anmeldung bestätigt')
    expect(confirmed.body).toContain('Newsletter per E-Mail')
    expect(confirmed.body).not.toContain('erika@example.com')

    p = await permissionsOf(id)
    expect(newsletterOf(p)).toBe('confirmed')
    expect(p.decisions).toContainEqual(
      expect.objectContaining({ purposeKey: 'newsletter_email', channel: 'email', allowed: true }),
    )
    const confirmation = p.history.filter((h) => h.what === 'confirmed')
    expect(confirmation).toHaveLength(1)
    expect(confirmation[0]?.actor).toEqual({ type: 'subject', id })
    expect(confirmation[0]?.proof).toMatchObject({
      source: 'form',
      formKey: 'newsletter',
      textVersion: 'v1',
      reference,
      doi: {
        ip: '2001:db8:abcd::/48',
        userAgent: 'MailClient/2.0',
        requestedAt: expect.any(String),
        confirmedAt: expect.any(String),
      },
    })

    // Replayed: says so, records nothing.
    for (const method of ['GET', 'POST'] as const) {
      const again = await follow(link, { method })
      expect(again.statusCode).toBe(200)
      expect(htmlOf(again)).toContain('Bereits bestätigt')
    }
    expect((await permissionsOf(id)).history.filter((h) => h.what === 'confirmed')).toHaveLength(1)

    // A known address signing up again: no mail (nothing to confirm), the same answer.
    const repeat = await postForm('newsletter', 'email=erika%40example.com&consent=newsletter_email')
    expect(repeat.statusCode).toBe(200)
    expect(repeat.body).toContain('Bitte bestätigen Sie Ihre Anmeldung')
    expect(await smtp().settledMailsTo('erika@example.com')).toHaveLength(1)
  })

  it('expired, tampered, unknown and other people’s links change nothing and say why, without the address', async () => {
    expect(
      (await postJson('newsletter', { email: 'anna@example.com', consent: ['newsletter_email'] })).statusCode,
    ).toBe(202)
    expect(
      (await postJson('newsletter', { email: 'ben@example.com', consent: ['newsletter_email'] })).statusCode,
    ).toBe(202)
    const annaLink = await linkOf('anna@example.com')
    const benLink = await linkOf('ben@example.com')
    const anna = (await subjectIdOf('anna@example.com')) as string
    const ben = (await subjectIdOf('ben@example.com')) as string

    // Tampered: one character changed.
    const token = (LINK.exec(annaLink) as RegExpExecArray)[1] as string
    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`
    expect((await follow(annaLink.replace(token, flipped), { method: 'POST' })).statusCode).toBe(404)
    const tampered = await follow(annaLink.replace(token, flipped))
    expect(tampered.statusCode).toBe(404)
    // The link follows the language of the sign-up (the JSON post named none: English).
    expect(htmlOf(tampered)).toContain('We do not know this confirmation link')
    // Unknown and malformed.
    for (const bogus of [`/p/confirm/${'x'.repeat(43)}`, '/p/confirm/abc', `/p/confirm/${token}${token}`]) {
      const res = await follow(bogus)
      expect(res.statusCode, bogus).toBe(404)
    }
    // A link checker's HEAD request confirms nothing.
    const head = await follow(annaLink, { method: 'HEAD' })
    expect(head.statusCode).not.toBe(200)
    expect(newsletterOf(await permissionsOf(anna))).toBe('requested')

    // Ben's link confirms Ben, not Anna.
    expect((await follow(benLink, { method: 'POST' })).statusCode).toBe(200)
    expect(newsletterOf(await permissionsOf(ben))).toBe('confirmed')
    expect(newsletterOf(await permissionsOf(anna))).toBe('requested')

    // Expired (the job has not run yet): refused, nothing recorded.
    await runtime()
      .database.db.updateTable('doi_request')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('subject_id', '=', anna)
      .execute()
    expect((await follow(annaLink, { method: 'POST' })).statusCode).toBe(410)
    const expired = await follow(annaLink)
    expect(expired.statusCode).toBe(410)
    expect(htmlOf(expired)).toContain('Link expired')
    expect(expired.body).toContain('48 hours')
    expect(expired.body).not.toContain('anna@example.com')
    expect(newsletterOf(await permissionsOf(anna))).toBe('requested')
    for (const res of [tampered, expired]) expect(res.body).not.toContain('@example.com')
  })

  it('refuses a post with a field the form does not have, naming it (problem+json and HTML)', async () => {
    const json = await postJson('newsletter', {
      email: 'extra@example.com',
      phone: '+49 151 1234567',
      consent: ['newsletter_email'],
    })
    expect(json.statusCode).toBe(400)
    const problem = problemOf(json)
    expect(problem.type).toBe('urn:tresor:problem:validation')
    expect(problem.errors).toEqual([{ in: 'body', field: 'phone', reason: 'is not a field of this form' }])

    const page = await postForm(
      'newsletter',
      'email=extra%40example.com&consent=newsletter_email&isAdmin=1&lang=en',
    )
    expect(page.statusCode).toBe(400)
    expect(htmlOf(page)).toContain('Please check your details')
    expect(page.body).toContain('isAdmin: is not a field of this form')
    // The form again, the address kept, the box not ticked for the person.
    expect(page.body).toContain('value="extra@example.com"')
    expect(page.body).not.toMatch(/checked/)

    // A consent the form doesn't offer, a missing address, an invalid one.
    const offered = problemOf(
      await postJson('newsletter', { email: 'extra@example.com', consent: ['phone_marketing'] }),
    )
    expect(offered.errors).toEqual([
      { in: 'body', field: 'consent', reason: 'phone_marketing is not a consent this form offers' },
    ])
    const missing = problemOf(await postJson('newsletter', { consent: ['newsletter_email'] }))
    expect(missing.errors?.map((e) => e.field)).toEqual(['email'])
    const invalid = problemOf(
      await postJson('newsletter', { email: 'not-an-address', consent: ['newsletter_email'] }),
    )
    expect(invalid.errors?.map((e) => e.field)).toEqual(['email'])
    // The newsletter form without its box ticked collects nothing.
    const unticked = problemOf(await postJson('newsletter', { email: 'extra@example.com' }))
    expect(unticked.errors?.map((e) => e.field)).toEqual(['consent'])
    // On the German page, German to the end of the sentence.
    const untickedPage = await postForm('newsletter', 'email=extra%40example.com')
    expect(untickedPage.statusCode).toBe(400)
    expect(htmlOf(untickedPage)).toContain(
      'Bitte setzen Sie das Häkchen, um sich anzumelden: ohne Einwilligung speichert dieses Formular nichts',
    )
    expect(htmlOf(untickedPage)).not.toContain('collects nothing')

    expect(await subjectIdOf('extra@example.com')).toBeUndefined()
    expect(await smtp().settledMailsTo('extra@example.com')).toHaveLength(0)
  })

  it('answers a filled honeypot like any sign-up and drops it', async () => {
    const page = await postForm(
      'newsletter',
      'email=bot%40example.com&consent=newsletter_email&website=http%3A%2F%2Fspam.example',
    )
    expect(page.statusCode).toBe(200)
    expect(htmlOf(page)).toContain('Vielen Dank')
    const json = await postJson('newsletter', {
      email: 'bot@example.com',
      consent: ['newsletter_email'],
      website: 'http://spam.example',
    })
    const normal = await postJson('newsletter', { email: 'human@example.com', consent: ['newsletter_email'] })
    expect(json.statusCode).toBe(202)
    expect(json.json()).toEqual(normal.json())
    expect(await subjectIdOf('bot@example.com')).toBeUndefined()
    expect(await smtp().settledMailsTo('bot@example.com')).toHaveLength(0)
    expect(await subjectIdOf('human@example.com')).toBeDefined()
  })

  it('a contact request: the person is collected for the request itself; a consent without double opt-in counts at once', async () => {
    const res = await postForm(
      'contact',
      'email=carla%40example.com&lastName=Cortez&phone=0151+2345678&consent=phone_marketing&consent=newsletter_email',
      { ip: '198.51.100.5', headers: { 'user-agent': 'TestBrowser/3' } },
    )
    expect(res.statusCode).toBe(200)
    const id = (await subjectIdOf('carla@example.com')) as string
    const p = await permissionsOf(id)
    // Phone marketing: no double opt-in, granted with its proof (§ 7a UWG: documented when given).
    expect(p.consents.find((c) => c.purposeKey === 'phone_marketing')).toMatchObject({
      channel: 'phone',
      status: 'granted',
    })
    expect(p.decisions).toContainEqual(
      expect.objectContaining({ purposeKey: 'phone_marketing', channel: 'phone', allowed: true }),
    )
    const granted = p.history.find((h) => h.what === 'granted')
    expect(granted?.actor).toEqual({ type: 'system', id: 'public-form' })
    expect(granted?.proof).toMatchObject({
      source: 'form',
      formKey: 'contact',
      textVersion: 'v1',
      collectedAt: expect.any(String),
      ip: '198.51.100.0/24',
      userAgent: 'TestBrowser/3',
      reference: expect.stringMatching(/^form submission \S+$/),
    })
    // The newsletter ticked on the same form waits for its confirmation mail.
    expect(newsletterOf(p)).toBe('requested')
    expect(await linkOf('carla@example.com')).toMatch(LINK)

    // A call consent without a number is refused, in the page's language.
    const noPhone = await postForm('contact', 'email=dora%40example.com&lastName=Dix&consent=phone_marketing')
    expect(noPhone.statusCode).toBe(400)
    expect(htmlOf(noPhone)).toContain('Telefonnummer: wird für die angekreuzte Einwilligung benötigt')
    // German to the end: not the purpose's English name after it.
    expect(htmlOf(noPhone)).toMatch(/Telefonnummer: wird für die angekreuzte Einwilligung benötigt</)
    expect(await subjectIdOf('dora@example.com')).toBeUndefined()

    // Without any box ticked the request itself is still taken (its own purpose), with no consent.
    expect((await postForm('contact', 'email=dora%40example.com&lastName=Dix')).statusCode).toBe(200)
    const dora = (await subjectIdOf('dora@example.com')) as string
    expect((await permissionsOf(dora)).consents).toEqual([])
    expect(await smtp().settledMailsTo('dora@example.com')).toHaveLength(0)
  })

  it('a flood of sign-ups for one address sends one confirmation mail per window and answers each the same', async () => {
    const flood = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0
          ? postJson('newsletter', { email: 'flood@example.com', consent: ['newsletter_email'] })
          : postJson('whitepaper', { email: 'FLOOD@example.com', consent: ['newsletter_email'] }),
      ),
    )
    for (const res of flood) {
      expect(res.statusCode).toBe(202)
      expect(res.json()).toEqual({ status: 'received', confirmation: 'email' })
    }
    expect(await smtp().settledMailsTo('flood@example.com')).toHaveLength(1)
    const id = (await subjectIdOf('flood@example.com')) as string
    expect((await permissionsOf(id)).history.filter((h) => h.what === 'requested')).toHaveLength(1)

    // After the window (15 minutes) a new sign-up may send one more.
    await runtime()
      .database.db.updateTable('doi_request')
      .set({ mailed_at: new Date(Date.now() - 16 * 60_000) })
      .where('subject_id', '=', id)
      .execute()
    await Promise.all(
      [1, 2, 3].map(() =>
        postJson('newsletter', { email: 'flood@example.com', consent: ['newsletter_email'] }),
      ),
    )
    expect(await smtp().settledMailsTo('flood@example.com')).toHaveLength(2)
    // Either link confirms; then the other one is done too.
    const [first, second] = smtp()
      .mailsTo('flood@example.com')
      .map((m) => LINK.exec(m.parsed.text ?? '')?.[0] as string)
    expect((await follow(second as string, { method: 'POST' })).statusCode).toBe(200)
    expect(htmlOf(await follow(first as string))).toContain('Already confirmed')
    expect(newsletterOf(await permissionsOf(id))).toBe('confirmed')
  })

  it('a confirmation mail that could not be sent does not hold back the next sign-up', async () => {
    const rt = runtime()
    const s = rt.services
    const broken = createMailer({
      smtpUrl: smtp().url.replace('smtp-test-secret', 'wrong-password'),
      from: 'news@example.com',
      outboxDir: '/nonexistent',
    })
    const failing = new FormSubmissionService({
      forms: s.forms,
      gate: s.gate,
      permissions: s.permissions,
      purposes: s.purposes,
      doubleOptIn: s.doubleOptIn,
      db: rt.database.db,
      mailer: broken,
      publicUrl: PUBLIC_URL,
    })
    const errors: object[] = []
    const log = { info: () => {}, error: (obj: object) => errors.push(obj) }
    const answer = await failing.submit(
      'newsletter',
      { email: 'unlucky@example.com', consent: ['newsletter_email'] },
      { lang: 'en', log },
    )
    broken.close()
    // The submitter is told the same; the failure is logged without the address.
    expect(answer).toEqual({ status: 'received', confirmation: 'email' })
    expect(errors).toHaveLength(1)
    expect(JSON.stringify(errors)).not.toContain('unlucky')
    expect(await smtp().settledMailsTo('unlucky@example.com')).toHaveLength(0)
    // Within the window, the next sign-up sends the mail that never went out.
    expect(
      (await postJson('newsletter', { email: 'unlucky@example.com', consent: ['newsletter_email'] }))
        .statusCode,
    ).toBe(202)
    expect(await linkOf('unlucky@example.com')).toMatch(LINK)
  })

  it('limits submissions per IP address', async () => {
    const from = '192.0.2.250'
    const statuses: number[] = []
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await postJson('newsletter', { email: `rate${i}@example.com` }, { ip: from })).statusCode,
      )
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true)
    expect(statuses[10]).toBe(429)
    const limited = await postJson('newsletter', { email: 'rate@example.com' }, { ip: from })
    expect(problemOf(limited).type).toBe('urn:tresor:problem:rate-limited')
    for (let i = 0; i < 10; i++) await postForm('newsletter', 'email=x', { ip: from })
    const page = await postForm('newsletter', 'email=x', { ip: from, headers: { 'accept-language': 'en' } })
    expect(page.statusCode).toBe(429)
    expect(htmlOf(page)).toContain('Too many requests')
    // Another address is not affected.
    expect((await postJson('newsletter', { email: 'other@example.com' })).statusCode).toBe(400)
  })

  it('data minimisation: a form can ask only for what its type needs (forms:manage, dpo and admin)', async () => {
    const types = await t.app.inject({ method: 'GET', url: '/api/v1/form-types', headers: { cookie: dpo } })
    const newsletter = (types.json() as { key: string; fields: { field: string }[] }[]).find(
      (x) => x.key === 'newsletter',
    )
    expect(newsletter?.fields.map((f) => f.field)).toEqual(['email', 'firstName', 'lastName'])

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/forms', headers: { cookie: dpo } })
    expect((list.json() as { key: string }[]).map((f) => f.key).sort()).toEqual(
      ['contact', 'event', 'newsletter', 'sweepstake', 'whitepaper'].sort(),
    )

    const base = {
      key: 'newsletter-b2b',
      type: 'newsletter',
      title: { de: 'B2B-Newsletter', en: 'B2B newsletter' },
      fields: [
        { field: 'email', required: true },
        { field: 'lastName', required: false },
      ],
      purposes: [{ purposeKey: 'newsletter_email' }],
      notice: {
        controller: { de: 'Beispiel GmbH', en: 'Example Ltd' },
        recipients: { de: 'Versanddienstleister', en: 'Mail service provider' },
      },
    }
    const create = (body: unknown, cookie = dpo) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/forms',
        headers: { cookie },
        payload: body as Record<string, unknown>,
      })

    // A phone number is not needed for a newsletter.
    const phone = await create({ ...base, fields: [...base.fields, { field: 'phone', required: false }] })
    expect(phone.statusCode).toBe(400)
    expect(problemOf(phone).errors).toEqual([
      {
        in: 'body',
        field: 'fields[2].field',
        reason: expect.stringContaining(
          'phone is not needed for a newsletter form (data minimisation, Art. 5(1)(c))',
        ),
      },
    ])
    // Nor a street; and the address can't be left out (nor can the newsletter go without it).
    const street = problemOf(await create({ ...base, fields: [{ field: 'street', required: false }] }))
    expect(street.errors?.map((e) => e.field)).toEqual([
      'fields[0].field',
      'fields',
      'purposes[0].purposeKey',
    ])
    expect(street.errors?.[1]?.reason).toContain('must ask for email')
    expect(street.errors?.[2]?.reason).toContain('needs the form to ask for email')
    // Offered consents must fit: not contract purposes, not web tracking, phone needs a phone field.
    const purposes = problemOf(
      await create({
        ...base,
        purposes: [
          { purposeKey: 'newsletter_email' },
          { purposeKey: 'order_processing' },
          { purposeKey: 'web_tracking' },
          { purposeKey: 'phone_marketing' },
          { purposeKey: 'newsletter_email', textVersion: 99 },
        ],
      }),
    )
    expect(purposes.errors?.map((e) => e.field)).toEqual([
      'purposes[1].purposeKey',
      'purposes[2].purposeKey',
      'purposes[3].purposeKey',
      'purposes[4].purposeKey',
    ])
    expect(purposes.errors?.[2]?.reason).toContain('needs the form to ask for phone')
    // Only forms:manage may define forms.
    const marketing = await t.signIn('marketing@forms.test', 'marketing')
    expect((await create(base, marketing)).statusCode).toBe(403)

    const created = await create(base)
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      key: 'newsletter-b2b',
      purposes: [{ purposeKey: 'newsletter_email', textVersion: 1 }],
      publicUrl: expect.stringMatching(/\/p\/forms\/newsletter-b2b$/),
      version: 1,
    })
    expect((await t.app.inject({ method: 'GET', url: '/p/forms/newsletter-b2b' })).statusCode).toBe(200)

    // Changing it is checked the same way.
    const patch = (body: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/forms/newsletter-b2b',
        headers: { cookie: admin },
        payload: body as Record<string, unknown>,
      })
    const bad = await patch({ fields: [...base.fields, { field: 'city', required: false }] })
    expect(bad.statusCode).toBe(400)
    expect(problemOf(bad).errors?.[0]?.reason).toContain('city is not needed for a newsletter form')
    const good = await patch({
      fields: [...base.fields, { field: 'firstName', required: false }],
      active: false,
    })
    expect(good.statusCode).toBe(200)
    expect(good.json()).toMatchObject({ version: 2, active: false })
    // Inactive: no page, no submissions.
    expect((await t.app.inject({ method: 'GET', url: '/p/forms/newsletter-b2b' })).statusCode).toBe(404)
    expect((await postJson('newsletter-b2b', { email: 'x@example.com' })).statusCode).toBe(404)
  })

  it('consent texts are versioned: a new wording is a new version, the old one never changes', async () => {
    const added = await t.app.inject({
      method: 'POST',
      url: '/api/v1/consent-texts',
      headers: { cookie: dpo },
      payload: {
        purposeKey: 'newsletter_email',
        text: { de: 'Ja, Newsletter (neu).', en: 'Yes, newsletter (new).' },
      },
    })
    expect(added.statusCode).toBe(201)
    expect(added.json()).toMatchObject({ version: 2, textVersion: 'v2' })
    const texts = await t.app.inject({
      method: 'GET',
      url: '/api/v1/consent-texts?purpose=newsletter_email',
      headers: { cookie: dpo },
    })
    const versions = texts.json() as { version: number; text: { de: string } }[]
    expect(versions.map((v) => v.version)).toEqual([1, 2])
    expect(versions[0]?.text.de).toContain('Ja, ich möchte den Newsletter')
    // The seeded form still shows the version it names.
    expect((await t.app.inject({ method: 'GET', url: '/p/forms/newsletter?lang=de' })).body).toContain(
      '(Textversion v1)',
    )
    // Not a consent purpose: no text.
    const contract = await t.app.inject({
      method: 'POST',
      url: '/api/v1/consent-texts',
      headers: { cookie: dpo },
      payload: { purposeKey: 'order_processing', text: { de: 'x', en: 'x' } },
    })
    expect(contract.statusCode).toBe(400)
    // The database refuses to change a version.
    await expect(
      runtime().database.db.updateTable('consent_text').set({ text_de: 'geändert' }).execute(),
    ).rejects.toThrow(/never changed/)
  })

  it('the expiry job records unconfirmed requests expired after the expiry, and only those', async () => {
    expect(
      (await postJson('newsletter', { email: 'late@example.com', consent: ['newsletter_email'] })).statusCode,
    ).toBe(202)
    const link = await linkOf('late@example.com')
    const late = (await subjectIdOf('late@example.com')) as string
    const db = runtime().database.db
    // Signed up 47 hours before the job runs: still valid then.
    await db
      .updateTable('doi_request')
      .set({ expires_at: new Date(Date.now() + 49 * 3_600_000) })
      .where('subject_id', '=', late)
      .execute()
    const at = new Date(Date.now() + 48 * 3_600_000 + 60_000)
    const flood = (await subjectIdOf('flood@example.com')) as string
    const erika = (await subjectIdOf('erika@example.com')) as string
    const anna = (await subjectIdOf('anna@example.com')) as string

    const result = await expireDoiRequestsJob(runtime().services.doubleOptIn, at)
    expect(result.failed).toBe(0)
    expect(result.requests).toBeGreaterThan(0)
    // Anna never confirmed: expired, by the job, with the request as reference.
    const p = await permissionsOf(anna)
    expect(newsletterOf(p)).toBe('expired')
    expect(p.history.find((h) => h.what === 'expired')).toMatchObject({
      actor: { type: 'job', id: 'doi.expire' },
      proof: { source: 'form', formKey: 'newsletter', reference: expect.stringMatching(/^doi-request:/) },
    })
    // Confirmed ones and the one not yet due are untouched.
    expect(newsletterOf(await permissionsOf(erika))).toBe('confirmed')
    expect(newsletterOf(await permissionsOf(flood))).toBe('confirmed')
    expect(newsletterOf(await permissionsOf(late))).toBe('requested')
    // Nothing left to do on a second run.
    expect(await expireDoiRequestsJob(runtime().services.doubleOptIn, at)).toEqual({ requests: 0, failed: 0 })
    // Past its own expiry, the late link is expired too, and then can't be confirmed.
    expect(
      (await expireDoiRequestsJob(runtime().services.doubleOptIn, new Date(Date.now() + 50 * 3_600_000)))
        .requests,
    ).toBe(1)
    expect(newsletterOf(await permissionsOf(late))).toBe('expired')
    expect((await follow(link, { method: 'POST' })).statusCode).toBe(410)
    expect(newsletterOf(await permissionsOf(late))).toBe('expired')
  })

  it('an erasure (Art. 17) takes the person’s double opt-in requests and link digests with it', async () => {
    expect(
      (await postJson('newsletter', { email: 'forget@example.com', consent: ['newsletter_email'] }))
        .statusCode,
    ).toBe(202)
    const id = (await subjectIdOf('forget@example.com')) as string
    const db = runtime().database.db
    const count = async (table: 'doi_request' | 'doi_token') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('subject_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect(await count('doi_request')).toBe(1)
    expect(await count('doi_token')).toBe(1)
    await runtime().services.subjects.erase(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      id,
      'test',
    )
    expect(await count('doi_request')).toBe(0)
    expect(await count('doi_token')).toBe(0)
  })

  it('a merge moves a pending confirmation: the link confirms the survivor, whose erasure takes it along', async () => {
    expect(
      (await postJson('newsletter', { email: 'twin-a@example.com', consent: ['newsletter_email'] }))
        .statusCode,
    ).toBe(202)
    const link = await linkOf('twin-a@example.com')
    const duplicate = (await subjectIdOf('twin-a@example.com')) as string
    const survivor = await createSubject(t.app, admin, { email: 'twin-b@example.com', firstName: 'Twin' })
    const merged = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${survivor}/merge`,
      headers: { cookie: admin },
      payload: { duplicateId: duplicate, reason: 'same person' },
    })
    expect(merged.statusCode, merged.body).toBeLessThan(300)
    expect(newsletterOf(await permissionsOf(survivor))).toBe('requested')
    expect((await follow(link, { method: 'POST' })).statusCode).toBe(200)
    expect(newsletterOf(await permissionsOf(survivor))).toBe('confirmed')

    const db = runtime().database.db
    const left = async () =>
      (
        await Promise.all(
          (['doi_request', 'doi_token'] as const).map((table) =>
            db
              .selectFrom(table)
              .select('subject_id')
              .where('subject_id', 'in', [survivor, duplicate])
              .execute(),
          ),
        )
      ).flat()
    expect((await left()).map((r) => r.subject_id)).toEqual([survivor, survivor])
    await runtime().services.subjects.erase(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      survivor,
      'test',
    )
    expect(await left()).toEqual([])
  })

  it('keeps double opt-in requests distribution-ready: keyed by subject, the link lookup by its digest', async () => {
    const { rows } = await sql<{ table: string; first: string }>`
      select c.conrelid::regclass::text as table, a.attname as first
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype in ('p', 'u') and c.conrelid::regclass::text in ('doi_request', 'doi_token')
      order by 1
    `.execute(runtime().database.db)
    expect(rows).toEqual([
      { table: 'doi_request', first: 'subject_id' },
      { table: 'doi_token', first: 'token_hash' },
    ])
  })

  it('without TRESOR_SMTP_URL (the embedded default) the confirmation mail is an .eml file in <dataDir>/mail/outbox', async () => {
    // A runtime of its own, opened without mail settings.
    const rt = await openTestRuntime(engine)
    expect(rt.config.mail.smtpUrl).toBeUndefined()
    const plain = await buildTestApp(rt)
    try {
      const res = await plain.app.inject({
        method: 'POST',
        url: '/api/v1/public/forms/newsletter/submissions',
        remoteAddress: nextIp(),
        payload: { email: 'file@example.com', consent: ['newsletter_email'], lang: 'en' },
      })
      expect(res.statusCode).toBe(202)
      const outbox = rt.config.mail.outboxDir
      expect(outbox).toBe(path.join(rt.config.dataDir, 'mail', 'outbox'))
      const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'))
      expect(files).toHaveLength(1)
      const mail = await simpleParser(readFileSync(path.join(outbox, files[0] as string)))
      expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('file@example.com')
      expect(mail.subject).toBe('Please confirm your sign-up')
      expect(mail.text).toMatch(/\/p\/confirm\/[A-Za-z0-9_-]{43}\?lang=en/)
    } finally {
      await plain.app.close()
      await rt.dispose()
    }
  })
})
