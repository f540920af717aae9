import type { Command } from 'commander'
import type { Runtime } from '../runtime.ts'
import type { Worker } from '../worker/worker.ts'
import { configFrom, parseIntOption, reportAndExit, withDataDirOption } from './shared.ts'

export const FIRST_ADMIN_EMAIL = 'admin@tresor.local'

/** The demo's first score run acts as the nightly job would. */
export const DEMO_SCORES_CONTEXT = { actor: { type: 'job' as const, id: 'demo', role: 'admin' } }

/** Fills an empty database with `count` demo subjects; leaves a database with subjects alone. */
export async function seedDemoIfEmpty(runtime: Runtime, count: number, seed: number): Promise<number> {
  if (count <= 0 || (await runtime.services.subjects.count()) > 0) return 0
  // Loaded only when needed: the generator's locale data is a noticeable part of a cold start.
  const { generateDemoData } = await import('../modules/demo/demo.service.ts')
  const { startProgress } = await import('./progress.ts')
  const progress = startProgress('demo subjects', count)
  // Subjects with their consents, objections, restrictions and records, batch by batch.
  const demo = await generateDemoData(runtime.services, {
    subjects: count,
    seed,
    onProgress: (n) => progress.tick(n),
  })
  progress.done()
  // A few data subject requests, so the DPO's inbox is not empty.
  await runtime.services.requests.seedDemo()
  // Scores for the demo customers with consent to profiling, so the contact page shows them.
  await runtime.services.scores.recompute(DEMO_SCORES_CONTEXT)
  return demo.subjects
}

/** Creates the first admin when there are no users at all; returns the credentials to show once. */
export async function ensureFirstAdmin(
  runtime: Runtime,
): Promise<{ email: string; password: string } | undefined> {
  if ((await runtime.services.access.countUsers()) > 0) return undefined
  const { generatedPassword } = await runtime.services.access.createUser({
    email: FIRST_ADMIN_EMAIL,
    role: 'admin',
    displayName: 'Administrator',
  })
  return { email: FIRST_ADMIN_EMAIL, password: generatedPassword as string }
}

export function registerServe(program: Command): void {
  withDataDirOption(
    program
      .command('serve')
      .description('run the API, the web UI and the worker in one process')
      .option('-p, --port <port>', 'HTTP port (env PORT, default 3000)', parseIntOption('--port', 0, 65535))
      .option(
        '--demo <n>',
        'on an empty database, generate N demo subjects first',
        parseIntOption('--demo', 0, 10_000_000),
      )
      .option('--seed <s>', 'seed for the demo data', parseIntOption('--seed', 0, 2 ** 31 - 1), 1)
      .option('--no-worker', 'do not run the job worker in this process'),
  ).action(
    async (options: { port?: number; dataDir?: string; demo?: number; seed: number; worker: boolean }) => {
      const config = configFrom(options)
      const [{ createLogger }, { openRuntime }] = await Promise.all([
        import('../platform/logger.ts'),
        import('../runtime.ts'),
      ])
      const logger = createLogger(config.logLevel)
      const runtime = await openRuntime(config, { logger })
      let worker: Worker | undefined
      // Loaded here, not at the top: the other commands start faster without the HTTP stack.
      const { buildApp } = await import('../server/app.ts')
      const { startWorker } = await import('../worker/worker.ts')
      const app = await buildApp(runtime)
      let stopping = false
      const stop = async (signal: string) => {
        if (stopping) return
        stopping = true
        logger.info({ signal }, 'shutting down')
        await app.close()
        await worker?.stop()
        await runtime.close()
        process.exit(0)
      }
      process.on('SIGINT', () => void stop('SIGINT'))
      process.on('SIGTERM', () => void stop('SIGTERM'))
      try {
        const seeded = await seedDemoIfEmpty(runtime, options.demo ?? 0, options.seed)
        const admin = await ensureFirstAdmin(runtime)
        if (options.worker) worker = await startWorker(runtime)
        const address = await app.listen({ port: config.port, host: config.host })
        // The CLI beside this server: migrated, seeded and listening, the embedded database is
        // shared over a Unix socket in the data dir, for this OS user only (docs/adr/0013).
        await runtime.database
          .share?.({ onWarning: (message) => logger.warn(message) })
          .catch((error: unknown) => {
            logger.warn(
              { err: error },
              'the CLI cannot use the embedded database while this server runs (its socket did not start)',
            )
          })
        const url = address.replace('127.0.0.1', 'localhost')
        const lines = [
          '',
          `Tresor is running on ${runtime.database.engine === 'pglite' ? `the embedded database (${config.dataDir})` : 'PostgreSQL'}`,
          `  Web UI:   ${url}/`,
          `  API docs: ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
          ...(seeded ? [`  Demo data: ${seeded.toLocaleString('en')} synthetic subjects generated`] : []),
          ...(admin
            ? [
                '  First admin (shown only now; keep it safe):',
                `    e-mail:   ${admin.email}`,
                `    password: ${admin.password}`,
              ]
            : ['  Sign in with your user; add one with: npx tresor user add --email E --role admin']),
          '',
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
      } catch (error) {
        await app.close().catch(() => {})
        await worker?.stop().catch(() => {})
        await runtime.close().catch(() => {})
        reportAndExit(error)
      }
    },
  )
}
