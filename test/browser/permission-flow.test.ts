import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const MARKETING = 'flow.marketing@example.test'
const PERSON = 'flow.person@example.test'

interface ProofView {
  consents: { purposeKey: string; channel: string; status: string; counts: boolean }[]
  events: { purposeKey: string; kind: string; proof: Record<string, unknown> }[]
}

/** The first link to `path` in a mail's plain text. */
function linkIn(text: string | undefined, path: string): string {
  const match = new RegExp(`https?://\\S+${path.replace(/\//g, '\\/')}\\S+`).exec(text ?? '')
  if (!match) throw new Error(`no ${path} link in the mail`)
  return match[0]
}

/**
 * Issue #5 end to end, the way people use it: a visitor signs up for the newsletter on the public
 * form, confirms through the link in the mail a real SMTP server received, a marketing user sees
 * the confirmed consent on the contact's 360° page, the person withdraws it in the privacy portal
 * (signed in by the link mailed to them), and the 360° page shows it withdrawn.
 */
describe('permission management end to end in Chromium (form → mail → 360° → portal)', () => {
  let smtp: TestSmtpServer | undefined
  let web: WebApp | undefined
  let base: string
  let page: Page
  let marketing: ApiSession

  beforeAll(async () => {
    smtp = await startSmtpServer()
    web = await startWebApp({
      locale: 'en-US',
      users: [{ email: MARKETING, role: 'marketing', password: PASSWORD }],
      env: { TRESOR_SMTP_URL: smtp.url, TRESOR_MAIL_FROM: 'Tresor <news@example.test>' },
    })
    ;({ base, page } = web)
    marketing = await apiSession(web.app, MARKETING, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
    await smtp?.close()
  })

  const newsletterRow = () =>
    page.getByTestId('contact-consents').locator('tr[data-purpose="newsletter_email"][data-channel="email"]')

  it('signs up, confirms by mail, shows it on the 360° page, withdraws in the portal, shows it withdrawn', async () => {
    const mails = smtp as TestSmtpServer

    // 1. The public form: the consent box is unticked until the visitor ticks it.
    await page.goto(`${base}/p/forms/newsletter?lang=en`)
    await page.locator('#f-email').fill(PERSON)
    const box = page.locator('#c-newsletter_email')
    expect(await box.isChecked()).toBe(false)
    await box.check()
    await page.getByRole('button', { name: /subscribe|send/i }).click()
    await page.getByRole('heading', { level: 1 }).waitFor()
    expect(await page.textContent('body')).toContain('confirm')

    // 2. The one confirmation mail, received over SMTP; its link leads back to this server.
    const confirmation = await mails.nextMailTo(PERSON, 15_000)
    const confirmLink = linkIn(confirmation.parsed.text, '/p/confirm/')
    expect(confirmLink.startsWith(base)).toBe(true)
    await page.goto(confirmLink)
    // Opening the link confirms nothing (mail scanners open links); the person's click does.
    await page.getByRole('heading', { name: 'Confirm your sign-up' }).waitFor()
    await page.getByRole('button', { name: 'Yes, I confirm' }).click()
    await page.getByRole('heading', { name: 'Sign-up confirmed' }).waitFor()

    // 3. The marketing user finds the person and sees the confirmed consent with its proof.
    await signInAs(page, base, MARKETING, PASSWORD)
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-search-input').fill(PERSON)
    await page.getByTestId('contacts-search-submit').click()
    const found = page.getByTestId('contacts-search-results').getByTestId('contacts-row')
    await found.first().waitFor()
    expect(await found.count()).toBe(1)
    const subjectId = (await found.first().getAttribute('data-subject-id')) as string
    await page.goto(`${base}/contacts/${subjectId}`)
    await page.getByTestId('consent-panel').waitFor()
    await newsletterRow().and(page.locator('[data-status="confirmed"]')).waitFor()
    expect(await newsletterRow().getByTestId('consent-usable').getAttribute('data-usable')).toBe('true')
    await newsletterRow().click()
    const drawer = page.getByRole('dialog')
    await drawer.getByText('newsletter', { exact: false }).first().waitFor()
    expect(await drawer.textContent()).toMatch(/confirmed/i)
    await page.keyboard.press('Escape')

    // 4. The person signs in to the portal by the link mailed to them and withdraws.
    const portal = await page.context().newPage()
    try {
      await portal.goto(`${base}/p/portal?lang=en`)
      await portal.locator('#f-email').fill(PERSON)
      await portal.getByRole('button', { name: 'Send me a sign-in link' }).click()
      await portal.getByRole('heading', { name: 'Please check your inbox' }).waitFor()
      const signInMail = await mails.nextMailTo(PERSON, 15_000)
      // A sign-in mail is not advertising: no unsubscribe headers.
      expect(signInMail.parsed.headers.has('list-unsubscribe')).toBe(false)
      await portal.goto(linkIn(signInMail.parsed.text, '/p/portal/login/'))
      await portal.getByRole('button', { name: 'Sign in' }).click()
      const item = portal.locator('#consent-newsletter_email-email')
      await item.waitFor()
      expect(await item.locator('.state').textContent()).toMatch(/^Given since /)
      await item.getByRole('button', { name: 'Withdraw consent' }).click()
      await portal.getByText('Your consent is withdrawn, with effect from now.').waitFor()
      expect(await portal.locator('#consent-newsletter_email-email .state').textContent()).toMatch(
        /^Withdrawn on /,
      )
    } finally {
      await portal.close()
    }

    // 5. Back on the 360° page: withdrawn, not usable, and the withdrawal's proof names the portal.
    await page.reload()
    await newsletterRow().and(page.locator('[data-status="withdrawn"]')).waitFor()
    expect(await newsletterRow().getByTestId('consent-usable').getAttribute('data-usable')).toBe('false')
    const proof = await marketing.ok<ProofView>('GET', `/subjects/${subjectId}/consents`)
    expect(proof.consents).toContainEqual(
      expect.objectContaining({ purposeKey: 'newsletter_email', status: 'withdrawn', counts: false }),
    )
    expect(proof.events.filter((e) => e.purposeKey === 'newsletter_email').map((e) => e.kind)).toEqual([
      'requested',
      'confirmed',
      'withdrawn',
    ])
    expect(proof.events.at(-1)?.proof).toMatchObject({ source: 'portal' })
    // Only the two mails the person asked for went out: the confirmation and the sign-in link.
    expect(mails.mailsTo(PERSON)).toHaveLength(2)
  }, 120_000)
})
