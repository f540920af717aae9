import { type AddressInfo, createServer } from 'node:net'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Page } from 'playwright-core'
import { buildApp } from '../../src/server/app.ts'
import { launchBrowser } from './browser.ts'
import { openTestRuntime, type TestRuntime } from './engines.ts'
import { sessionCookie } from './http.ts'

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

export interface TestUser {
  email: string
  role: string
  password: string
}

export interface StartWebAppOptions {
  /** The browser's locale (and so the UI language the app picks). */
  locale?: string
  /** Users to create before the server starts. */
  users?: readonly TestUser[]
  /**
   * Settings as the environment would give them (e.g. TRESOR_SMTP_URL). TRESOR_PUBLIC_URL is the
   * server's own address unless given, so links in mails lead back to it.
   */
  env?: Readonly<Record<string, string>>
}

/** A free local port: asked of the system, then released for the server to take. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/**
 * Opens a PGlite test runtime, builds the app, listens on 127.0.0.1:0, launches Chromium and
 * opens a page (not signed in). What was started is closed again when a later step fails.
 */
export async function startWebApp(options: StartWebAppOptions = {}): Promise<WebApp> {
  const port = await freePort()
  const runtime = await openTestRuntime('pglite', {
    TRESOR_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...options.env,
  })
  let app: FastifyInstance | undefined
  let browser: LaunchedBrowser | undefined
  try {
    for (const user of options.users ?? []) await runtime.services.access.createUser(user)
    app = await buildApp(runtime)
    await app.listen({ host: '127.0.0.1', port })
    const base = `http://127.0.0.1:${port}`
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

/**
 * Signs in through the login form as `email` and waits for the app shell; whoever is signed in
 * first is signed out, and the browser forgets their cookies.
 */
export async function signInAs(page: Page, base: string, email: string, password: string): Promise<void> {
  if ((await page.getByTestId('logout').count()) > 0) {
    await page.getByTestId('logout').click()
    await page.getByTestId('login-form').waitFor()
  }
  await page.context().clearCookies()
  await signInThroughUi(page, base, email, password)
  await page.getByTestId('app-header').waitFor()
}

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** The API as one user, without the browser: for the data a test sets up and for what the server stored. */
export interface ApiSession {
  /** The `Cookie` header value of the session. */
  cookie: string
  /** A request to `/api/v1<url>` with the session; the raw response. */
  request(method: ApiMethod, url: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse>
  /** A request that must succeed (2xx, else it throws with the body); its JSON body (undefined if empty). */
  ok<T = unknown>(method: ApiMethod, url: string, payload?: Record<string, unknown>): Promise<T>
}

/** Signs `email` in through the API (injected, not over the network) and returns its session. */
export async function apiSession(app: FastifyInstance, email: string, password: string): Promise<ApiSession> {
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })
  if (login.statusCode !== 200) throw new Error(`login of ${email} failed: ${login.statusCode} ${login.body}`)
  const cookie = sessionCookie(login)
  const request = (method: ApiMethod, url: string, payload?: Record<string, unknown>) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })
  return {
    cookie,
    request,
    async ok<T>(method: ApiMethod, url: string, payload?: Record<string, unknown>) {
      const res = await request(method, url, payload)
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
      return (res.body ? res.json() : undefined) as T
    },
  }
}
