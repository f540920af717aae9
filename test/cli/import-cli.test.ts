import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { runTresor, TRESOR_BIN, tempDir } from '../support/cli.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

const PEOPLE = 20_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('tresor import', () => {
  it('killed mid-way on PostgreSQL: interrupted at the next start, and running the file again completes it', async () => {
    const adminUrl = inject('postgresUrl')
    if (!adminUrl) throw new Error(inject('postgresError'))
    const name = `cli_${randomBytes(4).toString('hex')}`
    const databaseUrl = await createDatabase(adminUrl, name)
    const env = { DATABASE_URL: databaseUrl }
    const dataDir = tempDir()
    const file = path.join(dataDir, 'people.csv')
    const lines = ['E-Mail;Nachname']
    for (let i = 0; i < PEOPLE; i++) lines.push(`k${i}@killed.test;Person ${i}`)
    writeFileSync(file, lines.join('\r\n'))
    const args = [
      'import',
      file,
      '--kind',
      'subjects',
      '--source',
      'crm-migration',
      '--purpose',
      'contact_management',
      '--data-dir',
      dataDir,
    ]
    const probe = new pg.Client({ connectionString: databaseUrl })
    await probe.connect()
    const count = async (query: string) => {
      try {
        return Number((await probe.query<{ n: string }>(query)).rows[0]?.n ?? 0)
      } catch {
        return 0 // not migrated yet
      }
    }
    try {
      const child = spawn(process.execPath, [TRESOR_BIN, ...args], {
        env: { ...process.env, ...env, TRESOR_LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      })
      let exited = false
      const exit = new Promise((resolve) => child.on('exit', resolve))
      void exit.then(() => {
        exited = true
      })
      // killed once its first batches are stored
      while (!exited && (await count('select count(*) as n from subject')) < 1_000) await sleep(20)
      expect(exited, 'the import ended before it could be killed').toBe(false)
      child.kill('SIGKILL')
      await exit
      expect((await probe.query('select status from import_batch')).rows).toEqual([{ status: 'running' }])
      const stored = await count('select count(*) as n from subject')
      expect(stored).toBeLessThan(PEOPLE)
      // the server ends the dead process's session (and its lock) once it notices the connection gone
      while (
        (await count("select count(*) as n from pg_locks where locktype = 'advisory' and objsubid = 2")) > 0
      )
        await sleep(20)

      const config = loadConfig({ TRESOR_DATA_DIR: dataDir, DATABASE_URL: databaseUrl })
      const next = await openRuntime(config, { logger: createLogger('silent') })
      await next.close()
      expect((await probe.query('select status, error from import_batch')).rows).toEqual([
        { status: 'interrupted', error: expect.stringContaining('run the same file again') },
      ])

      const again = await runTresor([...args, '--json'], { env })
      expect(again.code, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({
        status: 'done',
        rows: PEOPLE,
        imported: PEOPLE - stored,
        skipped: stored,
        rejected: 0,
      })
      // every person of the file once
      expect(await count('select count(*) as n from subject')).toBe(PEOPLE)
      expect(await count(`select count(distinct digest) as n from blind_index where kind = 'email'`)).toBe(
        PEOPLE,
      )
    } finally {
      await probe.end()
      await dropDatabase(adminUrl, name)
    }
  }, 180_000)
})
