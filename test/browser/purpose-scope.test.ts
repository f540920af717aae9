import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'scope.dpo@example.test'
const MARKETING = 'scope.marketing@example.test'
const ADMIN = 'scope.admin@example.test'

/** The machine running the suite may be busy: generous waits, no timings asserted. */
const WAIT = 30_000
const STEP = 120_000

interface Purpose {
  key: string
  name: { de: string; en: string }
  version: number
  scope: {
    roles: string[]
    subjectKinds: string[]
    requiresRecord: string | null
    fieldCategories: string[]
    restrictionException: string | null
  }
}

/**
 * The purpose registry on the DPO's page in a real browser, in German: every purpose with its legal
 * basis and scope in words (no raw keys); the DPO edits a scope (a server refusal shown at its
 * input, then a saved change with a new version); a role is offered only the purposes whose scope
 * names it (marketing's export never offers invoicing retention, but customer service once the
 * DPO added marketing to it).
 */
describe('purpose scope in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession

  const row = (key: string) => page.locator(`[data-testid="privacy-registry-row"][data-key="${key}"]`)
  const text = async (key: string, testId: string) =>
    ((await row(key).getByTestId(testId).textContent()) ?? '').trim()

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'de-DE',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: MARKETING, role: 'marketing', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    page.setDefaultTimeout(WAIT)
    dpo = await apiSession(web.app, DPO, PASSWORD)
    const admin = await apiSession(web.app, ADMIN, PASSWORD)
    // Exports are the DPO's by default; marketing gets the permission here so its export shows
    // which purposes it is offered (the scope, not the permission, is what this test is about).
    const roles = (await admin.ok<{ items: { name: string; permissions: string[] }[] }>('GET', '/roles'))
      .items
    const marketing = roles.find((r) => r.name === 'marketing')
    if (!marketing) throw new Error('no marketing role')
    await admin.ok('PATCH', '/roles/marketing', {
      permissions: [...marketing.permissions, 'subjects:export'],
    })
    await admin.ok('POST', '/subjects', {
      kinds: ['customer'],
      identifiers: { firstName: 'Greta', lastName: 'Zweckmann', email: 'greta@scope.example' },
    })
  }, STEP)

  afterAll(async () => {
    await web?.close()
  })

  it(
    'shows every purpose with its legal basis and scope in German: invoicing retention reaches only invoiced contacts with billing data',
    async () => {
      await signInAs(page, base, DPO, PASSWORD)
      await page.getByTestId('nav-privacy').click()
      await page.getByTestId('privacy-page').waitFor()
      const tab = page.getByTestId('privacy-tab-purposes')
      await expect.poll(() => tab.textContent(), { timeout: WAIT }).toBe('Zwecke')
      await tab.click()
      await row('invoicing_retention').waitFor()
      expect(new URL(page.url()).searchParams.get('tab')).toBe('purposes')

      const purposes = (await dpo.ok<{ items: Purpose[] }>('GET', '/purposes')).items
      expect(await page.getByTestId('privacy-registry-row').count()).toBe(purposes.length)
      const registry = page.getByTestId('privacy-registry')
      const headers = await registry.locator('thead th').allTextContents()
      expect(headers).toEqual(
        expect.arrayContaining([
          'Zweck',
          'Rechtsgrundlage',
          'Rollen',
          'Erreichte Kontakte',
          'Datenkategorien',
          'Einschränkung (Art. 18 Abs. 2 DSGVO)',
          'Version',
        ]),
      )

      const invoicing = purposes.find((p) => p.key === 'invoicing_retention')
      expect(invoicing?.scope.requiresRecord).toBe('invoice')
      expect(await text('invoicing_retention', 'registry-name')).toBe('Rechnungsstellung und Aufbewahrung')
      expect(await text('invoicing_retention', 'registry-legal-basis')).toBe('Rechtliche Verpflichtung')
      expect(await text('invoicing_retention', 'registry-article')).toBe('Art. 6 Abs. 1 lit. c DSGVO')
      const roles = await text('invoicing_retention', 'registry-roles')
      expect(roles).toContain('Buchhaltung')
      expect(roles).toContain('Datenschutzbeauftragte(r)')
      expect(roles).not.toContain('Marketing')
      expect(await text('invoicing_retention', 'registry-kinds')).toBe('Alle Arten')
      expect(await text('invoicing_retention', 'registry-record')).toBe('Nur mit Rechnung')
      expect(await text('invoicing_retention', 'registry-categories')).toBe(
        'Identität, Adresse, Bankdaten, Organisation, Rechnungsdaten',
      )
      const restriction = await text('invoicing_retention', 'registry-restriction')
      expect(restriction).toContain('Wichtiges öffentliches Interesse')
      expect(restriction).toContain('Betriebsprüfung (§ 147 AO)')
      expect(await text('invoicing_retention', 'registry-version')).toBe(`v${invoicing?.version}`)

      // B2B prospecting reaches B2B contacts only (§ 7(2) No. 1 UWG); most purposes may not touch
      // restricted data.
      expect(await text('b2b_prospecting', 'registry-kinds')).toBe('B2B-Kontakt')
      expect(await text('contact_management', 'registry-restriction')).toContain(
        'Bei Einschränkung nur gespeichert',
      )
      expect(await text('newsletter_email', 'registry-legal-basis')).toBe('Einwilligung')
      expect(await text('newsletter_email', 'registry-article')).toBe('Art. 6 Abs. 1 lit. a DSGVO')

      // Words, never keys: no snake_case value of the registry anywhere in the table.
      const all = (await registry.textContent()) ?? ''
      for (const raw of [
        /\b[a-z]+_[a-z_]+\b/,
        /\blegitimate\b/,
        /\binvoice\b/,
        /\bsupplier\b/,
        /\bbilling\b/,
      ])
        expect(all, String(raw)).not.toMatch(raw)
    },
    STEP,
  )

  it(
    'lets the DPO edit a scope: a refusal of the server at its input, then marketing added to customer service as a new version',
    async () => {
      const before = await dpo.ok<Purpose>('GET', '/purposes/customer_service')
      expect(before.scope.roles).not.toContain('marketing')
      expect(await text('customer_service', 'registry-version')).toBe(`v${before.version}`)

      await row('customer_service').getByTestId('registry-edit').click()
      const form = page.getByTestId('purpose-scope-form')
      await form.waitFor()
      expect(await page.getByTestId('purpose-scope-role-service').isChecked()).toBe(true)
      expect(await page.getByTestId('purpose-scope-role-marketing').isChecked()).toBe(false)
      expect(await page.getByTestId('purpose-scope-role-admin').count()).toBe(0)
      expect(await form.textContent()).toContain(`Version ${before.version + 1}`)

      // Unchanged: nothing is sent.
      await page.getByTestId('purpose-scope-submit').click()
      await page.getByTestId('purpose-scope-unchanged').waitFor()

      // No data category at all: the server refuses, and says so at the categories.
      const ticked = form.locator('[data-testid^="purpose-scope-category-"]:checked')
      while ((await ticked.count()) > 0) await ticked.first().uncheck()
      await page.getByTestId('purpose-scope-submit').click()
      const error = page.getByTestId('purpose-scope-fieldCategories-error')
      await error.waitFor()
      expect(await error.textContent()).toContain('Nicht angenommen')
      expect(await page.getByTestId('purpose-scope-error').textContent()).toContain(
        'Einige Werte wurden nicht angenommen',
      )
      expect((await dpo.ok<Purpose>('GET', '/purposes/customer_service')).version).toBe(before.version)

      // Start again from the stored scope, and add marketing.
      await page.getByTestId('purpose-scope-cancel').click()
      await form.waitFor({ state: 'detached' })
      await row('customer_service').getByTestId('registry-edit').click()
      await form.waitFor()
      expect(await form.locator('[data-testid^="purpose-scope-category-"]:checked').count()).toBe(
        before.scope.fieldCategories.length,
      )
      await page.getByTestId('purpose-scope-role-marketing').check()
      await page.getByTestId('purpose-scope-submit').click()

      const saved = page.getByTestId('purpose-scope-saved')
      await saved.waitFor()
      expect(await saved.textContent()).toContain(`Version ${before.version + 1}`)
      await form.waitFor({ state: 'detached' })
      await expect
        .poll(() => row('customer_service').getAttribute('data-version'), { timeout: WAIT })
        .toBe(String(before.version + 1))
      expect(await text('customer_service', 'registry-version')).toBe(`v${before.version + 1}`)
      expect(await text('customer_service', 'registry-roles')).toContain('Marketing')

      const after = await dpo.ok<Purpose>('GET', '/purposes/customer_service')
      expect(after.version).toBe(before.version + 1)
      expect([...after.scope.roles].sort()).toEqual([...before.scope.roles, 'marketing'].sort())
      expect(after.scope.fieldCategories).toEqual(before.scope.fieldCategories)
    },
    STEP,
  )

  it(
    'offers marketing only the purposes whose scope names it: customer service now, never invoicing retention',
    async () => {
      await signInAs(page, base, MARKETING, PASSWORD)
      await page.goto(`${base}/contacts`)
      await page.getByTestId('contacts-table').waitFor()
      await page.getByTestId('contacts-export').click()
      const menu = page.getByTestId('contacts-export-menu')
      await menu.waitFor()
      const select = page.getByTestId('contacts-export-purpose')
      await expect.poll(() => select.inputValue(), { timeout: WAIT }).toBe('Kontaktpflege')

      await select.click()
      const options = menu.getByRole('option')
      await options.first().waitFor()
      const offered = (await options.allTextContents()).map((o) => o.trim())
      const purposes = (await dpo.ok<{ items: Purpose[] }>('GET', '/purposes')).items
      const expected = purposes.filter((p) => p.scope.roles.includes('marketing')).map((p) => p.name.de)
      expect([...offered].sort()).toEqual([...expected].sort())
      expect(offered).toContain('Kundenservice')
      expect(offered).not.toContain('Rechnungsstellung und Aufbewahrung')

      // Customer service has several channels: the export names one, and the server takes it.
      await menu.getByRole('option', { name: 'Kundenservice' }).click()
      await expect.poll(() => select.inputValue(), { timeout: WAIT }).toBe('Kundenservice')
      expect(await page.getByTestId('contacts-export-channel').inputValue()).toBe('Kein Kanal')
      const href = (await page.getByTestId('contacts-export-csv').getAttribute('href')) ?? ''
      const url = new URL(href, base)
      expect(url.searchParams.get('purpose')).toBe('customer_service')
      expect(url.searchParams.get('channel')).toBe('none')
      const status = await page.evaluate(async (link) => (await fetch(link)).status, href)
      expect(status).toBe(200)
    },
    STEP,
  )
})
