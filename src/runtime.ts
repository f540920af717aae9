import path from 'node:path'
import { sql } from 'kysely'
import { AccessService } from './modules/access/access.service.ts'
import { UserRepository } from './modules/access/user.repository.ts'
import { SubjectRepository } from './modules/subjects/subject.repository.ts'
import { SubjectService } from './modules/subjects/subject.service.ts'
import { type Config, loadMasterKey } from './platform/config.ts'
import { type Database, openDatabase } from './platform/db/database.ts'
import { migrate } from './platform/db/migrate.ts'
import { createLogger, type Logger } from './platform/logger.ts'

/** The services every entry point (server, worker, CLI) uses, wired once. */
export interface Services {
  access: AccessService
  subjects: SubjectService
  /** Cheapest round trip to the database, for health checks. */
  ping(): Promise<void>
}

export interface Runtime {
  config: Config
  logger: Logger
  database: Database
  masterKey: Buffer
  services: Services
  close(): Promise<void>
}

export function createServices(database: Database, config: Config): Services {
  const users = new UserRepository(database.db)
  return {
    access: new AccessService(users, {
      idleMinutes: config.sessionIdleMinutes,
      absoluteHours: config.sessionAbsoluteHours,
    }),
    subjects: new SubjectService(new SubjectRepository(database.db)),
    ping: async () => {
      await sql`select 1`.execute(database.db)
    },
  }
}

/**
 * Opens the database named by the configuration (PGlite under the data dir unless DATABASE_URL
 * is set), brings the schema up to date and wires the services.
 */
export async function openRuntime(
  config: Config,
  options: { logger?: Logger; inMemory?: boolean; migrate?: boolean } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel)
  const masterKey = loadMasterKey(config)
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pgdata'),
  })
  try {
    if (options.migrate !== false) await migrate(database)
  } catch (error) {
    await database.close()
    throw error
  }
  return {
    config,
    logger,
    database,
    masterKey,
    services: createServices(database, config),
    close: () => database.close(),
  }
}
