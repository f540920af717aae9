import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { describeEachEngine, openTestRuntime } from '../../../test/support/engines.ts'
import { DatabaseInUseError, openDatabase } from './database.ts'
import { checkMigrated, listMigrations, MigrationError, migrate } from './migrate.ts'
import { preparedAs, statementName } from './prepared.ts'

describeEachEngine('database', (runtime) => {
  it('is migrated, and migrating again applies nothing', async () => {
    const { database } = runtime()
    const versions = await database.db.selectFrom('schema_migration').select('version').execute()
    expect(versions.map((v) => v.version)).toEqual(listMigrations().map((m) => m.version))
    expect(await migrate(database)).toEqual([])
  })

  it('refuses a landed migration whose file was edited', async () => {
    const [first] = listMigrations()
    await expect(
      migrate(runtime().database, [{ ...first!, sql: `${first!.sql}\n-- edited`, checksum: 'x' }]),
    ).rejects.toThrow(MigrationError)
  })

  it('applies a failing migration not at all', async () => {
    const { database } = runtime()
    const broken = {
      version: 9999,
      name: 'broken',
      checksum: 'c',
      sql: 'create table half_done (id int); select 1/0;',
    }
    await expect(migrate(database, [broken])).rejects.toThrow()
    const table = await sql<{ t: string | null }>`select to_regclass('half_done')::text as t`.execute(
      database.db,
    )
    expect(table.rows[0]?.t).toBeNull()
    const row = await database.db
      .selectFrom('schema_migration')
      .selectAll()
      .where('version', '=', 9999)
      .executeTakeFirst()
    expect(row).toBeUndefined()
  })

  it('a failed statement inside a transaction rolls it back and does not poison later queries', async () => {
    const { database } = runtime()
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('subject')
          .values({ kinds: ['lead'], source: 'manual' })
          .execute()
        await sql`select 1/0`.execute(trx)
      }),
    ).rejects.toThrow(/division by zero/)
    // the insert before the failure was rolled back, and the connection works
    const count = await database.db
      .selectFrom('subject')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(0)
    await expect(sql`select 1 as one`.execute(database.db)).resolves.toMatchObject({ rows: [{ one: 1 }] })
    // and a raw-SQL transaction behaves the same
    await expect(
      database.transaction(async (tx) => {
        await tx.query('insert into subject (kinds, source) values ($1, $2)', [['lead'], 'manual'])
        await tx.exec('select 1/0')
      }),
    ).rejects.toThrow()
    await expect(sql`select count(*)::int as n from subject`.execute(database.db)).resolves.toMatchObject({
      rows: [{ n: 0 }],
    })
  })

  it('a failed plain statement does not poison later queries', async () => {
    const { database } = runtime()
    await expect(sql`select * from no_such_table`.execute(database.db)).rejects.toThrow()
    await expect(sql`select 2 as two`.execute(database.db)).resolves.toMatchObject({ rows: [{ two: 2 }] })
  })

  it('runs concurrent transactions without mixing their statements', async () => {
    const { database } = runtime()
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        database.db
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('subject')
              .values({ kinds: ['customer'], source: `tx${i}` })
              .execute()
            if (i % 2) throw new Error('undo')
          })
          .catch(() => {}),
      ),
    )
    const rows = await database.db
      .selectFrom('subject')
      .select('source')
      .where('source', 'like', 'tx%')
      .execute()
    expect(rows.map((r) => r.source).sort()).toEqual(['tx0', 'tx2', 'tx4', 'tx6'])
    await database.db.deleteFrom('subject').execute()
  })

  it('returns counts as numbers and timestamps as dates on both engines', async () => {
    const row = await sql<{ n: unknown; t: unknown }>`select count(*) as n, now() as t`.execute(
      runtime().database.db,
    )
    expect(typeof row.rows[0]?.n).toBe('number')
    expect(row.rows[0]?.t).toBeInstanceOf(Date)
  })
})

describe('embedded database directory', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-pglite-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('survives a restart', async () => {
    const pgdata = path.join(dir, 'pgdata')
    const first = await openDatabase({ pgliteDir: pgdata })
    await migrate(first)
    await first.db
      .insertInto('subject')
      .values({ kinds: ['lead'], source: 'manual' })
      .execute()
    await first.close()
    const second = await openDatabase({ pgliteDir: pgdata })
    const rows = await second.db.selectFrom('subject').select('source').execute()
    expect(rows).toEqual([{ source: 'manual' }])
    await second.close()
  })

  it('is locked against a second process, and a stale lock is taken over', async () => {
    const pgdata = path.join(dir, 'locked')
    writeFileSync(`${pgdata}.lock`, String(process.ppid)) // a live process that isn't us
    await expect(openDatabase({ pgliteDir: pgdata })).rejects.toThrow(DatabaseInUseError)
    writeFileSync(`${pgdata}.lock`, '999999999') // no such process
    writeFileSync(`${pgdata}.shared`, '{"pid":999999999,"socket":"/nowhere/.s.PGSQL.5432"}')
    const db = await openDatabase({ pgliteDir: pgdata, attach: true })
    expect(db.attached).toBeUndefined() // opened itself
    expect(existsSync(`${pgdata}.shared`)).toBe(false) // the share of the process that is gone
    await db.close()
  })

  it('beside a live owner that shares it, a command uses it through the socket (only if it asks to)', async () => {
    const pgdata = path.join(dir, 'shared')
    const owner = await openDatabase({ pgliteDir: pgdata })
    await migrate(owner)
    const socket = await owner.share?.()
    if (!socket) throw new Error('an embedded database in a directory can be shared')
    // prepared by the owner's dialect now, reused after a client came and went (one session)
    expect(await owner.db.selectFrom('subject').select('source').execute()).toEqual([])
    expect(statSync(socket).mode & 0o777).toBe(0o600)
    // As if another process held it: the lock and the share name the test runner's parent.
    writeFileSync(`${pgdata}.lock`, String(process.ppid))
    writeFileSync(`${pgdata}.shared`, JSON.stringify({ pid: process.ppid, socket }))
    await expect(openDatabase({ pgliteDir: pgdata })).rejects.toThrow(DatabaseInUseError)
    const attached = await openDatabase({ pgliteDir: pgdata, attach: true })
    try {
      expect(attached).toMatchObject({ engine: 'pglite', attached: true })
      // it may not migrate: the schema must be this version's exactly
      await checkMigrated(attached)
      const next = { version: 9999, name: 'next', sql: 'select 1', checksum: 'n' }
      await expect(checkMigrated(attached, [...listMigrations(), next])).rejects.toThrow(MigrationError)
      await attached.db
        .insertInto('subject')
        .values({ kinds: ['lead'], source: 'through the socket' })
        .execute()
      const counted = await sql<{ n: unknown }>`select count(*) as n from subject`.execute(attached.db)
      expect(counted.rows).toEqual([{ n: 1 }]) // int8 as a number, as on both engines
      await expect(
        attached.transaction(async (tx) => {
          await tx.query('insert into subject (kinds, source) values ($1, $2)', [['lead'], 'undone'])
          throw new Error('undo')
        }),
      ).rejects.toThrow('undo')
      const rows = await owner.db.selectFrom('subject').select('source').execute()
      expect(rows).toEqual([{ source: 'through the socket' }])
      expect(() => attached.jobStore()).toThrow(/inside `tresor serve`/)
    } finally {
      await attached.close()
    }
    // A share written by another process than the lock's owner is not used; the error says why.
    writeFileSync(`${pgdata}.shared`, JSON.stringify({ pid: 999999999, socket }))
    await expect(openDatabase({ pgliteDir: pgdata, attach: true })).rejects.toThrow(/does not share it/)
    await owner.close()
    expect(existsSync(`${pgdata}.shared`)).toBe(false)
    expect(existsSync(socket)).toBe(false)
  }, 180_000)
})

describe('migrate as the production role [postgres]', () => {
  it('starts a role that owns nothing on an up-to-date database: it only reads the bookkeeping', async () => {
    const runtime = await openTestRuntime('postgres')
    const role = `tresor_run_${randomBytes(4).toString('hex')}`
    try {
      const { db } = runtime.database
      await sql.raw(`create role ${role} login`).execute(db)
      await sql.raw(`grant select on schema_migration to ${role}`).execute(db)
      await sql.raw(`revoke create on schema public from ${role}, public`).execute(db)
      const url = new URL(runtime.config.databaseUrl as string)
      url.username = role
      const asRole = await openDatabase({ databaseUrl: url.toString() })
      try {
        expect(await migrate(asRole)).toEqual([])
        // ... and could not have created anything: the check above is what let it start.
        await expect(
          asRole.transaction((tx) => tx.exec('create table should_not_exist (x int)')),
        ).rejects.toThrow(/permission denied/)
      } finally {
        await asRole.close()
      }
    } finally {
      await runtime.dispose()
    }
  })
})

describeEachEngine('prepared statements', (runtime) => {
  it('runs a marked statement as a named prepared statement on PostgreSQL, and unmarked ones unnamed', async () => {
    const { database } = runtime()
    // One connection for every statement of the transaction: its prepared statements are its own.
    const seen = await database.db.transaction().execute(async (trx) => {
      const marked = (n: number) =>
        sql<{ n: number }>`${preparedAs('test-marked')}select ${n}::int4 + 1 as n`.execute(trx)
      const first = await marked(1)
      const second = await marked(41)
      await sql`select ${2}::int4 as unmarked`.execute(trx)
      const prepared =
        database.engine === 'postgres'
          ? (
              await sql<{ name: string; statement: string }>`
                select name, statement from pg_prepared_statements order by name`.execute(trx)
            ).rows
          : []
      return { values: [first.rows[0]?.n, second.rows[0]?.n], prepared }
    })
    expect(seen.values).toEqual([2, 42])
    if (database.engine === 'postgres') {
      // PostgreSQL holds the statement under its name, prepared once for both executions; the
      // unmarked statement left nothing behind.
      expect(seen.prepared.map((p) => p.statement.includes('unmarked'))).not.toContain(true)
      const mine = seen.prepared.filter((p) => p.name.startsWith('test-marked-'))
      expect(mine).toHaveLength(1)
      expect(mine[0]?.statement).toContain('select $1::int4 + 1 as n')
    }
  })

  it('names each distinct text of a label on its own, and refuses a label that is no identifier', () => {
    const a = statementName('/*prepared:test-shapes*/ select 1')
    const b = statementName('/*prepared:test-shapes*/ select 2')
    expect(a).toMatch(/^test-shapes-\d+$/)
    expect(b).toMatch(/^test-shapes-\d+$/)
    expect(a).not.toBe(b)
    expect(statementName('/*prepared:test-shapes*/ select 1')).toBe(a)
    expect(statementName('select 1')).toBeUndefined()
    expect(() => preparedAs('x*/ drop table subject; --')).toThrow(/not a statement label/)
  })

  it('names at most 32 shapes of one label; the others run unnamed', () => {
    const named = Array.from({ length: 40 }, (_, i) => statementName(`/*prepared:test-cap*/ select ${i}`))
    expect(named.filter((n) => n !== undefined)).toHaveLength(32)
    expect(named.slice(32)).toEqual(Array(8).fill(undefined))
    // another label still gets its name
    expect(statementName('/*prepared:test-other*/ select 1')).toMatch(/^test-other-1$/)
  })
})
