import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestRuntime } from '../support/engines.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const ADMIN = 'calls.admin@example.test'
const MARKETING = 'calls.marketing@example.test'
const DPO = 'calls.dpo@example.test'
const AGENT = 'calls.agent@example.test'
const PASSWORD = 'a long browser test password'
/** How long a poll waits for the page (a busy machine, a refetch after each call). */
const WAIT = { timeout: 20_000 }

/**
 * Issue #17, the phone agents' call list in a real browser: a phone campaign under
 * `phone_marketing` is sent (three leads consented with § 7a proof, a fourth did not); an agent
 * (sales: `campaigns:read` + `campaigns:call`) finds the call list from the campaigns list, sees
 * names, numbers and the script in German, records "reached" for one (the proof's keep-until is
 * shown, five years ahead) and "objected" for another (gone from the list at once; the API shows
 * the objection in force) — then the same page in English; a marketer without `campaigns:call` is
 * told she may not.
 */
describe('the call list in Chromium', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let base: string
  let page: Page
  let dpo: ApiSession
  let marketing: ApiSession
  let campaignId: string
  const leads: Record<'anna' | 'bernd' | 'clara' | 'dora', string> = {
    anna: '',
    bernd: '',
    clara: '',
    dora: '',
  }

  beforeAll(async () => {
    web = await startWebApp({
      locale: 'de-DE',
      users: [
        { email: ADMIN, role: 'admin', password: PASSWORD },
        { email: MARKETING, role: 'marketing', password: PASSWORD },
        { email: DPO, role: 'dpo', password: PASSWORD },
        { email: AGENT, role: 'sales', password: PASSWORD },
      ],
    })
    ;({ runtime, base, page } = web)
    const admin = await apiSession(web.app, ADMIN, PASSWORD)
    marketing = await apiSession(web.app, MARKETING, PASSWORD)
    dpo = await apiSession(web.app, DPO, PASSWORD)
    for (const [key, first, phone] of [
      ['anna', 'Anna', '+49 151 11111111'],
      ['bernd', 'Bernd', '+49 151 22222222'],
      ['clara', 'Clara', '+49 151 33333333'],
      ['dora', 'Dora', '+49 151 44444444'],
    ] as const) {
      const id = (
        await admin.ok<{ id: string }>('POST', '/subjects', {
          kinds: ['lead'],
          identifiers: { firstName: first, lastName: 'Telefon', phone },
        })
      ).id
      leads[key] = id
      // § 7a UWG: the consent to advertising calls, documented (form and text version). Dora has none.
      if (key !== 'dora')
        await admin.ok('POST', `/subjects/${id}/consents`, {
          purposeKey: 'phone_marketing',
          channel: 'phone',
          kind: 'granted',
          proof: { source: 'form', formKey: 'callback-request', textVersion: 'tel-2026-01' },
        })
    }
    const segment = await marketing.ok<{ id: string }>('POST', '/segments', {
      name: 'Leads (Telefon)',
      purpose: 'phone_marketing',
      rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['lead'] }] },
    })
    campaignId = (
      await marketing.ok<{ id: string }>('POST', '/campaigns', {
        name: 'Herbstanrufe',
        segmentId: segment.id,
        defaultLang: 'de',
        channels: [{ channel: 'phone', purposeKey: 'phone_marketing' }],
        content: [
          {
            channel: 'phone',
            lang: 'de',
            subject: 'Herbstangebot',
            bodyText: 'Guten Tag {{firstName}}, hier ist Tresor mit unserem Herbstangebot.',
          },
          {
            channel: 'phone',
            lang: 'en',
            subject: 'Autumn offer',
            bodyText: 'Good morning {{firstName}}, this is Tresor with our autumn offer.',
          },
        ],
      })
    ).id
    await marketing.ok('POST', `/campaigns/${campaignId}/schedule`, {})
    // The send runs in this process, as the worker's job would (the test app runs no worker).
    for (let i = 0; i < 5; i++) {
      const run = await runtime.services.campaignSend.run(campaignId)
      if (run.state === 'done' || run.state === 'stopped') break
    }
    await signInAs(page, base, AGENT, PASSWORD)
  }, 180_000)

  afterAll(async () => {
    await web?.close()
  })

  /** Text on the page that looks like a translation key or an unfilled placeholder (none expected). */
  async function rawTexts(): Promise<string[]> {
    // biome-ignore lint/performance/useDomNodeTextContent: what is shown
    const text = await page.locator('main').innerText()
    const raw = [/\b(?:campaigns|common)\.[A-Za-z.]+\b/g, /\{\{[^}]*\}\}/g, /\b(?:no-answer|wrong-number)\b/g]
    return raw.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0]))
  }

  const row = (name: string) => page.getByTestId('call-list-row').filter({ hasText: name })

  it('lets an agent call, record reached (proof kept five years) and an objection (off the list at once), in German', async () => {
    // The agent finds the campaign in the list, with the way to its call list.
    await page.goto(`${base}/campaigns`)
    await page.getByRole('heading', { name: 'Kampagnen' }).waitFor()
    await page
      .getByTestId('campaign-row')
      .filter({ hasText: 'Herbstanrufe' })
      .getByRole('link', { name: 'Anrufliste öffnen' })
      .click()
    await page.waitForURL(`${base}/campaigns/${campaignId}/calls`)
    await page.getByRole('heading', { name: 'Anrufliste: Herbstanrufe' }).waitFor()
    expect(await page.getByTestId('call-list-intro').textContent()).toBe(
      'Jeder Anruf wird als Nutzung der Einwilligung dokumentiert (§ 7a UWG); ein Widerspruch im Gespräch gilt sofort.',
    )

    // The script in German, its merge field shown as what to say; the three who consented, not Dora.
    expect(await page.getByTestId('call-list-script-title').textContent()).toBe('Herbstangebot')
    expect(await page.getByTestId('call-list-script-text').textContent()).toBe(
      'Guten Tag ‹Vorname›, hier ist Tresor mit unserem Herbstangebot.',
    )
    await expect.poll(() => page.getByTestId('call-list-row').count(), WAIT).toBe(3)
    expect(await page.getByTestId('call-list-count').textContent()).toBe('3 Personen anzurufen')
    expect(await row('Dora').count()).toBe(0)
    const annaPhone = page.getByRole('link', { name: 'Anna Telefon anrufen: +4915111111111' })
    expect(await annaPhone.getAttribute('href')).toBe('tel:+4915111111111')
    expect(await rawTexts()).toEqual([])

    // Anna is reached: the call is a use of her consent, so its proof is kept five years from now.
    const record = page.getByRole('button', { name: 'Anruf bei Anna Telefon erfassen' })
    expect(await record.isDisabled()).toBe(true)
    await page
      .getByRole('combobox', { name: 'Ergebnis des Anrufs bei Anna Telefon' })
      .selectOption({ label: 'Erreicht' })
    await page
      .getByRole('textbox', { name: 'Notiz zum Anruf bei Anna Telefon (optional)' })
      .fill('Möchte ein Angebot per Post')
    await record.click()
    const proof = row('Anna').getByTestId('call-list-proof')
    await proof.waitFor(WAIT)
    const inFiveYears = String(new Date().getUTCFullYear() + 5)
    expect(await proof.textContent()).toMatch(
      new RegExp(`^Nachweis der Einwilligung aufbewahrt bis \\d{1,2}\\. \\S+ ${inFiveYears}$`),
    )
    expect(await row('Anna').getByTestId('call-list-result').textContent()).toContain('Erfasst: Erreicht')

    // Bernd objects on the call: recorded at once, and he is off the list.
    await page
      .getByRole('combobox', { name: 'Ergebnis des Anrufs bei Bernd Telefon' })
      .selectOption({ label: 'Widerspricht – möchte keine Werbeanrufe' })
    await page.getByRole('button', { name: 'Anruf bei Bernd Telefon erfassen' }).click()
    await expect
      .poll(() => page.getByTestId('call-list-removed').textContent(), WAIT)
      .toContain('Widerspruch von Bernd Telefon erfasst.')
    await expect.poll(() => row('Bernd').count(), WAIT).toBe(0)
    // Anna stays on the page with her result; Clara is still to call.
    expect(await row('Anna').getByTestId('call-list-proof').count()).toBe(1)
    expect(await row('Clara').getByRole('button', { name: 'Anruf bei Clara Telefon erfassen' }).count()).toBe(
      1,
    )
    expect(await page.getByTestId('call-list-count').textContent()).toBe('1 Person anzurufen')
    expect(await rawTexts()).toEqual([])

    // In force through the API: Bernd may not be called for phone marketing any more (objected).
    const permissions = await dpo.ok<{
      decisions: { purposeKey: string; channel: string; allowed: boolean; rule?: string }[]
    }>('GET', `/subjects/${leads.bernd}/permissions`)
    expect(permissions.decisions).toContainEqual(
      expect.objectContaining({
        purposeKey: 'phone_marketing',
        channel: 'phone',
        allowed: false,
        rule: 'objected',
      }),
    )
    // Anna's consent proof is now kept five years from the call, as the page said.
    const consents = await dpo.ok<{
      proofRetention: { purposeKey: string; lastUsedAt: string | null; keepUntil: string }[]
    }>('GET', `/subjects/${leads.anna}/consents`)
    const anna = consents.proofRetention.find((p) => p.purposeKey === 'phone_marketing')
    expect(anna?.lastUsedAt).not.toBeNull()
    expect(anna?.keepUntil.slice(0, 4)).toBe(inFiveYears)
    // The send ledger: both calls ended the delivery (reached, objected → delivered).
    const ledger = await marketing.ok<{ items: { subjectId: string; status: string }[] }>(
      'GET',
      `/campaigns/${campaignId}/deliveries?limit=100`,
    )
    expect(ledger.items.find((d) => d.subjectId === leads.anna)?.status).toBe('delivered')
    expect(ledger.items.find((d) => d.subjectId === leads.bernd)?.status).toBe('delivered')

    // A fresh read of the list: Anna (reached) and Bernd (objected) are off it, Clara is left.
    await page.reload()
    await expect.poll(() => page.getByTestId('call-list-row').count(), WAIT).toBe(1)
    expect(await row('Clara').count()).toBe(1)
  }, 120_000)

  it('shows the way in on the campaign page, the page in English, and tells a role without campaigns:call', async () => {
    await page.goto(`${base}/campaigns/${campaignId}`)
    await page.getByTestId('campaign-call-list').waitFor(WAIT)
    await page.getByTestId('campaign-call-list-open').click()
    await page.waitForURL(`${base}/campaigns/${campaignId}/calls`)
    await page.getByTestId('language-en').click()
    await page.getByRole('heading', { name: 'Call list: Herbstanrufe' }).waitFor(WAIT)
    expect(await page.getByTestId('call-list-intro').textContent()).toBe(
      'Every call is recorded as a use of the consent (§ 7a UWG); an objection on the call takes effect at once.',
    )
    expect(await page.getByTestId('call-list-script-text').textContent()).toBe(
      'Good morning ‹First name›, this is Tresor with our autumn offer.',
    )
    // Clara doesn't answer: recorded, she stays on the list with the call counted.
    await page
      .getByRole('combobox', { name: 'Outcome of the call to Clara Telefon' })
      .selectOption({ label: 'No answer' })
    await page.getByRole('button', { name: 'Record the call to Clara Telefon' }).click()
    await expect
      .poll(() => row('Clara').getByTestId('call-list-history').textContent(), WAIT)
      .toMatch(/^1 call, last: No answer \(/)
    expect(await rawTexts()).toEqual([])
    await page.getByTestId('language-de').click()
    await page.getByRole('heading', { name: 'Anrufliste: Herbstanrufe' }).waitFor(WAIT)

    // The marketer reads campaigns but may not call: no way in, and the page says so.
    await signInAs(page, base, MARKETING, PASSWORD)
    await page.goto(`${base}/campaigns/${campaignId}`)
    await page.getByTestId('campaign-page').waitFor(WAIT)
    expect(await page.getByTestId('campaign-call-list').count()).toBe(0)
    await page.goto(`${base}/campaigns/${campaignId}/calls`)
    await expect
      .poll(() => page.getByTestId('call-list-forbidden').textContent(), WAIT)
      .toBe('Ihre Rolle darf keine Anruflisten bearbeiten.')
  }, 120_000)
})
