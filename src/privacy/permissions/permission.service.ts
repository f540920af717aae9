import type { Insertable, Kysely, SelectQueryBuilder } from 'kysely'
import type {
  PermissionStateRow,
  PermissionStateTable,
  Schema,
  SubjectRow,
} from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditRecordInput, AuditWriter } from '../audit/audit-record.ts'
import { ATTRIBUTE_FIELDS } from '../fields/field-catalog.ts'
import type { PurposeService } from '../purposes/purpose.service.ts'
import {
  CHANNELS,
  type Channel,
  canBeObjectedTo,
  isChannel,
  type Purpose,
  usesConsent,
} from '../purposes/purpose.ts'
import type { KeyWithIdentity } from '../vault/vault.repository.ts'
import { applyConsentEvent, type ConsentRecord } from './consent-transition.ts'
import type { AudienceFilter, PermissionRepository } from './permission.repository.ts'
import type {
  ConsentProof,
  PermissionSource,
  RestrictionGround,
  RestrictionStateGround,
} from './permission.schemas.ts'
import {
  ALL_MARKETING_TARGET,
  type ConsentEventKind,
  type ConsentStatus,
  type DenialRule,
  decide,
  decisionPlan,
  defaultChannel,
  denialReason,
  ERASURE_HELD_GROUND,
  type ObjectionKey,
  type ObjectionScope,
} from './permission-rules.ts'

export type { AudienceFilter } from './permission.repository.ts'

/** Who recorded an event, and the request it came with (both go to the audit trail). */
interface Recorded {
  actor: AuditActor
  requestId?: string | undefined
  /** When it happened; default now. Events of one subject, purpose and channel go in time order. */
  at?: Date | undefined
}

/** One consent event to record (Art. 7(1): with its proof). */
export interface ConsentEventInput extends Recorded {
  subjectId: string
  purposeKey: string
  channel: Channel
  kind: ConsentEventKind
  proof: ConsentProof
}

/** An objection raised or lifted (Art. 21). `purpose` scope names the purpose, `channel` scope the channel. */
export interface ObjectionInput extends Recorded {
  subjectId: string
  scope: ObjectionScope
  purposeKey?: string | undefined
  channel?: Channel | undefined
  action: 'raised' | 'lifted'
  source: PermissionSource
  /** A reference to the evidence kept elsewhere (the scanned letter, the call note). */
  reference?: string | undefined
}

/** Art. 18: restrict a subject's processing, on one of the grounds of Art. 18(1). */
export interface RestrictionInput extends Recorded {
  subjectId: string
  ground: RestrictionGround
  note?: string | undefined
}

export interface LiftRestrictionInput extends Recorded {
  subjectId: string
  note?: string | undefined
}

export interface ConsentView {
  purposeKey: string
  channel: Channel
  status: ConsentStatus
  requestedAt: Date | null
  grantedAt: Date | null
  confirmedAt: Date | null
  withdrawnAt: Date | null
  expiredAt: Date | null
  expiresAt: Date | null
  updatedAt: Date
}

export interface ObjectionView {
  scope: ObjectionScope
  purposeKey: string | null
  channel: Channel | null
  source: string
  raisedAt: Date
}

export interface RestrictionView {
  ground: RestrictionStateGround
  note: string | null
  since: Date
  /** Art. 18(3): when and how the person was told it will be lifted (`recordLiftNotice`), or null. */
  liftNotice: { at: Date; channel: 'email' | 'letter' } | null
}

/** One subject's permission state: everything the decision rules read. */
export interface SubjectPermissions {
  subjectId: string
  erased: boolean
  /** § 7(3) UWG: the subject bought from us (has at least one order). */
  customer: boolean
  /** Record-bound duties: the subject has at least one invoice. */
  invoiced: boolean
  /** The subject's kinds (purposes may reach only some). */
  kinds: string[]
  restriction: RestrictionView | null
  objections: ObjectionView[]
  consents: ConsentView[]
}

/** The question of the audience: which subjects may this purpose use on this channel? */
export interface AudienceQuery {
  purposeKey: string
  /** Default: `none` if the purpose has it, else its only channel (ambiguous: a 400 problem). */
  channel?: string | undefined
  /** Whether special-category fields are to be used (Art. 9). */
  specialCategory?: boolean | undefined
  filter?: AudienceFilter | undefined
  /** The moment decided for (consents lapse); default now. */
  now?: Date | undefined
}

/** A denial over a set: the rules' reasons, plus subjects that don't exist at all. */
export type SetDenialRule = DenialRule | 'unknown-subject'

export interface HistoryEntry {
  type: 'consent' | 'objection' | 'restriction'
  at: Date
  what: string
  purposeKey: string | null
  channel: string | null
  scope: string | null
  ground: string | null
  source: string | null
  purposeVersion: number | null
  proof: Record<string, unknown> | null
  actor: { type: string; id: string }
}

/** When a consent (subject × purpose × channel) was last given and last used; null: never. */
export interface ConsentUse {
  subjectId: string
  purposeKey: string
  channel: Channel
  lastGivenAt: Date | null
  lastUsedAt: Date | null
}

/**
 * A change that may have ended a permission — consents withdrawn or expired, objections raised —
 * told to the loss listeners inside its transaction, after the state is written.
 */
export interface PermissionLoss {
  subjectIds: readonly string[]
  /** The purposes it concerns; null: it may concern any (an objection to all marketing or a channel). */
  purposeKeys: readonly string[] | null
  actor: AuditActor
  requestId?: string | undefined
}

/** What must happen at once when a permission ends (scores deleted when profiling stops); may write in `trx`. */
export type PermissionLossListener = (loss: PermissionLoss, trx: Kysely<Schema>) => Promise<void>

/** What changed a subject's permissions: a consent event, an objection, a restriction (set or lifted). */
export type PermissionChangeKind = 'consent' | 'objection' | 'restriction'

/** Told of every permission change, in its transaction (PermissionService.onPermissionChange). */
export type PermissionChangeListener = (
  kind: PermissionChangeKind,
  subjectIds: readonly string[],
  trx: Kysely<Schema>,
) => Promise<void>

/** Default and largest page of an audience. */
export const AUDIENCE_PAGE = 10_000
export const AUDIENCE_MAX_PAGE = 100_000

const toConsentRecord = (row: PermissionStateRow): ConsentRecord => ({
  status: row.status as ConsentStatus,
  requestedAt: row.requested_at,
  grantedAt: row.granted_at,
  confirmedAt: row.confirmed_at,
  withdrawnAt: row.withdrawn_at,
  expiredAt: row.expired_at,
  expiresAt: row.expires_at,
  updatedAt: row.updated_at,
})

const objectionTarget = (o: {
  scope: ObjectionScope
  purposeKey?: string | null
  channel?: string | null
}) =>
  o.scope === 'purpose'
    ? (o.purposeKey ?? '')
    : o.scope === 'channel'
      ? (o.channel ?? '')
      : ALL_MARKETING_TARGET

const actorKey = (r: Recorded) =>
  `${r.actor.type}\u0000${r.actor.id}\u0000${r.actor.role ?? ''}\u0000${r.requestId ?? ''}`

/** Groups records so that one audit record covers one actor's one kind of change, with its subject set. */
function groupAudit<T extends Recorded & { subjectId: string }>(
  items: readonly T[],
  keyOf: (item: T) => string,
  record: (first: T, subjectIds: string[]) => AuditRecordInput,
): AuditRecordInput[] {
  // A set per group: a bulk import puts thousands of subjects into one group.
  const groups = new Map<string, { first: T; subjectIds: Set<string> }>()
  for (const item of items) {
    const key = `${actorKey(item)}\u0000${keyOf(item)}`
    const group = groups.get(key)
    if (group) group.subjectIds.add(item.subjectId)
    else groups.set(key, { first: item, subjectIds: new Set([item.subjectId]) })
  }
  return [...groups.values()].map((g) => record(g.first, [...g.subjectIds]))
}

/**
 * The permission state per subject × purpose × channel: consents (with proof), objections,
 * restriction. Every change appends its event, updates the derived state and writes the audit
 * record in one transaction, and locks the subjects it changes so concurrent changes serialise.
 * Reads over sets are one SQL query (audience, denials) that follows the pure rules.
 */
export class PermissionService {
  readonly #repo: PermissionRepository
  readonly #purposes: PurposeService
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #clock: () => Date
  constructor(
    repo: PermissionRepository,
    purposes: PurposeService,
    db: Kysely<Schema>,
    audit: AuditWriter,
    clock: () => Date = () => new Date(),
  ) {
    this.#repo = repo
    this.#purposes = purposes
    this.#db = db
    this.#audit = audit
    this.#clock = clock
  }

  readonly #lossListeners: PermissionLossListener[] = []
  readonly #changeListeners: PermissionChangeListener[] = []

  /**
   * Registers a listener told, inside the transaction of every consent event, objection and
   * restriction set or lifted, which subjects it concerns (the webhooks' outbox: Art. 19).
   */
  onPermissionChange(listener: PermissionChangeListener): void {
    this.#changeListeners.push(listener)
  }

  async #changed(
    kind: PermissionChangeKind,
    subjectIds: readonly string[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    const ids = [...new Set(subjectIds)]
    for (const listener of this.#changeListeners) await listener(kind, ids, trx)
  }

  /**
   * Registers a listener told, inside the transaction of every change that may end a permission
   * (consent withdrawn or expired, objection raised), which subjects and purposes it concerns —
   * so that what rested on the permission goes in the same transaction (Art. 7(3), 21(3)).
   */
  onPermissionLoss(listener: PermissionLossListener): void {
    this.#lossListeners.push(listener)
  }

  async #lost(loss: PermissionLoss, trx: Kysely<Schema>): Promise<void> {
    if (loss.subjectIds.length === 0) return
    for (const listener of this.#lossListeners) await listener(loss, trx)
  }

  /** Runs `fn` in the caller's transaction, or in a new one. */
  #inTransaction<T>(trx: Kysely<Schema> | undefined, fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return trx ? fn(trx) : this.#db.transaction().execute(fn)
  }

  /** Locks the subjects; 404 for an unknown one, 409 for an erased one. */
  async #lockLiving(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void> {
    const ids = [...new Set(subjectIds)]
    const rows = await this.#repo.lockSubjects(ids, trx)
    if (rows.length !== ids.length) throw new ProblemError('not-found', 'there is no such subject')
    if (rows.some((r) => r.erased_at !== null))
      throw new ProblemError(
        'conflict',
        'the subject was erased (Art. 17): nothing more is recorded for them',
      )
  }

  /**
   * Records consent events in order, each checked against the state before it (a consent is
   * confirmed only after it was requested or granted; withdrawing is always possible). All or
   * nothing; one audit record per actor, purpose, channel and kind.
   */
  async recordConsent(events: readonly ConsentEventInput[], trx?: Kysely<Schema>): Promise<ConsentView[]> {
    if (events.length === 0) return []
    return this.#inTransaction(trx, async (tx) => {
      const purposes = await this.#purposes.findMany(
        events.map((e) => e.purposeKey),
        tx,
      )
      for (const event of events) {
        const purpose = purposes.get(event.purposeKey)
        if (!purpose) throw invalidField('body', 'purposeKey', `there is no purpose ${event.purposeKey}`)
        if (!usesConsent(purpose))
          throw invalidField(
            'body',
            'purposeKey',
            `purpose ${purpose.key} rests on ${purpose.legalBasis}, not on consent: it takes no consent events`,
          )
        if (!purpose.channels.includes(event.channel))
          throw invalidField(
            'body',
            'channel',
            `purpose ${purpose.key} does not use the channel ${event.channel}`,
          )
        if ((event.kind === 'requested' || event.kind === 'granted') && !event.proof.textVersion)
          // Art. 7(1): which text the subject agreed to is part of the proof.
          throw invalidField('body', 'proof.textVersion', 'is required to request or grant a consent')
      }
      await this.#lockLiving(
        events.map((e) => e.subjectId),
        tx,
      )
      const stateKey = (s: string, p: string, c: string) => `${s}\u0000${p}\u0000${c}`
      const states = new Map<string, ConsentRecord>()
      for (const row of await this.#repo.consentStates(
        [...new Set(events.map((e) => e.subjectId))],
        [...purposes.keys()],
        tx,
      )) {
        states.set(stateKey(row.subject_id, row.purpose_key, row.channel), toConsentRecord(row))
      }
      const now = this.#clock()
      const touched = new Set<string>()
      const eventRows = events.map((event) => {
        const purpose = purposes.get(event.purposeKey) as Purpose
        const key = stateKey(event.subjectId, event.purposeKey, event.channel)
        const at = event.at ?? now
        const next = applyConsentEvent(states.get(key) ?? null, event.kind, at, purpose.consentValidity)
        if (!next.ok) throw new ProblemError('conflict', next.reason)
        states.set(key, next.state)
        touched.add(key)
        return {
          subject_id: event.subjectId,
          purpose_key: purpose.key,
          purpose_version: purpose.version,
          channel: event.channel,
          kind: event.kind,
          proof: JSON.stringify(event.proof) as unknown as Record<string, unknown>,
          actor_type: event.actor.type,
          actor_id: event.actor.id,
          occurred_at: at,
        }
      })
      const stateRows: Insertable<PermissionStateTable>[] = [...touched].map((key) => {
        const [subjectId, purposeKey, channel] = key.split('\u0000') as [string, string, Channel]
        const s = states.get(key) as ConsentRecord
        return {
          subject_id: subjectId,
          purpose_key: purposeKey,
          channel,
          status: s.status,
          requested_at: s.requestedAt,
          granted_at: s.grantedAt,
          confirmed_at: s.confirmedAt,
          withdrawn_at: s.withdrawnAt,
          expired_at: s.expiredAt,
          expires_at: s.expiresAt,
          updated_at: s.updatedAt,
        }
      })
      await this.#repo.insertConsentEvents(eventRows, tx)
      await this.#repo.upsertConsentStates(stateRows, tx)
      await this.#audit.append(
        groupAudit(
          events,
          (e) => `${e.purposeKey}\u0000${e.channel}\u0000${e.kind}`,
          (e, subjectIds) => ({
            actor: e.actor,
            action: 'consent',
            subjectIds,
            purpose: e.purposeKey,
            legalBasis: (purposes.get(e.purposeKey) as Purpose).legalBasis,
            requestId: e.requestId,
            reason: `consent ${e.kind} on ${e.channel} (source: ${e.proof.source})`,
          }),
        ),
        tx,
      )
      await this.#changed(
        'consent',
        events.map((e) => e.subjectId),
        tx,
      )
      const ended = events.filter((e) => e.kind === 'withdrawn' || e.kind === 'expired')
      const first = ended[0]
      if (first)
        await this.#lost(
          {
            subjectIds: [...new Set(ended.map((e) => e.subjectId))],
            purposeKeys: [...new Set(ended.map((e) => e.purposeKey))],
            actor: first.actor,
            requestId: first.requestId,
          },
          tx,
        )
      return stateRows.map((r) => ({
        purposeKey: r.purpose_key,
        channel: r.channel as Channel,
        ...(states.get(stateKey(r.subject_id, r.purpose_key, r.channel)) as ConsentRecord),
      }))
    })
  }

  /**
   * Records objections raised or lifted. Art. 21(3): a raised objection to direct marketing takes
   * effect at once, for every purpose it covers (see permission-rules.ts, objectionsMatching).
   */
  async recordObjection(objections: readonly ObjectionInput[], trx?: Kysely<Schema>): Promise<void> {
    if (objections.length === 0) return
    const purposes = await this.#purposes.findMany(
      objections.flatMap((o) => (o.purposeKey ? [o.purposeKey] : [])),
      trx,
    )
    for (const o of objections) {
      if (o.scope === 'purpose') {
        if (!o.purposeKey)
          throw invalidField('body', 'purposeKey', 'is required for an objection to a purpose')
        if (o.channel !== undefined)
          throw invalidField('body', 'channel', 'is not part of an objection to a purpose')
        const purpose = purposes.get(o.purposeKey)
        if (!purpose) throw invalidField('body', 'purposeKey', `there is no purpose ${o.purposeKey}`)
        if (!canBeObjectedTo(purpose))
          throw invalidField(
            'body',
            'purposeKey',
            `purpose ${purpose.key} rests on ${purpose.legalBasis}: the subject can't object to it (Art. 21(1))`,
          )
      } else if (o.scope === 'channel') {
        if (!o.channel || o.channel === 'none')
          throw invalidField('body', 'channel', 'an objection to a channel names a contact channel')
        if (o.purposeKey !== undefined)
          throw invalidField('body', 'purposeKey', 'is not part of an objection to a channel')
      } else if (o.purposeKey !== undefined || o.channel !== undefined) {
        throw invalidField('body', 'scope', 'an objection to all marketing names no purpose or channel')
      }
    }
    await this.#inTransaction(trx, async (tx) => {
      await this.#lockLiving(
        objections.map((o) => o.subjectId),
        tx,
      )
      const inForce = new Set(
        (await this.#repo.objectionStates([...new Set(objections.map((o) => o.subjectId))], tx)).map(
          (r) => `${r.subject_id}\u0000${r.scope}\u0000${r.target}`,
        ),
      )
      const before = new Set(inForce)
      const raisedBy = new Map<string, ObjectionInput>()
      const now = this.#clock()
      for (const o of objections) {
        const key = `${o.subjectId}\u0000${o.scope}\u0000${objectionTarget(o)}`
        if (o.action === 'raised') {
          if (!inForce.has(key)) raisedBy.set(key, o)
          inForce.add(key)
        } else {
          if (!inForce.has(key))
            throw new ProblemError('conflict', 'there is no such objection in force to lift')
          inForce.delete(key)
          raisedBy.delete(key)
        }
      }
      await this.#repo.insertObjectionEvents(
        objections.map((o) => ({
          subject_id: o.subjectId,
          scope: o.scope,
          purpose_key: o.scope === 'purpose' ? (o.purposeKey ?? null) : null,
          channel: o.scope === 'channel' ? (o.channel ?? null) : null,
          action: o.action,
          source: o.source,
          reference: o.reference ?? null,
          actor_type: o.actor.type,
          actor_id: o.actor.id,
          occurred_at: o.at ?? now,
        })),
        tx,
      )
      const split = (key: string) => {
        const [subject_id, scope, target] = key.split('\u0000') as [string, string, string]
        return { subject_id, scope, target }
      }
      await this.#repo.deleteObjectionStates([...before].filter((k) => !inForce.has(k)).map(split), tx)
      await this.#repo.insertObjectionStates(
        [...inForce]
          .filter((k) => !before.has(k))
          .map((key) => {
            const o = raisedBy.get(key) as ObjectionInput
            return { ...split(key), source: o.source, raised_at: o.at ?? now }
          }),
        tx,
      )
      await this.#audit.append(
        groupAudit(
          objections,
          (o) => `${o.scope}\u0000${objectionTarget(o)}\u0000${o.action}`,
          (o, subjectIds) => ({
            actor: o.actor,
            action: 'objection',
            subjectIds,
            ...(o.scope === 'purpose' && o.purposeKey ? { purpose: o.purposeKey } : {}),
            requestId: o.requestId,
            reason: `objection ${o.action}: ${o.scope === 'all_marketing' ? 'all marketing' : `${o.scope} ${objectionTarget(o)}`} (source: ${o.source})`,
          }),
        ),
        tx,
      )
      await this.#changed(
        'objection',
        objections.map((o) => o.subjectId),
        tx,
      )
      const raised = objections.filter((o) => o.action === 'raised')
      const first = raised[0]
      if (first)
        await this.#lost(
          {
            subjectIds: [...new Set(raised.map((o) => o.subjectId))],
            purposeKeys: raised.every((o) => o.scope === 'purpose')
              ? [...new Set(raised.map((o) => o.purposeKey ?? ''))]
              : null,
            actor: first.actor,
            requestId: first.requestId,
          },
          tx,
        )
    })
  }

  /** Art. 18: restricts the subjects (or changes the ground of a restriction in force). */
  async setRestriction(entries: readonly RestrictionInput[], trx?: Kysely<Schema>): Promise<void> {
    if (entries.length === 0) return
    await this.#inTransaction(trx, async (tx) => {
      await this.#lockLiving(
        entries.map((e) => e.subjectId),
        tx,
      )
      await this.#refuseErasureHeld(
        entries.map((e) => e.subjectId),
        tx,
      )
      const now = this.#clock()
      await this.#repo.insertRestrictionEvents(
        entries.map((e) => ({
          subject_id: e.subjectId,
          action: 'set',
          ground: e.ground,
          note: e.note ?? null,
          actor_type: e.actor.type,
          actor_id: e.actor.id,
          occurred_at: e.at ?? now,
        })),
        tx,
      )
      const last = new Map(entries.map((e) => [e.subjectId, e]))
      await this.#repo.upsertRestrictionStates(
        [...last.values()].map((e) => ({
          subject_id: e.subjectId,
          ground: e.ground,
          note: e.note ?? null,
          since: e.at ?? now,
        })),
        tx,
      )
      await this.#audit.append(
        groupAudit(
          entries,
          (e) => e.ground,
          (e, subjectIds) => ({
            actor: e.actor,
            action: 'restrict',
            subjectIds,
            requestId: e.requestId,
            reason: `restriction set (Art. 18(1), ground: ${e.ground})`,
          }),
        ),
        tx,
      )
      await this.#changed(
        'restriction',
        entries.map((e) => e.subjectId),
        tx,
      )
    })
  }

  /** A held erasure's restriction is the erasure's: no other ground replaces it (409). */
  async #refuseErasureHeld(subjectIds: readonly string[], tx: Kysely<Schema>): Promise<void> {
    const states = await this.#repo.restrictionStates([...new Set(subjectIds)], tx)
    if (states.some((r) => r.ground === ERASURE_HELD_GROUND)) throw erasureHeld()
  }

  /**
   * Art. 17(3), 18(2): restricts subjects whose erasure keeps what legal holds need, on the ground
   * `erasure-held`, so only purposes with an Art. 18(2) exception (the duty's) reach what is kept.
   * For the erasure only, in its transaction (the subjects are locked by it); idempotent.
   */
  async restrictForErasure(
    entries: readonly { subjectId: string; actor: AuditActor; requestId?: string | undefined }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    const states = new Map(
      (
        await this.#repo.restrictionStates(
          entries.map((e) => e.subjectId),
          trx,
        )
      ).map((r) => [r.subject_id, r]),
    )
    const fresh = entries.filter((e) => states.get(e.subjectId)?.ground !== ERASURE_HELD_GROUND)
    if (fresh.length === 0) return
    const now = this.#clock()
    const note = 'held erasure: only what legal holds keep remains (Art. 17(3))'
    await this.#repo.insertRestrictionEvents(
      fresh.map((e) => ({
        subject_id: e.subjectId,
        action: 'set',
        ground: ERASURE_HELD_GROUND,
        note,
        actor_type: e.actor.type,
        actor_id: e.actor.id,
        occurred_at: now,
      })),
      trx,
    )
    await this.#repo.upsertRestrictionStates(
      fresh.map((e) => ({ subject_id: e.subjectId, ground: ERASURE_HELD_GROUND, note, since: now })),
      trx,
    )
    await this.#audit.append(
      groupAudit(
        fresh,
        () => ERASURE_HELD_GROUND,
        (e, subjectIds) => ({
          actor: e.actor,
          action: 'restrict',
          subjectIds,
          requestId: e.requestId,
          reason:
            'restriction set (ground: erasure-held): the erasure keeps what legal holds need (Art. 17(3)); only purposes with an Art. 18(2) exception reach it',
        }),
      ),
      trx,
    )
  }

  /**
   * Art. 18(3): records that the person who obtained the restriction was told, before it is lifted,
   * that it will be (mailed by Tresor: `email`; sent by letter and recorded by staff: `letter`).
   * 404 when the subject isn't restricted, 409 for a held erasure's restriction. Audited.
   */
  async recordLiftNotice(
    entry: Recorded & { subjectId: string; channel: 'email' | 'letter' },
    trx?: Kysely<Schema>,
  ): Promise<void> {
    await this.#inTransaction(trx, async (tx) => {
      await this.#lockLiving([entry.subjectId], tx)
      const [state] = await this.#repo.restrictionStates([entry.subjectId], tx)
      if (!state) throw new ProblemError('not-found', 'the subject is not restricted')
      if (state.ground === ERASURE_HELD_GROUND) throw erasureHeld()
      await this.#repo.markLiftNotice(entry.subjectId, entry.at ?? this.#clock(), entry.channel, tx)
      await this.#audit.append(
        [
          {
            actor: entry.actor,
            action: 'restrict',
            subjectIds: [entry.subjectId],
            legalBasis: 'legal_obligation',
            ...(entry.requestId ? { requestId: entry.requestId } : {}),
            reason: `Art. 18(3) notice before lifting the restriction sent (${entry.channel})`,
          },
        ],
        tx,
      )
    })
  }

  /**
   * Lifts restrictions in force; a subject that isn't restricted is a 404 problem. Art. 18(3): the
   * person who obtained the restriction is told before it is lifted — a restriction whose notice
   * wasn't recorded (`recordLiftNotice`) is refused with 409 naming the rule.
   */
  async liftRestriction(entries: readonly LiftRestrictionInput[], trx?: Kysely<Schema>): Promise<void> {
    if (entries.length === 0) return
    await this.#inTransaction(trx, async (tx) => {
      const ids = [...new Set(entries.map((e) => e.subjectId))]
      await this.#lockLiving(ids, tx)
      const restricted = await this.#repo.restrictionStates(ids, tx)
      if (restricted.length !== ids.length)
        throw new ProblemError('not-found', 'the subject is not restricted')
      if (restricted.some((r) => r.ground === ERASURE_HELD_GROUND)) throw erasureHeld()
      if (restricted.some((r) => !r.lift_notice_at))
        throw new ProblemError(
          'conflict',
          'Art. 18(3) GDPR: the person who obtained the restriction must be informed before it is lifted — send the notice first (POST /api/v1/subjects/{id}/restriction/notice)',
        )
      const now = this.#clock()
      await this.#repo.insertRestrictionEvents(
        entries.map((e) => ({
          subject_id: e.subjectId,
          action: 'lifted',
          ground: null,
          note: e.note ?? null,
          actor_type: e.actor.type,
          actor_id: e.actor.id,
          occurred_at: e.at ?? now,
        })),
        tx,
      )
      await this.#repo.deleteRestrictionStates(ids, tx)
      await this.#audit.append(
        groupAudit(
          entries,
          () => 'lifted',
          (e, subjectIds) => ({
            actor: e.actor,
            action: 'restrict',
            subjectIds,
            requestId: e.requestId,
            reason: 'restriction lifted (Art. 18(3))',
          }),
        ),
        tx,
      )
      await this.#changed('restriction', ids, tx)
    })
  }

  /** The current state of each known subject (unknown ids are left out), optionally for one purpose. */
  async stateOf(
    subjectIds: readonly string[],
    purposeKey?: string,
    trx?: Kysely<Schema>,
  ): Promise<SubjectPermissions[]> {
    const ids = [...new Set(subjectIds)]
    const db = trx ?? this.#db
    const [subjects, customers, invoiced, consents, objections, restrictions] = await Promise.all([
      this.#repo.findSubjects(ids, db),
      this.#repo.customers(ids, db),
      this.#repo.invoiced(ids, db),
      this.#repo.consentStates(ids, purposeKey === undefined ? undefined : [purposeKey], db),
      this.#repo.objectionStates(ids, db),
      this.#repo.restrictionStates(ids, db),
    ])
    const bySubject = new Map<string, SubjectPermissions>(
      subjects.map((s) => [
        s.id,
        {
          subjectId: s.id,
          erased: s.erased_at !== null,
          customer: customers.has(s.id),
          invoiced: invoiced.has(s.id),
          kinds: s.kinds,
          restriction: null,
          objections: [],
          consents: [],
        },
      ]),
    )
    for (const r of restrictions) {
      const s = bySubject.get(r.subject_id)
      if (s)
        s.restriction = {
          ground: r.ground as RestrictionStateGround,
          note: r.note,
          since: r.since,
          liftNotice: r.lift_notice_at
            ? { at: r.lift_notice_at, channel: r.lift_notice_channel === 'email' ? 'email' : 'letter' }
            : null,
        }
    }
    for (const o of objections) {
      bySubject.get(o.subject_id)?.objections.push({
        scope: o.scope as ObjectionScope,
        purposeKey: o.scope === 'purpose' ? o.target : null,
        channel: o.scope === 'channel' ? (o.target as Channel) : null,
        source: o.source,
        raisedAt: o.raised_at,
      })
    }
    for (const c of consents) {
      bySubject.get(c.subject_id)?.consents.push({
        purposeKey: c.purpose_key,
        channel: c.channel as Channel,
        ...toConsentRecord(c),
      })
    }
    return ids.flatMap((id) => bySubject.get(id) ?? [])
  }

  /**
   * What every purpose may do with one subject on each of its channels now (no special
   * categories): the pure rules applied to the subject's state. For the 360° view.
   */
  async decisionsFor(state: SubjectPermissions): Promise<
    {
      purposeKey: string
      channel: Channel
      allowed: boolean
      basis?: string
      rule?: DenialRule
      reason?: string
    }[]
  > {
    const now = this.#clock()
    const objections: ObjectionKey[] = state.objections.map((o) => ({
      scope: o.scope,
      target: objectionTarget(o),
    }))
    return (await this.#purposes.list()).flatMap((purpose) =>
      purpose.channels.map((channel) => {
        const consent = state.consents.find((c) => c.purposeKey === purpose.key && c.channel === channel)
        const decision = decide({
          purpose,
          channel,
          specialCategory: false,
          now,
          subject: {
            erased: state.erased,
            restricted: state.restriction !== null,
            consent: consent ? { status: consent.status, expiresAt: consent.expiresAt } : null,
            objections,
            customer: state.customer,
            kinds: state.kinds,
            invoiced: state.invoiced,
          },
        })
        return decision.allowed
          ? { purposeKey: purpose.key, channel, allowed: true, basis: decision.basis }
          : { purposeKey: purpose.key, channel, allowed: false, rule: decision.rule, reason: decision.reason }
      }),
    )
  }

  /**
   * One subject's state, what each purpose may do now, and the full history; 404 for an unknown
   * subject. With `viewer`, the look is audited (it shows personal data: Art. 5(2)).
   */
  async subjectView(
    subjectId: string,
    viewer?: { actor: AuditActor; requestId?: string | undefined },
    options: { history?: boolean } = {},
  ): Promise<{
    state: SubjectPermissions
    decisions: Awaited<ReturnType<PermissionService['decisionsFor']>>
    history: HistoryEntry[]
  }> {
    const [state] = await this.stateOf([subjectId])
    if (!state) throw new ProblemError('not-found', 'there is no such subject')
    const withHistory = options.history ?? true
    const [decisions, history] = await Promise.all([
      this.decisionsFor(state),
      withHistory ? this.history(subjectId) : Promise.resolve([]),
    ])
    if (viewer) {
      await this.#audit.append([
        {
          actor: viewer.actor,
          action: 'read',
          subjectIds: [subjectId],
          requestId: viewer.requestId,
          reason: withHistory ? 'permission state and history viewed' : 'permission state viewed',
        },
      ])
    }
    return { state, decisions, history }
  }

  /** Every consent, objection and restriction event of one subject, oldest first. */
  async history(subjectId: string): Promise<HistoryEntry[]> {
    const [consents, objections, restrictions] = await Promise.all([
      this.#repo.consentEvents(subjectId),
      this.#repo.objectionEvents(subjectId),
      this.#repo.restrictionEvents(subjectId),
    ])
    const none = {
      purposeKey: null,
      channel: null,
      scope: null,
      ground: null,
      source: null,
      purposeVersion: null,
      proof: null,
    }
    const entries: (HistoryEntry & { seq: number })[] = [
      ...consents.map((e) => ({
        ...none,
        type: 'consent' as const,
        seq: e.seq,
        at: e.occurred_at,
        what: e.kind,
        purposeKey: e.purpose_key,
        channel: e.channel,
        source: typeof e.proof.source === 'string' ? e.proof.source : null,
        purposeVersion: e.purpose_version,
        proof: e.proof,
        actor: { type: e.actor_type, id: e.actor_id },
      })),
      ...objections.map((e) => ({
        ...none,
        type: 'objection' as const,
        seq: e.seq,
        at: e.occurred_at,
        what: e.action,
        purposeKey: e.purpose_key,
        channel: e.channel,
        scope: e.scope,
        source: e.source,
        proof: e.reference ? { source: e.source, reference: e.reference } : null,
        actor: { type: e.actor_type, id: e.actor_id },
      })),
      ...restrictions.map((e) => ({
        ...none,
        type: 'restriction' as const,
        seq: e.seq,
        at: e.occurred_at,
        what: e.action,
        ground: e.ground,
        actor: { type: e.actor_type, id: e.actor_id },
      })),
    ]
    return entries
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq)
      .map(({ seq: _seq, ...entry }) => entry)
  }

  /**
   * For keeping consent proof (§ 7a UWG: phone advertising, 5 years from the grant and from each
   * use): per subject, purpose and channel of `channels`, when the consent was last given and
   * last used (the latest touchpoint under the purpose on the channel). One query over the set.
   */
  async consentUses(subjectIds: readonly string[], channels: readonly Channel[]): Promise<ConsentUse[]> {
    return (await this.#repo.consentUses(subjectIds, channels)).map((r) => ({
      subjectId: r.subject_id,
      purposeKey: r.purpose_key,
      channel: r.channel as Channel,
      lastGivenAt: r.last_given_at,
      lastUsedAt: r.last_used_at,
    }))
  }

  /** Resolves purpose and channel of an audience question; 404 / 400 problems when they don't fit. */
  async #question(
    query: AudienceQuery,
    trx?: Kysely<Schema>,
  ): Promise<{ purpose: Purpose; channel: Channel; now: Date }> {
    const purpose = await this.#purposes.get(query.purposeKey, trx)
    let channel: Channel | undefined
    if (query.channel === undefined) {
      channel = defaultChannel(purpose)
      if (!channel)
        throw invalidField('query', 'channel', `purpose ${purpose.key} uses several channels: name one`)
    } else if (isChannel(query.channel)) {
      channel = query.channel
    } else {
      throw invalidField('query', 'channel', `must be one of: ${CHANNELS.join(', ')}`)
    }
    for (const field of Object.keys(query.filter?.attributes ?? {})) {
      if (!(ATTRIBUTE_FIELDS as readonly string[]).includes(field))
        throw invalidField('query', `filter.attributes.${field}`, 'is not a segmentation attribute')
    }
    return { purpose, channel, now: query.now ?? this.#clock() }
  }

  /**
   * One keyset page of the subjects the purpose may use on the channel, in subject id order:
   * pass `nextCursor` (the last id) as `after` for the next page. One SQL query per page.
   */
  async audience(
    query: AudienceQuery & { after?: string | undefined; limit?: number | undefined },
  ): Promise<{ subjectIds: string[]; nextCursor: string | null }> {
    const { purpose, channel, now } = await this.#question(query)
    const limit = Math.min(Math.max(1, query.limit ?? AUDIENCE_PAGE), AUDIENCE_MAX_PAGE)
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    const subjectIds = await this.#repo.audience({
      purposeKey: purpose.key,
      channel,
      plan,
      now,
      filter: query.filter,
      after: query.after,
      limit,
    })
    return { subjectIds, nextCursor: subjectIds.length === limit ? (subjectIds.at(-1) ?? null) : null }
  }

  /** Every page of the audience, decided for one moment (a long walk doesn't drift). */
  async *audiencePages(query: AudienceQuery & { pageSize?: number | undefined }): AsyncGenerator<string[]> {
    const fixed = { ...query, now: query.now ?? this.#clock() }
    let after: string | undefined
    for (;;) {
      const page = await this.audience({ ...fixed, after, limit: query.pageSize })
      if (page.subjectIds.length > 0) yield page.subjectIds
      if (page.nextCursor === null) return
      after = page.nextCursor
    }
  }

  /** How many subjects the purpose may use on the channel; one query. */
  async countAudience(query: AudienceQuery): Promise<number> {
    const { purpose, channel, now } = await this.#question(query)
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    return this.#repo.countAudience({ purposeKey: purpose.key, channel, plan, now, filter: query.filter })
  }

  /**
   * For a set of subjects: those the purpose may not use on the channel, each with the rule and
   * reason (unknown ids as `unknown-subject`). Allowed subjects are absent. One query.
   */
  async denials(
    query: AudienceQuery & { subjectIds: readonly string[] },
  ): Promise<Map<string, { rule: SetDenialRule; reason: string }>> {
    return (await this.check(query)).denied
  }

  /**
   * The subjects of a set as stored (unknown ids absent) and, for each the purpose may not use on
   * the channel, the rule and a sentence: what the gate needs to decide a read, in one query.
   */
  async check(
    query: AudienceQuery & { subjectIds: readonly string[] },
  ): Promise<{ subjects: SubjectRow[]; denied: Map<string, { rule: SetDenialRule; reason: string }> }> {
    const { purpose, channel, now } = await this.#question(query)
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    const rows = await this.#repo.denials({
      purposeKey: purpose.key,
      channel,
      plan,
      now,
      subjectIds: query.subjectIds,
    })
    const subjects: SubjectRow[] = []
    const denied = new Map<string, { rule: SetDenialRule; reason: string }>()
    for (const row of rows) {
      if (row.row === null)
        denied.set(row.id, { rule: 'unknown-subject', reason: 'there is no such subject' })
      else {
        subjects.push(row.row)
        if (row.rule !== null)
          denied.set(row.id, { rule: row.rule, reason: denialReason(row.rule, purpose, channel) })
      }
    }
    return { subjects, denied }
  }

  /**
   * `check` for a list page: the page's rows (the subject repository's keyset query, not yet run)
   * and the verdicts over them in one statement — one round trip for a page of a list.
   */
  async checkPage(
    query: AudienceQuery & {
      page: SelectQueryBuilder<Schema, 'subject', SubjectRow>
      order: { column: 'created_at' | 'updated_at'; direction: 'asc' | 'desc' }
      prepared?: boolean
      sealed?: boolean
    },
  ): Promise<{
    subjects: SubjectRow[]
    denied: Map<string, { rule: SetDenialRule; reason: string }>
    sealed?: KeyWithIdentity[]
  }> {
    const { purpose, channel, now } = await this.#question(query)
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    const rows = await this.#repo.denialsOfPage({
      purposeKey: purpose.key,
      channel,
      plan,
      now,
      page: query.page,
      order: query.order,
      prepared: query.prepared ?? false,
      sealed: query.sealed ?? false,
    })
    const denied = new Map<string, { rule: SetDenialRule; reason: string }>()
    for (const { row, rule } of rows)
      if (rule !== null) denied.set(row.id, { rule, reason: denialReason(rule, purpose, channel) })
    return {
      subjects: rows.map((r) => r.row),
      denied,
      ...(query.sealed ? { sealed: rows.flatMap((r) => (r.sealed ? [r.sealed] : [])) } : {}),
    }
  }

  /**
   * Like `check`, only the verdicts: subject id → denial (unknown subjects included), for writers
   * that don't need the subject rows.
   */
  async denied(
    query: AudienceQuery & { subjectIds: readonly string[] },
    trx?: Kysely<Schema>,
  ): Promise<Map<string, { rule: SetDenialRule; reason: string }>> {
    const { purpose, channel, now } = await this.#question(query, trx)
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    const rows = await this.#repo.denialRules(
      {
        purposeKey: purpose.key,
        channel,
        plan,
        now,
        subjectIds: query.subjectIds,
      },
      trx,
    )
    const denied = new Map<string, { rule: SetDenialRule; reason: string }>()
    for (const row of rows) {
      if (!row.known) denied.set(row.id, { rule: 'unknown-subject', reason: 'there is no such subject' })
      else if (row.rule !== null)
        denied.set(row.id, { rule: row.rule, reason: denialReason(row.rule, purpose, channel) })
    }
    return denied
  }

  /** Which of the subjects are restricted now (Art. 18): the gate audits an Art. 18(2) exception used. */
  async restrictedAmong(subjectIds: readonly string[]): Promise<string[]> {
    return (await this.#repo.restrictionStates(subjectIds)).map((r) => r.subject_id)
  }

  /**
   * The channel a use of the purpose means: the one given, which must be one of the purpose's
   * channels, or its default (`none`, or its only channel). A 400 problem naming `channel` when
   * the purpose has several and none is given, or the one given isn't the purpose's.
   */
  async channelFor(purposeKey: string, channel?: string | undefined): Promise<Channel> {
    const { purpose, channel: resolved } = await this.#question({ purposeKey, channel })
    if (!purpose.channels.includes(resolved))
      throw invalidField(
        'query',
        'channel',
        `purpose ${purpose.key} uses the channels ${purpose.channels.join(', ')}, not ${resolved}`,
      )
    return resolved
  }

  /**
   * Of the subjects a list shows (not erased; of the kind; whose attributes contain `attributes`):
   * how many the purpose may use on the channel, and how many it may not. One SQL query over the
   * whole set, with the decision plan the reads use.
   */
  async countListed(query: {
    purposeKey: string
    channel?: string | undefined
    kind?: string | undefined
    attributes?: Record<string, unknown> | undefined
    specialCategory?: boolean | undefined
  }): Promise<{ usable: number; excluded: number; excludedBy: Record<string, number> }> {
    const { purpose, channel, now } = await this.#question({
      purposeKey: query.purposeKey,
      channel: query.channel,
    })
    const plan = decisionPlan(purpose, channel, query.specialCategory ?? false)
    const counts = await this.#repo.countListed({
      purposeKey: purpose.key,
      channel,
      plan,
      now,
      kind: query.kind,
      attributes: query.attributes,
    })
    return { usable: counts.usable, excluded: counts.listed - counts.usable, excludedBy: counts.excludedBy }
  }
}

/** 409: the restriction of a held erasure ends only with the erasure's completion. */
function erasureHeld(): ProblemError {
  return new ProblemError(
    'conflict',
    'the subject’s erasure is held by legal duties (Art. 17(3)): its restriction (erasure-held) ends only when the erasure completes',
  )
}
