import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'privacy.dpo@example.test'
const SALES = 'privacy.sales@example.test'

interface Form {
  key: string
  title: { de: string; en: string }
  purposes: { purposeKey: string; textVersion: number }[]
}
interface ConsentText {
  purposeKey: string
  version: number
  textVersion: string
  text: { de: string; en: string }
}
interface Purpose {
  key: string
  legalBasis: string
  art9Basis: string | null
}

/**
 * The DPO's privacy page in a real browser: the seeded public forms with their fields, offered
 * consents and text versions and a link to the public page; every consent purpose with every
 * version of its text in German and English; a new version added from the page. Sales has no
 * entry in the navigation and is told the page is not for their role.
 */
describe('privacy page in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession

  const formRow = (key: string) => page.locator(`[data-testid="privacy-form-row"][data-key="${key}"]`)
  const purposeCard = (key: string) => page.locator(`[data-testid="privacy-purpose"][data-key="${key}"]`)

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('is in the DPO’s navigation and lists the seeded forms with fields, consents, text versions and the public page', async () => {
    await signInAs(page, base, DPO, PASSWORD)
    await page.getByTestId('nav-privacy').click()
    await page.getByTestId('privacy-page').waitFor()
    expect(new URL(page.url()).pathname).toBe('/privacy')
    expect(await page.getByTestId('nav-privacy').getAttribute('aria-current')).toBe('page')

    await formRow('contact').waitFor()
    const forms = await dpo.ok<Form[]>('GET', '/forms')
    expect(forms.length).toBeGreaterThanOrEqual(5)
    expect(await page.getByTestId('privacy-form-row').count()).toBe(forms.length)
    for (const form of forms) {
      const row = formRow(form.key)
      expect(await row.getByTestId('privacy-form-title').textContent(), form.key).toBe(form.title.en)
      expect(await row.getByTestId('privacy-form-key').textContent()).toBe(form.key)
      const offered = await row
        .getByTestId('privacy-form-consent')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-purpose')))
      expect(offered, form.key).toEqual(form.purposes.map((p) => p.purposeKey))
    }

    const contact = formRow('contact')
    expect(await contact.textContent()).toContain('Kontakt aufnehmen')
    expect(await contact.getByTestId('privacy-form-fields').textContent()).toBe(
      'E-mail address *, First name, Last name *, Phone number',
    )
    const phone = contact.locator('[data-testid="privacy-form-consent"][data-purpose="phone_marketing"]')
    expect(await phone.textContent()).toContain('Phone marketing (consumers)')
    expect(await phone.getByTestId('privacy-form-text-version').textContent()).toBe('text v1')
    expect(await contact.getByTestId('privacy-form-active').textContent()).toBe('Active')
    const link = contact.getByTestId('privacy-form-link')
    expect(await link.getAttribute('href')).toBe('/p/forms/contact')
    // The link leads to the form's public page.
    const publicPage = await page.request.get(`${base}/p/forms/contact`)
    expect(publicPage.status()).toBe(200)
    expect(await publicPage.text()).toContain('Get in touch')
  })

  it('shows every consent purpose with each version of its text in German and English', async () => {
    await page.getByTestId('privacy-tab-texts').click()
    await purposeCard('phone_marketing').waitFor()
    expect(new URL(page.url()).searchParams.get('tab')).toBe('texts')

    const purposes = (await dpo.ok<{ items: Purpose[] }>('GET', '/purposes')).items
    const consentPurposes = purposes.filter(
      (p) => p.legalBasis === 'consent' || p.art9Basis === 'explicit_consent',
    )
    expect(await page.getByTestId('privacy-purpose').count()).toBe(consentPurposes.length)
    const texts = await dpo.ok<ConsentText[]>('GET', '/consent-texts')
    for (const text of texts) {
      const version = purposeCard(text.purposeKey).locator(
        `[data-testid="privacy-text-version"][data-version="${text.textVersion}"]`,
      )
      expect(await version.getByTestId('privacy-text-en').textContent(), text.purposeKey).toBe(text.text.en)
      expect(await version.getByTestId('privacy-text-de').textContent(), text.purposeKey).toBe(text.text.de)
    }
    const phoneV1 = purposeCard('phone_marketing').locator(
      '[data-testid="privacy-text-version"][data-version="v1"]',
    )
    expect(await phoneV1.getByTestId('privacy-text-newest').count()).toBe(1)
    expect(await phoneV1.getByTestId('privacy-text-forms').textContent()).toBe('shown by: Get in touch')
    expect(await phoneV1.getByTestId('privacy-text-created').textContent()).toMatch(
      /^added \w{3} \d{1,2}, \d{4}/,
    )
    // Purposes on other bases need no text: listed apart.
    expect(
      await page.locator('[data-testid="privacy-other-purpose"][data-key="order_processing"]').count(),
    ).toBe(1)
    expect(await purposeCard('order_processing').count()).toBe(0)
  })

  it('adds a new version of a consent text; an empty text is refused at its input', async () => {
    await purposeCard('phone_marketing').getByTestId('privacy-text-add').click()
    const form = page.getByTestId('privacy-text-form')
    await form.waitFor()
    const en = page.getByTestId('privacy-text-input-en')
    // The newest wording is the starting point.
    expect(await en.inputValue()).toContain('Yes, you may call me')
    await page.getByTestId('privacy-text-submit').click()
    await page.getByTestId('privacy-text-unchanged').waitFor()

    await en.fill('')
    await page.getByTestId('privacy-text-submit').click()
    await form.getByText('Enter the text.').waitFor()
    expect(await en.getAttribute('aria-invalid')).toBe('true')

    const wording =
      'Yes, you may call me at the phone number given to present our offers. I can withdraw my consent at any time with effect for the future.'
    await en.fill(wording)
    await page.getByTestId('privacy-text-submit').click()
    await page.getByTestId('privacy-text-added').filter({ hasText: 'Consent text v2' }).waitFor()
    await form.waitFor({ state: 'detached' })

    const versions = purposeCard('phone_marketing').getByTestId('privacy-text-version')
    await expect
      .poll(() => versions.evaluateAll((els) => els.map((el) => el.getAttribute('data-version'))))
      .toEqual(['v2', 'v1'])
    expect(await versions.first().getByTestId('privacy-text-en').textContent()).toBe(wording)
    expect(await versions.first().getByTestId('privacy-text-newest').count()).toBe(1)
    expect(await versions.first().getByTestId('privacy-text-forms').textContent()).toBe('shown by no form')
    expect(await versions.nth(1).getByTestId('privacy-text-newest').count()).toBe(0)
    const stored = (await dpo.ok<ConsentText[]>('GET', '/consent-texts?purpose=phone_marketing')).find(
      (t) => t.version === 2,
    )
    expect(stored?.text.en).toBe(wording)
  })

  it('speaks German', async () => {
    await page.getByTestId('language-de').click()
    try {
      await expect.poll(() => page.getByTestId('privacy-tab-forms').textContent()).toBe('Formulare')
      expect(await purposeCard('phone_marketing').textContent()).toContain('Telefonwerbung')
      await page.getByTestId('privacy-tab-forms').click()
      expect(await formRow('contact').getByTestId('privacy-form-title').textContent()).toBe(
        'Kontakt aufnehmen',
      )
    } finally {
      await page.getByTestId('language-en').click()
    }
  })

  it('has no entry for sales, and tells them the page is not for their role', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    // The import entry needs the permissions too: once it is there, they are known.
    await page.getByTestId('nav-imports').waitFor()
    expect(await page.getByTestId('nav-privacy').count()).toBe(0)
    await page.goto(`${base}/privacy`)
    await page.getByTestId('privacy-forbidden').waitFor()
    expect(await page.getByTestId('privacy-forms').count()).toBe(0)
    expect(await page.getByTestId('privacy-tab-texts').count()).toBe(0)
  })
})
