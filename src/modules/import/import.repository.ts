import { type Kysely, type Selectable, sql } from 'kysely'
import type { ImportBatchTable, Schema } from '../../platform/db/schema.ts'

export type ImportBatchRow = Selectable<ImportBatchTable>
export type ImportBatchSummaryRow = Omit<ImportBatchRow, 'problems' | 'format' | 'consent_reference'>

/** Any constant: the first key of the session advisory locks by which processes hold their running imports. */
const RUNNING_IMPORT_LOCK = 7_305_113

/** What a process holds while its import runs (`hold`). */
export interface HeldImport {
  release(): Promise<void>
}

/** SQL for import runs and their reports; one query per method. */
export class ImportRepository {
  readonly #db: Kysely<Schema>
  readonly #concurrentProcesses: boolean
  /**
   * `concurrentProcesses`: other processes may run imports on the database at the same time
   * (PostgreSQL, the default); PGlite is one process's database, its data dir locked against others.
   */
  constructor(db: Kysely<Schema>, options: { concurrentProcesses?: boolean } = {}) {
    this.#db = db
    this.#concurrentProcesses = options.concurrentProcesses ?? true
  }

  /**
   * Marks an import as this process's while it runs: a session advisory lock keyed by its id, on a
   * connection kept for it until `release`. If the process dies the server ends the connection and
   * the lock with it, and `markInterrupted` sees the import is nobody's. Taken before the import's row
   * is written. On PGlite nothing is held: no other process can have the database open.
   */
  async hold(id: string): Promise<HeldImport> {
    if (!this.#concurrentProcesses) return { release: async () => {} }
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked = () => {}
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const holding = this.#db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${RUNNING_IMPORT_LOCK}::int4, hashtext(${id}))`.execute(connection)
      locked()
      await released
      await sql`select pg_advisory_unlock(${RUNNING_IMPORT_LOCK}::int4, hashtext(${id}))`.execute(connection)
    })
    await Promise.race([isLocked, holding])
    return {
      async release() {
        release()
        // a connection lost meanwhile took the lock with it
        await holding.catch(() => {})
      },
    }
  }

  /**
   * Imports left `running` by a process that ended mid-way (killed, crashed): those no live
   * process holds (`hold`) become `interrupted`. Returns how many.
   */
  async markInterrupted(error: string): Promise<number> {
    const { rows } = await sql<{ id: string }>`
      update import_batch as b set status = 'interrupted', error = ${error}
      where b.status = 'running' and not exists (
        select 1 from pg_locks as l
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid = ${RUNNING_IMPORT_LOCK}::int4::oid and l.objid = hashtext(b.id::text)::oid
      )
      returning b.id`.execute(this.#db)
    return rows.length
  }

  async start(row: {
    id: string
    kind: string
    actorType: string
    actorId: string
    source: string | null
    purposeKey: string | null
    consentReference: string | null
    format: Record<string, unknown>
    startedAt: Date
  }): Promise<void> {
    await this.#db
      .insertInto('import_batch')
      .values({
        id: row.id,
        kind: row.kind,
        status: 'running',
        actor_type: row.actorType,
        actor_id: row.actorId,
        source: row.source,
        purpose_key: row.purposeKey,
        consent_reference: row.consentReference,
        format: sql`${JSON.stringify(row.format)}::jsonb`,
        started_at: row.startedAt,
      })
      .execute()
  }

  async finish(
    id: string,
    result: {
      status: 'done' | 'failed'
      rows: number
      imported: number
      skipped: number
      rejected: number
      problems: readonly unknown[]
      problemsTruncated: boolean
      error: string | null
      finishedAt: Date
    },
  ): Promise<void> {
    await this.#db
      .updateTable('import_batch')
      .set({
        status: result.status,
        rows: result.rows,
        imported: result.imported,
        skipped: result.skipped,
        rejected: result.rejected,
        problems: sql`${JSON.stringify(result.problems)}::jsonb`,
        problems_truncated: result.problemsTruncated,
        error: result.error,
        finished_at: result.finishedAt,
      })
      .where('id', '=', id)
      .execute()
  }

  find(id: string): Promise<ImportBatchRow | undefined> {
    return this.#db.selectFrom('import_batch').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** The latest runs, newest first, without their problem lists (up to 10,000 each). */
  list(limit: number): Promise<ImportBatchSummaryRow[]> {
    return this.#db
      .selectFrom('import_batch')
      .select([
        'id',
        'kind',
        'status',
        'actor_type',
        'actor_id',
        'source',
        'purpose_key',
        'rows',
        'imported',
        'skipped',
        'rejected',
        'problems_truncated',
        'error',
        'started_at',
        'finished_at',
      ])
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute()
  }
}
