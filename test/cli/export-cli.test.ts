import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { deferCleanup, runTresor, tempDir } from '../support/cli.ts'
import { ENGINES } from '../support/engines.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

const ACTOR = { actor: { type: 'system' as const, id: 'test', role: 'admin' } }

for (const engine of ENGINES) {
  describe(`tresor export --channel [${engine}]`, () => {
    it('exports a multi-channel purpose for the channel given, and refuses one without a channel before writing', async () => {
      const env: Record<string, string> = { TRESOR_DATA_DIR: tempDir() }
      if (engine === 'postgres') {
        const adminUrl = inject('postgresUrl')
        if (!adminUrl) throw new Error(inject('postgresError'))
        const name = `t_${randomBytes(6).toString('hex')}`
        env.DATABASE_URL = await createDatabase(adminUrl, name)
        deferCleanup(() => dropDatabase(adminUrl, name))
      }
      const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      let callable: string
      let writable: string
      try {
        ;[callable, writable] = (await runtime.services.subjects.importMany(ACTOR, [
          { kinds: ['b2b_contact'], source: 'manual', attributes: {}, identifiers: { email: 'a@cli.test' } },
          { kinds: ['b2b_contact'], source: 'manual', attributes: {}, identifiers: { email: 'b@cli.test' } },
        ])) as [string, string]
        // "Don't call me": the second may still get letters.
        await runtime.services.permissions.recordObjection([
          {
            subjectId: writable,
            scope: 'channel',
            channel: 'phone',
            action: 'raised',
            source: 'letter',
            actor: ACTOR.actor,
          },
        ])
      } finally {
        await runtime.close()
      }
      const dir = tempDir()
      const tresor = (args: string[]) => runTresor(args, { env: { DATABASE_URL: '', ...env } })
      const base = ['export', '--purpose', 'b2b_prospecting', '--fields', 'email']

      const missing = path.join(dir, 'missing.csv')
      const refused = await tresor([...base, '--out', missing])
      expect(refused.code, refused.stderr).toBe(65)
      expect(refused.stderr).toContain('--channel')
      expect(existsSync(missing)).toBe(false)

      const wrong = await tresor([...base, '--channel', 'email', '--out', path.join(dir, 'wrong.csv')])
      expect(wrong.code, wrong.stderr).toBe(65)
      expect(wrong.stderr).toContain('--channel')

      const ids = (file: string) =>
        readFileSync(file, 'utf8')
          .replace(/^\uFEFF/, '')
          .trim()
          .split('\r\n')
          .slice(1)
          .map((line) => line.split(';')[0])
          .sort()
      const post = path.join(dir, 'post.csv')
      const byPost = await tresor([...base, '--channel', 'post', '--out', post])
      expect(byPost.code, byPost.stderr).toBe(0)
      expect(ids(post)).toEqual([callable, writable].sort())
      const phone = path.join(dir, 'phone.csv')
      const byPhone = await tresor([...base, '--channel', 'phone', '--out', phone])
      expect(byPhone.code, byPhone.stderr).toBe(0)
      expect(ids(phone)).toEqual([callable])
    })
  })
}
