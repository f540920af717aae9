import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { fromPglite, type Db as IDatabase } from 'pg-boss'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Schema } from './schema.ts'

export type Engine = 'pglite' | 'postgres'

/** Raw SQL inside one transaction, for what Kysely doesn't model: migration scripts, bulk loads. */
export interface SqlTransaction {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>
}

/** The small interface both engines implement; everything above the platform codes against it. */
export interface Database {
  readonly engine: Engine
  readonly db: Kysely<Schema>
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>
  /** What pg-boss needs to keep its job tables in this database. */
  jobStore(): { db: IDatabase } | { connectionString: string }
  close(): Promise<void>
}

/** int8 (counts, sums) as JS numbers on both engines; values above 2^53 don't occur in our data. */
const INT8_OID = 20
const parseInt8 = (value: string): number => Number(value)
const BYTEA_OID = 17
/** date as its ISO text (`2026-01-31`) on both engines: a calendar day has no time zone to shift. */
const DATE_OID = 1082
const parseDate = (value: string): string => value
/** `\\x…` hex from the embedded engine, decoded natively (PGlite's own parser goes byte by byte). */
const parseBytea = (value: string): Uint8Array => {
  const bytes = Buffer.from(value.slice(2), 'hex')
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export interface OpenOptions {
  /** PostgreSQL connection string; if absent, PGlite. */
  databaseUrl?: string | undefined
  /** PGlite data directory; absent means in memory (tests). */
  pgliteDir?: string | undefined
  /** Pool size on PostgreSQL (default 10). */
  poolSize?: number
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openPglite(options.pgliteDir)
}

async function openPostgres(connectionString: string, max: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? parseInt8
          : oid === DATE_OID
            ? parseDate
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) })
  return {
    engine: 'postgres',
    db,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await fn({
          query: async <R>(text: string, params?: readonly unknown[]) =>
            (await client.query(text, params as unknown[])) as unknown as { rows: R[] },
          exec: async (script) => {
            await client.query(script)
          },
        })
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    jobStore: () => ({ connectionString }),
    async close() {
      await db.destroy() // ends the pool too
    },
  }
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const release = dir ? lockDataDir(dir) : () => {}
  let pglite: PGlite
  try {
    if (dir) mkdirSync(dir, { recursive: true })
    pglite = await PGlite.create({
      ...(dir ? { dataDir: dir } : {}),
      parsers: { [INT8_OID]: parseInt8, [BYTEA_OID]: parseBytea, [DATE_OID]: parseDate },
    })
  } catch (error) {
    release()
    throw error
  }
  const db = new Kysely<Schema>({ dialect: new PGliteDialect(pglite) })
  let closed = false
  return {
    engine: 'pglite',
    db,
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          query: <R>(text: string, params?: readonly unknown[]) => tx.query<R>(text, params as unknown[]),
          exec: async (script) => {
            await tx.exec(script)
          },
        }),
      ),
    jobStore: () => ({ db: fromPglite(pglite) }),
    async close() {
      if (closed) return
      closed = true
      await db.destroy()
      await pglite.close()
      release()
    },
  }
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A lock file with the owner's pid turns that into a clear error; a stale lock (its process
 * is gone) is taken over.
 */
function lockDataDir(dir: string): () => void {
  const parent = path.dirname(path.resolve(dir))
  mkdirSync(parent, { recursive: true })
  const lockFile = `${path.resolve(dir)}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(lockFile, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(readFileSync(lockFile, 'utf8').trim())
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseInUseError(owner)
      }
      rmSync(lockFile, { force: true })
    }
  }
  throw new DatabaseInUseError(0)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class DatabaseInUseError extends Error {
  constructor(pid: number) {
    super(
      `the embedded database is in use by another Tresor process${pid ? ` (pid ${pid})` : ''}; ` +
        'stop it first, or run this command against PostgreSQL (DATABASE_URL)',
    )
    this.name = 'DatabaseInUseError'
  }
}
