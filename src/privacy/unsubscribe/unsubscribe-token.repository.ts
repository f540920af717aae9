import type { Kysely, Selectable } from 'kysely'
import type { Schema, UnsubscribeTokenTable } from '../../platform/db/schema.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'

export type UnsubscribeTokenRow = Selectable<UnsubscribeTokenTable>

/** SQL for unsubscribe links (table `unsubscribe_token`, migration 0018); one query per method. */
export class UnsubscribeTokenRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The link a token's digest belongs to. */
  findByToken(tokenHash: Buffer, db = this.#db): Promise<UnsubscribeTokenRow | undefined> {
    return db
      .selectFrom('unsubscribe_token')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
  }

  /** Many rows in one statement (a campaign's batch); existing ones are left alone. */
  async insertManyIfAbsent(
    rows: readonly {
      tokenHash: Buffer
      subjectId: string
      purposeKey: string
      channel: string
      createdAt: Date
    }[],
    db = this.#db,
  ): Promise<void> {
    if (rows.length === 0) return
    await db
      .insertInto('unsubscribe_token')
      .values(
        rows.map((row) => ({
          token_hash: row.tokenHash,
          subject_id: row.subjectId,
          purpose_key: row.purposeKey,
          channel: row.channel,
          created_at: row.createdAt,
        })),
      )
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute()
  }

  /** Of these subjects, the ones that exist and are not erased. */
  async existingSubjects(subjectIds: readonly string[], db = this.#db): Promise<Set<string>> {
    if (subjectIds.length === 0) return new Set()
    const rows = await db
      .selectFrom('subject')
      .select('id')
      .where('id', 'in', [...subjectIds])
      .where('erased_at', 'is', null)
      .execute()
    return new Set(rows.map((r) => r.id))
  }

  /** Whether the subject exists and was erased; undefined when there is no such subject. */
  async findSubject(subjectId: string, db = this.#db): Promise<{ erased: boolean } | undefined> {
    const row = await db
      .selectFrom('subject')
      .select('erased_at')
      .where('id', '=', subjectId)
      .executeTakeFirst()
    return row && { erased: row.erased_at !== null }
  }

  /** Locks the subject's row: two clicks on one link (mail providers sometimes POST twice) decide in turn. */
  lockSubject(subjectId: string, trx: Kysely<Schema>): Promise<{ erased: boolean } | undefined> {
    return lockSubjectRow(trx, subjectId)
  }

  /** Notes when the link was first used to unsubscribe. */
  async markUsed(tokenHash: Buffer, at: Date, trx: Kysely<Schema>): Promise<void> {
    await trx
      .updateTable('unsubscribe_token')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .execute()
  }
}
