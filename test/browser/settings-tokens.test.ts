import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

/** What the page's window offers (the tests are type-checked without the DOM library). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { backgroundColor: string; color: string }
  navigator: { clipboard: { readText(): Promise<string> } }
}

const ADMIN = 'settings.admin@example.test'
const PASSWORD = 'a long browser test password'

/**
 * Issue #18 in a real browser: an admin names the controller and picks the colour on the settings
 * page and the public form shows both; creates an API token, sees its secret once, uses it against
 * the API and revokes it; and a contact's history reads in words — purposes by name, fields by
 * their labels, the kernel's reasons as sentences — not as keys.
 */
describe('settings, API tokens and a readable history in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let subject: string
  const dsr = randomUUID()

  beforeAll(async () => {
    web = await startWebApp({ locale: 'en-US', users: [{ email: ADMIN, role: 'admin', password: PASSWORD }] })
    ;({ runtime, base, page } = web)
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    subject = (
      await runtime.database.db
        .insertInto('subject')
        .values({ kinds: ['customer'], source: 'manual' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
    const actor = { type: 'user' as const, id: 'a-user-id', role: 'sales' }
    await runtime.services.audit.append([
      {
        actor,
        action: 'read',
        subjectIds: [subject],
        purpose: 'contact_management',
        legalBasis: 'legitimate_interest',
        fields: ['firstName', 'email'],
      },
      {
        actor,
        action: 'read',
        subjectIds: [subject],
        reason: `data subject requests viewed: dsr:${dsr}`,
      },
      {
        actor: { type: 'system', id: 'public-form', role: 'admin' },
        action: 'consent',
        subjectIds: [subject],
        purpose: 'newsletter_email',
        legalBasis: 'consent',
        reason: 'consent granted on email (source: form)',
      },
    ])
    await signInAs(page, base, ADMIN, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  it('names the controller and sets the colour on the settings page; the public form shows them', async () => {
    await page.getByTestId('nav-settings').click()
    await page.getByTestId('settings-page').waitFor()
    expect(new URL(page.url()).pathname).toBe('/settings/general')

    await page.getByTestId('settings-controller-name').fill('Muster Möbel GmbH')
    await page.getByTestId('settings-controller-address').fill('Hauptstraße 5\n80331 München')
    await page.getByTestId('settings-controller-email').fill('datenschutz@muster-moebel.example')
    await page.getByTestId('settings-controller-save').click()
    await page.getByTestId('settings-saved').waitFor()

    await page.getByTestId('settings-color').fill('#0a7c55')
    await page.getByTestId('settings-color').press('Escape')
    await page.getByTestId('settings-color-save').click()
    await expect
      .poll(async () => (await runtime.services.settings.current()).branding.primaryColor, {
        timeout: 15_000,
      })
      .toBe('#0a7c55')
    expect((await runtime.services.settings.current()).controller).toEqual({
      name: 'Muster Möbel GmbH',
      address: 'Hauptstraße 5\n80331 München',
      email: 'datenschutz@muster-moebel.example',
    })

    // The time zone of mails and the portal: Berlin by default, any IANA zone to pick.
    const zone = page.getByTestId('settings-time-zone-select')
    expect(await zone.inputValue()).toBe('Europe/Berlin')
    await zone.fill('Europe/Vienna')
    await page.getByRole('option', { name: 'Europe/Vienna' }).click()
    await expect
      .poll(async () => (await runtime.services.settings.current()).timeZone, { timeout: 15_000 })
      .toBe('Europe/Vienna')

    await page.goto(`${base}/p/forms/newsletter?lang=en`)
    const notice = await page.locator('.notice').textContent()
    expect(notice).toContain(
      'Controller: Muster Möbel GmbH, Hauptstraße 5, 80331 München, datenschutz@muster-moebel.example.',
    )
    expect(notice).not.toContain('[your company')
    expect(await page.locator('header.brand').textContent()).toBe('Muster Möbel GmbH')
    // The submit button in the brand colour, its text readable on it.
    const button = await page.locator('button[type="submit"]').evaluate((el) => {
      const style = (globalThis as unknown as BrowserGlobals).getComputedStyle(el)
      return [style.backgroundColor, style.color]
    })
    expect(button).toEqual(['rgb(10, 124, 85)', 'rgb(255, 255, 255)'])
  })

  it('creates an API token, shows its secret once, and the token works until revoked', async () => {
    await page.goto(`${base}/`)
    await page.getByTestId('security-settings').click()
    await page.getByTestId('api-tokens').waitFor()
    await page.getByTestId('token-name').fill('CI export')
    await page.getByTestId('token-create').click()
    const secret = ((await page.getByTestId('token-secret').textContent()) ?? '').trim()
    expect(secret).toMatch(/^tresor_\S{20,}$/)
    await page.getByTestId('token-copy').click()
    await expect
      .poll(() =>
        page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText()),
      )
      .toBe(secret)

    const row = page.locator('[data-testid="api-token-row"][data-name="CI export"]')
    await row.waitFor()
    expect(await row.getAttribute('data-state')).toBe('active')
    expect(await row.textContent()).toContain('Administrator')
    // Valid for 90 days unless chosen otherwise.
    const stored = await runtime.services.access.listTokens(
      (await runtime.services.access.findUserByEmail(ADMIN))!.id,
    )
    const expiresAt = stored.find((t) => t.name === 'CI export')?.expires_at
    expect(expiresAt && Math.round((expiresAt.getTime() - Date.now()) / 86_400_000)).toBe(90)

    const call = () =>
      page.evaluate(
        async ([url, token]) =>
          (await fetch(url as string, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' }))
            .status,
        [`${base}/api/v1/settings`, secret],
      )
    expect(await call()).toBe(200)

    // Once dismissed (or after a reload), the secret is nowhere on the page.
    await page.getByTestId('token-secret-done').click()
    expect(await page.getByTestId('token-secret').count()).toBe(0)
    await page.reload()
    await row.waitFor()
    expect(await page.content()).not.toContain(secret)
    expect(await row.textContent()).not.toBe('')

    await row.getByTestId('api-token-revoke').click()
    await page.getByTestId('api-token-revoke-confirm').click()
    await expect.poll(() => row.getAttribute('data-state')).toBe('revoked')
    expect(await call()).toBe(401)
  })

  it('shows a contact’s history with purposes by name, field labels and reasons in words', async () => {
    await page.goto(`${base}/contacts/${subject}/history`)
    await page.getByTestId('history-table').waitFor()
    const table = page.getByTestId('history-table')
    await expect.poll(() => table.getByTestId('history-purpose').first().textContent()).not.toBe('')
    const purposes = await table.getByTestId('history-purpose').allTextContents()
    expect(purposes).toContain('Contact management')
    expect(purposes).toContain('Newsletter by e-mail')
    const fields = await table.getByTestId('history-field').allTextContents()
    expect(fields).toEqual(expect.arrayContaining(['First name', 'E-mail address']))
    const reasons = await table.getByTestId('history-reason').allTextContents()
    expect(reasons).toContain(`The person’s data subject requests were viewed (no. ${dsr.slice(0, 8)})`)
    expect(reasons).toContain('Consent for E-mail: Granted — source: Form')

    const text = (await table.textContent()) ?? ''
    for (const raw of ['contact_management', 'newsletter_email', 'firstName', 'dsr:', 'viewed:'])
      expect(text, raw).not.toContain(raw)
    // Every badge shows its whole word ("Read", not "R…").
    const labels = table.locator(
      '[data-testid="history-action"] .mantine-Badge-label, [data-testid="history-field"] .mantine-Badge-label',
    )
    expect(await labels.count()).toBeGreaterThanOrEqual(5)
    const cut = await labels.evaluateAll((els) =>
      els.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent),
    )
    expect(cut).toEqual([])
  })
})
