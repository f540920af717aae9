import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'history.sales@example.test'
const PASSWORD = 'a long browser test password'

/** A contact's history page in a real browser: reached from the contacts table, one row per record. */
describe('subject history page in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let withHistory: string
  let without: string

  beforeAll(async () => {
    web = await startWebApp({ locale: 'en-US', users: [{ email: EMAIL, role: 'sales', password: PASSWORD }] })
    ;({ runtime, base, page } = web)
    const insert = (createdAt: Date) =>
      runtime.database.db
        .insertInto('subject')
        .values({ kinds: ['customer'], source: 'manual', created_at: createdAt, updated_at: createdAt })
        .returning('id')
        .executeTakeFirstOrThrow()
    // The newest contact comes first in the list: that is the one with a history.
    without = (await insert(new Date('2025-01-01T00:00:00Z'))).id
    withHistory = (await insert(new Date('2025-02-01T00:00:00Z'))).id
    const actor = { type: 'user' as const, id: 'a-user-id', role: 'sales' }
    await runtime.services.audit.append([
      { actor, action: 'create', subjectIds: [withHistory], fields: ['email'] },
      {
        actor,
        action: 'read',
        subjectIds: [withHistory],
        purpose: 'service',
        legalBasis: 'contract',
        fields: ['email', 'phone'],
      },
      {
        actor: { type: 'job', id: 'campaign.send' },
        action: 'export',
        subjectIds: [withHistory],
        reason: 'newsletter send',
      },
    ])
    await signInAs(page, base, EMAIL, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('lists the records newest first: who, what, when, why', async () => {
    await page.goto(`${base}/contacts/${withHistory}/history`)
    await page.getByTestId('history-table').waitFor()
    const rows = page.getByTestId('history-row')
    expect(await rows.count()).toBe(3)
    const actions = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-action')))
    expect(actions).toEqual(['export', 'read', 'create'])
    const read = rows.nth(1)
    expect(await read.textContent()).toContain('Contract')
    // Fields by their catalog labels, not their keys.
    expect(await read.textContent()).toContain('Phone number')
    expect(await rows.nth(0).textContent()).toContain('newsletter send')
  })

  it('shows the empty state for a contact without records, and not-found for an unknown id', async () => {
    await page.goto(`${base}/contacts/${without}/history`)
    await page.getByTestId('history-empty').waitFor()
    await page.goto(`${base}/contacts/00000000-0000-4000-8000-000000000000/history`)
    await page.getByTestId('history-not-found').waitFor()
  })

  // Last: listing contacts is itself a use of their (pseudonymous) data and goes into their history.
  it('is linked from each row of the contacts table', async () => {
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    await page.getByTestId('contacts-history-link').first().click()
    await page.getByTestId('history-table').waitFor()
    expect(new URL(page.url()).pathname).toBe(`/contacts/${withHistory}/history`)
  })
})
