import { createHash, randomBytes } from 'node:crypto'
import { ProblemError } from '../../server/problem.ts'
import { decoyHash, generatePassword, hashPassword, passwordProblem, verifyPassword } from './password.ts'
import { isRole, ROLES, type Role } from './roles.ts'
import type { UserRepository, UserRow } from './user.repository.ts'

/** Who is acting: a signed-in user, or a program with one of their API tokens. */
export interface Actor {
  userId: string
  email: string
  displayName: string | null
  role: string
  via: 'session' | 'token'
  tokenId?: string
}

export interface PublicUser {
  id: string
  email: string
  displayName: string | null
  role: string
  disabled: boolean
  createdAt: Date
}

export interface SessionPolicy {
  idleMinutes: number
  absoluteHours: number
}

const TOKEN_PREFIX = 'tresor_'
/** Writing last_seen_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_AFTER_MS = 60_000

const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex')
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()
const newSecret = (): string => randomBytes(32).toString('base64url')

export const toPublicUser = (row: UserRow): PublicUser => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  disabled: row.disabled_at !== null,
  createdAt: row.created_at,
})

/** Users, their sessions and API tokens: the only layer that decides about credentials. */
export class AccessService {
  readonly #users: UserRepository
  readonly #policy: SessionPolicy
  constructor(users: UserRepository, policy: SessionPolicy) {
    this.#users = users
    this.#policy = policy
  }

  /** Creates a user; generates a password when none is given and returns it (shown once). */
  async createUser(input: {
    email: string
    role: string
    password?: string | undefined
    displayName?: string | null | undefined
  }): Promise<{ user: PublicUser; generatedPassword?: string }> {
    if (!isRole(input.role)) {
      throw new ProblemError('validation', `role: must be one of ${ROLES.join(', ')}`, {
        errors: [{ in: 'body', field: 'role', reason: `must be one of: ${ROLES.join(', ')}` }],
      })
    }
    const email = input.email.trim()
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      throw new ProblemError('validation', 'email: is not an e-mail address', {
        errors: [{ in: 'body', field: 'email', reason: 'is not an e-mail address' }],
      })
    }
    const generated = input.password === undefined ? generatePassword() : undefined
    const password = input.password ?? (generated as string)
    const weak = passwordProblem(password)
    if (weak) {
      throw new ProblemError('validation', `password: ${weak}`, {
        errors: [{ in: 'body', field: 'password', reason: weak }],
      })
    }
    const row = await this.#users.insert({
      email,
      emailNormalized: normalizeEmail(email),
      passwordHash: await hashPassword(password),
      role: input.role,
      displayName: input.displayName ?? null,
    })
    if (!row) throw new ProblemError('conflict', 'a user with this e-mail address exists already')
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

  /**
   * Checks e-mail and password and opens a new session (a fresh secret at every login, so a
   * session id planted before login is useless). Unknown e-mail and wrong password take the same
   * time and give the same answer.
   */
  async login(
    email: string,
    password: string,
  ): Promise<{ user: PublicUser; sessionSecret: string } | undefined> {
    const row = await this.#users.findByEmail(normalizeEmail(email))
    const ok = await verifyPassword(row?.password_hash ?? (await decoyHash()), password)
    if (!row || !ok || row.disabled_at !== null) return undefined
    const sessionSecret = newSecret()
    await this.#users.insertSession({
      tokenHash: sha256(sessionSecret),
      userId: row.id,
      expiresAt: new Date(Date.now() + this.#policy.absoluteHours * 3_600_000),
    })
    return { user: toPublicUser(row), sessionSecret }
  }

  async authenticateSession(secret: string): Promise<Actor | undefined> {
    const tokenHash = sha256(secret)
    const found = await this.#users.findActiveSession(tokenHash, this.#idleSince())
    if (!found) return undefined
    if (Date.now() - found.last_seen_at.getTime() > TOUCH_AFTER_MS) await this.#users.touchSession(tokenHash)
    return {
      userId: found.id,
      email: found.email,
      displayName: found.display_name,
      role: found.role,
      via: 'session',
    }
  }

  async logout(secret: string): Promise<void> {
    await this.#users.deleteSession(sha256(secret))
  }

  purgeExpiredSessions(): Promise<number> {
    return this.#users.deleteExpiredSessions(this.#idleSince())
  }

  async authenticateToken(token: string): Promise<Actor | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined
    const found = await this.#users.findActiveToken(sha256(token))
    if (!found) return undefined
    if (!found.last_used_at || Date.now() - found.last_used_at.getTime() > TOUCH_AFTER_MS) {
      await this.#users.touchToken(found.token_id)
    }
    return {
      userId: found.id,
      email: found.email,
      displayName: found.display_name,
      role: found.role,
      via: 'token',
      tokenId: found.token_id,
    }
  }

  /** Creates an API token for a user; the token itself is returned once and never stored. */
  async createToken(userId: string, name: string) {
    const token = `${TOKEN_PREFIX}${newSecret()}`
    const row = await this.#users.insertToken({
      userId,
      name,
      tokenHash: sha256(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    })
    return { token, info: row }
  }

  listTokens(userId: string) {
    return this.#users.listTokens(userId)
  }

  async revokeToken(userId: string, tokenId: string): Promise<void> {
    if (!(await this.#users.revokeToken(userId, tokenId)))
      throw new ProblemError('not-found', 'no such active token')
  }

  #idleSince(): Date {
    return new Date(Date.now() - this.#policy.idleMinutes * 60_000)
  }
}

export type { Role }
