import type { Kysely } from 'kysely'
import { decodeCursor, encodeCursor } from '../../platform/cursor.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import {
  IDENTIFIER_FIELDS,
  type IdentifierField,
  type PersonalField,
} from '../../privacy/fields/field-catalog.ts'
import type { Gate, GatedSubject, NewSubject } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { ErasureAnswer } from '../../privacy/holds/hold.ts'
import type { ConsentEventInput } from '../../privacy/permissions/permission.service.ts'
import type { SubjectSort } from '../../privacy/subjects/subject-kinds.ts'
import type { NewSubjectInput, Subject, SubjectListQuery, SubjectPatch } from './subject.schemas.ts'

/**
 * The purpose of everyday CRM work (looking a contact up, keeping the record): legitimate
 * interest in maintaining the business relationship, so an objection (Art. 21(1)) ends it.
 * Callers name another purpose when they work for one (a campaign, an invoice).
 */
export const CONTACT_MANAGEMENT_PURPOSE = 'contact_management'

const toSubject = (s: GatedSubject): Subject => ({
  id: s.id,
  kinds: s.kinds,
  source: s.source,
  identifiers: s.identifiers,
  // The attribute values were validated against the schema when they were written.
  attributes: s.attributes as Subject['attributes'],
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
})

export type { RequestContext }

/** The identifiers a list page carries where the role and the purpose may see them. */
export const LIST_IDENTIFIER_FIELDS = [
  'firstName',
  'lastName',
  'email',
] as const satisfies readonly IdentifierField[]

/** The `attributes` query parameter: a JSON object of attribute → value. */
function parseAttributeFilter(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalidField('query', 'attributes', 'is not a JSON object')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidField('query', 'attributes', 'is not a JSON object')
  return value as Record<string, unknown>
}

/** Subjects as the CRM sees them: every read and write goes through the privacy gate. */
/** Consents given together with a new subject (a letter, a signed form): recorded in its transaction. */
export interface ConsentRecorder {
  /** Whether the role may record consents (the `permissions:write` permission). */
  mayRecord(role: string): boolean
  record(events: readonly ConsentEventInput[], trx: Kysely<Schema>): Promise<unknown>
}

export class SubjectService {
  readonly #gate: Gate
  readonly #count: (kind?: string, attributes?: Record<string, unknown>) => Promise<number>
  readonly #consents: ConsentRecorder | undefined
  constructor(
    gate: Gate,
    count: (kind?: string, attributes?: Record<string, unknown>) => Promise<number>,
    consents?: ConsentRecorder,
  ) {
    this.#gate = gate
    this.#count = count
    this.#consents = consents
  }

  /**
   * The subjects with this e-mail address (case-insensitive): a lookup through the blind index,
   * nothing decrypted to search; the found subjects are read through the gate for the purpose.
   */
  async findByEmail(
    ctx: RequestContext,
    email: string,
    purpose: string = CONTACT_MANAGEMENT_PURPOSE,
  ): Promise<{ items: Subject[]; nextCursor: null; total: number }> {
    const result = await this.#gate.readByEmail({
      ...this.#use(ctx, purpose),
      email,
      fields: this.#allFields(),
    })
    return { items: result.subjects.map(toSubject), nextCursor: null, total: result.subjects.length }
  }

  async list(
    ctx: RequestContext,
    query: SubjectListQuery,
  ): Promise<{
    items: Subject[]
    nextCursor: string | null
    total?: number
    excluded?: number
    excludedBy?: Record<string, number>
    countedAt?: string
  }> {
    const purpose = query.purpose ?? CONTACT_MANAGEMENT_PURPOSE
    let after: { value: Date; id: string } | undefined
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, query.sort, query.order)
      const value = new Date(cursor.value)
      if (Number.isNaN(value.getTime()))
        throw invalidField('query', 'cursor', 'is not a cursor this API issued')
      after = { value, id: cursor.id }
    }
    const page = await this.#gate.page({
      ...this.#use(ctx, purpose),
      ...(query.channel === undefined ? {} : { channel: query.channel }),
      // A list shows the pseudonymous attributes and, where the role and the purpose allow them,
      // the name and e-mail address: the gate decides the fields once for the page, records one read
      // naming them and decrypts them in one vault read (a role without them keeps the pseudonymous view).
      fields: [...LIST_IDENTIFIER_FIELDS, ...this.#gate.fields.attributes()],
      // The columns the viewer may see: a special category the purpose has no Art. 9 basis for (or
      // a category the role lacks) is not asked for, so each page is one audit record, not two.
      permittedOnly: true,
      query: {
        limit: query.limit,
        sort: query.sort as SubjectSort,
        order: query.order,
        kind: query.kind,
        attributes: parseAttributeFilter(query.attributes),
        after,
      },
      // Counted for the first page only; later pages skip the scan (see the Page schema). Only the
      // subjects the purpose may use count: a total must not reveal those it may not.
      count: after === undefined,
    })
    const last = page.last
    const nextCursor =
      page.hasMore && last
        ? encodeCursor({
            sort: query.sort,
            order: query.order,
            value: (query.sort === 'createdAt' ? last.createdAt : last.updatedAt).toISOString(),
            id: last.id,
          })
        : null
    return {
      items: page.subjects.map(toSubject),
      nextCursor,
      ...(page.total === undefined
        ? {}
        : {
            total: page.total,
            excluded: page.excluded ?? 0,
            excludedBy: page.excludedBy ?? {},
            countedAt: (page.countedAt ?? new Date()).toISOString(),
          }),
    }
  }

  /** Art. 5(1)(d): merges the duplicate into the subject `id` (see Gate.combine); returns the survivor. */
  async merge(ctx: RequestContext, id: string, duplicateId: string, reason: string): Promise<Subject> {
    await this.#gate.combine({
      actor: ctx.actor,
      survivorId: id,
      duplicateId,
      reason,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    })
    return this.get(ctx, id)
  }

  /**
   * Likely duplicates of a subject (Art. 5(1)(d)): the same e-mail address or phone number, or the
   * same first and last name words; each with what matched (`email`, `phone`, `first_name`, `last_name`).
   */
  async duplicates(
    ctx: RequestContext,
    id: string,
    purpose = CONTACT_MANAGEMENT_PURPOSE,
  ): Promise<{ items: { subject: Subject; matched: string[] }[] }> {
    const result = await this.#gate.duplicatesOf({
      ...this.#use(ctx, purpose),
      subjectId: id,
      fields: this.#allFields(),
    })
    return {
      items: result.subjects.map((s) => ({ subject: toSubject(s), matched: result.matches.get(s.id) ?? [] })),
    }
  }

  /** Subjects whose names contain every word of `name`, through the name blind index (up to 50). */
  async findByName(
    ctx: RequestContext,
    name: string,
    purpose = CONTACT_MANAGEMENT_PURPOSE,
  ): Promise<{ items: Subject[]; nextCursor: null; total: number }> {
    const result = await this.#gate.readByName({
      ...this.#use(ctx, purpose),
      name,
      fields: this.#allFields(),
      limit: 50,
    })
    return { items: result.subjects.map(toSubject), nextCursor: null, total: result.subjects.length }
  }

  /**
   * The names and e-mail addresses of a few subjects, for lists of something else (the requests
   * inbox): one gated read for all of them under the purpose, audited once. Fields the role or the
   * purpose may not use are left out, and so are subjects the purpose may not use (erased,
   * restricted, objected): the list shows those pseudonymously.
   */
  async namesOf(
    ctx: RequestContext,
    ids: readonly string[],
    purpose = CONTACT_MANAGEMENT_PURPOSE,
  ): Promise<Map<string, Partial<Record<(typeof LIST_IDENTIFIER_FIELDS)[number], string>>>> {
    const names = new Map<string, Partial<Record<(typeof LIST_IDENTIFIER_FIELDS)[number], string>>>()
    if (ids.length === 0) return names
    const result = await this.#gate
      .use({
        ...this.#use(ctx, purpose),
        subjectIds: [...new Set(ids)],
        fields: LIST_IDENTIFIER_FIELDS,
        reason: 'names shown in a list',
      })
      .catch((error: unknown) => {
        // A role that may not act under the purpose (refused and audited by the gate) keeps the
        // pseudonymous list.
        if (error instanceof ProblemError && error.kind === 'forbidden') return undefined
        throw error
      })
    if (!result) return names
    for (const s of result.subjects) {
      const picked: Partial<Record<(typeof LIST_IDENTIFIER_FIELDS)[number], string>> = {}
      for (const f of LIST_IDENTIFIER_FIELDS) {
        const v = s.identifiers[f]
        if (v !== undefined) picked[f] = v
      }
      if (Object.keys(picked).length > 0) names.set(s.id, picked)
    }
    return names
  }

  async get(
    ctx: RequestContext,
    id: string,
    purpose = CONTACT_MANAGEMENT_PURPOSE,
    channel?: string,
  ): Promise<Subject> {
    const result = await this.#gate.use({
      ...this.#use(ctx, purpose),
      ...(channel === undefined ? {} : { channel }),
      subjectIds: [id],
      fields: this.#allFields(),
    })
    const subject = result.subjects[0]
    if (subject) return toSubject(subject)
    const denial = result.denied[0]
    if (denial?.rule === 'erased') {
      // Merged into another contact (its data lives on there): 410 with the survivor's id, so a
      // system that kept the old id can follow it.
      const survivor = await this.#gate.survivorOf(id)
      if (survivor)
        throw new ProblemError('gone', 'the contact was merged into another', { mergedInto: survivor })
      // Erased (Art. 17) is gone for every purpose: to the CRM it no longer exists.
      throw new ProblemError('not-found', 'no such subject')
    }
    // A subject the purpose may not use is refused with the rule, never with its data.
    if (denial)
      throw new ProblemError('forbidden', `the purpose ${purpose} may not use this subject: ${denial.rule}`)
    throw new ProblemError('not-found', 'no such subject')
  }

  async create(ctx: RequestContext, input: NewSubjectInput): Promise<Subject> {
    const consents = input.consents ?? []
    if (consents.length > 0 && !this.#consents?.mayRecord(ctx.actor.role))
      throw new ProblemError('forbidden', 'recording consents needs the permission permissions:write', {
        errors: [{ in: 'body', field: 'consents', reason: 'your role may not record consents' }],
      })
    const recorder = this.#consents
    const [id] = await this.#gate.collect({
      actor: ctx.actor,
      ...(input.purpose ? { purpose: input.purpose } : {}),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      // Art. 7(1), 9(2)(a): consents given with the data (a signed form, a letter) are recorded in
      // the same transaction, so an explicit consent counts for the special categories stored with it.
      ...(consents.length > 0 && recorder
        ? {
            alsoInTransaction: async (ids: readonly string[], trx: Kysely<Schema>) => {
              await recorder.record(
                consents.map((c) => ({
                  ...c,
                  subjectId: ids[0] as string,
                  actor: ctx.actor,
                  ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
                })),
                trx,
              )
            },
          }
        : {}),
      subjects: [
        {
          kinds: input.kinds,
          source: input.source ?? 'manual',
          attributes: input.attributes ?? {},
          identifiers: input.identifiers as Partial<Record<IdentifierField, string>>,
        },
      ],
    })
    // Read back for everyday contact management, not for the collection purpose: that one may need a
    // consent not given yet (a double opt-in pending, an Art. 9 explicit consent to follow).
    return this.get(ctx, id as string, CONTACT_MANAGEMENT_PURPOSE)
  }

  /** Stores a batch of new subjects in one transaction, audited as one import. */
  importMany(
    ctx: RequestContext,
    subjects: readonly (NewSubject & { identifiers: Partial<Record<IdentifierField, string>> })[],
  ): Promise<string[]> {
    return this.#gate.collect({
      actor: ctx.actor,
      action: 'import',
      subjects,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    })
  }

  /** Art. 16: corrects the subject's data, with the reason; returns the subject as it is now. */
  async rectify(ctx: RequestContext, id: string, patch: SubjectPatch): Promise<Subject> {
    const purpose = patch.purpose ?? CONTACT_MANAGEMENT_PURPOSE
    if (!patch.identifiers && !patch.attributes && !patch.kinds)
      throw invalidField('body', 'identifiers', 'name at least one field to change')
    await this.#gate.rectify({
      actor: ctx.actor,
      purpose,
      subjectId: id,
      ...(patch.identifiers
        ? { identifiers: patch.identifiers as Partial<Record<IdentifierField, string | null>> }
        : {}),
      ...(patch.attributes ? { attributes: patch.attributes } : {}),
      ...(patch.kinds ? { kinds: patch.kinds } : {}),
      reason: patch.reason,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    })
    return this.get(ctx, id, purpose)
  }

  /**
   * Art. 17: erases the subject, keeping only what legal holds in force need (Art. 17(3); see
   * `Gate.eraseSubjects`), and returns the answer to the person: what was erased, what was kept,
   * why and until when. A subject whose erasure is held already is erased again with the holds in
   * force now (finished, when none is left). 404 for an unknown or erased subject.
   */
  async erase(ctx: RequestContext, id: string, reason?: string): Promise<ErasureAnswer> {
    const [answer] = await this.#gate.eraseSubjects({
      actor: ctx.actor,
      subjectIds: [id],
      ...(reason ? { reason } : {}),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    })
    if (!answer) throw new ProblemError('not-found', 'no such subject, or already erased')
    return answer
  }

  /** Subjects not erased; for start-up checks and the UI's totals. */
  count(kind?: string): Promise<number> {
    return this.#count(kind)
  }

  /** Every identifier and every attribute of the field catalog (the gate keeps what the role may see). */
  #allFields(): PersonalField[] {
    return [...IDENTIFIER_FIELDS, ...this.#gate.fields.attributes()]
  }

  #use(ctx: RequestContext, purpose: string) {
    return { actor: ctx.actor, purpose, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) }
  }
}
