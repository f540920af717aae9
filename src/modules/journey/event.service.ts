import { isUuid } from '../../platform/uuid.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { RecordGate, TouchpointInput } from '../../privacy/records/record-gate.ts'
import type { EventBatch, EventBatchResult } from './event.schemas.ts'
import { isTouchpointType, TOUCHPOINT_CHANNELS, TOUCHPOINT_TYPES } from './touchpoint-types.ts'

const PURPOSE_KEY = /^[a-z][a-z0-9_]{1,62}$/
const MAX_PROPERTIES = 50
const MAX_PROPERTIES_BYTES = 8 * 1024
/** Events may be late (offline apps, batch uploads), not from before the system could exist. */
const EARLIEST = Date.parse('2000-01-01T00:00:00Z')
/** Clock skew a sender may have. */
const FUTURE_SLACK_MS = 5 * 60_000
/**
 * Property names that would put an identifier in the clear next to the subject id. Identifiers
 * belong in the vault (the subject's identifiers), never in touchpoint properties.
 */
const IDENTIFIER_KEYS =
  /^(e-?mail|mail|phone|mobile|tel(ephone)?|(first|last|full|family|given)?_?name|street|address|zip|postal_?code|city|birth_?date|dob|iban|bic|account(_?holder)?)$/i
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/

type Checked = { ok: true; event: TouchpointInput } | { ok: false; field: string; reason: string }

/** Touchpoint ingestion (the customer journey): each event checked, then stored through the gate. */
export class EventService {
  readonly #records: RecordGate
  readonly #clock: () => Date
  constructor(records: RecordGate, clock: () => Date = () => new Date()) {
    this.#records = records
    this.#clock = clock
  }

  async ingest(ctx: RequestContext, batch: EventBatch): Promise<EventBatchResult> {
    const now = this.#clock().getTime()
    const checked = batch.events.map((raw) => checkEvent(raw, now))
    const valid: { index: number; event: TouchpointInput }[] = []
    checked.forEach((c, index) => {
      if (c.ok) valid.push({ index, event: c.event })
    })
    const outcomes = await this.#records.ingestTouchpoints({
      actor: ctx.actor,
      source: batch.source ?? 'api',
      events: valid.map((v) => v.event),
      requestId: ctx.requestId,
    })
    const results: EventBatchResult['results'] = checked.map((c, index) =>
      c.ok
        ? { index, status: 'rejected' }
        : { index, status: 'rejected', rule: 'invalid', field: c.field, reason: c.reason },
    )
    valid.forEach((v, n) => {
      const outcome = outcomes[n]
      if (!outcome) return
      results[v.index] =
        outcome.status === 'accepted'
          ? { index: v.index, status: 'accepted', id: outcome.id }
          : outcome.status === 'duplicate'
            ? { index: v.index, status: 'duplicate' }
            : { index: v.index, status: 'rejected', rule: outcome.rule, reason: outcome.reason }
    })
    const count = (status: string) => results.filter((r) => r.status === status).length
    return {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      results,
    }
  }
}

const bad = (field: string, reason: string): Checked => ({ ok: false, field, reason })

/** One event's shape, field by field, with a reason a sender can act on. Pure. */
export function checkEvent(raw: unknown, nowMs: number): Checked {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('', 'must be an object')
  const e = raw as Record<string, unknown>
  const known = new Set(['subjectId', 'type', 'occurredAt', 'channel', 'purpose', 'properties', 'externalId'])
  for (const key of Object.keys(e)) if (!known.has(key)) return bad(key, 'is not a field of an event')
  if (typeof e.subjectId !== 'string' || !isUuid(e.subjectId))
    return bad('subjectId', 'must be a subject id (UUID)')
  if (typeof e.type !== 'string' || !isTouchpointType(e.type))
    return bad('type', 'must be one of the touchpoint types (GET /api/v1/touchpoint-types)')
  const type = TOUCHPOINT_TYPES[e.type]
  if (typeof e.occurredAt !== 'string') return bad('occurredAt', 'must be a date-time (RFC 3339)')
  const at = Date.parse(e.occurredAt)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(e.occurredAt) || Number.isNaN(at))
    return bad('occurredAt', 'must be a date-time (RFC 3339)')
  if (at < EARLIEST) return bad('occurredAt', 'is before 2000')
  if (at > nowMs + FUTURE_SLACK_MS) return bad('occurredAt', 'is in the future')
  let channel: string = type.channels[0] as string
  if (e.channel !== undefined) {
    if (typeof e.channel !== 'string' || !(TOUCHPOINT_CHANNELS as readonly string[]).includes(e.channel))
      return bad('channel', `must be one of: ${TOUCHPOINT_CHANNELS.join(', ')}`)
    if (!(type.channels as readonly string[]).includes(e.channel))
      return bad('channel', `a ${e.type} happens on: ${type.channels.join(', ')}`)
    channel = e.channel
  }
  let purposeKey: string = type.purpose
  if (e.purpose !== undefined) {
    if (typeof e.purpose !== 'string' || !PURPOSE_KEY.test(e.purpose))
      return bad('purpose', 'must be a purpose key')
    purposeKey = e.purpose
  }
  let properties: Record<string, unknown> = {}
  if (e.properties !== undefined) {
    if (typeof e.properties !== 'object' || e.properties === null || Array.isArray(e.properties))
      return bad('properties', 'must be a JSON object')
    properties = e.properties as Record<string, unknown>
    const keys = Object.keys(properties)
    if (keys.length > MAX_PROPERTIES) return bad('properties', `has more than ${MAX_PROPERTIES} keys`)
    if (Buffer.byteLength(JSON.stringify(properties)) > MAX_PROPERTIES_BYTES)
      return bad('properties', 'is larger than 8 KiB')
    for (const key of keys) {
      if (IDENTIFIER_KEYS.test(key))
        return bad(`properties.${key}`, 'identifiers belong to the subject (encrypted), not to an event')
      const value = properties[key]
      if (value !== null && typeof value === 'object')
        return bad(`properties.${key}`, 'must be a string, number, boolean or null (flat object)')
      if (typeof value === 'string' && EMAIL_LIKE.test(value))
        return bad(`properties.${key}`, 'looks like an e-mail address: identifiers belong to the subject')
    }
  }
  let externalId: string | undefined
  if (e.externalId !== undefined) {
    if (typeof e.externalId !== 'string' || e.externalId.length < 1 || e.externalId.length > 128)
      return bad('externalId', 'must be a string of 1 to 128 characters')
    externalId = e.externalId
  }
  return {
    ok: true,
    event: {
      subjectId: e.subjectId.toLowerCase(),
      type: e.type,
      channel,
      occurredAt: new Date(at),
      purposeKey,
      // The type's purpose channel applies to the type's own purpose; another purpose is checked on its own.
      purposeChannel:
        purposeKey === type.purpose && 'purposeChannel' in type ? type.purposeChannel : undefined,
      properties,
      externalId,
    },
  }
}
