import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const SALES = 'search.sales@example.test'
const ADMIN = 'search.admin@example.test'

/**
 * Finding and merging a person twice on file, in a real browser: a sales user searches the contacts
 * by name (umlauts folded, the term kept out of the URL) and by e-mail, filters the list on an
 * attribute, then merges the duplicate into the first contact from its page: the duplicate is gone,
 * its order now belongs to the survivor.
 */
describe('contact search, attribute filter and merge of duplicates in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let first: string
  let second: string
  let other: string

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    const admin = await apiSession(web.app, ADMIN, PASSWORD)
    const create = async (url: string, payload: Record<string, unknown>) =>
      (await admin.ok<{ id: string }>('POST', url, payload)).id

    first = await create('/subjects', {
      kinds: ['customer'],
      identifiers: { firstName: 'Jürgen', lastName: 'Müller', email: 'a@mueller.example' },
      attributes: { country: 'DE', region: 'DE-10' },
    })
    second = await create('/subjects', {
      kinds: ['lead'],
      identifiers: {
        firstName: 'Juergen',
        lastName: 'Mueller',
        email: 'b@mueller.example',
        phone: '+49 30 1234567',
      },
      attributes: { country: 'DE', region: 'DE-20' },
    })
    other = await create('/subjects', {
      kinds: ['customer'],
      identifiers: { firstName: 'Erika', lastName: 'Schmidt', email: 'erika@schmidt.example' },
      attributes: { country: 'DE', region: 'DE-80' },
    })
    await create(`/subjects/${second}/orders`, {
      orderNumber: 'B-7001',
      orderedAt: '2026-02-03T09:30:00Z',
      lines: [{ description: 'Tresor Basic', quantity: 1, unitPriceCents: 4900 }],
    })

    await signInAs(page, base, SALES, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  const rowIds = () =>
    page
      .getByTestId('contacts-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-subject-id')).sort())

  const search = async (term: string) => {
    await page.getByTestId('contacts-search-input').fill(term)
    await page.getByTestId('contacts-search-submit').click()
  }

  it('finds both spellings of a name, with umlauts folded, and keeps the term out of the URL', async () => {
    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    expect(await page.getByTestId('contacts-total').getAttribute('data-total')).toBe('3')

    await search('mueller')
    const results = page.getByTestId('contacts-search-results')
    await results.waitFor()
    expect(await results.getAttribute('data-count')).toBe('2')
    expect(await page.getByTestId('contacts-search-summary').textContent()).toBe('2 results for “mueller”')
    expect(await rowIds()).toEqual([first, second].sort())
    // The results carry the names the role may see (and so does the list, for a role that may).
    expect((await page.getByTestId('contacts-row-name').allTextContents()).sort()).toEqual([
      'Juergen Mueller',
      'Jürgen Müller',
    ])
    expect(page.url()).not.toContain('mueller')

    await search('müller jürgen')
    await expect
      .poll(() => page.getByTestId('contacts-search-summary').textContent())
      .toBe('2 results for “müller jürgen”')
    expect(await rowIds()).toEqual([first, second].sort())
    expect(decodeURIComponent(page.url())).not.toMatch(/m(ü|ue)ller/i)

    // By e-mail (an @ in the box): case does not matter.
    await search('B@Mueller.example')
    await expect
      .poll(() => page.getByTestId('contacts-search-summary').textContent())
      .toBe('1 result for “B@Mueller.example”')
    expect(await rowIds()).toEqual([second])
  })

  it('explains a name that is too short next to the box', async () => {
    await search('J')
    await page.getByTestId('contacts-search-error').waitFor()
    expect(await page.getByTestId('contacts-search-error').textContent()).toBe(
      'Enter at least one word of two or more letters.',
    )
    expect(await page.getByTestId('contacts-search-input').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('contacts-search-results').count()).toBe(0)
  })

  it('clears the search and shows the list again', async () => {
    await page.getByTestId('contacts-search-clear').click()
    await page.getByTestId('contacts-table').waitFor()
    expect(await page.getByTestId('contacts-search-input').inputValue()).toBe('')
    expect(await page.getByTestId('contacts-search-error').count()).toBe(0)
    // Sales may see names and e-mail addresses: the list shows them too (one audited read per page).
    expect(await page.getByTestId('contacts-table').getAttribute('data-with-identity')).toBe('true')
    expect(await rowIds()).toEqual([first, second, other].sort())
    expect((await page.getByTestId('contacts-row-name').allTextContents()).sort()).toEqual([
      'Erika Schmidt',
      'Juergen Mueller',
      'Jürgen Müller',
    ])
    expect((await page.getByTestId('contacts-row-email').allTextContents()).sort()).toEqual([
      'a@mueller.example',
      'b@mueller.example',
      'erika@schmidt.example',
    ])
  })

  it('filters the list on an attribute; the filter is a chip that removes itself', async () => {
    await page.getByTestId('contacts-attribute-key').click()
    await page.getByRole('option', { name: 'Region', exact: true }).click()
    await page.getByTestId('contacts-attribute-value').fill('DE-10')
    await page.getByTestId('contacts-attribute-add').click()

    const chip = page.getByTestId('contacts-attribute-chip')
    await chip.waitFor()
    expect(await chip.getAttribute('data-key')).toBe('region')
    expect(await chip.textContent()).toBe('Region: DE-10')
    await expect.poll(() => page.getByTestId('contacts-total').getAttribute('data-total')).toBe('1')
    expect(await rowIds()).toEqual([first])
    // Not personal data, so it may be bookmarked.
    const params = new URL(page.url()).searchParams.get('attributes')
    expect(JSON.parse(params ?? '{}')).toEqual({ region: 'DE-10' })

    await page.reload()
    await page.getByTestId('contacts-attribute-chip').waitFor()
    expect(await rowIds()).toEqual([first])

    await page.getByRole('button', { name: 'Remove filter Region: DE-10' }).click()
    await expect.poll(() => page.getByTestId('contacts-total').getAttribute('data-total')).toBe('3')
    expect(await page.getByTestId('contacts-attribute-chip').count()).toBe(0)
    expect(new URL(page.url()).searchParams.get('attributes')).toBeNull()
  })

  it('shows the other spelling as a possible duplicate with what matched', async () => {
    await page.goto(`${base}/contacts/${first}`)
    await page.getByTestId('contact-page').waitFor()
    const duplicate = page.getByTestId('contact-duplicate')
    await duplicate.waitFor()
    expect(await duplicate.count()).toBe(1)
    expect(await duplicate.getAttribute('data-subject-id')).toBe(second)
    expect(await duplicate.getByTestId('contact-duplicate-name').textContent()).toBe('Juergen Mueller')
    expect(await duplicate.getByTestId('contact-duplicate-reach').textContent()).toContain(
      'b@mueller.example',
    )
    const matched = duplicate.getByTestId('contact-duplicate-matched')
    expect(await matched.textContent()).toBe('same name')
    expect(await matched.locator('[data-match="name"]').count()).toBe(1)
    expect(await page.locator('[data-testid="timeline-item"][data-kind="order"]').count()).toBe(0)
  })

  it('merges the duplicate with a reason: its order moves here and the duplicate is gone', async () => {
    await page.getByTestId('contact-duplicate-merge').click()
    const form = page.getByTestId('contact-merge-form')
    await form.waitFor()
    expect(await form.textContent()).toContain('is then deleted')
    expect(await form.textContent()).toContain('audit trail')

    // Without a reason: refused in the form, nothing sent.
    await page.getByTestId('contact-merge-confirm').click()
    expect(await page.getByTestId('contact-merge-reason').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('contact-duplicate').count()).toBe(1)

    await page.getByTestId('contact-merge-reason').fill('Same person, registered twice')
    await page.getByTestId('contact-merge-confirm').click()
    await page.getByTestId('contact-merged').waitFor()
    expect(await page.getByTestId('contact-merged').textContent()).toContain('“Juergen Mueller” was merged')
    await form.waitFor({ state: 'detached' })

    await page.getByTestId('contact-duplicates-empty').waitFor()
    expect(await page.getByTestId('contact-duplicates-empty').textContent()).toBe('No likely duplicates')
    expect(await page.getByTestId('contact-duplicate').count()).toBe(0)
    const order = page.locator('[data-testid="timeline-item"][data-kind="order"]')
    await order.waitFor()
    expect(await order.textContent()).toContain('Order B-7001')
    // The survivor keeps its own values and gains what it lacked (the phone number).
    expect(await page.getByTestId('contact-name').textContent()).toBe('Jürgen Müller')
    expect(await page.getByTestId('contact-email').textContent()).toBe('a@mueller.example')
    await expect.poll(() => page.getByTestId('contact-phone').count()).toBe(1)

    // The duplicate's old address says where the person lives on, and leads there.
    await page.goto(`${base}/contacts/${second}`)
    await page.getByTestId('contact-gone-merged').waitFor()
    expect(await page.getByTestId('contact-gone-merged').textContent()).toContain('merged into another')
    await page.getByTestId('contact-gone-merged-open').click()
    await page.waitForURL(`${base}/contacts/${first}`)
    await page.getByTestId('contact-name').waitFor()
    expect(await page.getByTestId('contact-name').textContent()).toBe('Jürgen Müller')
  })

  it('speaks German', async () => {
    await page.goto(`${base}/contacts/${first}`)
    await page.getByTestId('contact-duplicates-empty').waitFor()
    await page.getByTestId('language-de').click()
    await expect
      .poll(() => page.getByTestId('contact-duplicates-empty').textContent())
      .toBe('Keine wahrscheinlichen Dubletten')
    expect(await page.getByTestId('contact-duplicates').getAttribute('aria-label')).toBe('Mögliche Dubletten')

    await page.goto(`${base}/contacts`)
    await page.getByTestId('contacts-table').waitFor()
    await page.getByLabel('Nach Name oder E-Mail suchen').fill('Müller')
    await page.getByTestId('contacts-search-submit').click()
    await expect
      .poll(() => page.getByTestId('contacts-search-summary').textContent())
      .toBe('1 Treffer für „Müller“')
    expect(await rowIds()).toEqual([first])
    expect(await page.getByTestId('contacts-search-clear').textContent()).toBe('Suche zurücksetzen')
  })
})
