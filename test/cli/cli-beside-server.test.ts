import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type CliResult, runTresor, TRESOR_BIN, tempDir } from '../support/cli.ts'

/**
 * Issue #18: while `tresor serve` runs on the embedded database, the CLI works through it (the
 * Unix socket the server shares, docs/adr/0013). Every step is a cold start of Node on a busy
 * machine: the timeouts are minutes, and nothing waits for a process by the clock.
 */

interface Server {
  child: ChildProcess
  url: string
  banner: string
  exited: Promise<number | null>
}

/** Starts `tresor serve` on the data dir and resolves once its banner is complete. */
async function serve(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [TRESOR_BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, TRESOR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let banner = ''
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 300_000)
    child.stdout?.on('data', (d) => {
      banner += d
      const match = /Web UI:\s+(http:\/\/\S+)\//.exec(banner)
      if (match && banner.includes('\n\n', banner.indexOf('Web UI'))) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${stderr}`))
    })
  })
  return { child, url, banner, exited }
}

/** Runs the CLI and measures its wall time, start of Node included. */
async function timed(args: string[]): Promise<CliResult & { ms: number }> {
  const start = performance.now()
  const result = await runTresor(args)
  return { ...result, ms: Math.round(performance.now() - start) }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

describe('the CLI beside `tresor serve` on the embedded database', () => {
  it('works through the running server, and on the data dir itself once the server stopped', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const server = await serve(dataDir)
    const throughServer: number[] = []
    try {
      expect(existsSync(path.join(dataDir, 'pgdata.shared'))).toBe(true)
      const email = /e-mail:\s+(\S+)/.exec(server.banner)?.[1] as string
      expect(email).toBeDefined()

      // The README's example after `npm start`.
      const token = await runTresor(['token', 'create', '--email', email, '--name', 'cli', ...d])
      expect(token.code, token.stderr).toBe(0)
      expect(token.stdout).toMatch(/^tresor_[A-Za-z0-9_-]{43}\n$/)
      const bearer = { authorization: `Bearer ${token.stdout.trim()}` }
      const subjects = await fetch(`${server.url}/api/v1/subjects`, { headers: bearer })
      expect(subjects.status).toBe(200)

      for (let run = 0; run < 3; run++) {
        const purposes = await timed(['purposes', 'list', ...d])
        expect(purposes.code, purposes.stderr).toBe(0)
        expect(purposes.stdout).toContain('contact_management')
        throughServer.push(purposes.ms)
      }

      const added = await runTresor(['user', 'add', '--email', 'sales@example.com', '--role', 'sales', ...d])
      expect(added.code, added.stderr).toBe(0)
      expect(added.stdout).toMatch(/password \(shown only now\): [A-Za-z0-9]{24}\n/)
      const duplicate = await runTresor([
        'user',
        'add',
        '--email',
        'SALES@example.com',
        '--role',
        'sales',
        ...d,
      ])
      expect(duplicate.code).toBe(65) // a refusal reaches the CLI as it does on its own database
      expect(duplicate.stderr).toContain('exists already')

      // The server keeps answering while a command works through it, and both see the same data.
      const [list, ...statuses] = await Promise.all([
        runTresor(['user', 'list', ...d]),
        ...Array.from({ length: 5 }, () =>
          fetch(`${server.url}/api/v1/subjects?limit=5`, { headers: bearer }).then((r) => r.status),
        ),
      ])
      expect(list?.code, list?.stderr).toBe(0)
      expect(list?.stdout).toBe(`${email}\tadmin\nsales@example.com\tsales\n`)
      expect(statuses).toEqual([200, 200, 200, 200, 200])

      // What needs the database to itself still refuses while the server runs.
      const migrate = await runTresor(['migrate', ...d])
      expect(migrate.code).toBe(75)
      expect(migrate.stderr).toContain('in use')
      const second = await runTresor(['serve', '--port', '0', ...d])
      expect(second.code).toBe(75)
    } finally {
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
    }
    expect(existsSync(path.join(dataDir, 'pgdata.shared'))).toBe(false)
    expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(false)

    // Stopped: the CLI opens the data dir itself again, and finds what it wrote through the server.
    const list = await runTresor(['user', 'list', ...d])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toContain('sales@example.com\tsales\n')
    const direct: number[] = []
    for (let run = 0; run < 3; run++) {
      const purposes = await timed(['purposes', 'list', ...d])
      expect(purposes.code, purposes.stderr).toBe(0)
      direct.push(purposes.ms)
    }
    // Reported, not asserted: the machine's load decides the numbers (issue #18's target: < 1.5 s).
    console.info(
      `tresor purposes list, wall time incl. Node start (median of 3): through the server's socket ` +
        `${median(throughServer)} ms [${throughServer.join(', ')}], on the data dir itself ` +
        `${median(direct)} ms [${direct.join(', ')}]`,
    )
  }, 900_000)

  it('after a server was killed, the CLI takes the data dir over from its stale lock and share', async () => {
    const dataDir = tempDir()
    const server = await serve(dataDir)
    server.child.kill('SIGKILL')
    await server.exited
    expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(true)
    expect(existsSync(path.join(dataDir, 'pgdata.shared'))).toBe(true)
    const list = await runTresor(['user', 'list', '--data-dir', dataDir])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toBe('admin@tresor.local\tadmin\n')
    expect(existsSync(path.join(dataDir, 'pgdata.shared'))).toBe(false)
    expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(false)
  }, 600_000)
})
