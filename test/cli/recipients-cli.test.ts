import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
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

for (const engine of ENGINES) {
  describe(`tresor recipients [${engine}]`, () => {
    it('adds a US recipient, refuses an export to it without DPF or SCC, passes one with SCC', async () => {
      const env = await installation(engine)
      const dir = env.TRESOR_DATA_DIR as string
      expect((await tresor(['demo', '--subjects', '20'], env)).code).toBe(0)

      const adequacy = await tresor(['recipients', 'adequacy'], env)
      expect(adequacy.stdout).toMatch(
        /^US\s+\(EU\) 2023\/1795\s+2023-07-10\s+certified\s+-\s+United States$/m,
      )

      const added = await tresor(
        [
          'recipients',
          'add',
          '--name',
          'Cloud Mail Inc.',
          '--role',
          'processor',
          '--country',
          'us',
          '--mechanism',
          'adequacy',
          '--contract-date',
          '2025-03-01',
          '--purposes',
          'contact_management',
          '--categories',
          'contact,socio_demographic',
        ],
        env,
      )
      expect(added.code, added.stderr).toBe(0)
      const recipient = JSON.parse(added.stdout) as { id: string; verdict: { lawful: boolean } }
      expect(recipient.verdict.lawful).toBe(false)
      const listed = await tresor(['recipients', 'list'], env)
      expect(listed.stdout).toMatch(
        new RegExp(
          `^${recipient.id}\\s+Cloud Mail Inc\\.\\s+processor\\s+US\\s+adequacy\\s+refused \\(missing dpfCertifiedOn\\)`,
          'm',
        ),
      )

      const out = path.join(dir, 'out.csv')
      const refused = await tresor(['export', '--out', out, '--recipient', recipient.id], env)
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toMatch(/Cloud Mail Inc\. \(US\)/)
      expect(refused.stderr).toMatch(/Data Privacy Framework/)

      const set = await tresor(
        [
          'recipients',
          'set',
          recipient.id,
          '--mechanism',
          'scc',
          '--scc-module',
          '2',
          '--scc-date',
          '2024-09-01',
        ],
        env,
      )
      expect(set.code, set.stderr).toBe(0)
      expect((JSON.parse(set.stdout) as { verdict: { lawful: boolean } }).verdict.lawful).toBe(true)
      const passed = await tresor(['export', '--out', out, '--recipient', recipient.id], env)
      expect(passed.code, passed.stderr).toBe(0)
      const header = readFileSync(out, 'utf8').split(/\r?\n/)[0] ?? ''
      expect(header).toContain('email')
      expect(header).not.toContain('firstName')
    }, 240_000) // several CLI starts; each opens the database
  })
}
