import { isDeepStrictEqual } from 'node:util'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { type FieldError, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { FIELD_CATEGORIES, type FieldCategory } from '../fields/field-catalog.ts'
import { ADEQUACY_SEED } from './adequacy-seed.ts'
import {
  type RecipientRepository,
  type RecipientRow,
  toRecipient,
  toRecipientColumns,
} from './recipient.repository.ts'
import type {
  AdequacyDecision,
  Art49Point,
  Recipient,
  RecipientRole,
  RecipientWithVerdict,
  SccModule,
  TransferMechanism,
  TransferVerdict,
} from './recipient.ts'
import { dayOf, transferVerdict } from './transfer-check.ts'

/** Who changes the registry, for the audit record. */
export interface RecipientChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** A recipient as the API and the CLI enter it; what is left out is none. */
export interface NewRecipient {
  name: string
  role: RecipientRole
  country: string
  contractDate?: string | null | undefined
  mechanism: TransferMechanism
  dpfCertifiedOn?: string | null | undefined
  sccModule?: SccModule | null | undefined
  sccDate?: string | null | undefined
  bcrReference?: string | null | undefined
  derogation?: { point: Art49Point; reason: string } | null | undefined
  purposes?: readonly string[] | undefined
  fieldCategories?: readonly FieldCategory[] | undefined
  note?: string | null | undefined
}

/** The properties to change, each replaced whole. */
export type RecipientChanges = Partial<NewRecipient>

/** The properties of a recipient's definition, in the order the audit record names them. */
const PROPERTIES = [
  'name',
  'role',
  'country',
  'contractDate',
  'mechanism',
  'dpfCertifiedOn',
  'sccModule',
  'sccDate',
  'bcrReference',
  'derogation',
  'purposes',
  'fieldCategories',
  'note',
] as const satisfies readonly (keyof NewRecipient & keyof Recipient)[]

type Definition = Pick<Recipient, (typeof PROPERTIES)[number]>

const SYSTEM: AuditActor = { type: 'system', id: 'tresor' }
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' })

/** Whether the code is an ISO 3166-1 alpha-2 country the platform's ICU knows. */
export const isCountryCode = (code: string): boolean =>
  /^[A-Z]{2}$/.test(code) && code !== 'ZZ' && REGION_NAMES.of(code) !== code

const definitionOf = (input: NewRecipient): Definition => ({
  name: input.name,
  role: input.role,
  country: input.country,
  contractDate: input.contractDate ?? null,
  mechanism: input.mechanism,
  dpfCertifiedOn: input.dpfCertifiedOn ?? null,
  sccModule: input.sccModule ?? null,
  sccDate: input.sccDate ?? null,
  bcrReference: input.bcrReference ?? null,
  derogation: input.derogation ?? null,
  purposes: [...new Set(input.purposes ?? [])],
  fieldCategories: [...new Set(input.fieldCategories ?? [])],
  note: input.note ?? null,
})

/**
 * The registry of recipients (Art. 4(9), 28, 30(1)(d)-(e), 44-49) and the adequacy decisions it
 * judges transfers by. `list()` is what the record of processing activities reads: every recipient
 * with its country, mechanism and today's verdict. Every change is audited as `configure` with the
 * names of the changed properties, in the transaction that makes it.
 */
export class RecipientService {
  readonly #repo: RecipientRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #purposeExists: (key: string, trx?: Kysely<Schema>) => Promise<boolean>
  readonly #clock: () => Date

  constructor(deps: {
    repository: RecipientRepository
    db: Kysely<Schema>
    audit: AuditWriter
    /** Whether a purpose exists (the purpose registry); in the transaction when one is given. */
    purposeExists: (key: string, trx?: Kysely<Schema>) => Promise<boolean>
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#purposeExists = deps.purposeExists
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** Inserts the seeded adequacy decisions that are missing; never overwrites the DPO's `validUntil`. */
  async seed(decisions: readonly AdequacyDecision[] = ADEQUACY_SEED): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#repo.insertMissingDecisions(decisions, trx)
      if (inserted.length > 0)
        await this.#audit.append(
          [
            {
              actor: SYSTEM,
              action: 'configure',
              reason: `adequacy decisions seeded (Art. 45): ${inserted.join(', ')}`,
            },
          ],
          trx,
        )
      return inserted
    })
  }

  /** The adequacy decisions, by country. */
  decisions(): Promise<AdequacyDecision[]> {
    return this.#repo.decisions()
  }

  /**
   * Records the day a decision stops carrying transfers (a judgment, an expiry), or null when it is
   * in force again. Every recipient relying on it is judged anew at once. Audited.
   */
  async setDecisionValidUntil(
    country: string,
    validUntil: string | null,
    ctx: RecipientChangeContext,
  ): Promise<AdequacyDecision> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await this.#repo.setDecisionValidUntil(country, validUntil, trx)
      if (!updated) throw new ProblemError('not-found', `there is no adequacy decision for ${country}`)
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            fields: ['validUntil'],
            reason: `adequacy decision ${updated.decision} (${country}) valid until ${validUntil ?? 'further notice'}`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
      return updated
    })
  }

  /** Every recipient with its country, mechanism and today's verdict (retired ones too), by name. */
  async list(): Promise<RecipientWithVerdict[]> {
    const [rows, decisions] = [await this.#repo.list(), await this.#repo.decisions()]
    const today = dayOf(this.#clock())
    return rows.map((row) => this.#withVerdict(toRecipient(row), decisions, today))
  }

  /** One recipient with today's verdict; 404 when there is none. */
  async get(id: string): Promise<RecipientWithVerdict> {
    const row = await this.#repo.find(id)
    if (!row) throw new ProblemError('not-found', 'there is no such recipient')
    return this.#withVerdict(toRecipient(row), await this.#repo.decisions(), dayOf(this.#clock()))
  }

  /** Today's verdict on a disclosure to the recipient. */
  async verdictOf(recipient: Recipient): Promise<TransferVerdict> {
    return transferVerdict(recipient, await this.#repo.decisions(), dayOf(this.#clock()))
  }

  #withVerdict(r: Recipient, decisions: readonly AdequacyDecision[], today: string): RecipientWithVerdict {
    return { ...r, verdict: transferVerdict(r, decisions, today) }
  }

  /** Adds a recipient (version 1); audited. An unlawful transfer may be recorded: it is refused at each disclosure. */
  async create(input: NewRecipient, ctx: RecipientChangeContext): Promise<RecipientWithVerdict> {
    const definition = definitionOf(input)
    await this.#check(definition)
    const row = await this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#repo.insert(toRecipientColumns(definition), trx)
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            fields: [...PROPERTIES],
            reason: `recipient ${inserted.id} added (${definition.role}, ${definition.country}, ${definition.mechanism})`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
      return inserted
    })
    return this.get(row.id)
  }

  /** Changes the given properties (each replaced whole) and bumps the version; nothing differs: unchanged, nothing audited. */
  async update(
    id: string,
    changes: RecipientChanges,
    ctx: RecipientChangeContext,
  ): Promise<RecipientWithVerdict> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await this.#repo.findForUpdate(id, trx)
      if (!row) throw new ProblemError('not-found', 'there is no such recipient')
      const current = toRecipient(row)
      const next = definitionOf({ ...current, ...stripUndefined(changes) })
      const changed = PROPERTIES.filter((p) => !isDeepStrictEqual(current[p], next[p]))
      if (changed.length === 0) return
      await this.#check(next, trx)
      await this.#repo.update(id, toRecipientColumns(next), trx)
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            fields: changed,
            reason: `recipient ${id} changed`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
    })
    return this.get(id)
  }

  /**
   * Retires a recipient: it receives nothing more (exports refused, webhook deliveries refused),
   * while the disclosures made to it stay answerable (Art. 15(1)(c), 19). Audited.
   */
  async retire(id: string, ctx: RecipientChangeContext): Promise<RecipientWithVerdict> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await this.#repo.findForUpdate(id, trx)
      if (!row) throw new ProblemError('not-found', 'there is no such recipient')
      if (row.retired_at) return
      await this.#repo.update(id, { retired_at: this.#clock() }, trx)
      await this.#audit.append(
        [
          {
            actor: ctx.actor,
            action: 'configure',
            fields: ['retiredAt'],
            reason: `recipient ${id} retired`,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          },
        ],
        trx,
      )
    })
    return this.get(id)
  }

  /** The row of a recipient, for the disclosure gate. */
  async find(id: string): Promise<Recipient | undefined> {
    const row: RecipientRow | undefined = await this.#repo.find(id)
    return row && toRecipient(row)
  }

  /** Refuses a definition the registry can't hold, naming each property (400). */
  async #check(d: Definition, trx?: Kysely<Schema>): Promise<void> {
    const errors: FieldError[] = []
    const bad = (field: string, reason: string) => errors.push({ in: 'body', field, reason })
    if (!isCountryCode(d.country)) bad('country', `${d.country} is not an ISO 3166-1 alpha-2 country code`)
    for (const p of d.purposes)
      if (!(await this.#purposeExists(p, trx))) bad('purposes', `there is no purpose ${p}`)
    for (const c of d.fieldCategories)
      if (!(FIELD_CATEGORIES as readonly string[]).includes(c))
        bad('fieldCategories', `${c} is not a field category`)
    const today = dayOf(this.#clock())
    for (const [field, date] of [
      ['contractDate', d.contractDate],
      ['dpfCertifiedOn', d.dpfCertifiedOn],
      ['sccDate', d.sccDate],
    ] as const)
      if (date && date > today) bad(field, 'lies in the future: record it when it is signed or confirmed')
    if (d.contractDate && d.role !== 'processor' && d.role !== 'joint_controller')
      bad(
        'contractDate',
        'is the Art. 28(3) contract of a processor or the Art. 26 arrangement of joint controllers; this recipient is neither',
      )
    if (errors.length > 0)
      throw new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors,
      })
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
