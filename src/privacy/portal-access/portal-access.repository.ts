import { type Kysely, type Selectable, sql } from 'kysely'
import type { PortalLinkTable, PortalSessionTable, Schema } from '../../platform/db/schema.ts'
import { lockSubjectRow } from '../subjects/subject-lock.ts'

export type PortalLinkRow = Selectable<PortalLinkTable>
export type PortalSessionRow = Selectable<PortalSessionTable>

/** SQL for the privacy portal's sign-in links and sessions; one query per method. */
export class PortalAccessRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Locks the subject's row: sign-in requests and sign-ins of one subject decide one after the other. */
  lockSubject(subjectId: string, trx: Kysely<Schema>): Promise<{ erased: boolean } | undefined> {
    return lockSubjectRow(trx, subjectId)
  }

  /** When the subject's latest sign-in link was made, or undefined. */
  async lastLinkAt(subjectId: string, db = this.#db): Promise<Date | undefined> {
    const row = await db
      .selectFrom('portal_link')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('subject_id', '=', subjectId)
      .executeTakeFirst()
    return row?.at ? new Date(row.at as Date) : undefined
  }

  async insertLink(
    row: { subjectId: string; id: string; createdAt: Date; expiresAt: Date; tokenHash: Buffer },
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .insertInto('portal_link')
      .values({
        subject_id: row.subjectId,
        id: row.id,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
      })
      .execute()
    await trx
      .insertInto('portal_token')
      .values({ token_hash: row.tokenHash, kind: 'link', subject_id: row.subjectId, ref_id: row.id })
      .execute()
  }

  /** Removes a link that was never mailed (the send failed), so the next request may send one. */
  async deleteLink(subjectId: string, id: string, db = this.#db): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('portal_token')
        .where('subject_id', '=', subjectId)
        .where('kind', '=', 'link')
        .where('ref_id', '=', id)
        .execute()
      await trx.deleteFrom('portal_link').where('subject_id', '=', subjectId).where('id', '=', id).execute()
    })
  }

  /** The link a token digest belongs to. */
  findLink(tokenHash: Buffer, db = this.#db): Promise<PortalLinkRow | undefined> {
    return db
      .selectFrom('portal_token')
      .innerJoin('portal_link', (join) =>
        join
          .onRef('portal_link.subject_id', '=', 'portal_token.subject_id')
          .onRef('portal_link.id', '=', 'portal_token.ref_id'),
      )
      .selectAll('portal_link')
      .where('portal_token.token_hash', '=', tokenHash)
      .where('portal_token.kind', '=', 'link')
      .executeTakeFirst()
  }

  /** Re-reads one link under a row lock. */
  lockLink(subjectId: string, id: string, trx: Kysely<Schema>): Promise<PortalLinkRow | undefined> {
    return trx
      .selectFrom('portal_link')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
  }

  async markLinkUsed(subjectId: string, id: string, at: Date, trx: Kysely<Schema>): Promise<void> {
    await trx
      .updateTable('portal_link')
      .set({ used_at: at })
      .where('subject_id', '=', subjectId)
      .where('id', '=', id)
      .execute()
  }

  async insertSession(
    row: {
      subjectId: string
      id: string
      linkId: string
      linkSentAt: Date
      createdAt: Date
      expiresAt: Date
      tokenHash: Buffer
    },
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .insertInto('portal_session')
      .values({
        subject_id: row.subjectId,
        id: row.id,
        link_id: row.linkId,
        link_sent_at: row.linkSentAt,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
      })
      .execute()
    await trx
      .insertInto('portal_token')
      .values({ token_hash: row.tokenHash, kind: 'session', subject_id: row.subjectId, ref_id: row.id })
      .execute()
  }

  /** The session a token digest belongs to, if it is still valid at `now` and its subject not erased. */
  findLiveSession(tokenHash: Buffer, now: Date, db = this.#db): Promise<PortalSessionRow | undefined> {
    return db
      .selectFrom('portal_token')
      .innerJoin('portal_session', (join) =>
        join
          .onRef('portal_session.subject_id', '=', 'portal_token.subject_id')
          .onRef('portal_session.id', '=', 'portal_token.ref_id'),
      )
      .innerJoin('subject', 'subject.id', 'portal_session.subject_id')
      .selectAll('portal_session')
      .where('portal_token.token_hash', '=', tokenHash)
      .where('portal_token.kind', '=', 'session')
      .where('portal_session.expires_at', '>', now)
      .where('subject.erased_at', 'is', null)
      .executeTakeFirst()
  }

  /** Ends a session: its row and its token go. Returns the subject it belonged to, if any. */
  async deleteSession(tokenHash: Buffer, db = this.#db): Promise<{ subjectId: string } | undefined> {
    return db.transaction().execute(async (trx) => {
      const token = await trx
        .deleteFrom('portal_token')
        .where('token_hash', '=', tokenHash)
        .where('kind', '=', 'session')
        .returning(['subject_id', 'ref_id'])
        .executeTakeFirst()
      if (!token) return undefined
      await trx
        .deleteFrom('portal_session')
        .where('subject_id', '=', token.subject_id)
        .where('id', '=', token.ref_id)
        .execute()
      return { subjectId: token.subject_id }
    })
  }

  /**
   * Deletes sessions that ran out before `sessionsBefore` and links that ran out before
   * `linksBefore`, with their tokens. Returns how many of each.
   */
  async deleteExpired(
    cutoffs: { sessionsBefore: Date; linksBefore: Date },
    db = this.#db,
  ): Promise<{ sessions: number; links: number }> {
    return db.transaction().execute(async (trx) => {
      await sql`delete from portal_token t using portal_session s
        where t.kind = 'session' and s.subject_id = t.subject_id and s.id = t.ref_id
          and s.expires_at < ${cutoffs.sessionsBefore.toISOString()}::timestamptz`.execute(trx)
      const sessions = await trx
        .deleteFrom('portal_session')
        .where('expires_at', '<', cutoffs.sessionsBefore)
        .executeTakeFirst()
      await sql`delete from portal_token t using portal_link l
        where t.kind = 'link' and l.subject_id = t.subject_id and l.id = t.ref_id
          and l.expires_at < ${cutoffs.linksBefore.toISOString()}::timestamptz`.execute(trx)
      const links = await trx
        .deleteFrom('portal_link')
        .where('expires_at', '<', cutoffs.linksBefore)
        .executeTakeFirst()
      return { sessions: Number(sessions.numDeletedRows), links: Number(links.numDeletedRows) }
    })
  }
}
