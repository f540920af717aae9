import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { buildApp } from '../../src/server/app.ts'
import { createDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts'

const PASSWORD = 'correct horse battery staple'

/** One query on a server, with its own connection. */
async function query<R>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as R[]
  } finally {
    await client.end()
  }
}

/**
 * Issue #16, "beyond one machine": with DATABASE_REPLICA_URL the heavy pseudonymous reads (here the
 * dashboard's counts) are served by a real PostgreSQL hot standby streaming from the primary, while
 * every write goes to the primary. Proven by pausing the standby's replay: contacts written on the
 * primary are not counted until replay resumes.
 */
describe('a read replica (DATABASE_REPLICA_URL)', () => {
  let primary: TestPostgres | undefined
  let standby: TestPostgres | undefined
  let runtime: Runtime | undefined
  let dataDir: string
  let primaryUrl: string
  let replicaUrl: string

  beforeAll(async () => {
    primary = await startPostgres()
    primaryUrl = await createDatabase(primary.url, 'tresor_replicated')
    standby = await startPostgres({ standbyOf: primary.url })
    const url = new URL(standby.url)
    url.pathname = '/tresor_replicated'
    replicaUrl = url.toString()
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-replica-'))
    runtime = await openRuntime(
      loadConfig({ TRESOR_DATA_DIR: dataDir, DATABASE_URL: primaryUrl, DATABASE_REPLICA_URL: replicaUrl }),
      { logger: createLogger('silent'), inMemory: true },
    )
  }, 180_000)

  afterAll(async () => {
    await runtime?.close()
    await standby?.stop()
    await primary?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses a replica without a primary, and a replica URL that is no PostgreSQL URL', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://x@127.0.0.1/db' })).toThrow(
      /needs DATABASE_URL/,
    )
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', DATABASE_REPLICA_URL: 'mysql://x@h/db' }),
    ).toThrow(/DATABASE_REPLICA_URL/)
  })

  it('counts on the standby while writes go to the primary', async () => {
    const rt = runtime as Runtime
    expect((await query<{ r: boolean }>(primaryUrl, 'select pg_is_in_recovery() as r'))[0]?.r).toBe(false)
    expect((await query<{ r: boolean }>(replicaUrl, 'select pg_is_in_recovery() as r'))[0]?.r).toBe(true)
    const app = await buildApp(rt)
    await app.ready()
    try {
      await rt.services.access.createUser({ email: 'dpo@replica.test', role: 'dpo', password: PASSWORD })
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'dpo@replica.test', password: PASSWORD },
      })
      expect(login.statusCode).toBe(200)
      const cookie = `tresor_session=${login.cookies.find((c) => c.name === 'tresor_session')?.value}`

      // The standby has caught up with the schema and the user (replication is asynchronous)…
      let users = 0
      for (let i = 0; i < 300 && users < 1; i++) {
        users = Number(
          (
            await query<{ n: string }>(
              replicaUrl,
              "select count(*) as n from app_user where email = 'dpo@replica.test'",
            )
          )[0]?.n ?? 0,
        )
        if (users < 1) await new Promise((r) => setTimeout(r, 100))
      }
      expect(users).toBe(1)
      // …then stops applying the primary's changes.
      await query(replicaUrl, 'select pg_wal_replay_pause()')
      for (const firstName of ['Repli', 'Ka']) {
        const created = await app.inject({
          method: 'POST',
          url: '/api/v1/subjects',
          headers: { cookie },
          payload: { kinds: ['customer'], identifiers: { firstName } },
        })
        expect(created.statusCode, created.body).toBe(201)
      }
      const onPrimary = await query<{ n: string }>(primaryUrl, 'select count(*) as n from subject')
      expect(Number(onPrimary[0]?.n)).toBe(2)

      // The dashboard counts on the standby: it hasn't seen them.
      const dashboard = await app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: { cookie } })
      expect(dashboard.statusCode, dashboard.body).toBe(200)
      expect((dashboard.json() as { contactsByKind: unknown[] }).contactsByKind).toEqual([])

      // Replay resumes: the standby catches up with the primary.
      await query(replicaUrl, 'select pg_wal_replay_resume()')
      let onReplica = 0
      for (let i = 0; i < 300 && onReplica < 2; i++) {
        onReplica = Number(
          (await query<{ n: string }>(replicaUrl, 'select count(*) as n from subject'))[0]?.n,
        )
        if (onReplica < 2) await new Promise((r) => setTimeout(r, 100))
      }
      expect(onReplica).toBe(2)
    } finally {
      await app.close()
    }
  }, 120_000)
})
