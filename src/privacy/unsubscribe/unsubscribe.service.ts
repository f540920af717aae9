import { createHmac, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { tokenHash } from '../../platform/crypto/token-hash.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor } from '../audit/audit-record.ts'
import { VAULT_SECRETS, type VaultSecretService } from '../keys/vault-secret.service.ts'
import type { PermissionService } from '../permissions/permission.service.ts'
import { objectionsMatching } from '../permissions/permission-rules.ts'
import type { PurposeService } from '../purposes/purpose.service.ts'
import { type Channel, canBeObjectedTo, type Purpose } from '../purposes/purpose.ts'
import type { UnsubscribeTokenRepository } from './unsubscribe-token.repository.ts'

/** The channels whose messages can carry a link: mail, text message, letter (printed URL). */
export const LINK_CHANNELS = ['email', 'sms', 'post'] as const satisfies readonly Channel[]
export type LinkChannel = (typeof LINK_CHANNELS)[number]
export const isLinkChannel = (value: string): value is LinkChannel =>
  (LINK_CHANNELS as readonly string[]).includes(value)

/**
 * What "unsubscribe" does for the link's purpose:
 * - `withdraw-consent`: a consent purpose (Art. 6(1)(a)): the consent for this purpose on this
 *   channel is withdrawn (Art. 7(3)); other channels of the purpose keep theirs.
 * - `object-to-purpose`: a purpose on legitimate interest, e.g. mails to existing customers under
 *   § 7(3) UWG: an objection (Art. 21(2)-(3)) to the purpose. Its scope is the purpose, not the
 *   channel: the right is to object to processing "for such marketing", so after "unsubscribe" no
 *   message of this kind comes on any channel; an objection to the whole channel would also stop
 *   newsletters the person gave their consent to and didn't ask to leave.
 * - `none`: the purpose is no longer advertising (the DPO changed it to contract, say): nothing to
 *   unsubscribe from; the page offers the objection to all direct marketing and the portal.
 */
export type UnsubscribeEffect = 'withdraw-consent' | 'object-to-purpose' | 'none'

export function unsubscribeEffect(
  purpose: Pick<Purpose, 'legalBasis' | 'directMarketing' | 'channels'>,
  channel: Channel,
): UnsubscribeEffect {
  if (purpose.legalBasis === 'consent' && purpose.channels.includes(channel)) return 'withdraw-consent'
  if (canBeObjectedTo(purpose)) return 'object-to-purpose'
  return 'none'
}

/** `this`: the link's purpose and channel; `all`: an objection to all direct marketing (Art. 21(2)). */
export type UnsubscribeScope = 'this' | 'all'

/** What a link is about (for its page); `invalid` for an unknown, tampered or erased one. */
export type UnsubscribeLinkInfo =
  | { kind: 'found'; purpose: Purpose; channel: LinkChannel; effect: UnsubscribeEffect }
  | { kind: 'invalid' }

/**
 * What following a link did. `done`: recorded now (`effect` says what). `already`: nothing to do,
 * the person is unsubscribed (or objected to all marketing) already; nothing recorded. `none`: the
 * purpose is not advertising any more. `invalid`: no such link (mistyped, tampered, made up, or
 * the person was erased): nothing changed and nothing said about anyone.
 */
export type UnsubscribeOutcome =
  | {
      kind: 'done'
      scope: UnsubscribeScope
      effect: UnsubscribeEffect
      purpose: Purpose
      channel: LinkChannel
    }
  | {
      kind: 'already'
      scope: UnsubscribeScope
      effect: UnsubscribeEffect
      purpose: Purpose
      channel: LinkChannel
    }
  | { kind: 'none'; purpose: Purpose; channel: LinkChannel }
  | { kind: 'invalid' }

/** How the unsubscribe came: the RFC 8058 one-click POST of a mailbox provider, or the link's page. */
export type UnsubscribeVia = 'one-click' | 'page'

export interface UnsubscribeRequest {
  scope: UnsubscribeScope
  via: UnsubscribeVia
  /** The client's IP address already truncated (/24, /48), and user agent, for the proof. */
  client: { ip?: string | undefined; userAgent?: string | undefined }
  requestId?: string | undefined
}

/** base64url of 32 bytes (an HMAC-SHA-256). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/
const REFERENCE: Record<UnsubscribeVia, string> = {
  'one-click': 'one-click unsubscribe (RFC 8058 List-Unsubscribe-Post)',
  page: 'unsubscribe page',
}

/**
 * Unsubscribe links (LEGAL.md, "Direct marketing channels"; Art. 7(3), Art. 21(2)-(3) GDPR;
 * § 7(3) No. 4 UWG): withdrawing or objecting as easily as subscribing, from every marketing mail.
 *
 * A link's token is HMAC-SHA-256(vault secret, subject ‖ purpose ‖ channel): unforgeable without
 * the secret (wrapped by the master key, so a copy of the database makes no links), the same for
 * every mail of that kind (one row per subject, purpose and channel however many mails go out),
 * and only its SHA-256 is stored. A link does not expire: it works while its subject exists, as
 * people follow links in old mails years later; an erasure deletes the rows and the link then
 * finds nothing. Following it with GET changes nothing (link scanners); a POST records the
 * withdrawal or objection through the permission service (with proof, audited), idempotently.
 */
export class UnsubscribeService {
  readonly #repo: UnsubscribeTokenRepository
  readonly #permissions: PermissionService
  readonly #purposes: PurposeService
  readonly #secrets: VaultSecretService
  readonly #db: Kysely<Schema>
  readonly #publicUrl: string
  readonly #clock: () => Date
  constructor(deps: {
    repository: UnsubscribeTokenRepository
    permissions: PermissionService
    purposes: PurposeService
    secrets: VaultSecretService
    db: Kysely<Schema>
    /** TRESOR_PUBLIC_URL: the base of the links. */
    publicUrl: string
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#secrets = deps.secrets
    this.#db = deps.db
    this.#publicUrl = deps.publicUrl.replace(/\/+$/, '')
    this.#clock = deps.clock ?? (() => new Date())
  }

  /**
   * The unsubscribe link for this subject, purpose and channel:
   * `<TRESOR_PUBLIC_URL>/p/unsubscribe/<token>` (with `?lang=` when given, for the page's language).
   * Only for a direct-marketing purpose that uses the channel, and a subject that exists and is
   * not erased (validation / 404 problems otherwise).
   */
  async linkFor(
    subjectId: string,
    purposeKey: string,
    channel: string,
    options: { lang?: 'de' | 'en' | undefined } = {},
  ): Promise<string> {
    const link = (await this.linksFor([subjectId], purposeKey, channel, options)).get(subjectId.toLowerCase())
    if (!link) throw new ProblemError('not-found', 'there is no such subject')
    return link
  }

  /**
   * `linkFor` for a set of subjects at once (a campaign's batch): one query for the subjects, one
   * insert for the tokens. Subjects that don't exist or are erased have no link in the answer.
   */
  async linksFor(
    subjectIds: readonly string[],
    purposeKey: string,
    channel: string,
    options: { lang?: 'de' | 'en' | undefined } = {},
  ): Promise<Map<string, string>> {
    const purpose = await this.#purposes.get(purposeKey)
    if (!purpose.directMarketing)
      throw invalidField(
        'body',
        'purposeKey',
        `purpose ${purpose.key} is not direct marketing: its messages are not advertising and carry no unsubscribe link`,
      )
    if (!isLinkChannel(channel) || !purpose.channels.includes(channel))
      throw invalidField(
        'body',
        'channel',
        `purpose ${purpose.key} sends nothing that can carry a link on the channel ${channel}`,
      )
    const ids = [...new Set(subjectIds.map((id) => id.toLowerCase()))]
    const existing = await this.#repo.existingSubjects(ids)
    const links = new Map<string, string>()
    const rows = []
    const at = this.#clock()
    for (const id of ids) {
      if (!existing.has(id)) continue
      const token = await this.#token(id, purpose.key, channel)
      rows.push({
        tokenHash: tokenHash(token),
        subjectId: id,
        purposeKey: purpose.key,
        channel,
        createdAt: at,
      })
      links.set(id, `${this.#publicUrl}/p/unsubscribe/${token}${options.lang ? `?lang=${options.lang}` : ''}`)
    }
    await this.#repo.insertManyIfAbsent(rows)
    return links
  }

  async #token(subjectId: string, purposeKey: string, channel: LinkChannel): Promise<string> {
    const key = await this.#secrets.get(VAULT_SECRETS.unsubscribe, () => randomBytes(32))
    return createHmac('sha256', key)
      .update(`unsubscribe\u0000${subjectId}\u0000${purposeKey}\u0000${channel}`, 'utf8')
      .digest('base64url')
  }

  /** What a link is about, for its page; reads nothing about the person but that they exist. */
  async describe(token: string): Promise<UnsubscribeLinkInfo> {
    if (!TOKEN_PATTERN.test(token)) return { kind: 'invalid' }
    const row = await this.#repo.findByToken(tokenHash(token))
    if (!row || !isLinkChannel(row.channel)) return { kind: 'invalid' }
    const [subject, purpose] = await Promise.all([
      this.#repo.findSubject(row.subject_id),
      this.#purposes.find(row.purpose_key),
    ])
    if (!subject || subject.erased || !purpose) return { kind: 'invalid' }
    return { kind: 'found', purpose, channel: row.channel, effect: unsubscribeEffect(purpose, row.channel) }
  }

  /**
   * Following a link with a POST: `this` withdraws the consent (consent purposes) or objects to
   * the purpose (legitimate interest), `all` objects to all direct marketing. Art. 21(3): in
   * force at once. Recorded as the subject's own act (source `unsubscribe-link`, with the
   * truncated IP address and user agent), once: a second click finds it done and records nothing.
   */
  async unsubscribe(token: string, request: UnsubscribeRequest): Promise<UnsubscribeOutcome> {
    if (!TOKEN_PATTERN.test(token)) return { kind: 'invalid' }
    const digest = tokenHash(token)
    const row = await this.#repo.findByToken(digest)
    if (!row || !isLinkChannel(row.channel)) return { kind: 'invalid' }
    const channel = row.channel
    return this.#db.transaction().execute(async (trx): Promise<UnsubscribeOutcome> => {
      const subject = await this.#repo.lockSubject(row.subject_id, trx)
      if (!subject || subject.erased) return { kind: 'invalid' }
      const purpose = await this.#purposes.find(row.purpose_key, trx)
      if (!purpose) return { kind: 'invalid' }
      const subjectId = row.subject_id
      const effect = unsubscribeEffect(purpose, channel)
      const [state] = await this.#permissions.stateOf([subjectId], purpose.key, trx)
      if (!state) return { kind: 'invalid' }
      const now = this.#clock()
      // The person acts: following the link in their mail is their withdrawal or objection.
      const actor: AuditActor = { type: 'subject', id: subjectId }
      const common = { subjectId, actor, requestId: request.requestId, at: now }
      const reference = REFERENCE[request.via]
      const result = { scope: request.scope, effect, purpose, channel }

      if (request.scope === 'all') {
        if (state.objections.some((o) => o.scope === 'all_marketing')) return { kind: 'already', ...result }
        await this.#permissions.recordObjection(
          [{ ...common, scope: 'all_marketing', action: 'raised', source: 'unsubscribe-link', reference }],
          trx,
        )
      } else if (effect === 'withdraw-consent') {
        const consent = state.consents.find((c) => c.channel === channel)
        // Nothing given (never, or withdrawn or lapsed already): nothing to withdraw.
        if (!consent || !['requested', 'granted', 'confirmed'].includes(consent.status))
          return { kind: 'already', ...result }
        await this.#permissions.recordConsent(
          [
            {
              ...common,
              purposeKey: purpose.key,
              channel,
              kind: 'withdrawn',
              proof: {
                source: 'unsubscribe-link',
                reference,
                ...(request.client.ip ? { ip: request.client.ip } : {}),
                ...(request.client.userAgent ? { userAgent: request.client.userAgent } : {}),
              },
            },
          ],
          trx,
        )
      } else if (effect === 'object-to-purpose') {
        // Already stopped by an objection in force: to the purpose, the channel or all marketing.
        const stops = objectionsMatching(purpose, channel)
        const inForce = state.objections.some((o) =>
          stops.some(
            (m) =>
              m.scope === o.scope &&
              (o.scope === 'all_marketing' ||
                m.target === (o.scope === 'purpose' ? o.purposeKey : o.channel)),
          ),
        )
        if (inForce) return { kind: 'already', ...result }
        await this.#permissions.recordObjection(
          [
            {
              ...common,
              scope: 'purpose',
              purposeKey: purpose.key,
              action: 'raised',
              source: 'unsubscribe-link',
              reference,
            },
          ],
          trx,
        )
      } else {
        return { kind: 'none', purpose, channel }
      }
      await this.#repo.markUsed(digest, now, trx)
      return { kind: 'done', ...result }
    })
  }
}
