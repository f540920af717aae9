import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
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
      expect(lines[0]).toMatch(/^DUE\s+OVERDUE\s+KIND\s+STATUS\s+CHANNEL\s+RECEIVED\s+SUBJECT\s+REQUEST$/)
      expect(lines[1]).toMatch(
        /^2026-02-10T10:00:00Z\s+(yes|no)\s+erasure\s+received\s+letter\s+2026-01-10T10:00:00Z\s/,
      )
      expect(lines[2]).toMatch(
        /^2026-02-20T10:00:00Z\s+(yes|no)\s+access\s+received\s+email\s+2026-01-20T10:00:00Z\s/,
      )

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

for (const engine of ENGINES) {
  describe(`tresor requests verify|extend|answer|report [${engine}]`, () => {
    it('takes the steps of a request and writes its access report (issue #15)', async () => {
      const env = await installation(engine)
      const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      let id: string
      let late: string
      try {
        const [subject] = await runtime.services.gate.collect({
          actor: { type: 'system', id: 'test', role: 'admin' },
          purpose: 'contact_management',
          subjects: [
            {
              kinds: ['customer'],
              source: 'import:messe',
              attributes: {},
              identifiers: { firstName: 'Clara', lastName: 'Cli' },
            },
          ],
        })
        const by = { actor: { type: 'user' as const, id: 'dpo-1' } }
        id = (
          await runtime.services.requests.record(
            { subjectId: subject as string, kind: 'access', channel: 'letter' },
            by,
          )
        ).id
        late = (
          await runtime.services.requests.record(
            {
              subjectId: subject as string,
              kind: 'copy',
              channel: 'email',
              receivedAt: new Date(Date.now() - 45 * 86_400_000),
            },
            by,
          )
        ).id
      } finally {
        await runtime.close()
      }

      const early = await tresor(['requests', 'report', id], env)
      expect(early.code).not.toBe(0)
      expect(early.stderr).toContain('Art. 12(6)')
      const verified = await tresor(
        ['requests', 'verify', id, '--method', 'signature', '--note', 'signature matches the contract'],
        env,
      )
      expect(verified.code, verified.stderr).toBe(0)
      expect(verified.stdout).toMatch(/status\s+identity_verified/)
      const extended = await tresor(
        ['requests', 'extend', id, '--months', '1', '--reason', 'complex request'],
        env,
      )
      expect(extended.code, extended.stderr).toBe(0)
      expect(extended.stdout).toMatch(/status\s+extended/)
      const tooLate = await tresor(['requests', 'extend', late, '--reason', 'complex'], env)
      expect(tooLate.code).not.toBe(0)
      expect(tooLate.stderr).toContain('Art. 12(3)')

      const preview = await tresor(['requests', 'report', id, '--lang', 'en'], env)
      expect(preview.code, preview.stderr).toBe(0)
      const report = JSON.parse(preview.stdout) as {
        subject: { identifiers: Record<string, string> }
        sources: { source: string }[]
      }
      expect(report.subject.identifiers.firstName).toBe('Clara')
      expect(report.sources[0]?.source).toBe('import:messe')

      const answered = await tresor(['requests', 'answer', id, '--lang', 'en', '--json'], env)
      expect(answered.code, answered.stderr).toBe(0)
      expect(JSON.parse(answered.stdout)).toMatchObject({ status: 'answered' })
      const out = `${tempDir()}/report.pdf`
      const pdf = await tresor(['requests', 'report', id, '--format', 'pdf', '--out', out], env)
      expect(pdf.code, pdf.stderr).toBe(0)
      const { readFileSync } = await import('node:fs')
      expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-')
      const shown = await tresor(['requests', 'show', id], env)
      expect(shown.stdout).toMatch(/verified\s+\S+ signature \(signature matches the contract\)/)
    }, 180_000)
  })
}

for (const engine of ENGINES) {
  describe(`tresor requests answer per kind, letters, lift-notice [${engine}]`, () => {
    it('rectifies from --file, restricts with --restrict, records the Art. 18(3) notice (docs/adr/0021)', async () => {
      const env = await installation(engine)
      const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
      let rectify: string
      let restrict: string
      let subject: string
      try {
        ;[subject] = (await runtime.services.gate.collect({
          actor: { type: 'system', id: 'test', role: 'admin' },
          purpose: 'contact_management',
          subjects: [
            {
              kinds: ['customer'],
              source: 'manual',
              attributes: {},
              identifiers: { firstName: 'Cora', lastName: 'Falsh' },
            },
          ],
        })) as [string]
        const by = { actor: { type: 'user' as const, id: 'dpo-1' } }
        rectify = (
          await runtime.services.requests.record(
            { subjectId: subject, kind: 'rectification', channel: 'letter', details: 'typo' },
            by,
          )
        ).id
        restrict = (
          await runtime.services.requests.record(
            { subjectId: subject, kind: 'restriction', channel: 'letter' },
            by,
          )
        ).id
        for (const id of [rectify, restrict])
          await runtime.services.requestWorkflow.step(
            id,
            { step: 'verify', method: 'signature' },
            { actor: { type: 'system', id: 'test', role: 'admin' } },
          )
      } finally {
        await runtime.close()
      }
      const dir = tempDir()
      const file = `${dir}/rectify.json`
      writeFileSync(
        file,
        JSON.stringify({
          rectification: { identifiers: { lastName: 'Falsch' }, reason: 'typo in the name' },
        }),
      )
      const bad = await tresor(['requests', 'answer', rectify, '--file', file, '--restrict', 'nope'], env)
      expect(bad.code).toBe(65)
      expect(bad.stderr).toContain('--restrict')
      const rectified = await tresor(['requests', 'answer', rectify, '--file', file, '--lang', 'en'], env)
      expect(rectified.code, rectified.stderr).toBe(0)
      expect(rectified.stdout).toMatch(/status\s+answered/)
      expect(rectified.stdout).toContain('We have rectified your data as you asked (Art. 16 GDPR)')
      const letters = await tresor(['requests', 'letters', '--request', rectify], env)
      expect(letters.code, letters.stderr).toBe(0)
      expect(letters.stdout).toContain('No letter tasks.')

      const restricted = await tresor(
        ['requests', 'answer', restrict, '--restrict', 'accuracy-contested'],
        env,
      )
      expect(restricted.code, restricted.stderr).toBe(0)
      expect(restricted.stdout).toContain('Art. 18 Abs. 3 DSGVO')
      const notice = await tresor(['requests', 'lift-notice', subject, '--letter', '--lang', 'en'], env)
      expect(notice.code, notice.stderr).toBe(0)
      expect(notice.stdout).toContain('Art. 18(3) notice recorded (letter)')
      const letter = await tresor(['requests', 'letter', restrict, '--out', `${dir}/letter.pdf`], env)
      expect(letter.code, letter.stderr).toBe(0)
      expect(readFileSync(`${dir}/letter.pdf`).subarray(0, 5).toString()).toBe('%PDF-')
    }, 180_000)
  })
}
