import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'fields.dpo@example.test'
const SALES = 'fields.sales@example.test'

interface Field {
  key: string
  label: { de: string; en: string }
  category: string
  identifier: boolean
  special: string | null
  dataType: string
  options: string[]
  purposes: string[]
  retentionPeriod: string | null
  retentionRule: { de: string; en: string } | null
  builtin: boolean
  version: number
}

/**
 * The field catalog page in a real browser: the DPO (who holds `fields:manage`) finds it in the
 * navigation, reads every field with its category, identifier flag, Art. 9 category, purposes and
 * retention, adds an attribute and edits fields — with the server's refusals shown at the inputs
 * they name; what the server stored is checked through the API. Sales neither sees the entry nor
 * may change anything.
 */
describe('field catalog page in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let dpo: ApiSession

  const stored = async () => dpo.ok<Field[]>('GET', '/fields')
  const storedField = async (key: string) => (await stored()).find((f) => f.key === key)
  const row = (key: string) => page.locator(`[data-testid="field-row"][data-key="${key}"]`)
  /** Picks an option of a Mantine select (or adds one to a multi-select) by its label. */
  const choose = async (testId: string, option: string) => {
    await page.getByTestId(testId).click()
    await page.getByRole('option', { name: option, exact: true }).click()
  }

  /** Waits for the "saved" confirmation and closes it (it sits above the page's bottom-right corner). */
  const confirmSaved = async () => {
    const saved = page.getByTestId('field-saved')
    await saved.waitFor()
    await saved.getByRole('button', { name: 'Close' }).click()
    await saved.waitFor({ state: 'detached' })
  }

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
      ],
    })
    ;({ runtime, base, page } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('is in the navigation only for roles that manage the catalog; others may only read it', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    // The import entry needs the permissions too: once it is there, they are known.
    await page.getByTestId('nav-imports').waitFor()
    expect(await page.getByTestId('nav-fields').count()).toBe(0)
    await page.goto(`${base}/settings/fields`)
    await row('email').waitFor()
    expect(await page.getByTestId('field-add').count()).toBe(0)
    expect(await page.getByTestId('field-edit').count()).toBe(0)

    await signInAs(page, base, DPO, PASSWORD)
    await page.getByTestId('nav-fields').click()
    await page.getByTestId('field-catalog-page').waitFor()
    expect(new URL(page.url()).pathname).toBe('/settings/fields')
    expect(await page.getByTestId('nav-fields').getAttribute('aria-current')).toBe('page')
  })

  it('lists every field with category, identifier, Art. 9 category, purposes and retention, by category', async () => {
    await row('email').waitFor()
    const fields = await stored()
    expect(await page.getByTestId('field-row').count()).toBe(fields.length)
    // Each field is in the table of its category.
    for (const [key, category] of [
      ['email', 'contact'],
      ['iban', 'bank'],
      ['interests', 'psychographic'],
      ['dietaryRequirements', 'psychographic'],
    ] as const)
      expect(
        await page
          .locator(`[data-testid="field-category"][data-category="${category}"]`)
          .locator(row(key))
          .count(),
        key,
      ).toBe(1)

    const email = row('email')
    expect(await email.getByTestId('field-label').textContent()).toBe('E-mail address')
    expect(await email.getByTestId('field-identifier').getAttribute('data-value')).toBe('true')
    expect(await email.getByTestId('field-identifier').textContent()).toBe('Yes')
    expect(await email.getByTestId('field-retention').textContent()).toBe('As long as the contact')

    const dietary = row('dietaryRequirements')
    expect(await dietary.getByTestId('field-identifier').getAttribute('data-value')).toBe('false')
    expect(await dietary.getByTestId('field-special').getAttribute('data-value')).toBe('health')
    expect(await dietary.getByTestId('field-special').textContent()).toBe('Health data')
    expect(await dietary.getByTestId('field-purposes').textContent()).toBe('None yet')

    // Purposes by their names from the purpose registry.
    const interests = row('interests').getByTestId('field-purposes')
    await expect.poll(() => interests.textContent()).toContain('Newsletter by e-mail')
    expect(await interests.textContent()).toContain('Profiling for personalised offers')
    // Options by their labels, not their keys.
    expect(await row('interests').getByTestId('field-options').textContent()).toContain('Travel')
    expect(await row('dietaryRequirements').getByTestId('field-options').textContent()).toBe(
      'Vegetarian, Vegan, Lactose-free, Gluten-free, Nut allergy',
    )
    // Purposes that use a field through its category, not "None yet".
    await expect
      .poll(() => row('email').getByTestId('field-purposes-via-category').textContent())
      .toContain('Contact management')
    expect(await row('email').getByTestId('field-purposes').count()).toBe(0)

    await choose('field-category-filter', 'Psychographic data')
    await expect.poll(() => page.getByTestId('field-category').count()).toBe(1)
    const shown = await page
      .getByTestId('field-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')).sort())
    expect(shown).toEqual(
      fields
        .filter((f) => f.category === 'psychographic')
        .map((f) => f.key)
        .sort(),
    )
    await choose('field-category-filter', 'All categories')
    await expect.poll(() => page.getByTestId('field-row').count()).toBe(fields.length)
  })

  it('adds an attribute; the server’s complaint appears at the input it names', async () => {
    await page.getByTestId('field-add').click()
    const form = page.getByTestId('field-form')
    await form.waitFor()
    await page.getByTestId('field-form-key').fill('favouriteStore')
    await page.getByTestId('field-form-labelDe').fill('Lieblingsfiliale')
    await page.getByTestId('field-form-labelEn').fill('Favourite store')
    await choose('field-form-category', 'Behavioural data')
    await choose('field-form-dataType', 'Choice (one value)')

    // A choice without values: the server refuses it and names `options`.
    await page.getByTestId('field-form-submit').click()
    await page.getByTestId('field-form-error').waitFor()
    expect(await page.getByTestId('field-form-options-error').textContent()).toBe(
      'Not accepted: a choice field needs its options',
    )
    expect(await page.getByTestId('field-form-key-error').count()).toBe(0)
    expect(await storedField('favouriteStore')).toBeUndefined()

    await page.getByTestId('field-form-options').fill('Mitte')
    await page.getByTestId('field-form-options').press('Enter')
    await page.getByTestId('field-form-options').fill('Nord')
    await page.getByTestId('field-form-options').press('Enter')
    await choose('field-form-purposes', 'Newsletter by e-mail')
    // Typing elsewhere closes the multi-select's list.
    await page.getByTestId('field-form-retentionPeriod').fill('2')
    await page.getByTestId('field-form-retentionRuleDe').fill('2 Jahre nach dem letzten Kauf')
    await page.getByTestId('field-form-retentionRuleEn').fill('2 years after the last purchase')
    await page.getByTestId('field-form-submit').click()
    await confirmSaved()
    await form.waitFor({ state: 'detached' })

    expect(await storedField('favouriteStore')).toEqual({
      key: 'favouriteStore',
      label: { de: 'Lieblingsfiliale', en: 'Favourite store' },
      category: 'behavioural',
      identifier: false,
      special: null,
      dataType: 'enum',
      options: ['Mitte', 'Nord'],
      purposes: ['newsletter_email'],
      retentionPeriod: 'P2Y',
      retentionRule: { de: '2 Jahre nach dem letzten Kauf', en: '2 years after the last purchase' },
      builtin: false,
      version: 1,
    })
    const added = page
      .locator('[data-testid="field-category"][data-category="behavioural"]')
      .locator(row('favouriteStore'))
    await added.waitFor()
    expect(await added.getByTestId('field-retention').textContent()).toBe(
      '2 years2 years after the last purchase',
    )
    expect(await added.getByTestId('field-purposes').textContent()).toBe('Newsletter by e-mail')

    // The same key again: a conflict, shown at the key.
    await page.getByTestId('field-add').click()
    await page.getByTestId('field-form-key').fill('favouriteStore')
    await page.getByTestId('field-form-labelDe').fill('Noch einmal')
    await page.getByTestId('field-form-labelEn').fill('Once more')
    await choose('field-form-category', 'Behavioural data')
    await choose('field-form-dataType', 'Text')
    await page.getByTestId('field-form-submit').click()
    await page.getByTestId('field-form-key-error').waitFor()
    expect(await page.getByTestId('field-form-key-error').textContent()).toBe(
      'There is already a field with this key.',
    )
    await page.getByTestId('field-form-cancel').click()
    await form.waitFor({ state: 'detached' })
    expect((await storedField('favouriteStore'))?.label.en).toBe('Favourite store')
  })

  it('refuses a purpose without an Art. 9 basis for a special category, at the purposes', async () => {
    await row('dietaryRequirements').getByTestId('field-edit').click()
    const form = page.getByTestId('field-form')
    await form.waitFor()
    // The key never changes.
    expect(await page.getByTestId('field-form-key').isDisabled()).toBe(true)
    await choose('field-form-purposes', 'Newsletter by e-mail')
    await page.getByTestId('field-form-labelEn').click()
    await page.getByTestId('field-form-submit').click()
    await page.getByTestId('field-form-purposes-error').waitFor()
    expect(await page.getByTestId('field-form-purposes-error').textContent()).toBe(
      'Not accepted: purpose newsletter_email has no Art. 9 basis for a special category',
    )
    await page.getByTestId('field-form-cancel').click()
    await form.waitFor({ state: 'detached' })
    expect(await storedField('dietaryRequirements')).toMatchObject({ purposes: [], version: 1 })
  })

  it('edits a field and sends only what changed', async () => {
    await row('favouriteStore').getByTestId('field-edit').click()
    const form = page.getByTestId('field-form')
    await form.waitFor()
    expect(await page.getByTestId('field-form-retentionPeriod').inputValue()).toBe('2')
    await choose('field-form-purposes', 'Customer service')
    await page.getByTestId('field-form-labelEn').fill('Preferred store')
    await page.getByTestId('field-form-submit').click()
    await confirmSaved()
    await form.waitFor({ state: 'detached' })
    await expect
      .poll(() => row('favouriteStore').getByTestId('field-label').textContent())
      .toBe('Preferred store')

    expect(await storedField('favouriteStore')).toMatchObject({
      label: { de: 'Lieblingsfiliale', en: 'Preferred store' },
      purposes: ['newsletter_email', 'customer_service'],
      options: ['Mitte', 'Nord'],
      retentionPeriod: 'P2Y',
      version: 2,
    })
    // The audit record names exactly the properties the form sent.
    const { rows } = await runtime.database.transaction((tx) =>
      tx.query<{ reason: string }>(
        `select reason from audit_event where action = 'configure' and reason like 'field favouriteStore changed%'`,
      ),
    )
    expect(rows.map((r) => r.reason)).toEqual(['field favouriteStore changed: label, purposes'])

    // Saving without a change sends nothing.
    await row('favouriteStore').getByTestId('field-edit').click()
    await form.waitFor()
    await page.getByTestId('field-form-submit').click()
    await page.getByTestId('field-form-unchanged').waitFor()
    await page.getByTestId('field-form-cancel').click()
    expect((await storedField('favouriteStore'))?.version).toBe(2)
  })

  it('speaks German', async () => {
    await page.getByTestId('language-de').click()
    await expect.poll(() => page.getByTestId('nav-fields').textContent()).toBe('Feldkatalog')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Feldkatalog')
    expect(await row('dietaryRequirements').getByTestId('field-special').textContent()).toBe(
      'Gesundheitsdaten',
    )
    expect(await row('favouriteStore').getByTestId('field-label').textContent()).toBe('Lieblingsfiliale')
    expect(await row('favouriteStore').getByTestId('field-retention').textContent()).toBe(
      '2 Jahre2 Jahre nach dem letzten Kauf',
    )
    expect(await row('email').getByTestId('field-retention').textContent()).toBe('So lange wie der Kontakt')
    await page.getByTestId('language-en').click()
  })
})
