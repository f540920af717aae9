import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSession, signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const EMAIL = 'csp.admin@example.test'
const PASSWORD = 'a long csp test password'

/**
 * Issue #12 in a real browser: the staff UI and the API docs work under their Content-Security-
 * Policy (no violation reported), and a page on another port of the same host — same site, so
 * the SameSite=Strict cookie goes along — can no longer mark a task done in the signed-in user's
 * name.
 */
describe('CSP and cross-site requests in Chromium', () => {
  let web: WebApp | undefined
  let page: Page
  let base: string
  let attacker: Server | undefined
  const violations: string[] = []

  beforeAll(async () => {
    web = await startWebApp({ users: [{ email: EMAIL, role: 'admin', password: PASSWORD }] })
    ;({ page, base } = web)
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text())
    })
  }, 60_000)

  afterAll(async () => {
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()))
    await web?.close()
  })

  it('the staff UI signs in and shows the contacts without a CSP violation', async () => {
    await signInAs(page, base, EMAIL, PASSWORD)
    await page.getByTestId('nav-contacts').click()
    await page.waitForLoadState('networkidle')
    expect(violations).toEqual([])
  })

  it('the API docs render under their CSP', async () => {
    await page.goto(`${base}/docs/`)
    await expect
      .poll(async () => (await page.locator('#swagger-ui').textContent()) ?? '', { timeout: 15_000 })
      .toContain('/api/v1/auth/login')
    expect(await page.locator('#swagger-ui').textContent()).toContain('Tresor API')
    expect(violations).toEqual([])
  })

  it('a page on another port of the same host cannot mark a task done', async () => {
    if (!web) throw new Error('no web app')
    const admin = await apiSession(web.app, EMAIL, PASSWORD)
    const subject = await admin.ok<{ id: string }>('POST', '/subjects', {
      kinds: ['customer'],
      identifiers: { lastName: 'Victim' },
    })
    const task = await admin.ok<{ id: string }>('POST', `/subjects/${subject.id}/notes`, {
      kind: 'task',
      text: 'Call back',
    })
    const target = `${base}/api/v1/subjects/${subject.id}/notes/${task.id}/done`
    // The attacker's page: a no-cors POST, which needs no preflight and carries the cookie.
    const html = `<!doctype html><script>
      fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })
        .then(() => { document.title = 'sent' }, () => { document.title = 'failed' })
    </script>`
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html))
    await new Promise<void>((resolve) => attacker?.listen(0, '127.0.0.1', resolve))
    const port = (attacker.address() as AddressInfo).port
    const sent = page.waitForRequest((req) => req.url() === target)
    await page.goto(`http://127.0.0.1:${port}/`)
    // Sent with the session cookie (SameSite=Strict lets same-site requests have it) and
    // `Sec-Fetch-Site: same-site`. The browser doesn't hand the answer to the page (CORP); what
    // counts is that the server did nothing.
    await sent
    await expect.poll(() => page.title(), { timeout: 15_000 }).toMatch(/^(sent|failed)$/)
    const notes = await admin.ok<{ id: string; doneAt: string | null }[]>(
      'GET',
      `/subjects/${subject.id}/notes`,
    )
    expect(notes.find((n) => n.id === task.id)?.doneAt).toBeNull()

    // The same request from the UI's own origin goes through.
    await page.goto(`${base}/contacts`)
    const status = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', credentials: 'same-origin' })).status,
      target,
    )
    expect(status).toBe(200)
    const after = await admin.ok<{ id: string; doneAt: string | null }[]>(
      'GET',
      `/subjects/${subject.id}/notes`,
    )
    expect(after.find((n) => n.id === task.id)?.doneAt).not.toBeNull()
  })
})
