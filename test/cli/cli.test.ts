import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { runTresor, TRESOR_BIN, tempDir } from '../support/cli.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

describe('tresor CLI', () => {
  it.each([
    [[]],
    [['serve']],
    [['worker']],
    [['migrate']],
    [['demo']],
    [['user', 'add']],
    [['user', 'list']],
    [['token', 'create']],
  ])('%o --help explains itself', async (command) => {
    const res = await runTresor([...command, '--help'])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^Usage: tresor/)
  })

  it('loads only the command definitions for --help: no database, PDF, spreadsheet, zip or schema library', async () => {
    // Each command loads what it needs when it runs; a value imported from a heavy module into a
    // command file pulls that module's whole graph into every start (it once made --help load
    // 1,522 modules and take 0.8 s).
    const { loaded, packages } = await packagesLoadedBy(['--help'])
    for (const heavy of [
      'exceljs',
      'pdfkit',
      'archiver',
      'typebox',
      'kysely',
      'pg',
      'pg-boss',
      '@electric-sql/pglite',
      'fastify',
    ])
      expect(packages, `tresor --help loaded ${heavy}`).not.toContain(heavy)
    expect(loaded.length).toBeLessThan(200)
  })

  it('opens the database for a command without loading what only other work needs', async () => {
    // pdfkit, exceljs and archiver load when a document is written; pg-boss where jobs run; pg
    // for a PostgreSQL server; nodemailer with the first mail, the CSV libraries with the first
    // CSV, the phone library with the first number, the TCF library with the first TC string,
    // pino-pretty on a terminal; TypeBox with the HTTP routes' schemas.
    const { loaded, packages } = await packagesLoadedBy(['purposes', 'list', '--data-dir', tempDir()])
    expect(packages).toContain('@electric-sql/pglite')
    for (const heavy of [
      'exceljs',
      'pdfkit',
      'archiver',
      'pg-boss',
      'pg',
      'nodemailer',
      'csv-parse',
      'csv-stringify',
      '@iabtechlabtcf/core',
      'pino-pretty',
      'typebox',
      'fastify',
    ])
      expect(packages, `tresor purposes list loaded ${heavy}`).not.toContain(heavy)
    // The vault checks the configured phone region against the library's metadata alone.
    const phone = loaded.filter((url) => url.includes('/node_modules/libphonenumber-js/'))
    expect(phone.map((url) => url.slice(url.lastIndexOf('/') + 1))).toEqual(['metadata.min.json'])
  })

  it('stops with one clear line and exit code 78 on invalid configuration', async () => {
    const res = await runTresor(['migrate'], { env: { PORT: 'abc', TRESOR_DATA_DIR: tempDir() } })
    expect(res.code).toBe(78)
    expect(res.stderr.trim().split('\n')).toEqual([
      'tresor: invalid configuration: PORT: must be a whole number from 0 to 65535',
    ])
    const badOption = await runTresor(['serve', '--port', 'x', '--data-dir', tempDir()])
    expect(badOption.code).toBe(78)
    expect(badOption.stderr).toContain('--port')
  })

  it('migrates, adds users (password from stdin or generated once), creates tokens', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const first = await runTresor(['migrate', ...d])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('applied 0001_platform')
    expect((await runTresor(['migrate', ...d])).stdout).toBe('schema is up to date\n')

    const typed = await runTresor(['user', 'add', '--email', 'dpo@example.com', '--role', 'dpo', ...d], {
      input: 'a password typed on stdin\n',
    })
    expect(typed.code, typed.stderr).toBe(0)
    expect(typed.stdout).not.toContain('password')

    const generated = await runTresor([
      'user',
      'add',
      '--email',
      'sales@example.com',
      '--role',
      'sales',
      ...d,
    ])
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stdout).toMatch(/password \(shown only now\): [A-Za-z0-9]{24}\n/)

    const duplicate = await runTresor([
      'user',
      'add',
      '--email',
      'SALES@example.com',
      '--role',
      'sales',
      ...d,
    ])
    expect(duplicate.code).toBe(65)
    expect(duplicate.stderr).toContain('exists already')

    const badRole = await runTresor(['user', 'add', '--email', 'x@example.com', '--role', 'boss', ...d])
    expect(badRole.code).toBe(65)
    expect(badRole.stderr).toContain('role')

    const token = await runTresor(['token', 'create', '--email', 'dpo@example.com', '--name', 'ci', ...d])
    expect(token.code, token.stderr).toBe(0)
    expect(token.stdout).toMatch(/^tresor_[A-Za-z0-9_-]{43}\n$/)

    const unknown = await runTresor(['token', 'create', '--email', 'ghost@example.com', '--name', 'x', ...d])
    expect(unknown.code).toBe(65)

    const list = await runTresor(['user', 'list', ...d])
    expect(list.stdout).toContain('dpo@example.com\tdpo')
  }, 180_000) // a dozen CLI runs, each a cold start of Node and the embedded database

  it('generates deterministic demo data with plain progress lines when not on a terminal', async () => {
    const dataDir = tempDir()
    const res = await runTresor(['demo', '--subjects', '3000', '--seed', '7', '--data-dir', dataDir])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toBe('3000 subjects generated (seed 7)\n')
    expect(res.stderr).toMatch(/demo subjects: 3,000\/3,000 \(100%\)/)
    expect(res.stderr).toContain('demo requests: 5 data subject requests')
    expect(res.stderr).not.toContain('\u001b[') // no terminal escape codes in logs
  })
})

/** Starts `tresor serve`, waits for its banner, and returns the base URL and the banner. */
async function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = spawn(process.execPath, [TRESOR_BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, TRESOR_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let banner = ''
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000)
    child.stdout?.on('data', (d) => {
      banner += d
      const match = /Web UI:\s+(http:\/\/\S+)\//.exec(banner)
      if (match && banner.includes('\n\n', banner.indexOf('Web UI'))) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    })
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  return { child, url, banner }
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  return exited
}

async function signInAndCount(url: string, banner: string): Promise<number> {
  const email = /e-mail:\s+(\S+)/.exec(banner)?.[1]
  const password = /password:\s+(\S+)/.exec(banner)?.[1]
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  expect(login.status).toBe(200)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string
  const list = await fetch(`${url}/api/v1/subjects?limit=5`, { headers: { cookie } })
  expect(list.status).toBe(200)
  // Every demo subject: those the list's purpose may use (total) and those it may not (the demo
  // restricts a few, Art. 18).
  const page = (await list.json()) as { total: number; excluded?: number }
  return page.total + (page.excluded ?? 0)
}

describe('tresor serve', () => {
  it('on the embedded database: demo data and first admin on first start, both kept across restarts', async () => {
    const dataDir = tempDir()
    const first = await serve(['--demo', '40', '--data-dir', dataDir])
    try {
      expect(first.banner).toContain('embedded database')
      expect(first.banner).toContain('40 synthetic subjects')
      const health = await fetch(`${first.url}/healthz`)
      expect(await health.json()).toMatchObject({ status: 'ok', engine: 'pglite' })
      expect((await fetch(`${first.url}/openapi.json`)).status).toBe(200)
      expect(await signInAndCount(first.url, first.banner)).toBe(40)
      // while it runs, the CLI works through it (docs/adr/0013; test/cli/cli-beside-server.test.ts)
      const beside = await runTresor(['user', 'list', '--data-dir', dataDir])
      expect(beside.code, beside.stderr).toBe(0)
      expect(beside.stdout).toBe('admin@tresor.local\tadmin\n')
    } finally {
      expect(await stop(first.child)).toBe(0)
    }
    const second = await serve(['--demo', '40', '--data-dir', dataDir])
    try {
      expect(second.banner).not.toContain('password:')
      expect(second.banner).not.toContain('synthetic subjects')
      // a second process that needs the database to itself is refused
      const migrate = await runTresor(['migrate', '--data-dir', dataDir])
      expect(migrate.code).toBe(75)
      expect(migrate.stderr).toContain('in use')
    } finally {
      expect(await stop(second.child)).toBe(0)
    }
    const list = await runTresor(['user', 'list', '--data-dir', dataDir])
    expect(list.stdout).toBe('admin@tresor.local\tadmin\n')
  }, 600_000) // two servers and four commands, each a cold start of Node and the embedded database

  it('on PostgreSQL when DATABASE_URL is set', async () => {
    const adminUrl = inject('postgresUrl')
    if (!adminUrl) throw new Error(inject('postgresError'))
    const name = `cli_${randomBytes(4).toString('hex')}`
    const databaseUrl = await createDatabase(adminUrl, name)
    const env = { DATABASE_URL: databaseUrl }
    // The data dir holds the master key, which the database's keys are wrapped by: shared by both processes.
    const dataDir = tempDir()
    const server = await serve(['--demo', '25', '--data-dir', dataDir], env)
    try {
      expect(server.banner).toContain('PostgreSQL')
      expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ engine: 'postgres' })
      expect(await signInAndCount(server.url, server.banner)).toBe(25)
      // PostgreSQL serves several processes: the CLI works while the server runs
      const token = await runTresor(
        ['token', 'create', '--email', 'admin@tresor.local', '--name', 'x', '--data-dir', dataDir],
        { env },
      )
      expect(token.code, token.stderr).toBe(0)
      const me = await fetch(`${server.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token.stdout.trim()}` },
      })
      expect(me.status).toBe(200)
    } finally {
      expect(await stop(server.child)).toBe(0)
      await dropDatabase(adminUrl, name)
    }
  })
})

/** Runs `tresor <args>` and returns every module it loaded (a Node load hook records them). */
async function packagesLoadedBy(args: string[]): Promise<{ loaded: string[]; packages: Set<string> }> {
  const dir = tempDir()
  const hook = path.join(dir, 'record-loads.mjs')
  const record = path.join(dir, 'loaded.txt')
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const loaded = []
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })
process.on('exit', () => writeFileSync(${JSON.stringify(record)}, loaded.join('\\n')))
`,
  )
  const res = await runTresor(args, {
    cleanEnv: true,
    env: { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}` },
  })
  expect(res.code, res.stderr).toBe(0)
  const loaded = readFileSync(record, 'utf8').split('\n')
  const packages = new Set(
    loaded.flatMap((url) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
      return match?.[1] ? [match[1]] : []
    }),
  )
  return { loaded, packages }
}
