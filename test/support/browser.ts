import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM = process.env.TRESOR_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Debian's Chromium, headless, with a fresh profile and without the background traffic that
 * fails on machines without internet. Fails with install instructions when Chromium is missing.
 */
export async function launchBrowser(options: { locale?: string } = {}): Promise<{
  context: BrowserContext
  close(): Promise<void>
}> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install it, e.g. on Debian/Ubuntu: sudo apt-get install -y chromium ` +
        '(or set TRESOR_CHROMIUM to its path). The browser tests cannot run without it.',
    )
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tresor-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: options.locale ?? 'en-US',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--lang=${options.locale ?? 'en-US'}`,
    ],
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
