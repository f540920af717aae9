import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { FIELD_CATALOG, type FieldCategory, IDENTIFIER_FIELDS } from '../fields/field-catalog.ts'
import { withTransaction } from '../keys/with-transaction.ts'
import { groupFacts, type HoldRepository, toEnteredHold } from './hold.repository.ts'
import {
  allHolds,
  type EnteredHold,
  HOLD_GROUNDS,
  HOLDABLE_RECORD_KINDS,
  type Hold,
  type HoldableRecordKind,
  type HoldFacts,
  type HoldGround,
  type HoldRules,
  inForce,
  seededHoldRules,
} from './hold.ts'

/** The field categories that have identifiers: what a hold can keep of the vault. */
export const HOLDABLE_CATEGORIES: readonly FieldCategory[] = [
  ...new Set(IDENTIFIER_FIELDS.map((f) => (FIELD_CATALOG[f] as { category: FieldCategory }).category)),
]

/** Bounds of a hold's reason (the database checks the same). */
export const HOLD_REASON_LENGTH = { min: 10, max: 500 } as const

/** A hold with whether it is in force now. */
export type HoldState = Hold & { inForce: boolean }

/** A subject's holds: derived and entered, in force or not, and whether its erasure is held. */
export interface SubjectHolds {
  subjectId: string
  erasureRequestedAt: Date | null
  erased: boolean
  holds: HoldState[]
}

export interface NewHold {
  subjectId: string
  ground: HoldGround
  reason: string
  fieldCategories: readonly FieldCategory[]
  recordKinds: readonly HoldableRecordKind[]
  /** Null or absent: until lifted. */
  until?: Date | null | undefined
}

/** Who acts, for the audit record. */
export interface HoldActor {
  actor: AuditActor
  requestId?: string | undefined
}

// A reason is for the DPO and the person's answer: it must not carry personal data. Obvious
// identifiers are refused: an e-mail address, a phone or account number (ten digits or more; a file
// reference like 2026-0042 is fine), an IBAN.
const LOOKS_PERSONAL = [
  /[^\s@]+@[^\s@]+\.[^\s@]+/,
  /(?:\d[\s/().-]?){10,}/,
  /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}\b/,
]

/**
 * Legal holds (Art. 17(3)(b), (e)): the holds the data asks for (computed from invoices and phone
 * consents, never stored) and those the DPO enters with a ground, a reason, what they keep and an
 * end (`legal_hold`). The erasure (`Gate.erase`) asks which are in force; the DPO lists, adds and
 * lifts them (audited). README.md in this folder.
 */
export class HoldService {
  readonly #db: Kysely<Schema>
  readonly #repo: HoldRepository
  readonly #audit: AuditWriter
  readonly #rules: () => Promise<HoldRules>
  readonly #clock: () => Date
  constructor(deps: {
    db: Kysely<Schema>
    repository: HoldRepository
    audit: AuditWriter
    /** The periods (the deletion concept's rules); read before a transaction, never inside one. */
    rules?: () => Promise<HoldRules>
    clock?: () => Date
  }) {
    this.#db = deps.db
    this.#repo = deps.repository
    this.#audit = deps.audit
    this.#rules = deps.rules ?? (async () => seededHoldRules())
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** The time holds are judged at (injected in tests). */
  now(): Date {
    return this.#clock()
  }

  /**
   * The rules the derived holds follow, as the deletion concept says now. Read it before a
   * transaction and pass it in (on PGlite a read outside the open transaction would wait for it).
   */
  rules(): Promise<HoldRules> {
    return this.#rules()
  }

  /** The facts every hold of the subjects is computed from: three queries for the set. */
  async facts(
    subjectIds: readonly string[],
    rules: HoldRules,
    trx?: Kysely<Schema>,
  ): Promise<Map<string, HoldFacts>> {
    const ids = [...new Set(subjectIds)]
    if (ids.length === 0) return new Map()
    const db = trx ?? this.#db
    const channels = [...new Set(rules.consentProof.map((r) => r.channel))]
    // One after the other: inside a transaction (PGlite) statements can't overlap.
    const invoices = await this.#repo.invoices(ids, db)
    const consents = await this.#repo.consents(ids, channels, db)
    const entered = await this.#repo.enteredHolds(ids, db)
    return groupFacts(ids, invoices, consents, entered)
  }

  /**
   * Per subject, the holds in force at `now` (subjects with none are absent). Inside a transaction
   * pass `rules` (read before it).
   */
  async inForce(
    subjectIds: readonly string[],
    now: Date = this.#clock(),
    trx?: Kysely<Schema>,
    given?: HoldRules,
  ): Promise<Map<string, Hold[]>> {
    const result = new Map<string, Hold[]>()
    const rules = given ?? (await this.#rules())
    for (const [id, facts] of await this.facts(subjectIds, rules, trx)) {
      const holds = allHolds(facts, rules).filter((h) => inForce(h, now))
      if (holds.length > 0) result.set(id, holds)
    }
    return result
  }

  /** Every hold of one subject, derived and entered, each with whether it is in force. 404 if unknown. */
  async list(subjectId: string, now: Date = this.#clock()): Promise<SubjectHolds> {
    const subject = await this.#subject(subjectId)
    const rules = await this.#rules()
    const facts = (await this.facts([subject.id], rules)).get(subject.id) as HoldFacts
    return {
      subjectId: subject.id,
      erasureRequestedAt: subject.erasureRequestedAt,
      erased: subject.erasedAt !== null,
      holds: allHolds(facts, rules).map((h) => ({ ...h, inForce: inForce(h, now) })),
    }
  }

  /**
   * For a subject whose erasure is held (asked for, not finished): its holds, as `list` gives them;
   * otherwise undefined, after one query (the contact page asks this of every contact).
   */
  async heldErasure(subjectId: string, now: Date = this.#clock()): Promise<SubjectHolds | undefined> {
    if (!isUuid(subjectId)) return undefined
    const [subject] = await this.#repo.subjects([subjectId.toLowerCase()])
    if (!subject?.erasureRequestedAt || subject.erasedAt) return undefined
    return this.list(subject.id, now)
  }

  /**
   * Enters a hold (the DPO's): validated, stored and audited in one transaction. 404 for an unknown
   * subject, 409 for an erased one (nothing of it is left to keep).
   */
  async add(input: NewHold, by: HoldActor): Promise<EnteredHold> {
    const hold = this.#validate(input)
    const now = this.#clock()
    if (hold.until !== null && hold.until.getTime() <= now.getTime())
      throw invalidField('body', 'until', 'is not in the future')
    return withTransaction(this.#db, undefined, async (trx) => {
      const [subject] = await this.#repo.lockForErasure([hold.subjectId], trx)
      if (!subject) throw new ProblemError('not-found', 'no such subject')
      if (subject.erasedAt)
        throw new ProblemError('conflict', 'the subject was erased (Art. 17): nothing is left to keep')
      const row = await this.#repo.insertHold(
        {
          subject_id: subject.id,
          id: randomUUID(),
          ground: hold.ground,
          reason: hold.reason,
          field_categories: [...hold.fieldCategories],
          record_kinds: [...hold.recordKinds],
          until: hold.until,
          set_by_type: by.actor.type,
          set_by_id: by.actor.id,
          created_at: now,
          lifted_at: null,
          lifted_by_type: null,
          lifted_by_id: null,
        },
        trx,
      )
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'restrict',
            subjectIds: [subject.id],
            fields: [...hold.fieldCategories, ...hold.recordKinds],
            reason: `legal hold ${row.id} set (Art. 17(3), ground ${hold.ground}), keeping ${describe(hold)} ${hold.until ? `until ${hold.until.toISOString()}` : 'until lifted'}`,
            ...(by.requestId ? { requestId: by.requestId } : {}),
          },
        ],
        trx,
      )
      return toEnteredHold(row)
    })
  }

  /**
   * Lifts a hold the DPO entered (audited). A held erasure it kept data for finishes at the next
   * sweep (`ErasureService.finishHeldErasures`) when no other hold is left. 404 for no such hold in force.
   */
  async lift(subjectId: string, holdId: string, by: HoldActor): Promise<EnteredHold> {
    if (!isUuid(subjectId)) throw new ProblemError('not-found', 'no such subject')
    if (!isUuid(holdId)) throw new ProblemError('not-found', 'no such legal hold in force')
    return withTransaction(this.#db, undefined, async (trx) => {
      const [subject] = await this.#repo.lockForErasure([subjectId.toLowerCase()], trx)
      if (!subject) throw new ProblemError('not-found', 'no such subject')
      const row = await this.#repo.liftHold(subject.id, holdId.toLowerCase(), by.actor, this.#clock(), trx)
      if (!row) throw new ProblemError('not-found', 'no such legal hold in force')
      await this.#audit.append(
        [
          {
            actor: by.actor,
            action: 'restrict',
            subjectIds: [subject.id],
            reason: `legal hold ${row.id} lifted (ground ${row.ground})${subject.erasureRequestedAt ? '; the held erasure finishes when no hold is left' : ''}`,
            ...(by.requestId ? { requestId: by.requestId } : {}),
          },
        ],
        trx,
      )
      return toEnteredHold(row)
    })
  }

  async #subject(subjectId: string) {
    if (!isUuid(subjectId)) throw new ProblemError('not-found', 'no such subject')
    const [subject] = await this.#repo.subjects([subjectId.toLowerCase()])
    if (!subject) throw new ProblemError('not-found', 'no such subject')
    return subject
  }

  #validate(input: NewHold): Required<NewHold> & { until: Date | null } {
    if (!isUuid(input.subjectId)) throw new ProblemError('not-found', 'no such subject')
    if (!(HOLD_GROUNDS as readonly string[]).includes(input.ground))
      throw invalidField('body', 'ground', `must be one of ${HOLD_GROUNDS.join(', ')}`)
    const reason = input.reason.trim()
    if (reason.length < HOLD_REASON_LENGTH.min || reason.length > HOLD_REASON_LENGTH.max)
      throw invalidField(
        'body',
        'reason',
        `must be ${HOLD_REASON_LENGTH.min} to ${HOLD_REASON_LENGTH.max} characters: the ground in words, without personal data`,
      )
    if (LOOKS_PERSONAL.some((p) => p.test(reason)))
      throw invalidField(
        'body',
        'reason',
        'looks like it holds personal data (an e-mail address or a long number): name the case by a reference of your files instead',
      )
    for (const c of input.fieldCategories)
      if (!HOLDABLE_CATEGORIES.includes(c))
        throw invalidField('body', 'fieldCategories', `must be of ${HOLDABLE_CATEGORIES.join(', ')}`)
    for (const k of input.recordKinds)
      if (!(HOLDABLE_RECORD_KINDS as readonly string[]).includes(k))
        throw invalidField('body', 'recordKinds', `must be of ${HOLDABLE_RECORD_KINDS.join(', ')}`)
    if (input.fieldCategories.length + input.recordKinds.length === 0)
      throw invalidField('body', 'fieldCategories', 'name at least one field category or record kind to keep')
    if (input.until && Number.isNaN(input.until.getTime()))
      throw invalidField('body', 'until', 'is not a time')
    return {
      subjectId: input.subjectId.toLowerCase(),
      ground: input.ground,
      reason,
      fieldCategories: [...new Set(input.fieldCategories)],
      recordKinds: [...new Set(input.recordKinds)],
      until: input.until ?? null,
    }
  }
}

const describe = (hold: { fieldCategories: readonly string[]; recordKinds: readonly string[] }) =>
  [...hold.fieldCategories, ...hold.recordKinds].join(', ')
