import { createHash, randomBytes } from 'node:crypto'

/**
 * The SHA-256 digest a bearer token is stored and looked up by (sessions, API tokens, sign-in,
 * confirmation and unsubscribe links): the token itself is never stored, and a 256-bit random
 * token needs no salt or slow hash, a digest of the database gives nothing away.
 */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/** A new bearer token: 256 random bits, base64url (43 characters, safe in URLs and cookies). */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}
