import type { Kysely, Selectable } from 'kysely'
import type { DsrRequestTable, Schema } from '../../platform/db/schema.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'

export type DsrRequestRow = Selectable<DsrRequestTable>

/** SQL for data subject requests; one query per method. */
export class DsrRequestRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Locks the subject's row (like every writer of a subject's records); undefined if unknown. */
  lockSubject(subjectId: string, trx: Kysely<Schema>): Promise<{ erased: boolean } | undefined> {
    return lockSubjectRow(trx, subjectId)
  }

  /** Whether the subject exists (erased or not). */
  async subjectExists(subjectId: string, db = this.#db): Promise<boolean> {
    const row = await db.selectFrom('subject').select('id').where('id', '=', subjectId).executeTakeFirst()
    return row !== undefined
  }

  async insert(row: Omit<DsrRequestRow, 'status'>, trx: Kysely<Schema>): Promise<DsrRequestRow> {
    return trx.insertInto('dsr_request').values(row).returningAll().executeTakeFirstOrThrow()
  }

  /** A subject's requests, the latest received first. */
  ofSubject(subjectId: string, db = this.#db): Promise<DsrRequestRow[]> {
    return db
      .selectFrom('dsr_request')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
  }

  /** Whether the subject has an open request of this kind. */
  /** The first `count` living subjects of a source (oldest first): whom demo requests come from. */
  async subjectsOfSource(source: string, count: number, db = this.#db): Promise<string[]> {
    const rows = await db
      .selectFrom('subject')
      .select('id')
      .where('source', '=', source)
      .where('erased_at', 'is', null)
      .where('merged_into', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(count)
      .execute()
    return rows.map((r) => r.id)
  }

  async hasOpen(subjectId: string, kind: string, db = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom('dsr_request')
      .select('id')
      .where('subject_id', '=', subjectId)
      .where('kind', '=', kind)
      .where('status', '=', 'received')
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** One keyset page of the open requests, the one due first on top (index dsr_request_open_idx). */
  open(
    page: { limit: number; after?: { dueAt: Date; id: string } | undefined },
    db = this.#db,
  ): Promise<DsrRequestRow[]> {
    let query = db.selectFrom('dsr_request').selectAll().where('status', '=', 'received')
    const after = page.after
    if (after)
      query = query.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(after.dueAt, after.id)))
    return query.orderBy('due_at').orderBy('id').limit(page.limit).execute()
  }

  async countOpen(db = this.#db): Promise<number> {
    const row = await db
      .selectFrom('dsr_request')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'received')
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
