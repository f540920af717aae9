import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { type Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { loadConfig } from '../../platform/config.ts'
import { aeadKey, DecryptionError } from '../../platform/crypto/aead.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { createLogger } from '../../platform/logger.ts'
import { createServices, openRuntime, type Runtime } from '../../runtime.ts'
import { KeyNotLoadedError, Keyring, masterKeyId, subjectKeyAad } from '../keys/keyring.ts'
import { decryptIdentity } from './identifier-cipher.ts'

/**
 * The canary test of crypto-shredding (Art. 17, DESIGN.md "The vault"): a subject with canary
 * identifiers is written, the database dumped before and after the erasure, and the dumps searched.
 * On PostgreSQL the dump is `pg_dump` (what a backup job runs); on PGlite, which has no pg_dump, it
 * is every row of every table as text (the same content), plus a copy of the data directory
 * files (what a file-level backup of an embedded installation holds, dead rows and WAL included).
 */

const execFileAsync = promisify(execFile)

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** pg_dump of the same installation as the test server's initdb (test/support/postgres.ts): PATH, else Debian's newest. */
function findPgDump(): string {
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .find((dir) => dir && isExecutable(path.join(dir, 'initdb')))
  if (onPath && isExecutable(path.join(onPath, 'pg_dump'))) return path.join(onPath, 'pg_dump')
  const root = '/usr/lib/postgresql'
  const versions = readdirSync(root).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
  for (const version of versions) {
    const bin = path.join(root, version, 'bin')
    if (isExecutable(path.join(bin, 'initdb')) && isExecutable(path.join(bin, 'pg_dump')))
      return path.join(bin, 'pg_dump')
  }
  throw new Error('pg_dump not found next to initdb')
}

/** Every row of every table as text: a logical dump through SQL. bytea shows as \x hex, as in pg_dump. */
async function sqlDump(db: Kysely<Schema>): Promise<string> {
  const tables = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by 1, 2`.execute(db)
  const out: string[] = []
  for (const t of tables.rows) {
    const rows = await sql<{
      row: string
    }>`select r::text as row from ${sql.table(`${t.schema}.${t.name}`)} as r`.execute(db)
    out.push(`-- ${t.schema}.${t.name}`, ...rows.rows.map((r) => r.row))
  }
  return out.join('\n')
}

async function dump(runtime: Runtime): Promise<string> {
  if (runtime.database.engine === 'pglite') return sqlDump(runtime.database.db)
  const { stdout } = await execFileAsync(findPgDump(), ['--no-owner', runtime.config.databaseUrl as string], {
    maxBuffer: 256 * 1024 * 1024,
  })
  return stdout
}

/** The bytes of every file under `dir`. */
function filesOf(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    const stat = statSync(full)
    return stat.isDirectory() ? filesOf(full) : stat.isFile() ? [readFileSync(full)] : []
  })
}

const contains = (files: readonly Buffer[], needle: Buffer) => files.some((f) => f.includes(needle))

interface Canary {
  email: string
  firstName: string
  region: string
}

const makeCanary = (): Canary => {
  const tag = randomBytes(8).toString('hex')
  return { email: `canary-${tag}@example.test`, firstName: `Canary${tag}`, region: `canary-region-${tag}` }
}

/** Every way the canary could show up in a dump: as text, upper-cased, or as the hex of a bytea. */
function canaryForms(canary: Canary): string[] {
  return [canary.email, canary.email.toUpperCase(), canary.firstName].flatMap((v) => [
    v,
    Buffer.from(v, 'utf8').toString('hex'),
  ])
}

async function addCanary(runtime: Runtime, canary: Canary): Promise<string> {
  const [row] = await runtime.database.db
    .insertInto('subject')
    .values({
      kinds: ['customer'],
      source: 'manual',
      attributes: JSON.stringify({ region: canary.region }) as unknown as Record<string, unknown>,
    })
    .returning('id')
    .execute()
  const id = row?.id as string
  await runtime.services.vault.writeIdentifiers([
    {
      subjectId: id,
      identifiers: { firstName: canary.firstName, email: canary.email, phone: '0151 23456789' },
    },
  ])
  return id
}

async function storedOf(runtime: Runtime, subjectId: string) {
  const key = await runtime.database.db
    .selectFrom('subject_key')
    .select(['wrapped_key', 'master_key_id', 'identity'])
    .where('subject_id', '=', subjectId)
    .executeTakeFirstOrThrow()
  return {
    wrapped: Buffer.from(key.wrapped_key),
    keyId: key.master_key_id,
    identity: Buffer.from(key.identity as Uint8Array),
  }
}

/** Finds a bytea value in a text dump by its hex and returns it: proof the dump holds it. */
function fromDump(dumpText: string, value: Buffer): Buffer {
  const hex = value.toString('hex')
  const at = dumpText.indexOf(hex)
  expect(at, 'value not in the dump').toBeGreaterThan(0)
  return Buffer.from(dumpText.slice(at, at + hex.length), 'hex')
}

/**
 * Rotates to a new master key in another "process" on the same database and returns a keyring
 * that holds only the new key: the retired one has been destroyed.
 */
async function rotateAndRetire(runtime: Runtime): Promise<Keyring> {
  const next = randomBytes(32)
  const rotating = createServices(
    runtime.database,
    runtime.config,
    runtime.masterKey,
    new Keyring({ current: runtime.masterKey, next }),
  )
  await rotating.masterKeys.rotate()
  return new Keyring({ current: next })
}

describeEachEngine('crypto-shredding: the canary in the dump', (runtime) => {
  it('keeps identifiers out of every dump, and after an erasure its key too; old dumps die with the retired key', async () => {
    const canary = makeCanary()
    const subjectId = await addCanary(runtime(), canary)
    const stored = await storedOf(runtime(), subjectId)

    const before = await dump(runtime())
    expect(before).toContain(subjectId) // the dump is real and holds the subject
    for (const form of canaryForms(canary)) expect(before).not.toContain(form)
    // what a dump taken before the erasure does hold: the wrapped key and the ciphertexts
    const oldWrapped = fromDump(before, stored.wrapped)
    const oldIdentity = fromDump(before, stored.identity)
    // pseudonymous attributes are in the clear by design (DESIGN.md), and go with the erasure
    expect(before).toContain(canary.region)

    await runtime().services.vault.shred([subjectId])
    const after = await dump(runtime())
    expect(after).toContain(subjectId) // the tombstone
    for (const form of canaryForms(canary)) expect(after).not.toContain(form)
    expect(after).not.toContain(stored.wrapped.toString('hex'))
    expect(after).not.toContain(stored.identity.toString('hex'))
    expect(after).not.toContain(canary.region)

    // The honest part: while the master key the old dump was taken under exists, the old dump
    // still opens — an erasure reaches backups only when that key is retired and destroyed.
    const aad = subjectKeyAad(subjectId)
    const withOldKey = new Keyring({ current: runtime().masterKey })
    const dataKey = aeadKey(withOldKey.unwrap(oldWrapped, stored.keyId, aad))
    expect(decryptIdentity(dataKey, subjectId, oldIdentity).email).toBe(canary.email)

    const newOnly = await rotateAndRetire(runtime())
    expect(() => newOnly.unwrap(oldWrapped, stored.keyId, aad)).toThrow(KeyNotLoadedError)
    expect(() => newOnly.unwrap(oldWrapped, newOnly.currentKeyId, aad)).toThrow(DecryptionError)
    // and a dump taken now holds nothing under the old key
    const rotated = await dump(runtime())
    expect(rotated).not.toContain(stored.keyId)
    expect(rotated).toContain(newOnly.currentKeyId)
  })
})

describe('crypto-shredding: a file-level copy of the embedded database [pglite]', () => {
  it('never holds identifiers; what an erasure leaves in dead rows and WAL dies with the retired key', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-shred-'))
    const config = loadConfig({ TRESOR_DATA_DIR: dataDir })
    const open = () => openRuntime(config, { logger: createLogger('silent') })
    const pgdata = path.join(dataDir, 'pgdata')
    try {
      const canary = makeCanary()
      let runtime = await open()
      const subjectId = await addCanary(runtime, canary)
      const stored = await storedOf(runtime, subjectId)
      await runtime.close()

      const before = filesOf(pgdata)
      expect(contains(before, Buffer.from(subjectId.replaceAll('-', ''), 'hex'))).toBe(true)
      for (const form of [canary.email, canary.email.toUpperCase(), canary.firstName])
        expect(contains(before, Buffer.from(form, 'utf8'))).toBe(false)
      expect(contains(before, stored.wrapped)).toBe(true)

      runtime = await open()
      await runtime.services.vault.shred([subjectId])
      await runtime.close()
      const after = filesOf(pgdata)
      for (const form of [canary.email, canary.email.toUpperCase(), canary.firstName])
        expect(contains(after, Buffer.from(form, 'utf8'))).toBe(false)
      // Deleted rows stay in their pages until vacuumed, and the WAL keeps the insert: a physical
      // copy may still hold the wrapped key after the erasure. Only the master key's retirement
      // makes such copies (and backups taken before the erasure) useless.
      // Asserted so that the day this stops being true, docs/adr/0004 gets revisited.
      expect(
        contains(after, stored.wrapped),
        'a file-level copy after the erasure still holds the wrapped key',
      ).toBe(true)

      runtime = await open()
      try {
        const newOnly = await rotateAndRetire(runtime)
        const aad = subjectKeyAad(subjectId)
        expect(stored.keyId).toBe(masterKeyId(runtime.masterKey))
        expect(() => newOnly.unwrap(stored.wrapped, stored.keyId, aad)).toThrow(KeyNotLoadedError)
        expect(() => newOnly.unwrap(stored.wrapped, newOnly.currentKeyId, aad)).toThrow(DecryptionError)
      } finally {
        await runtime.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
