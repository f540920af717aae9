import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const MARKETING = 'correction.marketing@example.test'
const SALES = 'correction.sales@example.test'
const ADMIN = 'correction.admin@example.test'

interface StoredSubject {
  kinds: string[]
  identifiers: Record<string, string>
  attributes: Record<string, unknown>
}

/**
 * Correcting a contact's attributes and kinds (Art. 16) from the contact page in a real browser:
 * the form offers the attributes of the field catalog the role may see, each with the input its
 * type needs (a select for a choice, a multi-select for several values, text otherwise), and the
 * kinds; only what changed is sent, and what the server stored is read back through the API.
 */
describe('correcting attributes and kinds of a contact in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let admin: ApiSession
  let contact: string

  const stored = () => admin.ok<StoredSubject>('GET', `/subjects/${contact}`)
  const updates = async () =>
    (
      await admin.ok<{ items: { action: string; fields: string[]; reason: string | null }[] }>(
        'GET',
        `/subjects/${contact}/history`,
      )
    ).items.filter((i) => i.action === 'update')
  const attribute = (key: string) => page.getByTestId(`contact-edit-attribute-${key}`)
  /** Picks an option of a Mantine select (or adds one to a multi-select) by its label. */
  const choose = async (testId: string, option: string) => {
    await page.getByTestId(testId).click()
    await page.getByRole('option', { name: option, exact: true }).click()
  }
  const openForm = async () => {
    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-edit').click()
    await page.getByTestId('contact-edit-form').waitFor()
  }

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: MARKETING, role: 'marketing', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    admin = await apiSession(web.app, ADMIN, PASSWORD)
    contact = (
      await admin.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['lead'],
        identifiers: { firstName: 'Petra', lastName: 'Probe', email: 'petra.probe@example.test' },
        attributes: {
          country: 'DE',
          region: 'DE-10',
          incomeBand: '20-40k',
          interests: ['travel'],
          occupation: 'Baker',
        },
      })
    ).id
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('offers marketing the attributes its role may see, each with the input of its type, and the kinds', async () => {
    await signInAs(page, base, MARKETING, PASSWORD)
    await openForm()
    // A choice: a select showing the stored value; free text: a text box.
    expect(await attribute('incomeBand').inputValue()).toBe('20-40k')
    expect(await attribute('occupation').inputValue()).toBe('Baker')
    // Several values: a multi-select with one pill per value.
    const interests = page.getByTestId('contact-edit-attributes-psychographic')
    expect(await attribute('interests').count()).toBe(1)
    expect(await interests.locator('.mantine-Pill-label').allTextContents()).toEqual(['travel'])
    // A special category (Art. 9) is not written for contact management; bank data is not marketing's.
    expect(await attribute('dietaryRequirements').count()).toBe(0)
    expect(await page.getByTestId('contact-edit-field-iban').count()).toBe(0)
    expect(await page.getByTestId('contact-edit-kind-lead').isChecked()).toBe(true)
    expect(await page.getByTestId('contact-edit-kind-customer').isChecked()).toBe(false)
    expect(await page.getByTestId('contact-edit-kinds').textContent()).toContain('Supplier contact')
  })

  it('saves only the changed attributes and kinds; the server stores them', async () => {
    await choose('contact-edit-attribute-incomeBand', '40-60k')
    await choose('contact-edit-attribute-interests', 'music')
    await page.getByRole('option', { name: 'books', exact: true }).click()
    // Emptied: the value is removed.
    await attribute('occupation').fill('')
    await page.getByTestId('contact-edit-kind-customer').check()
    await page.getByTestId('contact-edit-reason').fill('Updated after the customer survey')
    await page.getByTestId('contact-edit-submit').click()
    await page.getByTestId('contact-edit-saved').waitFor()
    await page.getByTestId('contact-edit-form').waitFor({ state: 'detached' })

    const subject = await stored()
    expect(subject.attributes).toEqual({
      country: 'DE',
      region: 'DE-10',
      incomeBand: '40-60k',
      interests: ['travel', 'music', 'books'],
    })
    expect(subject.kinds).toEqual(['customer', 'lead'])
    expect(subject.identifiers).toMatchObject({ firstName: 'Petra', lastName: 'Probe' })
    // The audit record names exactly what the form sent: nothing unchanged, no identifier.
    const [update] = await updates()
    expect(update?.reason).toBe('Updated after the customer survey')
    expect([...(update?.fields ?? [])].sort()).toEqual(['incomeBand', 'interests', 'kinds', 'occupation'])

    // The page shows the new values.
    const fields = page.getByTestId('contact-attributes-fields')
    await expect.poll(() => fields.locator('[data-field="incomeBand"]').textContent()).toContain('40-60k')
    expect(await fields.locator('[data-field="interests"]').textContent()).toContain('travel, music, books')
    expect(await fields.locator('[data-field="occupation"]').count()).toBe(0)
    expect(await page.getByTestId('contact-page').textContent()).toContain('Customer')
  })

  it('keeps at least one kind, and shows the server’s complaint at the attribute it names', async () => {
    await openForm()
    await page.getByTestId('contact-edit-kind-customer').uncheck()
    await page.getByTestId('contact-edit-kind-lead').uncheck()
    await page.getByTestId('contact-edit-reason').fill('Kinds removed by mistake')
    await page.getByTestId('contact-edit-submit').click()
    expect(await page.getByTestId('contact-edit-kinds-error').textContent()).toBe('Choose at least one kind.')
    await page.getByTestId('contact-edit-kind-lead').check()

    // The built-in country is a two-letter code: the server refuses a name, at the field.
    await attribute('country').fill('Germany')
    await page.getByTestId('contact-edit-reason').fill('Moved abroad')
    await page.getByTestId('contact-edit-submit').click()
    await page.getByTestId('contact-edit-error').waitFor()
    expect(await attribute('country').getAttribute('aria-invalid')).toBe('true')
    expect(await attribute('region').getAttribute('aria-invalid')).toBeNull()
    expect(await page.getByTestId('contact-edit-form').textContent()).toContain('Not accepted:')
    await page.getByTestId('contact-edit-cancel').click()

    const subject = await stored()
    expect(subject.attributes.country).toBe('DE')
    expect(subject.kinds).toEqual(['customer', 'lead'])
    expect(await updates()).toHaveLength(1)
  })

  it('offers sales no psychographic attributes, and speaks German', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    await openForm()
    expect(await attribute('incomeBand').inputValue()).toBe('40-60k')
    expect(await attribute('interests').count()).toBe(0)
    await page.getByTestId('contact-edit-cancel').click()

    await page.getByTestId('language-de').click()
    await expect.poll(() => page.getByTestId('contact-edit').textContent()).toBe('Bearbeiten')
    await page.getByTestId('contact-edit').click()
    const form = page.getByTestId('contact-edit-form')
    await form.waitFor()
    expect(await page.getByTestId('contact-edit-kinds').textContent()).toContain('Arten')
    expect(await page.getByTestId('contact-edit-kinds').textContent()).toContain('Interessent')
    expect(await form.textContent()).toContain('Soziodemografische Daten')
    expect(await form.textContent()).toContain('Einkommensklasse')
    await page.getByTestId('contact-edit-cancel').click()
    await page.getByTestId('language-en').click()
  })
})
