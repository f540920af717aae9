import { ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { FieldCategory } from '../../privacy/fields/field-catalog.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { ConsentProofViewJson, ConsentRecords27560 } from './consent-proof.schemas.ts'
import {
  type ConsentProofRetention,
  consentProofRetention,
  keepProofUntil,
  retainedChannels,
} from './consent-proof-retention.ts'
import { consentProofView } from './consent-proof-view.ts'
import { iso27560Records } from './iso-27560-records.ts'

/**
 * The field category a role needs to read a subject's consents: whether and how a person may be
 * contacted belongs with their contact data — the 360° view's permissions part asks the same.
 */
export const CONSENT_PROOF_CATEGORY: FieldCategory = 'contact'

/** Looks up a staff member by user id (the access service). */
export interface StaffDirectory {
  findUserById(id: string): Promise<{ email: string; displayName: string | null } | undefined>
}

/**
 * Art. 7(1) and Art. 5(2): the controller must be able to demonstrate every consent. This service
 * shows a subject's consents as proof — the state per purpose and channel, every event with its
 * proof, the do-not-contact objection — as JSON or as ISO/IEC TS 27560 consent records (DPV), and
 * says until when consent proof must be kept (§ 7a UWG). Reads go through the permission service;
 * the role needs the contact category and every look is audited, like any read of personal data.
 */
export class ConsentProofService {
  readonly #permissions: PermissionService
  readonly #purposes: PurposeService
  readonly #roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
  readonly #audit: AuditWriter
  readonly #users: StaffDirectory | undefined
  readonly #clock: () => Date
  constructor(deps: {
    permissions: PermissionService
    purposes: PurposeService
    roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
    audit: AuditWriter
    /** Names the staff members who recorded events (Art. 7(1): who collected the consent). */
    users?: StaffDirectory
    clock?: () => Date
  }) {
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#roles = deps.roles
    this.#audit = deps.audit
    this.#users = deps.users
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** The subject's consents as proof (state, events with proof, objections, retention); audited. */
  async view(ctx: RequestContext, subjectId: string): Promise<ConsentProofViewJson> {
    return (await this.#read(ctx, subjectId, 'consent state and proof viewed')).view
  }

  /** The same as ISO/IEC TS 27560 consent records in JSON-LD with W3C DPV terms; audited. */
  async records27560(ctx: RequestContext, subjectId: string): Promise<ConsentRecords27560> {
    const { view, purposes } = await this.#read(
      ctx,
      subjectId,
      'consent state and proof viewed as ISO/IEC TS 27560 records',
    )
    return iso27560Records(view, purposes)
  }

  /**
   * § 7a UWG: the consents of these subjects whose proof must still be kept, each with until when
   * (the later of the last grant and the last use, plus five years for phone advertising). One
   * query over the set; for the retention sweep, which must not erase such proof before its time.
   * Not audited: it reads no personal data, only dates of the subjects' own consent events.
   */
  async proofRetention(subjectIds: readonly string[]): Promise<ConsentProofRetention[]> {
    return this.#retention(subjectIds, await this.#purposeMap())
  }

  /** Per subject, the date until which some consent proof of theirs must be kept (none: absent). */
  async keepProofUntil(subjectIds: readonly string[]): Promise<Map<string, Date>> {
    return keepProofUntil(await this.proofRetention(subjectIds))
  }

  async #purposeMap(): Promise<Map<string, Purpose>> {
    return new Map((await this.#purposes.list()).map((p) => [p.key, p]))
  }

  async #retention(
    subjectIds: readonly string[],
    purposes: ReadonlyMap<string, Purpose>,
  ): Promise<ConsentProofRetention[]> {
    return consentProofRetention(
      await this.#permissions.consentUses(subjectIds, retainedChannels()),
      purposes,
    )
  }

  /**
   * Refuses (403, audited as a denial) a role without the contact category: a subject's consents,
   * objections and permission state are theirs to see only with it. The permission routes ask the
   * same before showing or changing a subject's permissions.
   */
  async assertMayRead(ctx: RequestContext, subjectId: string, what = 'consent proof'): Promise<void> {
    if (this.#roles.fieldCategoriesOf(ctx.actor.role).includes(CONSENT_PROOF_CATEGORY)) return
    // A refusal is audited like every denial of the gate (DESIGN.md, "the one rule").
    await this.#audit.append([
      {
        actor: ctx.actor,
        action: 'denied',
        subjectIds: [subjectId],
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        reason: `${what}: role ${ctx.actor.role} lacks the field category ${CONSENT_PROOF_CATEGORY}`,
      },
    ])
    throw new ProblemError('forbidden', `your role lacks the field category ${CONSENT_PROOF_CATEGORY}`)
  }

  /** The view with the staff members who recorded its events named (users only; ids stay). */
  async #named(view: ConsentProofViewJson): Promise<ConsentProofViewJson> {
    const users = this.#users
    if (!users) return view
    const ids = [
      ...new Set(
        [...view.events, ...view.objectionEvents].flatMap((e) =>
          e.recordedBy.type === 'user' && isUuid(e.recordedBy.id) ? [e.recordedBy.id] : [],
        ),
      ),
    ]
    const found = await Promise.all(ids.map(async (id) => [id, await users.findUserById(id)] as const))
    const names = new Map(found.flatMap(([id, u]) => (u ? [[id, u.displayName ?? u.email] as const] : [])))
    const name = <T extends { recordedBy: { type: string; id: string } }>(e: T): T => {
      const n = e.recordedBy.type === 'user' ? names.get(e.recordedBy.id) : undefined
      return n ? { ...e, recordedBy: { ...e.recordedBy, name: n } } : e
    }
    return { ...view, events: view.events.map(name), objectionEvents: view.objectionEvents.map(name) }
  }

  async #read(
    ctx: RequestContext,
    subjectId: string,
    reason: string,
  ): Promise<{ view: ConsentProofViewJson; purposes: Map<string, Purpose> }> {
    const requestId = ctx.requestId ? { requestId: ctx.requestId } : {}
    await this.assertMayRead(ctx, subjectId)
    const [state] = await this.#permissions.stateOf([subjectId])
    if (!state) throw new ProblemError('not-found', 'there is no such subject')
    const purposes = await this.#purposeMap()
    const [history, retention] = await Promise.all([
      this.#permissions.history(subjectId),
      this.#retention([subjectId], purposes),
    ])
    const view = await this.#named(
      consentProofView({ state, history, purposes, retention, now: this.#clock() }),
    )
    // Nothing is returned unless the look is on record (Art. 5(2)).
    await this.#audit.append([
      { actor: ctx.actor, action: 'read', subjectIds: [subjectId], ...requestId, reason },
    ])
    return { view, purposes }
  }
}
