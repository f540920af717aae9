import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { type CliResult, deferCleanup, runTresor, tempDir } from '../support/cli.ts'
import { ENGINES } from '../support/engines.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

/** An installation: a data dir (key file, PGlite) and, on PostgreSQL, its own database. */
async function installation(engine: (typeof ENGINES)[number]): Promise<Record<string, string>> {
  const env: Record<string, string> = { TRESOR_DATA_DIR: tempDir() }
  if (engine === 'postgres') {
    const adminUrl = inject('postgresUrl')
    if (!adminUrl) throw new Error(inject('postgresError'))
    const name = `t_${randomBytes(6).toString('hex')}`
    env.DATABASE_URL = await createDatabase(adminUrl, name)
    deferCleanup(() => dropDatabase(adminUrl, name))
  }
  return env
}

const tresor = (args: string[], env: Record<string, string>): Promise<CliResult> =>
  runTresor(args, { env: { DATABASE_URL: '', ...env } })

for (const engine of ENGINES) {
  describe(`tresor breaches and tresor art30 [${engine}]`, () => {
    it('records a breach, computes the people an export named, refuses a late notification without reasons', async () => {
      const env = await installation(engine)
      const dir = env.TRESOR_DATA_DIR as string
      const from = new Date(Date.now() - 60_000).toISOString()
      expect((await tresor(['demo', '--subjects', '12', '--seed', '1'], env)).code).toBe(0)
      const exported = await tresor(['export', '--out', path.join(dir, 'all.csv')], env)
      expect(exported.code, exported.stderr).toBe(0)
      const until = new Date(Date.now() + 60_000).toISOString()

      const awareAt = new Date(Date.now() - 100 * 3_600_000).toISOString()
      const added = await tresor(
        [
          'breaches',
          'add',
          '--title',
          'Export on a lost laptop',
          '--description',
          'The CSV export of all contacts was on a laptop lost on a train.',
          '--risk',
          'high',
          '--aware-at',
          awareAt,
        ],
        env,
      )
      expect(added.stdout, added.stderr).toMatch(/^B-1 recorded \(/)
      const affected = await tresor(
        [
          'breaches',
          'affected',
          'B-1',
          '--actor-type',
          'system',
          '--actor-id',
          'tresor-cli',
          '--from',
          from,
          '--until',
          until,
        ],
        env,
      )
      expect(affected.stdout, affected.stderr).toMatch(
        /^B-1: \d+ added or updated; \d+ people, \d+ audit records/,
      )
      const people = Number(/; (\d+) people/.exec(affected.stdout)?.[1])
      expect(people).toBeGreaterThan(0)

      const list = await tresor(['breaches', 'list'], env)
      expect(list.stdout).toMatch(
        /^B-1\s+high\s+open\s+OVERDUE by 28\.\d h\s+\d+ affected\s+Export on a lost laptop$/m,
      )

      const late = await tresor(['breaches', 'notify', 'B-1'], env)
      expect(late.code).toBe(65)
      expect(late.stderr).toMatch(/delayReasons: the notification comes more than 72 hours after/)
      const notified = await tresor(
        [
          'breaches',
          'notify',
          'B-1',
          '--delay-reasons',
          'The loss was reported by the employee only after four days.',
        ],
        env,
      )
      expect(notified.code, notified.stderr).toBe(0)

      const shown = JSON.parse((await tresor(['breaches', 'show', 'B-1'], env)).stdout) as {
        status: string
        clock: { late: boolean }
        affected: { subjects: number }
      }
      expect(shown).toMatchObject({
        status: 'notified',
        clock: { late: true },
        affected: { subjects: people },
      })
      const notice = await tresor(['breaches', 'notice', 'B-1', '--lang', 'en'], env)
      expect(notice.stdout).toContain('Reasons for the delay (Art. 33(1))')
      expect(notice.stdout).toContain(`computed from the audit trail: ${people} people`)
    }, 240_000)

    it('shows, writes and adopts the Art. 30 record', async () => {
      const env = await installation(engine)
      const dir = env.TRESOR_DATA_DIR as string
      const show = await tresor(['art30', 'show', '--lang', 'en'], env)
      expect(show.code, show.stderr).toBe(0)
      expect(show.stdout).toContain('Record of processing activities')
      expect(show.stdout).toContain('Purposes (Art. 30(1)(b), (c), (f))')
      expect(show.stdout).toContain('no version adopted yet')
      const adopted = await tresor(['art30', 'adopt'], env)
      expect(adopted.stdout).toMatch(/^version 1 adopted \(sha256 [0-9a-f]{64}\)$/m)
      expect((await tresor(['art30', 'adopt'], env)).stdout).toMatch(/^unchanged since version 1/)
      const pdf = path.join(dir, 'record.pdf')
      expect((await tresor(['art30', 'pdf', '--out', pdf], env)).code).toBe(0)
      expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-')
      const xlsx = path.join(dir, 'record.xlsx')
      expect((await tresor(['record-of-processing', 'xlsx', '--lang', 'en', '--out', xlsx], env)).code).toBe(
        0,
      )
      expect(readFileSync(xlsx).subarray(0, 2).toString('latin1')).toBe('PK')
      expect((await tresor(['art30', 'versions'], env)).stdout).toMatch(/^v1\s+\d{4}-/m)
    }, 240_000)
  })
}
