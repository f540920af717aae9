import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const DPO = 'holds.dpo@example.test'
const SALES = 'holds.sales@example.test'
const ACCOUNTING = 'holds.accounting@example.test'
const PASSWORD = 'a long browser test password'

/**
 * Issue #13: the DPO sees on the contact page what the law keeps of a person through an erasure —
 * the invoice and its open claim, derived from the data — enters a hold for a dispute (refused
 * with the reason at the input when it is too short) and lifts it again; sales sees no such card.
 */
describe('legal holds on the contact page in Chromium', () => {
  let web: WebApp | undefined
  let page: Page
  let base: string
  let contact: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: ACCOUNTING, role: 'accounting', password: PASSWORD },
      ],
    })
    ;({ page, base } = web)
    const dpo = await apiSession(web.app, DPO, PASSWORD)
    const sales = await apiSession(web.app, SALES, PASSWORD)
    const accounting = await apiSession(web.app, ACCOUNTING, PASSWORD)
    contact = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: {
          firstName: 'Hanna',
          lastName: 'Halt',
          street: 'Weg 1',
          postalCode: '10115',
          city: 'Berlin',
        },
      })
    ).id
    await sales.ok('POST', `/subjects/${contact}/orders`, {
      orderNumber: 'HB-1',
      orderedAt: '2026-11-02T10:00:00Z',
      paymentMethod: 'invoice',
      lines: [{ description: 'Safe', quantity: 1, unitPriceCents: 9900 }],
    })
    await accounting.ok('POST', `/subjects/${contact}/invoices`, {
      invoiceNumber: 'RE-HB-1',
      orderNumber: 'HB-1',
      issuedAt: '2026-11-03T08:00:00Z',
      dueOn: '2099-12-31',
      amountCents: 9900,
    })
    await signInAs(page, base, DPO, PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await web?.close()
  })

  it('lists the holds the invoice brings, with law and end', async () => {
    await page.goto(`${base}/contacts/${contact}`)
    const card = page.getByTestId('contact-holds')
    await card.getByTestId('hold').first().waitFor()
    const sources = await card
      .getByTestId('hold')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-source')))
    expect(sources.sort()).toEqual(['invoice', 'unpaid-invoice'])
    const text = await card.textContent()
    expect(text).toContain('§ 147(3) AO')
    expect(text).toContain('until paid')
  })

  it('enters a hold for a dispute after saying what a reason needs, and lifts it', async () => {
    const card = page.getByTestId('contact-holds')
    await card.getByTestId('holds-add').click()
    const form = page.getByTestId('hold-form')
    await form.waitFor()
    await page.getByTestId('hold-ground').click()
    await page.getByRole('option', { name: 'A dispute' }).click()
    await page.getByTestId('hold-reason').fill('short')
    await page.getByTestId('hold-save').click()
    await expect.poll(() => form.textContent()).toContain('Write 10 to 500 characters.')
    await page.getByTestId('hold-reason').fill('Dispute over delivery, our file AZ 2026-117')
    await page.getByTestId('hold-until').fill('2030-06-30')
    await page.getByTestId('hold-save').click()
    await form.waitFor({ state: 'detached' })
    const entered = card.locator('[data-testid="hold"][data-source="entered"]')
    await entered.waitFor()
    expect(await entered.textContent()).toContain('Dispute over delivery, our file AZ 2026-117')
    expect(await entered.getAttribute('data-in-force')).toBe('true')

    await entered.getByTestId('hold-lift').click()
    await expect.poll(() => entered.getAttribute('data-in-force')).toBe('false')
  })

  it('gives sales no holds card', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-holds').count()).toBe(0)
  })

  it('lets sales record the end of the contract, the date the deletion concept counts from', async () => {
    const card = page.getByTestId('contact-milestones')
    await card.getByTestId('milestones-none').waitFor()
    await card.getByTestId('milestone-kind').click()
    await page.getByRole('option', { name: 'Contract ended' }).click()
    await card.getByTestId('milestone-date').fill('2026-10-31')
    await card.getByRole('button', { name: 'Record' }).click()
    const list = card.getByTestId('milestones-list')
    await list.waitFor()
    expect(await list.textContent()).toContain('Contract ended')
    expect(await list.textContent()).toContain('2026')
  })
})
