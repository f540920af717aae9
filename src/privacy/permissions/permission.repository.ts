import {
  type CompiledQuery,
  type Insertable,
  type Kysely,
  type RawBuilder,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely'
import { integerArray, textArray } from '../../platform/db/array-literal.ts'
import { preparedAs } from '../../platform/db/prepared.ts'
import type {
  ConsentEventTable,
  ObjectionEventTable,
  ObjectionStateTable,
  PermissionStateRow,
  PermissionStateTable,
  RestrictionEventTable,
  RestrictionStateTable,
  Schema,
  SubjectRow,
} from '../../platform/db/schema.ts'
import type { AttributeField } from '../fields/field-catalog.ts'
import type { Channel, RequiredRecord } from '../purposes/purpose.ts'
import type { KeyWithIdentity } from '../vault/vault.repository.ts'
import { type Check, type DenialRule, type ObjectionKey, validConsentStatuses } from './permission-rules.ts'

/** Narrows the audience to part of the subjects; every part is optional, all given parts must hold. */
export interface AudienceFilter {
  /** Subjects of any of these kinds. */
  kinds?: readonly string[] | undefined
  /** Pseudonymous attributes: each named attribute must have one of the values. */
  attributes?: Partial<Record<AttributeField, readonly string[]>> | undefined
  /** Only these subjects. */
  subjectIds?: readonly string[] | undefined
}

/** What the audience queries need: the plan of checks (permission-rules.ts) and its parameters. */
export interface PlanQuery {
  purposeKey: string
  channel: Channel
  plan: readonly Check[]
  now: Date
}

export type ConsentEventRow = Selectable<ConsentEventTable>
export type ObjectionEventRow = Selectable<ObjectionEventTable>
export type ObjectionStateRow = Selectable<ObjectionStateTable>
export type RestrictionEventRow = Selectable<RestrictionEventTable>
export type RestrictionStateRow = Selectable<RestrictionStateTable>

/** When a consent (subject × purpose × channel) was last given and last used; null: never. */
export interface ConsentUseRow {
  subject_id: string
  purpose_key: string
  channel: string
  last_given_at: Date | null
  last_used_at: Date | null
}

/** Up to this many given ids, their verdicts probe the state tables per id (see `probe`). */
const PER_ROW_UP_TO = 1_000

/** Rows per INSERT: at most 11 columns each, well below PostgreSQL's 65,535 bind parameters. */
const CHUNK = 5_000

/** A timestamp column value as text for an array literal (null stays null). */
function timestampText(value: unknown): string | null {
  if (value == null) return null
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/** A jsonb column value as its text (the services pass JSON already serialised). */
function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {})
}

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK))
  return out
}

// The SQL form of each check of the plan (permission-rules.ts, `checkSubject`). `id` is the
// subject id column of the query, `s` the subject row where the query has one, `p` the
// permission_state row of the purpose and channel (absent: no consent).

type Ref = RawBuilder<unknown>

/** Art. 17: erased. A partial index holds the few erased subjects, so the anti-join is cheap. */
const erasedById = (id: Ref): RawBuilder<SqlBool> =>
  sql<SqlBool>`exists (select 1 from subject e where e.id = ${id} and e.erased_at is not null)`

/**
 * `offset 0` keeps an EXISTS a probe per row: without it PostgreSQL may turn it into a hashed
 * subplan that reads the whole (small) state table for every statement — right for a count over a
 * million subjects, but most of the time of a page of 51 (at a million subjects, ~1 ms of 1.5 ms).
 */
const probe = (perRow: boolean) => (perRow ? sql` offset 0` : sql``)

const restricted = (id: Ref, perRow = false): RawBuilder<SqlBool> =>
  sql<SqlBool>`exists (select 1 from restriction_state r where r.subject_id = ${id}${probe(perRow)})`

const objected = (id: Ref, matches: readonly ObjectionKey[], perRow = false): RawBuilder<SqlBool> =>
  sql<SqlBool>`exists (select 1 from objection_state o where o.subject_id = ${id} and (${sql.join(
    matches.map((m) => sql<SqlBool>`(o.scope = ${m.scope} and o.target = ${m.target})`),
    sql` or `,
  )})${probe(perRow)})`

/** § 7(3) UWG: the subject bought from us (an order; the timeline index leads with subject_id). */
const customer = (id: Ref): RawBuilder<SqlBool> =>
  sql<SqlBool>`exists (select 1 from customer_order co where co.subject_id = ${id})`

/** The subject has any of the kinds (the subject row; GIN-free: the row is read by primary key). */
const ofKinds = (id: Ref, kinds: readonly string[]): RawBuilder<SqlBool> =>
  sql<SqlBool>`exists (select 1 from subject k where k.id = ${id} and k.kinds && ${[...kinds]}::text[])`

/** The subject holds a record of the kind (both tables' indexes lead with subject_id). */
const holds = (id: Ref, record: RequiredRecord): RawBuilder<SqlBool> =>
  record === 'invoice'
    ? sql<SqlBool>`exists (select 1 from invoice iv where iv.subject_id = ${id})`
    : customer(id)

/**
 * The consent counts: a valid status and not lapsed (null when there is no row). The statuses are
 * literals (constants of the rules, never input), so the planner can match the partial audience
 * index (migration 0007) even in a generic plan of a prepared statement.
 */
const consentValid = (doubleOptIn: boolean, now: Date): RawBuilder<SqlBool> =>
  sql<SqlBool>`(p.status in (${sql.join(validConsentStatuses(doubleOptIn).map((s) => sql.lit(s)))}) and (p.expires_at is null or p.expires_at > ${now}))`

const when = (condition: RawBuilder<SqlBool>, rule: DenialRule) => sql`when ${condition} then ${rule}::text`

/** The CASE branches of one check, giving its denial rule when it holds. */
function branchesOf(check: Check, now: Date, perRow: boolean): RawBuilder<unknown>[] {
  switch (check.kind) {
    case 'erased':
      return [when(sql<SqlBool>`s.erased_at is not null`, 'erased')]
    case 'restricted':
      return [when(restricted(sql.ref('ids.id'), perRow), 'restricted')]
    case 'subject-kind':
      return [when(sql<SqlBool>`not (s.kinds && ${[...check.kinds]}::text[])`, 'subject-kind-not-covered')]
    case 'record':
      return [when(sql<SqlBool>`not ${holds(sql.ref('ids.id'), check.record)}`, 'record-not-held')]
    case 'channel-not-covered':
      return [when(sql<SqlBool>`true`, 'channel-not-covered')]
    case 'objected':
      return [when(objected(sql.ref('ids.id'), check.matches, perRow), 'objected')]
    case 'existing-customer':
      return [when(sql<SqlBool>`not ${customer(sql.ref('ids.id'))}`, 'not-existing-customer')]
    case 'consent':
      // Same order as consentDenial() in permission-rules.ts.
      return [
        when(sql<SqlBool>`p.status is null`, 'no-consent'),
        when(sql<SqlBool>`p.status = 'withdrawn'`, 'consent-withdrawn'),
        when(sql<SqlBool>`p.status = 'expired' or p.expires_at <= ${now}`, 'consent-expired'),
        when(
          sql<SqlBool>`not coalesce(${consentValid(check.doubleOptIn, now)}, false)`,
          'consent-pending-confirmation',
        ),
      ]
    case 'special-category':
      return [
        when(
          check.needsConsent
            ? sql<SqlBool>`not coalesce(${consentValid(check.doubleOptIn, now)}, false)`
            : sql<SqlBool>`true`,
          'special-category-without-explicit-consent',
        ),
      ]
  }
}

/** CASE branches, in plan order, giving the first denial rule that holds (`perRow`: see `probe`). */
const denialBranches = (plan: readonly Check[], now: Date, perRow = false): RawBuilder<unknown>[] =>
  plan.flatMap((check) => branchesOf(check, now, perRow))

/**
 * Conditions a subject must meet to be in the audience: no check of the plan denies. They read
 * only the subject id (`id`) and the consent row `p`, so without a filter the audience is answered
 * from indexes alone (the audience index, or the subject primary key).
 */
const allowedConditions = (plan: readonly Check[], now: Date, id: Ref) =>
  plan.flatMap((check) => conditionsOf(check, now, id))

/** What passing one check means, as conditions on the row. */
function conditionsOf(check: Check, now: Date, id: Ref): RawBuilder<SqlBool>[] {
  switch (check.kind) {
    case 'erased':
      return [sql<SqlBool>`not ${erasedById(id)}`]
    case 'restricted':
      return [sql<SqlBool>`not ${restricted(id)}`]
    case 'subject-kind':
      return [ofKinds(id, check.kinds)]
    case 'record':
      return [holds(id, check.record)]
    case 'channel-not-covered':
      return [sql<SqlBool>`false`]
    case 'objected':
      return [sql<SqlBool>`not ${objected(id, check.matches)}`]
    case 'existing-customer':
      return [customer(id)]
    case 'consent':
      return [consentValid(check.doubleOptIn, now)]
    case 'special-category':
      return [check.needsConsent ? consentValid(check.doubleOptIn, now) : sql<SqlBool>`false`]
  }
}

function filterConditions(filter: AudienceFilter | undefined): RawBuilder<SqlBool>[] {
  if (!filter) return []
  const conditions: RawBuilder<SqlBool>[] = []
  if (filter.kinds !== undefined) conditions.push(sql<SqlBool>`s.kinds && ${[...filter.kinds]}::text[]`)
  if (filter.subjectIds !== undefined)
    conditions.push(sql<SqlBool>`s.id = any(${[...filter.subjectIds]}::uuid[])`)
  for (const [field, values] of Object.entries(filter.attributes ?? {})) {
    // The attribute name is a bound parameter too; the service allows only catalog attributes.
    conditions.push(sql<SqlBool>`s.attributes ->> ${field} = any(${[...(values ?? [])]}::text[])`)
  }
  return conditions
}

const and = (conditions: readonly RawBuilder<SqlBool>[]): RawBuilder<SqlBool> =>
  conditions.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`(${sql.join(conditions, sql` and `)})`

/** Whether the plan needs the consent row: then the audience is a range of permission_state. */
const needsConsentRow = (plan: readonly Check[]) =>
  plan.some((c) => c.kind === 'consent' || (c.kind === 'special-category' && c.needsConsent))

/**
 * The plan as one condition on a subject id column — no check of the plan denies — for a query that
 * combines it with conditions of its own (segments: segment ∩ permission in one statement). The
 * consent row, where the plan reads it, is probed by its key.
 */
export function permittedCondition(query: PlanQuery, id: Ref): RawBuilder<SqlBool> {
  const allowed = and(allowedConditions(query.plan, query.now, id))
  return needsConsentRow(query.plan)
    ? sql<SqlBool>`exists (select 1 from permission_state p where p.subject_id = ${id} and p.purpose_key = ${query.purposeKey} and p.channel = ${query.channel} and ${allowed})`
    : allowed
}

/**
 * The first denial rule of the plan that holds, or null (allowed), as a column: for a query over
 * `subject s` joined to `lateral (select s.id as id) ids` and left-joined to the consent row `p` of
 * the purpose and channel (segments count their excluded members by rule with it).
 */
export const denialRuleCase = (
  plan: readonly Check[],
  now: Date,
  perRow = false,
): RawBuilder<DenialRule | null> =>
  sql<DenialRule | null>`case ${sql.join(denialBranches(plan, now, perRow), sql` `)} else null end`

/** SQL for consents, objections and restrictions; one query per method. `db` may be a transaction. */
export class PermissionRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Locks the subjects' rows until the transaction ends, so concurrent changes to one subject's
   * permissions serialise (the state is computed from the state before). Sorted: no deadlocks.
   */
  lockSubjects(
    ids: readonly string[],
    trx: Kysely<Schema>,
  ): Promise<{ id: string; erased_at: Date | null }[]> {
    if (ids.length === 0) return Promise.resolve([])
    return trx
      .selectFrom('subject')
      .select(['id', 'erased_at'])
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .orderBy('id')
      .forNoKeyUpdate()
      .execute()
  }

  findSubjects(
    ids: readonly string[],
    db = this.#db,
  ): Promise<{ id: string; erased_at: Date | null; kinds: string[] }[]> {
    if (ids.length === 0) return Promise.resolve([])
    return db
      .selectFrom('subject')
      .select(['id', 'erased_at', 'kinds'])
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .execute()
  }

  /** § 7(3) UWG: which of the subjects have at least one order. */
  async customers(subjectIds: readonly string[], db = this.#db): Promise<Set<string>> {
    if (subjectIds.length === 0) return new Set()
    const { rows } = await sql<{ id: string }>`
      select i.id from unnest(${[...subjectIds]}::uuid[]) as i(id)
      where exists (select 1 from customer_order co where co.subject_id = i.id)
    `.execute(db)
    return new Set(rows.map((r) => r.id))
  }

  /** Record-bound duties (§ 147 AO): which of the subjects have at least one invoice. */
  async invoiced(subjectIds: readonly string[], db = this.#db): Promise<Set<string>> {
    if (subjectIds.length === 0) return new Set()
    const { rows } = await sql<{ id: string }>`
      select i.id from unnest(${[...subjectIds]}::uuid[]) as i(id)
      where exists (select 1 from invoice iv where iv.subject_id = i.id)
    `.execute(db)
    return new Set(rows.map((r) => r.id))
  }

  consentStates(
    subjectIds: readonly string[],
    purposeKeys: readonly string[] | undefined,
    db = this.#db,
  ): Promise<PermissionStateRow[]> {
    if (subjectIds.length === 0 || purposeKeys?.length === 0) return Promise.resolve([])
    return db
      .selectFrom('permission_state')
      .selectAll()
      .where('subject_id', '=', sql<string>`any(${[...subjectIds]}::uuid[])`)
      .$if(purposeKeys !== undefined, (qb) => qb.where('purpose_key', 'in', purposeKeys ?? []))
      .orderBy('subject_id')
      .orderBy('purpose_key')
      .orderBy('channel')
      .execute()
  }

  /**
   * Consent events of many subjects in one statement per table: each column travels as one array
   * (an import writes a thousand at a time; a VALUES list would be nine parameters per row).
   */
  async insertConsentEvents(
    rows: readonly Insertable<ConsentEventTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (rows.length === 0) return
    await sql`
      insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
      select * from unnest(
        ${textArray(rows.map((r) => r.subject_id))}::uuid[], ${textArray(rows.map((r) => r.purpose_key))}::text[],
        ${integerArray(rows.map((r) => r.purpose_version))}::int4[], ${textArray(rows.map((r) => r.channel))}::text[],
        ${textArray(rows.map((r) => r.kind))}::text[], ${textArray(rows.map((r) => jsonText(r.proof)))}::jsonb[],
        ${textArray(rows.map((r) => r.actor_type))}::text[], ${textArray(rows.map((r) => r.actor_id))}::text[],
        ${textArray(rows.map((r) => timestampText(r.occurred_at)))}::timestamptz[])
    `.execute(trx)
  }

  async upsertConsentStates(
    rows: readonly Insertable<PermissionStateTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    if (rows.length === 0) return
    const times = (column: (r: Insertable<PermissionStateTable>) => unknown) =>
      sql`${textArray(rows.map((r) => timestampText(column(r))))}::timestamptz[]`
    await sql`
      insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at,
        confirmed_at, withdrawn_at, expired_at, expires_at, updated_at)
      select * from unnest(
        ${textArray(rows.map((r) => r.subject_id))}::uuid[], ${textArray(rows.map((r) => r.purpose_key))}::text[],
        ${textArray(rows.map((r) => r.channel))}::text[], ${textArray(rows.map((r) => r.status))}::text[],
        ${times((r) => r.requested_at)}, ${times((r) => r.granted_at)}, ${times((r) => r.confirmed_at)},
        ${times((r) => r.withdrawn_at)}, ${times((r) => r.expired_at)}, ${times((r) => r.expires_at)},
        ${times((r) => r.updated_at)})
      on conflict (subject_id, purpose_key, channel) do update set
        status = excluded.status, requested_at = excluded.requested_at, granted_at = excluded.granted_at,
        confirmed_at = excluded.confirmed_at, withdrawn_at = excluded.withdrawn_at,
        expired_at = excluded.expired_at, expires_at = excluded.expires_at, updated_at = excluded.updated_at
    `.execute(trx)
  }

  objectionStates(subjectIds: readonly string[], db = this.#db): Promise<ObjectionStateRow[]> {
    if (subjectIds.length === 0) return Promise.resolve([])
    return db
      .selectFrom('objection_state')
      .selectAll()
      .where('subject_id', '=', sql<string>`any(${[...subjectIds]}::uuid[])`)
      .orderBy('subject_id')
      .orderBy('raised_at')
      .execute()
  }

  async insertObjectionEvents(
    rows: readonly Insertable<ObjectionEventTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    for (const chunk of chunks(rows)) await trx.insertInto('objection_event').values(chunk).execute()
  }

  /** Objections raised; one already in force stays as it was (its first raising counts). */
  async insertObjectionStates(
    rows: readonly Insertable<ObjectionStateTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    for (const chunk of chunks(rows)) {
      await trx
        .insertInto('objection_state')
        .values(chunk)
        .onConflict((oc) => oc.columns(['subject_id', 'scope', 'target']).doNothing())
        .execute()
    }
  }

  async deleteObjectionStates(
    keys: readonly { subject_id: string; scope: string; target: string }[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    for (const chunk of chunks(keys)) {
      await trx
        .deleteFrom('objection_state')
        .where((eb) =>
          eb(
            eb.refTuple('subject_id', 'scope', 'target'),
            'in',
            chunk.map((k) => eb.tuple(k.subject_id, k.scope, k.target)),
          ),
        )
        .execute()
    }
  }

  restrictionStates(subjectIds: readonly string[], db = this.#db): Promise<RestrictionStateRow[]> {
    if (subjectIds.length === 0) return Promise.resolve([])
    return db
      .selectFrom('restriction_state')
      .selectAll()
      .where('subject_id', '=', sql<string>`any(${[...subjectIds]}::uuid[])`)
      .execute()
  }

  async insertRestrictionEvents(
    rows: readonly Insertable<RestrictionEventTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    for (const chunk of chunks(rows)) await trx.insertInto('restriction_event').values(chunk).execute()
  }

  async upsertRestrictionStates(
    rows: readonly Insertable<RestrictionStateTable>[],
    trx: Kysely<Schema>,
  ): Promise<void> {
    for (const chunk of chunks(rows)) {
      await trx
        .insertInto('restriction_state')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('subject_id').doUpdateSet((eb) => ({
            ground: eb.ref('excluded.ground'),
            note: eb.ref('excluded.note'),
          })),
        )
        .execute()
    }
  }

  /** Art. 18(3): records that the person was told the restriction will be lifted (migration 0043). */
  async markLiftNotice(
    subjectId: string,
    at: Date,
    channel: 'email' | 'letter',
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('restriction_state')
      .set({ lift_notice_at: at, lift_notice_channel: channel })
      .where('subject_id', '=', subjectId)
      .execute()
  }

  async deleteRestrictionStates(subjectIds: readonly string[], trx: Kysely<Schema>): Promise<void> {
    if (subjectIds.length === 0) return
    await trx
      .deleteFrom('restriction_state')
      .where('subject_id', '=', sql<string>`any(${[...subjectIds]}::uuid[])`)
      .execute()
  }

  consentEvents(subjectId: string, db = this.#db): Promise<ConsentEventRow[]> {
    return db
      .selectFrom('consent_event')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute()
  }

  objectionEvents(subjectId: string, db = this.#db): Promise<ObjectionEventRow[]> {
    return db
      .selectFrom('objection_event')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute()
  }

  restrictionEvents(subjectId: string, db = this.#db): Promise<RestrictionEventRow[]> {
    return db
      .selectFrom('restriction_event')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute()
  }

  /**
   * § 7a UWG: for each subject, purpose and channel (of `channels`) with consent events, when the
   * consent was last given (granted or confirmed) and last used: the latest touchpoint under that
   * purpose on that channel (a call made on the consent). One query over the set.
   */
  async consentUses(
    subjectIds: readonly string[],
    channels: readonly string[],
    db = this.#db,
  ): Promise<ConsentUseRow[]> {
    if (subjectIds.length === 0 || channels.length === 0) return []
    const { rows } = await sql<ConsentUseRow>`
      select c.subject_id, c.purpose_key, c.channel,
        max(c.occurred_at) filter (where c.kind in ('granted', 'confirmed')) as last_given_at,
        (select max(t.occurred_at) from touchpoint t
          where t.subject_id = c.subject_id and t.purpose_key = c.purpose_key and t.channel = c.channel
        ) as last_used_at
      from consent_event c
      where c.subject_id = any(${[...new Set(subjectIds)]}::uuid[]) and c.channel = any(${[...channels]}::text[])
      group by c.subject_id, c.purpose_key, c.channel
      order by c.subject_id, c.purpose_key, c.channel
    `.execute(db)
    return rows
  }

  /**
   * One keyset page of the subjects no check of the plan denies, in subject id order, strictly
   * after `after`. For a consent purpose it is a range of the audience index (the subject rows are
   * read only to filter); otherwise a walk of the subject primary key.
   */
  async audience(
    query: PlanQuery & { filter?: AudienceFilter | undefined; after?: string | undefined; limit: number },
    db = this.#db,
  ): Promise<string[]> {
    const rows = await db.executeQuery<{ id: string }>(this.audienceQuery(query, db))
    return rows.rows.map((r) => r.id)
  }

  /** The statement `audience` runs (exposed so a test can EXPLAIN it). */
  audienceQuery(
    query: PlanQuery & { filter?: AudienceFilter | undefined; after?: string | undefined; limit: number },
    db = this.#db,
  ): CompiledQuery<{ id: string }> {
    const filter = filterConditions(query.filter)
    if (needsConsentRow(query.plan)) {
      const id = sql.ref('p.subject_id')
      const conditions = [
        ...allowedConditions(query.plan, query.now, id),
        ...filter,
        ...(query.after === undefined ? [] : [sql<SqlBool>`p.subject_id > ${query.after}`]),
      ]
      return db
        .selectFrom('permission_state as p')
        .$if(filter.length > 0, (qb) => qb.innerJoin('subject as s', 's.id', 'p.subject_id'))
        .select('p.subject_id as id')
        .where('p.purpose_key', '=', query.purposeKey)
        .where('p.channel', '=', query.channel)
        .where(and(conditions))
        .orderBy('p.subject_id')
        .limit(query.limit)
        .compile()
    }
    const conditions = [
      ...allowedConditions(query.plan, query.now, sql.ref('s.id')),
      ...filter,
      ...(query.after === undefined ? [] : [sql<SqlBool>`s.id > ${query.after}`]),
    ]
    return db
      .selectFrom('subject as s')
      .select('s.id')
      .where(and(conditions))
      .orderBy('s.id')
      .limit(query.limit)
      .compile()
  }

  /** How many subjects the audience holds, in one query. */
  async countAudience(
    query: PlanQuery & { filter?: AudienceFilter | undefined },
    db = this.#db,
  ): Promise<number> {
    const filter = filterConditions(query.filter)
    const row = needsConsentRow(query.plan)
      ? await db
          .selectFrom('permission_state as p')
          .$if(filter.length > 0, (qb) => qb.innerJoin('subject as s', 's.id', 'p.subject_id'))
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('p.purpose_key', '=', query.purposeKey)
          .where('p.channel', '=', query.channel)
          .where(and([...allowedConditions(query.plan, query.now, sql.ref('p.subject_id')), ...filter]))
          .executeTakeFirstOrThrow()
      : await db
          .selectFrom('subject as s')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(and([...allowedConditions(query.plan, query.now, sql.ref('s.id')), ...filter]))
          .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /**
   * Of the subjects a list shows — not erased, of `kind`, whose attributes contain `attributes`
   * (the subject list's own filter: JSON containment) — how many there are and how many no check
   * of the plan denies. One query over the whole set.
   */
  async countListed(
    query: PlanQuery & { kind?: string | undefined; attributes?: Record<string, unknown> | undefined },
    db = this.#db,
  ): Promise<{ listed: number; usable: number; excludedBy: Record<string, number> }> {
    const filter = [sql<SqlBool>`s.erased_at is null`]
    if (query.kind !== undefined) filter.push(sql<SqlBool>`s.kinds @> array[${query.kind}]::text[]`)
    if (query.attributes !== undefined && Object.keys(query.attributes).length > 0)
      filter.push(sql<SqlBool>`s.attributes @> ${JSON.stringify(query.attributes)}::jsonb`)
    // Each listed subject's first denial rule (null: usable), counted per rule: the list says how
    // many the purpose leaves out, and why. The consent row of the purpose and channel is read where
    // the plan reads it (absent: no consent).
    const { rows } = await sql<{ rule: DenialRule | null; n: number }>`
      select r.rule, count(*) as n from (
        select ${denialRuleCase(query.plan, query.now)} as rule
        from subject s
        cross join lateral (select s.id as id) as ids
        left join permission_state p
          on p.subject_id = s.id and p.purpose_key = ${query.purposeKey} and p.channel = ${query.channel}
        where ${and(filter)}
      ) r
      group by r.rule
    `.execute(db)
    let listed = 0
    let usable = 0
    const excludedBy: Record<string, number> = {}
    for (const row of rows) {
      const n = Number(row.n)
      listed += n
      if (row.rule === null) usable += n
      else excludedBy[row.rule] = n
    }
    return { listed, usable, excludedBy }
  }

  /**
   * For each given subject: the first denial rule of the plan that holds (null: allowed), and the
   * subject's stored row (null: there is no such subject), so a reader needs no second query. One
   * query over the whole set.
   */
  /**
   * The denial rule (or null) of each given subject, without the subject rows: for writers that
   * only need the verdict (touchpoints, orders), a narrower result to build and parse.
   */
  async denialRules(
    query: PlanQuery & { subjectIds: readonly string[] },
    db = this.#db,
  ): Promise<{ id: string; known: boolean; rule: DenialRule | null }[]> {
    if (query.subjectIds.length === 0) return []
    const rows = await this.#denialQuery(query, db)
      .select(['ids.id', sql<boolean>`s.id is not null`.as('known'), this.#ruleColumn(query)])
      .execute()
    return rows.map((r) => ({ id: r.id, known: r.known, rule: r.rule }))
  }

  #ruleColumn(query: PlanQuery & { subjectIds: readonly string[] }) {
    // A few ids (one read, a batch): probes per row; many: whatever the planner finds cheaper.
    return denialRuleCase(query.plan, query.now, query.subjectIds.length <= PER_ROW_UP_TO).as('rule')
  }

  /** The given ids, each with its subject row and its permission state for the purpose and channel. */
  #denialQuery(query: PlanQuery & { subjectIds: readonly string[] }, db: Kysely<Schema>) {
    const ids = db
      .selectNoFrom(sql<string>`unnest(${[...new Set(query.subjectIds)]}::uuid[])`.as('id'))
      .as('ids')
    // Lateral lookups with OFFSET 0 (never pulled up into a join): one index probe per given id,
    // whatever the planner would guess for a hash join over the whole table.
    return db
      .selectFrom(ids)
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('subject')
            .selectAll('subject')
            .whereRef('subject.id', '=', 'ids.id')
            .offset(0)
            .as('s'),
        (join) => join.onTrue(),
      )
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('permission_state')
            .select(['permission_state.status', 'permission_state.expires_at'])
            .whereRef('permission_state.subject_id', '=', 'ids.id')
            .where('permission_state.purpose_key', '=', query.purposeKey)
            .where('permission_state.channel', '=', query.channel)
            .offset(0)
            .as('p'),
        (join) => join.onTrue(),
      )
  }

  async denials(
    query: PlanQuery & { subjectIds: readonly string[] },
    db = this.#db,
  ): Promise<{ id: string; row: SubjectRow | null; rule: DenialRule | null }[]> {
    if (query.subjectIds.length === 0) return []
    const rows = await this.#denialQuery(query, db)
      .select([
        'ids.id',
        's.id as subject_id',
        's.kinds',
        's.source',
        's.attributes',
        's.created_at',
        's.updated_at',
        's.erased_at',
        's.merged_into',
        's.erasure_requested_at',
        this.#ruleColumn(query),
      ])
      .execute()
    return rows.map((r) => ({
      id: r.id,
      rule: r.rule,
      row:
        r.subject_id === null
          ? null
          : {
              id: r.subject_id,
              kinds: r.kinds as string[],
              source: r.source as string,
              attributes: r.attributes as Record<string, unknown>,
              created_at: r.created_at as Date,
              updated_at: r.updated_at as Date,
              erased_at: r.erased_at,
              merged_into: r.merged_into,
              erasure_requested_at: r.erasure_requested_at,
            },
    }))
  }

  /**
   * A list page and its verdicts in one statement: the page (`page`, the subject repository's
   * keyset query, run as a subquery) with the first denial rule of the plan per row, in the page's
   * order. The consent row is probed per row by its key, as in `denials`.
   */
  async denialsOfPage(
    query: PlanQuery & {
      page: SelectQueryBuilder<Schema, 'subject', SubjectRow>
      order: { column: 'created_at' | 'updated_at'; direction: 'asc' | 'desc' }
      /** Send it as a prepared statement (ADR 0023): only for shapes whose plan fits all values. */
      prepared: boolean
      /**
       * Also read the vault's wrapped key and sealed identity record of each row the purpose may
       * use (none of the others): the gate opens them once the audit record is written, and the
       * page needs no second round trip (ADR 0023).
       */
      sealed: boolean
    },
  ): Promise<{ row: SubjectRow; rule: DenialRule | null; sealed?: KeyWithIdentity | null }[]> {
    const direction = query.order.direction === 'asc' ? sql`asc` : sql`desc`
    // The consent row only where the plan reads it: a purpose on legitimate interest (the everyday
    // contact list) decides without it, and probing it was a quarter of the page's buffer reads.
    const consentRow = needsConsentRow(query.plan)
      ? sql`
      left join lateral (
        select q.status, q.expires_at from permission_state q
        where q.subject_id = s.id and q.purpose_key = ${query.purposeKey} and q.channel = ${query.channel}
        offset 0
      ) p on true`
      : sql``
    const verdicts = sql`
      select s.*, ${denialRuleCase(query.plan, query.now, true)} as rule
      from (${query.page}) s
      cross join lateral (select s.id as id) ids${consentRow}`
    const mark = query.prepared ? preparedAs(query.sealed ? 'list-page-sealed' : 'list-page') : sql``
    const order = (table: string) =>
      sql`order by ${sql.ref(`${table}.${query.order.column}`)} ${direction}, ${sql.ref(`${table}.id`)} ${direction}`
    type Row = SubjectRow & {
      rule: DenialRule | null
      sealed_key?: Uint8Array | null
      sealed_key_id?: string | null
      sealed_identity?: Uint8Array | null
    }
    // `offset 0` keeps the verdicts a subquery of their own: flattened, the planner would evaluate
    // the denial rules' probes a second time for the vault's condition (`x.rule is null`).
    const { rows } = query.sealed
      ? await sql<Row>`${mark}
          select x.*, k.wrapped_key as sealed_key, k.master_key_id as sealed_key_id, k.identity as sealed_identity
          from (${verdicts} offset 0) x
          left join lateral (
            select wrapped_key, master_key_id, identity from subject_key
            where subject_id = x.id and x.rule is null
            offset 0
          ) k on true
          ${order('x')}`.execute(this.#db)
      : await sql<Row>`${mark}${verdicts} ${order('s')}`.execute(this.#db)
    return rows.map(({ rule, sealed_key, sealed_key_id, sealed_identity, ...row }) => ({
      row: row as SubjectRow,
      rule,
      ...(query.sealed
        ? {
            sealed:
              sealed_key && sealed_key_id
                ? {
                    subjectId: row.id,
                    wrapped: sealed_key,
                    keyId: sealed_key_id,
                    identity: sealed_identity ?? null,
                  }
                : null,
          }
        : {}),
    }))
  }
}
