import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'deletion.dpo@example.test'
const SALES = 'deletion.sales@example.test'

/**
 * The deletion concept (Löschkonzept) in a real browser: the DPO finds it in the navigation, reads
 * the invoice rule with its 8 years and § 147 AO, is refused 5 years with the law named at the
 * period, sets the leads' period to 3 years (version 2), and downloads the document as a PDF.
 * On the Plan tab the DPO makes a plan, approves it and runs it: a lead with no interaction for
 * four years is erased. Sales reads the rules but has nothing to edit.
 */
describe('deletion concept page in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession

  const row = (key: string) => page.locator(`[data-testid="retention-rule-row"][data-key="${key}"]`)

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows the rules by kind of records, the invoice rule with 8 years and § 147 AO', async () => {
    await signInAs(page, base, DPO, PASSWORD)
    await page.getByTestId('nav-deletionConcept').click()
    await page.getByTestId('deletion-concept-page').waitFor()
    expect(new URL(page.url()).pathname).toBe('/deletion-concept')
    expect(await page.getByTestId('nav-deletionConcept').getAttribute('aria-current')).toBe('page')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Deletion concept')
    expect(await page.getByTestId('deletion-concept-disclaimer').textContent()).toContain('not legal advice')

    const invoices = row('accounting_vouchers')
    await invoices.waitFor()
    expect(await invoices.getByTestId('retention-name').textContent()).toBe('Accounting vouchers (invoices)')
    expect(await invoices.getByTestId('retention-period').textContent()).toBe('8 years')
    expect(await invoices.getByTestId('retention-start').textContent()).toBe(
      'From the end of the calendar year of creation',
    )
    expect(await invoices.getByTestId('retention-law').textContent()).toContain('§ 147(3) AO')
    expect(await invoices.getByTestId('retention-transition').textContent()).toBe(
      'Transition: 10 years for records whose previous period had run out before 2025-01-01',
    )
    expect(await invoices.getByTestId('retention-version').textContent()).toBe('v1')
    // Grouped by the kind of records; each rule once, every rule there.
    const rules = (await dpo.ok<{ items: { key: string }[] }>('GET', '/retention-rules')).items
    expect(await page.getByTestId('retention-rule-row').count()).toBe(rules.length)
    const group = page.locator('[data-testid="retention-group"][data-kind="invoice"]')
    expect(await group.getByRole('heading').textContent()).toBe('Invoices')
    expect(await row('web_tracking_touchpoints').getByTestId('retention-records').textContent()).toBe(
      'Touchpoints, collected under “Web tracking”',
    )
    // No raw translation keys anywhere on the page.
    expect(await page.getByTestId('deletion-concept-page').textContent()).not.toMatch(/deletionConcept\./)
  })

  it('refuses 5 years for invoices at the period, naming the law', async () => {
    await row('accounting_vouchers').getByTestId('retention-edit').click()
    const form = page.getByTestId('retention-form')
    await form.waitFor()
    expect(await form.getByTestId('retention-form-minimum').textContent()).toContain('§ 147(3) AO')
    await form.getByTestId('retention-form-period').fill('5')
    await form.getByTestId('retention-form-submit').click()
    const error = form.getByTestId('retention-form-period-error')
    await error.waitFor()
    expect(await error.textContent()).toContain('must be at least P8Y: § 147(3) AO, § 257(4) HGB')
    expect(await form.getByTestId('retention-form-error').textContent()).toContain('not saved')
    await form.getByTestId('retention-form-cancel').click()
    await form.waitFor({ state: 'detached' })
    expect(await row('accounting_vouchers').getAttribute('data-version')).toBe('1')
  })

  it('sets the leads’ period to 3 years: version 2', async () => {
    await row('leads_without_interaction').getByTestId('retention-edit').click()
    const form = page.getByTestId('retention-form')
    await form.waitFor()
    await form.getByTestId('retention-form-period').fill('3')
    await form.getByTestId('retention-form-submit').click()
    await page.getByTestId('retention-saved').waitFor()
    expect(await page.getByTestId('retention-saved').textContent()).toContain('version 2')
    const leads = row('leads_without_interaction')
    await expect.poll(() => leads.getAttribute('data-version')).toBe('2')
    expect(await leads.getByTestId('retention-version').textContent()).toBe('v2')
    expect(await leads.getByTestId('retention-period').textContent()).toBe('3 years')
    const stored = await dpo.ok<{ period: string; version: number }>(
      'GET',
      '/retention-rules/leads_without_interaction',
    )
    expect(stored).toMatchObject({ period: 'P3Y', version: 2 })
  })

  it('downloads the deletion concept as a PDF', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('deletion-concept-download-pdf-de').click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^loeschkonzept-\d{4}-\d{2}-\d{2}\.pdf$/)
    const file = await download.path()
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-')
  })

  it('plans, approves and runs the sweeper on the Plan tab: a lead with no interaction for four years is erased', async () => {
    const runtime = (web as WebApp).runtime
    const [lead] = await runtime.services.gate.collect({
      actor: { type: 'user', id: 'browser-test', role: 'admin' },
      subjects: [
        {
          kinds: ['lead'],
          source: 'test',
          attributes: {},
          createdAt: new Date(Date.now() - 4 * 365 * 86_400_000),
          identifiers: { firstName: 'Synthetic', lastName: 'Lead' },
        },
      ],
    })
    await page.getByTestId('retention-tab-plan').click()
    const status = page.getByTestId('retention-sweeper-status')
    await status.waitFor()
    expect(await status.getAttribute('data-enabled')).toBe('false')
    expect(await status.textContent()).toContain('The sweeper is off')
    expect(await page.getByTestId('retention-plan-none').count()).toBe(1)

    await page.getByTestId('retention-plan-make').click()
    const leads = page.locator('[data-testid="retention-plan-rule"][data-key="leads_without_interaction"]')
    await leads.waitFor()
    expect(await leads.getAttribute('data-status')).toBe('due')
    expect(await leads.getByTestId('retention-plan-subjects').textContent()).toBe('1')
    expect(await leads.textContent()).toContain('v2')
    expect(await leads.textContent()).toContain((lead as string).slice(0, 8))
    const applicants = page.locator('[data-testid="retention-plan-rule"][data-key="rejected_applicants"]')
    // Decisions on applications are recorded as milestones now; no applicant here, nothing due.
    expect(await applicants.getAttribute('data-status')).toBe('nothing_due')

    await page.getByTestId('retention-plan-approve').click()
    await page.getByTestId('retention-plan-approved').waitFor()
    await expect.poll(() => status.getAttribute('data-enabled')).toBe('true')
    await page.getByTestId('retention-plan-run').click()
    const run = page.getByTestId('retention-run').first()
    await run.waitFor()
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 30_000 }).toBe('done')
    expect(
      await run
        .locator('[data-testid="retention-run-rule"][data-key="leads_without_interaction"]')
        .textContent(),
    ).toContain('1 erased, 0 erased but for what legal holds keep, 0 failed')
    const subject = await dpo.ok<{ items: { id: string }[] }>('GET', '/subjects?limit=100')
    expect(subject.items.map((s) => s.id)).not.toContain(lead)
    expect(await page.getByTestId('retention-plan-panel').textContent()).not.toMatch(/retentionPlan\./)
  })

  it('lets sales read the rules, with nothing to edit', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    await page.getByTestId('nav-deletionConcept').click()
    await row('accounting_vouchers').waitFor()
    expect(await page.getByTestId('deletion-concept-read-only').count()).toBe(1)
    expect(await page.getByTestId('retention-edit').count()).toBe(0)
    expect(await page.getByTestId('retention-add').count()).toBe(0)
  })
})
