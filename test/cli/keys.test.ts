import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig, prepareNextKeyFile } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { masterKeyId } from '../../src/privacy/keys/keyring.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { type CliResult, runTresor, tempDir } from '../support/cli.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

/** Runs the CLI with a clean environment: only what the test passes decides database and keys. */
function tresor(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runTresor(args, { env, cleanEnv: true })
}

/** Opens the installation in this process (as the CLI would), with the master keys in `env`. */
async function withInstallation<T>(
  env: Record<string, string>,
  fn: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const saved = { key: process.env.TRESOR_MASTER_KEY, next: process.env.TRESOR_MASTER_KEY_NEXT }
  // openRuntime reads the master keys from process.env; this test file runs in its own process
  delete process.env.TRESOR_MASTER_KEY
  delete process.env.TRESOR_MASTER_KEY_NEXT
  if (env.TRESOR_MASTER_KEY) process.env.TRESOR_MASTER_KEY = env.TRESOR_MASTER_KEY
  if (env.TRESOR_MASTER_KEY_NEXT) process.env.TRESOR_MASTER_KEY_NEXT = env.TRESOR_MASTER_KEY_NEXT
  try {
    const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
    try {
      return await fn(runtime)
    } finally {
      await runtime.close()
    }
  } finally {
    if (saved.key === undefined) delete process.env.TRESOR_MASTER_KEY
    else process.env.TRESOR_MASTER_KEY = saved.key
    if (saved.next === undefined) delete process.env.TRESOR_MASTER_KEY_NEXT
    else process.env.TRESOR_MASTER_KEY_NEXT = saved.next
  }
}

async function addPeople(runtime: Runtime, n: number): Promise<string[]> {
  const rows = await runtime.database.db
    .insertInto('subject')
    .values(Array.from({ length: n }, () => ({ kinds: ['customer'], source: 'manual' })))
    .returning('id')
    .execute()
  const ids = rows.map((r) => r.id)
  await runtime.services.vault.writeIdentifiers(
    ids.map((subjectId, i) => ({
      subjectId,
      identifiers: { lastName: `Person ${i}`, email: `p${i}@example.com` },
    })),
  )
  return ids
}

describe('tresor keys', () => {
  it.each([[['keys']], [['keys', 'status']], [['keys', 'rotate']]])(
    '%o --help explains itself',
    async (command) => {
      const res = await tresor([...command, '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/^Usage: tresor keys/)
    },
  )

  it('rotates a key file, resuming an interrupted rotation, and retires the old key', async () => {
    const dataDir = tempDir()
    const env = { TRESOR_DATA_DIR: dataDir }
    const ids = await withInstallation(env, (runtime) => addPeople(runtime, 5))
    const oldKey = readFileSync(path.join(dataDir, 'master.key'))
    const oldId = masterKeyId(Buffer.from(oldKey.toString('utf8').trim(), 'base64'))

    // an earlier run was cut off after its first batch
    expect(prepareNextKeyFile(dataDir)).toBe(true)
    const nextKey = readFileSync(path.join(dataDir, 'master.key.next'))
    expect(statSync(path.join(dataDir, 'master.key.next')).mode & 0o777).toBe(0o600)
    const newId = masterKeyId(Buffer.from(nextKey.toString('utf8').trim(), 'base64'))
    await withInstallation(env, async (runtime) => {
      await expect(
        runtime.services.masterKeys.rotate({
          batchSize: 2,
          afterBatch: () => {
            throw new Error('interrupted')
          },
        }),
      ).rejects.toThrow('interrupted')
    })

    const midway = await tresor(['keys', 'status', '--data-dir', dataDir])
    expect(midway.code, midway.stderr).toBe(0)
    expect(midway.stdout).toContain(`active master key: ${newId}`)
    expect(midway.stdout).toContain('a rotation is unfinished')
    expect(midway.stdout).toMatch(new RegExp(`subject_key +${oldId} +3`))
    expect(midway.stdout).toMatch(new RegExp(`subject_key +${newId} +2`))

    const rotate = await tresor(['keys', 'rotate', '--batch-size', '2', '--data-dir', dataDir])
    expect(rotate.code, rotate.stderr).toBe(0)
    expect(rotate.stdout).toContain(`master key rotated: ${oldId} -> ${newId}`)
    expect(rotate.stdout).toContain('3 data keys')
    expect(rotate.stdout).toContain('destroy it')
    expect(rotate.stderr).not.toContain('wrote a new master key') // it continued with the existing file

    // master.key is the new key; the old one is retired, private, and named by its id
    expect(readFileSync(path.join(dataDir, 'master.key')).equals(nextKey)).toBe(true)
    expect(existsSync(path.join(dataDir, 'master.key.next'))).toBe(false)
    const retired = path.join(dataDir, `master.key.retired-${oldId}`)
    expect(readFileSync(retired).equals(oldKey)).toBe(true)
    expect(statSync(retired).mode & 0o777).toBe(0o600)
    expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600)

    const after = await tresor(['keys', 'status', '--data-dir', dataDir])
    expect(after.stdout).toContain(`active master key: ${newId}`)
    expect(after.stdout).not.toContain(oldId)
    expect(after.stdout).not.toContain('unfinished')

    // the retired file can go: everything opens with the new key alone
    rmSync(retired)
    await withInstallation(env, async (runtime) => {
      const read = await runtime.services.vault.readIdentifiers(ids, ['lastName'])
      expect(ids.map((id) => read.get(id)?.lastName)).toEqual(ids.map((_, i) => `Person ${i}`))
      expect(await runtime.services.vault.findByBlindIndex('email', 'P4@example.com')).toEqual([ids[4]])
    })

    // a new rotation starts with a new next key
    const again = await tresor(['keys', 'rotate', '--data-dir', dataDir])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('wrote a new master key')
    expect(again.stdout).toContain(`master key rotated: ${newId} -> `)
    // a dozen CLI processes, each opening the embedded database: ~16 s on a quiet 2-core machine,
    // over a minute when the machine is busy
  }, 180_000)

  it('rotates keys from the environment on PostgreSQL, and explains what to do next', async () => {
    const adminUrl = inject('postgresUrl')
    if (!adminUrl) throw new Error(inject('postgresError'))
    const name = `t_${randomBytes(6).toString('hex')}`
    const databaseUrl = await createDatabase(adminUrl, name)
    try {
      const dataDir = tempDir()
      const oldKey = randomBytes(32).toString('hex')
      const newKey = randomBytes(32).toString('base64')
      const env = { TRESOR_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, TRESOR_MASTER_KEY: oldKey }
      const ids = await withInstallation(env, (runtime) => addPeople(runtime, 3))

      const missing = await tresor(['keys', 'rotate'], env)
      expect(missing.code).toBe(78)
      expect(missing.stderr).toContain('TRESOR_MASTER_KEY_NEXT')

      const rotate = await tresor(['keys', 'rotate'], { ...env, TRESOR_MASTER_KEY_NEXT: newKey })
      expect(rotate.code, rotate.stderr).toBe(0)
      expect(rotate.stdout).toContain('set TRESOR_MASTER_KEY to the new key')
      expect(rotate.stdout).toContain('3 data keys')
      // no key files: the keys live in the environment
      expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false)
      expect(existsSync(path.join(dataDir, 'master.key.next'))).toBe(false)

      // with the old key alone Tresor refuses to start; with the new one everything opens
      const stale = await tresor(['keys', 'status'], env)
      expect(stale.code).toBe(78)
      expect(stale.stderr).toContain(masterKeyId(Buffer.from(newKey, 'base64')))
      await withInstallation({ ...env, TRESOR_MASTER_KEY: newKey }, async (runtime) => {
        const read = await runtime.services.vault.readIdentifiers(ids, ['lastName'])
        expect(read.get(ids[2] as string)).toEqual({ lastName: 'Person 2' })
      })
    } finally {
      await dropDatabase(adminUrl, name)
    }
  })

  it('refuses to rotate an installation that has no master key yet', async () => {
    const res = await tresor(['keys', 'rotate', '--data-dir', tempDir()])
    expect(res.code).toBe(78)
    expect(res.stderr).toContain('no master key to rotate')
  })
})
