import { closeSync, openSync, readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { createDatabase, dropDatabase, startPostgres } from '../../test/support/postgres.ts'
import type { Db } from '../harness.ts'
import { type Child, makeTempDir, removeTempDir, sleep, spawnNode, stopChild } from './lifecycle.ts'

/** Drives Tresor only the way a user does: through its CLI and its HTTP API, in child processes. */

const REPO = path.resolve(import.meta.dirname, '../..')
const MAIN = path.join(REPO, 'src/cli/main.ts')

export const BENCH_USER = 'bench@tresor.local'
// Only ever lives in a throwaway temp installation.
const BENCH_PASSWORD = 'bench-password-not-secret-1'

/** A fresh Tresor installation: its own data dir (key file, PGlite) and, on PostgreSQL, its own database. */
export interface Instance {
  label: string
  /** Scratch directory holding `data/` and the server logs. */
  dir: string
  /** Tresor's --data-dir. */
  dataDir: string
  /** Environment for every Tresor process of this instance. */
  env: NodeJS.ProcessEnv
  /** Deletes the data dir (and the database); safe to call more than once. */
  dispose(): Promise<void>
}

/** Where instances come from: PGlite needs nothing; PostgreSQL needs one throwaway server per bench run. */
export interface Engine {
  db: Db
  instance(label: string): Promise<Instance>
  close(): Promise<void>
}

/** shared_buffers of the bench's PostgreSQL (see bench/README.md). */
export const BENCH_SHARED_BUFFERS = '512MB'

export async function openEngine(db: Db): Promise<Engine> {
  if (db === 'pglite') {
    return { db, instance: (label) => newInstance(label, undefined, async () => {}), close: async () => {} }
  }
  // A server for a million subjects gets more than the tests' 128MB of shared buffers, as in
  // production. (2GB was tried: verify gained nothing over 512MB.)
  const server = await startPostgres({ sharedBuffers: BENCH_SHARED_BUFFERS })
  let count = 0
  return {
    db,
    async instance(label) {
      const name = `bench_${++count}_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`
      const url = await createDatabase(server.url, name)
      return newInstance(label, url, () => dropDatabase(server.url, name))
    },
    close: () => server.stop(),
  }
}

async function newInstance(
  label: string,
  databaseUrl: string | undefined,
  dropDb: () => Promise<void>,
): Promise<Instance> {
  const dir = await makeTempDir(label)
  let disposing: Promise<void> | undefined
  return {
    label,
    dir,
    dataDir: path.join(dir, 'data'),
    env: childEnv(databaseUrl),
    dispose() {
      disposing ??= (async () => {
        try {
          await dropDb()
        } finally {
          await removeTempDir(dir)
        }
      })()
      return disposing
    },
  }
}

/** The caller's environment minus every setting that could point Tresor at another database, port or key. */
function childEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TRESOR_') && !['DATABASE_URL', 'PORT', 'HOST'].includes(key)) env[key] = value
  }
  env.HOST = '127.0.0.1'
  if (databaseUrl) env.DATABASE_URL = databaseUrl
  return env
}

/** Runs one CLI command to completion; returns its stdout, throws with its stderr on failure. */
export async function runCli(
  instance: Instance,
  args: readonly string[],
  options: { input?: string; timeoutMs: number },
): Promise<string> {
  const child = spawnNode(MAIN, [...args, '--data-dir', instance.dataDir], {
    env: instance.env,
    cwd: REPO,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  const stdout: Buffer[] = []
  let stderr = ''
  child.process.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  // Only the tail matters for an error message; progress lines can be many.
  child.process.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000)
  })
  child.process.stdin?.end(options.input)
  const timer = setTimeout(() => void stopChild(child, 5_000).catch(() => {}), options.timeoutMs)
  const exit = await child.exited.finally(() => clearTimeout(timer))
  const command = `tresor ${args.join(' ')}`
  if (exit.error) throw new Error(`${command}: could not start: ${exit.error.message}`)
  if (exit.code !== 0) {
    const why = exit.signal
      ? `was killed (${exit.signal}; timeout ${options.timeoutMs} ms?)`
      : `exited ${exit.code}`
    throw new Error(`${command} ${why}:\n${stderr.trim()}`)
  }
  return Buffer.concat(stdout).toString('utf8')
}

/**
 * Migrates the instance, fills it with `subjects` demo subjects (seed 1, so every run sees the
 * same people) and adds the admin user the bench signs in as.
 */
export async function prepareInstance(instance: Instance, subjects: number): Promise<void> {
  // Demo generation is linear in the subjects; a generous bound that still ends a hung run.
  const timeoutMs = 120_000 + subjects * 2
  if (subjects > 0) {
    await runCli(instance, ['demo', '--subjects', String(subjects), '--seed', '1'], { timeoutMs })
  } else {
    await runCli(instance, ['migrate'], { timeoutMs })
  }
  await runCli(instance, ['user', 'add', '--email', BENCH_USER, '--role', 'admin'], {
    input: `${BENCH_PASSWORD}\n`,
    timeoutMs: 60_000,
  })
}

/** An API token of the bench user (PGlite: only while no server holds the data dir). */
export async function createApiToken(instance: Instance): Promise<string> {
  const out = await runCli(instance, ['token', 'create', '--email', BENCH_USER, '--name', 'bench'], {
    timeoutMs: 60_000,
  })
  const token = out.trim()
  if (!/^\S+$/.test(token)) throw new Error(`token create printed something other than a token: ${out}`)
  return token
}

export interface ServerOptions {
  /** Extra `serve` options, e.g. ['--no-worker']. */
  args?: readonly string[]
  /** Bound on spawn-to-healthy (default 120 s). */
  timeoutMs?: number
}

export interface RunningServer {
  baseUrl: string
  /** Milliseconds from spawning the process until /healthz first answered 200. */
  readyMs: number
  /** The server process (to measure its CPU), if it is running. */
  pid: number | undefined
  /** Stops it (SIGTERM, as Ctrl-C or a service manager would); returns how long shutdown took. */
  stop(): Promise<number>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))))
    })
  })
}

/** One GET to 127.0.0.1; status 0 when nothing answers yet. */
export function get(
  port: number,
  urlPath: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        headers: options.headers,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        response.on('error', () => resolve({ status: 0, body: '' }))
      },
    )
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve({ status: 0, body: '' }))
  })
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000).trim()
  } catch {
    return '(no log)'
  }
}

let servers = 0

/**
 * Spawns `tresor serve` exactly as a user starts it and polls /healthz every few milliseconds; the
 * poll interval bounds the error of `readyMs`. Output goes to a log file: a pipe nobody drains
 * would stall the server once request logs fill it, and draining it would cost the bench CPU.
 */
export async function startServer(
  instance: Instance,
  expectedEngine: Db,
  log: (message: string) => void,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const port = await freePort()
  const logFile = path.join(instance.dir, `serve-${++servers}.log`)
  const fd = openSync(logFile, 'a')
  const started = performance.now()
  let child: Child
  try {
    child = spawnNode(
      MAIN,
      ['serve', '--port', String(port), '--data-dir', instance.dataDir, ...(options.args ?? [])],
      {
        env: instance.env,
        cwd: REPO,
        stdio: ['ignore', fd, fd],
      },
    )
  } finally {
    closeSync(fd)
  }
  let stopping: Promise<number> | undefined
  const stop = () => {
    stopping ??= (async () => {
      const t0 = performance.now()
      const exit = await stopChild(child, 20_000)
      const ms = performance.now() - t0
      if (exit.killed)
        log(`server ${instance.label} ignored SIGTERM for 20 s and was killed; log: ${logFile}`)
      else if (exit.code !== 0) log(`server ${instance.label} exited ${exit.code ?? exit.signal} on SIGTERM`)
      return ms
    })()
    return stopping
  }
  try {
    for (;;) {
      const exit = child.exit()
      if (exit) {
        throw new Error(
          `tresor serve exited (${exit.error?.message ?? exit.code ?? exit.signal}) before it was healthy:\n${tail(logFile)}`,
        )
      }
      if (performance.now() - started > timeoutMs) {
        throw new Error(`tresor serve was not healthy within ${timeoutMs} ms:\n${tail(logFile)}`)
      }
      const { status, body } = await get(port, '/healthz', { timeoutMs: 2_000 })
      if (status === 200) {
        const readyMs = performance.now() - started
        const engine = (JSON.parse(body) as { engine?: unknown }).engine
        if (engine !== expectedEngine)
          throw new Error(`the server runs on ${String(engine)}, not ${expectedEngine}`)
        return { baseUrl: `http://127.0.0.1:${port}`, readyMs, pid: child.process.pid, stop }
      }
      await sleep(5)
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Port of a server started by startServer. */
export const portOf = (server: RunningServer) => Number(new URL(server.baseUrl).port)
