import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import iconv from 'iconv-lite'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const MARKETING = 'import.marketing@example.test'
const SALES = 'import.sales@example.test'
const DPO = 'import.dpo@example.test'
const ADMIN = 'import.admin@example.test'

/** What German Excel saves as "CSV (Trennzeichen-getrennt)": Windows-1252, semicolons, CRLF. */
const PEOPLE_CSV = [
  'Vorname;Nachname;E-Mail',
  'Jürgen;Groß;juergen.gross@import.test',
  'Max;Beispiel;max@example',
  'Zoë;Øst;zoe@import.test',
].join('\r\n')

/**
 * The import page, the correction of a contact (Art. 16) and the export of the contacts list in a
 * real browser: a marketing user imports a German Excel CSV with a consent purpose and sees the
 * rejected row and its report; a sales user corrects a surname with a reason that shows up in the
 * history; the DPO exports the list, which marketing may not.
 */
describe('import, correction and export in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let contact: string
  let tmp: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: MARKETING, role: 'marketing', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    const admin = await apiSession(web.app, ADMIN, PASSWORD)
    contact = (
      await admin.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Jana', lastName: 'Beispeil', email: 'jana@firma.example' },
      })
    ).id

    tmp = mkdtempSync(path.join(os.tmpdir(), 'tresor-import-'))
    writeFileSync(path.join(tmp, 'kontakte.csv'), iconv.encode(PEOPLE_CSV, 'windows-1252'))
  }, 90_000)

  afterAll(async () => {
    await web?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  const signIn = (email: string) => signInAs(page, base, email, PASSWORD)

  it('lets marketing import a Windows-1252 CSV with a consent purpose: 2 imported, 1 rejected with its row', async () => {
    await signIn(MARKETING)
    await page.getByTestId('nav-imports').click()
    await page.getByTestId('import-form').waitFor()
    expect(new URL(page.url()).pathname).toBe('/imports')
    await page.getByTestId('imports-latest-empty').waitFor()

    await page
      .getByTestId('import-form')
      .locator('input[type="file"]')
      .setInputFiles(path.join(tmp, 'kontakte.csv'))
    await page.getByTestId('import-source').fill('Trade fair Munich 2026')
    // The proof fields belong to consent purposes only.
    expect(await page.getByTestId('import-consent').count()).toBe(0)
    await page.getByTestId('import-purpose').click()
    await page.getByRole('option', { name: 'Newsletter by e-mail' }).click()
    await page.getByTestId('import-consent').waitFor()
    expect(await page.getByTestId('import-purpose').inputValue()).toBe('Newsletter by e-mail')

    // Without the proof the form says what is missing, next to the fields, and sends nothing.
    await page.getByTestId('import-submit').click()
    expect(await page.getByTestId('import-consent-reference').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('import-text-version').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('import-result').count()).toBe(0)

    await page.getByTestId('import-consent-reference').fill('Form archive 2026/11')
    await page.getByTestId('import-text-version').fill('nl-v3')
    await page.getByTestId('import-doi-confirmed').check()
    await page.getByTestId('import-submit').click()

    const result = page.getByTestId('import-result')
    await result.waitFor()
    expect(await result.getAttribute('data-status')).toBe('done')
    expect(await page.getByTestId('import-count-rows').getAttribute('data-value')).toBe('3')
    expect(await page.getByTestId('import-count-imported').getAttribute('data-value')).toBe('2')
    expect(await page.getByTestId('import-count-skipped').getAttribute('data-value')).toBe('0')
    expect(await page.getByTestId('import-count-rejected').getAttribute('data-value')).toBe('1')

    const problem = page.getByTestId('import-problem')
    expect(await problem.count()).toBe(1)
    expect(await problem.getAttribute('data-row')).toBe('3')
    expect(await problem.getAttribute('data-column')).toBe('E-Mail')
    expect(await problem.textContent()).toContain('is not an e-mail address')
    // The reason only, never the value that was wrong.
    expect(await problem.textContent()).not.toContain('max@example')

    // The report is there to download, with the session cookie, and names the row.
    const href = await page.getByTestId('import-report-link').getAttribute('href')
    expect(href).toMatch(/^\/api\/v1\/imports\/[0-9a-f-]+\/report$/)
    const report = await page.evaluate(async (url) => {
      const response = await fetch(url)
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
      }
    }, href as string)
    expect(report.status).toBe(200)
    expect(report.type).toContain('text/csv')
    expect(report.text).toContain('3;E-Mail;is not an e-mail address')

    // The latest imports now list it.
    const latest = page.getByTestId('imports-latest-row')
    await latest.first().waitFor()
    expect(await latest.count()).toBe(1)
    expect(await latest.first().getAttribute('data-import-id')).toBe(
      await result.getAttribute('data-import-id'),
    )
    // with when it ran (a date of this year) and the provenance it named
    expect(await latest.first().getByTestId('imports-latest-started').textContent()).toContain(
      String(new Date().getFullYear()),
    )
  })

  it('hides the export from marketing', async () => {
    await page.getByTestId('nav-contacts').click()
    await page.getByTestId('contacts-table').waitFor()
    // The navigation shows the import entry, so the role's permissions are known by now.
    await page.getByTestId('nav-imports').waitFor()
    expect(await page.getByTestId('contacts-export').count()).toBe(0)
  })

  it('lets sales correct a surname with a reason; the history shows the update and why', async () => {
    await signIn(SALES)
    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-name').textContent()).toBe('Jana Beispeil')
    await page.getByTestId('contact-edit').click()
    const form = page.getByTestId('contact-edit-form')
    await form.waitFor()
    // Sales sees no bank data, so it is not offered, not even empty; the empty address fields are.
    expect(await page.getByTestId('contact-edit-field-iban').count()).toBe(0)
    expect(await page.getByTestId('contact-edit-field-city').inputValue()).toBe('')
    expect(await page.getByTestId('contact-edit-field-lastName').inputValue()).toBe('Beispeil')

    // No reason: refused in the form.
    await page.getByTestId('contact-edit-field-lastName').fill('Beispiel')
    await page.getByTestId('contact-edit-submit').click()
    expect(await page.getByTestId('contact-edit-reason').getAttribute('aria-invalid')).toBe('true')

    // A bad e-mail address: the server's complaint appears at the e-mail field.
    await page.getByTestId('contact-edit-field-email').fill('not-an-address')
    await page.getByTestId('contact-edit-reason').fill('Surname misspelt at sign-up')
    await page.getByTestId('contact-edit-submit').click()
    await page.getByTestId('contact-edit-error').waitFor()
    expect(await page.getByTestId('contact-edit-field-email').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('contact-edit-field-lastName').getAttribute('aria-invalid')).toBeNull()
    expect(await form.textContent()).toContain('Not accepted:')

    await page.getByTestId('contact-edit-field-email').fill('jana@firma.example')
    await page.getByTestId('contact-edit-submit').click()
    await page.getByTestId('contact-edit-saved').waitFor()
    await expect.poll(() => page.getByTestId('contact-name').textContent()).toBe('Jana Beispiel')
    await page.getByTestId('contact-edit-form').waitFor({ state: 'detached' })

    await page.getByTestId('contact-history-link').click()
    await page.getByTestId('history-table').waitFor()
    const update = page.locator('[data-testid="history-row"][data-action="update"]')
    expect(await update.count()).toBe(1)
    expect(await update.textContent()).toContain('Surname misspelt at sign-up')
    // The field is named, the old and new values are not.
    expect(await update.textContent()).toContain('Last name')
    expect(await update.textContent()).not.toContain('Beispeil')

    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-edit').waitFor()
    await page.getByTestId('language-de').click()
    await expect.poll(() => page.getByTestId('contact-edit').textContent()).toBe('Bearbeiten')
    await page.getByTestId('contact-edit').click()
    await page.getByTestId('contact-edit-form').waitFor()
    expect(await page.getByTestId('contact-edit-form').textContent()).toContain('Grund der Berichtigung')
    await page.getByTestId('contact-edit-cancel').click()
    // The modal's exit transition still covers the page: a click then lands on its overlay.
    await page.getByTestId('contact-edit-form').waitFor({ state: 'detached' })
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.getByTestId('contact-edit').textContent()).toBe('Edit')
  })

  it('lets the DPO download the contacts as CSV, and names it in the audit note', async () => {
    await signIn(DPO)
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    await page.getByTestId('contacts-export').click()
    await page.getByTestId('contacts-export-menu').waitFor()
    expect(await page.getByTestId('contacts-export-note').textContent()).toContain('audit trail')
    // Before the file is made, the menu says what it will hold.
    const preview = page.getByTestId('contacts-export-preview')
    await preview.waitFor()
    expect(await preview.getAttribute('data-total')).toBe('3')
    expect(await preview.textContent()).toContain('3 contacts will be exported.')
    // The DPO may export but not import.
    expect(await page.getByTestId('nav-imports').count()).toBe(0)

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('contacts-export-csv').click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^tresor-export-\d{4}-\d{2}-\d{2}\.csv$/)
    const file = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '')
    const [header, ...rows] = file.split('\r\n').filter(Boolean)
    expect(header?.split(';').slice(0, 6)).toEqual([
      'id',
      'kinds',
      'createdAt',
      'firstName',
      'lastName',
      'birthDate',
    ])
    expect(header).toContain('iban')
    // The corrected contact and the two imported people.
    expect(rows).toHaveLength(3)
    expect(file).toContain('Beispiel')
    expect(file).toContain('juergen.gross@import.test')
  })
})
