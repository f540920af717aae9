import { DEFAULT_TIME_ZONE } from '../../platform/local-time.ts'
import type { Mailer } from '../../platform/mail/mailer.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor } from '../../privacy/audit/audit-record.ts'
import type {
  ConsentEventInput,
  ConsentView,
  PermissionService,
} from '../../privacy/permissions/permission.service.ts'
import type { ConsentStatus, DenialRule, ObjectionScope } from '../../privacy/permissions/permission-rules.ts'
import type {
  LinkState,
  PortalAccessService,
  PortalSession,
  SignIn,
} from '../../privacy/portal-access/portal-access.service.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import {
  CHANNELS,
  type Channel,
  canBeObjectedTo,
  type Purpose,
  usesConsent,
} from '../../privacy/purposes/purpose.ts'
import { type DsrKind, isDsrKind } from '../../privacy/requests/dsr.ts'
import { type Lang, proofUserAgent, truncateIp } from '../forms/client-info.ts'
import type { ConsentText, ConsentTextService } from '../forms/consent-text.service.ts'
import type { DataSubjectRequest, RequestService } from '../requests/request.service.ts'
import { DETAILS_MAX_LENGTH } from '../requests/request-kinds.ts'
import type { MailBranding } from '../settings/branding.ts'
import { signInMail } from './portal-mail.ts'
import type { DoneCode, RefusalCode } from './portal-texts.ts'

export type { PortalSession }

/** Where a portal request comes from: for the proof of consents given (IP cut to /24 or /48). */
export interface PortalClient {
  ip?: string | undefined
  userAgent?: string | string[] | undefined
  requestId?: string | undefined
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined
}

/** A consent the portal shows: its state, whether it is used now, and what the person can do. */
export interface PortalConsent {
  purpose: Purpose
  channel: Channel
  status: ConsentStatus | null
  /** When the current status began. */
  since: Date | null
  inUse: boolean
  /** Why it isn't used although given (an objection, a restriction, a missing confirmation). */
  notInUse: DenialRule | null
  /** Offered to give here: the exact text shown next to the unticked box. */
  offer: ConsentText | null
  /** Why it can't be given here, when it isn't given and isn't offered. */
  notOffered: 'web' | 'confirm' | 'no-text' | null
  canWithdraw: boolean
}

/** A direct-marketing purpose on legitimate interest: used until the person objects. */
export interface PortalMarketing {
  purpose: Purpose
  objectedSince: Date | null
}

/** Everything the portal page shows about one person. */
export interface PortalOverview {
  doNotContactSince: Date | null
  restricted: boolean
  consents: PortalConsent[]
  marketing: PortalMarketing[]
  /** The contact channels of direct marketing, each with the objection to it, if any. */
  channels: { channel: Channel; objectedSince: Date | null }[]
  /** Processing that is neither consent nor advertising, with whether Art. 21(1) applies. */
  other: { purpose: Purpose; objectable: boolean }[]
  requests: DataSubjectRequest[]
  /** The answers the person can download now (issue #15), by request. */
  downloads: { requestId: string; expiresAt: Date }[]
  /** The installation's time zone: the page shows times in it and names it. */
  timeZone: string
}

/** An action refused for a reason the person can fix; nothing was changed. */
export class PortalRefusal extends Error {
  readonly code: RefusalCode
  constructor(code: RefusalCode) {
    super(code)
    this.name = 'PortalRefusal'
    this.code = code
  }
}

const WITHDRAWABLE: readonly (ConsentStatus | null)[] = ['requested', 'granted', 'confirmed']
const slot = (purposeKey: string, channel: string) => `${purposeKey}\u0000${channel}`
const subjectActor = (session: PortalSession): AuditActor => ({ type: 'subject', id: session.subjectId })

/** The status at `now`: a given consent whose validity ran out counts as expired. */
function effectiveStatus(consent: ConsentView, now: Date): ConsentStatus {
  const given = consent.status === 'granted' || consent.status === 'confirmed'
  return given && consent.expiresAt !== null && consent.expiresAt.getTime() <= now.getTime()
    ? 'expired'
    : consent.status
}

/** Whether a consent is still to be given: not given, or given but waiting for its double opt-in. */
const needsGiving = (purpose: Purpose, status: ConsentStatus | null): boolean =>
  !(status === 'confirmed' || (status === 'granted' && !purpose.doubleOptIn))

function since(consent: ConsentView | undefined): Date | null {
  switch (consent?.status) {
    case 'requested':
      return consent.requestedAt
    case 'granted':
      return consent.grantedAt
    case 'confirmed':
      return consent.confirmedAt
    case 'withdrawn':
      return consent.withdrawnAt
    case 'expired':
      return consent.expiredAt
    default:
      return null
  }
}

/** What the portal needs of the requests workflow: the person's downloadable answers. */
export interface PortalAnswers {
  downloadsOf(subjectId: string): Promise<{ requestId: string; expiresAt: Date }[]>
  download(
    subjectId: string,
    requestId: string,
    format: 'json' | 'html' | 'pdf' | 'csv' | 'zip',
  ): Promise<{ body: Buffer | string; contentType: string; filename: string } | undefined>
}

/**
 * The privacy portal: the person signs in through a link mailed to their address, sees which
 * purposes and channels they agreed to and since when, gives and withdraws consents, objects to
 * advertising (per channel, per purpose, or all of it) and files requests (Art. 15-18, 20, 21).
 * Every change goes through the permission service with source `portal` and the person as the
 * actor; requests are recorded by the requests module. Links and sessions are the kernel's
 * (`PortalAccessService`); this service sends the mail and decides what the page offers.
 */
export class PortalService {
  readonly #access: PortalAccessService
  readonly #permissions: PermissionService
  readonly #purposes: PurposeService
  readonly #consentTexts: ConsentTextService
  readonly #requests: RequestService
  readonly #answers: PortalAnswers | undefined
  readonly #mailer: Mailer
  readonly #publicUrl: string
  readonly #mailBranding: (() => Promise<MailBranding>) | undefined
  readonly #clock: () => Date
  constructor(deps: {
    access: PortalAccessService
    permissions: PermissionService
    purposes: PurposeService
    consentTexts: ConsentTextService
    requests: RequestService
    /** The answers to the person's requests (issue #15): what they may download, and the download. */
    answers?: PortalAnswers
    mailer: Mailer
    publicUrl: string
    clock?: () => Date
    /** The logo and colour of the sign-in mail (the settings). */
    mailBranding?: () => Promise<MailBranding>
  }) {
    this.#access = deps.access
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#consentTexts = deps.consentTexts
    this.#requests = deps.requests
    this.#answers = deps.answers
    this.#mailer = deps.mailer
    this.#publicUrl = deps.publicUrl
    this.#clock = deps.clock ?? (() => new Date())
    this.#mailBranding = deps.mailBranding
  }

  get settings(): PortalAccessService['settings'] {
    return this.#access.settings
  }

  /** Whether the session cookie should be `Secure`: Tresor is reached over HTTPS. */
  get secureCookies(): boolean {
    return this.#publicUrl.startsWith('https:')
  }

  /**
   * Asks for a sign-in link. Whatever the address — unknown, erased, known, just sent one — the
   * caller gives the same answer; a text that is not an address is a validation problem. The mail
   * goes out after the answer (a known address must not answer slower than an unknown one); if it
   * fails, the link is dropped so the next request sends one.
   */
  async requestLink(email: string, lang: Lang, client: PortalClient): Promise<void> {
    const issued = await this.#access.issueLink(email.trim(), { requestId: client.requestId })
    if (issued.kind !== 'link') return
    // The branding is read after the answer too, with the mail: nothing a known address costs
    // more than an unknown one happens before it.
    const send = async () =>
      this.#mailer.send(
        signInMail({
          to: email.trim(),
          lang,
          link: `${this.#publicUrl}/p/portal/login/${issued.token}?lang=${lang}`,
          expiresAt: issued.expiresAt,
          branding: await this.#mailBranding?.(),
        }),
      )
    void send().then(
      (sent) => client.log?.info({ messageId: sent.messageId }, 'portal sign-in mail sent'),
      async (error: { name?: string; code?: string }) => {
        // The error's message may quote the address: only its kind is logged.
        client.log?.error({ err: { type: error?.name, code: error?.code } }, 'portal sign-in mail failed')
        await this.#access.linkFailed(issued.subjectId, issued.linkId).catch(() => {})
      },
    )
  }

  /** What a link is (without using it), and whose it is: for the page a mail link opens. */
  async linkState(token: string): Promise<{ state: LinkState; subjectId?: string }> {
    return this.#access.linkState(token)
  }

  /** Uses a link; a session the browser had (`replacing`) ends when a new one begins. */
  async signIn(token: string, client: PortalClient, replacing?: string): Promise<SignIn> {
    const result = await this.#access.signIn(token, { requestId: client.requestId })
    if (result.kind === 'signed-in' && replacing) await this.#access.signOut(replacing, client)
    return result
  }

  session(token: string | undefined): Promise<PortalSession | undefined> {
    return this.#access.session(token)
  }

  checkCsrf(session: PortalSession, given: unknown): boolean {
    return this.#access.checkCsrf(session, given)
  }

  signOut(token: string | undefined, client: PortalClient): Promise<void> {
    return this.#access.signOut(token, { requestId: client.requestId })
  }

  /** Everything the page shows: state per purpose and channel, objections, what can be done, requests. */
  async overview(session: PortalSession): Promise<PortalOverview> {
    const [state] = await this.#permissions.stateOf([session.subjectId])
    if (!state || state.erased) throw new ProblemError('not-found', 'no such subject')
    const [purposes, decisions, requests, downloads] = await Promise.all([
      this.#purposes.list(),
      this.#permissions.decisionsFor(state),
      this.#requests.listedInPortal(session.subjectId),
      this.#answers ? this.#answers.downloadsOf(session.subjectId) : Promise.resolve([]),
    ])
    const texts = await this.#consentTexts.latest(purposes.filter(usesConsent).map((p) => p.key))
    const consentOf = new Map(state.consents.map((c) => [slot(c.purposeKey, c.channel), c]))
    const decisionOf = new Map(decisions.map((d) => [slot(d.purposeKey, d.channel), d]))
    const objection = (scope: ObjectionScope, target?: string) =>
      state.objections.find(
        (o) =>
          o.scope === scope &&
          (scope === 'all_marketing' || (scope === 'purpose' ? o.purposeKey : o.channel) === target),
      )?.raisedAt ?? null

    const now = this.#clock()
    const consents = purposes.filter(usesConsent).flatMap((purpose) =>
      purpose.channels.map((channel): PortalConsent => {
        const consent = consentOf.get(slot(purpose.key, channel))
        const status = consent ? effectiveStatus(consent, now) : null
        const decision = decisionOf.get(slot(purpose.key, channel))
        const text = texts.get(purpose.key)
        const open = needsGiving(purpose, status)
        const offered = open && this.#offerable(purpose, channel) && text !== undefined
        const living = status === 'requested' || status === 'granted' || status === 'confirmed'
        return {
          purpose,
          channel,
          status,
          since:
            status === 'expired' && consent?.status !== 'expired'
              ? (consent?.expiresAt ?? null)
              : since(consent),
          inUse: decision?.allowed ?? false,
          notInUse: living && decision && !decision.allowed ? (decision.rule ?? null) : null,
          offer: offered ? (text ?? null) : null,
          notOffered:
            !open || offered ? null : channel === 'web' ? 'web' : text === undefined ? 'no-text' : 'confirm',
          canWithdraw: living,
        }
      }),
    )
    const marketingPurposes = purposes.filter((p) => p.directMarketing && !usesConsent(p))
    return {
      timeZone: (await this.#mailBranding?.())?.timeZone ?? DEFAULT_TIME_ZONE,
      doNotContactSince: objection('all_marketing'),
      restricted: state.restriction !== null,
      consents,
      marketing: marketingPurposes.map((purpose) => ({
        purpose,
        objectedSince: objection('purpose', purpose.key),
      })),
      channels: this.#marketingChannels(purposes).map((channel) => ({
        channel,
        objectedSince: objection('channel', channel),
      })),
      other: purposes
        .filter((p) => !usesConsent(p) && !p.directMarketing)
        .map((purpose) => ({ purpose, objectable: canBeObjectedTo(purpose) })),
      requests,
      downloads,
    }
  }

  /**
   * The signed-in person's answer to one of their requests, in a format; undefined (the route's
   * 404) for a request that isn't theirs, isn't answered with a report, or whose download window
   * ended. The answer is opened under the person's key and the download audited.
   */
  async download(
    session: PortalSession,
    requestId: string,
    format: 'json' | 'html' | 'pdf' | 'csv' | 'zip',
  ): Promise<{ body: Buffer | string; contentType: string; filename: string } | undefined> {
    if (!this.#answers) return undefined
    return this.#answers.download(session.subjectId, requestId, format)
  }

  /**
   * Gives a consent the page offered, with the exact text version shown. The sign-in through a
   * link mailed to the address proved control of it: `granted`, and for a purpose with double
   * opt-in at once `confirmed`, whose proof names when the link was sent and when it was used
   * (see README).
   */
  async giveConsent(
    session: PortalSession,
    input: { purposeKey: unknown; channel: unknown; textVersion: unknown; agreed: unknown },
    client: PortalClient,
  ): Promise<DoneCode> {
    const { purpose, channel } = await this.#consentSlot(input.purposeKey, input.channel)
    if (!this.#offerable(purpose, channel)) throw new PortalRefusal('unknown-choice')
    const text = (await this.#consentTexts.latest([purpose.key])).get(purpose.key)
    if (!text) throw new PortalRefusal('unknown-choice')
    if (input.textVersion !== text.textVersion) throw new PortalRefusal('text-changed')
    // Art. 4(11), Art. 7: a clear affirmative act, the box ticked by the person.
    if (input.agreed !== 'yes') throw new PortalRefusal('tick')
    const [state] = await this.#permissions.stateOf([session.subjectId], purpose.key)
    const current = state?.consents.find((c) => c.channel === channel)
    const now = this.#clock()
    const status = current ? effectiveStatus(current, now) : null
    if (!needsGiving(purpose, status)) return 'unchanged'
    const proof = this.#proof(session, client)
    const base = {
      subjectId: session.subjectId,
      purposeKey: purpose.key,
      channel,
      at: now,
      actor: subjectActor(session),
      requestId: client.requestId,
    }
    const events: ConsentEventInput[] = []
    // A consent granted but not confirmed yet (double opt-in) needs only the confirmation.
    if (status !== 'granted')
      events.push({
        ...base,
        kind: 'granted',
        proof: { ...proof, textVersion: text.textVersion, collectedAt: now.toISOString() },
      })
    if (purpose.doubleOptIn) {
      const { ip, userAgent } = proof
      events.push({
        ...base,
        kind: 'confirmed',
        proof: {
          ...proof,
          textVersion: text.textVersion,
          doi: {
            requestedAt: session.linkSentAt.toISOString(),
            confirmedAt: now.toISOString(),
            ...(ip ? { ip } : {}),
            ...(userAgent ? { userAgent } : {}),
          },
        },
      })
    }
    await this.#permissions.recordConsent(events)
    return 'consent-given'
  }

  /** Withdraws a consent (Art. 7(3)): always possible, effective at once. */
  async withdrawConsent(
    session: PortalSession,
    input: { purposeKey: unknown; channel: unknown },
    client: PortalClient,
  ): Promise<DoneCode> {
    const { purpose, channel } = await this.#consentSlot(input.purposeKey, input.channel)
    const [state] = await this.#permissions.stateOf([session.subjectId], purpose.key)
    const current = state?.consents.find((c) => c.channel === channel)
    if (!current || !WITHDRAWABLE.includes(current.status)) return 'unchanged'
    await this.#permissions.recordConsent([
      {
        subjectId: session.subjectId,
        purposeKey: purpose.key,
        channel,
        kind: 'withdrawn',
        at: this.#clock(),
        actor: subjectActor(session),
        requestId: client.requestId,
        proof: this.#proof(session, client),
      },
    ])
    return 'consent-withdrawn'
  }

  /**
   * Raises or lifts an objection to direct marketing (Art. 21(2)-(3)): to all of it, to one
   * channel, or to one purpose on legitimate interest. A raised one is in force at once.
   */
  async object(
    session: PortalSession,
    input: { scope: unknown; purposeKey: unknown; channel: unknown; action: unknown },
    client: PortalClient,
  ): Promise<DoneCode> {
    const action = input.action === 'lift' ? 'lifted' : input.action === 'raise' ? 'raised' : undefined
    if (!action) throw new PortalRefusal('unknown-choice')
    const purposes = await this.#purposes.list()
    let target: { scope: ObjectionScope; purposeKey?: string; channel?: Channel }
    if (input.scope === 'all_marketing') target = { scope: 'all_marketing' }
    else if (input.scope === 'channel') {
      const channel = this.#marketingChannels(purposes).find((c) => c === input.channel)
      if (!channel) throw new PortalRefusal('unknown-choice')
      target = { scope: 'channel', channel }
    } else if (input.scope === 'purpose') {
      const purpose = purposes.find((p) => p.key === input.purposeKey && p.directMarketing && !usesConsent(p))
      if (!purpose) throw new PortalRefusal('unknown-choice')
      target = { scope: 'purpose', purposeKey: purpose.key }
    } else throw new PortalRefusal('unknown-choice')

    const [state] = await this.#permissions.stateOf([session.subjectId])
    const inForce = (state?.objections ?? []).some(
      (o) =>
        o.scope === target.scope &&
        (o.scope === 'all_marketing' ||
          (o.scope === 'purpose' ? o.purposeKey === target.purposeKey : o.channel === target.channel)),
    )
    if (inForce === (action === 'raised')) return 'unchanged'
    try {
      await this.#permissions.recordObjection([
        {
          subjectId: session.subjectId,
          ...target,
          action,
          source: 'portal',
          actor: subjectActor(session),
          requestId: client.requestId,
          at: this.#clock(),
        },
      ])
    } catch (error) {
      // Lifted meanwhile in another tab: nothing to do.
      if (error instanceof ProblemError && error.kind === 'conflict' && action === 'lifted')
        return 'unchanged'
      throw error
    }
    return action === 'raised' ? 'objection-raised' : 'objection-lifted'
  }

  /** Files a request (Art. 15-18, 20, 21(1)) with the time of receipt; nothing else changes. */
  async fileRequest(session: PortalSession, input: { kind: unknown; details: unknown }): Promise<DoneCode> {
    if (typeof input.kind !== 'string' || !isDsrKind(input.kind)) throw new PortalRefusal('unknown-choice')
    const kind: DsrKind = input.kind
    if (input.details !== undefined && typeof input.details !== 'string')
      throw new PortalRefusal('unknown-choice')
    const details = input.details?.trim() || undefined
    if (details && details.length > DETAILS_MAX_LENGTH) throw new PortalRefusal('details-too-long')
    if (!details && kind === 'rectification') throw new PortalRefusal('details-required')
    const filed = await this.#requests.fileInPortal(session.subjectId, kind, details)
    return filed.kind === 'filed' ? 'request-filed' : 'request-duplicate'
  }

  /**
   * Whether the portal can take this consent: not website tracking (given per browser, in the
   * cookie banner), and with double opt-in only by e-mail — the sign-in proves the address, not
   * a phone number.
   */
  #offerable(purpose: Purpose, channel: Channel): boolean {
    if (channel === 'web') return false
    return !purpose.doubleOptIn || channel === 'email'
  }

  /** The contact channels of direct marketing, in the registry's channel order. */
  #marketingChannels(purposes: readonly Purpose[]): Channel[] {
    const used = new Set(purposes.filter((p) => p.directMarketing).flatMap((p) => p.channels))
    return CHANNELS.filter((c) => used.has(c) && c !== 'none' && c !== 'web')
  }

  async #consentSlot(purposeKey: unknown, channel: unknown): Promise<{ purpose: Purpose; channel: Channel }> {
    if (typeof purposeKey !== 'string' || typeof channel !== 'string')
      throw new PortalRefusal('unknown-choice')
    const purpose = await this.#purposes.find(purposeKey)
    const found = purpose?.channels.find((c) => c === channel)
    if (!purpose || !usesConsent(purpose) || !found) throw new PortalRefusal('unknown-choice')
    return { purpose, channel: found }
  }

  /** The proof of a portal consent event: the session, and the network (truncated) and browser. */
  #proof(
    session: PortalSession,
    client: PortalClient,
  ): { source: 'portal'; reference: string; ip?: string; userAgent?: string } {
    const ip = truncateIp(client.ip)
    const userAgent = proofUserAgent(client.userAgent)
    return {
      source: 'portal',
      reference: `portal session ${session.id}`,
      ...(ip ? { ip } : {}),
      ...(userAgent ? { userAgent } : {}),
    }
  }
}
