import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const SALES = 'overview.sales@example.test'
const ACCOUNTING = 'overview.accounting@example.test'
const ADMIN = 'overview.admin@example.test'

/**
 * The contact at a glance (360° view) in a real browser: what sales and accounting each see of
 * the same person, the parts their roles may not see shown as hidden with the reason, notes added
 * from the page, and the refusals (a purpose that may not use the contact, an unknown contact).
 */
describe('contact page (360° view) in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let contact: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: ACCOUNTING, role: 'accounting', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    const admin = await apiSession(web.app, ADMIN, PASSWORD)
    const call = (method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>) =>
      admin.ok<{ id: string }>(method, url, payload)

    contact = (
      await call('POST', '/subjects', {
        kinds: ['b2b_contact', 'customer'],
        identifiers: {
          firstName: 'Jana',
          lastName: 'Beispiel',
          email: 'jana.beispiel@firma.example',
          iban: 'DE02120300000000202051',
        },
        attributes: { country: 'DE', region: 'DE-80' },
      })
    ).id
    const organisation = await call('POST', '/organisations', { name: 'Beispiel GmbH', city: 'München' })
    await call('PUT', `/subjects/${contact}/organisations`, {
      organisationId: organisation.id,
      jobTitle: 'Head of Procurement',
      department: 'Procurement',
    })
    await call('POST', `/subjects/${contact}/orders`, {
      orderNumber: 'A-1001',
      orderedAt: '2026-01-15T10:00:00Z',
      lines: [
        { description: 'Tresor Basic', quantity: 2, unitPriceCents: 4900 },
        { description: 'Setup', quantity: 1, unitPriceCents: 15000 },
      ],
    })
    await call('POST', `/subjects/${contact}/invoices`, {
      invoiceNumber: 'R-2001',
      orderNumber: 'A-1001',
      issuedAt: '2026-01-16T08:00:00Z',
      dueOn: '2099-01-01',
      amountCents: 24800,
    })
    await call('POST', `/subjects/${contact}/deals`, {
      title: 'Enterprise licence',
      amountCents: 1_200_000,
      organisationId: organisation.id,
    })
    // Permissions: a requested (not yet confirmed) newsletter consent, a granted phone consent, and
    // an objection to advertising by post.
    await call('POST', `/subjects/${contact}/consents`, {
      purposeKey: 'newsletter_email',
      channel: 'email',
      kind: 'requested',
      proof: { source: 'form', textVersion: 'nl-1' },
    })
    await call('POST', `/subjects/${contact}/consents`, {
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'granted',
      proof: { source: 'phone', textVersion: 'tel-1' },
    })
    await call('POST', `/subjects/${contact}/objections`, {
      scope: 'channel',
      channel: 'post',
      source: 'letter',
    })

    await signInAs(page, base, SALES, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('is reached from the contacts table', async () => {
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    await page.getByTestId('contacts-open-link').first().click()
    await page.getByTestId('contact-page').waitFor()
    expect(new URL(page.url()).pathname).toBe(`/contacts/${contact}`)
  })

  it('shows sales the person, the organisation, the order and the invoice, and bank data as hidden', async () => {
    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-name').textContent()).toBe('Jana Beispiel')
    expect(await page.getByTestId('contact-email').textContent()).toBe('jana.beispiel@firma.example')
    expect(await page.getByTestId('contact-header-organisation').textContent()).toBe(
      'Head of Procurement at Beispiel GmbH',
    )
    expect(await page.getByTestId('contact-organisation').textContent()).toContain('München')

    const order = page.locator('[data-testid="timeline-item"][data-kind="order"]')
    expect(await order.count()).toBe(1)
    expect(await order.textContent()).toContain('Order A-1001')
    expect(await order.getByTestId('timeline-amount').textContent()).toBe('€248.00')

    const invoice = page.getByTestId('contact-invoice')
    expect(await invoice.count()).toBe(1)
    expect(await invoice.getAttribute('data-status')).toBe('open')
    expect(await invoice.textContent()).toContain('R-2001')
    expect(await invoice.textContent()).toContain('Open')
    expect(await invoice.getByTestId('contact-invoice-amount').textContent()).toBe('€248.00')

    // Bank data is not silently missing: its place says that it is hidden, and why.
    const bank = page.getByTestId('hidden-bank')
    expect(await bank.getByTestId('hidden-reason').textContent()).toBe(
      'Hidden: your role may not see the category “bank data”',
    )
    expect(await page.getByTestId('contact-personal').textContent()).not.toContain('DE02')
    expect(await page.getByTestId('hidden-notes').count()).toBe(0)
    expect(await page.getByTestId('contact-history-link').count()).toBe(1)
  })

  it('shows the consents per purpose and channel, and the objection above everything else', async () => {
    const consents = page.getByTestId('contact-consent')
    expect(await consents.count()).toBe(2)
    const newsletter = consents.filter({ hasText: 'Newsletter by e-mail' })
    expect(await newsletter.getAttribute('data-status')).toBe('requested')
    expect(await newsletter.textContent()).toContain('Requested')
    expect(await newsletter.textContent()).toContain('Awaiting confirmation')
    const phone = consents.filter({ hasText: 'Phone marketing (consumers)' })
    expect(await phone.getAttribute('data-status')).toBe('granted')
    expect(await phone.textContent()).toContain('Usable')
    expect(await page.getByTestId('contact-objections').textContent()).toContain(
      'Objected to direct marketing by Post since',
    )
  })

  it('moves a deal to another stage from the page', async () => {
    const deal = page.getByTestId('contact-deal')
    expect(await deal.getAttribute('data-stage')).toBe('lead')
    expect(await deal.textContent()).toContain('Enterprise licence')
    expect(await deal.textContent()).toContain('€12,000.00')
    await page.getByLabel('Stage of “Enterprise licence”').click()
    await page.getByRole('option', { name: 'Proposal' }).click()
    await page.locator('[data-testid="contact-deal"][data-stage="proposal"]').waitFor()
    expect(await deal.textContent()).toContain('50 % probability')
  })

  it('adds a note and a task from the page; both appear, and the task can be marked done', async () => {
    await page.getByTestId('contact-notes-empty').waitFor()
    await page.getByTestId('contact-note-text-input').fill('Prefers calls after 3 pm')
    await page.getByTestId('contact-note-submit').click()
    await page.getByTestId('contact-note').filter({ hasText: 'Prefers calls after 3 pm' }).waitFor()
    await page
      .locator('[data-testid="timeline-item"][data-kind="note"]')
      .filter({ hasText: 'Prefers calls after 3 pm' })
      .waitFor()
    expect(await page.getByTestId('contact-note-text-input').inputValue()).toBe('')

    await page.getByTestId('contact-note-kind').getByText('Task', { exact: true }).click()
    await page.getByTestId('contact-note-text-input').fill('Send the offer')
    await page.getByTestId('contact-note-due').fill('2099-06-30')
    await page.getByTestId('contact-note-submit').click()
    const task = page.locator('[data-testid="contact-note"][data-kind="task"]')
    await task.waitFor()
    expect(await task.textContent()).toContain('Send the offer')
    expect(await task.textContent()).toContain('due Jun 30, 2099')
    await task.getByTestId('contact-task-done').click()
    await page.locator('[data-testid="contact-note"][data-kind="task"][data-done="true"]').waitFor()
    expect(await page.getByTestId('contact-note').count()).toBe(2)
  })

  it('refuses a purpose that may not use the contact, and says when a contact does not exist', async () => {
    await page.goto(`${base}/contacts/${contact}?purpose=sms_marketing`)
    // The purpose's name arrives with the purpose registry, possibly after the refusal: wait for it.
    await page.getByTestId('contact-forbidden').filter({ hasText: 'SMS marketing' }).waitFor()
    // Sales doesn't work under SMS marketing (the purpose's scope names marketing and the DPO).
    expect(await page.getByTestId('contact-forbidden-role').textContent()).toContain(
      'Your role does not work under this purpose',
    )
    expect(await page.getByTestId('contact-page').count()).toBe(0)
    // One click back to the everyday purpose.
    await page.getByTestId('contact-open-default').click()
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-purpose').getAttribute('data-purpose')).toBe('contact_management')

    await page.goto(`${base}/contacts/00000000-0000-4000-8000-000000000000`)
    await page.getByTestId('contact-not-found').waitFor()
  })

  it('shows accounting the invoice and the IBAN, and notes and deals as hidden — in English and German', async () => {
    await signInAs(page, base, ACCOUNTING, PASSWORD)

    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('contact-page').waitFor()
    expect(await page.getByTestId('contact-name').textContent()).toBe('Jana Beispiel')
    expect(await page.getByTestId('contact-invoice').textContent()).toContain('R-2001')
    expect(await page.getByTestId('contact-bank-fields').textContent()).toContain(
      'DE02 1203 0000 0000 2020 51',
    )
    expect(await page.getByTestId('hidden-bank').count()).toBe(0)

    const notes = page.getByTestId('hidden-notes')
    const deals = page.getByTestId('hidden-deals')
    expect(await notes.getByTestId('hidden-reason').textContent()).toBe(
      'Hidden: your role may not see the category “notes”',
    )
    expect(await deals.getByTestId('hidden-reason').textContent()).toBe(
      'Hidden: your role may not see the category “sales pipeline”',
    )
    expect(await page.getByTestId('hidden-attributes').count()).toBe(1)
    expect(await page.getByTestId('timeline-hidden-touchpoints').count()).toBe(1)
    // The notes the sales user wrote are neither in the notes card nor in the timeline.
    expect(await page.getByTestId('contact-note-form').count()).toBe(0)
    expect(await page.locator('[data-testid="timeline-item"][data-kind="note"]').count()).toBe(0)
    expect(await page.getByTestId('contact-timeline').textContent()).not.toContain('Prefers calls')
    expect(await page.locator('[data-testid="timeline-item"][data-kind="order"]').count()).toBe(1)

    await page.getByTestId('language-de').click()
    await expect
      .poll(() => notes.getByTestId('hidden-reason').textContent())
      .toBe('Ausgeblendet: Ihre Rolle hat keine Berechtigung für die Kategorie „Notizen“')
    expect(await deals.getByTestId('hidden-reason').textContent()).toBe(
      'Ausgeblendet: Ihre Rolle hat keine Berechtigung für die Kategorie „Vertriebspipeline“',
    )
    expect(await page.getByTestId('contact-invoice').textContent()).toContain('Offen')
    expect(await page.getByTestId('contact-invoice-amount').textContent()).toBe('248,00\u00a0€')
  })
})
