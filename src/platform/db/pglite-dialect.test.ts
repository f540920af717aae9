import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from './database.ts'

/**
 * The embedded engine's Kysely dialect keeps DML prepared in the session (StatementCache). These
 * tests pin what that must not change: errors, schema changes, many statements, transactions.
 */
describe('PGlite dialect with prepared statements', () => {
  let database: Database
  const db = () => database.db

  beforeAll(async () => {
    database = await openDatabase({})
    await sql`create table note (id int primary key, body text)`.execute(db())
  })
  afterAll(async () => {
    await database.close()
  })

  it('reports a failing statement and stays usable, in and out of transactions', async () => {
    const divide = (by: number) => sql<{ q: number }>`select 10 / ${by}::int as q`.execute(db())
    expect((await divide(2)).rows).toEqual([{ q: 5 }])
    await expect(divide(0)).rejects.toThrow('division by zero')
    expect((await divide(5)).rows).toEqual([{ q: 2 }])

    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await sql`insert into note (id, body) values (${1}, ${'kept?'})`.execute(trx)
          await sql`select 10 / ${0}::int`.execute(trx)
        }),
    ).rejects.toThrow('division by zero')
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from note where id = ${1}`.execute(
      db(),
    )
    expect(rows).toEqual([{ n: 0 }])
  })

  it('prepares a statement again when a schema change alters its result', async () => {
    const all = () => sql<Record<string, unknown>>`select * from note where id = ${7}`.execute(db())
    await sql`insert into note (id, body) values (${7}, ${'seven'})`.execute(db())
    expect((await all()).rows).toEqual([{ id: 7, body: 'seven' }])
    await sql`alter table note add column tag text default 'x'`.execute(db())
    expect((await all()).rows).toEqual([{ id: 7, body: 'seven', tag: 'x' }])
  })

  it('runs more distinct statements than it keeps prepared', async () => {
    for (let i = 0; i < 300; i++) {
      const { rows } = await sql<{ v: number }>`select ${i}::int + ${sql.lit(i)} as v`.execute(db())
      expect(rows[0]?.v).toBe(2 * i)
    }
    // the first ones were closed to make room, and still run (prepared anew)
    expect((await sql<{ v: number }>`select ${3}::int + ${sql.lit(3)} as v`.execute(db())).rows[0]?.v).toBe(6)
  })

  it("keeps other callers' statements out of an open transaction", async () => {
    let inside!: () => void
    const opened = new Promise<void>((resolve) => {
      inside = resolve
    })
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const transaction = db()
      .transaction()
      .execute(async (trx) => {
        await sql`insert into note (id, body) values (${20}, ${'in transaction'})`.execute(trx)
        inside()
        await held
        await sql`delete from note where id = ${20}`.execute(trx)
      })
    await opened
    // issued while the transaction is open: must wait for its end, so it never sees row 20
    const outside = sql<{ n: number }>`select count(*)::int as n from note where id = ${20}`.execute(db())
    release()
    await transaction
    expect((await outside).rows).toEqual([{ n: 0 }])
  })
})
