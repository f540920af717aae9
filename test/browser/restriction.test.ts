import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const DPO = 'restriction.dpo@example.test'
const PRODUCT = 'restriction.product@example.test'
const PASSWORD = 'a long browser test password'
const PERSON = 'rita.einschraenkung@example.test'

/**
 * Art. 18 on the contact page: staff restrict processing on a ground of Art. 18(1); lifting is
 * offered only once the person was told (Art. 18(3)) — by a letter staff record, or by an e-mail
 * Tresor sends — and a lift the server still refuses (409) shows its reason.
 */
describe('restriction of processing on the contact page in Chromium', () => {
  let smtp: TestSmtpServer | undefined
  let web: WebApp | undefined
  let page: Page
  let base: string
  let dpo: ApiSession
  let contact: string

  beforeAll(async () => {
    smtp = await startSmtpServer()
    web = await startWebApp({
      locale: 'de-DE',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: PRODUCT, role: 'product', password: PASSWORD },
      ],
      env: { TRESOR_SMTP_URL: smtp.url, TRESOR_MAIL_FROM: 'Tresor <privacy@example.test>' },
    })
    ;({ page, base } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
    contact = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Rita', lastName: 'Einschränkung', email: PERSON },
      })
    ).id
    await signInAs(page, base, DPO, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
    await smtp?.close()
  })

  const card = () => page.getByTestId('restriction-card')
  const state = () => card().getByTestId('restriction-state')

  it('restricts in German, keeps lifting disabled until the letter is recorded, then lifts', async () => {
    await page.goto(`${base}/contacts/${contact}`)
    // The page's first load (the app, then its reads) can take longer than a poll's second on a
    // busy machine: wait for the card itself first.
    await state().waitFor()
    await expect.poll(() => state().getAttribute('data-restricted')).toBe('false')
    expect(await card().textContent()).toContain('werden die Daten nur gespeichert')
    expect(await card().textContent()).toContain('Nicht eingeschränkt')

    await card().getByTestId('restriction-restrict').click()
    const form = page.getByTestId('restriction-form')
    await form.waitFor()
    // Without a ground the form says what is missing.
    await page.getByTestId('restriction-save').click()
    await expect.poll(() => form.textContent()).toContain('Wählen Sie den Grund')
    await form.getByLabel('Die Person bestreitet die Richtigkeit der Daten', { exact: false }).check()
    await page.getByTestId('restriction-note').fill('Prüfung der Anschrift, Vorgang 2026-41')
    await page.getByTestId('restriction-save').click()
    await form.waitFor({ state: 'detached' })

    await expect.poll(() => state().getAttribute('data-restricted')).toBe('true')
    expect(await card().getByTestId('restriction-since').textContent()).toContain('Art. 18 Abs. 1 lit. a')
    const liftButton = card().getByTestId('restriction-lift')
    expect(await liftButton.isDisabled()).toBe(true)
    expect(await card().getByTestId('restriction-lift-why').textContent()).toContain(
      'erst, nachdem die Person unterrichtet wurde',
    )
    // Contact management may no longer use the contact: the page says so, with the card below.
    await page.getByTestId('contact-forbidden').waitFor()
    expect(await page.getByTestId('contact-page').count()).toBe(0)

    await card().getByTestId('restriction-notify').click()
    const notice = page.getByTestId('restriction-notice-form')
    await notice.waitFor()
    await notice.getByLabel('Ich habe einen Brief geschickt').check()
    await page.getByTestId('restriction-notice-save').click()
    await notice.waitFor({ state: 'detached' })
    await expect
      .poll(() => card().getByTestId('restriction-notice').textContent())
      .toContain('per Brief geschickt')
    await expect.poll(() => liftButton.isDisabled()).toBe(false)
    expect(await card().getByTestId('restriction-lift-why').count()).toBe(0)

    await liftButton.click()
    await page.getByTestId('restriction-lift-confirm').click()
    await expect.poll(() => state().getAttribute('data-restricted')).toBe('false')
    // Readable again: the contact's page is back.
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-forbidden').count()).toBe(0)

    const permissions = await dpo.ok<{ restriction: unknown; history: { type: string; what: string }[] }>(
      'GET',
      `/subjects/${contact}/permissions`,
    )
    expect(permissions.restriction).toBeNull()
    expect(permissions.history.filter((h) => h.type === 'restriction').map((h) => h.what)).toEqual([
      'set',
      'lifted',
    ])
  })

  it('in English: Tresor e-mails the notice, and the lift follows', async () => {
    const mails = smtp as TestSmtpServer
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en')
    expect(await card().textContent()).toContain('the data is only kept')

    await card().getByTestId('restriction-restrict').click()
    const form = page.getByTestId('restriction-form')
    await form.waitFor()
    await form.getByLabel('the person needs it for legal claims', { exact: false }).check()
    await page.getByTestId('restriction-save').click()
    await form.waitFor({ state: 'detached' })
    await expect.poll(() => state().getAttribute('data-restricted')).toBe('true')
    expect(await card().getByTestId('restriction-since').textContent()).toContain('Art. 18(1)(c)')
    expect(await card().getByTestId('restriction-lift').isDisabled()).toBe(true)
    expect(await card().getByTestId('restriction-lift-why').textContent()).toContain(
      'only after the person was told (Art. 18(3))',
    )

    await card().getByTestId('restriction-notify').click()
    const notice = page.getByTestId('restriction-notice-form')
    await notice.waitFor()
    // E-mail is the default; the e-mail's language follows the UI's.
    await page.getByTestId('restriction-notice-save').click()
    await notice.waitFor({ state: 'detached' })
    const mail = await mails.nextMailTo(PERSON, 30_000)
    expect(mail.parsed.text).toContain('We are going to lift the restriction')
    await expect.poll(() => card().getByTestId('restriction-notice').textContent()).toContain('e-mailed on')

    await card().getByTestId('restriction-lift').click()
    await page.getByTestId('restriction-lift-confirm').click()
    await expect.poll(() => state().getAttribute('data-restricted')).toBe('false')
    expect(await card().textContent()).toContain('Not restricted')
  })

  it('shows the server’s reason when it still refuses the lift (409)', async () => {
    await dpo.ok('PUT', `/subjects/${contact}/restriction`, { ground: 'objection-pending' })
    await dpo.ok('POST', `/subjects/${contact}/restriction/notice`, { channel: 'letter' })
    await page.goto(`${base}/contacts/${contact}`)
    await expect.poll(() => card().getByTestId('restriction-lift').isDisabled()).toBe(false)
    // Meanwhile lifted and restricted again elsewhere: the new restriction has had no notice.
    await dpo.ok('DELETE', `/subjects/${contact}/restriction`)
    await dpo.ok('PUT', `/subjects/${contact}/restriction`, { ground: 'objection-pending' })

    await card().getByTestId('restriction-lift').click()
    await page.getByTestId('restriction-lift-confirm').click()
    const error = page.getByTestId('restriction-lift-error')
    await error.waitFor()
    expect(await error.textContent()).toContain('Art. 18(3) GDPR')
    await page.keyboard.press('Escape')
    // What the page shows now is the new restriction, without notice: lifting is disabled again.
    await expect.poll(() => card().getByTestId('restriction-lift').isDisabled()).toBe(true)
  })

  it('offers the product role (no contact data, no permissions:write) neither the state nor an action', async () => {
    await signInAs(page, base, PRODUCT, PASSWORD)
    await page.goto(`${base}/contacts/${contact}`)
    await page.locator('[data-testid="contact-page"], [data-testid="contact-forbidden"]').first().waitFor()
    await page.waitForLoadState('networkidle')
    expect(await card().count()).toBe(0)
    expect(await page.getByTestId('restriction-restrict').count()).toBe(0)
  })
})
