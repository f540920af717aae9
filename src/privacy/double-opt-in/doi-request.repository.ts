import { type Kysely, type Selectable, sql } from 'kysely'
import type { DoiRequestTable, Schema } from '../../platform/db/schema.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'

export type DoiRequestRow = Selectable<DoiRequestTable>
export type DoiRequestStatus = 'pending' | 'confirmed' | 'expired' | 'superseded'

/** SQL for double opt-in requests and their link tokens; one query per method. */
export class DoiRequestRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Locks the subject's row: concurrent sign-ups of one subject decide one after the other. */
  lockSubject(subjectId: string, trx: Kysely<Schema>): Promise<{ erased: boolean } | undefined> {
    return lockSubjectRow(trx, subjectId)
  }

  /** When the subject's latest confirmation mail went out (or was claimed), or undefined. */
  async lastMailedAt(subjectId: string, db = this.#db): Promise<Date | undefined> {
    const row = await db
      .selectFrom('doi_request')
      .select((eb) => eb.fn.max('mailed_at').as('at'))
      .where('subject_id', '=', subjectId)
      .executeTakeFirst()
    return row?.at ? new Date(row.at as Date) : undefined
  }

  async insert(
    row: {
      subjectId: string
      id: string
      formKey: string
      purposes: DoiRequestRow['purposes']
      requestedAt: Date
      expiresAt: Date
      mailedAt: Date | null
      tokenHash: Buffer
    },
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .insertInto('doi_request')
      .values({
        subject_id: row.subjectId,
        id: row.id,
        form_key: row.formKey,
        purposes: JSON.stringify(row.purposes),
        requested_at: row.requestedAt,
        expires_at: row.expiresAt,
        mailed_at: row.mailedAt,
      })
      .execute()
    await trx
      .insertInto('doi_token')
      .values({ token_hash: row.tokenHash, subject_id: row.subjectId, request_id: row.id })
      .execute()
  }

  /** The request a link's token digest belongs to. */
  findByToken(tokenHash: Buffer, db = this.#db): Promise<DoiRequestRow | undefined> {
    return db
      .selectFrom('doi_token')
      .innerJoin('doi_request', (join) =>
        join
          .onRef('doi_request.subject_id', '=', 'doi_token.subject_id')
          .onRef('doi_request.id', '=', 'doi_token.request_id'),
      )
      .selectAll('doi_request')
      .where('doi_token.token_hash', '=', tokenHash)
      .executeTakeFirst()
  }

  /** The pending requests of a subject, locked (the caller's transaction decides on them). */
  pendingOf(subjectId: string, trx: Kysely<Schema>): Promise<DoiRequestRow[]> {
    return trx
      .selectFrom('doi_request')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('status', '=', 'pending')
      .orderBy('requested_at')
      .forUpdate()
      .execute()
  }

  /** Re-reads one request under a row lock. */
  lock(subjectId: string, id: string, trx: Kysely<Schema>): Promise<DoiRequestRow | undefined> {
    return trx
      .selectFrom('doi_request')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
  }

  async close(
    subjectId: string,
    ids: readonly string[],
    status: Exclude<DoiRequestStatus, 'pending'>,
    at: Date,
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (ids.length === 0) return
    await trx
      .updateTable('doi_request')
      .set({ status, closed_at: at })
      .where('subject_id', '=', subjectId)
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .where('status', '=', 'pending')
      .execute()
  }

  /** Gives the mail slot back after a failed send, so the next sign-up may send one. */
  async releaseMail(subjectId: string, id: string, db = this.#db): Promise<void> {
    await db
      .updateTable('doi_request')
      .set({ mailed_at: null })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .execute()
  }

  /** Subjects with a pending request whose link ran out at `now`, in expiry order. */
  async subjectsWithDue(now: Date, limit: number, db = this.#db): Promise<string[]> {
    const rows = await db
      .selectFrom('doi_request')
      .select('subject_id')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .groupBy('subject_id')
      .orderBy((eb) => eb.fn.min('expires_at'))
      .limit(limit)
      .execute()
    return rows.map((r) => r.subject_id)
  }
}
