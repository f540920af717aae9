import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type pg from 'pg'
import { PGliteDialect } from './pglite-dialect.ts'
import {
  type ShareOptions,
  SOCKET_FILE,
  SOCKET_PORT,
  type SocketShare,
  shareOverSocket,
} from './pglite-socket.ts'
import type { Schema } from './schema.ts'
import { timestamptzParser } from './timestamptz.ts'

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
  /**
   * Where pg-boss keeps its job tables: the embedded database itself (the worker adapts it with
   * pg-boss's `fromPglite`, so only a process that runs jobs loads pg-boss), or a connection string.
   */
  jobStore(): { pglite: PGlite } | { connectionString: string }
  close(): Promise<void>
  /**
   * Set when this process uses the embedded database of a running `tresor serve` through the
   * socket the server shares (`share`, docs/adr/0013): the server migrated it and runs its jobs.
   */
  readonly attached?: boolean
  /**
   * Embedded database in a data dir only, for `tresor serve`: lets processes of the same OS user
   * (the CLI) use this database through a Unix socket in the data dir until `close`. Called once
   * the schema is migrated and seeded; returns the socket's path.
   */
  share?(options?: ShareOptions): Promise<string>
}

/** int8 (counts, sums) as JS numbers on both engines; values above 2^53 don't occur in our data. */
const INT8_OID = 20
const parseInt8 = (value: string): number => Number(value)
const BYTEA_OID = 17
/** date as its ISO text (`2026-01-31`) on both engines: a calendar day has no time zone to shift. */
const DATE_OID = 1082
const parseDate = (value: string): string => value
/** timestamptz digit by digit on a PostgreSQL server (`timestamptz.ts`); PGlite parses its own. */
const TIMESTAMPTZ_OID = 1184
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
  /**
   * Embedded database: when a running `tresor serve` holds the data dir and shares it, use it
   * through the server's socket instead of failing with `DatabaseInUseError` (one-shot commands).
   */
  attach?: boolean
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const connectionString = options.databaseUrl
    return openPool({ connectionString, max: options.poolSize ?? 10 }, 'postgres', () => ({
      connectionString,
    }))
  }
  const dir = options.pgliteDir
  if (!dir || !options.attach) return openPglite(dir)
  try {
    return await openPglite(dir)
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error
    const attached = await attachToServer(dir, error.pid)
    if (attached) return attached
  }
  // The server may have stopped in between: one more try at the data dir itself.
  try {
    return await openPglite(dir)
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error
    throw new DatabaseInUseError(
      error.pid,
      'it does not share it: a `tresor serve` still starting (try again in a moment), or a command ' +
        'that opened it itself (wait for it to finish)',
    )
  }
}

async function openPool(
  config: pg.PoolConfig,
  engine: Engine,
  jobStore: Database['jobStore'],
  attached?: boolean,
): Promise<Database> {
  // Loaded here, not at import: a command on the embedded database needs neither (issue #18).
  const [{ default: pg }, { PreparingClient }] = await Promise.all([
    import('pg'),
    import('./prepared-client.ts'),
  ])
  const parseTimestamptz = timestamptzParser(pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text'))
  const pool = new pg.Pool({
    ...config,
    // Statements marked with `preparedAs` go as named prepared statements (ADR 0023), on a
    // PostgreSQL server only: through the embedded database's socket every client shares the
    // server's one session, where a name one process prepared is taken for every other.
    ...(engine === 'postgres' ? { Client: PreparingClient } : {}),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? parseInt8
          : oid === DATE_OID
            ? parseDate
            : oid === TIMESTAMPTZ_OID
              ? parseTimestamptz
              : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) })
  return {
    engine,
    ...(attached ? { attached } : {}),
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
    jobStore,
    async close() {
      await db.destroy() // ends the pool too
    },
  }
}

/**
 * The files beside the embedded database `dir` (`<data dir>/pgdata`): the lock with the owner's
 * pid, and while `tresor serve` shares the database, where (`<dir>.shared`: its pid and socket;
 * the socket in `<dir>.sock/`, a directory only the owner may enter).
 */
function dataDirFiles(dir: string) {
  const base = path.resolve(dir)
  return {
    lock: `${base}.lock`,
    shared: `${base}.shared`,
    socket: path.join(`${base}.sock`, SOCKET_FILE),
  }
}

interface SharedAt {
  pid: number
  socket: string
}

function readShared(dir: string): SharedAt | undefined {
  try {
    const shared = JSON.parse(readFileSync(dataDirFiles(dir).shared, 'utf8')) as Partial<SharedAt>
    return typeof shared.pid === 'number' && typeof shared.socket === 'string'
      ? { pid: shared.pid, socket: shared.socket }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The embedded database of the running server `owner` (the pid in the lock), through the socket
 * it shares: the `pg` driver, one connection (the server's PGlite is one session; docs/adr/0013).
 * Undefined if that server doesn't share it (still starting, stopping, or not `tresor serve`).
 */
async function attachToServer(dir: string, owner: number): Promise<Database | undefined> {
  const shared = readShared(dir)
  if (!shared || shared.pid !== owner) return undefined
  const database = await openPool(
    {
      host: path.dirname(shared.socket),
      port: SOCKET_PORT,
      user: 'postgres',
      database: 'postgres',
      ssl: false,
      max: 1,
    },
    'pglite',
    () => {
      throw new Error('the job worker of the embedded database runs inside `tresor serve`')
    },
    true,
  )
  try {
    await sql`select 1`.execute(database.db)
    return database
  } catch {
    await database.close().catch(() => {})
    return undefined
  }
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const release = dir ? lockDataDir(dir) : () => {}
  let pglite: PGlite
  try {
    if (dir) {
      // What a server that is gone left of its share: the lock is ours now.
      rmSync(dataDirFiles(dir).shared, { force: true })
      rmSync(dataDirFiles(dir).socket, { force: true })
      mkdirSync(dir, { recursive: true })
    }
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
  let shared: SocketShare | undefined
  const unshare = async () => {
    if (!dir || !shared) return
    rmSync(dataDirFiles(dir).shared, { force: true })
    await shared.close()
  }
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
    jobStore: () => ({ pglite }),
    ...(dir
      ? {
          async share(options?: ShareOptions) {
            if (closed) throw new Error('the database is closed')
            if (shared) return shared.path
            const files = dataDirFiles(dir)
            shared = await shareOverSocket(pglite, files.socket, options)
            // Written whole or not at all: a reader never sees half of it.
            const temporary = `${files.shared}.${process.pid}`
            writeFileSync(temporary, `${JSON.stringify({ pid: process.pid, socket: shared.path })}\n`, {
              mode: 0o600,
            })
            renameSync(temporary, files.shared)
            return shared.path
          },
        }
      : {}),
    async close() {
      if (closed) return
      closed = true
      await unshare()
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
  const lockFile = dataDirFiles(dir).lock
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
  /** The process holding the data dir (0 if unknown). */
  readonly pid: number
  constructor(pid: number, advice = 'stop it first, or run this command against PostgreSQL (DATABASE_URL)') {
    super(`the embedded database is in use by another Tresor process${pid ? ` (pid ${pid})` : ''}; ${advice}`)
    this.name = 'DatabaseInUseError'
    this.pid = pid
  }
}
