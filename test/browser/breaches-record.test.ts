import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'breach.dpo@example.test'

/**
 * The DPO page's Art. 30 record and breach register tabs in a real browser: the record downloads as
 * XLSX and is adopted as a version; a breach is recorded through the form with its 72-hour clock, a
 * late notification is refused without reasons and accepted with them.
 */
describe('record of processing and breach register in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession

  beforeAll(async () => {
    web = await startWebApp({ locale: 'en-US', users: [{ email: DPO, role: 'dpo', password: PASSWORD }] })
    ;({ base, page } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows the record, downloads it as XLSX and adopts it as version 1', async () => {
    await signInAs(page, base, DPO, PASSWORD)
    await page.goto(`${base}/privacy?tab=record`)
    await page.getByTestId('record-status').waitFor()
    expect(await page.getByTestId('record-not-adopted').textContent()).toBe('No version adopted yet')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('record-download-xlsx-en').click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^record-of-processing-activities-\d{4}-\d{2}-\d{2}\.xlsx$/)
    expect(
      readFileSync(await download.path())
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK')
    await page.getByTestId('record-adopt').click()
    await page.getByTestId('record-adopted').waitFor()
    expect(await page.getByTestId('record-adopted').textContent()).toBe('Version 1 (adopted)')
    const versions = await dpo.ok<{ items: { version: number }[] }>('GET', '/records-of-processing/versions')
    expect(versions.items.map((v) => v.version)).toEqual([1])
    expect(await page.getByTestId('record-panel').textContent()).not.toMatch(/processingRecord\./)
  })

  it('records a breach through the form, shows its clock, refuses a late notification without reasons', async () => {
    await page.goto(`${base}/privacy?tab=breaches`)
    await page.getByTestId('breaches-panel').waitFor()
    await page.getByTestId('breach-add').click()
    const aware = new Date(Date.now() - 80 * 3_600_000)
    aware.setMinutes(aware.getMinutes() - aware.getTimezoneOffset())
    await page.locator('input[type="datetime-local"]').first().fill(aware.toISOString().slice(0, 16))
    await page.getByTestId('breach-title').fill('Misdirected export')
    await page.getByTestId('breach-description').fill('An export file was mailed to the wrong customer.')
    await page.getByTestId('breach-save').click()
    const row = page.locator('[data-testid="breach-row"][data-reference="B-1"]')
    await row.waitFor()
    expect(await row.getByTestId('breach-clock').textContent()).toMatch(/^Overdue by 8\.\d h$/)

    await row.getByRole('button', { name: 'B-1' }).click()
    await page.getByTestId('breach-notify').click()
    await page.getByTestId('breach-notify-error').waitFor()
    expect(await page.getByTestId('breach-notify-error').textContent()).toContain('delayReasons')
    await page.getByTestId('breach-delay-reasons').fill('The customer told us only on the fourth day.')
    await page.getByTestId('breach-notify').click()
    await page.getByTestId('breach-notified').waitFor()
    const [stored] = (
      await dpo.ok<{ items: { status: string; clock: { late: boolean } }[] }>('GET', '/breaches')
    ).items
    expect(stored).toMatchObject({ status: 'notified', clock: { late: true } })
    expect(await page.getByTestId('breaches-panel').textContent()).not.toMatch(/breaches\./)
  })
})
