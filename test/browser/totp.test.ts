import { generateSync } from 'otplib'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LaunchedBrowser, signInThroughUi, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'two.factor@example.test'
const PASSWORD = 'a long browser test password'

const codeAt = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 })

/** Neighbouring-step codes must not straddle a step boundary while the test types them. */
async function awayFromStepBoundary(): Promise<void> {
  const into = (Date.now() / 1000) % 30
  if (into > 20) await new Promise((r) => setTimeout(r, (30 - into + 1) * 1000))
}

/**
 * The second factor in a real browser: a user turns TOTP on in the security settings, signs out,
 * and signs in again through both steps (password, then the code of the authenticator app — which
 * the test computes with otplib from the key the page showed).
 */
describe('TOTP in Chromium', () => {
  let web: WebApp | undefined
  let browser: LaunchedBrowser
  let base: string
  let page: Page
  let secret = ''

  beforeAll(async () => {
    web = await startWebApp({ locale: 'en-US', users: [{ email: EMAIL, role: 'sales', password: PASSWORD }] })
    ;({ browser, base, page } = web)
  }, 60_000)

  afterAll(async () => {
    await web?.close()
  })

  const signInWithPassword = () => signInThroughUi(page, base, EMAIL, PASSWORD)

  it('turns TOTP on in the security settings with the key the page shows', async () => {
    await signInWithPassword()
    await page.getByTestId('app-header').waitFor()
    await page.getByTestId('security-settings').click()
    await expect.poll(() => page.getByTestId('totp-status').getAttribute('data-enabled')).toBe('false')
    await page.getByTestId('totp-start').click()
    secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '')
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(await page.getByTestId('totp-uri').textContent()).toContain(`secret=${secret}`)

    await page.getByTestId('totp-confirm-code').fill('000000' === codeAt(secret) ? '111111' : '000000')
    await page.getByTestId('totp-confirm').click()
    await page.getByTestId('totp-error').waitFor()

    await awayFromStepBoundary()
    await page.getByTestId('totp-confirm-code').fill(codeAt(secret, -1))
    await page.getByTestId('totp-confirm').click()
    await expect.poll(() => page.getByTestId('totp-status').getAttribute('data-enabled')).toBe('true')
    await page.getByTestId('logout').click()
    await page.getByTestId('login-form').waitFor()
  })

  it('asks for the code after the password, with no session in between, and shows a wrong code', async () => {
    await signInWithPassword()
    await page.getByTestId('login-totp').waitFor()
    const cookies = await browser.context.cookies()
    expect(cookies.find((c) => c.name === 'tresor_session')).toBeUndefined()
    const valid = new Set([-1, 0, 1].map((s) => codeAt(secret, s)))
    await page.getByTestId('login-totp').fill(valid.has('123456') ? '654321' : '123456')
    await page.getByTestId('login-totp-submit').click()
    await page.getByTestId('login-error').waitFor()
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  it('signs in with the current code and shows the shell', async () => {
    await awayFromStepBoundary()
    await page.getByTestId('login-totp').fill(codeAt(secret))
    await page.getByTestId('login-totp-submit').click()
    await page.getByTestId('app-header').waitFor()
    await expect.poll(() => page.getByTestId('user-email').textContent()).toBe(EMAIL)
    const session = (await browser.context.cookies()).find((c) => c.name === 'tresor_session')
    expect(session?.httpOnly).toBe(true)
  })
})
