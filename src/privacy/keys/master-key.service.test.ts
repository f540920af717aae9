import { randomBytes } from 'node:crypto'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { ConfigError } from '../../platform/config.ts'
import { createServices, type Services } from '../../runtime.ts'
import { auditSigningKey } from './audit-signing-key.ts'
import { KeyNotLoadedError, Keyring, masterKeyId } from './keyring.ts'

describeEachEngine('master key rotation', (runtime) => {
  const next = randomBytes(32)
  const nextId = masterKeyId(next)
  let oldId: string
  let subjects: string[]
  let rotating: Services
  let signingKey: Buffer
  // blind-index and audit-signing at least; other parts of the kernel may keep more
  let secrets: number

  /** Services of another process on the same database, holding `keys`. */
  const servicesWith = (keyring: Keyring): Services =>
    createServices(runtime().database, runtime().config, runtime().masterKey, keyring)

  const emailOf = (i: number) => `person${i}@example.com`

  beforeAll(async () => {
    oldId = runtime().keyring.currentKeyId
    const rows = await runtime()
      .database.db.insertInto('subject')
      .values(Array.from({ length: 7 }, () => ({ kinds: ['customer'], source: 'manual' })))
      .returning('id')
      .execute()
    subjects = rows.map((r) => r.id)
    await runtime().services.vault.writeIdentifiers(
      subjects.map((subjectId, i) => ({
        subjectId,
        identifiers: { firstName: `Person ${i}`, email: emailOf(i) },
      })),
    )
    signingKey = (await auditSigningKey(runtime().services.secrets)).publicKey.export({
      format: 'der',
      type: 'spki',
    })
    secrets = (await runtime().database.db.selectFrom('vault_secret').select('name').execute()).length
    expect(secrets).toBeGreaterThanOrEqual(2)
    rotating = servicesWith(new Keyring({ current: runtime().masterKey, next }))
  })

  it('reports the active key and the rows under each key', async () => {
    const status = await runtime().services.masterKeys.status()
    expect(status.activeKeyId).toBe(oldId)
    expect(status.currentKeyId).toBe(oldId)
    expect(status.nextKeyId).toBeUndefined()
    expect(status.rows).toEqual([
      { table: 'subject_key', keyId: oldId, rows: 7 },
      { table: 'vault_secret', keyId: oldId, rows: secrets },
    ])
  })

  it('refuses to rotate without a next key', async () => {
    await expect(runtime().services.masterKeys.rotate()).rejects.toThrow(ConfigError)
  })

  it('stops after an interrupted batch with the work done so far committed', async () => {
    const progress: number[] = []
    await expect(
      rotating.masterKeys.rotate({
        batchSize: 3,
        onProgress: (n, total) => {
          progress.push(n)
          expect(total).toBe(7 + secrets)
        },
        afterBatch: (batch) => {
          if (batch === 1) throw new Error('power cut')
        },
      }),
    ).rejects.toThrow('power cut')
    expect(progress).toEqual([3])
    const status = await rotating.masterKeys.status()
    expect(status.activeKeyId).toBe(nextId)
    expect(status.rows).toEqual(
      expect.arrayContaining([
        { table: 'subject_key', keyId: nextId, rows: 3 },
        { table: 'subject_key', keyId: oldId, rows: 4 },
      ]),
    )
  })

  it('keeps working mid-rotation for processes holding both keys; new keys go under the next key', async () => {
    const read = await rotating.vault.readIdentifiers(subjects, ['email'])
    expect(subjects.map((id) => read.get(id)?.email)).toEqual(subjects.map((_, i) => emailOf(i)))
    const [fresh] = await runtime()
      .database.db.insertInto('subject')
      .values({ kinds: ['lead'], source: 'manual' })
      .returning('id')
      .execute()
    await rotating.vault.writeIdentifiers([
      { subjectId: fresh?.id as string, identifiers: { email: 'new@example.com' } },
    ])
    const key = await runtime()
      .database.db.selectFrom('subject_key')
      .select('master_key_id')
      .where('subject_id', '=', fresh?.id as string)
      .executeTakeFirstOrThrow()
    expect(key.master_key_id).toBe(nextId)
    subjects.push(fresh?.id as string)
  })

  it('makes a process that holds only the old key fail loudly instead of wrapping under it', async () => {
    const [fresh] = await runtime()
      .database.db.insertInto('subject')
      .values({ kinds: ['lead'], source: 'manual' })
      .returning('id')
      .execute()
    await expect(
      runtime().services.vault.writeIdentifiers([
        { subjectId: fresh?.id as string, identifiers: { firstName: 'Otto' } },
      ]),
    ).rejects.toThrow(KeyNotLoadedError)
    // and a process started mid-rotation without the next key refuses to start
    await expect(
      servicesWith(new Keyring({ current: runtime().masterKey })).masterKeys.init(),
    ).rejects.toThrow(ConfigError)
  })

  it('resumes, skipping rows already rewrapped, and leaves nothing under the old key', async () => {
    const progress: number[] = []
    const result = await rotating.masterKeys.rotate({ batchSize: 3, onProgress: (n) => progress.push(n) })
    expect(result).toEqual({ fromKeyIds: [oldId], toKeyId: nextId, subjectKeys: 4, secrets })
    expect(progress).toEqual([3, 1, secrets])
    const status = await rotating.masterKeys.status()
    expect(status.rows).toEqual([
      { table: 'subject_key', keyId: nextId, rows: 8 },
      { table: 'vault_secret', keyId: nextId, rows: secrets },
    ])
    // a second run finds nothing to do
    expect(await rotating.masterKeys.rotate()).toMatchObject({ fromKeyIds: [], subjectKeys: 0, secrets: 0 })
  })

  it('needs only the new key afterwards; secrets (blind index, signing key) are unchanged', async () => {
    const after = servicesWith(new Keyring({ current: next }))
    await after.masterKeys.init()
    await after.vault.init()
    const read = await after.vault.readIdentifiers(subjects, ['firstName', 'email'])
    expect(read.get(subjects[6] as string)).toEqual({ firstName: 'Person 6', email: emailOf(6) })
    expect(read.get(subjects[7] as string)).toEqual({ email: 'new@example.com' })
    // digests made before the rotation still match: the blind-index key is the same
    expect(await after.vault.findByBlindIndex('email', emailOf(2).toUpperCase())).toEqual([subjects[2]])
    const publicKey = (await auditSigningKey(after.secrets)).publicKey.export({ format: 'der', type: 'spki' })
    expect(publicKey.equals(signingKey)).toBe(true)
  })

  it('refuses to start with the retired key alone, naming both key ids', async () => {
    const error = await servicesWith(new Keyring({ current: randomBytes(32) }))
      .masterKeys.init()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(nextId)
    await expect(
      servicesWith(new Keyring({ current: runtime().masterKey }, {})).masterKeys.init(),
    ).rejects.toThrow(ConfigError)
  })
})
