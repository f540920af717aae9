import type { Kysely, Selectable } from 'kysely'
import type { ProcessingRecordVersionTable, Schema } from '../../platform/db/schema.ts'

export type ProcessingRecordVersionRow = Selectable<ProcessingRecordVersionTable>

/** SQL of the adopted versions of the record of processing activities (migration 0031). */
export class ProcessingRecordRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The newest `limit` versions, newest first. */
  latest(limit: number, trx: Kysely<Schema> = this.#db): Promise<ProcessingRecordVersionRow[]> {
    return trx
      .selectFrom('processing_record_version')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(limit)
      .execute()
  }

  /** Every version without its content, newest first. */
  list(): Promise<Omit<ProcessingRecordVersionRow, 'content'>[]> {
    return this.#db
      .selectFrom('processing_record_version')
      .select(['version', 'sha256', 'adopted_by_type', 'adopted_by_id', 'adopted_at'])
      .orderBy('version', 'desc')
      .execute()
  }

  find(version: number): Promise<ProcessingRecordVersionRow | undefined> {
    return this.#db
      .selectFrom('processing_record_version')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst()
  }

  /**
   * Stores the next version; the primary key makes a concurrent adoption of the same number fail
   * (the caller retries or reports), so numbers stay gap-free.
   */
  async insert(row: ProcessingRecordVersionRow, trx: Kysely<Schema>): Promise<void> {
    await trx.insertInto('processing_record_version').values(row).execute()
  }
}
