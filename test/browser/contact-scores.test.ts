import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'scores.marketing@example.test'
const PASSWORD = 'a long browser test password'
const ADMIN = { type: 'user' as const, id: 'scores-browser', role: 'admin' }
const DAY_MS = 86_400_000

/** The scores card of the contact page in a real browser: the values, the explanation, or why there are none. */
describe('contact scores card in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let scored: string
  let withoutConsent: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [{ email: EMAIL, role: 'marketing', password: PASSWORD }],
    })
    ;({ runtime, base, page } = web)
    const { gate, records, permissions, scores, orders, recommendations } = runtime.services
    // Everyone buys P1, every second customer P2 too, every third P3: P1 and P2 go together.
    const products = await Promise.all(
      ['P1', 'P2', 'P3'].map((sku) => orders.saveProduct({ sku, name: `Product ${sku}` })),
    )
    const productLines = (i: number) =>
      products
        .filter((_, k) => k === 0 || (k === 1 && i % 2 === 0) || (k === 2 && i % 3 === 0))
        .map((p) => ({ productId: p.id, description: p.name, quantity: 1, unitPriceCents: 1000 }))
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: Array.from({ length: 12 }, (_, i) => ({
        kinds: ['customer'],
        source: 'test',
        attributes: {},
        identifiers: { firstName: `Kundin ${i}`, email: `scores-browser-${i}@example.test` },
      })),
    })
    const now = Date.now()
    await records.importOrders({
      actor: ADMIN,
      source: 'test',
      orders: ids.flatMap((subjectId, i) =>
        Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          subjectId,
          orderNumber: `W-${i}-${k}`,
          orderedAt: new Date(now - (300 - 9 * i - 30 * k) * DAY_MS),
          status: 'fulfilled',
          currency: 'EUR',
          lines: [
            { description: 'Tresor', quantity: 1, unitPriceCents: 3000 + 100 * i },
            ...(k === 0 ? productLines(i) : []),
          ],
        })),
      ),
    })
    await permissions.recordConsent(
      ids.slice(1).map((subjectId) => ({
        actor: ADMIN,
        subjectId,
        purposeKey: 'profiling_offers',
        channel: 'none' as const,
        kind: 'granted' as const,
        proof: { source: 'form' as const, textVersion: 'profiling-1' },
      })),
    )
    await scores.recompute({ actor: ADMIN })
    await recommendations.rebuild({ actor: ADMIN })
    withoutConsent = ids[0] as string
    scored = ids[3] as string
    await signInAs(page, base, EMAIL, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows CLV, P(alive), churn risk, RFM and ABC, and the explanation in a drawer', async () => {
    await page.goto(`${base}/contacts/${scored}`)
    const card = page.getByTestId('contact-scores')
    await card.getByTestId('scores-summary').waitFor()
    expect(await card.getByTestId('scores-clv').textContent()).toMatch(/€\d/)
    expect(await card.getByTestId('scores-palive').textContent()).toMatch(/\d+(\.\d)?%/)
    expect(await card.getByTestId('scores-churn').textContent()).toMatch(/High|Medium|Low/)
    expect(await card.getByTestId('scores-rfm').textContent()).toMatch(/R[1-5] F[1-5] M[1-5]/)
    expect(await card.getByTestId('scores-abc').textContent()).toMatch(/^ABC class[ABC]$/)
    await card.getByTestId('scores-explain').click()
    const drawer = page.getByTestId('scores-explanation')
    await drawer.waitFor()
    const text = (await drawer.textContent()) ?? ''
    expect(text).toContain('Customer value and purchase forecast')
    expect(text).toContain('Repeat purchases')
    expect(text).toContain('BG/NBD model')
    expect(text).toContain('bgNbd.alpha')
    // Every string translated: no raw keys of the locale files.
    expect(text).not.toMatch(/scores\.(card|explanation|bands)\./)
    expect(await card.textContent()).not.toMatch(/scores\.(card|bands)\./)
  })

  it('lists the products that go with what the contact bought, never what they have', async () => {
    // Customer 3 bought P1 and P3, not P2; P2 goes with P1 (six customers bought both).
    await page.goto(`${base}/contacts/${scored}`)
    const list = page.getByTestId('scores-recommendations')
    await list.waitFor()
    const skus = await list
      .getByTestId('scores-recommendation')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')))
    expect(skus).toEqual(['P2'])
  })

  it('says why there are no scores for a contact without consent to profiling', async () => {
    await page.goto(`${base}/contacts/${withoutConsent}`)
    const none = page.getByTestId('contact-scores').getByTestId('scores-none')
    await none.waitFor()
    expect(await none.getAttribute('data-rule')).toBe('no-consent')
    expect(await none.textContent()).toContain('No scores: No consent.')
  })

  it('draws the analytics page: the model, its calibration chart, the RFM grid, ABC, P(alive) and CLV', async () => {
    await page.goto(`${base}/analytics`)
    await page.getByTestId('analytics-page').waitFor()
    const parameters = page.getByTestId('analytics-parameters')
    await parameters.waitFor()
    for (const name of ['r', 'α', 'a', 'b'])
      expect(await parameters.locator(`[data-parameter="${name}"]`).textContent()).toMatch(/\d/)
    await page.getByTestId('analytics-calibration').locator('svg.recharts-surface').first().waitFor()
    const cells = await page
      .getByTestId('analytics-rfm-cell')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))
    expect(cells).toHaveLength(25)
    // Eleven customers consented to profiling; the twelfth has no scores and is not counted.
    expect(cells.reduce((a, b) => a + b, 0)).toBe(11)
    expect(await page.getByTestId('analytics-abc-class').count()).toBe(3)
    await page.getByTestId('analytics-palive').locator('svg.recharts-surface').first().waitFor()
    await page.getByTestId('analytics-clv').locator('svg.recharts-surface').first().waitFor()

    await page.getByTestId('analytics-recompute').click()
    const done = page.getByTestId('analytics-recomputed')
    await done.waitFor()
    expect(await done.textContent()).toContain('Scored 11 customers; 1 are left without scores')
    expect(await page.getByTestId('nav-analytics').count()).toBe(1)
    // The strongest pairs of the catalogue: P1 with P2 first.
    const first = page.getByTestId('analytics-together-pair').first()
    await first.waitFor()
    expect(await first.textContent()).toMatch(/Product P[12] \+ Product P[12]/)

    // Personas: found on demand, every scored customer in one.
    await page.getByTestId('analytics-personas-recompute').click()
    await page.getByTestId('analytics-persona').first().waitFor()
    const sizes = await page
      .getByTestId('analytics-persona-size')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-customers'))))
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(11)
  })
})
