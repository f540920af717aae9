import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
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
  describe(`tresor requests list [${engine}]`, () => {
    it('lists the open requests, the one due first on top, as a table and as JSON', async () => {
      const env = await installation(engine)
      const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      let ids: string[]
      try {
        const { id } = await runtime.database.db
          .insertInto('subject')
          .values({ kinds: ['customer'], source: 'manual' })
          .returning('id')
          .executeTakeFirstOrThrow()
        const by = { actor: { type: 'user' as const, id: 'dpo-1' } }
        const later = await runtime.services.requests.record(
          { subjectId: id, kind: 'access', channel: 'email', receivedAt: new Date('2026-01-20T10:00:00Z') },
          by,
        )
        const sooner = await runtime.services.requests.record(
          { subjectId: id, kind: 'erasure', channel: 'letter', receivedAt: new Date('2026-01-10T10:00:00Z') },
          by,
        )
        ids = [sooner.id, later.id]
      } finally {
        await runtime.close()
      }

      const table = await tresor(['requests', 'list'], env)
      expect(table.code, table.stderr).toBe(0)
      const lines = table.stdout.trim().split('\n')
      expect(lines[0]).toMatch(/^DUE\s+OVERDUE\s+KIND\s+CHANNEL\s+RECEIVED\s+SUBJECT\s+REQUEST$/)
      expect(lines[1]).toMatch(/^2026-02-10T10:00:00Z\s+(yes|no)\s+erasure\s+letter\s+2026-01-10T10:00:00Z\s/)
      expect(lines[2]).toMatch(/^2026-02-20T10:00:00Z\s+(yes|no)\s+access\s+email\s+2026-01-20T10:00:00Z\s/)

      const json = await tresor(['requests', 'list', '--json', '--limit', '1'], env)
      expect(json.code, json.stderr).toBe(0)
      const items = JSON.parse(json.stdout) as { id: string; kind: string }[]
      expect(items.map((r) => r.id)).toEqual([ids[0]])

      const bad = await tresor(['requests', 'list', '--limit', 'many'], env)
      expect(bad.code).toBe(65)
      expect(bad.stderr).toContain('--limit')
    }, 120_000)
  })
}
