import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts'
import { type ApiSession, apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const PASSWORD = 'a long browser test password'
const DPO = 'answer.dpo@example.test'
const PERSON = 'erika.answer@example.test'

const linkIn = (text: string | undefined, path: string): string => {
  const match = new RegExp(`https?://[^\\s"<]*${path}[^\\s"<]*`).exec(text ?? '')
  if (!match) throw new Error(`no ${path} link in the mail`)
  return match[0]
}

/**
 * Issue #15 end to end in Chromium: the person files an access request in the privacy portal
 * (verified by the mailed sign-in), the DPO generates, previews and sends the answer from the
 * Requests tab of /privacy, the person is mailed that there is news and downloads the report in the
 * portal (HTML, PDF, JSON), which another browser can't.
 */
describe('data subject requests answered in Chromium (portal → DPO → download; the steps on the contact page)', () => {
  let smtp: TestSmtpServer | undefined
  let web: WebApp | undefined
  let base: string
  let page: Page
  let dpo: ApiSession

  beforeAll(async () => {
    smtp = await startSmtpServer()
    web = await startWebApp({
      locale: 'en-US',
      users: [{ email: DPO, role: 'dpo', password: PASSWORD }],
      env: { TRESOR_SMTP_URL: smtp.url, TRESOR_MAIL_FROM: 'Tresor <privacy@example.test>' },
    })
    ;({ base, page } = web)
    dpo = await apiSession(web.app, DPO, PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await web?.close()
    await smtp?.close()
  })

  it('files in the portal, is answered in the UI in a few clicks, and downloads the report', async () => {
    const mails = smtp as TestSmtpServer
    const subjectId = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Erika', lastName: 'Antwort', email: PERSON },
      })
    ).id
    await dpo.ok('POST', `/subjects/${subjectId}/notes`, { text: 'Prefers calls in the morning' })

    // The DPO signs in first: signing in clears the browser's cookies, the portal's too.
    await signInAs(page, base, DPO, PASSWORD)

    // 1. The person signs in to the portal through the mailed link and files an access request.
    const portal = await page.context().newPage()
    const signInToPortal = async () => {
      await portal.goto(`${base}/p/portal?lang=en`)
      await portal.locator('#f-email').fill(PERSON)
      await portal.getByRole('button', { name: 'Send me a sign-in link' }).click()
      await portal.getByRole('heading', { name: 'Please check your inbox' }).waitFor()
      await portal.goto(linkIn((await mails.nextMailTo(PERSON, 15_000)).parsed.text, '/p/portal/login/'))
      await portal.getByRole('button', { name: 'Sign in' }).click()
      await portal.locator('#requests').waitFor()
    }
    await signInToPortal()
    await portal.locator('#k-access').check()
    await portal.getByRole('button', { name: 'Send request' }).click()
    await portal.locator('tr.request').first().waitFor()
    expect(await portal.locator('tr.request').first().textContent()).toContain('identity confirmed')

    // 2. The DPO answers it from the inbox: generate, preview, send.
    await page.goto(`${base}/privacy`)
    await page.getByTestId('privacy-tab-requests').click()
    const row = page.locator(`[data-testid="privacy-request"][data-subject-id="${subjectId}"]`)
    await row.waitFor()
    expect(await row.getByTestId('request-status').getAttribute('data-status')).toBe('identity_verified')
    await row.getByTestId('request-answer').click()
    const dialog = page.getByRole('dialog')
    await dialog.getByTestId('request-report-preview').waitFor()
    expect(await dialog.getByTestId('request-report-identifiers').textContent()).toContain('Erika')
    await dialog.locator('[data-testid="request-report-section"][data-table="subject_note"]').waitFor()
    await dialog.getByText('English').click()
    await dialog.getByTestId('request-answer-withhold').check()
    await dialog.getByTestId('request-report-preview').waitFor()
    await dialog.getByTestId('request-answer-submit').click()
    await row.waitFor({ state: 'detached' })
    const [stored] = await dpo.ok<{ id: string; status: string }[]>('GET', `/subjects/${subjectId}/requests`)
    expect(stored?.status).toBe('answered')

    // 3. The person is told there is news (no personal data), and downloads the answer.
    const news = await mails.nextMailTo(PERSON, 15_000)
    expect(news.parsed.text).toContain('/p/portal')
    expect(news.parsed.text).not.toContain('Erika')
    await portal.reload()
    const first = portal.locator('tr.request').first()
    expect(await first.textContent()).toContain('Answered')
    const htmlLink = first.getByRole('link', { name: 'HTML' })
    await htmlLink.click()
    await portal.getByRole('heading', { name: 'Access to your personal data (Art. 15 GDPR)' }).waitFor()
    const body = (await portal.textContent('body')) ?? ''
    expect(body).toContain(PERSON)
    expect(body).toContain('Art. 77')
    // Art. 15(4): the note was withheld.
    expect(body).not.toContain('Prefers calls in the morning')
    await portal.goBack()
    const id = stored?.id as string
    const pdf = await portal.request.get(`${base}/p/portal/answers/${id}/pdf`)
    expect(pdf.status()).toBe(200)
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-')
    const json = await portal.request.get(`${base}/p/portal/answers/${id}/json`)
    expect(
      ((await json.json()) as { subject: { identifiers: { email: string } } }).subject.identifiers.email,
    ).toBe(PERSON)

    // Without the person's session: nothing.
    const res = await fetch(`${base}/p/portal/answers/${id}/json`)
    expect(res.status).toBe(401)
    expect(await res.text()).not.toContain(PERSON)
    await portal.close()
  }, 180_000)

  it('the copy: answered in the UI, downloaded as a zip in the portal with what the person provided marked', async () => {
    const mails = smtp as TestSmtpServer
    const person = 'karl.copy@example.test'
    const subjectId = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Karl', lastName: 'Kopie', email: person },
      })
    ).id
    // Another person than the first test's: their portal session goes, the DPO's stays.
    await page.context().clearCookies({ name: 'tresor_portal' })
    const portal = await page.context().newPage()
    await portal.goto(`${base}/p/portal?lang=en`)
    await portal.locator('#f-email').fill(person)
    await portal.getByRole('button', { name: 'Send me a sign-in link' }).click()
    await portal.getByRole('heading', { name: 'Please check your inbox' }).waitFor()
    await portal.goto(linkIn((await mails.nextMailTo(person, 15_000)).parsed.text, '/p/portal/login/'))
    await portal.getByRole('button', { name: 'Sign in' }).click()
    await portal.locator('#requests').waitFor()
    await portal.locator('#k-copy').check()
    await portal.getByRole('button', { name: 'Send request' }).click()
    await portal.locator('tr.request').first().waitFor()

    await page.goto(`${base}/privacy`)
    await page.getByTestId('privacy-tab-requests').click()
    const row = page.locator(`[data-testid="privacy-request"][data-subject-id="${subjectId}"]`)
    await row.waitFor()
    await row.getByTestId('request-answer').click()
    const dialog = page.getByRole('dialog')
    await dialog.getByTestId('request-report-preview').waitFor()
    await dialog.getByTestId('request-answer-submit').click()
    await row.waitFor({ state: 'detached' })
    await mails.nextMailTo(person, 15_000)

    await portal.reload()
    const zipLink = portal.locator('tr.request').first().getByTestId('download-zip')
    const href = (await zipLink.getAttribute('href')) ?? ''
    expect(href).toMatch(/\/p\/portal\/answers\/[0-9a-f-]{36}\/zip/)
    const zip = await portal.request.get(`${base}${href}`)
    expect(zip.status()).toBe(200)
    expect(zip.headers()['content-type']).toBe('application/zip')
    const { default: JSZip } = await import('jszip')
    const files = await JSZip.loadAsync(await zip.body())
    expect(Object.keys(files.files)).toEqual(
      expect.arrayContaining(['README.txt', 'data.json', 'data.xlsx', 'csv/subject.csv']),
    )
    expect(await files.file('csv/subject.csv')?.async('string')).toContain(`email;${person};true`)
    const res = await fetch(`${base}${href}`)
    expect(res.status).toBe(401)
    await portal.close()
  }, 180_000)

  it('a rectification answered in the UI: corrected, the recipient without webhook gets a letter task, marked sent', async () => {
    const subjectId = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Rudi', lastName: 'Fehler', email: 'rudi.rect@example.test' },
      })
    ).id
    const recipient = await dpo.ok<{ id: string }>('POST', '/recipients', {
      name: 'Briefpartner GmbH',
      role: 'controller',
      country: 'DE',
      mechanism: 'eea',
      purposes: ['contact_management'],
      fieldCategories: ['identity', 'contact'],
    })
    const allowed = await (web as WebApp).runtime.services.disclosures.authorize({
      actor: { type: 'user', id: 'test' },
      recipientId: recipient.id,
      purpose: 'contact_management',
      where: 'body',
    })
    await (await allowed.open({ channel: 'export', fields: ['lastName'] })).add([subjectId])
    const recorded = await dpo.ok<{ id: string }>('POST', `/subjects/${subjectId}/requests`, {
      kind: 'rectification',
      channel: 'letter',
      details: 'My name is Fehlerfrei',
    })
    await dpo.ok('POST', `/requests/${recorded.id}/steps`, { step: 'verify', method: 'signature' })
    await page.goto(`${base}/contacts/${subjectId}`)
    const row = page.locator(`[data-testid="contact-request"][data-id="${recorded.id}"]`)
    await row.waitFor()
    await row.getByTestId('request-answer').click()
    const dialog = page.getByRole('dialog')
    await dialog.getByTestId('kind-answer-form').waitFor()
    await dialog.getByTestId('answer-rectify-field').click()
    await page.getByRole('option', { name: 'Last name' }).click()
    await dialog.getByTestId('answer-rectify-value').fill('Fehlerfrei')
    await dialog.getByTestId('answer-rectify-reason').fill('the last name was misspelled')
    await dialog.getByTestId('request-answer-submit').click()
    await expect.poll(() => row.getByTestId('request-status').getAttribute('data-status')).toBe('answered')
    const given = row.getByTestId('request-given-answer')
    await given.waitFor()
    expect(await given.textContent()).toContain('Briefpartner GmbH')
    const task = given.getByTestId('request-letter-task')
    await task.waitFor()
    expect(await task.getAttribute('data-status')).toBe('open')
    // The DPO's inbox lists the open letters of every request.
    await page.goto(`${base}/privacy`)
    await page.getByTestId('privacy-tab-requests').click()
    const open = page.getByTestId('open-letter-task').filter({ hasText: subjectId })
    await open.waitFor()
    expect(await open.textContent()).toContain('Art. 19 GDPR')
    await page.goto(`${base}/contacts/${subjectId}`)
    await task.waitFor()
    await task.getByTestId('request-letter-done').click()
    await expect.poll(() => task.getAttribute('data-status')).toBe('done')
    const subject = await dpo.ok<{ identifiers: { lastName: string } }>('GET', `/subjects/${subjectId}`)
    expect(subject.identifiers.lastName).toBe('Fehlerfrei')
  }, 180_000)

  it('verifies, extends and refuses a letter request on the contact page', async () => {
    const subjectId = (
      await dpo.ok<{ id: string }>('POST', '/subjects', {
        kinds: ['customer'],
        identifiers: { firstName: 'Lena', lastName: 'Brief', email: 'lena.letter@example.test' },
      })
    ).id
    const recorded = await dpo.ok<{ id: string }>('POST', `/subjects/${subjectId}/requests`, {
      kind: 'erasure',
      channel: 'letter',
    })
    await page.goto(`${base}/contacts/${subjectId}`)
    const row = page.locator(`[data-testid="contact-request"][data-id="${recorded.id}"]`)
    await row.waitFor()
    const status = () => row.getByTestId('request-status').getAttribute('data-status')
    expect(await status()).toBe('received')
    // Nothing can be answered before the identity is verified: no answer button yet.
    expect(await row.getByTestId('request-answer').count()).toBe(0)

    await row.getByTestId('request-verify').click()
    const dialog = page.getByRole('dialog')
    await dialog.getByTestId('request-verify-method').click()
    await page.getByRole('option', { name: 'signature compared' }).click()
    await dialog.getByTestId('request-verify-note').fill('signature matches the order form')
    await dialog.getByTestId('request-verify-submit').click()
    await expect.poll(status).toBe('identity_verified')
    expect(await row.getByTestId('request-state-text').first().textContent()).toContain('signature compared')

    await row.getByTestId('request-extend').click()
    await dialog.getByTestId('request-extend-reason').fill('We are checking the retention duties.')
    await dialog.getByTestId('request-extend-submit').click()
    await expect.poll(status).toBe('extended')
    expect(await row.getByTestId('request-extend').count()).toBe(0)

    await row.getByTestId('request-refuse').click()
    await dialog.getByTestId('request-refuse-ground').click()
    await page.getByRole('option', { name: 'Manifestly unfounded' }).click()
    await dialog.getByTestId('request-refuse-reason').fill('The same request was answered last week.')
    await dialog.getByTestId('request-refuse-submit').click()
    await expect.poll(status).toBe('refused')
    const [stored] = await dpo.ok<{ status: string; refusal: { ground: string } | null }[]>(
      'GET',
      `/subjects/${subjectId}/requests`,
    )
    expect(stored).toMatchObject({ status: 'refused', refusal: { ground: 'manifestly_unfounded' } })
  }, 120_000)
})
