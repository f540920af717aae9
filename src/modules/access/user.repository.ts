import type { Kysely } from 'kysely'
import type { AppUserRow, Schema } from '../../platform/db/schema.ts'

export type UserRow = AppUserRow

/** SQL for users, sessions and API tokens; one query per method. */
export class UserRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  findByEmail(emailNormalized: string): Promise<UserRow | undefined> {
    return this.#db
      .selectFrom('app_user')
      .selectAll()
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst()
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst()
  }

  list(): Promise<UserRow[]> {
    return this.#db.selectFrom('app_user').selectAll().orderBy('email_normalized').execute()
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  insert(user: {
    email: string
    emailNormalized: string
    passwordHash: string
    role: string
    displayName: string | null
  }) {
    return this.#db
      .insertInto('app_user')
      .values({
        email: user.email,
        email_normalized: user.emailNormalized,
        password_hash: user.passwordHash,
        role: user.role,
        display_name: user.displayName,
      })
      .onConflict((oc) => oc.column('email_normalized').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  insertSession(session: { tokenHash: string; userId: string; expiresAt: Date }) {
    return this.#db
      .insertInto('user_session')
      .values({ token_hash: session.tokenHash, user_id: session.userId, expires_at: session.expiresAt })
      .execute()
  }

  /** The session's user if the session is within both timeouts and the user is enabled. */
  findActiveSession(tokenHash: string, idleSince: Date) {
    return this.#db
      .selectFrom('user_session as s')
      .innerJoin('app_user as u', 'u.id', 's.user_id')
      .select(['s.token_hash', 's.last_seen_at', 'u.id', 'u.email', 'u.display_name', 'u.role'])
      .where('s.token_hash', '=', tokenHash)
      .where('s.expires_at', '>', new Date())
      .where('s.last_seen_at', '>', idleSince)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst()
  }

  touchSession(tokenHash: string) {
    return this.#db
      .updateTable('user_session')
      .set({ last_seen_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .execute()
  }

  deleteSession(tokenHash: string) {
    return this.#db.deleteFrom('user_session').where('token_hash', '=', tokenHash).execute()
  }

  /** Removes sessions past their absolute or idle timeout; returns how many. */
  async deleteExpiredSessions(idleSince: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('user_session')
      .where((eb) => eb.or([eb('expires_at', '<=', new Date()), eb('last_seen_at', '<=', idleSince)]))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  insertToken(token: { userId: string; name: string; tokenHash: string; prefix: string }) {
    return this.#db
      .insertInto('api_token')
      .values({ user_id: token.userId, name: token.name, token_hash: token.tokenHash, prefix: token.prefix })
      .returning(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
      .executeTakeFirstOrThrow()
  }

  /** The token's user if the token is not revoked and the user is enabled. */
  findActiveToken(tokenHash: string) {
    return this.#db
      .selectFrom('api_token as t')
      .innerJoin('app_user as u', 'u.id', 't.user_id')
      .select(['t.id as token_id', 't.last_used_at', 'u.id', 'u.email', 'u.display_name', 'u.role'])
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst()
  }

  touchToken(tokenId: string) {
    return this.#db
      .updateTable('api_token')
      .set({ last_used_at: new Date() })
      .where('id', '=', tokenId)
      .execute()
  }

  listTokens(userId: string) {
    return this.#db
      .selectFrom('api_token')
      .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute()
  }

  async revokeToken(userId: string, tokenId: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_token')
      .set({ revoked_at: new Date() })
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }
}
