import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

const execFileAsync = promisify(execFile)

/** Thrown when no PostgreSQL server binaries can be found; the PostgreSQL tests should skip or fail loudly. */
export class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError'
}

/** A throwaway PostgreSQL server owned by the current process. */
export interface TestPostgres {
  /** Superuser URL of the server's `postgres` database. */
  url: string
  /** Stops the server and deletes its files; safe to call more than once. */
  stop(): Promise<void>
}

interface Binaries {
  initdb: string
  pgCtl: string
}

/** How to run a binary: directly, or (as root) through runuser/setpriv as an unprivileged user. */
interface RunAs {
  wrap(file: string, args: string[]): [string, string[]]
  uid?: number
  gid?: number
}

const SUPERUSER = 'tresor'
const MISSING_MESSAGE =
  'PostgreSQL server binaries (initdb, pg_ctl) not found. Install them, e.g. on Debian/Ubuntu: ' +
  'sudo apt-get install -y postgresql (or put their directory on PATH). ' +
  'The PostgreSQL half of the test suite cannot run without them.'

// Servers still running when the process exits; one shared handler instead of one listener per server.
const running = new Map<string, () => void>()
let exitHandlerInstalled = false

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name)
  }
  return undefined
}

function findBinaries(): Binaries {
  const initdb = findOnPath('initdb')
  const pgCtl = findOnPath('pg_ctl')
  if (initdb && pgCtl) return { initdb, pgCtl }
  // Debian/Ubuntu keep the server binaries off PATH, one directory per major version.
  const root = '/usr/lib/postgresql'
  let versions: string[] = []
  try {
    versions = readdirSync(root)
  } catch {}
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
  for (const version of versions) {
    const bin = path.join(root, version, 'bin')
    const candidate = { initdb: path.join(bin, 'initdb'), pgCtl: path.join(bin, 'pg_ctl') }
    if (isExecutable(candidate.initdb) && isExecutable(candidate.pgCtl)) return candidate
  }
  throw new PostgresUnavailableError(MISSING_MESSAGE)
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: 'pipe' }).trim())
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: 'pipe' }).trim())
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined
  } catch {
    return undefined
  }
}

/** initdb and postgres refuse to run as root, so as root we drop to `postgres` (or `nobody`). */
function resolveRunAs(): RunAs {
  if (process.getuid?.() !== 0) return { wrap: (file, args) => [file, args] }
  const user = userIds('postgres') ? 'postgres' : 'nobody'
  const ids = userIds(user)
  if (!ids)
    throw new PostgresUnavailableError(`Running as root, but neither user 'postgres' nor 'nobody' exists.`)
  const runuser = findOnPath('runuser') ?? ['/usr/sbin/runuser', '/sbin/runuser'].find(isExecutable)
  if (runuser) return { ...ids, wrap: (file, args) => [runuser, ['-u', user, '--', file, ...args]] }
  const setpriv = findOnPath('setpriv') ?? ['/usr/bin/setpriv', '/bin/setpriv'].find(isExecutable)
  if (setpriv) {
    const drop = [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--init-groups']
    return { ...ids, wrap: (file, args) => [setpriv, [...drop, '--', file, ...args]] }
  }
  throw new PostgresUnavailableError(
    'Running as root, but neither runuser nor setpriv is available to drop privileges.',
  )
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('could not allocate a free port'))))
    })
  })
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-4000)
  } catch {
    return ''
  }
}

function describeFailure(error: unknown): string {
  const e = error as { stderr?: string; stdout?: string; message?: string }
  return [e.message, e.stdout, e.stderr].filter(Boolean).join('\n')
}

/**
 * Starts a fresh, disposable PostgreSQL server on a random localhost port, tuned for speed over
 * durability. `sharedBuffers` (default 128MB, enough for the tests) is what the bench raises to
 * what a server for a million subjects would be given.
 */
export async function startPostgres(
  options: {
    sharedBuffers?: string
    /**
     * Superuser URL of a running server: start a hot standby of it instead (a base backup with
     * streaming replication, `pg_basebackup -R`), read-only, following the primary's WAL.
     */
    standbyOf?: string
  } = {},
): Promise<TestPostgres> {
  const sharedBuffers = options.sharedBuffers ?? '128MB'
  if (!/^\d+[kMG]B$/.test(sharedBuffers)) throw new Error(`not a PostgreSQL memory size: ${sharedBuffers}`)
  const bins = findBinaries()
  const runAs = resolveRunAs()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tresor-pg-'))
  const dataDir = path.join(dir, 'data')
  const logFile = path.join(dir, 'postgres.log')
  // The unprivileged user must be able to cwd somewhere it can read, or initdb/pg_ctl warn or fail.
  const exec = (file: string, args: string[]) => {
    const [cmd, argv] = runAs.wrap(file, args)
    return execFileAsync(cmd, argv, { cwd: dir, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 })
  }

  const stopArgs = runAs.wrap(bins.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'])
  const watchdog = startWatchdog(dir, stopArgs)

  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dir, runAs.uid, runAs.gid)
    if (options.standbyOf !== undefined) {
      try {
        // Beside the server's own binaries (initdb on PATH may be a link into them): the same version.
        await exec(path.join(path.dirname(realpathSync(bins.initdb)), 'pg_basebackup'), [
          '-D',
          dataDir,
          '-d',
          options.standbyOf,
          '-R',
          '-X',
          'stream',
          '-c',
          'fast',
          '--no-sync',
        ])
      } catch (error) {
        throw new Error(`pg_basebackup failed:\n${describeFailure(error)}`)
      }
    } else {
      try {
        await exec(bins.initdb, [
          '-D',
          dataDir,
          '-A',
          'trust',
          '-U',
          SUPERUSER,
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ])
      } catch (error) {
        throw new Error(`initdb failed:\n${describeFailure(error)}`)
      }
    }

    // Another process can grab the port between probing and binding, so retry with a new one.
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        `-c shared_buffers=${sharedBuffers}`,
      ].join(' ')
      try {
        // -l keeps the server's output out of our pipes; without it execFile would wait for the server to exit.
        await exec(bins.pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', options])
        break
      } catch (error) {
        if (attempt >= 3) {
          throw new Error(
            `pg_ctl start failed:\n${describeFailure(error)}\n--- server log ---\n${readLog(logFile)}`,
          )
        }
      }
    }

    const stopSync = () => {
      watchdog()
      spawnSync(stopArgs[0], stopArgs[1], { cwd: dir, env: cleanEnv(), stdio: 'ignore' })
      rmSync(dir, { recursive: true, force: true })
    }
    running.set(dir, stopSync)
    installExitHandler()

    let stopping: Promise<void> | undefined
    return {
      url: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
      stop() {
        stopping ??= (async () => {
          watchdog()
          try {
            await exec(bins.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'])
          } finally {
            await rm(dir, { recursive: true, force: true })
            // Only now: if the process exits mid-stop, the exit handler still finishes the job.
            running.delete(dir)
          }
        })()
        return stopping
      },
    }
  } catch (error) {
    watchdog()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

const WATCHDOG_SCRIPT = `
pid=$1; dir=$2; shift 2
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$dir"
`

/**
 * 'exit' handlers never run when the process is killed, and vitest kills its workers at the end of a run, so
 * a detached shell watches this process and stops the server once it is gone. Returns a function that
 * dismisses the watchdog.
 */
function startWatchdog(dir: string, [cmd, argv]: [string, string[]]): () => void {
  // Detached into its own session so a Ctrl-C to the test run's process group doesn't take it down too.
  const child = spawn(
    'sh',
    ['-c', WATCHDOG_SCRIPT, 'tresor-pg-watchdog', String(process.pid), dir, cmd, ...argv],
    {
      detached: true,
      stdio: 'ignore',
      env: cleanEnv(),
    },
  )
  child.on('error', () => {})
  child.unref()
  let dismissed = false
  return () => {
    if (dismissed || child.pid === undefined) return
    dismissed = true
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {}
  }
}

/** Without this, PGDATA/PGPORT etc. from the developer's shell could redirect initdb or pg_ctl. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value
  env.LC_ALL = 'C'
  return env
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return
  exitHandlerInstalled = true
  // 'exit' handlers must be synchronous; a leaked server would otherwise outlive the test run.
  process.on('exit', () => {
    for (const stop of running.values()) {
      try {
        stop()
      } catch {}
    }
    running.clear()
  })
}

function checkName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid database name: ${JSON.stringify(name)}`)
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates an empty database on the server at `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  checkName(name)
  await adminQuery(adminUrl, `create database "${name}"`)
  return withDatabase(adminUrl, name)
}

/** Drops a database, disconnecting any sessions still using it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  checkName(name)
  await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`)
}
