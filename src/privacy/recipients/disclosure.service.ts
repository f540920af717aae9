import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { FieldCategory } from '../fields/field-catalog.ts'
import type { RecipientRepository, SubjectDisclosure } from './recipient.repository.ts'
import type { RecipientService } from './recipient.service.ts'
import type { DisclosureChannel, Recipient, TransferVerdict } from './recipient.ts'

/** Who discloses: the audit actor (a user, a token, the webhook job) and the request. */
export interface DisclosureContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** A disclosure whose record is open: its subjects are added as they leave. */
export interface OpenDisclosure {
  id: string
  /** Records that these subjects' data leaves now (one statement for the set). */
  add(subjectIds: readonly string[], trx?: Kysely<Schema>): Promise<void>
}

/** A disclosure the gate allowed: to whom, on which ground, and what of the fields may go. */
export interface AuthorizedDisclosure {
  recipient: Recipient
  verdict: TransferVerdict
  /** Splits fields into those of categories the recipient receives and those withheld. */
  receivable<F extends string>(fields: readonly F[]): { allowed: F[]; withheld: F[] }
  /** Opens the disclosure's record (to be filled with `add` before each subject's data leaves). */
  open(
    args: { channel: DisclosureChannel; fields: readonly string[]; reference?: string | undefined },
    trx?: Kysely<Schema>,
  ): Promise<OpenDisclosure>
}

/**
 * The disclosure gate (Art. 44-49, Art. 15(1)(c), Art. 19): before any byte of personal data leaves
 * Tresor for an external recipient, the transfer to it must be lawful today — else the refusal is
 * audited and thrown as 403 naming the recipient and what is missing — and the purpose one it
 * receives; only fields of the categories it receives go; and each subject's disclosure is recorded
 * (`disclosure`, `disclosure_subject`) so the person can be told to whom (Art. 15(1)(c)) and the
 * recipients of a rectification, erasure or restriction are known (Art. 19). What the role and the
 * purpose allow is the gate's business before this.
 */
export class DisclosureService {
  readonly #recipients: RecipientService
  readonly #repo: RecipientRepository
  readonly #audit: AuditWriter
  readonly #categoryOf: (field: string) => FieldCategory | undefined
  readonly #clock: () => Date

  constructor(deps: {
    recipients: RecipientService
    repository: RecipientRepository
    audit: AuditWriter
    /** The field catalog's category of a field. */
    categoryOf: (field: string) => FieldCategory | undefined
    clock?: () => Date
  }) {
    this.#recipients = deps.recipients
    this.#repo = deps.repository
    this.#audit = deps.audit
    this.#categoryOf = deps.categoryOf
    this.#clock = deps.clock ?? (() => new Date())
  }

  /**
   * Allows a disclosure of data under `purpose` to the recipient, or refuses it: 400 for an unknown
   * recipient (naming `recipient` in `where`), 403 when the transfer isn't lawful (each gap named)
   * or the recipient doesn't receive data for the purpose. Refusals are audited as `denied`.
   */
  async authorize(
    args: DisclosureContext & { recipientId: string; purpose: string; where: string },
  ): Promise<AuthorizedDisclosure> {
    const { recipientId, purpose, where } = args
    const recipient = isUuid(recipientId) ? await this.#recipients.find(recipientId) : undefined
    if (!recipient)
      throw invalidField(
        where,
        'recipient',
        'there is no such recipient (an id of the registry, or internal)',
      )
    const verdict = await this.#recipients.verdictOf(recipient)
    const label = `${recipient.name} (${recipient.country})`
    if (!verdict.lawful) {
      await this.#refused(
        args,
        recipient,
        `transfer not lawful: ${verdict.missing.map((m) => m.field).join(', ')}`,
      )
      throw new ProblemError(
        'forbidden',
        `the disclosure to ${label} is refused: ${verdict.missing.map((m) => m.reason).join('; ')}`,
        {
          errors: verdict.missing.map((m) => ({
            in: where,
            field: 'recipient',
            reason: `${label}, ${m.field}: ${m.reason}`,
          })),
        },
      )
    }
    if (!recipient.purposes.includes(purpose)) {
      await this.#refused(args, recipient, `the recipient does not receive data for ${purpose}`)
      throw new ProblemError('forbidden', `${label} does not receive data for the purpose ${purpose}`, {
        errors: [
          {
            in: where,
            field: 'purpose',
            reason: `${label} receives data only for ${recipient.purposes.join(', ') || 'no purpose'} (the registry's purposes of the recipient)`,
          },
        ],
      })
    }
    const categories = new Set<string>(recipient.fieldCategories)
    return {
      recipient,
      verdict,
      receivable: (fields) => {
        const allowed = fields.filter((f) => {
          const c = this.#categoryOf(f)
          return c !== undefined && categories.has(c)
        })
        return { allowed, withheld: fields.filter((f) => !allowed.includes(f)) }
      },
      open: async ({ channel, fields, reference }, trx) => {
        const id = randomUUID()
        await this.#repo.insertDisclosure(
          {
            id,
            recipient_id: recipient.id,
            at: this.#clock(),
            channel,
            purpose_key: purpose,
            fields: [...fields],
            actor_type: args.actor.type,
            actor_id: args.actor.id,
            request_id: args.requestId ?? null,
            reference: reference ?? null,
          },
          trx,
        )
        return { id, add: (subjectIds, tx) => this.#repo.insertDisclosureSubjects(id, subjectIds, tx ?? trx) }
      },
    }
  }

  async #refused(
    ctx: DisclosureContext & { purpose: string },
    recipient: Recipient,
    why: string,
  ): Promise<void> {
    await this.#audit.append([
      {
        actor: ctx.actor,
        action: 'denied',
        purpose: ctx.purpose,
        reason: `disclosure to recipient ${recipient.id} (${recipient.country}) refused: ${why}`,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      },
    ])
  }

  /**
   * To whom the subject's data was disclosed, when, which fields, under which purpose (newest
   * first): the Art. 15(1)(c) answer and the list Art. 19 notifications go to. 404 for an unknown
   * subject; the reading is audited.
   */
  async ofSubject(subjectId: string, ctx: DisclosureContext, limit = 500): Promise<SubjectDisclosure[]> {
    if (!isUuid(subjectId) || !(await this.#repo.subjectExists(subjectId)))
      throw new ProblemError('not-found', 'there is no such subject')
    const items = await this.#repo.disclosuresOf(subjectId, limit)
    await this.#audit.append([
      {
        actor: ctx.actor,
        action: 'read',
        subjectIds: [subjectId],
        reason: `disclosures to recipients listed (Art. 15(1)(c), 19): ${items.length}`,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      },
    ])
    return items
  }
}
