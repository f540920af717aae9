import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { generateAuditSigner, rawPublicKey } from '../../src/privacy/audit/audit-signer.ts'
import { asTamperer, someRecord } from '../../src/privacy/audit/audit-test-support.ts'
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

/** Runs the CLI on `env`'s installation: a DATABASE_URL of this process must not choose the engine. */
function tresor(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runTresor(args, { env: { DATABASE_URL: '', ...env } })
}

/** Opens the installation in this process (the CLI must not be running on PGlite meanwhile). */
async function withInstallation(
  env: Record<string, string>,
  fn: (runtime: Awaited<ReturnType<typeof openRuntime>>) => Promise<void>,
): Promise<void> {
  const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
  try {
    await fn(runtime)
  } finally {
    await runtime.close()
  }
}

for (const engine of ENGINES) {
  describe(`tresor audit [${engine}]`, () => {
    it('verifies, signs checkpoints, pins a key, and names the first bad record after tampering', async () => {
      const env = await installation(engine)
      await withInstallation(env, async (runtime) => {
        await runtime.services.audit.append(
          Array.from({ length: 6 }, (_, i) => someRecord({ reason: `r${i}` })),
        )
      })
      const records = Number(
        (await tresor(['audit', 'verify', '--json'], env)).stdout.match(/"to":(\d+)/)?.[1],
      )
      expect(records).toBeGreaterThanOrEqual(6) // start-up may add records of its own

      const fresh = await tresor(['audit', 'verify'], env)
      expect(fresh.code, fresh.stderr).toBe(0)
      expect(fresh.stdout).toContain(`audit trail intact: ${records} records checked`)
      expect(fresh.stdout).toContain('no signed checkpoint yet')
      expect(fresh.stdout).toContain('protected by the hash chain only')

      const signed = await tresor(['audit', 'checkpoint'], env)
      expect(signed.code, signed.stderr).toBe(0)
      expect(signed.stdout).toContain(`signed checkpoint at record ${records}`)
      const again = await tresor(['audit', 'checkpoint', '--json'], env)
      expect(JSON.parse(again.stdout)).toMatchObject({ seq: records, created: false })

      const quick = await tresor(['audit', 'verify', '--from-checkpoint', '--json'], env)
      expect(quick.code, quick.stderr).toBe(0)
      expect(JSON.parse(quick.stdout)).toMatchObject({
        ok: true,
        checked: 1,
        from: records,
        lastCheckpoint: { seq: records },
        unprotected: 0,
      })

      const publicKey = (await tresor(['audit', 'public-key'], env)).stdout.trim()
      expect(Buffer.from(publicKey, 'base64')).toHaveLength(32)
      expect((await tresor(['audit', 'verify', '--public-key', publicKey], env)).code).toBe(0)
      const stranger = rawPublicKey(generateAuditSigner().publicKey).toString('base64')
      const pinned = await tresor(['audit', 'verify', '--public-key', stranger], env)
      expect(pinned.code).toBe(2)
      expect(pinned.stderr).toContain(`at record ${records}: checkpoint-signature`)
      expect((await tresor(['audit', 'verify', '--public-key', 'nonsense'], env)).code).toBe(78)

      await withInstallation(env, async (runtime) => {
        await asTamperer(runtime.database.db, async (trx) => {
          await sql`update audit_event set reason = 'nothing happened' where seq = 3`.execute(trx)
        })
      })
      const broken = await tresor(['audit', 'verify'], env)
      expect(broken.code).toBe(2)
      expect(broken.stdout).toBe('')
      expect(broken.stderr).toContain('audit trail NOT intact at record 3: hash-mismatch')
    }, 240_000) // a dozen CLI starts; each opens the embedded database
  })
}

describe('tresor audit --help', () => {
  it.each([[['audit']], [['audit', 'verify']], [['audit', 'checkpoint']]])(
    '%o explains itself',
    async (cmd) => {
      const res = await tresor([...cmd, '--help'], {})
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^Usage: tresor audit/)
    },
  )
})
