import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { DsrAnswerTable, DsrLetterTaskTable, DsrRequestTable, Schema } from '../../platform/db/schema.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'
import { DSR_OPEN_STATUSES } from './dsr.ts'

export type DsrRequestRow = Selectable<DsrRequestTable>
export type DsrAnswerRow = Selectable<DsrAnswerTable>
export type DsrLetterTaskRow = Selectable<DsrLetterTaskTable> & { subject_id: string }

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

  async insert(row: Insertable<DsrRequestTable>, trx: Kysely<Schema>): Promise<DsrRequestRow> {
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
      .where('status', 'in', [...DSR_OPEN_STATUSES])
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** One keyset page of the open requests, the one due first on top (index dsr_request_open_idx). */
  open(
    page: { limit: number; after?: { dueAt: Date; id: string } | undefined },
    db = this.#db,
  ): Promise<DsrRequestRow[]> {
    let query = db
      .selectFrom('dsr_request')
      .selectAll()
      .where('status', 'in', [...DSR_OPEN_STATUSES])
    const after = page.after
    if (after)
      query = query.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(after.dueAt, after.id)))
    return query.orderBy('due_at').orderBy('id').limit(page.limit).execute()
  }

  async countOpen(db = this.#db): Promise<number> {
    const row = await db
      .selectFrom('dsr_request')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', [...DSR_OPEN_STATUSES])
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** One request by its id (index dsr_request_id_idx). */
  byId(id: string, db = this.#db): Promise<DsrRequestRow | undefined> {
    return db.selectFrom('dsr_request').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** One request, its row locked until the transaction ends (a step is decided on what it holds). */
  lockById(id: string, trx: Kysely<Schema>): Promise<DsrRequestRow | undefined> {
    return trx.selectFrom('dsr_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  async update(
    subjectId: string,
    id: string,
    change: Updateable<DsrRequestTable>,
    trx: Kysely<Schema>,
  ): Promise<DsrRequestRow> {
    return trx
      .updateTable('dsr_request')
      .set(change)
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  /** The open requests due before `before`, the one due first on top (the deadline warning). */
  dueBefore(before: Date, limit: number, db = this.#db): Promise<DsrRequestRow[]> {
    return db
      .selectFrom('dsr_request')
      .selectAll()
      .where('status', 'in', [...DSR_OPEN_STATUSES])
      .where('due_at', '<', before)
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  /** Stores (or replaces) the answer of a request. */
  async saveAnswer(row: Insertable<DsrAnswerTable>, trx: Kysely<Schema>): Promise<void> {
    await trx
      .insertInto('dsr_answer')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['subject_id', 'request_id']).doUpdateSet({
          lang: row.lang,
          report_sealed: row.report_sealed,
          created_at: row.created_at,
          expires_at: row.expires_at,
          created_by_type: row.created_by_type,
          created_by_id: row.created_by_id,
          downloaded_at: null,
        }),
      )
      .execute()
  }

  answer(subjectId: string, requestId: string, db = this.#db): Promise<DsrAnswerRow | undefined> {
    return db
      .selectFrom('dsr_answer')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('request_id', '=', requestId)
      .executeTakeFirst()
  }

  /** The answers of a subject (without their sealed content): what the portal offers to download. */
  answersOf(subjectId: string, db = this.#db): Promise<Omit<DsrAnswerRow, 'report_sealed'>[]> {
    return db
      .selectFrom('dsr_answer')
      .select([
        'subject_id',
        'request_id',
        'lang',
        'created_at',
        'expires_at',
        'created_by_type',
        'created_by_id',
        'downloaded_at',
      ])
      .where('subject_id', '=', subjectId)
      .execute()
  }

  async markDownloaded(subjectId: string, requestId: string, at: Date, db = this.#db): Promise<void> {
    await db
      .updateTable('dsr_answer')
      .set({ downloaded_at: at })
      .where('subject_id', '=', subjectId)
      .where('request_id', '=', requestId)
      .execute()
  }

  /** Deletes the answers whose download window ended; how many. */
  async deleteExpiredAnswers(now: Date, db = this.#db): Promise<number> {
    const rows = await db
      .deleteFrom('dsr_answer')
      .where('expires_at', '<', now)
      .returning('request_id')
      .execute()
    return rows.length
  }
  /** Art. 19: the letter tasks of an answer, in its transaction. */
  async insertLetterTasks(
    rows: readonly Insertable<DsrLetterTaskTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (rows.length === 0) return
    await trx
      .insertInto('dsr_letter_task')
      .values([...rows])
      .execute()
  }

  /** Letter tasks (with their request's subject), of one request or all; open ones or every one; oldest first. */
  letterTasks(
    filter: { requestId?: string | undefined; status?: 'open' | 'done' | undefined; limit: number },
    db = this.#db,
  ): Promise<DsrLetterTaskRow[]> {
    let q = db
      .selectFrom('dsr_letter_task as t')
      .innerJoin('dsr_request as r', 'r.id', 't.request_id')
      .selectAll('t')
      .select('r.subject_id')
    if (filter.requestId) q = q.where('t.request_id', '=', filter.requestId)
    if (filter.status) q = q.where('t.status', '=', filter.status)
    return q.orderBy('t.created_at').orderBy('t.id').limit(filter.limit).execute()
  }

  /** One letter task, locked until the transaction ends. */
  lockLetterTask(id: string, trx: Kysely<Schema>): Promise<DsrLetterTaskRow | undefined> {
    return trx
      .selectFrom('dsr_letter_task as t')
      .innerJoin('dsr_request as r', 'r.id', 't.request_id')
      .selectAll('t')
      .select('r.subject_id')
      .where('t.id', '=', id)
      .forUpdate()
      .executeTakeFirst()
  }

  async completeLetterTask(
    id: string,
    done: { at: Date; byType: string; byId: string; note: string | null },
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('dsr_letter_task')
      .set({
        status: 'done',
        done_at: done.at,
        done_by_type: done.byType,
        done_by_id: done.byId,
        done_note: done.note,
      })
      .where('id', '=', id)
      .execute()
  }
}
