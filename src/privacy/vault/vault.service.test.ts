import { sign, verify } from 'node:crypto'
import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { aeadKey, DecryptionError } from '../../platform/crypto/aead.ts'
import { ProblemError } from '../../platform/problem.ts'
import { auditSigningKey } from '../keys/audit-signing-key.ts'
import { subjectKeyAad } from '../keys/keyring.ts'
import { MasterKeyRepository } from '../keys/master-key.repository.ts'
import { VaultSecretRepository } from '../keys/vault-secret.repository.ts'
import { VaultSecretService } from '../keys/vault-secret.service.ts'
import { encryptIdentifier } from './identifier-cipher.ts'
import { VaultRepository } from './vault.repository.ts'
import { VaultService } from './vault.service.ts'

describeEachEngine('vault', (runtime) => {
  let vault: VaultService
  const db = () => runtime().database.db

  async function newSubjects(
    n: number,
    attributes: Record<string, unknown> = { region: 'DE-BY' },
  ): Promise<string[]> {
    const rows = await db()
      .insertInto('subject')
      .values(
        Array.from({ length: n }, () => ({
          kinds: ['customer'],
          source: 'manual',
          attributes: JSON.stringify(attributes) as unknown as Record<string, unknown>,
        })),
      )
      .returning('id')
      .execute()
    return rows.map((r) => r.id)
  }

  const rowCount = async (table: 'subject_key' | 'subject_identifier' | 'blind_index', ids: string[]) => {
    const row = await db()
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subject_id', '=', sql<string>`any(${ids}::uuid[])`)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  const problem = async (promise: Promise<unknown>): Promise<ProblemError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ProblemError)
    return error as ProblemError
  }

  beforeAll(() => {
    vault = runtime().services.vault
  })

  it('round-trips identifiers of many subjects in one call and stores only ciphertext', async () => {
    const [a, b, c] = (await newSubjects(3)) as [string, string, string]
    await vault.writeIdentifiers([
      {
        subjectId: a,
        identifiers: {
          firstName: 'Anna',
          lastName: 'Muster',
          email: 'anna@example.com',
          phone: '0151 23456789',
        },
      },
      { subjectId: b, identifiers: { firstName: 'Bernd', notes: 'Ruft nur vormittags an. ✓' } },
    ])
    const read = await vault.readIdentifiers([a, b, c], ['firstName', 'email', 'phone', 'notes'])
    // Phone numbers are stored in E.164, as the blind index compares them.
    expect(read.get(a)).toEqual({ firstName: 'Anna', email: 'anna@example.com', phone: '+4915123456789' })
    expect(read.get(b)).toEqual({ firstName: 'Bernd', notes: 'Ruft nur vormittags an. ✓' })
    // never written: no data key, so no entry
    expect(read.has(c)).toBe(false)

    // one sealed record per subject, beside its data key (ADR 0009)
    const stored = await db()
      .selectFrom('subject_key')
      .select('identity')
      .where('subject_id', '=', a)
      .executeTakeFirstOrThrow()
    expect(stored.identity).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(stored.identity as Uint8Array).toString('utf8')).not.toMatch(/Anna|Muster|example|151/)
    expect(await rowCount('subject_identifier', [a, b])).toBe(0)
  })

  it('updates, removes fields set to null, and leaves fields not named alone', async () => {
    const [a] = (await newSubjects(1)) as [string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { firstName: 'Carla', email: 'carla@example.com', city: 'Köln' } },
    ])
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { email: 'carla.neu@example.com', city: null } },
    ])
    expect((await vault.readIdentifiers([a], ['firstName', 'email', 'city'])).get(a)).toEqual({
      firstName: 'Carla',
      email: 'carla.neu@example.com',
    })
    expect(await vault.findByBlindIndex('email', 'carla@example.com')).toEqual([])
    expect(await vault.findByBlindIndex('email', 'CARLA.NEU@example.com')).toEqual([a])
    await vault.writeIdentifiers([{ subjectId: a, identifiers: { email: null } }])
    expect(await vault.findByBlindIndex('email', 'carla.neu@example.com')).toEqual([])
    // Only the first name's word is left in the index (name search, docs/adr/0008).
    expect(await rowCount('blind_index', [a])).toBe(1)
    expect(await vault.findByName('carla', 10)).toEqual([a])
  })

  it('merges several entries of one subject in a call, the later winning', async () => {
    const [a] = (await newSubjects(1)) as [string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { firstName: 'Dora', email: 'dora@example.com' } },
      { subjectId: a, identifiers: { firstName: 'Dorothea' } },
    ])
    expect((await vault.readIdentifiers([a], ['firstName', 'email'])).get(a)).toEqual({
      firstName: 'Dorothea',
      email: 'dora@example.com',
    })
  })

  it('binds each record to its subject: moved to another subject it does not decrypt', async () => {
    const [a, b] = (await newSubjects(2)) as [string, string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { email: 'eva@example.com', notes: 'x' } },
      { subjectId: b, identifiers: { email: 'frank@example.com' } },
    ])
    const recordA = await db()
      .selectFrom('subject_key')
      .select('identity')
      .where('subject_id', '=', a)
      .executeTakeFirstOrThrow()
    // a single changed byte
    const flipped = Buffer.from(recordA.identity as Uint8Array)
    flipped[flipped.length - 1] = (flipped.at(-1) as number) ^ 1
    await db().updateTable('subject_key').set({ identity: flipped }).where('subject_id', '=', a).execute()
    await expect(vault.readIdentifiers([a], ['email'])).rejects.toThrow(DecryptionError)
    await db()
      .updateTable('subject_key')
      .set({ identity: recordA.identity })
      .where('subject_id', '=', a)
      .execute()
    expect((await vault.readIdentifiers([a], ['email'])).get(a)).toEqual({ email: 'eva@example.com' })
    // a's record copied to b, with b's own key still in place
    await db()
      .updateTable('subject_key')
      .set({ identity: recordA.identity })
      .where('subject_id', '=', b)
      .execute()
    await expect(vault.readIdentifiers([b], ['email'])).rejects.toThrow(DecryptionError)
    // a data key swapped between subjects does not unwrap either
    const keyA = await db()
      .selectFrom('subject_key')
      .select('wrapped_key')
      .where('subject_id', '=', a)
      .executeTakeFirstOrThrow()
    await db()
      .updateTable('subject_key')
      .set({ wrapped_key: keyA.wrapped_key })
      .where('subject_id', '=', b)
      .execute()
    await expect(vault.readIdentifiers([b], ['email'])).rejects.toThrow(DecryptionError)
  })

  it('keeps an unwrapped data key only for the bytes the database still holds: shredded or replaced elsewhere, it opens nothing', async () => {
    const [a, b] = (await newSubjects(2)) as [string, string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { email: 'gina@example.com' } },
      { subjectId: b, identifiers: { email: 'hans@example.com', firstName: 'Hans' } },
    ])
    // read twice: the second read finds the keys the first one unwrapped
    await vault.readIdentifiers([a, b], ['email'])
    expect((await vault.readIdentifiers([a, b], ['email'])).get(b)).toEqual({ email: 'hans@example.com' })
    // Another process (the CLI, the worker) erases and shreds; this process kept the keys.
    const elsewhere = new VaultService({
      db: db(),
      repository: new VaultRepository(db()),
      masterKeys: new MasterKeyRepository(db()),
      keyring: runtime().keyring,
      secrets: runtime().services.secrets,
      phoneRegion: 'DE',
    })
    await elsewhere.shred([a])
    expect((await vault.readIdentifiers([a], ['email'])).has(a)).toBe(false)
    // A held erasure elsewhere keeps the first name under a NEW key: read here, the old kept key
    // matches nothing, the new one opens the new record, and the e-mail is gone.
    await db()
      .transaction()
      .execute((trx) => elsewhere.shredExcept(b, ['firstName'], [], trx))
    expect((await vault.readIdentifiers([b], ['email', 'firstName'])).get(b)).toEqual({ firstName: 'Hans' })
  })

  it('converts identifier rows of before migration 0014 into the records, a field of the record winning', async () => {
    const [a, b] = (await newSubjects(2)) as [string, string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { firstName: 'Lena' } },
      { subjectId: b, identifiers: { city: 'Bonn' } },
    ])
    const dataKey = async (id: string) => {
      const k = await db()
        .selectFrom('subject_key')
        .select(['wrapped_key', 'master_key_id'])
        .where('subject_id', '=', id)
        .executeTakeFirstOrThrow()
      return aeadKey(runtime().keyring.unwrap(k.wrapped_key, k.master_key_id, subjectKeyAad(id)))
    }
    // rows as the vault wrote them before: one per field, AAD '<subject id>:<field>'
    const legacy = [
      [a, 'firstName', 'Alt'],
      [a, 'email', 'lena@example.com'],
      [b, 'phone', '0151 23456799'],
    ] as const
    const rows = []
    for (const [id, field, value] of legacy)
      rows.push({ subject_id: id, field, ciphertext: encryptIdentifier(await dataKey(id), id, field, value) })
    await db().insertInto('subject_identifier').values(rows).execute()

    expect(await vault.convertLegacyIdentifiers(1)).toBe(2)
    const read = await vault.readIdentifiers([a, b], ['firstName', 'email', 'phone', 'city'])
    expect(read.get(a)).toEqual({ firstName: 'Lena', email: 'lena@example.com' })
    expect(read.get(b)).toEqual({ city: 'Bonn', phone: '0151 23456799' })
    expect(await rowCount('subject_identifier', [a, b])).toBe(0)
    expect(await vault.convertLegacyIdentifiers()).toBe(0)
  })

  it('finds subjects by e-mail case-insensitively and by phone in any format, several if shared', async () => {
    const [a, b, c] = (await newSubjects(3)) as [string, string, string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { email: 'Gustav.Gans@Example.org', phone: '+49 151 23456780' } },
      { subjectId: b, identifiers: { email: 'gustav.gans@example.org ' } },
      { subjectId: c, identifiers: { phone: '0151 23456781' } },
    ])
    expect(await vault.findByBlindIndex('email', 'GUSTAV.GANS@EXAMPLE.ORG')).toEqual([a, b].sort())
    expect(await vault.findByBlindIndex('phone', '0151 23456780')).toEqual([a])
    expect(await vault.findByBlindIndex('phone', '+4915123456780')).toEqual([a])
    expect(await vault.findByBlindIndex('phone', '+49 151 23456781')).toEqual([c])
    expect(await vault.findByBlindIndex('email', 'nobody@example.org')).toEqual([])
    const bad = await problem(vault.findByBlindIndex('email', 'not an address'))
    expect(bad.kind).toBe('validation')
    expect(bad.errors?.[0]).toMatchObject({ in: 'query', field: 'email' })
    expect(bad.message).not.toContain('not an address')
  })

  it('normalises like the blind index does', () => {
    expect(vault.normalize('email', ' Olga@Example.COM')).toBe('olga@example.com')
    expect(vault.normalize('phone', '0151 23456789')).toBe('+4915123456789')
    expect(() => vault.normalize('phone', '0')).toThrow(/phone/)
  })

  it('lets concurrent first writes of one subject share one data key', async () => {
    const [a] = (await newSubjects(1)) as [string]
    await Promise.all([
      vault.writeIdentifiers([{ subjectId: a, identifiers: { firstName: 'Paula' } }]),
      vault.writeIdentifiers([{ subjectId: a, identifiers: { lastName: 'Parallel' } }]),
      vault.seal(a, Buffer.from('x'), 'test'),
    ])
    expect(await rowCount('subject_key', [a])).toBe(1)
    expect((await vault.readIdentifiers([a], ['firstName', 'lastName'])).get(a)).toEqual({
      firstName: 'Paula',
      lastName: 'Parallel',
    })
  })

  it('uses the data key a concurrent transaction created first (the loser of the insert race)', async () => {
    const [a] = (await newSubjects(1)) as [string]
    let inserted!: () => void
    let commit!: () => void
    const keyInserted = new Promise<void>((resolve) => {
      inserted = resolve
    })
    const mayCommit = new Promise<void>((resolve) => {
      commit = resolve
    })
    const first = db()
      .transaction()
      .execute(async (trx) => {
        await vault.writeIdentifiers([{ subjectId: a, identifiers: { firstName: 'Quentin' } }], trx)
        inserted()
        await mayCommit
      })
    await keyInserted
    // It waits for the first transaction (the subject's row lock on PostgreSQL, the one connection
    // on PGlite), then reads the key and record that one committed: both names end up in one record
    // under the first key.
    const second = vault.writeIdentifiers([{ subjectId: a, identifiers: { lastName: 'Quast' } }])
    await new Promise((resolve) => setTimeout(resolve, 200))
    commit()
    await Promise.all([first, second])
    expect(await rowCount('subject_key', [a])).toBe(1)
    expect((await vault.readIdentifiers([a], ['firstName', 'lastName'])).get(a)).toEqual({
      firstName: 'Quentin',
      lastName: 'Quast',
    })
  })

  it('validates before writing anything: bad values, unknown fields and unknown subjects', async () => {
    const [a, b] = (await newSubjects(2)) as [string, string]
    const badEmail = await problem(
      vault.writeIdentifiers([
        { subjectId: a, identifiers: { firstName: 'Hans' } },
        { subjectId: b, identifiers: { email: 'hans at example' } },
      ]),
    )
    expect(badEmail.errors?.[0]).toMatchObject({ in: 'body', field: 'identifiers.email' })
    expect(badEmail.message).not.toContain('hans')
    const badPhone = await problem(vault.writeIdentifiers([{ subjectId: a, identifiers: { phone: '12' } }]))
    expect(badPhone.errors?.[0]).toMatchObject({ field: 'identifiers.phone' })
    const unknownField = await problem(
      vault.writeIdentifiers([{ subjectId: a, identifiers: { shoeSize: '42' } as Record<string, string> }]),
    )
    expect(unknownField.errors?.[0]?.field).toBe('identifiers.shoeSize')
    const unknownSubject = await problem(
      vault.writeIdentifiers([
        { subjectId: a, identifiers: { firstName: 'Hans' } },
        { subjectId: '00000000-0000-4000-8000-000000000000', identifiers: { firstName: 'X' } },
      ]),
    )
    expect(unknownSubject.kind).toBe('not-found')
    // the call is atomic: nothing of it was written
    expect(await rowCount('subject_key', [a, b])).toBe(0)
    expect(await rowCount('subject_identifier', [a, b])).toBe(0)
  })

  it('takes part in the caller’s transaction: rolled back with it, no deadlock on PGlite', async () => {
    const [a] = (await newSubjects(1)) as [string]
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await vault.writeIdentifiers([{ subjectId: a, identifiers: { email: 'ida@example.com' } }], trx)
          expect(await vault.findByBlindIndex('email', 'ida@example.com', trx)).toEqual([a])
          expect((await vault.readIdentifiers([a], ['email'], trx)).get(a)).toEqual({
            email: 'ida@example.com',
          })
          throw new Error('roll back')
        }),
    ).rejects.toThrow('roll back')
    expect(await rowCount('subject_key', [a])).toBe(0)
    expect(await vault.findByBlindIndex('email', 'ida@example.com')).toEqual([])
  })

  it('writes large sets in chunks within one call', async () => {
    const ids = await newSubjects(2_345)
    await vault.writeIdentifiers(
      ids.map((subjectId, i) => ({
        subjectId,
        identifiers: { lastName: `Name${i}`, email: `bulk${i}@example.com` },
      })),
    )
    expect(await rowCount('subject_key', ids)).toBe(2_345)
    expect(await rowCount('subject_identifier', ids)).toBe(0)
    // The e-mail address and the last name's word of each.
    expect(await rowCount('blind_index', ids)).toBe(4_690)
    const read = await vault.readIdentifiers(ids, ['lastName'])
    expect(read.size).toBe(2_345)
    expect(read.get(ids[2_000] as string)).toEqual({ lastName: 'Name2000' })
    expect(await vault.findByBlindIndex('email', 'bulk2344@example.com')).toEqual([ids[2_344]])
  })

  it('shreds: keys, ciphertexts, index entries and attributes go, the subject stays as a tombstone', async () => {
    const [a, b] = (await newSubjects(2, { region: 'DE-HH', ageBand: '30-39' })) as [string, string]
    await vault.writeIdentifiers([
      { subjectId: a, identifiers: { firstName: 'Jana', email: 'jana@example.com', phone: '0151 23456782' } },
      { subjectId: b, identifiers: { firstName: 'Karl', email: 'karl@example.com' } },
    ])
    const sealed = await vault.seal(a, Buffer.from('old: Jana'), 'audit:rectification')
    await vault.shred([a])
    expect((await vault.readIdentifiers([a, b], ['firstName'])).has(a)).toBe(false)
    expect(await vault.findByBlindIndex('email', 'jana@example.com')).toEqual([])
    expect(await vault.findByBlindIndex('phone', '+4915123456782')).toEqual([])
    for (const table of ['subject_key', 'subject_identifier', 'blind_index'] as const)
      expect(await rowCount(table, [a])).toBe(0)
    const tombstone = await db()
      .selectFrom('subject')
      .selectAll()
      .where('id', '=', a)
      .executeTakeFirstOrThrow()
    expect(tombstone.attributes).toEqual({})
    expect(tombstone.erased_at).toBeInstanceOf(Date)
    // the sealed value is shredded with the key
    expect(await vault.open(a, sealed, 'audit:rectification')).toBeNull()
    // an erased subject never gets a key again
    expect(
      (await problem(vault.writeIdentifiers([{ subjectId: a, identifiers: { firstName: 'Jana' } }]))).kind,
    ).toBe('conflict')
    expect((await problem(vault.seal(a, Buffer.from('x'), 'y'))).kind).toBe('conflict')
    expect(await rowCount('subject_key', [a])).toBe(0)
    // the other subject is untouched; shredding again changes nothing
    expect((await vault.readIdentifiers([b], ['firstName'])).get(b)).toEqual({ firstName: 'Karl' })
    await vault.shred([a])
    const again = await db()
      .selectFrom('subject')
      .select('erased_at')
      .where('id', '=', a)
      .executeTakeFirstOrThrow()
    expect(again.erased_at?.getTime()).toBe(tombstone.erased_at?.getTime())
  })

  it('seals values under the subject’s key, bound to subject and purpose', async () => {
    const [a, b] = (await newSubjects(2)) as [string, string]
    // a subject without identifiers gets a key on first seal
    const sealed = await vault.seal(
      a,
      Buffer.from('{"old":"Lisa","new":"Lisa Marie"}'),
      'audit:rectification',
    )
    expect(sealed.toString('utf8')).not.toContain('Lisa')
    expect((await vault.open(a, sealed, 'audit:rectification'))?.toString('utf8')).toBe(
      '{"old":"Lisa","new":"Lisa Marie"}',
    )
    await vault.seal(b, Buffer.from('x'), 'audit:rectification')
    await expect(vault.open(b, sealed, 'audit:rectification')).rejects.toThrow(DecryptionError)
    await expect(vault.open(a, sealed, 'audit:other')).rejects.toThrow(DecryptionError)
    // the key from seal is the one identifiers use
    await vault.writeIdentifiers([{ subjectId: a, identifiers: { firstName: 'Lisa Marie' } }])
    expect((await vault.open(a, sealed, 'audit:rectification'))?.length).toBeGreaterThan(0)
  })

  it('creates each vault secret once, even when processes race for it, and keeps it', async () => {
    const masterKeys = new MasterKeyRepository(db())
    const fresh = () =>
      new VaultSecretService(db(), new VaultSecretRepository(db()), masterKeys, runtime().keyring)
    let created = 0
    const create = () => {
      created++
      return Buffer.from(`secret-${created}`)
    }
    const values = await Promise.all(Array.from({ length: 5 }, () => fresh().get('test-race', create)))
    expect(new Set(values.map((v) => v.toString())).size).toBe(1)
    expect((await fresh().get('test-race', create)).equals(values[0] as Buffer)).toBe(true)
    const row = await db()
      .selectFrom('vault_secret')
      .selectAll()
      .where('name', '=', 'test-race')
      .executeTakeFirstOrThrow()
    expect(Buffer.from(row.wrapped).toString()).not.toContain('secret-')
    expect(row.master_key_id).toBe(runtime().keyring.currentKeyId)
  })

  it('keeps the blind-index key and the audit signing key as wrapped secrets', async () => {
    const names = await db().selectFrom('vault_secret').select('name').execute()
    expect(names.map((n) => n.name)).toContain('blind-index')
    const { privateKey, publicKey } = await auditSigningKey(runtime().services.secrets)
    const again = await auditSigningKey(runtime().services.secrets)
    expect(privateKey.asymmetricKeyType).toBe('ed25519')
    const message = Buffer.from('checkpoint 42')
    expect(verify(null, message, again.publicKey, sign(null, message, privateKey))).toBe(true)
    expect(publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      again.publicKey.export({ format: 'der', type: 'spki' }),
    )
  })
})
