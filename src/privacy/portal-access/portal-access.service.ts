import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import { newToken, tokenHash } from '../../platform/crypto/token-hash.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { PortalAccessRepository } from './portal-access.repository.ts'

export interface PortalAccessSettings {
  /** How long a sign-in link stays valid (default 30 minutes). */
  linkMinutes: number
  /** One sign-in mail per address in this window (default 5 minutes). */
  resendMinutes: number
  /** How long a session lasts from sign-in (default 60 minutes). */
  sessionMinutes: number
}

/**
 * What asking for a sign-in link led to. `link`: mail this token to the address. `none`: nothing
 * to send — no (living) subject has the address, or a link went to it within the resend window.
 * The caller answers both the same way.
 */
export type LinkIssue =
  | { kind: 'link'; subjectId: string; linkId: string; token: string; expiresAt: Date }
  | { kind: 'none' }

/** A link as its holder may learn it: usable, used before, too old, or not one of ours. */
export type LinkState = 'valid' | 'used' | 'expired' | 'invalid'

export type SignIn =
  | { kind: 'signed-in'; subjectId: string; token: string; expiresAt: Date }
  | { kind: 'used' | 'expired' | 'invalid' }

/** A live portal session: whose it is, until when, and the token its forms must carry (CSRF). */
export interface PortalSession {
  id: string
  subjectId: string
  expiresAt: Date
  /** When the sign-in link of this session was mailed. */
  linkSentAt: Date
  /** The anti-CSRF token of the session's forms, derived from the session's secret. */
  csrf: string
}

/** What the vault does for this service: the blind index of e-mail addresses. */
export interface PortalAccessVault {
  /** The normalised address; throws an error with a `reason` if the text is not one. */
  normalize(kind: 'email', value: string): string
  findByBlindIndex(kind: 'email', value: string, trx?: Kysely<Schema>): Promise<string[]>
}

/** Tresor acting for the portal (issuing a link is no one's act but the system's). */
export const PORTAL_ACTOR: AuditActor = { type: 'system', id: 'privacy-portal' }

/** base64url of 32 random bytes. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/
const csrfOf = (sessionToken: string): string =>
  createHmac('sha256', sessionToken).update('tresor portal csrf').digest('base64url')
/** Links stay known this long after they ran out, so an old link says "expired" rather than "unknown". */
const KEEP_EXPIRED_LINKS_MS = 7 * 24 * 3_600_000

/**
 * Who may use the privacy portal: the owner of an address Tresor holds, proven by following a
 * link mailed to it (a "magic link"). Links and sessions carry 256 random bits each; only their
 * SHA-256 is stored, so a copy of the database signs no one in. A link works once and for
 * `linkMinutes`; a session lasts `sessionMinutes` and ends with sign-out or the subject's erasure.
 * Kernel storage (the tables are personal data); the portal module sends the mail and renders.
 */
export class PortalAccessService {
  readonly #repo: PortalAccessRepository
  readonly #vault: PortalAccessVault
  readonly #audit: AuditWriter
  readonly #db: Kysely<Schema>
  readonly #settings: PortalAccessSettings
  readonly #clock: () => Date
  constructor(deps: {
    repository: PortalAccessRepository
    vault: PortalAccessVault
    audit: AuditWriter
    db: Kysely<Schema>
    settings: PortalAccessSettings
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#vault = deps.vault
    this.#audit = deps.audit
    this.#db = deps.db
    this.#settings = deps.settings
    this.#clock = deps.clock ?? (() => new Date())
  }

  get settings(): PortalAccessSettings {
    return this.#settings
  }

  /**
   * A sign-in link for whoever holds this address: found through the blind index (nothing is
   * decrypted), one link per resend window, recorded and audited. A text that is not an e-mail
   * address is a validation problem naming `email`; every other outcome the caller must answer
   * alike (whether an address is known is nobody's business).
   */
  async issueLink(email: string, meta: { requestId?: string | undefined } = {}): Promise<LinkIssue> {
    try {
      this.#vault.normalize('email', email)
    } catch (error) {
      if (error instanceof Error && 'reason' in error && typeof error.reason === 'string')
        throw invalidField('body', 'email', error.reason)
      throw error
    }
    // Several subjects with one address (duplicates not merged yet): the first, as everywhere.
    const [subjectId] = (await this.#vault.findByBlindIndex('email', email)).sort()
    if (!subjectId) return { kind: 'none' }
    return this.#db.transaction().execute(async (trx): Promise<LinkIssue> => {
      const subject = await this.#repo.lockSubject(subjectId, trx)
      if (!subject || subject.erased) return { kind: 'none' }
      const now = this.#clock()
      const last = await this.#repo.lastLinkAt(subjectId, trx)
      if (last && now.getTime() - last.getTime() < this.#settings.resendMinutes * 60_000)
        return { kind: 'none' }
      const token = newToken()
      const linkId = randomUUID()
      const expiresAt = new Date(now.getTime() + this.#settings.linkMinutes * 60_000)
      await this.#repo.insertLink(
        { subjectId, id: linkId, createdAt: now, expiresAt, tokenHash: tokenHash(token) },
        trx,
      )
      await this.#audit.append(
        [
          {
            actor: PORTAL_ACTOR,
            action: 'create',
            subjectIds: [subjectId],
            ...(meta.requestId ? { requestId: meta.requestId } : {}),
            reason: `privacy portal sign-in link issued, valid until ${expiresAt.toISOString()}`,
          },
        ],
        trx,
      )
      return { kind: 'link', subjectId, linkId, token, expiresAt }
    })
  }

  /** The sign-in mail could not be sent: the link goes, so the next request may send one. */
  async linkFailed(subjectId: string, linkId: string): Promise<void> {
    await this.#repo.deleteLink(subjectId, linkId)
  }

  /**
   * What a link is now, without using it (the page a mail link opens asks before signing in), and
   * the subject it signs in, for the page to notice a switch from another session.
   */
  async linkState(token: string): Promise<{ state: LinkState; subjectId?: string }> {
    if (!TOKEN_PATTERN.test(token)) return { state: 'invalid' }
    const link = await this.#repo.findLink(tokenHash(token))
    if (!link) return { state: 'invalid' }
    if (link.used_at !== null) return { state: 'used' }
    if (link.expires_at.getTime() <= this.#clock().getTime()) return { state: 'expired' }
    return { state: 'valid', subjectId: link.subject_id }
  }

  /**
   * Uses a link: once, before it runs out, for a subject not erased. Opens a session and audits
   * the sign-in. Anything else changes nothing and says only which of used, expired or unknown
   * the link is.
   */
  async signIn(token: string, meta: { requestId?: string | undefined } = {}): Promise<SignIn> {
    if (!TOKEN_PATTERN.test(token)) return { kind: 'invalid' }
    const found = await this.#repo.findLink(tokenHash(token))
    if (!found) return { kind: 'invalid' }
    return this.#db.transaction().execute(async (trx): Promise<SignIn> => {
      const subject = await this.#repo.lockSubject(found.subject_id, trx)
      if (!subject || subject.erased) return { kind: 'invalid' }
      const link = await this.#repo.lockLink(found.subject_id, found.id, trx)
      if (!link) return { kind: 'invalid' }
      if (link.used_at !== null) return { kind: 'used' }
      const now = this.#clock()
      if (link.expires_at.getTime() <= now.getTime()) return { kind: 'expired' }
      await this.#repo.markLinkUsed(link.subject_id, link.id, now, trx)
      const sessionToken = newToken()
      const expiresAt = new Date(now.getTime() + this.#settings.sessionMinutes * 60_000)
      await this.#repo.insertSession(
        {
          subjectId: link.subject_id,
          id: randomUUID(),
          linkId: link.id,
          linkSentAt: link.created_at,
          createdAt: now,
          expiresAt,
          tokenHash: tokenHash(sessionToken),
        },
        trx,
      )
      await this.#audit.append(
        [
          {
            // The address owner acts: following the link is their proof of control of the address.
            actor: { type: 'subject', id: link.subject_id },
            action: 'login',
            subjectIds: [link.subject_id],
            ...(meta.requestId ? { requestId: meta.requestId } : {}),
            reason: `privacy portal sign-in with a link sent ${link.created_at.toISOString()}`,
          },
        ],
        trx,
      )
      return { kind: 'signed-in', subjectId: link.subject_id, token: sessionToken, expiresAt }
    })
  }

  /** The live session of a token: not signed out, not run out, its subject not erased. */
  async session(token: string | undefined): Promise<PortalSession | undefined> {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined
    const row = await this.#repo.findLiveSession(tokenHash(token), this.#clock())
    return (
      row && {
        id: row.id,
        subjectId: row.subject_id,
        expiresAt: row.expires_at,
        linkSentAt: row.link_sent_at,
        csrf: csrfOf(token),
      }
    )
  }

  /** Whether a form's anti-CSRF token is the session's (constant-time comparison). */
  checkCsrf(session: PortalSession, given: unknown): boolean {
    if (typeof given !== 'string') return false
    const a = Buffer.from(given)
    const b = Buffer.from(session.csrf)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  /** Ends the session of a token (if there is one); audited as the subject's sign-out. */
  async signOut(token: string | undefined, meta: { requestId?: string | undefined } = {}): Promise<void> {
    if (!token || !TOKEN_PATTERN.test(token)) return
    const ended = await this.#repo.deleteSession(tokenHash(token))
    if (ended)
      await this.#audit.append([
        {
          actor: { type: 'subject', id: ended.subjectId },
          action: 'logout',
          subjectIds: [ended.subjectId],
          ...(meta.requestId ? { requestId: meta.requestId } : {}),
          reason: 'privacy portal sign-out',
        },
      ])
  }

  /**
   * Job `portal.purge`: deletes sessions that ran out and links that ran out more than a week
   * ago (until then an old link is answered "expired", not "unknown"), with their tokens.
   */
  purgeExpired(now: Date = this.#clock()): Promise<{ sessions: number; links: number }> {
    return this.#repo.deleteExpired({
      sessionsBefore: now,
      linksBefore: new Date(now.getTime() - KEEP_EXPIRED_LINKS_MS),
    })
  }
}
