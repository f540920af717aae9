import { newToken, tokenHash } from '../../platform/crypto/token-hash.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditRecordInput, AuditWriter } from '../../privacy/audit/audit-record.ts'
import { AttemptLimiter } from './attempt-limiter.ts'
import { decoyHash, generatePassword, hashPassword, passwordProblem, verifyPassword } from './password.ts'
import type { ChangedBy, RoleService } from './role.service.ts'
import type { SecretBox } from './secret-box.ts'
import { matchTotpCode, newTotpSecret, totpUri } from './totp.ts'
import type { UserRepository, UserRow } from './user.repository.ts'

/** Who is acting: a signed-in user, or a program with one of their API tokens (acting in the token's role). */
export interface Actor {
  userId: string
  email: string
  displayName: string | null
  /** The role the request acts in: the user's for a session, the token's for an API token. */
  role: string
  via: 'session' | 'token'
  tokenId?: string
  /** For a session: the SHA-256 of its secret (what the session table keys it by), never the secret. */
  sessionHash?: string
}

export interface PublicUser {
  id: string
  email: string
  displayName: string | null
  role: string
  disabled: boolean
  totpEnabled: boolean
  createdAt: Date
}

export interface SessionPolicy {
  idleMinutes: number
  absoluteHours: number
}

/** Where a sign-in attempt comes from, for the rate limit and the audit record. */
export interface AttemptContext {
  ip: string
  requestId?: string | undefined
}

export type LoginResult =
  | { status: 'signed-in'; user: PublicUser; sessionSecret: string }
  /** The password was right and the user has TOTP: no session yet, only a challenge for the code. */
  | { status: 'totp-required'; challenge: string; expiresAt: Date }

export interface AccessServiceOptions {
  users: UserRepository
  roles: RoleService
  audit: AuditWriter
  /** Seals TOTP secrets at rest. */
  secrets: SecretBox
  policy: SessionPolicy
  /** The clock for TOTP codes; tests pin it. */
  now?: () => number
}

const TOKEN_PREFIX = 'tresor_'
/** Writing last_seen_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_AFTER_MS = 60_000
/**
 * How long a verified API token's owner is remembered in this process: a client reading page after
 * page costs one lookup per second, not one per request. A revocation, a disabled owner or a role
 * change made through this process takes effect at once (the memory is cleared); made by another
 * process (the CLI, a second server) within this time.
 */
const TOKEN_MEMORY_MS = 1_000
const TOKEN_MEMORY_ENTRIES = 1_000
/** Failed password attempts per account and per IP address per minute. */
const LOGIN_LIMIT = { limit: 10, windowMs: 60_000 }
/** Failed TOTP codes per account and per IP address per minute (a code space of 10^6 needs a tight limit). */
const TOTP_LIMIT = { limit: 5, windowMs: 60_000 }
/** Time to type the code after the password, and the wrong codes one challenge tolerates. */
const CHALLENGE_TTL_MS = 5 * 60_000
const CHALLENGE_ATTEMPTS = 3

const WRONG_CREDENTIALS = 'e-mail address or password is wrong'
const WRONG_CODE = 'the code is wrong, was used already, or the sign-in has expired'
const SYSTEM: AuditActor = { type: 'system', id: 'tresor' }

/** Sessions, sign-in challenges and API tokens keep the digest as hex text. */
const digestHex = (secret: string): string => tokenHash(secret).toString('hex')
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()
/** The sealed TOTP secret is bound to its user: copied to another row it does not open. */
const totpAad = (userId: string): string => `tresor/totp/${userId}`

export const toPublicUser = (row: UserRow): PublicUser => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  disabled: row.disabled_at !== null,
  totpEnabled: row.totp_enabled_at !== null,
  createdAt: row.created_at,
})

/** The actor as the audit trail names it: the token for token requests, else the user; with the role acted in. */
export const auditActor = (actor: Actor): AuditActor =>
  actor.via === 'token' && actor.tokenId
    ? { type: 'token', id: actor.tokenId, role: actor.role }
    : { type: 'user', id: actor.userId, role: actor.role }

const userActor = (row: Pick<UserRow, 'id' | 'role'>): AuditActor => ({
  type: 'user',
  id: row.id,
  role: row.role,
})

function invalidRole(known: readonly string[]): never {
  throw invalidField('body', 'role', `must be one of: ${known.join(', ')}`, 'one-of', {
    allowed: known.join(', '),
  })
}

/**
 * Users, their sessions, second factor and API tokens: the only layer that decides about
 * credentials. Every sign-in, sign-out, refusal and change is audited (Art. 5(2), Art. 32).
 */
export class AccessService {
  readonly #users: UserRepository
  readonly #roles: RoleService
  readonly #audit: AuditWriter
  readonly #secrets: SecretBox
  readonly #policy: SessionPolicy
  readonly #now: () => number
  readonly #loginLimiter = new AttemptLimiter(LOGIN_LIMIT)
  readonly #totpLimiter = new AttemptLimiter(TOTP_LIMIT)
  /** Verified API tokens by digest, for TOKEN_MEMORY_MS (see there). */
  readonly #tokens = new Map<
    string,
    { found: NonNullable<Awaited<ReturnType<UserRepository['findActiveToken']>>>; until: number }
  >()
  #tokenGeneration = 0

  constructor(options: AccessServiceOptions) {
    this.#users = options.users
    this.#roles = options.roles
    this.#audit = options.audit
    this.#secrets = options.secrets
    this.#policy = options.policy
    this.#now = options.now ?? Date.now
  }

  // --- Users ------------------------------------------------------------------------------------

  /**
   * Creates a user; generates a password when none is given and returns it (shown once). With
   * `by` from a request, the new user's role must lie within the creator's.
   */
  async createUser(
    input: {
      email: string
      role: string
      password?: string | undefined
      displayName?: string | null | undefined
    },
    by: ChangedBy = { actor: SYSTEM },
  ): Promise<{ user: PublicUser; generatedPassword?: string }> {
    this.#requireRole(input.role)
    this.#mayAssign(by, input.role)
    const email = input.email.trim()
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      throw invalidField('body', 'email', 'is not an e-mail address', 'not-an-email-address')
    const generated = input.password === undefined ? generatePassword() : undefined
    const password = input.password ?? (generated as string)
    const weak = passwordProblem(password)
    if (weak) throw invalidField('body', 'password', weak)
    const passwordHash = await hashPassword(password)
    const row = await this.#users.transaction(async (repo, trx) => {
      const inserted = await repo.insert({
        email,
        emailNormalized: normalizeEmail(email),
        passwordHash,
        role: input.role,
        displayName: input.displayName ?? null,
      })
      if (!inserted) throw new ProblemError('conflict', 'a user with this e-mail address exists already')
      await this.#audit.append(
        [this.#record(by, `user ${inserted.id} created with role ${inserted.role}`)],
        trx,
      )
      return inserted
    })
    return { user: toPublicUser(row), ...(generated ? { generatedPassword: generated } : {}) }
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.#users.list()).map(toPublicUser)
  }

  countUsers(): Promise<number> {
    return this.#users.count()
  }

  async findUserByEmail(email: string): Promise<PublicUser | undefined> {
    const row = await this.#users.findByEmail(normalizeEmail(email))
    return row && toPublicUser(row)
  }

  async findUserById(id: string): Promise<PublicUser | undefined> {
    const row = await this.#users.findById(id)
    return row && toPublicUser(row)
  }

  /**
   * Changes a user's role and/or disables (or re-enables) them. Their sessions end with the
   * change, so the new role (or the lock-out) applies at once; their API tokens stop working while
   * disabled and never act beyond the user's current role. Nobody changes their own role or
   * disables themself (no accidental lock-out), and a changer can only touch users and hand out
   * roles within their own role.
   */
  async updateUser(
    id: string,
    patch: { role?: string | undefined; disabled?: boolean | undefined },
    by: ChangedBy & { userId?: string | undefined } = { actor: SYSTEM },
  ): Promise<PublicUser> {
    if (by.userId === id) {
      throw new ProblemError(
        'conflict',
        'you cannot change your own role or disable yourself; ask another admin',
      )
    }
    if (patch.role !== undefined) {
      this.#requireRole(patch.role)
      this.#mayAssign(by, patch.role)
    }
    // Their tokens are looked up afresh from now on (and once more after the change committed).
    this.#forgetTokens()
    const updated = await this.#users.transaction(async (repo, trx) => {
      const before = await repo.findByIdForUpdate(id)
      if (!before) throw new ProblemError('not-found', 'no such user')
      this.#mayAssign(by, before.role)
      const roleChanged = patch.role !== undefined && patch.role !== before.role
      const wasDisabled = before.disabled_at !== null
      const disabledChanged = patch.disabled !== undefined && patch.disabled !== wasDisabled
      if (!roleChanged && !disabledChanged) return before
      const after = await repo.update(id, {
        ...(roleChanged ? { role: patch.role } : {}),
        ...(disabledChanged ? { disabledAt: patch.disabled ? new Date() : null } : {}),
      })
      if (!after) throw new ProblemError('not-found', 'no such user')
      // A role change or a lock-out must not wait for the session to time out.
      const ended = await repo.deleteSessionsOfUser(id)
      const changes = [
        ...(roleChanged ? [`role ${before.role} -> ${after.role}`] : []),
        ...(disabledChanged ? [patch.disabled ? 'disabled' : 'enabled again'] : []),
      ]
      await this.#audit.append(
        [this.#record(by, `user ${id}: ${changes.join(', ')}; ${ended} session(s) ended`)],
        trx,
      )
      return after
    })
    this.#forgetTokens()
    return toPublicUser(updated)
  }

  // --- Sign-in ----------------------------------------------------------------------------------

  /**
   * Checks e-mail and password. Without TOTP this opens a new session (a fresh secret at every
   * login, so a session id planted before login is useless); with TOTP it returns a short-lived,
   * single-use challenge for `completeLoginWithTotp`. Unknown e-mail and wrong password take the
   * same time and give the same answer. Failed attempts are limited per account and per IP.
   */
  async login(email: string, password: string, context: AttemptContext): Promise<LoginResult> {
    const normalized = normalizeEmail(email)
    const keys = [`ip:${context.ip}`, `account:${normalized}`]
    this.#throttle(this.#loginLimiter, keys)
    const row = await this.#users.findByEmail(normalized)
    const ok = await verifyPassword(row?.password_hash ?? (await decoyHash()), password)
    if (!row || !ok || row.disabled_at !== null) {
      for (const key of keys) this.#loginLimiter.fail(key)
      const why = !row ? 'unknown account' : !ok ? 'wrong password' : 'account disabled'
      await this.#audit.append([
        {
          actor: row ? userActor(row) : SYSTEM,
          action: 'denied',
          reason: `sign-in refused: ${why}`,
          ...(context.requestId ? { requestId: context.requestId } : {}),
        },
      ])
      throw new ProblemError('unauthenticated', WRONG_CREDENTIALS)
    }
    this.#loginLimiter.reset(`account:${normalized}`)
    if (row.totp_enabled_at !== null) {
      const challenge = newToken()
      const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS)
      await this.#users.insertChallenge({ tokenHash: digestHex(challenge), userId: row.id, expiresAt })
      return { status: 'totp-required', challenge, expiresAt }
    }
    return { status: 'signed-in', ...(await this.#openSession(row, 'password', context)) }
  }

  /** Second step of a sign-in with TOTP: the challenge from `login` and a current code. */
  async completeLoginWithTotp(
    challenge: string,
    code: string,
    context: AttemptContext,
  ): Promise<{ user: PublicUser; sessionSecret: string }> {
    const ipKey = `ip:${context.ip}`
    this.#throttle(this.#totpLimiter, [ipKey])
    const challengeHash = digestHex(challenge)
    const attempt = await this.#users.countChallengeAttempt(challengeHash, CHALLENGE_ATTEMPTS)
    if (!attempt) {
      this.#totpLimiter.fail(ipKey)
      throw new ProblemError('unauthenticated', WRONG_CODE)
    }
    const accountKey = `totp:${attempt.user_id}`
    this.#throttle(this.#totpLimiter, [accountKey])
    const row = await this.#users.findById(attempt.user_id)
    if (!row || row.disabled_at !== null || row.totp_enabled_at === null) {
      await this.#users.deleteChallenge(challengeHash)
      throw new ProblemError('unauthenticated', WRONG_CODE)
    }
    const accepted = await this.#acceptCode(row, code)
    if (!accepted) {
      for (const key of [ipKey, accountKey]) this.#totpLimiter.fail(key)
      await this.#audit.append([
        {
          actor: userActor(row),
          action: 'denied',
          reason: 'sign-in refused: wrong or reused TOTP code',
          ...(context.requestId ? { requestId: context.requestId } : {}),
        },
      ])
      throw new ProblemError('unauthenticated', WRONG_CODE)
    }
    // Single use: of two requests racing with one challenge, only the one that removes it signs in.
    if (!(await this.#users.deleteChallenge(challengeHash)))
      throw new ProblemError('unauthenticated', WRONG_CODE)
    this.#totpLimiter.reset(accountKey)
    return this.#openSession(row, 'password and TOTP', context)
  }

  async authenticateSession(secret: string): Promise<Actor | undefined> {
    const sessionHash = digestHex(secret)
    const found = await this.#users.findActiveSession(sessionHash, this.#idleSince())
    if (!found) return undefined
    if (Date.now() - found.last_seen_at.getTime() > TOUCH_AFTER_MS)
      await this.#users.touchSession(sessionHash)
    return {
      userId: found.id,
      email: found.email,
      displayName: found.display_name,
      role: found.role,
      via: 'session',
      sessionHash,
    }
  }

  /** Ends a session; audited as a logout when `by` names who signed out. */
  async logout(secret: string, by?: ChangedBy): Promise<void> {
    const userId = await this.#users.deleteSession(digestHex(secret))
    if (userId && by) await this.#audit.append([{ ...this.#record(by, 'signed out'), action: 'logout' }])
  }

  /** Sessions past their timeouts and challenges past their lifetime; returns how many went. */
  async purgeExpiredSessions(): Promise<number> {
    const sessions = await this.#users.deleteExpiredSessions(this.#idleSince())
    const challenges = await this.#users.deleteExpiredChallenges()
    return sessions + challenges
  }

  /** Records that a request was refused (route guard, object check); the reason names no personal data. */
  async recordDenial(actor: Actor, reason: string, requestId?: string): Promise<void> {
    await this.#audit.append([
      { actor: auditActor(actor), action: 'denied', reason, ...(requestId ? { requestId } : {}) },
    ])
  }

  // --- TOTP (second factor) ---------------------------------------------------------------------

  async totpStatus(userId: string): Promise<{ enabled: boolean; pending: boolean }> {
    const row = await this.#users.findById(userId)
    if (!row) throw new ProblemError('not-found', 'no such user')
    return {
      enabled: row.totp_enabled_at !== null,
      pending: row.totp_enabled_at === null && row.totp_secret !== null,
    }
  }

  /**
   * Starts (or restarts) TOTP enrolment: a new secret, stored sealed and not active until a code
   * from it is confirmed. Returned once, for the authenticator app.
   */
  async startTotpEnrolment(actor: Actor): Promise<{ secret: string; uri: string }> {
    this.#requireSession(actor)
    const secret = newTotpSecret()
    const sealed = this.#secrets.seal(Buffer.from(secret, 'utf8'), totpAad(actor.userId))
    if (!(await this.#users.setPendingTotp(actor.userId, sealed))) {
      throw new ProblemError('conflict', 'TOTP is active already; turn it off first to set up a new one')
    }
    return { secret, uri: totpUri(actor.email, secret) }
  }

  /** Activates the pending secret with a code from it. */
  async confirmTotp(actor: Actor, code: string, context: AttemptContext): Promise<void> {
    this.#requireSession(actor)
    const keys = [`ip:${context.ip}`, `totp:${actor.userId}`]
    this.#throttle(this.#totpLimiter, keys)
    const row = await this.#users.findById(actor.userId)
    if (!row) throw new ProblemError('not-found', 'no such user')
    if (row.totp_enabled_at !== null) throw new ProblemError('conflict', 'TOTP is active already')
    if (row.totp_secret === null) throw new ProblemError('conflict', 'start the TOTP set-up first')
    const step = this.#matchCode(row, code)
    if (step === undefined) {
      for (const key of keys) this.#totpLimiter.fail(key)
      throw invalidField('body', 'code', 'is wrong or expired')
    }
    await this.#users.transaction(async (repo, trx) => {
      if (!(await repo.enableTotp(actor.userId, step)))
        throw new ProblemError('conflict', 'TOTP is active already')
      // Sessions opened with the password alone end (a stolen one must not outlive the new
      // factor); the session that confirmed the code stays.
      const ended = await repo.deleteSessionsOfUser(actor.userId, { except: actor.sessionHash })
      await this.#audit.append(
        [
          this.#record(
            { actor: auditActor(actor), requestId: context.requestId },
            `second factor (TOTP) turned on${ended > 0 ? `; ${ended} other session(s) ended` : ''}`,
          ),
        ],
        trx,
      )
    })
  }

  /** Turns TOTP off; needs a current code, so a stolen session alone cannot remove the second factor. */
  async disableTotp(actor: Actor, code: string, context: AttemptContext): Promise<void> {
    this.#requireSession(actor)
    const keys = [`ip:${context.ip}`, `totp:${actor.userId}`]
    this.#throttle(this.#totpLimiter, keys)
    const row = await this.#users.findById(actor.userId)
    if (!row) throw new ProblemError('not-found', 'no such user')
    if (row.totp_enabled_at === null) throw new ProblemError('conflict', 'TOTP is not active')
    if (!(await this.#acceptCode(row, code))) {
      for (const key of keys) this.#totpLimiter.fail(key)
      throw invalidField('body', 'code', 'is wrong, expired or used already')
    }
    await this.#users.transaction(async (repo, trx) => {
      await repo.clearTotp(actor.userId)
      await this.#audit.append(
        [
          this.#record(
            { actor: auditActor(actor), requestId: context.requestId },
            'second factor (TOTP) turned off',
          ),
        ],
        trx,
      )
    })
  }

  /** For an admin when a user lost their authenticator: TOTP off, the user sets it up again. */
  async resetTotp(userId: string, by: ChangedBy = { actor: SYSTEM }): Promise<void> {
    await this.#users.transaction(async (repo, trx) => {
      if (!(await repo.clearTotp(userId))) throw new ProblemError('not-found', 'no such user')
      await this.#audit.append([this.#record(by, `second factor (TOTP) of user ${userId} reset`)], trx)
    })
  }

  // --- API tokens -------------------------------------------------------------------------------

  /**
   * The token's actor, acting in the token's role. A token never acts beyond its owner's current
   * role: if the owner was moved to a narrower role (or the roles were edited so), it stops working.
   */
  async authenticateToken(token: string): Promise<Actor | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined
    const digest = digestHex(token)
    const now = Date.now()
    const remembered = this.#tokens.get(digest)
    let found = remembered && remembered.until > now ? remembered.found : undefined
    if (!found) {
      const generation = this.#tokenGeneration
      found = await this.#users.findActiveToken(digest)
      if (!found) return undefined
      // Not remembered if access changed while it was looked up, nor past the token's expiry.
      if (generation === this.#tokenGeneration) {
        const expires = found.expires_at ? found.expires_at.getTime() : Number.POSITIVE_INFINITY
        this.#tokens.delete(digest)
        this.#tokens.set(digest, { found, until: Math.min(now + TOKEN_MEMORY_MS, expires) })
        if (this.#tokens.size > TOKEN_MEMORY_ENTRIES) {
          const oldest = this.#tokens.keys().next().value
          if (oldest !== undefined) this.#tokens.delete(oldest)
        }
      }
    }
    if (!this.#roles.covers(found.role, found.token_role)) return undefined
    if (!found.last_used_at || now - found.last_used_at.getTime() > TOUCH_AFTER_MS) {
      found.last_used_at = new Date(now)
      await this.#users.touchToken(found.token_id)
    }
    return {
      userId: found.id,
      email: found.email,
      displayName: found.display_name,
      role: found.token_role,
      via: 'token',
      tokenId: found.token_id,
    }
  }

  /**
   * Creates an API token for a user, acting in `role` (default: `owner.role`), which must lie
   * within `owner.role` — the role the creating request acts in — and working until `expiresAt`
   * (in the future) or, without one, until revoked. The token itself is returned once and never
   * stored.
   */
  async createToken(
    owner: { userId: string; role: string },
    name: string,
    role?: string,
    by: ChangedBy = { actor: SYSTEM },
    expiresAt: Date | null = null,
  ) {
    const tokenRole = role ?? owner.role
    this.#requireRole(tokenRole)
    if (!this.#roles.covers(owner.role, tokenRole)) {
      throw new ProblemError('forbidden', `a token can only act in a role within your own (${owner.role})`)
    }
    if (expiresAt !== null && expiresAt.getTime() <= Date.now())
      throw invalidField('body', 'expiresAt', 'must be in the future')
    const token = `${TOKEN_PREFIX}${newToken()}`
    const info = await this.#users.transaction(async (repo, trx) => {
      const row = await repo.insertToken({
        userId: owner.userId,
        name,
        tokenHash: digestHex(token),
        prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        role: tokenRole,
        expiresAt,
      })
      const until = expiresAt ? `, expiring ${expiresAt.toISOString()}` : ''
      await this.#audit.append(
        [
          this.#record(
            by,
            `API token ${row.id} of user ${owner.userId} created in role ${tokenRole}${until}`,
          ),
        ],
        trx,
      )
      return row
    })
    return { token, info }
  }

  listTokens(userId: string) {
    return this.#users.listTokens(userId)
  }

  async revokeToken(userId: string, tokenId: string, by: ChangedBy = { actor: SYSTEM }): Promise<void> {
    this.#forgetTokens()
    try {
      await this.#users.transaction(async (repo, trx) => {
        if (!(await repo.revokeToken(userId, tokenId)))
          throw new ProblemError('not-found', 'no such active token')
        await this.#audit.append([this.#record(by, `API token ${tokenId} revoked`)], trx)
      })
    } finally {
      this.#forgetTokens()
    }
  }

  /** Access changed: no remembered token owner is used again, nor one looked up meanwhile. */
  #forgetTokens(): void {
    this.#tokenGeneration++
    this.#tokens.clear()
  }

  // --- internals --------------------------------------------------------------------------------

  async #openSession(
    row: UserRow,
    how: string,
    context: AttemptContext,
  ): Promise<{ user: PublicUser; sessionSecret: string }> {
    const sessionSecret = newToken()
    await this.#users.transaction(async (repo, trx) => {
      await repo.insertSession({
        tokenHash: digestHex(sessionSecret),
        userId: row.id,
        expiresAt: new Date(Date.now() + this.#policy.absoluteHours * 3_600_000),
      })
      await this.#audit.append(
        [
          {
            actor: userActor(row),
            action: 'login',
            reason: `signed in with ${how}`,
            ...(context.requestId ? { requestId: context.requestId } : {}),
          },
        ],
        trx,
      )
    })
    return { user: toPublicUser(row), sessionSecret }
  }

  /** The step of a valid code for the user's secret, or undefined. */
  #matchCode(row: UserRow, code: string): number | undefined {
    if (row.totp_secret === null) return undefined
    const secret = this.#secrets.open(Buffer.from(row.totp_secret), totpAad(row.id)).toString('utf8')
    return matchTotpCode(secret, code, { nowMs: this.#now(), afterStep: row.totp_last_step })
  }

  /** A valid code whose step is claimed for the user now (so it cannot be used a second time). */
  async #acceptCode(row: UserRow, code: string): Promise<boolean> {
    const step = this.#matchCode(row, code)
    return step !== undefined && (await this.#users.claimTotpStep(row.id, step))
  }

  #throttle(limiter: AttemptLimiter, keys: readonly string[]): void {
    const wait = Math.max(0, ...keys.map((key) => limiter.retryAfterSeconds(key)))
    if (wait > 0) {
      throw new ProblemError('rate-limited', 'too many failed attempts; wait before trying again', {
        headers: { 'retry-after': String(wait) },
      })
    }
  }

  #requireSession(actor: Actor): void {
    if (actor.via !== 'session') {
      throw new ProblemError(
        'forbidden',
        'the second factor is managed in a signed-in session, not with an API token',
      )
    }
  }

  #requireRole(role: string): void {
    if (!this.#roles.exists(role)) invalidRole(this.#roles.names())
  }

  /** No privilege escalation: with a request's role, only roles within it can be handed out or touched. */
  #mayAssign(by: ChangedBy, role: string): void {
    const own = by.actor.role
    if (own !== undefined && !this.#roles.covers(own, role)) {
      throw new ProblemError('forbidden', `this needs a role that includes everything of the role ${role}`)
    }
  }

  #record(by: ChangedBy, reason: string): AuditRecordInput {
    return {
      actor: by.actor,
      action: 'configure',
      reason,
      ...(by.requestId ? { requestId: by.requestId } : {}),
    }
  }

  #idleSince(): Date {
    return new Date(Date.now() - this.#policy.idleMinutes * 60_000)
  }
}
