import { randomBytes, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { ProblemError } from '../../platform/problem.ts'
import { AuditRepository } from './audit.repository.ts'
import { AUDIT_COLUMNS, GENESIS_HASH, subjectSetDigest } from './audit-hash.ts'
import { generateAuditSigner } from './audit-signer.ts'
import { asTamperer, auditLogFor, resetAuditTrail, someRecord } from './audit-test-support.ts'

const uuids = (n: number) => Array.from({ length: n }, () => randomUUID())

describeEachEngine('audit log', (runtime) => {
  const db = () => runtime().database.db
  const repository = () => new AuditRepository(db())
  const signer = generateAuditSigner()
  const log = () => auditLogFor(db(), { signer, subjectSetThreshold: 5 })
  const rows = () => repository().rows(0, Number.MAX_SAFE_INTEGER, 100_000)

  beforeEach(async () => {
    await resetAuditTrail(db())
  })

  describe('append', () => {
    it('assigns contiguous sequence numbers and links each record to the one before', async () => {
      await log().append([someRecord(), someRecord({ action: 'update' })])
      await log().append([someRecord({ action: 'export' })])
      const stored = await rows()
      expect(stored.map((r) => r.seq)).toEqual([1, 2, 3])
      expect(Buffer.from(stored[0]!.prev_hash)).toEqual(GENESIS_HASH)
      expect(stored[1]!.prev_hash).toEqual(stored[0]!.hash)
      expect(stored[2]!.prev_hash).toEqual(stored[1]!.hash)
      const head = await repository().head()
      expect(head).toEqual({ seq: 3, hash: stored[2]!.hash })
    })

    it('writes concurrent appends of one process together, each caller contiguous and committed on return', async () => {
      const one = log()
      // 40 callers at once, as 40 list pages served together: a group commit, one chain.
      const callers = Array.from({ length: 40 }, (_, i) =>
        one
          .append([
            someRecord({ reason: `caller ${i} a`, subjectIds: uuids(i % 8) }),
            someRecord({ reason: `caller ${i} b` }),
          ])
          .then(() => rows()),
      )
      const seen = await Promise.all(callers)
      // Each caller's records were in the database when its append returned.
      for (const [i, stored] of seen.entries())
        expect(stored.map((r) => r.reason)).toEqual(
          expect.arrayContaining([`caller ${i} a`, `caller ${i} b`]),
        )
      const stored = await rows()
      expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1))
      for (let i = 0; i < 40; i++) {
        const a = stored.findIndex((r) => r.reason === `caller ${i} a`)
        expect(stored[a + 1]!.reason).toBe(`caller ${i} b`)
      }
      expect(await one.verify()).toMatchObject({ ok: true, checked: 80 })
    })

    it('a bad record fails only its own caller, not the appends beside it', async () => {
      const one = log()
      const results = await Promise.allSettled([
        one.append([someRecord({ reason: 'good 1' })]),
        one.append([someRecord({ action: 'no-such-action' as never })]),
        one.append([someRecord({ reason: 'good 2' })]),
      ])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect((await rows()).map((r) => r.reason).sort()).toEqual(['good 1', 'good 2'])
    })

    it('keeps one chain when writers in several processes append at once', async () => {
      // Two logs over one database stand for two processes: each chains onto the head it last saw.
      const a = log()
      const b = log()
      await a.append([someRecord()])
      await b.append([someRecord()])
      for (let round = 0; round < 5; round++) {
        await Promise.all([
          a.append([someRecord(), someRecord({ action: 'update' })]),
          b.append([someRecord({ action: 'export' })]),
          a.append([someRecord({ action: 'erase' })]),
          b.append([someRecord(), someRecord(), someRecord()]),
        ])
      }
      const stored = await rows()
      expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 2 + 5 * 7 }, (_, i) => i + 1))
      const check = await log().verify()
      expect(check).toMatchObject({ ok: true, checked: 37 })
    })

    it('chains onto the committed head after an append was rolled back with its transaction', async () => {
      const writer = log()
      await writer.append([someRecord()])
      await expect(
        db()
          .transaction()
          .execute(async (trx) => {
            await writer.append([someRecord({ action: 'update' })], trx)
            throw new Error('the change the record describes failed')
          }),
      ).rejects.toThrow('the change the record describes failed')
      await writer.append([someRecord({ action: 'export' })])
      const stored = await rows()
      expect(stored.map((r) => [r.seq, r.action])).toEqual([
        [1, 'read'],
        [2, 'export'],
      ])
      expect(await log().verify()).toMatchObject({ ok: true, checked: 2 })
    })

    it('stores every field of the record, names fields but never values', async () => {
      const subject = randomUUID()
      const sealed = randomBytes(48)
      await log().append([
        {
          actor: { type: 'token', id: 'tok-1', role: 'accounting' },
          action: 'update',
          subjectIds: [subject.toUpperCase(), subject],
          purpose: 'invoicing',
          legalBasis: 'legal_obligation',
          fields: ['street', 'city'],
          requestId: 'req-1',
          reason: 'Rechnungsadresse korrigiert – DSR 17',
          sealedValues: { subjectId: subject, ciphertext: sealed },
        },
      ])
      const [row] = await rows()
      expect(row).toMatchObject({
        actor_type: 'token',
        actor_id: 'tok-1',
        actor_role: 'accounting',
        action: 'update',
        subject_ids: [subject],
        subject_set_id: null,
        purpose: 'invoicing',
        legal_basis: 'legal_obligation',
        fields: ['street', 'city'],
        request_id: 'req-1',
        reason: 'Rechnungsadresse korrigiert – DSR 17',
        sealed_subject_id: subject,
      })
      expect(Buffer.from(row!.sealed_values!)).toEqual(sealed)
    })

    it("hashes exactly what the database's record_send makes of the stored row", async () => {
      const subject = randomUUID()
      await log().append([
        someRecord({
          reason: 'Zeichen: "quotes", {braces}, \\backslash, NULL, ümlaut, 𝄞',
          fields: ['a,b', '"q"', '', 'NULL'],
          subjectIds: [subject],
          sealedValues: { subjectId: subject, ciphertext: randomBytes(20) },
        }),
        someRecord({ actor: { type: 'system', id: 'tresor' }, fields: [], subjectIds: uuids(7) }),
      ])
      const columns = sql.join(AUDIT_COLUMNS.map((c) => sql.ref(c)))
      const result = await sql<{ same: boolean }>`
        select hash = pg_catalog.sha256(prev_hash || pg_catalog.record_send(row(${columns}))) as same
        from audit_event order by seq`.execute(db())
      expect(result.rows).toEqual([{ same: true }, { same: true }])
      const [stored] = await rows()
      expect(stored!.fields).toEqual(['a,b', '"q"', '', 'NULL'])
      expect(stored!.reason).toContain('𝄞')
    })

    it('stores a set above the threshold once, linked, with its size and digest', async () => {
      const many = uuids(12)
      await log().append([someRecord({ subjectIds: many }), someRecord({ subjectIds: many.slice(0, 5) })])
      const [linked, inline] = await rows()
      expect(linked!.subject_ids).toBeNull()
      expect(linked!.subject_set_size).toBe(12)
      const sorted = [...many].sort()
      expect(Buffer.from(linked!.subject_set_digest!)).toEqual(subjectSetDigest(sorted))
      const members = await db()
        .selectFrom('audit_subject_set')
        .select('subject_id')
        .where('set_id', '=', linked!.subject_set_id!)
        .orderBy('subject_id')
        .execute()
      expect(members.map((m) => m.subject_id)).toEqual(sorted)
      // The database computes the same digest verify relies on.
      const [digest] = await repository().subjectSetDigests([linked!.subject_set_id!])
      expect(digest).toMatchObject({ size: 12 })
      expect(Buffer.from(digest!.digest)).toEqual(subjectSetDigest(sorted))
      expect(inline!.subject_ids).toEqual(many.slice(0, 5).sort())
      expect((await log().verify()).ok).toBe(true)
    })

    it("commits and rolls back with the caller's transaction", async () => {
      await log().append([someRecord()])
      await expect(
        db()
          .transaction()
          .execute(async (trx) => {
            await log().append([someRecord({ action: 'erase' })], trx)
            throw new Error('the change failed')
          }),
      ).rejects.toThrow('the change failed')
      expect((await rows()).map((r) => r.action)).toEqual(['read'])
      await db()
        .transaction()
        .execute(async (trx) => {
          await log().append([someRecord({ action: 'erase' })], trx)
        })
      expect((await rows()).map((r) => [r.seq, r.action])).toEqual([
        [1, 'read'],
        [2, 'erase'],
      ])
      expect((await log().verify()).ok).toBe(true)
    })

    it('serialises concurrent appends into one gap-free chain', async () => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          log().append(Array.from({ length: 1 + (i % 4) }, () => someRecord({ reason: `writer ${i}` }))),
        ),
      )
      const stored = await rows()
      expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1))
      expect(stored).toHaveLength(30) // the sum of 1 + i % 4 over i < 12
      expect(await log().verify()).toMatchObject({ ok: true, checked: stored.length })
    })

    it('refuses malformed records before writing anything', async () => {
      await expect(log().append([someRecord(), someRecord({ subjectIds: ['not-a-uuid'] })])).rejects.toThrow(
        'UUID',
      )
      await expect(log().append([someRecord({ action: 'peek' as unknown as 'read' })])).rejects.toThrow(
        'unknown audit action',
      )
      expect(await rows()).toEqual([])
      const head = await repository().head()
      expect([head?.seq, Buffer.from(head!.hash)]).toEqual([0, GENESIS_HASH])
    })
  })

  describe('append-only', () => {
    it('refuses UPDATE, DELETE and TRUNCATE of audit records, subject sets and checkpoints', async () => {
      await log().append([someRecord({ subjectIds: uuids(6) })])
      await log().checkpoint()
      for (const statement of [
        sql`update audit_event set reason = 'rewritten'`,
        sql`delete from audit_event`,
        sql`truncate audit_event`,
        sql`update audit_subject_set set subject_id = gen_random_uuid()`,
        sql`delete from audit_subject_set`,
        sql`update audit_checkpoint set seq = 2`,
        sql`delete from audit_checkpoint`,
        sql`delete from audit_head`,
      ]) {
        await expect(statement.execute(db())).rejects.toThrow(/append-only/)
      }
      const [row] = await rows()
      expect(row!.reason).toBeNull()
      expect(await log().verify()).toMatchObject({ ok: true, lastCheckpoint: { seq: 1 } })
    })

    it('refuses a role that does not own the tables, by privileges (the production setup)', async () => {
      await log().append([someRecord()])
      const role = `tresor_app_${randomBytes(4).toString('hex')}`
      await sql.raw(`create role ${role} nologin`).execute(db())
      await sql
        .raw(`grant select, insert on audit_event, audit_subject_set, audit_checkpoint to ${role}`)
        .execute(db())
      await sql.raw(`grant select, update on audit_head to ${role}`).execute(db())
      const asApp = (statement: string) =>
        db()
          .transaction()
          .execute(async (trx) => {
            await sql.raw(`set local role ${role}`).execute(trx)
            // Privileges are checked before any trigger runs: this refusal is the privilege's.
            await sql.raw(statement).execute(trx)
          })
      await expect(asApp('update audit_event set reason = null')).rejects.toThrow(/permission denied/)
      await expect(asApp('delete from audit_event')).rejects.toThrow(/permission denied/)
      await expect(asApp('truncate audit_event')).rejects.toThrow(/permission denied/)
      // ... while it can still append (as the log does) and read.
      await db()
        .transaction()
        .execute(async (trx) => {
          await sql.raw(`set local role ${role}`).execute(trx)
          await log().append([someRecord()], trx)
        })
      expect(await log().verify()).toMatchObject({ ok: true, checked: 2 })
    })
  })

  describe('checkpoints and verify', () => {
    it('signs the head; a second call without new records returns the same checkpoint', async () => {
      expect(await log().checkpoint()).toBeNull()
      await log().append([someRecord(), someRecord()])
      const first = await log().checkpoint()
      expect(first).toMatchObject({ seq: 2, created: true })
      const head = await repository().head()
      expect(first!.hash).toBe(Buffer.from(head!.hash).toString('hex'))
      expect(await log().checkpoint()).toMatchObject({ seq: 2, created: false, hash: first!.hash })
      await log().append([someRecord()])
      expect(await log().checkpoint()).toMatchObject({ seq: 3, created: true })
      const result = await log().verify()
      expect(result).toMatchObject({ ok: true, checked: 3, lastCheckpoint: { seq: 3 }, unprotected: 0 })
    })

    it('trusts only the configured public key, never the one stored with the checkpoint', async () => {
      await log().append([someRecord(), someRecord()])
      await log().checkpoint()
      const otherKey = generateAuditSigner().publicKey
      const result = await auditLogFor(db(), { trustedKeys: [otherKey] }).verify()
      expect(result).toMatchObject({ ok: false, firstBad: { seq: 2, problem: 'checkpoint-signature' } })
    })

    it('a forger who signs with their own key and stores their public key is caught', async () => {
      await log().append([someRecord(), someRecord()])
      const forger = generateAuditSigner()
      await auditLogFor(db(), { signer: forger }).checkpoint()
      const result = await log().verify()
      expect(result.firstBad).toMatchObject({ seq: 2, problem: 'checkpoint-signature' })
    })

    it('verifies records with sealed values without any key: a shredded subject key changes nothing', async () => {
      const subject = randomUUID()
      await log().append([
        someRecord({
          action: 'update',
          subjectIds: [subject],
          sealedValues: { subjectId: subject, ciphertext: randomBytes(64) },
        }),
        someRecord({ action: 'erase', subjectIds: [subject] }),
      ])
      await log().checkpoint()
      // The audit log has no vault and no master key: verify only hashes the stored bytes.
      expect(await log().verify()).toMatchObject({ ok: true, checked: 2 })
    })

    it('--from-checkpoint starts at the newest validly signed checkpoint', async () => {
      await log().append(Array.from({ length: 10 }, () => someRecord()))
      await log().checkpoint()
      await log().append(Array.from({ length: 4 }, () => someRecord()))
      const full = await log().verify()
      expect(full).toMatchObject({ ok: true, checked: 14, from: 1, to: 14, unprotected: 4 })
      const quick = await log().verify({ fromCheckpoint: true })
      // the checkpointed record itself (its hash must equal the signed one) and the 4 after it
      expect(quick).toMatchObject({ ok: true, checked: 5, from: 10, to: 14, lastCheckpoint: { seq: 10 } })
    })

    it('walks the log in keyset batches', async () => {
      await log().append(Array.from({ length: 23 }, (_, i) => someRecord({ reason: `r${i}` })))
      await log().checkpoint()
      const small = auditLogFor(db(), { signer, verifyBatchSize: 4 })
      expect(await small.verify()).toMatchObject({ ok: true, checked: 23 })
      await asTamperer(db(), async (trx) => {
        await sql`update audit_event set reason = 'x' where seq = 17`.execute(trx)
      })
      expect((await small.verify()).firstBad).toMatchObject({ seq: 17, problem: 'hash-mismatch' })
    })
  })

  describe('history', () => {
    const newSubject = async () => {
      const row = await db()
        .insertInto('subject')
        .values({ kinds: ['customer'], source: 'manual' })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    }

    it('finds records naming the subject inline or in a linked set, newest first, without sealed values', async () => {
      const subject = await newSubject()
      const others = uuids(8)
      await log().append([
        someRecord({ action: 'create', subjectIds: [subject] }),
        someRecord({ action: 'read', subjectIds: others.slice(0, 2) }),
        someRecord({ action: 'export', subjectIds: [subject, ...others], purpose: 'newsletter' }),
        someRecord({
          action: 'update',
          subjectIds: [subject],
          sealedValues: { subjectId: subject, ciphertext: randomBytes(16) },
        }),
      ])
      const page = await log().history(subject, { limit: 10 })
      expect(page.more).toBe(false)
      expect(page.items.map((e) => [e.seq, e.action])).toEqual([
        [4, 'update'],
        [3, 'export'],
        [1, 'create'],
      ])
      expect(page.items[1]).toMatchObject({ purpose: 'newsletter', actor: { type: 'user', role: 'sales' } })
      expect(JSON.stringify(page)).not.toMatch(/sealed/i)

      const first = await log().history(subject, { limit: 2 })
      expect(first.more).toBe(true)
      const second = await log().history(subject, { limit: 2, beforeSeq: first.items.at(-1)!.seq })
      expect(second).toMatchObject({ more: false, items: [{ seq: 1 }] })
    })

    it('is not-found for an unknown subject', async () => {
      await expect(log().history(randomUUID(), { limit: 5 })).rejects.toBeInstanceOf(ProblemError)
    })
  })
})
