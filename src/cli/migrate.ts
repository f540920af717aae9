import path from 'node:path'
import type { Command } from 'commander'
import { configFrom, withDataDirOption } from './shared.ts'

export function registerMigrate(program: Command): void {
  withDataDirOption(
    program.command('migrate').description('bring the database schema up to date (also done at every start)'),
  ).action(async (options: { dataDir?: string }) => {
    const config = configFrom(options)
    const [{ openDatabase }, { migrate }] = await Promise.all([
      import('../platform/db/database.ts'),
      import('../platform/db/migrate.ts'),
    ])
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pgdata'),
    })
    try {
      const applied = await migrate(database)
      if (applied.length === 0) process.stdout.write('schema is up to date\n')
      for (const m of applied)
        process.stdout.write(`applied ${String(m.version).padStart(4, '0')}_${m.name}\n`)
    } finally {
      await database.close()
    }
  })
}
