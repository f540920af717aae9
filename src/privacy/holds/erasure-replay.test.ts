import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { createDatabase, dropDatabase } from '../../../test/support/postgres.ts'
import { loadConfig } from '../../platform/config.ts'
import type { Engine } from '../../platform/db/database.ts'
import { createLogger } from '../../platform/logger.ts'
import { openRuntime, type Runtime } from '../../runtime.ts'
import type { GateActor } from '../gate/gate.service.ts'

/**
 * "Erasure must reach the backups" (docs/adr/0004, 0010): erase after a backup was taken, restore
 * the backup, replay the ledger file (kept outside the database) — whoever was erased since is
 * erased again, fully or all but what holds keep, and a second replay changes nothing. On PGlite the
 * backup is a copy of the data directory taken while closed; on PostgreSQL a copy of the database
 * (`CREATE DATABASE … TEMPLATE`, what a restored dump amounts to).
 */

const ADMIN: GateActor = { type: 'user', id: 'replay-test', role: 'admin' }
const CANARY = 'replay-canary-3c9a'

/** One installation: open it, take a backup, restore the backup, throw it away. */
interface Installation {
  open(): Promise<Runtime>
  backup(): Promise<void>
  restore(): Promise<void>
  dispose(): Promise<void>
  ledger: string
}

function pgliteInstallation(): Installation {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-replay-'))
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'tresor-ledger-'))
  const ledger = path.join(elsewhere, 'erasure-ledger.jsonl')
  const config = loadConfig({ TRESOR_DATA_DIR: dataDir, TRESOR_ERASURE_LEDGER: ledger })
  const pgdata = path.join(dataDir, 'pgdata')
  const saved = path.join(dataDir, 'backup-pgdata')
  return {
    ledger,
    open: () => openRuntime(config, { logger: createLogger('silent') }),
    backup: async () => cpSync(pgdata, saved, { recursive: true }),
    restore: async () => {
      rmSync(pgdata, { recursive: true, force: true })
      cpSync(saved, pgdata, { recursive: true })
    },
    dispose: async () => {
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(elsewhere, { recursive: true, force: true })
    },
  }
}

async function postgresInstallation(): Promise<Installation> {
  const adminUrl = inject('postgresUrl')
  if (!adminUrl) throw new Error(inject('postgresError'))
  const live = `t_${randomBytes(6).toString('hex')}`
  const saved = `${live}_backup`
  const url = await createDatabase(adminUrl, live)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-replay-'))
  const ledger = path.join(dataDir, 'ledger', 'erasure-ledger.jsonl')
  const config = loadConfig({ TRESOR_DATA_DIR: dataDir, DATABASE_URL: url, TRESOR_ERASURE_LEDGER: ledger })
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  return {
    ledger,
    open: () => openRuntime(config, { logger: createLogger('silent') }),
    // The runtime is closed: a template must have no other sessions.
    backup: () => admin(`create database "${saved}" template "${live}"`),
    restore: async () => {
      await dropDatabase(adminUrl, live)
      await admin(`create database "${live}" template "${saved}"`)
    },
    dispose: async () => {
      await dropDatabase(adminUrl, live)
      await dropDatabase(adminUrl, saved)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const erasureState = async (runtime: Runtime, id: string) => {
  const row = await runtime.database.db
    .selectFrom('subject')
    .select(['erased_at', 'erasure_requested_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  const identifiers = (await runtime.services.vault.readIdentifiers([id], ['email', 'lastName'])).get(id)
  return { erased: row.erased_at !== null, held: row.erasure_requested_at !== null, identifiers }
}

for (const engine of ['pglite', 'postgres'] as Engine[]) {
  describe(`the erasure ledger after a restore [${engine}]`, () => {
    it('erases again whoever was erased since the backup, and only once', async () => {
      const installation = engine === 'pglite' ? pgliteInstallation() : await postgresInstallation()
      try {
        let runtime = await installation.open()
        const [plain, invoiced, untouched] = await runtime.services.gate.collect({
          actor: ADMIN,
          subjects: ['plain', 'invoiced', 'untouched'].map((name) => ({
            kinds: ['customer'],
            source: 'test',
            attributes: {},
            identifiers: { lastName: `${name}-${CANARY}`, email: `${name}.${CANARY}@example.test` },
          })),
        })
        const [a, b, c] = [plain, invoiced, untouched] as [string, string, string]
        await runtime.database.db
          .insertInto('invoice')
          .values({
            subject_id: b,
            invoice_number: 'B-1',
            issued_at: new Date(),
            due_on: '2099-01-01',
            amount_cents: 100,
            currency: 'EUR',
            created_at: new Date(),
          })
          .execute()
        await runtime.close()

        await installation.backup()

        runtime = await installation.open()
        const answers = await runtime.services.gate.eraseSubjects({ actor: ADMIN, subjectIds: [a, b] })
        expect(answers.map((x) => [x.subjectId, x.outcome]).sort()).toEqual(
          [
            [a, 'erased'],
            [b, 'held'],
          ].sort(),
        )
        await runtime.close()
        const ledger = readFileSync(installation.ledger, 'utf8')
        expect(ledger.trim().split('\n')).toHaveLength(2)
        expect(ledger).not.toContain(CANARY)

        // The database is lost; the backup taken before the erasures comes back.
        await installation.restore()
        runtime = await installation.open()
        try {
          expect(await erasureState(runtime, a)).toMatchObject({
            erased: false,
            identifiers: { email: expect.any(String) },
          })
          expect(await erasureState(runtime, b)).toMatchObject({
            held: false,
            identifiers: { email: expect.any(String) },
          })

          const report = await runtime.services.erasures.replay()
          expect(report).toMatchObject({
            entries: 2,
            problems: [],
            subjects: 2,
            erased: 1,
            held: 1,
            unchanged: 0,
            notInDatabase: 0,
            failed: [],
          })
          expect(await erasureState(runtime, a)).toEqual({
            erased: true,
            held: false,
            identifiers: undefined,
          })
          // Held again: the billing identity stays under a new key; the e-mail address is gone.
          expect(await erasureState(runtime, b)).toEqual({
            erased: false,
            held: true,
            identifiers: { lastName: `invoiced-${CANARY}` },
          })
          expect(await erasureState(runtime, c)).toMatchObject({ erased: false, held: false })
          const { rows } = await runtime.database.transaction((tx) =>
            tx.query<{ n: number }>(
              'select count(*)::int as n from blind_index where subject_id = any($1::uuid[]) and kind = $2',
              [[a, b], 'email'],
            ),
          )
          expect(rows[0]?.n).toBe(0)
          // The restored database's own ledger has the entries again; the file got no new lines.
          const restoredLedger = await runtime.database.db
            .selectFrom('erasure_ledger')
            .select(['subject_id', 'kind'])
            .orderBy('seq')
            .execute()
          expect(restoredLedger.map((r) => r.kind).sort()).toEqual(['full', 'held'])
          expect(readFileSync(installation.ledger, 'utf8')).toBe(ledger)

          // Idempotent.
          expect(await runtime.services.erasures.replay()).toMatchObject({ erased: 0, held: 0, unchanged: 2 })
          expect(await runtime.services.audit.verify()).toMatchObject({ ok: true })
        } finally {
          await runtime.close()
        }
      } finally {
        await installation.dispose()
      }
    }, 240_000)
  })
}

describe('the erasure ledger file', () => {
  it('skips lines it cannot read and counts subjects the database does not hold', async () => {
    const { ErasureLedgerFile } = await import('./erasure-ledger-file.ts')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-ledger-'))
    try {
      const file = new ErasureLedgerFile(path.join(dir, 'nested', 'ledger.jsonl'))
      const id = '0b6f8f9e-5a0e-4f6c-9d8e-3f2a1b0c9d8e'
      file.append([{ subjectId: id, erasedAt: new Date('2026-12-01T00:00:00Z'), kind: 'held' }])
      cpSync(file.path, `${file.path}.copy`)
      const text = `${readFileSync(file.path, 'utf8')}not json\n{"subjectId":"x","erasedAt":"2026-01-01","kind":"full"}\n{"subjectId":"${id}","erasedAt":"2026-12-02T00:00:00Z","kind":"fin`
      const torn = path.join(dir, 'torn.jsonl')
      const { writeFileSync } = await import('node:fs')
      writeFileSync(torn, text)
      const read = file.read(torn)
      expect(read.entries).toEqual([
        { subjectId: id, erasedAt: new Date('2026-12-01T00:00:00Z'), kind: 'held' },
      ])
      expect(read.problems.map((p) => p.line)).toEqual([2, 3, 4])
      expect(file.read(path.join(dir, 'missing.jsonl'))).toEqual({ entries: [], problems: [] })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
