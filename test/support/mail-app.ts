import { afterAll, beforeAll, describe } from 'vitest'
import type { Engine } from '../../src/platform/db/database.ts'
import { ENGINES, openTestRuntime, type TestRuntime } from './engines.ts'
import { startSmtpServer, type TestSmtpServer } from './smtp.ts'

export interface MailRuntimeOptions {
  /** TRESOR_PUBLIC_URL: where links in mails point (a fixed https URL the test matches them by). */
  publicUrl: string
  /** TRESOR_MAIL_FROM (default `Tresor <news@example.com>`). */
  mailFrom?: string
  /** More settings as the environment would give them (e.g. TRESOR_TRUST_PROXY, rate limits). */
  env?: Readonly<Record<string, string>>
}

/**
 * `describe` once per engine with a real SMTP test server and a fresh migrated runtime whose mail
 * goes to it (TRESOR_SMTP_URL) and whose links use `publicUrl`: the services wired as
 * `src/runtime.ts` wires them. The server starts first and closes last; the getters are valid
 * inside tests and hooks.
 */
export function describeEachEngineWithMail(
  name: string,
  options: MailRuntimeOptions,
  body: (runtime: () => TestRuntime, smtp: () => TestSmtpServer, engine: Engine) => void,
): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      let smtp: TestSmtpServer | undefined
      let runtime: TestRuntime | undefined
      beforeAll(async () => {
        smtp = await startSmtpServer()
        runtime = await openTestRuntime(engine, {
          ...options.env,
          TRESOR_SMTP_URL: smtp.url,
          TRESOR_PUBLIC_URL: options.publicUrl,
          TRESOR_MAIL_FROM: options.mailFrom ?? 'Tresor <news@example.com>',
        })
      })
      afterAll(async () => {
        runtime?.services.mailer.close()
        await runtime?.dispose()
        await smtp?.close()
      })
      body(
        () => opened(runtime, 'runtime'),
        () => opened(smtp, 'SMTP server'),
        engine,
      )
    })
  }
}

function opened<T>(value: T | undefined, what: string): T {
  if (!value) throw new Error(`${what} not open (did beforeAll fail?)`)
  return value
}
