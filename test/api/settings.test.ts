import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addressSequence, buildTestApp, htmlOf, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'

/** A 1×1 PNG (the signature, IHDR, IDAT, IEND). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

interface SettingsJson {
  controller: { name: string | null; address: string | null; email: string | null }
  dpo: { name: string | null; email: string | null; address: string | null }
  branding: {
    primaryColor: string | null
    logo: { mediaType: string; size: number; sha256: string; url: string } | null
  }
  version: number
}

/**
 * Issue #18: the installation's settings (controller, DPO, logo, colour) through the API, who may
 * change what, the audit record, and where they show: the public form page and its JSON, and the
 * double opt-in mail received by a real SMTP server.
 */
describeEachEngineWithMail('installation settings', { publicUrl: PUBLIC_URL }, (runtime, smtp) => {
  let t: TestApp
  let admin: string
  let dpo: string
  let sales: string
  const nextIp = addressSequence('203.0.113')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@settings.test', 'admin')
    dpo = await t.signIn('dpo@settings.test', 'dpo')
    sales = await t.signIn('sales@settings.test', 'sales')
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const api = (
    cookie: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    })
  const putLogo = (cookie: string, type: string, body: Buffer) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/v1/settings/logo',
      headers: { cookie, 'content-type': type },
      payload: body,
    })

  it('starts empty and is readable by everyone signed in', async () => {
    const res = await api(sales, 'GET', '/settings')
    expect(res.statusCode).toBe(200)
    const settings = res.json() as SettingsJson
    expect(settings.controller).toEqual({ name: null, address: null, email: null })
    expect(settings.dpo).toEqual({ name: null, email: null, address: null })
    expect(settings.branding).toEqual({ primaryColor: null, logo: null })
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/settings' })).statusCode).toBe(401)
    // A fresh installation's form says that the controller is still to be named.
    const page = await t.app.inject({ method: 'GET', url: '/p/forms/newsletter?lang=de' })
    expect(htmlOf(page)).toContain('[Name und Anschrift Ihres Unternehmens')
    expect(page.body).not.toMatch(/<img|--brand:/)
  })

  it('lets the admin change everything, the DPO only the DPO’s contact, and nobody else anything', async () => {
    const patch = { controller: { name: 'Beispiel GmbH' } }
    expect((await api(sales, 'PATCH', '/settings', patch)).statusCode).toBe(403)
    expect((await api(dpo, 'PATCH', '/settings', patch)).statusCode).toBe(403)
    expect((await api(sales, 'PATCH', '/settings/dpo', { name: 'X' })).statusCode).toBe(403)

    const byDpo = await api(dpo, 'PATCH', '/settings/dpo', {
      name: '  Dr. Daniela Schutz ',
      email: 'datenschutz@beispiel.example',
    })
    expect(byDpo.statusCode).toBe(200)
    expect((byDpo.json() as SettingsJson).dpo).toEqual({
      name: 'Dr. Daniela Schutz',
      email: 'datenschutz@beispiel.example',
      address: null,
    })

    const byAdmin = await api(admin, 'PATCH', '/settings', {
      controller: {
        name: 'Beispiel GmbH',
        address: 'Musterstraße 1\n10115 Berlin',
        email: 'kontakt@beispiel.example',
      },
      branding: { primaryColor: '#0A7C55' },
    })
    expect(byAdmin.statusCode).toBe(200)
    const settings = byAdmin.json() as SettingsJson
    expect(settings.controller.name).toBe('Beispiel GmbH')
    expect(settings.branding.primaryColor).toBe('#0a7c55')
    // The DPO's part stays as the DPO left it.
    expect(settings.dpo.name).toBe('Dr. Daniela Schutz')
  })

  it('refuses what is not a value of a setting, naming the field', async () => {
    for (const body of [
      { branding: { primaryColor: 'green' } },
      { branding: { primaryColor: '#12345' } },
      { controller: { email: 'not an address' } },
      { controller: { name: 'x'.repeat(201) } },
      { controller: { phone: '0301234' } },
      {},
    ]) {
      const res = await api(admin, 'PATCH', '/settings', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(problemOf(res).type).toBe('urn:tresor:problem:validation')
    }
    expect(((await api(admin, 'GET', '/settings')).json() as SettingsJson).branding.primaryColor).toBe(
      '#0a7c55',
    )
  })

  it('audits each change by name of the settings changed, never their values', async () => {
    const { rows } = await sql<{ reason: string; actor_type: string; action: string }>`
      select reason, actor_type, action from audit_event
      where reason like 'settings changed%' order by seq`.execute(runtime().database.db)
    expect(rows.map((r) => r.reason)).toEqual([
      'settings changed: dpo_name, dpo_email',
      'settings changed: controller_name, controller_address, controller_email, primary_color',
    ])
    expect(rows.every((r) => r.action === 'configure' && r.actor_type === 'user')).toBe(true)
    expect(JSON.stringify(rows)).not.toContain('Beispiel')
  })

  it('shows the controller, the DPO and the colour on the public form page and in its JSON', async () => {
    const de = await t.app.inject({ method: 'GET', url: '/p/forms/newsletter?lang=de' })
    const page = htmlOf(de)
    expect(page).toContain(
      'Verantwortlich: Beispiel GmbH, Musterstraße 1, 10115 Berlin, kontakt@beispiel.example. Datenschutzbeauftragte(r): Dr. Daniela Schutz, datenschutz@beispiel.example.',
    )
    expect(page).not.toContain('[Name und Anschrift')
    // The brand colour for the buttons, the name at the top, controller and DPO at the foot.
    expect(page).toContain('--brand:#0a7c55;--brand-ink:#ffffff')
    expect(page).toMatch(/<header class="brand"><span class="brand-name">Beispiel GmbH<\/span><\/header>/)
    expect(page).toMatch(/<footer class="brand-footer">.*Datenschutzbeauftragte\(r\): Dr\. Daniela Schutz/)

    const en = await t.app.inject({ method: 'GET', url: '/api/v1/public/forms/contact?lang=en' })
    const notice = (en.json() as { notice: { heading: string; paragraphs: string[] }[] }).notice
    expect(notice[0]?.paragraphs[0]).toBe(
      'Controller: Beispiel GmbH, Musterstraße 1, 10115 Berlin, kontakt@beispiel.example. Data protection officer: Dr. Daniela Schutz, datenschutz@beispiel.example.',
    )
    // The portal and the other public pages get the same look.
    const portal = await t.app.inject({ method: 'GET', url: '/p/portal?lang=en' })
    expect(htmlOf(portal)).toContain('<span class="brand-name">Beispiel GmbH</span>')
    expect(portal.body).toContain('Controller: Beispiel GmbH')
  })

  it('keeps the notice of a form that names a controller of its own', async () => {
    const form = (await api(admin, 'GET', '/forms/whitepaper')).json() as {
      notice: { controller: { de: string; en: string }; recipients: { de: string; en: string } }
    }
    const own = { de: 'Verantwortlich: Tochter AG, Hamburg.', en: 'Controller: Tochter AG, Hamburg.' }
    const res = await api(admin, 'PATCH', '/forms/whitepaper', {
      notice: { ...form.notice, controller: own },
    })
    expect(res.statusCode).toBe(200)
    const page = htmlOf(await t.app.inject({ method: 'GET', url: '/p/forms/whitepaper?lang=de' }))
    expect(page).toContain('<p>Verantwortlich: Tochter AG, Hamburg.</p>')
    // The installation's controller is still at the foot of the page, not in the notice.
    expect(page).not.toMatch(/<section><h2>[^<]*<\/h2><p>Verantwortlich: Beispiel GmbH/)
  })

  it('takes a PNG logo, serves it for the pages and mails, and refuses SVG and what is not an image', async () => {
    expect((await putLogo(dpo, 'image/png', PNG)).statusCode).toBe(403)
    const svg = await putLogo(admin, 'image/svg+xml', SVG)
    expect(svg.statusCode).toBe(415)
    expect(problemOf(svg).detail).toContain('SVG')
    expect((await putLogo(admin, 'application/octet-stream', PNG)).statusCode).toBe(415)
    // The bytes must be what the type says.
    const fake = await putLogo(admin, 'image/png', Buffer.from('GIF89a not a png'))
    expect(fake.statusCode).toBe(400)
    expect(problemOf(fake).errors?.[0]?.field).toBe('logo')
    expect((await putLogo(admin, 'image/jpeg', PNG)).statusCode).toBe(400)
    const large = Buffer.concat([PNG, Buffer.alloc(300 * 1024)])
    expect((await putLogo(admin, 'image/png', large)).statusCode).toBe(413)

    const res = await putLogo(admin, 'image/png', PNG)
    expect(res.statusCode).toBe(200)
    const logo = (res.json() as SettingsJson).branding.logo
    expect(logo).toMatchObject({ mediaType: 'image/png', size: PNG.length })
    expect(logo?.url).toMatch(/^https:\/\/crm\.example\.test\/p\/logo\?v=[0-9a-f]{16}$/)

    const served = await t.app.inject({ method: 'GET', url: '/p/logo' })
    expect(served.statusCode).toBe(200)
    expect(served.headers['content-type']).toBe('image/png')
    expect(served.headers['x-content-type-options']).toBe('nosniff')
    expect(served.rawPayload.equals(PNG)).toBe(true)
    const again = await t.app.inject({
      method: 'GET',
      url: '/p/logo',
      headers: { 'if-none-match': String(served.headers.etag) },
    })
    expect(again.statusCode).toBe(304)

    const page = await t.app.inject({ method: 'GET', url: '/p/forms/newsletter?lang=en' })
    expect(htmlOf(page)).toMatch(
      /<header class="brand"><img src="\/p\/logo\?v=[0-9a-f]{16}" alt=""><span class="brand-name">Beispiel GmbH<\/span>/,
    )
    expect(page.headers['content-security-policy']).toContain("img-src 'self'")
  })

  it('sends the double opt-in mail with the logo, the colour, and the controller and DPO at its foot', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/p/forms/newsletter',
      remoteAddress: nextIp(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de-DE' },
      payload: 'email=settings.mail%40example.com&consent=newsletter_email',
    })
    expect(res.statusCode).toBe(200)
    const mail = await smtp().nextMailTo('settings.mail@example.com')
    expect(mail.parsed.text).toContain(
      'Verantwortlich: Beispiel GmbH, Musterstraße 1, 10115 Berlin, kontakt@beispiel.example',
    )
    expect(mail.parsed.text).toContain(
      'Datenschutzbeauftragte(r): Dr. Daniela Schutz, datenschutz@beispiel.example',
    )
    const html = String(mail.parsed.html)
    expect(html).toContain('Verantwortlich: Beispiel GmbH')
    expect(html).toMatch(
      /<img src="https:\/\/crm\.example\.test\/p\/logo\?v=[0-9a-f]{16}" alt="Beispiel GmbH"/,
    )
    expect(html).toContain('background:#0a7c55;color:#ffffff')
  })

  it('names the controller in the portal’s sign-in mail too', async () => {
    // A known address gets the link: the person signed up above.
    const res = await t.app.inject({
      method: 'POST',
      url: '/p/portal/login?lang=en',
      remoteAddress: nextIp(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=settings.mail%40example.com',
    })
    expect(res.statusCode).toBe(200)
    const mail = await smtp().nextMailTo('settings.mail@example.com')
    expect(mail.parsed.text).toContain('Controller: Beispiel GmbH')
    expect(mail.parsed.text).toContain('Data protection officer: Dr. Daniela Schutz')
  })

  it('shows times in mails in the installation’s time zone and names it (default Europe/Berlin); refuses a zone it doesn’t know', async () => {
    expect(((await api(admin, 'GET', '/settings')).json() as { timeZone: string }).timeZone).toBe(
      'Europe/Berlin',
    )
    for (const timeZone of ['Mars/Olympus', 'Europe/Berlin; x', '']) {
      const res = await api(admin, 'PATCH', '/settings', { timeZone })
      expect(res.statusCode, timeZone).toBe(400)
      expect(problemOf(res).errors?.map((e) => e.field)).toContain('timeZone')
    }
    expect((await api(dpo, 'PATCH', '/settings', { timeZone: 'UTC' })).statusCode).toBe(403)
    const changed = await api(admin, 'PATCH', '/settings', { timeZone: 'America/New_York' })
    expect(changed.statusCode, changed.body).toBe(200)
    expect((changed.json() as { timeZone: string }).timeZone).toBe('America/New_York')

    // A new sign-up's double opt-in mail says until when its link works, in that zone.
    const res = await t.app.inject({
      method: 'POST',
      url: '/p/forms/newsletter',
      remoteAddress: nextIp(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de-DE' },
      payload: 'email=settings.zone%40example.com&consent=newsletter_email',
    })
    expect(res.statusCode).toBe(200)
    const mail = await smtp().nextMailTo('settings.zone@example.com')
    expect(mail.parsed.text).toMatch(
      /Der Link gilt bis \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} \(America\/New_York\)/,
    )
    expect(mail.parsed.text).not.toContain('UTC')
    expect((await api(admin, 'PATCH', '/settings', { timeZone: 'Europe/Berlin' })).statusCode).toBe(200)
  })

  it('removes the logo; cleared values leave the page', async () => {
    const res = await api(admin, 'DELETE', '/settings/logo')
    expect(res.statusCode).toBe(200)
    expect((res.json() as SettingsJson).branding.logo).toBeNull()
    expect((await t.app.inject({ method: 'GET', url: '/p/logo' })).statusCode).toBe(404)
    const cleared = await api(admin, 'PATCH', '/settings', {
      dpo: { name: null, email: null },
      branding: { primaryColor: null },
    })
    expect(cleared.statusCode).toBe(200)
    const page = htmlOf(await t.app.inject({ method: 'GET', url: '/p/forms/newsletter?lang=en' }))
    expect(page).toContain(
      'Controller: Beispiel GmbH, Musterstraße 1, 10115 Berlin, kontakt@beispiel.example.</p>',
    )
    expect(page).not.toMatch(/<img|--brand:|Data protection officer:/)
  })

  it('gives API tokens an end: an expired token is refused, a past end is not accepted', async () => {
    const past = await api(admin, 'POST', '/tokens', {
      name: 'past',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    })
    expect(past.statusCode).toBe(400)
    const until = new Date(Date.now() + 86_400_000).toISOString()
    const created = await api(admin, 'POST', '/tokens', { name: 'for a day', expiresAt: until })
    expect(created.statusCode).toBe(201)
    const { token, info } = created.json() as { token: string; info: { id: string; expiresAt: string } }
    expect(info.expiresAt).toBe(until)
    const bearer = { authorization: `Bearer ${token}` }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/settings', headers: bearer })).statusCode).toBe(
      200,
    )
    await runtime()
      .database.db.updateTable('api_token')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', info.id)
      .execute()
    // Changed behind the server's back (as another process would): a verified token is remembered
    // for at most a second, then looked up again.
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/settings', headers: bearer })).statusCode).toBe(
      401,
    )
  })
})
