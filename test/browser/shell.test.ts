import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../src/modules/demo/demo.service.ts'
import type { TestRuntime } from '../support/engines.ts'
import { type LaunchedBrowser, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'browser.admin@example.test'
const PASSWORD = 'a long browser test password'

/**
 * The web shell in a real browser (Debian's Chromium, headless) against a real server on a
 * random port: login, navigation, the contacts list, the language switch, logout.
 */
describe('web shell in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let browser: LaunchedBrowser
  let base: string
  let page: Page

  beforeAll(async () => {
    web = await startWebApp({ locale: 'de-DE', users: [{ email: EMAIL, role: 'admin', password: PASSWORD }] })
    ;({ runtime, browser, base, page } = web)
  }, 60_000)

  afterAll(async () => {
    await web?.close()
  })

  it('sends a visitor without a session to the German login page', async () => {
    await page.goto(`${base}/contacts`)
    await page.getByTestId('login-form').waitFor()
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await page.locator('html').getAttribute('lang')).toBe('de')
    await expect.poll(() => page.getByTestId('login-submit').textContent()).toBe('Anmelden')
  })

  it('shows an error for a wrong password and stays on the login page', async () => {
    await page.getByTestId('login-email').fill(EMAIL)
    await page.getByTestId('login-password').fill('not the password')
    await page.getByTestId('login-submit').click()
    await page.getByTestId('login-error').waitFor()
    expect(new URL(page.url()).pathname).toBe('/login')
    const cookies = await browser.context.cookies()
    expect(cookies.find((c) => c.name === 'tresor_session')).toBeUndefined()
  })

  it('signs in and shows the shell with navigation and the signed-in user', async () => {
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('app-header').waitFor()
    await expect.poll(() => page.getByTestId('user-email').textContent()).toBe(EMAIL)
    expect(await page.getByTestId('user-role').getAttribute('data-role')).toBe('admin')
    expect(await page.getByTestId('nav-contacts').textContent()).toContain('Kontakte')
    // Modules of later issues are announced, not dead links.
    expect(await page.getByTestId('nav-audit').getAttribute('data-coming-soon')).not.toBeNull()
    const session = (await browser.context.cookies()).find((c) => c.name === 'tresor_session')
    expect(session?.httpOnly).toBe(true)
    expect(session?.sameSite).toBe('Strict')
  })

  it('shows the empty state of the contacts list, then the contacts once there are some', async () => {
    await page.getByTestId('nav-contacts').click()
    await page.getByTestId('contacts-empty').waitFor()
    expect(new URL(page.url()).pathname).toBe('/contacts')

    await generateDemoData(runtime.services, { subjects: 30, seed: 7 })
    await page.reload()
    await page.getByTestId('contacts-table').waitFor()
    expect(await page.getByTestId('contacts-total').getAttribute('data-total')).toBe('30')
    expect(await page.getByTestId('contacts-row').count()).toBeGreaterThan(0)
  })

  it('switches to English and keeps the choice across a reload', async () => {
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.getByTestId('nav-contacts').textContent()).toContain('Contacts')
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    await page.reload()
    await page.getByTestId('contacts-table').waitFor()
    expect(await page.getByTestId('nav-contacts').textContent()).toContain('Contacts')
    await page.getByTestId('language-de').click()
    await expect.poll(() => page.getByTestId('nav-contacts').textContent()).toContain('Kontakte')
  })

  it('signs out: the session is gone on the server and the app asks for a login again', async () => {
    await page.getByTestId('logout').click()
    await page.getByTestId('login-form').waitFor()
    const res = await page.request.get(`${base}/api/v1/auth/me`)
    expect(res.status()).toBe(401)
    await page.goto(`${base}/contacts`)
    await page.getByTestId('login-form').waitFor()
  })
})
