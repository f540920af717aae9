import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../src/modules/demo/demo.service.ts'
import type { TestRuntime } from '../support/engines.ts'
import { signInAs, startWebApp, type WebApp } from '../support/web-app.ts'

const ADMIN = 'walk.admin@example.test'
const PASSWORD = 'a long walking test password'

/** Every key of a locale file, dotted ("overview.kinds.title"). */
function keysOf(tree: unknown, prefix = ''): string[] {
  if (typeof tree !== 'object' || tree === null) return [prefix]
  return Object.entries(tree).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k))
}
const EN = JSON.parse(
  readFileSync(new URL('../../web/src/locales/en.json', import.meta.url), 'utf8'),
) as object
const KEYS = new Set(keysOf(EN).map((k) => k.replace(/_(one|other|zero|two|few|many)$/, '')))
const TOP = new Set(Object.keys(EN))
/** The navigation's paths, read from its source (the web's own module resolution differs from Node's). */
const NAV_PATHS = [
  ...readFileSync(new URL('../../web/src/app/nav-items.ts', import.meta.url), 'utf8').matchAll(
    /\{ key: '\w+', to: '([^']+)'/g,
  ),
].map((m) => m[1] as string)

/**
 * What on a page looks like a translation key shown raw (i18next shows the key when a text is
 * missing), or a placeholder left unfilled. A dotted word whose first part is a top-level section
 * of the locale files ("overview.kinds.title") is a key; so is anything that is one.
 */
function rawKeys(text: string): string[] {
  const found = new Set<string>()
  for (const match of text.matchAll(/\b[a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+\b/g)) {
    const word = match[0]
    const first = word.split('.')[0] as string
    if (
      KEYS.has(word) ||
      (TOP.has(first) && word.split('.').length > 1 && !/\.(de|com|test|example|org)$/.test(word))
    )
      found.add(word)
  }
  for (const match of text.matchAll(/\{\{[^}]*\}\}/g)) found.add(match[0])
  return [...found]
}

/**
 * Issue #18: a browser walks every page of the navigation and every tab on it, in German and in
 * English, as the admin (who sees everything), with demo data, and fails on any text shown as a
 * raw translation key or an unfilled placeholder.
 */
describe('every page in Chromium, in German and English', () => {
  let web: WebApp | undefined
  let runtime: TestRuntime
  let page: Page
  let base: string
  let contact: string

  beforeAll(async () => {
    web = await startWebApp({ locale: 'de-DE', users: [{ email: ADMIN, role: 'admin', password: PASSWORD }] })
    ;({ runtime, page, base } = web)
    await generateDemoData(runtime.services, { subjects: 30, seed: 5 })
    const first = await runtime.database.db
      .selectFrom('subject')
      .select('id')
      .where('erased_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirstOrThrow()
    contact = first.id
    await signInAs(page, base, ADMIN, PASSWORD)
  }, 180_000)

  afterAll(async () => {
    await web?.close()
  })

  /** The paths to walk: the navigation's, and a contact's page and history. */
  const paths = () => [
    ...NAV_PATHS,
    `/contacts/${contact}`,
    `/contacts/${contact}/history`,
    '/settings/security',
    '/campaigns/new',
  ]

  /** Waits for the page to settle: no spinner left (or a few seconds), then reads its text. */
  const settledText = async () => {
    await page.waitForLoadState('networkidle').catch(() => undefined)
    await page
      .locator('[aria-busy="true"], .mantine-Loader-root')
      .first()
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => undefined)
    // biome-ignore lint/performance/useDomNodeTextContent: what is shown, with line breaks between blocks
    return page.locator('main, body').first().innerText()
  }

  for (const lang of ['de', 'en'] as const) {
    it(`shows no raw key or unfilled placeholder on any page or tab (${lang})`, async () => {
      await page.goto(`${base}/`)
      await page.getByTestId(`language-${lang}`).click()
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(lang)
      const problems: string[] = []
      for (const path of paths()) {
        await page.goto(`${base}${path}`)
        await page.getByTestId('app-header').waitFor()
        const seen = rawKeys(await settledText())
        if (seen.length > 0) problems.push(`${path}: ${seen.join(', ')}`)
        // Every tab of the page, one after another.
        const tabs = page.getByRole('tab')
        const count = await tabs.count()
        for (let i = 0; i < count; i++) {
          const tab = tabs.nth(i)
          if (!(await tab.isVisible()) || (await tab.isDisabled())) continue
          // biome-ignore lint/performance/useDomNodeTextContent: the tab's visible label
          const name = (await tab.innerText()).trim()
          await tab.click()
          const inTab = rawKeys(await settledText())
          if (inTab.length > 0) problems.push(`${path} [${name}]: ${inTab.join(', ')}`)
        }
      }
      expect(problems).toEqual([])
    }, 300_000)
  }

  it('recognises a raw key and a placeholder when it sees one, and walks the navigation', () => {
    expect(NAV_PATHS).toEqual(expect.arrayContaining(['/', '/contacts', '/privacy', '/settings/general']))
    expect(rawKeys('Kontakte overview.kinds.title und {{count}} mehr')).toEqual([
      'overview.kinds.title',
      '{{count}}',
    ])
    expect(rawKeys('mail an anna@example.test, Version 1.2, Europe/Berlin')).toEqual([])
  })
})
