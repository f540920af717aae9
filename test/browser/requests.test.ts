import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'requests.dpo@example.test'
const SALES = 'requests.sales@example.test'
const DAY_MS = 86_400_000

interface RequestJson {
  id: string
  subjectId: string
  kind: string
  channel: string
  status: string
  receivedAt: string
  dueAt: string
  overdue: boolean
  hasDetails: boolean
  details?: string | null
  reference: string | null
}
interface RequestPage {
  items: RequestJson[]
  nextCursor: string | null
  total?: number
}

/**
 * Data subject requests in the web UI, in a real browser: the DPO records a request received by
 * letter on the contact's page (required inputs, a receipt in the future and the server's
 * refusal shown at their inputs) and sees it listed with its due date; requests filed in the
 * privacy portal and recorded by e-mail appear in the Requests tab of /privacy, the one due first
 * on top, overdue ones red and those due within a week orange, each with a link to its contact,
 * paginated; sales may record a request but not read them, and has no Requests tab. What the
 * server stored is checked through the API.
 */
describe('data subject requests in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession
  /** Gets a request by letter, recorded on its page. */
  let letterContact: string
  /** Files a request in the privacy portal. */
  let portalContact: string
  /** Wrote by e-mail two months ago: overdue. */
  let overdueContact: string
  /** Called 27 days ago: due within the week. */
  let soonContact: string

  const newContact = async (firstName: string) =>
    (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName, lastName: 'Anfrage', email: `${firstName.toLowerCase()}@example.test` },
      })
    ).id
  const requestsOf = (subjectId: string) => dpo.ok<RequestJson[]>('GET', `/subjects/${subjectId}/requests`)
  /** A date as the app shows it (en-US, medium), formatted in the browser's time zone. */
  const shownDate = (iso: string) =>
    page.evaluate((at) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(new Date(at)), iso)
  /** "2026-03-01T14:05" in the browser's local time, what a datetime-local input takes. */
  const localInput = (at: Date) =>
    page.evaluate((ms) => {
      const date = new Date(ms)
      const pad = (n: number) => String(n).padStart(2, '0')
      return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
    }, at.getTime())
  /** A computed colour of an element (this TypeScript project has no DOM types). */
  const colourOf = (locator: Locator, property: 'color' | 'backgroundColor') =>
    locator.evaluate(
      (el, prop) =>
        (
          globalThis as unknown as {
            getComputedStyle(e: unknown): { color: string; backgroundColor: string }
          }
        ).getComputedStyle(el)[prop],
      property,
    )
  /** The hue (0-360°) of `rgb(r, g, b)`. */
  const hueOf = (rgb: string) => {
    const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number)
    const max = Math.max(r, g, b)
    const range = max - Math.min(r, g, b)
    if (range === 0) return 0
    const hue = max === r ? ((g - b) / range) % 6 : max === g ? (b - r) / range + 2 : (r - g) / range + 4
    return (hue * 60 + 360) % 360
  }
  const inboxRow = (subjectId: string) =>
    page.locator(`[data-testid="privacy-request"][data-subject-id="${subjectId}"]`)
  const openRequestsTab = async () => {
    await page.goto(`${base}/privacy`)
    await page.getByTestId('privacy-tab-requests').click()
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('requests')
  }

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
    letterContact = await newContact('Lena')
    portalContact = await newContact('Paul')
    overdueContact = await newContact('Olga')
    soonContact = await newContact('Sven')
    await signInAs(page, base, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows the DPO an empty Requests tab while no request is open', async () => {
    await openRequestsTab()
    await page.getByTestId('privacy-requests-empty').waitFor()
    expect(await page.getByTestId('privacy-requests-empty').textContent()).toContain('No open requests')
    expect(await page.getByTestId('privacy-request').count()).toBe(0)
    // The configured deadline is named (TRESOR_DSR_DEADLINE, default one month).
    await page
      .getByTestId('privacy-requests-intro')
      .filter({ hasText: 'within 1 month of receipt' })
      .waitFor()
  })

  it('records a request received by letter on the contact’s page and lists it with its due date', async () => {
    await page.goto(`${base}/contacts/${letterContact}`)
    const card = page.getByTestId('contact-requests')
    await card.getByTestId('contact-requests-empty').waitFor()

    await card.getByTestId('request-record').click()
    const form = page.getByTestId('request-record-form')
    await form.waitFor()
    // Nothing chosen: each required input says so, and nothing is sent.
    await page.getByTestId('request-form-submit').click()
    await form.getByText('Choose what the person asks for.').waitFor()
    await form.getByText('Choose how it reached you.').waitFor()
    expect(await page.getByTestId('request-form-kind').getAttribute('aria-invalid')).toBe('true')

    await page.getByTestId('request-form-kind').click()
    await page.getByRole('option', { name: 'Rectification (Art. 16 GDPR)', exact: true }).click()
    await form.getByRole('radio', { name: 'Letter', exact: true }).check()
    // A rectification must say what is wrong.
    await page.getByTestId('request-form-submit').click()
    await form.getByText('Say what is wrong and what is right.').waitFor()
    expect(await page.getByTestId('request-form-details').getAttribute('aria-invalid')).toBe('true')
    // A receipt in the future is refused at its input.
    const receivedAt = page.getByTestId('request-form-received-at')
    await receivedAt.fill(await localInput(new Date(Date.now() + 2 * DAY_MS)))
    await page.getByTestId('request-form-details').fill('My surname is Anfrage-Berg, not Anfrage.')
    await page.getByTestId('request-form-submit').click()
    await form.getByText('This lies in the future.').waitFor()
    expect(await receivedAt.getAttribute('aria-invalid')).toBe('true')
    expect(await requestsOf(letterContact)).toHaveLength(0)

    // The server's refusal (problem+json errors[]) goes next to the input it names: here the real
    // answer to a rectification without text, given to the browser's call.
    const refusal = await dpo.request('POST', `/subjects/${letterContact}/requests`, {
      kind: 'rectification',
      channel: 'letter',
    })
    expect(refusal.statusCode).toBe(400)
    const url = `${base}/api/v1/subjects/${letterContact}/requests`
    await page.route(url, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            contentType: 'application/problem+json',
            body: refusal.body,
          })
        : route.continue(),
    )
    const received = new Date(Date.now() - 3 * DAY_MS)
    received.setSeconds(0, 0)
    await receivedAt.fill(await localInput(received))
    await page.getByTestId('request-form-submit').click()
    await form.getByText('Not accepted: is required for a request of kind rectification').waitFor()
    expect(await page.getByTestId('request-form-details').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('request-form-error').textContent()).toContain(
      'Please correct the marked fields.',
    )
    await page.unroute(url)

    await page.getByTestId('request-form-reference').fill('scan DMS-4711')
    await page.getByTestId('request-form-submit').click()
    const saved = page.getByTestId('request-saved')
    await saved.waitFor()
    await form.waitFor({ state: 'detached' })

    const stored = await requestsOf(letterContact)
    expect(stored).toHaveLength(1)
    const request = stored[0] as RequestJson
    expect(request).toMatchObject({
      kind: 'rectification',
      channel: 'letter',
      status: 'received',
      receivedAt: received.toISOString(),
      overdue: false,
      hasDetails: true,
      details: 'My surname is Anfrage-Berg, not Anfrage.',
      reference: 'scan DMS-4711',
    })
    const due = await shownDate(request.dueAt)
    expect(await saved.textContent()).toContain(`Rectification: the answer is due on ${due}.`)

    const row = card.locator(`[data-testid="contact-request"][data-id="${request.id}"]`)
    await row.waitFor()
    expect(await row.getByTestId('request-kind').textContent()).toBe('Rectification')
    expect(await row.getByTestId('request-channel').textContent()).toBe('Letter')
    expect(await row.getByTestId('request-received').textContent()).toContain(
      await shownDate(request.receivedAt),
    )
    expect(await row.getByTestId('request-due-date').textContent()).toBe(due)
    expect(await row.getByTestId('request-due-date').getAttribute('datetime')).toBe(request.dueAt)
    // One month less the three days since the letter came: no hurry yet.
    expect(await row.getByTestId('request-due').getAttribute('data-urgency')).toBe('later')
    expect(await row.getByTestId('request-due-badge').textContent()).toMatch(/^in \d+ days$/)
    expect(await row.getByTestId('request-status').textContent()).toBe('Open')
    expect(await row.getByTestId('request-details').textContent()).toBe(
      'My surname is Anfrage-Berg, not Anfrage.',
    )
    expect(await row.getByTestId('request-reference').textContent()).toBe('Original: scan DMS-4711')
    expect(await card.getByTestId('contact-requests-empty').count()).toBe(0)
  })

  it('lists the open requests on /privacy, the one due first on top, with their urgency and a link to the contact', async () => {
    // Filed by the person in the privacy portal (the portal's own service call).
    const runtime = web?.runtime
    if (!runtime) throw new Error('no runtime')
    const filing = await runtime.services.requests.fileInPortal(portalContact, 'access', undefined)
    expect(filing.kind).toBe('filed')
    // By e-mail two months ago: overdue. By phone 27 days ago: due within the week.
    await dpo.ok('POST', `/subjects/${overdueContact}/requests`, {
      kind: 'objection',
      channel: 'email',
      receivedAt: new Date(Date.now() - 60 * DAY_MS).toISOString(),
      details: 'I object to the profiling for personal reasons.',
    })
    await dpo.ok('POST', `/subjects/${soonContact}/requests`, {
      kind: 'erasure',
      channel: 'phone',
      receivedAt: new Date(Date.now() - 27 * DAY_MS).toISOString(),
    })
    const open = await dpo.ok<RequestPage>('GET', '/requests')
    expect(open.total).toBe(4)

    await openRequestsTab()
    await inboxRow(portalContact).waitFor()
    const order = await page
      .getByTestId('privacy-request')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-subject-id')))
    expect(order).toEqual([overdueContact, soonContact, letterContact, portalContact])
    expect(order).toEqual(open.items.map((r) => r.subjectId))
    expect(await page.getByTestId('privacy-requests-count').textContent()).toBe('4 open requests')

    const overdue = inboxRow(overdueContact)
    expect(await overdue.getByTestId('request-kind').textContent()).toBe('Objection on personal grounds')
    expect(await overdue.getByTestId('request-channel').textContent()).toBe('E-mail')
    expect(await overdue.getByTestId('request-due').getAttribute('data-urgency')).toBe('overdue')
    expect(await overdue.getByTestId('request-due-badge').textContent()).toMatch(/^Overdue by \d+ days$/)
    expect(await overdue.getByTestId('request-has-details').textContent()).toBe('With text')
    // No text of what the person wrote in the inbox: that is read on the contact's page.
    expect(await overdue.textContent()).not.toContain('profiling')
    const soon = inboxRow(soonContact)
    expect(await soon.getByTestId('request-due').getAttribute('data-urgency')).toBe('soon')
    expect(await soon.getByTestId('request-due-badge').textContent()).toMatch(/^in \d days?$/)
    // Overdue on red, due soon in orange (by hue, whatever shade the theme picks).
    const overdueHue = hueOf(await colourOf(overdue.getByTestId('request-due-badge'), 'backgroundColor'))
    expect(overdueHue < 10 || overdueHue > 350, `hue ${overdueHue}`).toBe(true)
    expect(hueOf(await colourOf(soon.getByTestId('request-due-badge'), 'color'))).toSatisfy(
      (hue: number) => hue >= 15 && hue <= 40,
    )
    expect(await inboxRow(letterContact).getByTestId('request-due').getAttribute('data-urgency')).toBe(
      'later',
    )

    const portal = inboxRow(portalContact)
    const filed = open.items.find((r) => r.subjectId === portalContact) as RequestJson
    expect(await portal.getByTestId('request-kind').textContent()).toBe('Access')
    expect(await portal.getByTestId('request-channel').textContent()).toBe('Privacy portal')
    expect(await portal.getByTestId('request-has-details').textContent()).toBe('None')
    expect(await portal.getByTestId('request-due-date').textContent()).toBe(await shownDate(filed.dueAt))
    const link = portal.getByTestId('privacy-request-contact')
    expect(await link.getAttribute('href')).toBe(`/contacts/${portalContact}`)
    // The DPO finds people by name: the inbox names them (one gated read per page).
    expect(await link.textContent()).toBe('Paul Anfrage')
    expect(await portal.getByTestId('privacy-request-email').textContent()).toBe('paul@example.test')
    await link.click()
    await page.locator(`[data-testid="contact-page"][data-subject-id="${portalContact}"]`).waitFor()
    const onPage = page.locator(`[data-testid="contact-request"][data-id="${filed.id}"]`)
    await onPage.waitFor()
    expect(await onPage.getByTestId('request-channel').textContent()).toBe('Privacy portal')
  })

  it('pages through more open requests than fit on one page', async () => {
    const runtime = web?.runtime
    if (!runtime) throw new Error('no runtime')
    const many = await newContact('Mara')
    // Fifty by e-mail an hour or two ago: after the letter, before the portal's, in order of receipt.
    const start = Date.now() - 60 * 60_000
    for (let i = 0; i < 50; i++)
      await runtime.services.requests.record(
        { subjectId: many, kind: 'copy', channel: 'email', receivedAt: new Date(start - i * 60_000) },
        { actor: { type: 'system', id: 'requests.test' } },
      )
    await openRequestsTab()
    await page.getByTestId('privacy-request').nth(49).waitFor()
    expect(await page.getByTestId('privacy-request').count()).toBe(50)
    expect(await page.getByTestId('privacy-requests-count').textContent()).toBe('50 of 54 open requests')
    await page.getByTestId('privacy-requests-load-more').click()
    await page.getByTestId('privacy-request').nth(53).waitFor()
    expect(await page.getByTestId('privacy-request').count()).toBe(54)
    expect(await page.getByTestId('privacy-requests-count').textContent()).toBe('54 open requests')
    expect(await page.getByTestId('privacy-requests-load-more').count()).toBe(0)
    // The last page ends with the request due last: the portal's, filed just now.
    expect(await page.getByTestId('privacy-request').last().getAttribute('data-subject-id')).toBe(
      portalContact,
    )
  })

  it('speaks German', async () => {
    await page.getByTestId('language-de').click()
    try {
      await expect
        .poll(() => page.getByTestId('privacy-tab-requests').textContent())
        .toBe('Betroffenenanfragen')
      expect(await inboxRow(overdueContact).getByTestId('request-kind').textContent()).toBe(
        'Widerspruch aus persönlichen Gründen',
      )
      // The article in the German name of the law.
      expect(await inboxRow(overdueContact).textContent()).toContain('Art. 21(1) DSGVO')
      expect(await inboxRow(overdueContact).getByTestId('request-due-badge').textContent()).toMatch(
        /^Seit \d+ Tagen überfällig$/,
      )
      expect(await inboxRow(portalContact).getByTestId('request-channel').textContent()).toBe(
        'Datenschutzportal',
      )
    } finally {
      await page.getByTestId('language-en').click()
    }
  })

  it('lets sales record a request but not read them, and gives sales no Requests tab', async () => {
    await signInAs(page, base, SALES, PASSWORD)
    await page.getByTestId('nav-imports').waitFor()
    expect(await page.getByTestId('nav-privacy').count()).toBe(0)
    await page.goto(`${base}/privacy?tab=requests`)
    await page.getByTestId('privacy-forbidden').waitFor()
    expect(await page.getByTestId('privacy-tab-requests').count()).toBe(0)
    expect(await page.getByTestId('privacy-requests').count()).toBe(0)

    await page.goto(`${base}/contacts/${letterContact}`)
    const card = page.getByTestId('contact-requests')
    await card.getByTestId('contact-requests-not-readable').waitFor()
    expect(await card.getByTestId('contact-request').count()).toBe(0)
    expect(await card.getByTestId('contact-requests-error').count()).toBe(0)

    await card.getByTestId('request-record').click()
    const form = page.getByTestId('request-record-form')
    await form.waitFor()
    await page.getByTestId('request-form-kind').click()
    await page.getByRole('option', { name: 'Access (Art. 15(1)-(2) GDPR)', exact: true }).click()
    await form.getByRole('radio', { name: 'Phone', exact: true }).check()
    await page.getByTestId('request-form-submit').click()
    await page.getByTestId('request-saved').filter({ hasText: 'Access: the answer is due on' }).waitFor()
    await form.waitFor({ state: 'detached' })
    const stored = (await requestsOf(letterContact)).find((r) => r.kind === 'access')
    expect(stored).toMatchObject({ channel: 'phone', status: 'received', hasDetails: false })
    // Recorded just now: due in a month.
    const due = new Date(stored?.dueAt ?? 0).getTime() - new Date(stored?.receivedAt ?? 0).getTime()
    expect(due).toBeGreaterThanOrEqual(28 * DAY_MS)
    expect(due).toBeLessThanOrEqual(31 * DAY_MS)
  })
})
