import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import type { Engine } from '../../src/platform/db/database.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { createDatabase, dropDatabase } from './postgres.ts'

/** Every repository and API test runs on both engines, from this one list. */
export const ENGINES: readonly Engine[] = ['pglite', 'postgres']

export interface TestRuntime extends Runtime {
  /** Removes the test database and temp dir. */
  dispose(): Promise<void>
}

/**
 * A migrated runtime on a fresh database of the given engine, with its own data dir. `env` adds
 * settings (e.g. TRESOR_SMTP_URL, TRESOR_PUBLIC_URL) as the environment would.
 */
export async function openTestRuntime(
  engine: Engine,
  env: Readonly<Record<string, string>> = {},
): Promise<TestRuntime> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-test-'))
  let databaseUrl: string | undefined
  let dbName: string | undefined
  const adminUrl = inject('postgresUrl')
  if (engine === 'postgres') {
    if (!adminUrl) throw new Error(inject('postgresError'))
    dbName = `t_${randomBytes(6).toString('hex')}`
    databaseUrl = await createDatabase(adminUrl, dbName)
  }
  const config = loadConfig({
    ...env,
    TRESOR_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  const runtime = await openRuntime(config, { logger: createLogger('silent'), inMemory: true })
  return {
    ...runtime,
    async dispose() {
      await runtime.close()
      if (dbName) await dropDatabase(adminUrl, dbName)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * `describe` once per engine with a fresh migrated runtime for the block. The getter is valid
 * inside tests and hooks.
 */
export function describeEachEngine(
  name: string,
  body: (runtime: () => TestRuntime, engine: Engine) => void,
): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      let runtime: TestRuntime | undefined
      beforeAll(async () => {
        runtime = await openTestRuntime(engine)
      })
      afterAll(async () => {
        await runtime?.dispose()
      })
      body(() => {
        if (!runtime) throw new Error('runtime not open (did beforeAll fail?)')
        return runtime
      }, engine)
    })
  }
}
