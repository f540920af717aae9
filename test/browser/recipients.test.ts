import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'recipients.dpo@example.test'

/**
 * Recipients and transfers in a real browser: the DPO adds a US recipient on the privacy page's
 * Recipients tab and sees the transfer refused with what is missing; with SCC recorded the verdict
 * turns lawful (entered in the form), and the contacts' export menu sends a file to it with its
 * categories only, recorded as a disclosure; the adequacy decisions list the US under the Data Privacy Framework.
 */
describe('recipients tab in Chromium', () => {
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

  it('adds a US recipient, shows the transfer refused and why, then lawful under SCC', async () => {
    await signInAs(page, base, DPO, PASSWORD)
    await page.goto(`${base}/privacy?tab=recipients`)
    await page.getByTestId('privacy-tab-recipients').waitFor()
    await page.getByTestId('adequacy-row').first().waitFor()
    expect(await page.locator('[data-testid="adequacy-row"][data-country="US"]').textContent()).toContain(
      'Data Privacy Framework',
    )

    await page.getByTestId('recipient-add').click()
    const form = page.getByTestId('recipient-form')
    await form.getByLabel('Name').fill('Cloud CRM Inc.')
    await form.getByLabel('Country').fill('us')
    await form.getByLabel('Contract / arrangement of').fill('2025-02-01')
    await page.getByTestId('recipient-categories').click()
    await page.getByRole('option', { name: 'Contact details', exact: true }).click()
    await page.getByTestId('recipient-purposes').click()
    await page.getByRole('option', { name: 'Contact management', exact: true }).click()
    // Closes the open option list (a click outside it).
    await form.getByLabel('Name').click()
    await page.getByTestId('recipient-save').click()
    const row = page.locator('[data-testid="recipient-row"]', { hasText: 'Cloud CRM Inc.' })
    await row.waitFor()
    expect(await row.getAttribute('data-lawful')).toBe('false')
    expect(await row.getByTestId('recipient-verdict').textContent()).toContain('outside the EEA')

    // The DPO records the SCC in the form: the verdict turns lawful.
    const id = (await row.getAttribute('data-id')) as string
    await row.getByTestId('recipient-edit').click()
    const edit = page.getByTestId('recipient-form')
    await edit.getByLabel('Transfer mechanism').click()
    await page.getByRole('option', { name: 'Standard contractual clauses (Art. 46)' }).click()
    await edit.getByLabel('SCC module').click()
    await page.getByRole('option', { name: 'Module 2: controller to processor' }).click()
    await edit.getByLabel('SCC signed on').fill('2025-02-01')
    await page.getByTestId('recipient-save').click()
    const lawful = page.locator(`[data-testid="recipient-row"][data-id="${id}"][data-lawful="true"]`)
    await lawful.waitFor()
    expect(await lawful.getByTestId('recipient-verdict').textContent()).toContain('module 2')
    // The export menu offers the recipient; the file leaves with its categories only, recorded.
    const subject = await dpo.ok<{ id: string }>('POST', '/subjects', {
      kinds: ['customer'],
      identifiers: { firstName: 'Erika', email: 'erika@example.test' },
    })
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    await page.getByTestId('contacts-export').click()
    await page.getByTestId('contacts-export-recipient').click()
    await page.getByRole('option', { name: 'Cloud CRM Inc. (US)' }).click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('contacts-export-csv').click(),
    ])
    const file = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '')
    expect(file).toContain('erika@example.test')
    expect(file).not.toContain('Erika')
    const disclosed = await dpo.ok<{ items: { recipient: { id: string } }[] }>(
      'GET',
      `/subjects/${subject.id}/disclosures`,
    )
    expect(disclosed.items.map((d) => d.recipient.id)).toEqual([id])

    const stored = await dpo.ok<{ mechanism: string; sccModule: number; version: number }>(
      'GET',
      `/recipients/${id}`,
    )
    expect(stored).toMatchObject({ mechanism: 'scc', sccModule: 2, version: 2 })
  })
})
