import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const SALES = 'consents.sales@example.test'
const ADMIN = 'consents.admin@example.test'
const VIEWER = 'consents.viewer@example.test'
/** A role that may read contacts and their consents, but not record any (no `permissions:write`). */
const VIEWER_ROLE = 'consent_viewer'

interface ProofView {
  doNotContact: boolean
  consents: { purposeKey: string; channel: string; status: string; since: string }[]
  objections: { scope: string; source: string }[]
  events: {
    purposeKey: string
    channel: string
    kind: string
    source: string | null
    proof: Record<string, unknown>
    recordedBy: { type: string; id: string }
    gaps: string[]
  }[]
  objectionEvents: { action: string; scope: string; source: string; reference?: string | null }[]
  proofRetention: { purposeKey: string; channel: string; keepUntil: string }[]
}

/**
 * The consent panel of the 360° view in a real browser: each purpose × channel with its state; a
 * sales user records a consent received by phone (the reference to the call note is required),
 * opens its proof, records a withdrawal by letter and an objection to all direct marketing (the
 * do-not-contact banner), and lifts it; the server's refusal is shown at the input it names; a
 * role without `permissions:write` reads everything but is offered no action. What the server
 * stored is checked through the API.
 */
describe('consent panel on the contact page in Chromium', () => {
  let web: WebApp | undefined
  let base: string
  let page: Page
  let admin: ApiSession
  let contact: string

  const proofView = () => admin.ok<ProofView>('GET', `/subjects/${contact}/consents`)
  const row = (purposeKey: string, channel: string) =>
    page
      .getByTestId('contact-consents')
      .locator(`tr[data-purpose="${purposeKey}"][data-channel="${channel}"]`)
  const dateOf = (iso: string) =>
    new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(new Date(iso))
  /** Picks an option of a Mantine select by its label. */
  const choose = async (testId: string, option: string) => {
    await page.getByTestId(testId).click()
    await page.getByRole('option', { name: option, exact: true }).click()
  }
  /** Waits for the confirmation and closes it (it sits above the page's bottom-right corner). */
  const confirmSaved = async (text: string) => {
    const saved = page.getByTestId('consent-saved')
    await saved.filter({ hasText: text }).waitFor()
    await saved.getByRole('button', { name: 'Close' }).click()
    await saved.waitFor({ state: 'detached' })
  }
  const openContact = async () => {
    await page.goto(`${base}/contacts/${contact}`)
    await page.getByTestId('consent-panel').waitFor()
    // The purpose registry names the rows; wait until it is there.
    await row('phone_marketing', 'phone').filter({ hasText: 'Phone marketing (consumers)' }).waitFor()
  }

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'en-US',
      users: [
        { email: SALES, role: 'sales', password: PASSWORD },
        { email: ADMIN, role: 'admin', password: PASSWORD },
      ],
    })
    ;({ base, page } = web)
    admin = await apiSession(web.app, ADMIN, PASSWORD)
    contact = (
      await admin.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: {
          firstName: 'Paula',
          lastName: 'Telefon',
          email: 'paula.telefon@example.test',
          phone: '+49 30 1234567',
        },
      })
    ).id
    await admin.ok('POST', '/roles', {
      name: VIEWER_ROLE,
      description: 'Reads contacts and their consents.',
      permissions: ['subjects:read', 'purposes:read'],
      fieldCategories: ['identity', 'contact'],
    })
    await admin.ok('POST', '/users', { email: VIEWER, role: VIEWER_ROLE, password: PASSWORD })
    await signInAs(page, base, SALES, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
  })

  it('shows every consent and marketing purpose × channel, with “no consent” where nothing is recorded', async () => {
    await openContact()
    const phone = row('phone_marketing', 'phone')
    expect(await phone.getAttribute('data-testid')).toBe('contact-consent-missing')
    expect(await phone.getAttribute('data-status')).toBe('none')
    expect(await phone.getByTestId('consent-status').textContent()).toBe('No consent')
    expect(await phone.getByTestId('consent-usable').textContent()).toBe('No consent')
    // Post on legitimate interest: no consent needed, usable until the person objects.
    const post = row('postal_advertising', 'post')
    expect(await post.getByTestId('consent-status').textContent()).toBe('Legitimate interest')
    expect(await post.getByTestId('consent-usable').getAttribute('data-usable')).toBe('true')
    // Contract purposes are no marketing permission: not in the matrix.
    expect(await row('order_processing', 'email').count()).toBe(0)
    expect(await page.getByTestId('consent-objections-none').count()).toBe(1)
    expect(await page.getByTestId('contact-do-not-contact').count()).toBe(0)
  })

  it('records a consent received by phone: the reference is required, then it is granted since today', async () => {
    await page.getByTestId('consent-record').click()
    const form = page.getByTestId('consent-record-form')
    await form.waitFor()
    await choose('consent-form-purpose', 'Phone marketing (consumers)')
    // The purpose has one channel: it is chosen, and the consent text to read out is shown.
    expect(await page.getByTestId('consent-form-channel').inputValue()).toBe('Phone')
    expect(await page.getByTestId('consent-form-text-version').inputValue()).toContain('v1')
    expect(await page.getByTestId('consent-form-text').textContent()).toContain(
      'Yes, you may call me at the phone number given',
    )
    await form.getByRole('radio', { name: 'Phone', exact: true }).check()
    await page.getByTestId('consent-form-submit').click()
    await form.getByText('A consent received by Phone needs a reference to its evidence.').waitFor()
    expect(await page.getByTestId('consent-form-reference').getAttribute('aria-invalid')).toBe('true')
    expect((await proofView()).events).toHaveLength(0)

    await page.getByTestId('consent-form-reference').fill('CALL-2026-0042')
    await page.getByTestId('consent-form-submit').click()
    await confirmSaved('The consent was recorded with its proof.')
    await form.waitFor({ state: 'detached' })

    const phone = row('phone_marketing', 'phone')
    await phone.and(page.locator('[data-status="granted"]')).waitFor()
    expect(await phone.getAttribute('data-testid')).toBe('contact-consent')
    expect(await phone.getByTestId('consent-status').textContent()).toBe('Granted')
    expect(await phone.getByTestId('consent-usable').textContent()).toBe('Usable')

    const stored = await proofView()
    const state = stored.consents.find((c) => c.purposeKey === 'phone_marketing' && c.channel === 'phone')
    expect(state?.status).toBe('granted')
    expect(await phone.getByTestId('consent-since').textContent()).toBe(dateOf(state?.since ?? ''))
    expect(stored.events).toHaveLength(1)
    expect(stored.events[0]).toMatchObject({
      purposeKey: 'phone_marketing',
      channel: 'phone',
      kind: 'granted',
      source: 'phone',
      proof: { source: 'phone', textVersion: 'v1', reference: 'CALL-2026-0042' },
      recordedBy: { type: 'user' },
      gaps: [],
    })
  })

  it('opens the proof on a click: source, reference, the text shown, who recorded it, and until when to keep it', async () => {
    await row('phone_marketing', 'phone').getByText('Phone marketing (consumers)').click()
    const proof = page.getByTestId('consent-proof')
    await proof.waitFor()
    const events = proof.getByTestId('consent-proof-event')
    expect(await events.count()).toBe(1)
    const granted = events.first()
    expect(await granted.getAttribute('data-kind')).toBe('granted')
    expect(await granted.getByTestId('proof-source').textContent()).toBe('Phone')
    expect(await granted.getByTestId('proof-reference').textContent()).toBe('CALL-2026-0042')
    expect(await granted.getByTestId('proof-text-version').textContent()).toBe('v1')
    expect(await granted.getByTestId('proof-text').textContent()).toContain(
      'Yes, you may call me at the phone number given',
    )
    expect(await granted.getByTestId('proof-recorded-by').textContent()).toBe(`You (${SALES})`)
    expect(await granted.getByTestId('proof-gaps').count()).toBe(0)
    // § 7a UWG: the proof of a phone consent is kept 5 years from the grant.
    const retention = (await proofView()).proofRetention.find((r) => r.purposeKey === 'phone_marketing')
    expect(retention).toBeDefined()
    expect(await proof.getByTestId('proof-keep-until').textContent()).toContain(
      dateOf(retention?.keepUntil ?? ''),
    )
    expect(await proof.getByTestId('consent-proof-counts').textContent()).toBe('Yes')
    await page.keyboard.press('Escape')
    await proof.waitFor({ state: 'detached' })
  })

  it('downloads the consents as ISO/IEC TS 27560 records', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('consent-records-download').click(),
    ])
    expect(download.suggestedFilename()).toBe(`consent-records-${contact}.jsonld`)
    const records = JSON.parse(await readFile(await download.path(), 'utf8')) as {
      '@graph': { 'dct:identifier': string; 'dpv:hasConsentStatus': unknown[] }[]
    }
    const phone = records['@graph'].find((r) => r['dct:identifier'].includes('phone_marketing'))
    expect(phone?.['dpv:hasConsentStatus']).toHaveLength(1)
    expect(JSON.stringify(phone)).toContain('CALL-2026-0042')
  })

  it('shows the server’s refusal at the input it names, and above the buttons', async () => {
    await page.route(`**/api/v1/subjects/${contact}/consents`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      return route.fulfill({
        status: 400,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'urn:tresor:problem:validation',
          title: 'The request is not valid',
          status: 400,
          detail: 'proof.reference: must NOT have more than 200 characters',
          errors: [
            { in: 'body', field: 'proof.reference', reason: 'must NOT have more than 200 characters' },
            { in: 'body', field: 'kind', reason: 'must be one of: requested, granted' },
          ],
        }),
      })
    })
    try {
      await row('sms_marketing', 'sms').getByTestId('consent-record-row').click()
      const form = page.getByTestId('consent-record-form')
      await form.waitFor()
      // Opened from the row: its purpose and channel are chosen.
      expect(await page.getByTestId('consent-form-purpose').inputValue()).toBe('SMS marketing')
      expect(await page.getByTestId('consent-form-channel').inputValue()).toBe('SMS')
      await form.getByRole('radio', { name: 'Letter', exact: true }).check()
      await page.getByTestId('consent-form-reference').fill('SCAN-1')
      await page.getByTestId('consent-form-submit').click()
      await form.getByText('Not accepted: must NOT have more than 200 characters').waitFor()
      expect(await page.getByTestId('consent-form-reference').getAttribute('aria-invalid')).toBe('true')
      const alert = page.getByTestId('consent-form-error')
      expect(await alert.textContent()).toContain('Please correct the marked fields.')
      expect(await alert.textContent()).toContain('kind: must be one of: requested, granted')
      await page.getByTestId('consent-form-cancel').click()
      await form.waitFor({ state: 'detached' })
    } finally {
      await page.unroute(`**/api/v1/subjects/${contact}/consents`)
    }
    expect(await row('sms_marketing', 'sms').getAttribute('data-status')).toBe('none')
  })

  it('records a withdrawal received by letter: the row shows withdrawn, and the proof both events', async () => {
    const phone = row('phone_marketing', 'phone')
    await phone.getByTestId('consent-withdraw').click()
    const form = page.getByTestId('consent-withdraw-form')
    await form.waitFor()
    expect(await page.getByTestId('consent-withdraw-what').textContent()).toBe(
      'Withdraw consent to “Phone marketing (consumers)” by Phone',
    )
    await page.getByTestId('consent-form-submit').click()
    await form.getByText('Choose how it reached you.').waitFor()
    await form.getByRole('radio', { name: 'Letter', exact: true }).check()
    await page.getByTestId('consent-form-reference').fill('SCAN-2026-0815')
    await page.getByTestId('consent-form-submit').click()
    await confirmSaved('The withdrawal was recorded.')
    // The form's dialog has closed (its exit transition ends) before the proof drawer opens.
    await form.waitFor({ state: 'detached' })

    await phone.and(page.locator('[data-status="withdrawn"]')).waitFor()
    expect(await phone.getByTestId('consent-status').textContent()).toBe('Withdrawn')
    expect(await phone.getByTestId('consent-usable').textContent()).toBe('Consent withdrawn')
    // Withdrawn: nothing left to withdraw, it can be recorded anew.
    expect(await phone.getByTestId('consent-withdraw').count()).toBe(0)
    expect(await phone.getByTestId('consent-record-row').count()).toBe(1)

    await phone.getByTestId('consent-open-proof').click()
    const events = page.getByTestId('consent-proof').getByTestId('consent-proof-event')
    await events.nth(1).waitFor()
    expect(await events.evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')))).toEqual([
      'withdrawn',
      'granted',
    ])
    expect(await events.first().getByTestId('proof-source').textContent()).toBe('Letter')
    expect(await events.first().getByTestId('proof-reference').textContent()).toBe('SCAN-2026-0815')
    await page
      .getByRole('dialog', { name: /^Proof/ })
      .getByRole('button', { name: 'Close' })
      .click()
    await page.getByTestId('consent-proof').waitFor({ state: 'detached' })

    const last = (await proofView()).events.at(-1)
    expect(last).toMatchObject({
      kind: 'withdrawn',
      source: 'letter',
      proof: { reference: 'SCAN-2026-0815' },
    })
  })

  it('records an objection to all direct marketing: the do-not-contact banner; lifting it removes the banner', async () => {
    await page.getByTestId('objection-record').click()
    const form = page.getByTestId('objection-form')
    await form.waitFor()
    await form.getByRole('radio', { name: 'All direct marketing (Werbewiderspruch)' }).check()
    await page.getByTestId('objection-form-dnc-hint').waitFor()
    await form.getByRole('radio', { name: 'E-mail', exact: true }).check()
    await page.getByTestId('consent-form-reference').fill('MAIL-2026-311')
    await page.getByTestId('consent-form-submit').click()
    await confirmSaved('The objection was recorded.')

    const banner = page.getByTestId('contact-do-not-contact')
    await banner.waitFor()
    expect(await banner.textContent()).toContain('Do not contact')
    expect(await banner.textContent()).toContain('received by E-mail')
    expect(await page.getByTestId('contact-dnc-badge').count()).toBe(1)
    expect(await page.getByTestId('consent-panel').getAttribute('data-do-not-contact')).toBe('true')
    const objection = page.getByTestId('consent-objection')
    expect(await objection.getAttribute('data-scope')).toBe('all_marketing')
    expect(await objection.getByTestId('consent-objection-source').textContent()).toBe('E-mail')
    // Advertising by post rested on legitimate interest; the objection stops it at once.
    expect(await row('postal_advertising', 'post').getByTestId('consent-usable').textContent()).toBe(
      'Objection',
    )
    expect(await row('postal_advertising', 'post').getAttribute('data-objected')).toBe('true')
    const stored = await proofView()
    expect(stored.doNotContact).toBe(true)
    expect(stored.objections).toEqual([expect.objectContaining({ scope: 'all_marketing', source: 'email' })])

    await objection.getByTestId('objection-lift').click()
    const lift = page.getByTestId('objection-lift-form')
    await lift.waitFor()
    await lift.getByRole('radio', { name: 'Phone', exact: true }).check()
    await page.getByTestId('consent-form-submit').click()
    await confirmSaved('The objection was lifted.')
    await banner.waitFor({ state: 'detached' })
    await page.getByTestId('consent-objections-none').waitFor()
    expect(await page.getByTestId('contact-dnc-badge').count()).toBe(0)
    expect(await row('postal_advertising', 'post').getByTestId('consent-usable').textContent()).toBe('Usable')
    const after = await proofView()
    expect(after.doNotContact).toBe(false)
    expect(after.objectionEvents.map((e) => [e.action, e.scope, e.source, e.reference])).toEqual([
      ['raised', 'all_marketing', 'email', 'MAIL-2026-311'],
      ['lifted', 'all_marketing', 'phone', null],
    ])
    // The history of objections, newest first, with the evidence.
    await page.getByTestId('objection-history').getByRole('button').click()
    const history = page.getByTestId('objection-event')
    await history.nth(1).waitFor()
    expect(await history.evaluateAll((els) => els.map((el) => el.getAttribute('data-action')))).toEqual([
      'lifted',
      'raised',
    ])
    expect(await history.nth(1).textContent()).toContain('MAIL-2026-311')
  })

  it('speaks German', async () => {
    await page.getByTestId('language-de').click()
    try {
      const phone = row('phone_marketing', 'phone')
      await expect.poll(() => phone.getByTestId('consent-status').textContent()).toBe('Widerrufen')
      expect(await page.getByTestId('consent-record').textContent()).toBe('Einwilligung erfassen')
      expect(await row('sms_marketing', 'sms').getByTestId('consent-status').textContent()).toBe(
        'Keine Einwilligung',
      )
      expect(await page.getByTestId('consent-objections').textContent()).toContain('Geltende Widersprüche')
    } finally {
      await page.getByTestId('language-en').click()
    }
  })

  it('shows a role without permissions:write the consents, objections and proof, but no action', async () => {
    // An objection in force, so there would be something to lift.
    await admin.ok('POST', `/subjects/${contact}/objections`, {
      scope: 'channel',
      channel: 'post',
      source: 'letter',
    })
    await signInAs(page, base, VIEWER, PASSWORD)
    await openContact()
    expect(await row('phone_marketing', 'phone').getAttribute('data-status')).toBe('withdrawn')
    await page.getByTestId('consent-objection').waitFor()
    for (const action of [
      'consent-record',
      'objection-record',
      'consent-withdraw',
      'consent-record-row',
      'objection-lift',
    ])
      expect(await page.getByTestId(action).count(), action).toBe(0)
    // Reading the proof needs no write permission.
    await row('phone_marketing', 'phone').getByTestId('consent-open-proof').click()
    expect(await page.getByTestId('consent-proof').getByTestId('consent-proof-event').count()).toBe(2)
    // The server refuses the role too; hiding the buttons is only a convenience.
    const viewer = await apiSession((web as WebApp).app, VIEWER, PASSWORD)
    const refused = await viewer.request('POST', `/subjects/${contact}/objections`, {
      scope: 'all_marketing',
      source: 'phone',
    })
    expect(refused.statusCode).toBe(403)
  })
})
