import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { ConsentEventInput, PermissionService } from '../../privacy/permissions/permission.service.ts'
import type { RecordGate, TouchpointInput, TouchpointOutcome } from '../../privacy/records/record-gate.ts'
import { checkEvent } from '../journey/event.service.ts'
import type { TouchpointTypeKey } from '../journey/touchpoint-types.ts'
import { readTcString, type TcfVerdict, UndecodableTcString } from './tcf-consent.ts'
import type { TrackRequest, TrackResult, TrackStats, TrackStatsQuery } from './tracking.schemas.ts'
import { CONSENT_FORM_KEYS, TCF_PURPOSE_MAP, TRACKED_TYPES, TRACKING_PURPOSE } from './tracking-config.ts'
import type { TrackingCount, TrackingCountRepository } from './tracking-count.repository.ts'

/** Why a request's events were dropped before the record gate saw them. */
export type SignalDrop = 'gpc' | 'tcf-refused' | 'consent-refused'

/** The signals a request carries outside its body. */
export interface TrackSignals {
  /** `Sec-GPC: 1`: the browser's Global Privacy Control opt-out (LEGAL.md, "Website tracking"). */
  gpc: boolean
}

export interface TrackingServicePorts {
  records: Pick<RecordGate, 'ingestTouchpoints'>
  permissions: Pick<PermissionService, 'stateOf' | 'recordConsent'>
  counts: TrackingCountRepository
  clock?: () => Date
}

/** The longest range of days the counts are shown for at once. */
const STATS_MAX_DAYS = 366
const STATS_DEFAULT_DAYS = 30
const DAY_MS = 86_400_000
const EVENT_KEYS = new Set(['type', 'occurredAt', 'properties', 'externalId'])

type Checked = { ok: true; event: TouchpointInput } | { ok: false; field: string; reason: string }
type Outcome = TrackResult['results'][number]

const dayOf = (at: Date) => at.toISOString().slice(0, 10)

/**
 * Web tracking: a website's events about one visitor (a known subject), stored only under a
 * consent signal for the tracking purpose and only through the record gate. The signals, strongest
 * first: `Sec-GPC: 1` drops every event whatever else is sent; a refusal in the request (a TC
 * string lacking a mapped purpose, or the banner's no) drops them and withdraws a consent in force;
 * a grant in the request (a TC string with every mapped purpose, or the banner's yes) is recorded as
 * the subject's consent, with its proof, unless one is in force; then the record gate checks the
 * recorded consent for every event, as for POST /api/v1/events. Every outcome is counted per day,
 * site and reason; nothing of a dropped event is stored or logged.
 */
export class TrackingService {
  readonly #p: TrackingServicePorts
  readonly #clock: () => Date
  constructor(ports: TrackingServicePorts) {
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
  }

  async track(ctx: RequestContext, request: TrackRequest, signals: TrackSignals): Promise<TrackResult> {
    const now = this.#clock()
    const tcf = this.#tcf(request)
    if (request.events.length === 0 && tcf === undefined && request.consent === undefined)
      throw invalidField('body', 'events', 'is empty: send events, or a consent signal')
    if (request.consent?.granted === true && request.consent.textVersion === undefined)
      // Art. 7(1): which text the visitor agreed to is part of the proof.
      throw invalidField('body', 'consent.textVersion', 'is required when the banner grants consent')

    const refusal: Exclude<SignalDrop, 'gpc'> | undefined =
      tcf && !tcf.granted ? 'tcf-refused' : request.consent?.granted === false ? 'consent-refused' : undefined
    const grant = refusal ? undefined : tcf?.granted ? 'tcf' : request.consent?.granted ? 'banner' : undefined
    const drop: SignalDrop | undefined = signals.gpc ? 'gpc' : refusal

    // A withdrawal is honoured even under GPC (it only ends processing); a grant never is.
    const recorded = refusal
      ? await this.#withdraw(ctx, request, tcf, now)
      : grant && !signals.gpc
        ? await this.#grant(ctx, request, grant, tcf, now)
        : null

    const checked = request.events.map((raw) => checkTrackedEvent(raw, request.subjectId, now))
    const results: Outcome[] = checked.map((c, index) =>
      c.ok
        ? { index, status: 'dropped' }
        : { index, status: 'dropped', rule: 'invalid', field: c.field, reason: c.reason },
    )
    const valid = checked.flatMap((c, index) => (c.ok ? [{ index, event: c.event }] : []))
    if (drop) {
      const reason = dropReason(drop, tcf)
      for (const v of valid) results[v.index] = { index: v.index, status: 'dropped', rule: drop, reason }
    } else if (valid.length > 0) {
      const outcomes = await this.#p.records.ingestTouchpoints({
        actor: ctx.actor,
        source: request.source ?? 'website',
        events: valid.map((v) => v.event),
        requestId: ctx.requestId,
      })
      valid.forEach((v, n) => {
        results[v.index] = toOutcome(v.index, outcomes[n])
      })
    }

    await this.#p.counts.add(countsOf(results, dayOf(now), request.source ?? 'website'))
    const count = (status: Outcome['status']) => results.filter((r) => r.status === status).length
    return {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      dropped: count('dropped'),
      results,
      consent: {
        signal: drop === 'gpc' ? 'gpc' : refusal ? 'refused' : grant ? 'granted' : 'none',
        recorded,
      },
    }
  }

  /** The counts of taken and dropped events over a range of days, per reason and per day and site. */
  async stats(query: TrackStatsQuery): Promise<TrackStats> {
    const today = dayOf(this.#clock())
    const to = query.to ?? today
    const from = query.from ?? dayOf(new Date(Date.parse(to) - (STATS_DEFAULT_DAYS - 1) * DAY_MS))
    const span = (Date.parse(to) - Date.parse(from)) / DAY_MS
    if (span < 0) throw invalidField('query', 'from', 'is after to')
    // The default range ends before the year 1 for a `to` in January of the year 1: no such dates.
    if (!/^\d{4}-/.test(from) || from < '0001-01-01')
      throw invalidField('query', query.from === undefined ? 'to' : 'from', 'is before the year 1')
    if (span >= STATS_MAX_DAYS)
      throw invalidField('query', 'from', `the range is at most ${STATS_MAX_DAYS} days`)
    const days = await this.#p.counts.list({ from, to, source: query.source })
    const droppedBy: Record<string, number> = {}
    let accepted = 0
    let duplicates = 0
    let dropped = 0
    for (const d of days) {
      if (d.outcome === 'accepted') accepted += d.count
      else if (d.outcome === 'duplicate') duplicates += d.count
      else {
        dropped += d.count
        droppedBy[d.outcome] = (droppedBy[d.outcome] ?? 0) + d.count
      }
    }
    return { from, to, accepted, duplicates, dropped, droppedBy, days }
  }

  /** The request's TC string read for the tracking purpose; undecodable: a 400 naming the field sent. */
  #tcf(request: TrackRequest): TcfVerdict | undefined {
    const field = request.tcString !== undefined ? 'tcString' : 'gdpr_consent'
    const value = request.tcString ?? request.gdpr_consent
    if (value === undefined) return undefined
    if (
      request.tcString !== undefined &&
      request.gdpr_consent !== undefined &&
      request.gdpr_consent !== value
    )
      throw invalidField('body', 'gdpr_consent', 'differs from tcString: send one TC string')
    const mapping = TCF_PURPOSE_MAP[TRACKING_PURPOSE.key]
    if (!mapping) throw new ProblemError('internal', `no TCF mapping for the purpose ${TRACKING_PURPOSE.key}`)
    try {
      return readTcString(value, mapping)
    } catch (error) {
      if (error instanceof UndecodableTcString)
        throw invalidField(
          'body',
          field,
          `is not a TCF v2 consent string that can be decoded (${error.message})`,
        )
      throw error
    }
  }

  /** The subject's web-tracking consent now: null for an unknown or erased subject. */
  async #consentNow(subjectId: string, now: Date) {
    const [state] = await this.#p.permissions.stateOf([subjectId], TRACKING_PURPOSE.key)
    if (!state || state.erased) return null
    const consent = state.consents.find((c) => c.channel === TRACKING_PURPOSE.channel)
    const inForce =
      consent !== undefined &&
      (consent.status === 'granted' || consent.status === 'confirmed') &&
      (consent.expiresAt === null || consent.expiresAt.getTime() > now.getTime())
    return { consent, inForce }
  }

  /**
   * Records the request's grant as the subject's consent (Art. 7(1): the banner's text version, or
   * the TC string's CMP and hash, are the proof), unless a consent is in force already: a page view
   * is not a new consent. An unknown or erased subject gets nothing recorded; the gate refuses it.
   */
  async #grant(
    ctx: RequestContext,
    request: TrackRequest,
    by: 'tcf' | 'banner',
    tcf: TcfVerdict | undefined,
    now: Date,
  ): Promise<'granted' | null> {
    const current = await this.#consentNow(request.subjectId, now)
    if (!current || current.inForce) return null
    const proof =
      by === 'tcf' && tcf
        ? { source: 'form' as const, formKey: CONSENT_FORM_KEYS.tcf, ...tcf.proof }
        : {
            source: 'form' as const,
            formKey: request.consent?.formKey ?? CONSENT_FORM_KEYS.banner,
            textVersion: request.consent?.textVersion,
          }
    await this.#p.permissions.recordConsent([
      this.#consentEvent(ctx, request.subjectId, 'granted', proof, now),
    ])
    return 'granted'
  }

  /**
   * Art. 7(3): a refusal in the request (the CMP or banner now says no) withdraws a consent that is
   * given, as easily as it was given; a subject without one gets nothing recorded.
   */
  async #withdraw(
    ctx: RequestContext,
    request: TrackRequest,
    tcf: TcfVerdict | undefined,
    now: Date,
  ): Promise<'withdrawn' | null> {
    const current = await this.#consentNow(request.subjectId, now)
    const status = current?.consent?.status
    if (!current || status === undefined || status === 'withdrawn' || status === 'expired') return null
    const proof =
      tcf && !tcf.granted
        ? {
            source: 'form' as const,
            formKey: CONSENT_FORM_KEYS.tcf,
            textVersion: tcf.proof.textVersion,
            reference: tcf.proof.reference,
          }
        : { source: 'form' as const, formKey: request.consent?.formKey ?? CONSENT_FORM_KEYS.banner }
    await this.#p.permissions.recordConsent([
      this.#consentEvent(ctx, request.subjectId, 'withdrawn', proof, now),
    ])
    return 'withdrawn'
  }

  #consentEvent(
    ctx: RequestContext,
    subjectId: string,
    kind: 'granted' | 'withdrawn',
    proof: ConsentEventInput['proof'],
    at: Date,
  ): ConsentEventInput {
    return {
      actor: ctx.actor,
      requestId: ctx.requestId,
      subjectId,
      purposeKey: TRACKING_PURPOSE.key,
      channel: TRACKING_PURPOSE.channel,
      kind,
      proof,
      at,
    }
  }
}

const bad = (field: string, reason: string): Checked => ({ ok: false, field, reason })

/**
 * One tracked event: only the tracking types, on the web channel, under the tracking purpose (no
 * purpose or channel of the sender's choosing); the rest is the journey's own check (identifiers
 * in properties refused, time bounds). `occurredAt` defaults to the time of receipt. Pure.
 */
export function checkTrackedEvent(raw: unknown, subjectId: string, now: Date): Checked {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('', 'must be an object')
  const e = raw as Record<string, unknown>
  for (const key of Object.keys(e))
    if (!EVENT_KEYS.has(key)) return bad(key, 'is not a field of a tracked event')
  if (typeof e.type !== 'string' || !(TRACKED_TYPES as readonly string[]).includes(e.type))
    return bad('type', `must be one of: ${TRACKED_TYPES.join(', ')}`)
  const checked = checkEvent(
    {
      ...e,
      subjectId,
      type: e.type as TouchpointTypeKey,
      channel: TRACKING_PURPOSE.channel,
      occurredAt: e.occurredAt === undefined ? now.toISOString() : e.occurredAt,
    },
    now.getTime(),
  )
  // TRACKED_TYPES are the types of the tracking purpose; this holds unless the registry changes under us.
  if (checked.ok && checked.event.purposeKey !== TRACKING_PURPOSE.key)
    return bad('type', `is not collected under ${TRACKING_PURPOSE.key}`)
  return checked
}

function dropReason(drop: SignalDrop, tcf: TcfVerdict | undefined): string {
  switch (drop) {
    case 'gpc':
      return 'the browser sent Sec-GPC: 1 (Global Privacy Control), an opt-out honoured for every event'
    case 'tcf-refused':
      return `the TC string does not consent to TCF purpose ${tcf?.missing.join(', ')}, which web tracking needs`
    case 'consent-refused':
      return 'the site’s consent banner says no to web tracking'
  }
}

function toOutcome(index: number, outcome: TouchpointOutcome | undefined): Outcome {
  if (!outcome) return { index, status: 'dropped', rule: 'invalid', reason: 'not processed' }
  if (outcome.status === 'accepted') return { index, status: 'accepted', id: outcome.id }
  if (outcome.status === 'duplicate') return { index, status: 'duplicate' }
  return { index, status: 'dropped', rule: outcome.rule, reason: outcome.reason }
}

/** Per outcome (accepted, duplicate, or the rule an event was dropped by), how many events. */
function countsOf(results: readonly Outcome[], day: string, source: string): TrackingCount[] {
  const byOutcome = new Map<string, number>()
  for (const r of results) {
    const outcome = r.status === 'dropped' ? (r.rule ?? 'invalid') : r.status
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1)
  }
  return [...byOutcome].map(([outcome, count]) => ({ day, source, outcome, count }))
}
