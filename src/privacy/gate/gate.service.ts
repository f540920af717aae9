import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { Schema, SubjectRow } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditRecordInput, AuditWriter } from '../audit/audit-record.ts'
import {
  type AttributeField,
  type FieldCategory,
  IDENTIFIER_FIELDS,
  type IdentifierField,
  isIdentifierField,
  type PersonalField,
} from '../fields/field-catalog.ts'
import type { FieldRegistry } from '../fields/field-registry.ts'
import type { ErasureKind, LedgerEntry } from '../holds/erasure-ledger-file.ts'
import type { ErasureSubject } from '../holds/hold.repository.ts'
import {
  type ErasureAnswer,
  type HeldRecords,
  type Hold,
  type HoldRules,
  keptParts,
  planHeldErasure,
} from '../holds/hold.ts'
import {
  COMBINE_AAD,
  kindsMerged,
  NOTE_AAD,
  RECORD_KINDS,
  RECTIFICATION_AAD,
} from '../records/record-kinds.ts'
import { type NewSubject, type SubjectListQuery, SubjectRepository } from '../subjects/subject.repository.ts'
import type { ResealedColumn, SubjectMergeRepository } from '../subjects/subject-merge.repository.ts'
import type { KeyWithIdentity } from '../vault/vault.repository.ts'
import { ListCountCache } from './list-count-cache.ts'

export type { NewSubject }

export { COMBINE_AAD, RECTIFICATION_AAD }

import {
  type FieldDenial,
  type FieldSplit,
  splitFieldsByRole,
  withholdSpecialCategories,
} from './field-access.ts'
import { type GateScope, requireActUnder, withholdOutsideScope } from './purpose-scope.ts'

/** Where the gate reports subjects created, changed and erased (the webhooks' outbox), in the change's transaction. */
export interface SubjectEventSink {
  emit(
    event: 'subject.created' | 'subject.changed' | 'subject.erased',
    subjectIds: readonly string[],
    trx: Kysely<Schema>,
  ): Promise<void>
}

/** Who is asking: an audit actor that acts in a role. */
export interface GateActor extends AuditActor {
  role: string
}

/** A purpose as the Art. 9 check needs it: with the channels its consent can be given on. */
type GatePurposeWithChannels = GatePurpose & { channels: readonly string[] }

/** Why the gate refused one subject: a rule from the permission rules, and a sentence. */
export interface SubjectDenial {
  subjectId: string
  rule: string
  reason: string
}

/** What the gate needs of a purpose. */
export interface GatePurpose {
  key: string
  legalBasis: string
  /** Art. 9(2) basis, for special categories; none: the purpose may not use them. */
  art9Basis?: string | null
  /** Who may act under it, which data it uses, whether it survives a restriction. */
  scope: GateScope
}

/** The parts the gate composes; each is the kernel's own (vault, audit, permissions, roles). */
export interface GatePorts {
  db: Kysely<Schema>
  subjects: SubjectRepository
  audit: AuditWriter
  vault: {
    writeIdentifiers(
      entries: readonly { subjectId: string; identifiers: Partial<Record<IdentifierField, string | null>> }[],
      trx?: Kysely<Schema>,
    ): Promise<void>
    readIdentifiers(
      subjectIds: readonly string[],
      fields: readonly IdentifierField[],
      trx?: Kysely<Schema>,
    ): Promise<Map<string, Partial<Record<IdentifierField, string>>>>
    openIdentities(
      rows: readonly KeyWithIdentity[],
      fields: readonly IdentifierField[],
    ): Map<string, Partial<Record<IdentifierField, string>>>
    findByBlindIndex(kind: 'email' | 'phone', value: string, trx?: Kysely<Schema>): Promise<string[]>
    findByName(query: string, limit: number, trx?: Kysely<Schema>): Promise<string[]>
    lookalikes(subjectId: string, limit?: number): Promise<{ subjectId: string; kinds: string[] }[]>
    /** The normalised form (lower-cased e-mail, E.164 phone); throws with a reason if it is none. */
    normalize(kind: 'email' | 'phone', value: string): string
    findManyByBlindIndex(
      kind: 'email' | 'phone',
      values: readonly string[],
      trx?: Kysely<Schema>,
      options?: { normalized?: boolean },
    ): Promise<Map<string, string[]>>
    /** Claims normalised values until `trx` ends, then: per entry, whether either value is stored. */
    claimAndFindStored(
      entries: readonly { email?: string | undefined; phone?: string | undefined }[],
      trx: Kysely<Schema>,
    ): Promise<boolean[]>
    shred(subjectIds: readonly string[], trx?: Kysely<Schema>): Promise<void>
    /** Art. 17(3): a new data key sealing only `keep`; the old one destroyed (VaultService.shredExcept). */
    shredExcept(
      subjectId: string,
      keep: readonly IdentifierField[],
      reseal: readonly { sealed: Uint8Array; aad: string }[],
      trx: Kysely<Schema>,
    ): Promise<{ kept: IdentifierField[]; stored: IdentifierField[]; resealed: (Buffer | null)[] }>
    seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer>
    open(subjectId: string, sealed: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer | null>
  }
  /** Moves a duplicate's records and permissions to the survivor of a merge. */
  merges: SubjectMergeRepository
  purposes: { find(key: string): Promise<(GatePurpose & { channels: readonly string[] }) | undefined> }
  permissions: {
    /**
     * Set-based, one query: the subjects of the set as stored (unknown ids absent), and those the
     * purpose may not use (on the channel), with the rule.
     */
    check(args: {
      purposeKey: string
      channel?: string | undefined
      subjectIds: readonly string[]
      specialCategory: boolean
    }): Promise<{ subjects: SubjectRow[]; denied: Map<string, { rule: string; reason: string }> }>
    /** `check` for a list page: the page's statement (not yet run) and its verdicts in one round trip. */
    checkPage(args: {
      purposeKey: string
      channel?: string | undefined
      specialCategory: boolean
      page: SelectQueryBuilder<Schema, 'subject', SubjectRow>
      order: { column: 'created_at' | 'updated_at'; direction: 'asc' | 'desc' }
      /** The page's shape plans the same whatever its values (no filters): prepare it (ADR 0023). */
      prepared?: boolean
      /** Read the wrapped keys and sealed records of the rows the purpose may use, beside them. */
      sealed?: boolean
    }): Promise<{
      subjects: SubjectRow[]
      denied: Map<string, { rule: string; reason: string }>
      sealed?: KeyWithIdentity[]
    }>
    /** Which of the subjects are restricted (Art. 18): to audit an Art. 18(2) exception used. */
    restrictedAmong(subjectIds: readonly string[]): Promise<string[]>
    /** Art. 17(3), 18(2): restricts subjects whose erasure is held (ground `erasure-held`), in its transaction. */
    restrictForErasure(
      entries: readonly { subjectId: string; actor: AuditActor; requestId?: string | undefined }[],
      trx: Kysely<Schema>,
    ): Promise<void>
    /** The verdicts only (subject id → denial), inside a transaction where one is given. */
    denied(
      args: {
        purposeKey: string
        channel?: string | undefined
        subjectIds: readonly string[]
        specialCategory: boolean
      },
      trx?: Kysely<Schema>,
    ): Promise<Map<string, { rule: string; reason: string }>>
    /**
     * The channel a use of the purpose means: the one given, if the purpose uses it, else its
     * default; a validation problem naming `channel` when there is none or it isn't the purpose's.
     */
    channelFor(purposeKey: string, channel?: string | undefined): Promise<string>
    /**
     * Of the subjects a list shows (not erased, of the kind, with the attributes): how many the
     * purpose may use on the channel and how many it may not. One SQL query over the set.
     */
    countListed(args: {
      purposeKey: string
      channel: string
      kind?: string | undefined
      attributes?: Record<string, unknown> | undefined
      specialCategory: boolean
    }): Promise<{ usable: number; excluded: number; excludedBy: Record<string, number> }>
  }
  roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
  /** The field catalog: categories, identifiers, attributes and their values, special categories. */
  fields: FieldRegistry
  /** The records kept about subjects (touchpoints, orders, ...): erasure deletes them. */
  records: {
    /** Per subject, the rows deleted per table. */
    deleteAll(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<Map<string, Map<string, number>>>
    /** One subject's rows except those held; the rows deleted per table. */
    deleteExcept(subjectId: string, kept: HeldRecords, trx: Kysely<Schema>): Promise<Map<string, number>>
    heldNotes(
      subjectId: string,
      keep: readonly string[] | 'all',
      trx: Kysely<Schema>,
    ): Promise<{ id: string; sealed_text: Uint8Array }[]>
    resealNote(subjectId: string, id: string, sealed: Uint8Array, trx: Kysely<Schema>): Promise<void>
  }
  /** Legal holds (privacy/holds): which are in force for a set of subjects, and the time they are judged at. */
  holds: {
    now(): Date
    /** The periods the derived holds follow; read before the erasure's transaction. */
    rules(): Promise<HoldRules>
    inForce(
      subjectIds: readonly string[],
      now: Date,
      trx: Kysely<Schema>,
      rules: HoldRules,
    ): Promise<Map<string, Hold[]>>
  }
  /** The erasure's SQL beside the vault and the records: locks, marks, the ledger table. */
  holdRecords: {
    subjects(ids: readonly string[]): Promise<ErasureSubject[]>
    lockForErasure(ids: readonly string[], trx: Kysely<Schema>): Promise<ErasureSubject[]>
    markErasureRequested(ids: readonly string[], at: Date, trx: Kysely<Schema>): Promise<void>
    appendLedger(
      entries: readonly { subjectId: string; erasedAt: Date; kind: ErasureKind; holds: readonly string[] }[],
      trx: Kysely<Schema>,
    ): Promise<void>
  }
  /** The erasure ledger file outside the database's backup (TRESOR_ERASURE_LEDGER); none: not kept. */
  ledgerFile?: { append(entries: readonly LedgerEntry[]): void } | undefined
  /**
   * The webhooks' outbox (privacy/recipients): told of the subjects created, changed and erased, in
   * the transaction that does it, so a recipient hears of it exactly when it happened (Art. 19).
   */
  events?: SubjectEventSink | undefined
  /**
   * Whether independent reads may run side by side: on PostgreSQL they use separate connections;
   * PGlite is one session, where they would only queue behind each other's locks.
   */
  concurrentReads: boolean
}

export interface UseRequest {
  actor: GateActor
  /** Purpose key from the registry: every use of personal data names one (Art. 5(1)(b)). */
  purpose: string
  /** The channel, for communication purposes (e-mail, phone, post, ...). */
  channel?: string
  subjectIds: readonly string[]
  fields: readonly PersonalField[]
  /** `export` for bulk reads that leave Tresor (needs the export permission upstream). */
  action?: 'read' | 'export'
  requestId?: string
  reason?: string
}

/** An erasure asked for (Art. 17). */
export interface EraseRequest {
  actor: GateActor
  subjectIds: readonly string[]
  reason?: string
  requestId?: string
}

/** A subject as the gate hands it out: only the allowed fields, identifiers decrypted. */
export interface GatedSubject {
  id: string
  kinds: string[]
  source: string
  identifiers: Partial<Record<IdentifierField, string>>
  attributes: Partial<Record<AttributeField, unknown>>
  createdAt: Date
  updatedAt: Date
}

export interface UseResult {
  purpose: GatePurpose
  subjects: GatedSubject[]
  denied: SubjectDenial[]
  deniedFields: FieldDenial[]
}

export interface CollectRequest {
  actor: GateActor
  /** The purpose the data is collected for, when one is known at collection. */
  purpose?: string
  subjects: readonly (NewSubject & { identifiers: Partial<Record<IdentifierField, string>> })[]
  action?: 'create' | 'import'
  requestId?: string
  reason?: string
  /**
   * More writes that belong to the same collection (e.g. the consents given with an imported
   * address): run in the same transaction after the subjects are stored, so either all of it is
   * stored or nothing.
   */
  alsoInTransaction?: (ids: readonly string[], trx: Kysely<Schema>) => Promise<void>
  /**
   * Imports: per subject, its e-mail address and phone number as `normalizeIdentifier` gives them.
   * A subject either of them is stored for already is left out, and its place in the result is
   * null. Checked inside the transaction after claiming the values (`claimAndFindStored`), so two
   * collections at once cannot both store one.
   */
  unlessStored?: readonly { email?: string | undefined; phone?: string | undefined }[]
}

/**
 * The privacy gate (DESIGN.md, "the one rule"): every use of personal data passes here. For a set
 * of subjects and fields it decides (1) which fields the actor's role may use, (2) for which
 * subjects the purpose's legal basis holds, (3) writes the audit record of the use and of every
 * denial, and only then (4) decrypts the identifiers from the vault. Decisions are over sets:
 * one query per step, whatever the number of subjects.
 */
export class Gate {
  readonly #p: GatePorts
  /** The first pages' counts, remembered where counting is expensive (a million subjects). */
  readonly #listCounts = new ListCountCache()
  constructor(ports: GatePorts) {
    this.#p = ports
  }

  /** The field catalog the gate decides with. */
  get fields(): FieldRegistry {
    return this.#p.fields
  }

  /**
   * Step 1: the role's fields, less those of categories the purpose doesn't use and special
   * categories it has no Art. 9 basis for.
   */
  #split(fields: readonly PersonalField[], role: string, purpose: GatePurpose): FieldSplit {
    return withholdSpecialCategories(
      withholdOutsideScope(
        splitFieldsByRole(fields, this.#p.roles.fieldCategoriesOf(role), this.#p.fields),
        purpose.scope,
        this.#p.fields,
      ),
      purpose,
      this.#p.fields,
    )
  }

  /**
   * What a collection or rectification may write: known attributes with valid values, and special
   * categories only for a purpose with an Art. 9 basis that the field serves. Throws a validation
   * problem naming the field.
   */
  async #checkWritable(
    attributes: Readonly<Record<string, unknown>>,
    purpose: GatePurpose | undefined,
  ): Promise<Map<string, GatePurposeWithChannels[]>> {
    const needs = new Map<string, GatePurposeWithChannels[]>()
    for (const [key, value] of Object.entries(attributes)) {
      const problem = this.#p.fields.valueProblem(key, value)
      if (problem) throw invalidField('body', `attributes.${key}`, problem)
      const definition = this.#p.fields.get(key)
      if (!definition?.specialCategory || value === null) continue
      const served = definition.purposes ?? []
      // Art. 9(2)(b)-(j): a purpose on another Art. 9 exception (employment law, health care, ...)
      // that the field serves needs no consent of its own.
      if (purpose?.art9Basis && purpose.art9Basis !== 'explicit_consent' && served.includes(purpose.key))
        continue
      // Art. 9(2)(a): otherwise the person's explicit consent to a purpose the field serves.
      const candidates: GatePurposeWithChannels[] = []
      for (const k of served) {
        const p = await this.#p.purposes.find(k)
        if (p?.art9Basis === 'explicit_consent') candidates.push(p)
      }
      if (candidates.length === 0)
        throw invalidField(
          'body',
          `attributes.${key}`,
          'is a special category (Art. 9): it can be written only for a purpose with an Art. 9 basis that it serves',
        )
      needs.set(key, candidates)
    }
    return needs
  }

  /**
   * Art. 9(1)-(2)(a): storing or changing a special-category value needs, for that subject, a valid
   * explicit consent to a purpose the field serves — recorded before, or in the same transaction.
   * Refuses naming the field and the consent that is missing.
   */
  async #requireExplicitConsent(
    wanted: readonly { subjectId: string; fields: ReadonlyMap<string, readonly GatePurposeWithChannels[]> }[],
    trx?: Kysely<Schema>,
  ): Promise<void> {
    const verdicts = new Map<string, Set<string>>() // purpose key → subjects it allows
    for (const { subjectId, fields } of wanted) {
      for (const [field, candidates] of fields) {
        let allowed = false
        for (const purpose of candidates) {
          let allows = verdicts.get(purpose.key)
          if (!allows) {
            allows = new Set<string>()
            const ids = wanted.map((w) => w.subjectId)
            // Consent is per channel: any channel of the purpose with a valid consent will do.
            for (const channel of purpose.channels) {
              const denied = await this.#p.permissions.denied(
                { purposeKey: purpose.key, channel, subjectIds: ids, specialCategory: true },
                trx,
              )
              for (const id of ids) if (!denied.has(id)) allows.add(id)
            }
            verdicts.set(purpose.key, allows)
          }
          if (allows.has(subjectId)) allowed = true
        }
        if (!allowed) {
          const names = candidates.map((c) => c.key).join(' or ')
          throw new ProblemError(
            'forbidden',
            `attributes.${field} is a special category (Art. 9): it needs the person's explicit consent to ${names}`,
            {
              errors: [
                {
                  in: 'body',
                  field: `attributes.${field}`,
                  reason: `is a special category (Art. 9(1)): storing it needs the person's explicit consent (Art. 9(2)(a)) to ${names}, recorded before or with this request; there is no valid one`,
                },
              ],
            },
          )
        }
      }
    }
  }

  /** Uses a set of subjects for a purpose; the result keeps the order of `subjectIds`. */
  async use(request: UseRequest): Promise<UseResult> {
    const ids = [...new Set(request.subjectIds)]
    const purpose = await this.#purpose(request.purpose, request)
    const fields = this.#split(request.fields, request.actor.role, purpose)
    const { subjects: found, denied: basisDenials } = await this.#check(
      request,
      purpose,
      fields.specialCategory,
      ids,
    )
    const byId = new Map(found.map((r) => [r.id, r]))
    return this.#decide(
      request,
      purpose,
      fields,
      ids.flatMap((id) => byId.get(id) ?? []),
      basisDenials,
    )
  }

  async #check(
    request: Pick<UseRequest, 'channel'>,
    purpose: GatePurpose,
    specialCategory: boolean,
    ids: readonly string[],
  ): Promise<{ subjects: SubjectRow[]; denied: Map<string, { rule: string; reason: string }> }> {
    if (ids.length === 0) return { subjects: [], denied: new Map() }
    return this.#p.permissions.check({
      purposeKey: purpose.key,
      channel: request.channel,
      subjectIds: ids,
      specialCategory,
    })
  }

  async #decide(
    request: Omit<UseRequest, 'subjectIds'>,
    purpose: GatePurpose,
    fields: FieldSplit,
    rows: readonly SubjectRow[],
    denials: Map<string, { rule: string; reason: string }>,
    options: { listWithoutFields?: boolean; sealed?: readonly KeyWithIdentity[] } = {},
  ): Promise<UseResult> {
    const known = new Set(rows.map((r) => r.id))
    // Ids that name no subject are simply not found; they are nobody's data to deny.
    const basisDenials = new Map([...denials].filter(([id]) => known.has(id)))
    const denied: SubjectDenial[] = [...basisDenials].map(([subjectId, d]) => ({ subjectId, ...d }))
    const allowedRows = rows.filter((r) => !basisDenials.has(r.id))
    // A list names the subjects the purpose may use by their pseudonymous ids even when none of the
    // listed fields is the purpose's (B2B prospecting lists contacts without their segmentation
    // attributes); a read of fields without any allowed field hands out nobody.
    const usable = fields.allowed.length > 0 || options.listWithoutFields ? allowedRows : []

    const records: AuditRecordInput[] = []
    const common = {
      actor: request.actor,
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }
    if (usable.length > 0) {
      records.push({
        ...common,
        action: request.action ?? 'read',
        subjectIds: usable.map((r) => r.id),
        fields: fields.allowed,
        ...(request.reason ? { reason: request.reason } : {}),
      })
    }
    if (denied.length > 0) {
      for (const [rule, group] of groupBy(denied, (d) => d.rule)) {
        records.push({
          ...common,
          action: 'denied',
          subjectIds: group.map((d) => d.subjectId),
          fields: fields.allowed,
          reason: `legal basis: ${rule}`,
        })
      }
    }
    // One record per rule that withheld fields, each with its own reason (a special category held
    // back for want of an Art. 9 basis is not the role's doing).
    if (allowedRows.length > 0) {
      for (const [rule, group] of groupBy(fields.denied, (d) => d.rule)) {
        records.push({
          ...common,
          action: 'denied',
          subjectIds: allowedRows.map((r) => r.id),
          fields: group.map((d) => d.field),
          reason: fieldDenialReason(rule, group, request.actor.role, purpose.key),
        })
      }
    }
    // Art. 18(2): a purpose flagged with an exception reaches restricted subjects too; each use of
    // the exception is recorded with its ground.
    const exception = purpose.scope.restrictionException
    if (exception !== null && usable.length > 0) {
      const restricted = await this.#p.permissions.restrictedAmong(usable.map((r) => r.id))
      if (restricted.length > 0)
        records.push({
          ...common,
          action: request.action ?? 'read',
          subjectIds: restricted,
          fields: fields.allowed,
          reason: `Art. 18(2) exception used for restricted subjects: ${exception}`,
        })
    }
    // No audit, no data: the record is written first (or, on PostgreSQL, while the identifiers are
    // decrypted), and nothing is returned unless it is committed.
    const [, identifiers] = await this.#both(
      async () => (records.length ? this.#p.audit.append(records) : undefined),
      async () =>
        !fields.identifiers.length || !usable.length
          ? new Map<string, Partial<Record<IdentifierField, string>>>()
          : options.sealed
            ? this.#openUsable(options.sealed, usable, fields.identifiers)
            : this.#p.vault.readIdentifiers(
                usable.map((r) => r.id),
                fields.identifiers,
              ),
    )
    const attributeFields = fields.allowed.filter((f) => this.#p.fields.isAttribute(f))
    return {
      purpose,
      subjects: usable.map((row) => toGated(row, identifiers.get(row.id) ?? {}, attributeFields)),
      denied,
      deniedFields: fields.denied,
    }
  }

  /**
   * The records read beside a page, opened for the usable rows only (the page's statement read
   * none for the others; this holds if a caller ever passes more). Decrypted while the audit
   * record is written; nothing is returned unless that record is committed.
   */
  async #openUsable(
    sealed: readonly KeyWithIdentity[],
    usable: readonly SubjectRow[],
    fields: readonly IdentifierField[],
  ): Promise<Map<string, Partial<Record<IdentifierField, string>>>> {
    const ids = new Set(usable.map((r) => r.id))
    return this.#p.vault.openIdentities(
      sealed.filter((s) => ids.has(s.subjectId)),
      fields,
    )
  }

  /**
   * Art. 5(1)(d) accuracy: the likely duplicates of a subject (same e-mail, phone, or first and last
   * name), found through the blind index and read through the gate like any other use, with what
   * matched. The subject itself must be usable for the purpose.
   */
  async duplicatesOf(
    request: Omit<UseRequest, 'subjectIds'> & { subjectId: string },
  ): Promise<UseResult & { matches: Map<string, string[]> }> {
    const { subjectId, ...rest } = request
    // The duplicates are matched on these: a role (or purpose) without them learns nothing.
    await this.#mayLookUpBy(rest, ['email', 'phone', 'firstName', 'lastName'], 'request', (f) => f)
    const self = await this.use({ ...rest, subjectIds: [subjectId], fields: [] })
    const denial = self.denied[0]
    if (denial?.rule === 'erased' || (self.subjects.length === 0 && !denial)) {
      const [row] = await this.#p.subjects.findByIds([subjectId])
      if (!row || row.erased_at) throw new ProblemError('not-found', 'no such subject')
    }
    if (denial)
      throw new ProblemError(
        'forbidden',
        `the purpose ${request.purpose} may not use this subject: ${denial.rule}`,
      )
    const found = await this.#p.vault.lookalikes(subjectId)
    const result = await this.use({ ...rest, subjectIds: found.map((f) => f.subjectId) })
    return { ...result, matches: new Map(found.map((f) => [f.subjectId, f.kinds])) }
  }

  /** Looks subjects up by the words of their names through the name blind index, then uses them. */
  async readByName(
    request: Omit<UseRequest, 'subjectIds'> & { name: string; limit: number },
  ): Promise<UseResult> {
    const { name, limit, ...rest } = request
    await this.#mayLookUpBy(rest, ['firstName', 'lastName'], 'body', () => 'name')
    const subjectIds = await this.#p.vault.findByName(name, limit)
    return this.use({ ...rest, subjectIds })
  }

  /** Looks a subject up by e-mail through the blind index (nothing decrypted to search), then uses it. */
  async readByEmail(request: Omit<UseRequest, 'subjectIds'> & { email: string }): Promise<UseResult> {
    const { email, ...rest } = request
    await this.#mayLookUpBy(rest, ['email'], 'body', () => 'email')
    const subjectIds = await this.#p.vault.findByBlindIndex('email', email)
    return this.use({ ...rest, subjectIds })
  }

  /**
   * Refuses (403, audited) a lookup by these identifiers that the role or the purpose may not make,
   * for callers that look up through the blind index themselves (an import matching its rows to
   * contacts by e-mail address).
   */
  async assertMayLookUpBy(
    request: Omit<UseRequest, 'subjectIds' | 'fields'>,
    compared: readonly IdentifierField[],
  ): Promise<void> {
    await this.#mayLookUpBy({ ...request, fields: [] }, compared, 'body', (f) => f)
  }

  /**
   * A lookup by identifiers uses them: comparing is processing, and a match re-identifies whoever
   * it finds (a pseudonymous role finding a profile by its e-mail address). So the role and the
   * purpose must allow every field compared, as for reading it; otherwise the lookup is refused —
   * and the refusal audited — before the blind index is asked. `inputOf` names the request field
   * a compared field stands for.
   */
  async #mayLookUpBy(
    request: Omit<UseRequest, 'subjectIds'>,
    compared: readonly IdentifierField[],
    where: string,
    inputOf: (field: string) => string,
  ): Promise<void> {
    const purpose = await this.#purpose(request.purpose, request)
    const { denied } = this.#split(compared, request.actor.role, purpose)
    if (denied.length === 0) return
    await this.#p.audit.append(
      [...groupBy(denied, (d) => d.rule)].map(([rule, group]) => ({
        actor: request.actor,
        action: 'denied' as const,
        purpose: purpose.key,
        legalBasis: purpose.legalBasis,
        fields: group.map((d) => d.field),
        reason: `lookup by ${group.map((d) => d.field).join(', ')}: ${fieldDenialReason(rule, group, request.actor.role, purpose.key)}`,
        ...(request.requestId ? { requestId: request.requestId } : {}),
      })),
    )
    const errors = fieldErrors(denied, where).map((e) => ({ ...e, field: inputOf(e.field) }))
    const distinct = errors.filter(
      (e, i) => errors.findIndex((o) => o.field === e.field && o.reason === e.reason) === i,
    )
    throw new ProblemError(
      'forbidden',
      `your role may not look subjects up by ${[...new Set(distinct.map((e) => e.field))].join(', ')} for this purpose`,
      { errors: distinct },
    )
  }

  /**
   * The normalised form the blind index compares (lower-cased e-mail, E.164 phone), or the reason
   * the value is not an e-mail address / phone number (never the value itself).
   */
  normalizeIdentifier(kind: 'email' | 'phone', value: string): { value: string } | { problem: string } {
    try {
      return { value: this.#p.vault.normalize(kind, value) }
    } catch (error) {
      if (error instanceof Error && 'reason' in error && typeof error.reason === 'string')
        return { problem: error.reason }
      throw error
    }
  }

  /** The contact a merged subject lives on in (`merge`), following chains; undefined if not merged. */
  async survivorOf(subjectId: string): Promise<string | undefined> {
    let id = subjectId
    for (let hops = 0; hops < 10; hops++) {
      const [row] = await this.#p.subjects.findByIds([id])
      if (!row?.merged_into) return id === subjectId ? undefined : id
      id = row.merged_into
    }
    return id
  }

  /**
   * Which of these e-mail addresses and phone numbers are already stored, and for which subject
   * (the first, if several): for de-duplication before a collection. Through the blind index,
   * nothing decrypted; values that are not an address / number are absent.
   */
  async existingSubjects(values: {
    emails?: readonly string[]
    phones?: readonly string[]
    /** The values are `normalizeIdentifier`'s output already (saves parsing each phone number again). */
    normalized?: boolean
  }): Promise<{ byEmail: Map<string, string>; byPhone: Map<string, string> }> {
    const first = (found: Map<string, string[]>) =>
      new Map([...found].map(([raw, ids]) => [raw, [...ids].sort()[0] as string]))
    const options = { normalized: values.normalized ?? false }
    const [emails, phones] = await this.#both(
      async () => this.#p.vault.findManyByBlindIndex('email', values.emails ?? [], undefined, options),
      async () => this.#p.vault.findManyByBlindIndex('phone', values.phones ?? [], undefined, options),
    )
    return { byEmail: first(emails), byPhone: first(phones) }
  }

  /**
   * Collection: stores new subjects, their identifiers encrypted under fresh data keys, and the
   * audit record, in one transaction — all of it or nothing.
   */
  collect(
    request: CollectRequest & { unlessStored: NonNullable<CollectRequest['unlessStored']> },
  ): Promise<(string | null)[]>
  collect(request: CollectRequest): Promise<string[]>
  async collect(request: CollectRequest): Promise<(string | null)[]> {
    const purpose = request.purpose === undefined ? undefined : await this.#purpose(request.purpose, request)
    const provided = new Set<PersonalField>()
    // Per subject: the special-category values that need the person's explicit consent.
    const art9 = new Map<NewSubject, Map<string, GatePurposeWithChannels[]>>()
    for (const s of request.subjects) {
      for (const [k, v] of Object.entries(s.identifiers))
        if (v != null && isIdentifierField(k)) provided.add(k)
      // Every attribute must be one of the catalog, with a valid value (a special category only
      // for an Art. 9 purpose it serves).
      const needs = await this.#checkWritable(s.attributes, purpose)
      if (needs.size > 0) art9.set(s, needs)
      for (const k of Object.keys(s.attributes)) provided.add(k)
    }
    const fields = splitFieldsByRole(
      [...provided],
      this.#p.roles.fieldCategoriesOf(request.actor.role),
      this.#p.fields,
    )
    if (fields.denied.length > 0) {
      await this.#p.audit.append([
        {
          actor: request.actor,
          action: 'denied',
          fields: fields.denied.map((d) => d.field),
          reason: `collect: role ${request.actor.role} lacks the field categories of these fields`,
          ...(request.requestId ? { requestId: request.requestId } : {}),
        },
      ])
      throw new ProblemError(
        'forbidden',
        `your role may not record the fields ${fields.denied.map((d) => d.field).join(', ')}`,
        { errors: fieldErrors(fields.denied, 'body') },
      )
    }
    return this.#p.db.transaction().execute(async (trx) => {
      // First, before any other lock: the claims wait for a collection of the same values at once.
      const stored = request.unlessStored
        ? await this.#p.vault.claimAndFindStored(request.unlessStored, trx)
        : []
      const subjects = request.subjects.filter((_, i) => !stored[i])
      if (request.unlessStored && subjects.length === 0) return request.subjects.map(() => null)
      const ids = await this.#p.subjects.insertMany(subjects, trx)
      await this.#p.vault.writeIdentifiers(
        subjects.map((s, i) => ({ subjectId: ids[i] as string, identifiers: s.identifiers })),
        trx,
      )
      if (request.alsoInTransaction) await request.alsoInTransaction(ids, trx)
      // Art. 9(2)(a): the consents recorded with the collection count; nothing is stored without.
      const wanted = subjects.flatMap((s, i) => {
        const needs = art9.get(s)
        return needs ? [{ subjectId: ids[i] as string, fields: needs }] : []
      })
      if (wanted.length > 0) await this.#requireExplicitConsent(wanted, trx)
      const art9Purposes = [
        ...new Set(wanted.flatMap((w) => [...w.fields.values()].flat().map((p) => p.key))),
      ]
      await this.#p.audit.append(
        [
          {
            actor: request.actor,
            action: request.action ?? 'create',
            subjectIds: ids,
            fields: fields.allowed,
            ...(purpose ? { purpose: purpose.key, legalBasis: purpose.legalBasis } : {}),
            ...(request.requestId ? { requestId: request.requestId } : {}),
            ...(art9Purposes.length > 0
              ? {
                  reason: `${request.reason ? `${request.reason}; ` : ''}special categories on the subjects' explicit consent (Art. 9(2)(a)) to ${art9Purposes.join(' or ')}`,
                }
              : request.reason
                ? { reason: request.reason }
                : {}),
          },
        ],
        trx,
      )
      await this.#p.events?.emit('subject.created', ids, trx)
      let next = 0
      return request.subjects.map((_, i) => (stored[i] ? null : (ids[next++] as string)))
    })
  }

  /**
   * Art. 16 rectification: changes identifiers (re-encrypted, blind index replaced), attributes and
   * kinds of one subject, for a purpose the subject may be used for, with a reason. The audit record
   * names the fields and keeps the old and new values sealed under the subject's key (shredded with
   * it). A null removes a field.
   */
  async rectify(request: {
    actor: GateActor
    purpose: string
    subjectId: string
    identifiers?: Partial<Record<IdentifierField, string | null>>
    attributes?: Partial<Record<AttributeField, unknown>>
    kinds?: readonly string[]
    reason: string
    requestId?: string
  }): Promise<void> {
    const purpose = await this.#purpose(request.purpose, request)
    const identifierFields = Object.keys(request.identifiers ?? {}).filter(isIdentifierField)
    const art9 = await this.#checkWritable(request.attributes ?? {}, purpose)
    const attributeFields = Object.keys(request.attributes ?? {})
    const fields = splitFieldsByRole(
      [...identifierFields, ...attributeFields],
      this.#p.roles.fieldCategoriesOf(request.actor.role),
      this.#p.fields,
    )
    const common = {
      actor: request.actor,
      subjectIds: [request.subjectId],
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }
    if (fields.denied.length > 0) {
      await this.#p.audit.append([
        {
          ...common,
          action: 'denied',
          fields: fields.denied.map((d) => d.field),
          reason: `rectify: role ${request.actor.role} lacks the field categories of these fields`,
        },
      ])
      throw new ProblemError(
        'forbidden',
        `your role may not change the fields ${fields.denied.map((d) => d.field).join(', ')}`,
        { errors: fieldErrors(fields.denied, 'body') },
      )
    }
    const { subjects, denied } = await this.#check({}, purpose, false, [request.subjectId])
    const row = subjects[0]
    const denial = denied.get(request.subjectId)
    if (!row || denial?.rule === 'erased') throw new ProblemError('not-found', 'no such subject')
    // Art. 17(3): what a held erasure kept is stored for the duty only (a voucher stays as issued).
    if (row.erasure_requested_at) throw erasureRequested()
    if (denial) {
      await this.#p.audit.append([
        { ...common, action: 'denied', reason: `rectify: legal basis: ${denial.rule}` },
      ])
      throw new ProblemError(
        'forbidden',
        `the purpose ${purpose.key} may not use this subject: ${denial.rule}`,
      )
    }
    if (art9.size > 0) {
      try {
        await this.#requireExplicitConsent([{ subjectId: row.id, fields: art9 }])
      } catch (error) {
        await this.#p.audit.append([
          {
            ...common,
            action: 'denied',
            fields: [...art9.keys()],
            reason: 'rectify: special category without the explicit consent of Art. 9(2)(a)',
          },
        ])
        throw error
      }
    }
    const old = identifierFields.length
      ? ((await this.#p.vault.readIdentifiers([row.id], identifierFields)).get(row.id) ?? {})
      : {}
    const changed = [...identifierFields, ...attributeFields, ...(request.kinds ? ['kinds'] : [])]
    const values = {
      old: {
        ...Object.fromEntries(identifierFields.map((f) => [f, old[f] ?? null])),
        ...Object.fromEntries(attributeFields.map((f) => [f, row.attributes[f] ?? null])),
        ...(request.kinds ? { kinds: row.kinds } : {}),
      },
      new: {
        ...Object.fromEntries(identifierFields.map((f) => [f, request.identifiers?.[f] ?? null])),
        ...Object.fromEntries(attributeFields.map((f) => [f, request.attributes?.[f] ?? null])),
        ...(request.kinds ? { kinds: request.kinds } : {}),
      },
    }
    await this.#p.db.transaction().execute(async (trx) => {
      if (identifierFields.length)
        await this.#p.vault.writeIdentifiers(
          [{ subjectId: row.id, identifiers: request.identifiers ?? {} }],
          trx,
        )
      const updated = await this.#p.subjects.update(
        row.id,
        {
          attributes: Object.fromEntries(attributeFields.map((f) => [f, request.attributes?.[f] ?? null])),
          ...(request.kinds ? { kinds: request.kinds } : {}),
        },
        new Date(),
        trx,
      )
      if (!updated) throw new ProblemError('not-found', 'no such subject')
      const sealed = await this.#p.vault.seal(
        row.id,
        Buffer.from(JSON.stringify(values), 'utf8'),
        RECTIFICATION_AAD,
        trx,
      )
      await this.#p.audit.append(
        [
          {
            ...common,
            action: 'update',
            fields: changed,
            reason: request.reason,
            sealedValues: { subjectId: row.id, ciphertext: sealed },
          },
        ],
        trx,
      )
      await this.#p.events?.emit('subject.changed', [row.id], trx)
    })
  }

  /**
   * Art. 5(1)(d): merges a duplicate into the survivor. The survivor keeps its identifiers and gets
   * the duplicate's where it has none; attributes likewise, kinds are joined; every record,
   * consent, objection and restriction (events with their proof, and the state: the later consent,
   * any objection, any restriction) moves to the survivor; notes are sealed again under the
   * survivor's key. The duplicate is shredded and left as a tombstone pointing at the survivor,
   * whose history then includes the duplicate's. Audited as `combine`, the duplicate's identifiers
   * and attributes kept sealed under the survivor's key. One transaction.
   */
  async combine(request: {
    actor: GateActor
    survivorId: string
    duplicateId: string
    reason: string
    purpose?: string
    requestId?: string
  }): Promise<void> {
    const purpose = await this.#purpose(request.purpose ?? 'contact_management', request)
    const survivorId = request.survivorId.toLowerCase()
    const duplicateId = request.duplicateId.toLowerCase()
    if (survivorId === duplicateId) throw invalidField('body', 'duplicateId', 'is the subject itself')
    const { subjects, denied } = await this.#check({}, purpose, false, [survivorId, duplicateId])
    for (const id of [survivorId, duplicateId]) {
      const denial = denied.get(id)
      if (
        !subjects.some((s) => s.id === id) ||
        denial?.rule === 'erased' ||
        denial?.rule === 'unknown-subject'
      )
        throw new ProblemError('not-found', id === survivorId ? 'no such subject' : 'no such duplicate')
      if (denial)
        throw new ProblemError(
          'forbidden',
          `the purpose ${purpose.key} may not use this subject: ${denial.rule}`,
        )
      if (subjects.find((s) => s.id === id)?.erasure_requested_at) throw erasureRequested()
    }
    const identifiers = await this.#p.vault.readIdentifiers([survivorId, duplicateId], IDENTIFIER_FIELDS)
    const kept = identifiers.get(survivorId) ?? {}
    const dup = identifiers.get(duplicateId) ?? {}
    const dupRow = subjects.find((s) => s.id === duplicateId) as SubjectRow
    const survivorRow = subjects.find((s) => s.id === survivorId) as SubjectRow
    // Whoever merges sees everything that moves: the role must hold the category of every field the
    // duplicate has (a merge must not move data past someone who may not see it).
    const moving = [...Object.keys(dup), ...Object.keys(dupRow.attributes)]
    const fields = splitFieldsByRole(
      moving,
      this.#p.roles.fieldCategoriesOf(request.actor.role),
      this.#p.fields,
    )
    const common = {
      actor: request.actor,
      subjectIds: [survivorId, duplicateId],
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }
    if (fields.denied.length > 0) {
      await this.#p.audit.append([
        {
          ...common,
          action: 'denied',
          fields: fields.denied.map((d) => d.field),
          reason: 'combine: fields beyond the role',
        },
      ])
      throw new ProblemError(
        'forbidden',
        `your role may not see the fields ${fields.denied.map((d) => d.field).join(', ')} it would merge`,
        { errors: fieldErrors(fields.denied, 'body') },
      )
    }
    const missing = Object.fromEntries(
      Object.entries(dup).filter(([field]) => kept[field as IdentifierField] === undefined),
    ) as Partial<Record<IdentifierField, string>>
    const attributes = Object.fromEntries(
      Object.entries(dupRow.attributes).filter(([key]) => !(key in survivorRow.attributes)),
    )
    const kinds = [...new Set([...survivorRow.kinds, ...dupRow.kinds])]
    await this.#p.db.transaction().execute(async (trx) => {
      const locked = await this.#p.merges.lock([survivorId, duplicateId], trx)
      if (locked.length !== 2 || locked.some((r) => r.erased_at !== null))
        throw new ProblemError('conflict', 'one of the two subjects was erased meanwhile')
      if (Object.keys(missing).length > 0)
        await this.#p.vault.writeIdentifiers([{ subjectId: survivorId, identifiers: missing }], trx)
      await this.#p.subjects.update(survivorId, { attributes, kinds }, new Date(), trx)
      // Every record kind as the registry says (record-kinds.ts): moved, merged, or dropped.
      await this.#p.merges.moveRecords(survivorId, duplicateId, trx)
      // Sealed ones (notes; data subject requests, whose deadlines run on) are sealed again under the
      // survivor's key. A value that no longer opens moves as null where the column allows it, else
      // its row stays with the duplicate, shredded with it.
      for (const kind of kindsMerged('reseal'))
        for (const row of await this.#p.merges.sealedRows(kind, duplicateId, trx)) {
          const values: { column: ResealedColumn; sealed: Uint8Array | null; nullable: boolean }[] = []
          for (const column of kind.sealed) {
            const aad =
              typeof column.aad === 'string' ? column.aad : column.aad.aad(String(row[column.aad.of]))
            const stored = row[column.column] as Uint8Array | null
            const plain = stored === null ? null : await this.#p.vault.open(duplicateId, stored, aad, trx)
            const sealed = plain === null ? null : await this.#p.vault.seal(survivorId, plain, aad, trx)
            values.push({ column: column.column, sealed, nullable: column.nullable })
          }
          if (values.every((v) => v.sealed !== null || v.nullable))
            await this.#p.merges.moveSealed(kind, duplicateId, survivorId, row.id, values, trx)
        }
      const keptValues = await this.#p.vault.seal(
        survivorId,
        Buffer.from(
          JSON.stringify({
            duplicate: {
              id: duplicateId,
              identifiers: dup,
              attributes: dupRow.attributes,
              kinds: dupRow.kinds,
            },
          }),
        ),
        COMBINE_AAD,
        trx,
      )
      await this.#p.merges.markMerged(duplicateId, survivorId, trx)
      await this.#p.vault.shred([duplicateId], trx)
      await this.#p.audit.append(
        [
          {
            ...common,
            action: 'combine',
            fields: [...new Set([...Object.keys(missing), ...Object.keys(attributes), 'kinds'])],
            reason: request.reason,
            sealedValues: { subjectId: survivorId, ciphertext: keptValues },
          },
        ],
        trx,
      )
    })
  }

  /**
   * Art. 17 erasure by crypto-shredding, as the registry of record kinds says per table
   * (record-kinds.ts); returns the ids erased (fully, or all but what legal holds keep). See
   * `eraseSubjects`.
   */
  async erase(request: EraseRequest): Promise<string[]> {
    return (await this.eraseSubjects({ ...request, detail: false })).map((a) => a.subjectId)
  }

  /**
   * Art. 17 erasure, keeping only what the law requires (Art. 17(3); docs/adr/0010). Per subject,
   * the legal holds in force (privacy/holds: invoices, unpaid invoices, § 7a UWG consent proof, the
   * DPO's) decide:
   * - none: crypto-shredding (`shred`: the data key, identifiers, blind indexes, attributes), every
   *   record of the `delete` and `keep-until-ended` kinds deleted, the subject a tombstone;
   * - some: the data key is replaced by a new one that seals only the held identifiers (so every
   *   other identifier, note and sealed value is noise at once, and what is held dies with the new
   *   key), every record no hold covers is deleted, the attributes are cleared, and the subject is
   *   marked `erasure_requested_at` and restricted (`erasure-held`): only purposes with an Art. 18(2)
   *   exception reach what is kept. `ErasureService.finishHeldErasures` completes it when the last
   *   hold ends; erasing it again narrows it to the holds then in force.
   * `keep` kinds stay as proof (consent and objection events, requests, the audit trail). Every
   * erasure is audited (`erase`, naming what was kept, why and until when; no values) and recorded in
   * the erasure ledger — the table and the file outside the database's backup — all in one
   * transaction. `full`: ignore holds (a replay of an erasure that was full when it happened).
   * Erased subjects and unknown ids are left out; the answers say what was erased and kept.
   */
  async eraseSubjects(
    request: EraseRequest & {
      mode?: 'holds' | 'full'
      /** Whether to record the erasure in the ledger file too (a replay doesn't: its entries are there). */
      ledgerFile?: boolean
      /** Read which identifiers were stored, for the answer (one decryption per subject). */
      detail?: boolean
      now?: Date
    },
  ): Promise<ErasureAnswer[]> {
    const wanted = [...new Set(request.subjectIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))]
    if (wanted.length === 0) return []
    const candidates = (await this.#p.holdRecords.subjects(wanted)).filter((s) => s.erasedAt === null)
    if (candidates.length === 0) return []
    const now = request.now ?? this.#p.holds.now()
    const detail = request.detail ?? true
    const rules = request.mode === 'full' ? undefined : await this.#p.holds.rules()
    return this.#p.db.transaction().execute(async (trx) => {
      // The subjects first (row locks, id order): concurrent writers wait, then see the erasure.
      const locked = (
        await this.#p.holdRecords.lockForErasure(
          candidates.map((c) => c.id),
          trx,
        )
      ).filter((s) => s.erasedAt === null)
      const ids = locked.map((s) => s.id)
      if (ids.length === 0) return []
      const holds = rules ? await this.#p.holds.inForce(ids, now, trx, rules) : new Map<string, Hold[]>()
      const full = ids.filter((id) => !holds.has(id))
      const stored =
        detail && full.length > 0
          ? await this.#p.vault.readIdentifiers(full, IDENTIFIER_FIELDS, trx)
          : new Map<string, Partial<Record<IdentifierField, string>>>()
      const answers: ErasureAnswer[] = []
      const ledger: { subjectId: string; erasedAt: Date; kind: ErasureKind; holds: string[] }[] = []
      const audit: AuditRecordInput[] = []
      const common = {
        actor: request.actor,
        ...(request.requestId ? { requestId: request.requestId } : {}),
      }
      if (full.length > 0) {
        await this.#p.vault.shred(full, trx)
        const deleted = await this.#p.records.deleteAll(full, trx)
        const requested = new Set(locked.filter((s) => s.erasureRequestedAt !== null).map((s) => s.id))
        for (const id of full) {
          answers.push({
            subjectId: id,
            erasedAt: now,
            outcome: 'erased',
            erased: {
              identifiers: IDENTIFIER_FIELDS.filter((f) => f in (stored.get(id) ?? {})),
              records: reportedCounts(deleted.get(id)),
            },
            kept: [],
            restrictedTo: [],
          })
          ledger.push({
            subjectId: id,
            erasedAt: now,
            kind: requested.has(id) ? 'finished' : 'full',
            holds: [],
          })
        }
        for (const [kind, group] of groupBy(full, (id) => (requested.has(id) ? 'finished' : 'full')))
          audit.push({
            ...common,
            action: 'erase',
            subjectIds: group,
            reason: `${request.reason ? `${request.reason}; ` : ''}${
              kind === 'finished'
                ? 'held erasure finished: no legal hold left (Art. 17(1))'
                : 'erased by crypto-shredding (Art. 17(1)); no legal hold in force'
            }`,
          })
      }
      for (const id of ids.filter((i) => holds.has(i))) {
        const kept = holds.get(id) as Hold[]
        const plan = planHeldErasure(kept)
        const notes = plan.records.subject_note
          ? await this.#p.records.heldNotes(id, plan.records.subject_note, trx)
          : []
        const rekeyed = await this.#p.vault.shredExcept(
          id,
          plan.fields,
          notes.map((n) => ({ sealed: n.sealed_text, aad: NOTE_AAD })),
          trx,
        )
        for (const [i, note] of notes.entries()) {
          const sealed = rekeyed.resealed[i]
          if (sealed) await this.#p.records.resealNote(id, note.id, sealed, trx)
        }
        const deleted = await this.#p.records.deleteExcept(id, plan.records, trx)
        await this.#p.holdRecords.markErasureRequested([id], now, trx)
        await this.#p.permissions.restrictForErasure([{ subjectId: id, ...common }], trx)
        const parts = keptParts(kept, { fields: rekeyed.kept })
        answers.push({
          subjectId: id,
          erasedAt: now,
          outcome: 'held',
          erased: {
            identifiers: rekeyed.stored.filter((f) => !rekeyed.kept.includes(f)),
            records: reportedCounts(deleted),
          },
          kept: parts,
          restrictedTo: [...new Set(kept.map((h) => h.purpose))],
        })
        ledger.push({ subjectId: id, erasedAt: now, kind: 'held', holds: plan.holdIds })
        audit.push({
          ...common,
          action: 'erase',
          subjectIds: [id],
          // What was kept, why and until when; field and kind names, never values.
          fields: rekeyed.kept,
          reason: `${request.reason ? `${request.reason}; ` : ''}erased except what legal holds keep (Art. 17(3)), restricted (Art. 18(2)): ${parts
            .map(
              (p) =>
                `${[...p.fields, ...p.records.map((r) => r.kind)].join(', ') || 'nothing stored'} (${p.exception}, ${p.law}) ${
                  p.until
                    ? `until ${p.until.toISOString().slice(0, 10)}`
                    : p.untilEvent === 'paid'
                      ? 'until paid'
                      : 'until lifted'
                }`,
            )
            .join('; ')}`,
        })
      }
      await this.#p.holdRecords.appendLedger(ledger, trx)
      await this.#p.audit.append(audit, trx)
      await this.#p.events?.emit('subject.erased', ids, trx)
      // Last, before the commit: the ledger file outside the database's backup, flushed to disk. If
      // it can't be written, the erasure fails whole (a restore could not replay it).
      if (request.ledgerFile !== false) this.#p.ledgerFile?.append(ledger)
      return answers
    })
  }

  /**
   * One keyset page of subjects for a purpose, with the pseudonymous fields the role may see.
   * Erased subjects are not listed; subjects the purpose may not use (on the channel) are left out
   * of the page. Purpose and channel are checked before anything is read, also for an empty page
   * (an export validates by its first page). With `count`, also how many subjects of the list the
   * purpose may use (`total`) and may not (`excluded`), counted in SQL over the whole set.
   */
  async page(
    request: Omit<UseRequest, 'subjectIds'> & {
      query: SubjectListQuery
      count?: boolean
      /**
       * A list's columns: of `fields`, only those the role may see for the purpose are asked for;
       * the others are left out of the page without a record of their withholding (a list that
       * shows what its viewer may see asks for nothing else). A read of named fields (an export,
       * one contact) records what was withheld.
       */
      permittedOnly?: boolean
    },
  ): Promise<
    UseResult & {
      hasMore: boolean
      last: { id: string; createdAt: Date; updatedAt: Date } | undefined
      total?: number
      excluded?: number
      excludedBy?: Record<string, number>
      /** When `total` was counted: now, or minutes ago where counting is expensive (ListCountCache). */
      countedAt?: Date
    }
  > {
    const { query, count, permittedOnly, ...asked } = request
    // A list names its purpose in the query string, not in a body.
    const purpose = await this.#purpose(asked.purpose, asked).catch((error: unknown) => {
      throw error instanceof ProblemError && error.kind === 'validation'
        ? new ProblemError('validation', error.detail, {
            errors: error.errors?.map((e) => ({ ...e, in: 'query' })) ?? [],
          })
        : error
    })
    // A purpose with several channels is listed for one of them (the decision depends on it).
    const rest = { ...asked, channel: await this.#p.permissions.channelFor(purpose.key, asked.channel) }
    const split = this.#split(rest.fields, rest.actor.role, purpose)
    const fields = permittedOnly ? { ...split, denied: [] } : split
    // Filtering on an attribute is using it: only on attributes the role may see for this purpose,
    // with values of the catalog (a list asks for subjects having all its values).
    for (const [key, value] of Object.entries(query.attributes ?? {})) {
      if (!this.#p.fields.isAttribute(key))
        throw invalidField('query', `attributes.${key}`, 'is not an attribute of the field catalog')
      if (!fields.allowed.includes(key))
        throw new ProblemError('forbidden', `your role may not filter on ${key} for this purpose`, {
          errors: [
            { in: 'query', field: `attributes.${key}`, reason: 'your role may not use this attribute here' },
          ],
        })
      const problem = this.#p.fields.valueProblem(key, value)
      if (problem) throw invalidField('query', `attributes.${key}`, problem)
    }
    // The page and its verdicts in one statement; the first page's count beside it.
    const [{ subjects: rows, denied, sealed }, counted] = await this.#both(
      () =>
        this.#p.permissions.checkPage({
          purposeKey: purpose.key,
          channel: rest.channel,
          specialCategory: fields.specialCategory,
          page: this.#p.subjects.listQuery({ ...query, limit: query.limit + 1 }),
          order: SubjectRepository.orderOf(query),
          // The plain list (no kind, no attributes) is the one every page view runs; its plan is
          // the same index walk whatever the cursor. A filtered list stays planned per request: a
          // rare kind wants another plan than a common one.
          prepared: query.kind === undefined && Object.keys(query.attributes ?? {}).length === 0,
          // The identity records of the people the page may show, in the same round trip.
          sealed: fields.identifiers.length > 0,
        }),
      async () =>
        count
          ? this.#listCounts.get(
              // The purpose as a whole: a changed legal basis or scope is another plan, another count.
              JSON.stringify([
                purpose,
                rest.channel,
                query.kind ?? null,
                query.attributes ?? {},
                fields.specialCategory,
              ]),
              () =>
                this.#p.permissions.countListed({
                  purposeKey: purpose.key,
                  channel: rest.channel,
                  kind: query.kind,
                  attributes: query.attributes,
                  specialCategory: fields.specialCategory,
                }),
            )
          : undefined,
    )
    const page = rows.slice(0, query.limit)
    const result = await this.#decide(rest, purpose, fields, page, denied, {
      listWithoutFields: true,
      ...(sealed ? { sealed } : {}),
    })
    const last = page.at(-1)
    return {
      ...result,
      hasMore: rows.length > query.limit,
      // The cursor moves past denied subjects too, so a page never repeats.
      last: last && { id: last.id, createdAt: last.created_at, updatedAt: last.updated_at },
      ...(counted
        ? {
            total: counted.usable,
            excluded: counted.excluded,
            excludedBy: counted.excludedBy,
            countedAt: counted.countedAt,
          }
        : {}),
    }
  }

  /**
   * How many subjects of a list (not erased, of `kind`) the purpose may use on the channel with
   * these fields, how many it may not, and why (by first denial rule) — what a list's first page or
   * an export would hold, without reading anyone: an aggregate, not audited. The purpose and channel
   * are checked as for a read (the role must be in the purpose's scope).
   */
  async count(request: {
    actor: GateActor
    purpose: string
    channel?: string | undefined
    kind?: string | undefined
    fields: readonly PersonalField[]
    requestId?: string | undefined
  }): Promise<{ total: number; excluded: number; excludedBy: Record<string, number> }> {
    const purpose = await this.#purpose(request.purpose, request)
    const channel = await this.#p.permissions.channelFor(purpose.key, request.channel)
    const fields = this.#split(request.fields, request.actor.role, purpose)
    const counted = await this.#p.permissions.countListed({
      purposeKey: purpose.key,
      channel,
      kind: request.kind,
      specialCategory: fields.specialCategory,
    })
    return { total: counted.usable, excluded: counted.excluded, excludedBy: counted.excludedBy }
  }

  /** Both results; side by side where the database allows it, else the first, then the second. */
  async #both<A, B>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
    if (this.#p.concurrentReads) return Promise.all([a(), b()])
    const first = await a()
    return [first, await b()]
  }

  /**
   * The purpose from the registry; with `who`, only when the actor's role may act under it
   * (Art. 5(1)(b): the purpose's scope names the roles) — otherwise the refusal is audited and 403.
   */
  async #purpose(
    key: string,
    who?: { actor: GateActor; requestId?: string | undefined },
  ): Promise<GatePurpose> {
    const purpose = await this.#p.purposes.find(key)
    if (!purpose) throw invalidField('body', 'purpose', 'is not a purpose in the registry')
    if (who) await requireActUnder(purpose, who, this.#p.audit)
    return purpose
  }
}

function toGated(
  row: SubjectRow,
  identifiers: Partial<Record<IdentifierField, string>>,
  attributeFields: readonly AttributeField[],
): GatedSubject {
  const attributes: Partial<Record<AttributeField, unknown>> = {}
  for (const f of attributeFields) if (f in row.attributes) attributes[f] = row.attributes[f]
  return {
    id: row.id,
    kinds: row.kinds,
    source: row.source,
    identifiers,
    attributes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** 409: a subject whose erasure is held keeps what the holds need as it is, until the erasure finishes. */
function erasureRequested(): ProblemError {
  return new ProblemError(
    'conflict',
    'the subject’s erasure was asked for and is held by legal duties (Art. 17(3)): what is kept is not changed or merged',
  )
}

/** The fields a role was refused, as problem `errors` (the field category says why; never a value). */
function fieldErrors(denied: readonly FieldDenial[], where: string) {
  return denied.map((d) => ({
    in: where,
    field: d.field,
    reason:
      d.rule === 'role-lacks-field-category'
        ? `your role lacks the field category ${d.category}`
        : d.rule === 'purpose-lacks-field-category'
          ? `the purpose does not use the field category ${d.category}`
          : d.rule === 'unknown-field'
            ? 'is not a field of the catalog'
            : 'is a special category without an Art. 9 basis for this purpose',
  }))
}

/** The audit reason for fields withheld by one rule (field-access.ts): names the rule's own cause. */
function fieldDenialReason(
  rule: string,
  denied: readonly FieldDenial[],
  role: string,
  purposeKey: string,
): string {
  const categories = [...new Set(denied.map((d) => d.category))].join(', ')
  switch (rule) {
    case 'role-lacks-field-category':
      return `role ${role} lacks the field categories ${categories}`
    case 'purpose-lacks-field-category':
      return `purpose ${purposeKey} does not use the field categories ${categories}`
    case 'special-category-without-art9-basis':
      return `special categories (Art. 9(1)): purpose ${purposeKey} has no Art. 9(2) basis that these fields serve`
    case 'unknown-field':
      return 'not fields of the catalog'
    default:
      return `withheld: ${rule}`
  }
}

/**
 * The records an erasure deleted, per kind the person can read about (those with a section of
 * their own in the access report; an order's lines go with the order), leaving out kinds with none.
 */
function reportedCounts(deleted: ReadonlyMap<string, number> | undefined): { kind: string; count: number }[] {
  if (!deleted) return []
  return RECORD_KINDS.filter((k) => 'title' in k.report).flatMap((k) => {
    const count = deleted.get(k.table) ?? 0
    return count > 0 ? [{ kind: k.table, count }] : []
  })
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}
