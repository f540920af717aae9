import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
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
  describe(`tresor holds and tresor erasures [${engine}]`, () => {
    it('enters, lists and lifts a hold; finishes the held erasure; replays the ledger', async () => {
      const env = await installation(engine)
      const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      let id: string
      try {
        ;[id] = (await runtime.services.gate.collect({
          actor: { type: 'user', id: 'cli-test', role: 'admin' },
          subjects: [
            {
              kinds: ['customer'],
              source: 'manual',
              attributes: {},
              identifiers: { lastName: 'Kli', email: 'kli@example.test' },
            },
          ],
        })) as [string]
      } finally {
        await runtime.close()
      }

      const add = await tresor(
        [
          'holds',
          'add',
          id,
          '--ground',
          'legal_claims',
          '--reason',
          'Claim file 2026-0099',
          '--categories',
          'identity',
        ],
        env,
      )
      expect(add.code, add.stderr).toBe(0)
      const holdId = /Legal hold ([0-9a-f-]{36}) entered/.exec(add.stdout)?.[1] as string
      expect(holdId).toBeDefined()
      const refused = await tresor(['holds', 'add', id, '--ground', 'dispute', '--reason', 'short'], env)
      expect(refused.code).toBe(65)
      expect(refused.stderr).toContain('reason')

      const listed = await tresor(['holds', 'list', id], env)
      expect(listed.code, listed.stderr).toBe(0)
      expect(listed.stdout).toContain(`IN FORCE  ${holdId}`)
      expect(listed.stdout).toContain('keeps: firstName, lastName, birthDate')

      // Erased while held (as DELETE /subjects/{id} does), then lifted and finished from the CLI.
      const again = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      try {
        const [answer] = await again.services.gate.eraseSubjects({
          actor: { type: 'user', id: 'cli-test', role: 'dpo' },
          subjectIds: [id],
        })
        expect(answer?.outcome).toBe('held')
      } finally {
        await again.close()
      }
      expect((await tresor(['erasures', 'finish'], env)).stdout).toContain('finished: 0')
      const lift = await tresor(['holds', 'lift', id, holdId], env)
      expect(lift.code, lift.stderr).toBe(0)
      const finish = await tresor(['erasures', 'finish', '--json'], env)
      expect(finish.code, finish.stderr).toBe(0)
      expect(JSON.parse(finish.stdout)).toMatchObject({ checked: 1, finished: 1, narrowed: 0, failed: [] })

      const replay = await tresor(['erasures', 'replay'], env)
      expect(replay.code, replay.stderr).toBe(0)
      expect(replay.stdout).toContain('2 entries for 1 subjects')
      expect(replay.stdout).toContain('already as the ledger says: 1')
    }, 240_000)
  })
}
