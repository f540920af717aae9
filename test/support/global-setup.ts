import type { TestProject } from 'vitest/node'
import { PostgresUnavailableError, startPostgres } from './postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the suite's PostgreSQL server, or '' when it could not be started. */
    postgresUrl: string
    /** Why PostgreSQL is unavailable; the PostgreSQL half of the suite fails with this message. */
    postgresError: string
  }
}

/**
 * Starts the suite's PostgreSQL server once. If the binaries are missing the PGlite half still
 * runs and every PostgreSQL test fails with the install instructions — never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const server = await startPostgres()
    project.provide('postgresUrl', server.url)
    project.provide('postgresError', '')
    return () => server.stop()
  } catch (error) {
    const message =
      error instanceof PostgresUnavailableError
        ? error.message
        : `the test PostgreSQL server did not start: ${(error as Error).message}`
    project.provide('postgresUrl', '')
    project.provide('postgresError', message)
    return async () => {}
  }
}
