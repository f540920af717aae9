import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const MARKETING = 'campaigns.marketing@example.test'
const DPO = 'campaigns.dpo@example.test'
const PASSWORD = 'a long browser test password'
const ADMIN = { type: 'user' as const, id: 'campaigns-browser', role: 'admin' }
/** How long a poll waits for the page (a busy machine, a refetch every few seconds). */
const WAIT = { timeout: 20_000 }
const CUSTOMERS = ['anna', 'bert', 'carla', 'dora'].map((n) => `${n}.campaigns@example.test`)

/**
 * Issue #17 in a real browser: a marketer creates a campaign from a segment, sees the live audience
 * with the excluded by reason, previews it (HTML in a sandboxed frame), test-sends it to her own
 * address (a real SMTP server receives it), sends it now, and reads the report with its counts and
 * charts — once in German, once in English.
 */
describe('campaigns in Chromium', () => {
  let smtp: TestSmtpServer | undefined
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let marketing: ApiSession
  let anna: string
  let dora: string

  beforeAll(async () => {
    smtp = await startSmtpServer()
    web = await startWebApp({
      locale: 'de-DE',
      users: [
        { email: MARKETING, role: 'marketing', password: PASSWORD },
        { email: DPO, role: 'dpo', password: PASSWORD },
      ],
      env: { TRESOR_SMTP_URL: smtp.url, TRESOR_MAIL_FROM: 'Tresor <news@example.test>' },
    })
    ;({ runtime, base, page } = web)
    const { gate, permissions } = runtime.services
    // Four customers; three confirmed the newsletter (double opt-in), the fourth never asked for it.
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: CUSTOMERS.map((email, i) => ({
        kinds: ['customer'],
        source: 'test',
        attributes: { country: 'DE' },
        identifiers: {
          email,
          firstName: ['Anna', 'Bert', 'Carla', 'Dora'][i] as string,
          lastName: 'Beispiel',
          // Dora has no postal address: a letter can't reach her.
          ...(i < 3
            ? { street: `Hauptstraße ${i + 1}`, postalCode: '20095', city: 'Hamburg', countryCode: 'DE' }
            : {}),
        },
      })),
    })
    ;[anna, dora] = [ids[0] as string, ids[3] as string]
    for (const subjectId of ids.slice(0, 3)) {
      await permissions.recordConsent([
        {
          actor: ADMIN,
          subjectId,
          purposeKey: 'newsletter_email',
          channel: 'email',
          kind: 'requested',
          proof: { source: 'form', formKey: 'footer-signup', textVersion: 'nl-2026-03' },
        },
      ])
      await permissions.recordConsent([
        {
          actor: ADMIN,
          subjectId,
          purposeKey: 'newsletter_email',
          channel: 'email',
          kind: 'confirmed',
          proof: { source: 'email', doi: { confirmedAt: new Date().toISOString(), ip: '198.51.100.0' } },
        },
      ])
    }
    marketing = await apiSession(web.app, MARKETING, PASSWORD)
    // The segment through the API: every customer, evaluated under contact management.
    await marketing.ok('POST', '/segments', {
      name: 'Kundschaft DE',
      purpose: 'contact_management',
      rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer'] }] },
    })
    await signInAs(page, base, MARKETING, PASSWORD)
  }, 180_000)

  afterAll(async () => {
    await web?.close()
    await smtp?.close()
  })

  /** Text on the page that looks like a translation key or an unfilled placeholder (none expected). */
  async function rawTexts(): Promise<string[]> {
    // biome-ignore lint/performance/useDomNodeTextContent: what is shown
    const text = await page.locator('main').innerText()
    const raw = [
      /\b(?:campaigns|common|segments|contact)\.[A-Za-z]+\b/g,
      /\{\{[^}]*\}\}/g,
      /\b(?:no-consent|consent-[a-z-]+|frequency-cap|hard-bounce|no-address|[a-z]+-not-[a-z-]+)\b/g,
    ]
    return raw.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0]))
  }

  /**
   * Runs the send of the scheduled campaign in this process, as the worker's `campaigns.start-due`
   * job (or `tresor campaigns send ID`) does; the test app runs no worker.
   */
  async function runSend(id: string): Promise<void> {
    const run = await runtime.services.campaignSend.run(id)
    expect(run.state).toBe('done')
  }

  it('creates a campaign from a segment, shows its audience, previews, test-sends, sends, and reports (de)', async () => {
    const mails = smtp as TestSmtpServer
    await page.goto(`${base}/campaigns`)
    await page.getByRole('heading', { name: 'Kampagnen' }).waitFor()
    await page.getByRole('link', { name: 'Neue Kampagne' }).click()

    // The form: name, segment, the e-mail channel under the newsletter, German content with a merge field.
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Winterangebot')
    await page.getByRole('combobox', { name: 'Segment', exact: true }).click()
    await page.getByRole('option', { name: 'Kundschaft DE' }).click()
    expect(await page.getByRole('checkbox', { name: 'E-Mail' }).isChecked()).toBe(true)
    await page.getByRole('textbox', { name: /^Betreff \(E-Mail, Deutsch\)/ }).fill('Unser Winterangebot')
    const text = page.getByRole('textbox', { name: /^Text \(E-Mail, Deutsch\)/ })
    await text.fill('')
    await text.focus()
    await page.getByRole('button', { name: 'Platzhalter Anrede einfügen' }).click()
    await text.press('End')
    await text.pressSequentially(', es ist Winter.')
    await expect.poll(() => text.inputValue(), WAIT).toBe('{{salutation}}, es ist Winter.')
    await page
      .getByRole('textbox', { name: /^HTML-Fassung \(optional\) \(E-Mail, Deutsch\)/ })
      .fill(
        '<p>{{salutation}}, es ist <b>Winter</b>.</p><script>document.body.insertAdjacentHTML("beforeend", "<i id=ran></i>")</script>',
      )
    await page.getByRole('button', { name: 'Kampagne anlegen' }).click()

    // Saved: the campaign's own page, a draft.
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/)
    const id = new URL(page.url()).pathname.split('/').at(-1) as string
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), WAIT).toBe('Entwurf')

    // The live audience: four in the segment, three reachable by e-mail, one without consent.
    await expect.poll(() => page.getByTestId('campaign-audience-segment').textContent(), WAIT).toBe('4')
    await expect.poll(() => page.getByTestId('campaign-audience-count-email').textContent(), WAIT).toBe('3')
    await expect
      .poll(() => page.getByTestId('campaign-audience-excluded-email').textContent(), WAIT)
      .toBe('keine Einwilligung 1')

    // The preview: sample values filled in, the unsubscribe footer, the HTML in a sandbox without scripts.
    await page.getByRole('button', { name: 'Vorschau zeigen' }).click()
    await expect
      .poll(() => page.getByTestId('campaign-preview-subject').textContent(), WAIT)
      .toBe('Unser Winterangebot')
    expect(await page.getByTestId('campaign-preview-text').textContent()).toContain(
      'Hallo Erika Mustermann, es ist Winter.',
    )
    const frame = page.getByTitle('HTML-Fassung der Vorschau')
    expect(await frame.getAttribute('sandbox')).toBe('')
    await expect.poll(() => frame.contentFrame().locator('b').textContent(), WAIT).toBe('Winter')
    // The mail's own script is in the frame but never runs there.
    expect(await frame.contentFrame().locator('script').count()).toBe(1)
    expect(await frame.contentFrame().locator('#ran').count()).toBe(0)

    expect(await rawTexts()).toEqual([])

    // The preview for one contact: her own values, through the gate; one the campaign may not reach is refused.
    const contact = page.getByRole('textbox', { name: 'Für einen Kontakt (optional)' })
    await contact.fill(anna)
    await page.getByRole('button', { name: 'Vorschau zeigen' }).click()
    await expect
      .poll(() => page.getByTestId('campaign-preview-text').textContent(), WAIT)
      .toContain('Hallo Anna Beispiel, es ist Winter.')
    await contact.fill(dora)
    await page.getByRole('button', { name: 'Vorschau zeigen' }).click()
    await page
      .getByTestId('campaign-preview')
      .getByText('Die Kampagne darf diesen Kontakt nicht erreichen: keine Einwilligung.')
      .waitFor()
    await contact.fill('')

    // The test send: to the marketer's own address (a user of Tresor), received over SMTP.
    expect(await page.getByRole('textbox', { name: 'An', exact: true }).inputValue()).toBe(MARKETING)
    await page.getByRole('button', { name: 'Test senden' }).click()
    await page.getByTestId('campaign-test-sent').waitFor()
    const test = await mails.nextMailTo(MARKETING, 20_000)
    expect(test.parsed.subject).toBe('[Test] Unser Winterangebot')
    expect(test.parsed.text).toContain('Hallo Erika Mustermann, es ist Winter.')
    // Nobody of the audience got anything from the test.
    for (const c of CUSTOMERS) expect(mails.mailsTo(c)).toEqual([])

    // A customer's address is refused for a test send, at the field.
    await page.getByRole('textbox', { name: 'An', exact: true }).fill(CUSTOMERS[0] as string)
    await page.getByRole('button', { name: 'Test senden' }).click()
    await expect
      .poll(() =>
        page
          .getByTestId('campaign-test-send')
          .getByText(CUSTOMERS[0] as string)
          .count(),
      )
      .toBeGreaterThan(0)

    // Planned for a time on the installation's clock (Europe/Berlin, summer time): stored as that instant.
    await page.getByRole('radio', { name: 'Zu einem Zeitpunkt' }).check()
    await page.getByLabel('Datum und Uhrzeit').fill('2031-07-01T09:30')
    await page.getByRole('button', { name: 'Planen', exact: true }).click()
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), WAIT).toBe('Geplant')
    const planned = await marketing.ok<{ scheduledAt: string }>('GET', `/campaigns/${id}`)
    expect(new Date(planned.scheduledAt).toISOString()).toBe('2031-07-01T07:30:00.000Z')
    await expect.poll(() => page.getByTestId('campaign-scheduled-at').textContent(), WAIT).toContain('09:30')

    // Send now instead: scheduled for now, then the send runs.
    await page.getByRole('radio', { name: 'Jetzt' }).check()
    await page.getByRole('button', { name: 'Jetzt senden' }).click()
    await expect
      .poll(() => page.getByTestId('campaign-status').textContent(), WAIT)
      .toMatch(/Geplant|Wird versendet/)
    await runSend(id)
    const received = []
    for (const c of CUSTOMERS.slice(0, 3)) {
      const mail = await mails.nextMailTo(c, 30_000)
      expect(mail.parsed.subject).toBe('Unser Winterangebot')
      received.push(mail)
    }
    expect(received[0]?.parsed.text).toContain('Hallo Anna Beispiel, es ist Winter.')
    expect(await mails.settledMailsTo(CUSTOMERS[3] as string, 500)).toEqual([])

    // Anna unsubscribes with her mail program's one-click (RFC 8058): the report counts her.
    const headers = (received[0]?.raw.toString('utf8').split('\r\n\r\n')[0] ?? '').replace(/\r\n[ \t]+/g, ' ')
    const unsubscribe = /^List-Unsubscribe: +<([^>]+)>$/m.exec(headers)?.[1]
    expect(unsubscribe?.startsWith(base)).toBe(true)
    const oneClick = await fetch(unsubscribe as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    })
    expect(oneClick.status).toBeLessThan(300)
    await page.reload()

    // The report (refreshed while sending): three sent, one excluded for want of consent, charts.
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), WAIT).toBe('Versendet')
    const report = page.getByTestId('campaign-report')
    await report.waitFor()
    await expect.poll(() => page.getByTestId('campaign-stat-sent').getAttribute('data-value'), WAIT).toBe('3')
    expect(await page.getByTestId('campaign-stat-audience').getAttribute('data-value')).toBe('3')
    await expect
      .poll(() => page.getByTestId('campaign-stat-unsubscribed').getAttribute('data-value'), {
        timeout: 20_000,
      })
      .toBe('1')
    await page.getByTestId('campaign-chart-timeline').locator('.recharts-surface').first().waitFor()
    await page.getByTestId('campaign-chart-funnel').locator('.recharts-surface').first().waitFor()
    await page.getByTestId('campaign-chart-excluded').getByText('keine Einwilligung').first().waitFor()
    expect(await rawTexts()).toEqual([])

    // The ledger's rows, pseudonymous: the three reached, sent.
    await page.getByRole('button', { name: 'Zustellungen zeigen' }).click()
    await expect.poll(() => page.getByTestId('campaign-delivery').count(), WAIT).toBe(3)
    expect(await page.locator('[data-testid="campaign-delivery"][data-status="sent"]').count()).toBe(3)

    // The list shows it sent, with its counts.
    await page.getByRole('link', { name: 'Alle Kampagnen' }).click()
    const row = page.getByTestId('campaign-row').filter({ hasText: 'Winterangebot' })
    await expect.poll(() => row.getAttribute('data-status'), WAIT).toBe('sent')
    expect(await row.getByTestId('campaign-status').textContent()).toBe('Versendet')
    // Audience, sent, delivered, bounced: the last four columns.
    expect(await row.locator('td').nth(5).textContent()).toBe('3')
    expect(await row.locator('td').nth(6).textContent()).toBe('3')
  }, 240_000)

  it('shows the list, the report and the editor in English', async () => {
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.locator('html').getAttribute('lang'), WAIT).toBe('en')
    await page.goto(`${base}/campaigns`)
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor()
    const row = page.getByTestId('campaign-row').filter({ hasText: 'Winterangebot' })
    await expect.poll(() => row.getByTestId('campaign-status').textContent(), WAIT).toBe('Sent')
    await row.getByRole('link', { name: 'Winterangebot' }).click()
    await page.getByTestId('campaign-report').waitFor()
    await page.getByRole('heading', { name: 'Report' }).waitFor()
    await page.getByTestId('campaign-chart-excluded').getByText('no consent').first().waitFor()
    expect(await page.getByTestId('campaign-stat-sent').textContent()).toContain('Sent')
    expect(await rawTexts()).toEqual([])

    // Duplicated: a new draft with the same segment and content.
    await page.getByRole('button', { name: 'Duplicate' }).click()
    await expect
      .poll(() => page.getByTestId('campaign-title').textContent(), WAIT)
      .toBe('Copy of Winterangebot')
    expect(await page.getByTestId('campaign-status').textContent()).toBe('Draft')
    expect(await page.getByTestId('campaign-subject-email-de').inputValue()).toBe('Unser Winterangebot')
    // Anna's one-click unsubscribe counts: two left, her withdrawal named as the reason.
    await expect.poll(() => page.getByTestId('campaign-audience-count-email').textContent(), WAIT).toBe('2')
    const excluded = await page.getByTestId('campaign-audience-excluded-email').textContent()
    expect(excluded).toContain('consent withdrawn 1')
    expect(excluded).toContain('no consent 1')
    expect(await rawTexts()).toEqual([])

    // Scheduled for later, paused, resumed, cancelled, deleted.
    const status = page.getByTestId('campaign-status')
    await page.getByRole('radio', { name: 'At a set time' }).check()
    await page.getByLabel('Date and time').fill('2031-12-24T18:00')
    await page.getByRole('button', { name: 'Schedule', exact: true }).click()
    await expect.poll(() => status.textContent(), WAIT).toBe('Scheduled')
    await page.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(() => status.textContent(), WAIT).toBe('Paused')
    await page.getByRole('button', { name: 'Resume' }).click()
    await expect.poll(() => status.textContent(), WAIT).toBe('Scheduled')
    await page.getByRole('button', { name: 'Cancel campaign' }).click()
    await expect.poll(() => status.textContent(), WAIT).toBe('Cancelled')
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor()
    await expect.poll(() => page.getByTestId('campaign-row').count(), WAIT).toBe(1)

    // A new campaign's form in English, with the server's refusal shown at the field.
    await page.goto(`${base}/campaigns/new`)
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Spring')
    await page.getByRole('combobox', { name: 'Segment', exact: true }).click()
    await page.getByRole('option', { name: 'Kundschaft DE' }).click()
    await page.getByRole('textbox', { name: /^Subject \(E-mail, English\)/ }).fill('Spring is here')
    await page.getByRole('textbox', { name: /^Text \(E-mail, English\)/ }).fill('Hello {{iban}}')
    await page.getByRole('button', { name: 'Create campaign' }).click()
    await page.getByTestId('campaign-save-error').waitFor()
    // The refusal names the text input, so the error is shown under it.
    await expect
      .poll(
        () => page.getByTestId('campaign-content-email').locator('.mantine-InputWrapper-error').count(),
        WAIT,
      )
      .toBeGreaterThan(0)
  }, 120_000)

  it('sends a post campaign through the letter shop and hands out its print list (en)', async () => {
    // The DPO registers the letter shop, a processor with its Art. 28 contract, for postal advertising.
    const dpo = await apiSession((web as WebApp).app, DPO, PASSWORD)
    await dpo.ok('POST', '/recipients', {
      name: 'Lettershop Nord GmbH',
      role: 'processor',
      country: 'DE',
      mechanism: 'eea',
      contractDate: '2025-02-01',
      purposes: ['postal_advertising'],
      fieldCategories: ['identity', 'address'],
    })

    await page.goto(`${base}/campaigns/new`)
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Spring catalogue')
    await page.getByRole('combobox', { name: 'Segment', exact: true }).click()
    await page.getByRole('option', { name: 'Kundschaft DE' }).click()
    await page.getByRole('checkbox', { name: 'E-mail' }).uncheck()
    await page.getByRole('checkbox', { name: 'Post' }).check()
    await page.getByRole('combobox', { name: 'Letter shop' }).click()
    await page.getByRole('option', { name: 'Lettershop Nord GmbH' }).click()
    await page.getByRole('textbox', { name: /^Heading \(Post, English\)/ }).fill('Our spring catalogue')
    const text = page.getByRole('textbox', { name: /^Text \(Post, English\)/ })
    await text.focus()
    await page.getByRole('button', { name: 'Insert merge field Salutation' }).click()
    await expect.poll(() => text.inputValue(), WAIT).toBe('{{salutation}}')
    await page.getByRole('button', { name: 'Create campaign' }).click()
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/)
    const id = new URL(page.url()).pathname.split('/').at(-1) as string

    // Post rests on legitimate interest (Recital 47): all four customers, no consent needed.
    await expect.poll(() => page.getByTestId('campaign-audience-count-post').textContent(), WAIT).toBe('4')
    await page.getByRole('button', { name: 'Send now' }).click()
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), WAIT).toBe('Scheduled')
    await runSend(id)
    await expect.poll(() => page.getByTestId('campaign-status').textContent(), WAIT).toBe('Sent')
    await expect.poll(() => page.getByTestId('campaign-stat-sent').getAttribute('data-value'), WAIT).toBe('3')
    expect(await page.getByTestId('campaign-stat-skipped').getAttribute('data-value')).toBe('1')
    await page.getByTestId('campaign-report-skipped').getByText('no address 1').waitFor()

    // The print list: a file for the letter shop with the three addressed, recorded as handed over.
    const downloading = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Download CSV' }).click()
    const download = await downloading
    const csv = readFileSync((await download.path()) as string, 'utf8')
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/)
    expect(lines).toHaveLength(4)
    expect(csv).toContain('Anna')
    expect(csv).not.toContain('Dora')
    await expect.poll(() => page.getByTestId('campaign-print-list').count(), WAIT).toBe(1)
    expect(await page.getByTestId('campaign-print-list').textContent()).toContain('CSV3')
    expect(await rawTexts()).toEqual([])
  }, 180_000)
})
