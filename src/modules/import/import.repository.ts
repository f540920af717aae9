import { type Kysely, type Selectable, sql } from 'kysely'
import type { ImportBatchTable, Schema } from '../../platform/db/schema.ts'

export type ImportBatchRow = Selectable<ImportBatchTable>
export type ImportBatchSummaryRow = Omit<ImportBatchRow, 'problems' | 'format' | 'consent_reference'>

/** SQL for import runs and their reports; one query per method. */
export class ImportRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
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
