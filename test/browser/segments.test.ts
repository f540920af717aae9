import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'segments.marketing@example.test'
const PASSWORD = 'a long browser test password'
const ADMIN = { type: 'user' as const, id: 'segments-browser', role: 'admin' }

/** The segments page in a real browser: the rule builder's live count while editing, saving, the list. */
describe('segments page in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [{ email: EMAIL, role: 'marketing', password: PASSWORD }],
    })
    ;({ runtime, base, page } = web)
    const { gate, permissions } = runtime.services
    // Five customers (three in DE, two in AT) and a lead in DE; all but one AT customer consent to profiling.
    const people = [
      ['customer', 'DE'],
      ['customer', 'DE'],
      ['customer', 'DE'],
      ['customer', 'AT'],
      ['customer', 'AT'],
      ['lead', 'DE'],
    ] as const
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: people.map(([kind, country], i) => ({
        kinds: [kind],
        source: 'test',
        attributes: { country },
        identifiers: { email: `segments-browser-${i}@example.test` },
      })),
    })
    await permissions.recordConsent(
      ids.slice(0, 4).map((subjectId) => ({
        actor: ADMIN,
        subjectId,
        purposeKey: 'profiling_offers',
        channel: 'none' as const,
        kind: 'granted' as const,
        proof: { source: 'form' as const, textVersion: 'profiling-1' },
      })),
    )
    await signInAs(page, base, EMAIL, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  it('counts live while the rules are edited, shows the audience per channel, and saves the segment', async () => {
    await page.goto(`${base}/segments`)
    const editor = page.getByTestId('segment-editor')
    await editor.waitFor()
    // The new segment starts as "kind is customer", evaluated under profiling: five customers.
    const total = page.getByTestId('segment-live-total')
    await expect.poll(() => total.textContent()).toBe('5')
    await page.getByTestId('segment-audience-purpose').click()
    await page.getByRole('option', { name: 'Profiling for personalised offers' }).click()
    // Four of them consented to profiling.
    const audience = page.getByTestId('segment-audience-none')
    await audience.waitFor()
    await expect.poll(() => audience.textContent()).toMatch(/No channel4/)

    // Add "country is one of DE": the count follows without a save.
    await page.getByTestId('segment-add-condition-rules').click()
    await expect.poll(() => total.textContent()).toBe('3')
    await expect.poll(() => audience.textContent()).toMatch(/No channel3/)

    await page.getByTestId('segment-name').fill('Customers in Germany')
    await page.getByTestId('segment-save').click()
    const list = page.getByTestId('segment-list')
    await list.getByText('Customers in Germany').waitFor()
    await expect
      .poll(() => page.getByTestId('segment-editor').textContent())
      .toContain('Edit: Customers in Germany')

    // The members, through the gate.
    await page.getByTestId('segment-members-load').click()
    await page.getByTestId('segment-members').getByText('country: DE').first().waitFor()
    expect(await page.getByTestId('segment-members').getByText('country: DE').count()).toBe(3)
  })
})
