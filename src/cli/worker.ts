import type { Command } from 'commander'
import { configFrom, withDataDirOption } from './shared.ts'

export function registerWorker(program: Command): void {
  withDataDirOption(
    program.command('worker').description('run the job worker alone (production, on PostgreSQL)'),
  ).action(async (options: { dataDir?: string }) => {
    const config = configFrom(options)
    const [{ createLogger }, { openRuntime }] = await Promise.all([
      import('../platform/logger.ts'),
      import('../runtime.ts'),
    ])
    const logger = createLogger(config.logLevel)
    const runtime = await openRuntime(config, { logger })
    const { startWorker } = await import('../worker/worker.ts')
    const worker = await startWorker(runtime)
    logger.info('worker running')
    const stop = async () => {
      await worker.stop()
      await runtime.close()
      process.exit(0)
    }
    process.on('SIGINT', () => void stop())
    process.on('SIGTERM', () => void stop())
  })
}
