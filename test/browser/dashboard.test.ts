import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../src/modules/demo/demo.service.ts'
import type { TestRuntime } from '../support/engines.ts'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const DPO = 'dashboard.dpo@example.test'
const PRODUCT = 'dashboard.product@example.test'
const PASSWORD = 'a long dashboard test password'

/** The figures of a hidden chart table: its rows as arrays of cell texts. */
const tableRows = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')))

/**
 * Issue #18: a dashboard worth opening — the DPO sees the open requests by due date, contacts by
 * kind, consent activity and coverage as charts (with their numbers for screen readers), in German
 * and English; a role without the inbox doesn't get that card.
 */
describe('the dashboard in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let page: Page
  let base: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'de-DE',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: PRODUCT, role: 'product', password: PASSWORD },
      ],
    })
    ;({ runtime, page, base } = web)
    await generateDemoData(runtime.services, { subjects: 40, seed: 11 })
    await signInAs(page, base, DPO, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows the DPO the requests by due date and the charts with the server’s numbers, in German', async () => {
    await page.goto(`${base}/`)
    await page.getByTestId('overview-requests-card').waitFor()
    const api = (await page.evaluate(async () => (await fetch('/api/v1/dashboard')).json())) as {
      requests: Record<string, number>
      contactsByKind: { count: number }[]
      consentCoverage: unknown[]
    }
    for (const key of ['overdue', 'dueWithin7Days', 'dueLater'])
      expect(await page.getByTestId(`overview-requests-${key}`).getAttribute('data-count')).toBe(
        String(api.requests[key]),
      )
    expect(await page.getByTestId('overview-requests-card').textContent()).toContain('Überfällig')

    // Contacts by kind: a drawn chart, and the same numbers in its table.
    await page.getByTestId('overview-kinds-card').locator('svg.recharts-surface').first().waitFor()
    const kinds = await tableRows(page, 'overview-kinds-table')
    const total = api.contactsByKind.reduce((sum, k) => sum + k.count, 0)
    expect(kinds.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(total)
    expect(kinds.map(([kind]) => kind)).toContain('Kunde')

    await page.getByTestId('overview-consents-card').locator('svg.recharts-surface').first().waitFor()
    expect(await tableRows(page, 'overview-consents-table')).toHaveLength(12)
    expect(await page.getByTestId('overview-consents-card').textContent()).toContain('Europe/Berlin')

    // Coverage names purposes and channels by their names, never keys.
    const coverage = await tableRows(page, 'overview-coverage-table')
    expect(coverage.length).toBe(api.consentCoverage.length)
    for (const [label] of coverage) expect(label).not.toMatch(/_/)
  })

  it('speaks English after the switch', async () => {
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.getByTestId('overview-requests-card').textContent()).toContain('Overdue')
    expect(await page.getByTestId('overview-kinds-card').textContent()).toContain('Contacts by kind')
  })

  it('says on the contacts list how many the purpose leaves out, and why', async () => {
    const dpo = await apiSession((web as WebApp).app, DPO, PASSWORD)
    const first = await runtime.database.db
      .selectFrom('subject')
      .select('id')
      .where('erased_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirstOrThrow()
    await dpo.ok('POST', `/subjects/${first.id}/objections`, {
      scope: 'purpose',
      purposeKey: 'contact_management',
      source: 'letter',
    })
    const listed = (await dpo.ok('GET', '/subjects?limit=1')) as {
      excluded: number
      excludedBy: Record<string, number>
    }
    expect(listed.excludedBy.objected).toBeGreaterThanOrEqual(1)
    await page.goto(`${base}/contacts`)
    const badge = page.getByTestId('contacts-excluded')
    await badge.waitFor()
    expect(await badge.getAttribute('data-excluded')).toBe(String(listed.excluded))
    await badge.hover()
    await expect.poll(() => page.getByRole('tooltip').textContent()).toContain('Objection')
  })

  it('gives a role without the requests inbox no requests card', async () => {
    await signInAs(page, base, PRODUCT, PASSWORD)
    await page.goto(`${base}/`)
    await page.getByTestId('overview-kinds-card').waitFor()
    expect(await page.getByTestId('overview-requests-card').count()).toBe(0)
  })
})
