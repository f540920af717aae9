import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely'
import type {
  AdequacyDecisionTable,
  DisclosureTable,
  RecipientTable,
  Schema,
} from '../../platform/db/schema.ts'
import type { FieldCategory } from '../fields/field-catalog.ts'
import type {
  AdequacyDecision,
  AdequacyScope,
  Art49Point,
  DisclosureChannel,
  Recipient,
  RecipientRole,
  SccModule,
  TransferMechanism,
} from './recipient.ts'

export type RecipientRow = Selectable<RecipientTable>
type AdequacyRow = Selectable<AdequacyDecisionTable>

export const toRecipient = (r: RecipientRow): Recipient => ({
  id: r.id,
  name: r.name,
  role: r.role as RecipientRole,
  country: r.country,
  contractDate: r.contract_date,
  mechanism: r.mechanism as TransferMechanism,
  dpfCertifiedOn: r.dpf_certified_on,
  sccModule: r.scc_module as SccModule | null,
  sccDate: r.scc_date,
  bcrReference: r.bcr_reference,
  derogation:
    r.derogation_point && r.derogation_reason
      ? { point: r.derogation_point as Art49Point, reason: r.derogation_reason }
      : null,
  purposes: r.purposes,
  fieldCategories: r.field_categories as FieldCategory[],
  note: r.note,
  retiredAt: r.retired_at,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** The columns of a recipient's definition (what the API and the CLI set). */
export type RecipientColumns = Required<
  Omit<Insertable<RecipientTable>, 'id' | 'retired_at' | 'version' | 'created_at' | 'updated_at'>
>

export const toRecipientColumns = (
  r: Omit<Recipient, 'id' | 'retiredAt' | 'version' | 'createdAt' | 'updatedAt'>,
): RecipientColumns => ({
  name: r.name,
  role: r.role,
  country: r.country,
  contract_date: r.contractDate,
  mechanism: r.mechanism,
  dpf_certified_on: r.dpfCertifiedOn,
  scc_module: r.sccModule,
  scc_date: r.sccDate,
  bcr_reference: r.bcrReference,
  derogation_point: r.derogation?.point ?? null,
  derogation_reason: r.derogation?.reason ?? null,
  purposes: [...r.purposes],
  field_categories: [...r.fieldCategories],
  note: r.note,
})

const toAdequacy = (r: AdequacyRow): AdequacyDecision => ({
  country: r.country,
  name: { de: r.name_de, en: r.name_en },
  decision: r.decision,
  adoptedOn: r.adopted_on,
  scope: r.scope as AdequacyScope,
  note: { de: r.note_de, en: r.note_en },
  validUntil: r.valid_until,
})

/** A disclosure of one subject as `GET /subjects/{id}/disclosures` lists it. */
export interface SubjectDisclosure {
  id: string
  at: Date
  channel: DisclosureChannel
  purpose: string
  fields: string[]
  reference: string | null
  recipient: { id: string; name: string; role: RecipientRole; country: string }
}

/** The SQL of the recipient registry, the adequacy decisions and the disclosures. */
export class RecipientRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Inserts the decisions whose country has none yet; returns the countries inserted. */
  async insertMissingDecisions(
    decisions: readonly AdequacyDecision[],
    trx: Kysely<Schema>,
  ): Promise<string[]> {
    if (decisions.length === 0) return []
    const rows = await trx
      .insertInto('adequacy_decision')
      .values(
        decisions.map((d) => ({
          country: d.country,
          name_de: d.name.de,
          name_en: d.name.en,
          decision: d.decision,
          adopted_on: d.adoptedOn,
          scope: d.scope,
          note_de: d.note.de,
          note_en: d.note.en,
          valid_until: d.validUntil,
        })),
      )
      .onConflict((oc) => oc.column('country').doNothing())
      .returning('country')
      .execute()
    return rows.map((r) => r.country)
  }

  async decisions(trx: Kysely<Schema> = this.#db): Promise<AdequacyDecision[]> {
    const rows = await trx.selectFrom('adequacy_decision').selectAll().orderBy('country').execute()
    return rows.map(toAdequacy)
  }

  /** Sets the day a decision stops carrying transfers (null: in force again); undefined if there is none. */
  async setDecisionValidUntil(
    country: string,
    validUntil: string | null,
    trx: Kysely<Schema>,
  ): Promise<AdequacyDecision | undefined> {
    const row = await trx
      .updateTable('adequacy_decision')
      .set({ valid_until: validUntil, updated_at: new Date() })
      .where('country', '=', country)
      .returningAll()
      .executeTakeFirst()
    return row && toAdequacy(row)
  }

  async list(trx: Kysely<Schema> = this.#db): Promise<RecipientRow[]> {
    return trx.selectFrom('recipient').selectAll().orderBy('name').orderBy('id').execute()
  }

  async find(id: string, trx: Kysely<Schema> = this.#db): Promise<RecipientRow | undefined> {
    return trx.selectFrom('recipient').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async findForUpdate(id: string, trx: Kysely<Schema>): Promise<RecipientRow | undefined> {
    return trx.selectFrom('recipient').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  async insert(columns: RecipientColumns, trx: Kysely<Schema>): Promise<RecipientRow> {
    return trx.insertInto('recipient').values(columns).returningAll().executeTakeFirstOrThrow()
  }

  /** Changes the columns and bumps the version. */
  async update(id: string, columns: Updateable<RecipientTable>, trx: Kysely<Schema>): Promise<RecipientRow> {
    return trx
      .updateTable('recipient')
      .set({ ...columns, version: sql<number>`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async insertDisclosure(row: Insertable<DisclosureTable>, trx: Kysely<Schema> = this.#db): Promise<void> {
    await trx.insertInto('disclosure').values(row).execute()
  }

  /** The subjects of a disclosure, one statement for the set. */
  async insertDisclosureSubjects(
    disclosureId: string,
    subjectIds: readonly string[],
    trx: Kysely<Schema> = this.#db,
  ): Promise<void> {
    if (subjectIds.length === 0) return
    await sql`
      insert into disclosure_subject (subject_id, disclosure_id)
      select s, ${disclosureId}::uuid from unnest(${[...subjectIds]}::uuid[]) as s
      on conflict do nothing`.execute(trx)
  }

  /** Whether the subject exists (erased ones too: their disclosures stay answerable). */
  async subjectExists(subjectId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('subject')
      .select('id')
      .where('id', '=', subjectId)
      .executeTakeFirst()
    return row !== undefined
  }

  /** The disclosures of one subject, newest first, with their recipients. */
  async disclosuresOf(subjectId: string, limit: number): Promise<SubjectDisclosure[]> {
    const rows = await this.#db
      .selectFrom('disclosure_subject as ds')
      .innerJoin('disclosure as d', 'd.id', 'ds.disclosure_id')
      .innerJoin('recipient as r', 'r.id', 'd.recipient_id')
      .select([
        'd.id',
        'd.at',
        'd.channel',
        'd.purpose_key',
        'd.fields',
        'd.reference',
        'r.id as recipient_id',
        'r.name as recipient_name',
        'r.role as recipient_role',
        'r.country as recipient_country',
      ])
      .where('ds.subject_id', '=', subjectId)
      .orderBy('d.at', 'desc')
      .orderBy('d.id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      channel: r.channel as DisclosureChannel,
      purpose: r.purpose_key,
      fields: r.fields,
      reference: r.reference,
      recipient: {
        id: r.recipient_id,
        name: r.recipient_name,
        role: r.recipient_role as RecipientRole,
        country: r.recipient_country,
      },
    }))
  }
}
