import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import type { Engine } from '../../src/platform/db/database.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { describeEachEngine, ENGINES } from '../support/engines.ts'
import { buildTestApp, type TestApp } from '../support/http.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

interface Result {
  id: string
  status: string
  rows: number
  imported: number
  skipped: number
  rejected: number
}

const PROVENANCE = { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' }

/** A CSV of `n` people of a series with e-mail address and phone number, numbered from `from`. */
function people(series: number, n: number, from = 0): Buffer {
  const lines = ['E-Mail;Telefon;Nachname']
  for (let i = from; i < from + n; i++)
    lines.push(`p${series}-${i}@recovery.test;+49 30 ${2_000_000 + series * 10_000 + i};Person ${i}`)
  return Buffer.from(lines.join('\r\n'))
}

describeEachEngine('imports at the same time', (runtime) => {
  let t: TestApp
  let admin: string

  const upload = (body: Buffer) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams(PROVENANCE)}`,
      headers: { cookie: admin, 'content-type': 'text/csv' },
      payload: body,
    })

  /** Blind-index entries of a kind and how many distinct values they hold. */
  const indexed = async (kind: 'email' | 'phone') => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ entries: number; values: number }>(
        'select count(*)::int as entries, count(distinct digest)::int as values from blind_index where kind = $1',
        [kind],
      ),
    )
    return rows[0]
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('two imports of one file at once store each person once; the other import reports them as already there', async () => {
    const file = people(1, 300)
    const [first, second] = (await Promise.all([upload(file), upload(file)])).map((res) => {
      expect(res.statusCode, res.body).toBe(200)
      return res.json() as Result
    }) as [Result, Result]
    expect(first.status).toBe('done')
    expect(second.status).toBe('done')
    expect(first.imported + second.imported).toBe(300)
    expect(first.skipped + second.skipped).toBe(300)
    expect(first.rejected + second.rejected).toBe(0)
    // each address and each number on one subject only
    expect(await indexed('email')).toEqual({ entries: 300, values: 300 })
    expect(await indexed('phone')).toEqual({ entries: 300, values: 300 })
  })

  it('files that overlap, imported at once, store the shared people once', async () => {
    // 0-249 and 150-399: 100 people in both files, and 400 in all
    const [a, b] = (await Promise.all([upload(people(2, 250)), upload(people(2, 250, 150))])).map(
      (res) => res.json() as Result,
    ) as [Result, Result]
    expect(a.imported + b.imported).toBe(400)
    expect(a.skipped + b.skipped).toBe(100)
    expect(await indexed('email')).toEqual({ entries: 700, values: 700 })
  })
})

/**
 * A database that outlives its runtimes (PGlite in a data dir, or a PostgreSQL database), so that a
 * process can be "restarted": `open` starts a runtime as `tresor serve`, the worker or the CLI do.
 */
async function persistentStore(engine: Engine) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-test-'))
  const adminUrl = inject('postgresUrl')
  let dbName: string | undefined
  let databaseUrl: string | undefined
  if (engine === 'postgres') {
    if (!adminUrl) throw new Error(inject('postgresError'))
    dbName = `t_${randomBytes(6).toString('hex')}`
    databaseUrl = await createDatabase(adminUrl, dbName)
  }
  const config = loadConfig({
    TRESOR_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  return {
    open: () => openRuntime(config, { logger: createLogger('silent') }),
    async dispose() {
      if (dbName) await dropDatabase(adminUrl, dbName)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const CLI = { actor: { type: 'system' as const, id: 'tresor-cli', role: 'admin' } }
const SUBJECTS = {
  kind: 'subjects' as const,
  provenance: { source: 'crm-migration', purpose: 'contact_management' },
}

const statusOf = async (runtime: Runtime, id: string) =>
  (
    await runtime.database.db
      .selectFrom('import_batch')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst()
  )?.status

for (const engine of ENGINES) {
  describe(`an import that stops mid-way [${engine}]`, () => {
    let store: Awaited<ReturnType<typeof persistentStore>>
    beforeAll(async () => {
      store = await persistentStore(engine)
    })
    afterAll(async () => {
      await store?.dispose()
    })

    it('is marked interrupted when a process starts next, listed so, and running its file again completes it', async () => {
      const file = people(3, 2_500)
      const before = await store.open()
      // What a process killed after its first batch leaves behind: that batch stored, the import
      // `running`. (Its first 1,000 rows imported, then the row put back as it was.)
      const landed = await before.services.imports.run(CLI, { bytes: people(3, 1_000) }, SUBJECTS)
      expect(landed).toMatchObject({ status: 'done', imported: 1_000 })
      await before.database.db
        .updateTable('import_batch')
        .set({ status: 'running', finished_at: null, rows: 0, imported: 0 })
        .where('id', '=', landed.id)
        .execute()
      await before.close()

      const after = await store.open()
      try {
        expect(await statusOf(after, landed.id)).toBe('interrupted')
        const t = await buildTestApp({ ...after, dispose: async () => {} })
        try {
          const admin = await t.signIn('admin@example.test', 'admin')
          const list = await t.app.inject({
            method: 'GET',
            url: '/api/v1/imports',
            headers: { cookie: admin },
          })
          expect(list.json()).toContainEqual(
            expect.objectContaining({
              id: landed.id,
              status: 'interrupted',
              error: expect.stringContaining('run the same file again'),
            }),
          )
          const again = await t.app.inject({
            method: 'POST',
            url: `/api/v1/imports?${new URLSearchParams(PROVENANCE)}`,
            headers: { cookie: admin, 'content-type': 'text/csv' },
            payload: file,
          })
          expect(again.json()).toMatchObject({
            status: 'done',
            rows: 2_500,
            imported: 1_500,
            skipped: 1_000,
            rejected: 0,
          })
        } finally {
          await t.app.close()
        }
        // every row of the file present, once
        const { rows } = await after.database.transaction((tx) =>
          tx.query<{ entries: number; values: number }>(
            `select count(*)::int as entries, count(distinct digest)::int as values from blind_index where kind = 'email'`,
          ),
        )
        expect(rows[0]).toEqual({ entries: 2_500, values: 2_500 })
      } finally {
        await after.close()
      }
      // the next start leaves the imports that ended as they are
      const third = await store.open()
      try {
        expect(
          await third.database.db.selectFrom('import_batch').select('status').orderBy('started_at').execute(),
        ).toEqual([{ status: 'interrupted' }, { status: 'done' }])
      } finally {
        await third.close()
      }
    }, 120_000)

    if (engine === 'postgres')
      it('is left running while the process that runs it lives, when another process starts', async () => {
        const serving = await store.open()
        // The import waits for the people table (locked here), so it is running when a worker starts.
        let unlock = () => {}
        const unlocked = new Promise<void>((resolve) => {
          unlock = resolve
        })
        let locked = () => {}
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve
        })
        const blocker = serving.database.transaction(async (tx) => {
          await tx.query('lock table subject in share mode')
          locked()
          await unlocked
        })
        await isLocked
        const running = serving.services.imports.run(CLI, { bytes: people(4, 100) }, SUBJECTS)
        let id: string | undefined
        while (!id) {
          const row = await serving.database.db
            .selectFrom('import_batch')
            .select('id')
            .where('status', '=', 'running')
            .executeTakeFirst()
          id = row?.id
          if (!id) await new Promise((resolve) => setTimeout(resolve, 20))
        }
        const worker = await store.open()
        try {
          expect(await statusOf(worker, id)).toBe('running')
        } finally {
          await worker.close()
          unlock()
          await blocker
        }
        expect(await running).toMatchObject({ id, status: 'done', imported: 100 })
        expect(await statusOf(serving, id)).toBe('done')
        await serving.close()
      })
  })
}
