import type { Kysely, Transaction } from 'kysely'
import type { AppUserRow, Schema } from '../../platform/db/schema.ts'

export type UserRow = AppUserRow

/** SQL for users, sessions, login challenges and API tokens; one query per method. */
export class UserRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Runs `fn` in one transaction with a repository bound to it (and the transaction, for the audit). */
  transaction<T>(fn: (repo: UserRepository, trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => fn(new UserRepository(trx), trx))
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

  /** Locks the user row for the rest of the transaction (PostgreSQL; PGlite is one session anyway). */
  findByIdForUpdate(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('app_user').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
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

  /** Sets the role and/or the disabled time of a user; returns the row after the change. */
  update(id: string, values: { role?: string; disabledAt?: Date | null }) {
    return this.#db
      .updateTable('app_user')
      .set({
        ...(values.role !== undefined ? { role: values.role } : {}),
        ...(values.disabledAt !== undefined ? { disabled_at: values.disabledAt } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
  }

  // --- TOTP ---------------------------------------------------------------------------------

  /** Stores a new, not yet active secret; refused (false) while TOTP is active. */
  async setPendingTotp(userId: string, sealedSecret: Buffer): Promise<boolean> {
    const result = await this.#db
      .updateTable('app_user')
      .set({ totp_secret: sealedSecret, totp_enabled_at: null, totp_last_step: null, updated_at: new Date() })
      .where('id', '=', userId)
      .where('totp_enabled_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Activates the pending secret, remembering the step of the code that confirmed it. */
  async enableTotp(userId: string, step: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('app_user')
      .set({ totp_enabled_at: new Date(), totp_last_step: step, updated_at: new Date() })
      .where('id', '=', userId)
      .where('totp_enabled_at', 'is', null)
      .where('totp_secret', 'is not', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * Claims a time step for the user: succeeds only if it is newer than the last claimed one, so
   * a code is accepted once even when two requests race with it.
   */
  async claimTotpStep(userId: string, step: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('app_user')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async clearTotp(userId: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('app_user')
      .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: new Date() })
      .where('id', '=', userId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  // --- Login challenges (between password and TOTP code) --------------------------------------

  insertChallenge(challenge: { tokenHash: string; userId: string; expiresAt: Date }) {
    return this.#db
      .insertInto('login_challenge')
      .values({ token_hash: challenge.tokenHash, user_id: challenge.userId, expires_at: challenge.expiresAt })
      .execute()
  }

  /**
   * Counts one code attempt against a live challenge and returns its user, or undefined when the
   * challenge is unknown, expired or has used up its attempts.
   */
  countChallengeAttempt(tokenHash: string, maxAttempts: number) {
    return this.#db
      .updateTable('login_challenge')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', new Date())
      .where('attempts', '<', maxAttempts)
      .returning(['user_id', 'attempts'])
      .executeTakeFirst()
  }

  /** Removes a challenge; true for the one caller that removed it (single use). */
  async deleteChallenge(tokenHash: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('login_challenge')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  }

  async deleteExpiredChallenges(): Promise<number> {
    const result = await this.#db
      .deleteFrom('login_challenge')
      .where('expires_at', '<=', new Date())
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  // --- Sessions ---------------------------------------------------------------------------------

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

  /** Ends one session; returns its user id when there was one. */
  async deleteSession(tokenHash: string): Promise<string | undefined> {
    const row = await this.#db
      .deleteFrom('user_session')
      .where('token_hash', '=', tokenHash)
      .returning('user_id')
      .executeTakeFirst()
    return row?.user_id
  }

  /** Ends every session of a user (disabled, role changed, second factor reset). */
  /** Ends the user's sessions (all, or all but `except`, a session's token hash); returns how many. */
  async deleteSessionsOfUser(userId: string, options: { except?: string | undefined } = {}): Promise<number> {
    let query = this.#db.deleteFrom('user_session').where('user_id', '=', userId)
    if (options.except !== undefined) query = query.where('token_hash', '<>', options.except)
    const result = await query.executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Removes sessions past their absolute or idle timeout; returns how many. */
  async deleteExpiredSessions(idleSince: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('user_session')
      .where((eb) => eb.or([eb('expires_at', '<=', new Date()), eb('last_seen_at', '<=', idleSince)]))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  // --- API tokens -------------------------------------------------------------------------------

  insertToken(token: {
    userId: string
    name: string
    tokenHash: string
    prefix: string
    role: string
    expiresAt: Date | null
  }) {
    return this.#db
      .insertInto('api_token')
      .values({
        user_id: token.userId,
        name: token.name,
        token_hash: token.tokenHash,
        prefix: token.prefix,
        role: token.role,
        expires_at: token.expiresAt,
      })
      .returning(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at', 'expires_at'])
      .executeTakeFirstOrThrow()
  }

  /**
   * The token (with its role) and its user (with theirs) if the token is not revoked, has not
   * expired and the user is enabled.
   */
  findActiveToken(tokenHash: string) {
    return this.#db
      .selectFrom('api_token as t')
      .innerJoin('app_user as u', 'u.id', 't.user_id')
      .select([
        't.id as token_id',
        't.role as token_role',
        't.last_used_at',
        't.expires_at',
        'u.id',
        'u.email',
        'u.display_name',
        'u.role',
      ])
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', new Date())]))
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
      .select(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at', 'expires_at'])
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
