import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'journeys.marketing@example.test'
const PASSWORD = 'a long browser test password'

/** What looks like a translation key shown raw, or a placeholder left unfilled. */
const rawKeys = (text: string) => [
  ...[...text.matchAll(/\b(journeys|shell)\.[A-Za-z0-9_.-]+\b/g)].map((m) => m[0]),
  ...[...text.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0]),
]

/**
 * Issue #17, "Triggers", in a real browser: a marketer creates a journey (trigger, steps, content)
 * and activates it — once in German, once in English — and the page shows no raw key.
 */
describe('journeys page in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let segmentId: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'de-DE',
      users: [{ email: EMAIL, role: 'marketing', password: PASSWORD }],
    })
    ;({ runtime, base, page } = web)
    segmentId = (
      await runtime.services.segments.create(
        { actor: { type: 'user', id: 'journeys-browser', role: 'admin' } },
        {
          name: 'Leads',
          purpose: 'newsletter_email',
          rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['lead'] }] },
        },
      )
    ).id
    await signInAs(page, base, EMAIL, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  // The rendered text, as a person reads it: not the values typed into inputs (they hold merge fields).
  // biome-ignore lint/performance/useDomNodeTextContent: textContent would include a textarea's value
  const pageText = () => page.locator('main').innerText()

  it('creates and activates a welcome journey in German', async () => {
    await page.getByTestId('nav-journeys').click()
    await page.getByTestId('journey-editor').waitFor()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Strecken')
    await page.getByTestId('journey-name').fill('Willkommen')
    await page.getByTestId('journey-step-0-subject-de').fill('Willkommen, {{firstName}}!')
    // An unknown merge field: the server refuses it, and the refusal is said in German at the text.
    await page.getByTestId('journey-step-0-text-de').fill('Hallo {{iban}}')
    await page.getByTestId('journey-save').click()
    const refusal = 'enthält unbekannte Platzhalter ({{iban}}); möglich sind: {{firstName}}, {{lastName}}'
    await expect
      .poll(() => page.getByTestId('journey-editor').textContent(), { timeout: 30_000 })
      .toContain(refusal)
    const editor = await page.getByTestId('journey-editor').textContent()
    expect(editor).toContain(`steps.0.content.de.text: ${refusal}`)
    expect(editor).toContain('Einige Werte wurden nicht angenommen.')
    expect(editor).not.toContain('unknown merge fields')
    await page.getByTestId('journey-step-0-text-de').fill('Schön, dass Sie da sind.')
    await page.getByTestId('journey-add-wait').click()
    await page.getByTestId('journey-step-1-minutes').fill('2880')
    await page.getByTestId('journey-add-send').click()
    await page.getByTestId('journey-step-2-subject-de').fill('Unsere Tipps')
    await page.getByTestId('journey-step-2-text-de').fill('Drei Tipps für den Start.')
    await page.getByTestId('journey-save').click()
    await page.getByTestId('journey-list').getByText('Willkommen').waitFor()
    await expect
      .poll(() => page.getByTestId('journey-editor').textContent())
      .toContain('Bearbeiten: Willkommen')

    await page.getByTestId('journey-activate').click()
    await expect
      .poll(() => page.getByTestId('journey-editor').getByTestId('journey-status').textContent())
      .toBe('Aktiv')
    await page.getByTestId('journey-pause').waitFor()
    await page.getByTestId('journey-stats').getByText('Zahlen je Schritt').waitFor()
    expect(rawKeys(await pageText())).toEqual([])

    const saved = await runtime.services.journeys.list()
    expect(saved).toEqual([
      expect.objectContaining({
        name: 'Willkommen',
        status: 'active',
        trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
        steps: [
          expect.objectContaining({
            type: 'send',
            content: { de: { subject: 'Willkommen, {{firstName}}!', text: 'Schön, dass Sie da sind.' } },
          }),
          { type: 'wait', minutes: 2880 },
          expect.objectContaining({ type: 'send', purposeKey: 'newsletter_email' }),
        ],
      }),
    ])
  })

  it('creates and activates a reactivation journey in English, with the refusal of a bad field shown', async () => {
    await page.getByTestId('language-en').click()
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en')
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Journeys')
    await page.getByTestId('journey-new').click()
    await page.getByTestId('journey-name').fill('Win back')
    await page.getByTestId('journey-trigger-kind').click()
    await page.getByRole('option', { name: 'P(alive) below a threshold' }).click()
    await page.getByTestId('journey-trigger-threshold').fill('0.25')
    await page.getByTestId('journey-segment').click()
    await page.getByRole('option', { name: 'Leads' }).click()
    await page.getByTestId('journey-step-0-subject-en').fill('We miss you')
    // An unknown merge field: the server refuses it, named at the field.
    await page.getByTestId('journey-step-0-text-en').fill('Hello {{iban}}')
    await page.getByTestId('journey-save').click()
    await expect
      .poll(() => page.getByTestId('journey-editor').textContent())
      .toContain('unknown merge fields')
    await page.getByTestId('journey-step-0-text-en').fill('Come back, {{firstName}}.')
    await page.getByTestId('journey-save').click()
    await page.getByTestId('journey-list').getByText('Win back').waitFor()
    await page.getByTestId('journey-activate').click()
    await expect
      .poll(() => page.getByTestId('journey-editor').getByTestId('journey-status').textContent())
      .toBe('Active')
    await page.getByTestId('journey-stats').getByText('Counts per step').waitFor()
    await expect.poll(async () => (await pageText()).includes('P(alive) below a threshold')).toBe(true)
    // The inputs keep the merge fields as typed; the visible text has no raw key.
    expect(rawKeys(await pageText())).toEqual([])

    const winBack = (await runtime.services.journeys.list()).find((j) => j.name === 'Win back')
    expect(winBack).toMatchObject({
      segmentId,
      status: 'active',
      defaultLang: 'en',
      trigger: { kind: 'p-alive-below', threshold: 0.25 },
    })
  })
})
