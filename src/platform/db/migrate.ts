import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import type { Database } from './database.ts'

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
/** Any constant: serialises migrators of several processes starting at once on PostgreSQL. */
const MIGRATION_LOCK = 7_305_112

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

/** Numbered `NNNN_name.sql` files; a landed migration is never edited (its checksum is checked). */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8')
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      }
    })
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MigrationError'
  }
}

/**
 * Applies the pending migrations, each in its own transaction together with its bookkeeping row,
 * so a crash leaves either the whole migration or none of it. Returns the versions applied.
 */
export async function migrate(database: Database, migrations = listMigrations()): Promise<Migration[]> {
  // Every start of every CLI command comes here: when each migration has landed unchanged, one
  // read answers, without a transaction and lock per migration (issue #18: a fast CLI).
  if (await upToDate(database, migrations)) return []
  await database.transaction(async (tx) => {
    // Looked up first: `create table if not exists` needs CREATE on the schema even when the table
    // exists, which the production role that runs Tresor (not the tables' owner) doesn't have.
    const { rows } = await tx.query<{ exists: boolean }>(
      "select to_regclass('schema_migration') is not null as exists",
    )
    if (rows[0]?.exists) return
    await tx.exec(`create table if not exists schema_migration (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`)
  })
  const applied: Migration[] = []
  for (const migration of migrations) {
    const ran = await database.transaction(async (tx) => {
      if (database.engine === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const { rows } = await tx.query<{ checksum: string }>(
        'select checksum from schema_migration where version = $1',
        [migration.version],
      )
      const existing = rows[0]
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.version}_${migration.name} was changed after it was applied; ` +
              'landed migrations are never edited, add a new one instead',
          )
        }
        return false
      }
      await tx.exec(migration.sql)
      await tx.query('insert into schema_migration (version, name, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ])
      return true
    })
    if (ran) applied.push(migration)
  }
  return applied
}

/** True when the bookkeeping table holds exactly these migrations with their checksums. */
async function upToDate(database: Database, migrations: readonly Migration[]): Promise<boolean> {
  const { rows } = await sql<{
    exists: boolean
  }>`select to_regclass('schema_migration') is not null as exists`.execute(database.db)
  if (!rows[0]?.exists) return false
  const landed = await landedMigrations(database)
  return landed.size === migrations.length && migrations.every((m) => landed.get(m.version) === m.checksum)
}

/** Version → checksum of every migration the database has applied. */
async function landedMigrations(database: Database): Promise<Map<number, string>> {
  const { rows } = await sql<{
    version: number
    checksum: string
  }>`select version, checksum from schema_migration`.execute(database.db)
  return new Map(rows.map((row) => [Number(row.version), row.checksum]))
}

/**
 * For a process that may not migrate (the CLI beside a running `tresor serve`, which migrated at
 * its start): refuses a schema that is not exactly this version's, in one read.
 */
export async function checkMigrated(database: Database, migrations = listMigrations()): Promise<void> {
  const landed = await landedMigrations(database)
  const differs =
    landed.size !== migrations.length ||
    migrations.some((migration) => landed.get(migration.version) !== migration.checksum)
  if (differs) {
    throw new MigrationError(
      'the running server has a different version of the schema than this command; ' +
        'restart `tresor serve` with this version (it migrates at start), then try again',
    )
  }
}
