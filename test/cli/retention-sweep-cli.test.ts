import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { type CliResult, deferCleanup, runTresor, tempDir } from '../support/cli.ts'
import { ENGINES } from '../support/engines.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

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

const row = (text: string, rule: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${rule} `))
  if (!line) throw new Error(`no line for ${rule} in:\n${text}`)
  const [, version, status, , , subjects, records] = line.trim().split(/\s{2,}|\s(?=\d+\s+\d+$)/)
  return { line, version, status, subjects: Number(subjects), records: Number(records) }
}

for (const engine of ENGINES) {
  describe(`tresor retention plan | approve | run [${engine}]`, () => {
    it('shows what the demo data has due, runs nothing unapproved, runs the approved plan with progress', async () => {
      const env = await installation(engine)
      const demo = await tresor(['demo', '--subjects', '300'], env)
      expect(demo.code, demo.stderr).toBe(0)

      const refused = await tresor(['retention', 'run'], env)
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toMatch(/no approved plan/)

      const plan = await tresor(['retention', 'plan'], env)
      expect(plan.code, plan.stderr).toBe(0)
      expect(plan.stdout).toMatch(
        /^Retention plan [0-9a-f-]{36} as of .*: not approved: tresor retention approve --plan /m,
      )
      for (const rule of [
        'leads_without_interaction',
        'web_tracking_touchpoints',
        'unconfirmed_double_opt_in',
      ])
        expect(plan.stdout).toMatch(
          new RegExp(
            `^${rule}\\s+v1\\s+due\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+[1-9]\\d*\\s+[1-9]\\d*$`,
            'm',
          ),
        )
      // The demo records decisions on its applicants (milestones): the rule has a clock now.
      expect(plan.stdout).toMatch(/^rejected_applicants\s+v1\s+(due|nothing_due)\s/m)
      expect(plan.stdout).not.toMatch(/rejected_applicants: no date recorded/)
      const due = Number(
        /^web_tracking_touchpoints\s+v1\s+due\s+\S+ \S+\s+(\d+)\s+(\d+)$/m.exec(plan.stdout)?.[2],
      )
      expect(row(plan.stdout, 'web_tracking_touchpoints').line).toContain('due')

      const approved = await tresor(['retention', 'approve'], env)
      expect(approved.code, approved.stderr).toBe(0)
      expect(approved.stdout).toMatch(/: approved \(dpo\) by system tresor-cli at /)

      const run = await tresor(['retention', 'run', '--batch', '50'], env)
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/^Retention run [0-9a-f-]{36} of plan [0-9a-f-]{36}: done$/m)
      expect(run.stdout).toMatch(
        new RegExp(
          `^ {2}web_tracking_touchpoints v1: done, \\d+/\\d+ subjects, ${due} records deleted, 0 failed$`,
          'm',
        ),
      )
      expect(run.stdout).toMatch(
        /^ {2}leads_without_interaction v1: done, (\d+)\/\1 subjects, \d+ erased, \d+ erased but for what legal holds keep, 0 failed$/m,
      )
      // The progress goes to stderr, one line per tenth when not on a terminal.
      expect(run.stderr).toMatch(/^web_tracking_touchpoints: done in /m)

      const again = await tresor(['retention', 'plan'], env)
      expect(again.stdout).toMatch(/^web_tracking_touchpoints\s+v1\s+nothing_due\s/m)
      expect(again.stdout).toMatch(/^leads_without_interaction\s+v1\s+nothing_due\s/m)

      const runs = await tresor(['retention', 'runs', '--json'], env)
      expect((JSON.parse(runs.stdout) as { status: string }[])[0]?.status).toBe('done')
    }, 300_000)
  })
}
