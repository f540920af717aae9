import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/server/app.ts'
import { launchBrowser } from './browser.ts'
import { openTestRuntime, type TestRuntime } from './engines.ts'

export type LaunchedBrowser = Awaited<ReturnType<typeof launchBrowser>>

/** A real server on a random local port, and Chromium with one page open, for browser tests. */
export interface WebApp {
  runtime: TestRuntime
  app: FastifyInstance
  /** The server's base URL, e.g. `http://127.0.0.1:41234`. */
  base: string
  browser: LaunchedBrowser
  page: Page
  /** Closes the browser, the server and the runtime, in that order. */
  close(): Promise<void>
}

export interface StartWebAppOptions {
  /** The browser's locale (and so the UI language the app picks). */
  locale?: string
  /** A user to create before the server starts. */
  user?: { email: string; role: string; password: string }
}

/**
 * Opens a PGlite test runtime, builds the app, listens on 127.0.0.1:0, launches Chromium and
 * opens a page (not signed in). What was started is closed again when a later step fails.
 */
export async function startWebApp(options: StartWebAppOptions = {}): Promise<WebApp> {
  const runtime = await openTestRuntime('pglite')
  let app: FastifyInstance | undefined
  let browser: LaunchedBrowser | undefined
  try {
    if (options.user) await runtime.services.access.createUser(options.user)
    app = await buildApp(runtime)
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    browser = await launchBrowser({ locale: options.locale ?? 'en-US' })
    const page = await browser.context.newPage()
    page.setDefaultTimeout(15_000)
    const started = { app, browser }
    return {
      runtime,
      app,
      base,
      browser,
      page,
      async close() {
        await started.browser.close()
        await started.app.close()
        await runtime.dispose()
      },
    }
  } catch (err) {
    await browser?.close()
    await app?.close()
    await runtime.dispose()
    throw err
  }
}

/** Fills in and submits the login form; waits for nothing (a second factor may follow). */
export async function signInThroughUi(
  page: Page,
  base: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/login`)
  await page.getByTestId('login-email').fill(email)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}
