import type { FastifyInstance } from 'fastify'
import { type RawBuilder, sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SalesService } from '../../src/modules/sales/sales.service.ts'
import { buildApp } from '../../src/server/app.ts'
import { describeEachEngine } from '../support/engines.ts'
import { problemOf, sessionCookie } from '../support/http.ts'

/** A value the database quotes in its messages: it must not reach the answer. */
const MARKER = 'Zebrafink'

/**
 * Issue #12, the error handler's safety net: whatever input gets past validation and is refused by
 * the database — integrity (class 23) or a bad value (class 22) — is a 4xx problem+json, not a
 * 500, and the answer quotes nothing of the database's message. Real errors of each engine, raised
 * by a route whose service is made to run the statement.
 */
describeEachEngine('database refusals are 4xx problems', (runtime) => {
  let app: FastifyInstance
  let cookie: string
  let statement: () => RawBuilder<unknown> | Promise<unknown> = () => sql`select 1`

  beforeAll(async () => {
    const { db } = runtime().database
    await sql`create table safety_parent (id int primary key)`.execute(db)
    await sql`create table safety_child (
      id int primary key,
      parent int references safety_parent (id),
      n int check (n > 0),
      t varchar(3)
    )`.execute(db)
    await sql`insert into safety_parent values (1)`.execute(db)
    await sql`insert into safety_child (id, parent) values (1, 1)`.execute(db)
    // GET /api/v1/pipeline-stages runs the statement of the test.
    const sales = Object.create(runtime().services.sales) as SalesService
    sales.stages = async () => {
      const run = statement()
      await ('execute' in run ? run.execute(db) : run)
      return []
    }
    app = await buildApp({ ...runtime(), services: { ...runtime().services, sales } })
    await app.ready()
    await runtime().services.access.createUser({
      email: 'admin@db-errors.test',
      role: 'admin',
      password: 'correct horse battery staple',
    })
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@db-errors.test', password: 'correct horse battery staple' },
    })
    cookie = sessionCookie(login)
  })
  afterAll(async () => {
    await app?.close()
  })

  const answerTo = async (run: typeof statement) => {
    statement = run
    const res = await app.inject({ method: 'GET', url: '/api/v1/pipeline-stages', headers: { cookie } })
    expect(res.body).not.toContain(MARKER)
    expect(res.body).not.toContain('safety_')
    return res
  }

  it.each([
    ['23503 foreign key', () => sql`insert into safety_child (id, parent) values (2, 999)`],
    ['23503 still referenced', () => sql`delete from safety_parent where id = 1`],
    ['23505 unique', () => sql`insert into safety_parent values (1)`],
  ])('%s → 409 conflict', async (_, run) => {
    const res = await answerTo(run)
    expect(res.statusCode).toBe(409)
    expect(problemOf(res).type).toBe('urn:tresor:problem:conflict')
  })

  it.each([
    ['23514 check', () => sql`insert into safety_child (id, n) values (3, -5)`],
    ['22001 too long', () => sql`insert into safety_child (id, t) values (4, ${MARKER})`],
    ['22P02 invalid text representation', () => sql`select ${MARKER}::uuid`],
    ['22021 NUL', () => sql`select ${`${MARKER}\u0000`}::text`],
    ['22008 date out of range', () => sql`select ${'0000-01-01'}::date`],
    ['22003 numeric out of range', () => sql`select ${'99999999999'}::int`],
  ])('%s → 400 validation', async (_, run) => {
    const res = await answerTo(run)
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).type).toBe('urn:tresor:problem:validation')
  })

  it('anything else is still a 500 that tells nothing', async () => {
    const res = await answerTo(() => Promise.reject(new Error(`bug near ${MARKER}`)))
    expect(res.statusCode).toBe(500)
    expect(problemOf(res).type).toBe('urn:tresor:problem:internal')
    const syntax = await answerTo(() => sql`selec ${MARKER}`)
    expect(syntax.statusCode).toBe(500)
  })
})
