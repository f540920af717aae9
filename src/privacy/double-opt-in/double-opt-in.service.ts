import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { newToken, tokenHash } from '../../platform/crypto/token-hash.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor } from '../audit/audit-record.ts'
import type { ConsentEventInput, PermissionService } from '../permissions/permission.service.ts'
import type { Channel } from '../purposes/purpose.ts'
import type { DoiRequestRepository } from './doi-request.repository.ts'

/** One consent a confirmation link confirms: purpose, channel and the consent text version shown. */
export interface DoiPurpose {
  purposeKey: string
  channel: Channel
  textVersion: string
}

/** The request a proof comes with: truncated IP address and user agent (never the full IP). */
export interface ClientProof {
  ip?: string | undefined
  userAgent?: string | undefined
}

export interface DoiAsk {
  subjectId: string
  formKey: string
  /** The double-opt-in purposes the subject ticked. */
  purposes: readonly DoiPurpose[]
  client: ClientProof
  /** Who collected the sign-up (for the public forms: a system actor). */
  actor: AuditActor
  requestId?: string | undefined
  /** When the sign-up happened; default now (the demo's sign-ups of the past: `askAsOf`). */
  at?: Date | undefined
}

/**
 * What a sign-up leads to. `mail`: send the one confirmation mail with this token. `pending`: a
 * confirmation mail went to the address within the window; nothing is sent or recorded now.
 * `given`: every purpose is already given; nothing to confirm.
 */
export type DoiAskResult =
  | { kind: 'mail'; requestId: string; token: string; expiresAt: Date; purposes: DoiPurpose[] }
  | { kind: 'pending' }
  | { kind: 'given' }

/**
 * What following a link did. `confirmed`: the consents are confirmed now. `already-confirmed`: the
 * link was used before (or another link of the same sign-up was). `expired`: too late, or the
 * consent was withdrawn meanwhile. `invalid`: no such link (mistyped, tampered, made up).
 */
export type DoiOutcome =
  | { kind: 'confirmed'; purposes: DoiPurpose[] }
  | { kind: 'already-confirmed' }
  | { kind: 'expired' }
  | { kind: 'invalid' }

export interface DoubleOptInSettings {
  /** How long a link stays valid (default 48 h). */
  expiryHours: number
  /** One confirmation mail per address in this window (default 15 min). */
  resendWindowMinutes: number
}

const EXPIRY_JOB: AuditActor = { type: 'job', id: 'doi.expire' }
/** base64url of 32 random bytes. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

const slot = (p: { purposeKey: string; channel: string }) => `${p.purposeKey}\u0000${p.channel}`

/**
 * Double opt-in (LEGAL.md, "Consent"): an e-mail consent counts once the address owner confirmed
 * it through a link sent to that address; until then that confirmation mail is the only mail the
 * address may receive (the permission rules deny everything else: consent-pending-confirmation).
 *
 * The link carries 256 random bits; only their SHA-256 is stored, so a copy of the database
 * confirms nothing. A link works once and until it expires. Each step records its consent event
 * with proof (Art. 7(1)) through the permission service, in one transaction with the request row.
 */
export class DoubleOptInService {
  readonly #repo: DoiRequestRepository
  readonly #permissions: PermissionService
  readonly #db: Kysely<Schema>
  readonly #settings: DoubleOptInSettings
  readonly #clock: () => Date
  constructor(deps: {
    repository: DoiRequestRepository
    permissions: PermissionService
    db: Kysely<Schema>
    settings: DoubleOptInSettings
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#permissions = deps.permissions
    this.#db = deps.db
    this.#settings = deps.settings
    this.#clock = deps.clock ?? (() => new Date())
  }

  get settings(): DoubleOptInSettings {
    return this.#settings
  }

  /**
   * A sign-up asks for confirmation, in the caller's transaction (the one that stored the subject):
   * records `requested` for each purpose not already given, with the submission's proof, and a
   * request with a fresh link — unless a confirmation mail went to the subject within the window:
   * then nothing is recorded and nothing is to be sent (a flood of sign-ups sends one mail).
   */
  async ask(input: DoiAsk, trx: Kysely<Schema>): Promise<DoiAskResult> {
    const now = input.at ?? this.#clock()
    const subject = await this.#repo.lockSubject(input.subjectId, trx)
    if (!subject || subject.erased) throw new ProblemError('not-found', 'there is no such subject')
    const [state] = await this.#permissions.stateOf([input.subjectId], undefined, trx)
    const given = new Set(
      (state?.consents ?? [])
        .filter(
          (c) =>
            (c.status === 'granted' || c.status === 'confirmed') &&
            (c.expiresAt === null || c.expiresAt.getTime() > now.getTime()),
        )
        .map(slot),
    )
    const purposes = uniqueBySlot(input.purposes).filter((p) => !given.has(slot(p)))
    if (purposes.length === 0) return { kind: 'given' }
    const lastMail = await this.#repo.lastMailedAt(input.subjectId, trx)
    if (lastMail && now.getTime() - lastMail.getTime() < this.#settings.resendWindowMinutes * 60_000)
      return { kind: 'pending' }

    const requestId = randomUUID()
    await this.#permissions.recordConsent(
      purposes.map(
        (p): ConsentEventInput => ({
          subjectId: input.subjectId,
          purposeKey: p.purposeKey,
          channel: p.channel,
          kind: 'requested',
          at: now,
          actor: input.actor,
          requestId: input.requestId,
          proof: {
            source: 'form',
            formKey: input.formKey,
            textVersion: p.textVersion,
            reference: `doi-request:${requestId}`,
            doi: {
              requestedAt: now.toISOString(),
              ...(input.client.ip ? { ip: input.client.ip } : {}),
              ...(input.client.userAgent ? { userAgent: input.client.userAgent } : {}),
            },
          },
        }),
      ),
      trx,
    )
    const token = newToken()
    const expiresAt = new Date(now.getTime() + this.#settings.expiryHours * 3_600_000)
    await this.#repo.insert(
      {
        subjectId: input.subjectId,
        id: requestId,
        formKey: input.formKey,
        purposes,
        requestedAt: now,
        expiresAt,
        // Claimed now, in the transaction: a concurrent sign-up of the same subject waits for the
        // lock and then finds it, so two mails can't both go out.
        mailedAt: now,
        tokenHash: tokenHash(token),
      },
      trx,
    )
    return { kind: 'mail', requestId, token, expiresAt, purposes }
  }

  /**
   * A sign-up of the past that was never confirmed (the demo data: the deletion concept's rule for
   * unconfirmed requests has something to show), in a transaction of its own; no mail goes out, the
   * link's token is dropped. As `ask` otherwise.
   */
  async askAsOf(input: DoiAsk, at: Date): Promise<DoiAskResult> {
    return this.#db.transaction().execute((trx) => this.ask({ ...input, at }, trx))
  }

  /** The confirmation mail could not be sent: the next sign-up may send one again. */
  async mailFailed(subjectId: string, requestId: string): Promise<void> {
    await this.#repo.releaseMail(subjectId, requestId)
  }

  /**
   * What a link would do, without doing it (the page a GET shows: link scanners of mail servers
   * follow links, and their visit must not count as the person's confirmation). `open`: the link
   * works and these consents wait for the confirmation; otherwise the outcome `confirm` would give.
   * Changes nothing.
   */
  async inspect(
    token: string,
  ): Promise<{ kind: 'open'; purposes: DoiPurpose[] } | Exclude<DoiOutcome, { kind: 'confirmed' }>> {
    if (!TOKEN_PATTERN.test(token)) return { kind: 'invalid' }
    // Erasure deletes a subject's requests and links: an erased person's link finds nothing.
    const request = await this.#repo.findByToken(tokenHash(token))
    if (!request) return { kind: 'invalid' }
    if (request.status === 'confirmed' || request.status === 'superseded')
      return { kind: 'already-confirmed' }
    if (request.status === 'expired' || request.expires_at.getTime() <= this.#clock().getTime())
      return { kind: 'expired' }
    return { kind: 'open', purposes: request.purposes as DoiPurpose[] }
  }

  /**
   * Confirming (the button on the link's page): confirms the request's consents (those still requested or granted) with the
   * proof of this request, once. Nothing a stranger sends here does harm: an unknown, tampered,
   * used or expired link changes nothing and says only which of these it was.
   */
  async confirm(token: string, client: ClientProof): Promise<DoiOutcome> {
    if (!TOKEN_PATTERN.test(token)) return { kind: 'invalid' }
    const found = await this.#repo.findByToken(tokenHash(token))
    if (!found) return { kind: 'invalid' }
    return this.#db.transaction().execute(async (trx) => {
      const subject = await this.#repo.lockSubject(found.subject_id, trx)
      if (!subject || subject.erased) return { kind: 'invalid' } as const
      const request = await this.#repo.lock(found.subject_id, found.id, trx)
      if (!request) return { kind: 'invalid' } as const
      const now = this.#clock()
      if (request.status === 'confirmed' || request.status === 'superseded')
        return { kind: 'already-confirmed' } as const
      if (request.status === 'expired' || request.expires_at.getTime() <= now.getTime())
        return { kind: 'expired' } as const

      const [state] = await this.#permissions.stateOf([request.subject_id], undefined, trx)
      const current = new Map((state?.consents ?? []).map((c) => [slot(c), c.status]))
      const purposes = request.purposes as DoiPurpose[]
      const open = purposes.filter((p) => {
        const status = current.get(slot(p))
        return status === 'requested' || status === 'granted'
      })
      if (open.length === 0) {
        const confirmed = purposes.every((p) => current.get(slot(p)) === 'confirmed')
        await this.#repo.close(
          request.subject_id,
          [request.id],
          confirmed ? 'superseded' : 'expired',
          now,
          trx,
        )
        return confirmed ? ({ kind: 'already-confirmed' } as const) : ({ kind: 'expired' } as const)
      }
      await this.#permissions.recordConsent(
        open.map(
          (p): ConsentEventInput => ({
            subjectId: request.subject_id,
            purposeKey: p.purposeKey,
            channel: p.channel,
            kind: 'confirmed',
            at: now,
            // The address owner acts: following the link is their confirmation.
            actor: { type: 'subject', id: request.subject_id },
            proof: {
              source: 'form',
              formKey: request.form_key,
              textVersion: p.textVersion,
              reference: `doi-request:${request.id}`,
              doi: {
                requestedAt: request.requested_at.toISOString(),
                confirmedAt: now.toISOString(),
                ...(client.ip ? { ip: client.ip } : {}),
                ...(client.userAgent ? { userAgent: client.userAgent } : {}),
              },
            },
          }),
        ),
        trx,
      )
      await this.#repo.close(request.subject_id, [request.id], 'confirmed', now, trx)
      // Other pending links of the subject whose consents are all confirmed now have done their job.
      const done = new Set([
        ...open.map(slot),
        ...purposes.filter((p) => current.get(slot(p)) === 'confirmed').map(slot),
      ])
      const others = (await this.#repo.pendingOf(request.subject_id, trx)).filter((r) =>
        (r.purposes as DoiPurpose[]).every((p) => done.has(slot(p))),
      )
      await this.#repo.close(
        request.subject_id,
        others.map((r) => r.id),
        'superseded',
        now,
        trx,
      )
      return { kind: 'confirmed', purposes: open } as const
    })
  }

  /**
   * The expiry sweep (job `doi.expire`): every pending request whose link ran out is closed, and
   * its consents still `requested` are recorded `expired` — unless a newer link of the same
   * subject for that consent is still valid. One transaction per subject, so one subject's
   * failure doesn't stop the others; it is retried by the next run.
   */
  async expireDue(now: Date = this.#clock(), batch = 200): Promise<{ requests: number; failed: number }> {
    const tried = new Set<string>()
    let requests = 0
    let failed = 0
    for (;;) {
      const subjects = (await this.#repo.subjectsWithDue(now, batch + tried.size)).filter(
        (s) => !tried.has(s),
      )
      if (subjects.length === 0) break
      for (const subjectId of subjects) {
        tried.add(subjectId)
        try {
          requests += await this.#db.transaction().execute((trx) => this.#expireSubject(subjectId, now, trx))
        } catch {
          failed++
        }
      }
    }
    return { requests, failed }
  }

  async #expireSubject(subjectId: string, now: Date, trx: Kysely<Schema>): Promise<number> {
    const subject = await this.#repo.lockSubject(subjectId, trx)
    const pending = await this.#repo.pendingOf(subjectId, trx)
    const due = pending.filter((r) => r.expires_at.getTime() <= now.getTime())
    if (due.length === 0) return 0
    if (subject && !subject.erased) {
      const live = new Set(
        pending
          .filter((r) => r.expires_at.getTime() > now.getTime())
          .flatMap((r) => (r.purposes as DoiPurpose[]).map(slot)),
      )
      const [state] = await this.#permissions.stateOf([subjectId], undefined, trx)
      const requested = new Set(
        (state?.consents ?? []).filter((c) => c.status === 'requested').map((c) => slot(c)),
      )
      const events: ConsentEventInput[] = []
      const seen = new Set<string>()
      for (const request of due)
        for (const p of request.purposes as DoiPurpose[]) {
          const key = slot(p)
          if (live.has(key) || !requested.has(key) || seen.has(key)) continue
          seen.add(key)
          events.push({
            subjectId,
            purposeKey: p.purposeKey,
            channel: p.channel,
            kind: 'expired',
            at: now,
            actor: EXPIRY_JOB,
            proof: { source: 'form', formKey: request.form_key, reference: `doi-request:${request.id}` },
          })
        }
      await this.#permissions.recordConsent(events, trx)
    }
    await this.#repo.close(
      subjectId,
      due.map((r) => r.id),
      'expired',
      now,
      trx,
    )
    return due.length
  }
}

function uniqueBySlot(purposes: readonly DoiPurpose[]): DoiPurpose[] {
  const seen = new Map<string, DoiPurpose>()
  for (const p of purposes) if (!seen.has(slot(p))) seen.set(slot(p), p)
  return [...seen.values()]
}
