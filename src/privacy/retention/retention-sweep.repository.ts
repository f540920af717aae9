import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql, type Updateable } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type {
  RetentionPlanTable,
  RetentionRunRuleTable,
  RetentionRunTable,
  Schema,
} from '../../platform/db/schema.ts'
import {
  type ClockDate,
  PURPOSE_NARROWED_KINDS,
  RETENTION_CONDITIONS,
  type RetentionCondition,
  type RetentionRecordKind,
} from './retention-rule.ts'

export type RetentionPlanRow = Selectable<RetentionPlanTable>
export type RetentionRunRow = Selectable<RetentionRunTable>
export type RetentionRunRuleRow = Selectable<RetentionRunRuleTable>

/** A rule as the sweep's SQL sees it: what it covers, the date it reads and the cutoff on it. */
export interface SweepRule {
  key: string
  kind: RetentionRecordKind
  date: ClockDate
  /** Rows whose date is before it are due; null: the date isn't recorded, nothing is due. */
  cutoff: Date | null
  purposeKey: string | null
  subjectKind: string | null
  condition: RetentionCondition | null
}

/** What the holds of record kinds are judged by (Art. 17(3); privacy/holds). */
export interface HoldBounds {
  /** Entered holds in force at this instant keep every row of their kinds. */
  now: Date
  /** Invoices issued before it are past the vouchers rule (their own hold, and their order's); null: none is. */
  vouchers: Date | null
  /** § 7a UWG: a consent whose latest grant and use are before it is past its proof period; null: none is. */
  proof: Date | null
  /** The channels a consent-proof rule covers (phone). */
  proofChannels: readonly string[]
}

/**
 * Which rows fall due under `target`: the rows it covers whose date is before its cutoff, where
 * every other rule of the kind covering the row has run out too, and no legal hold keeps the row.
 */
export interface DueQuery {
  target: SweepRule
  /** Every rule covering the same kind (the target among them or not). */
  kindRules: readonly SweepRule[]
  holds: HoldBounds
}

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`
const NO_SUBJECT = '00000000-0000-0000-0000-000000000000'
const noJit = (trx: Kysely<Schema>) => sql`set local jit = off`.execute(trx)

/**
 * The date tests of the clock dates `RECORD_DATES` records, per `kind:date` — the latest of the
 * columns named there is before the cutoff, i.e. none of them is at or after it. A row's own column
 * is compared; another kind's rows of the same subject (a lead's last interaction, a consent's uses)
 * must have none at or after the cutoff. `retention-sweep.test.ts` checks this list against
 * `RECORD_DATES`.
 */
export const DATE_TESTS: Readonly<Record<string, (cutoff: RawBuilder<unknown>) => RawBuilder<boolean>>> = {
  'invoice:created': (c) => sql`r.issued_at < ${c}`,
  'customer_order:created': (c) => sql`r.ordered_at < ${c}`,
  'deal:created': (c) => sql`r.created_at < ${c}`,
  'deal:closure': (c) => sql`r.updated_at < ${c}`,
  'touchpoint:created': (c) => sql`r.occurred_at < ${c}`,
  'subject_note:created': (c) => sql`r.created_at < ${c}`,
  'consent_event:created': (c) => sql`r.occurred_at < ${c}`,
  // § 7a UWG: the consent's latest grant (any event of it) and its latest use (a touchpoint under its
  // purpose on its channel) are both before the cutoff.
  'consent_event:lastUse': (c) => sql`(
    not exists (select 1 from consent_event c2 where c2.subject_id = r.subject_id
                and c2.purpose_key = r.purpose_key and c2.channel = r.channel and c2.occurred_at >= ${c})
    and not exists (select 1 from touchpoint u where u.subject_id = r.subject_id
                    and u.purpose_key = r.purpose_key and u.channel = r.channel and u.occurred_at >= ${c}))`,
  'doi_request:created': (c) => sql`r.requested_at < ${c}`,
  'doi_request:closure': (c) => sql`r.closed_at < ${c}`,
  'dsr_request:created': (c) => sql`r.received_at < ${c}`,
  'dsr_request:closure': (c) => sql`r.closed_at < ${c}`,
  'subject:created': (c) => sql`r.created_at < ${c}`,
  // A decision recorded, and none at or after the cutoff (a later one restarts the clock).
  'subject:decision': (c) => sql`(
    exists (select 1 from subject_milestone m where m.subject_id = r.id
            and m.kind in ('application_rejected', 'application_accepted', 'application_withdrawn'))
    and not exists (select 1 from subject_milestone m where m.subject_id = r.id
            and m.kind in ('application_rejected', 'application_accepted', 'application_withdrawn')
            and m.occurred_at >= ${c}))`,
  'subject:contractEnd': (c) => sql`(
    exists (select 1 from subject_milestone m where m.subject_id = r.id and m.kind = 'contract_ended')
    and not exists (select 1 from subject_milestone m where m.subject_id = r.id
            and m.kind = 'contract_ended' and m.occurred_at >= ${c}))`,
  'subject:lastInteraction': (c) => sql`(r.updated_at < ${c}
    and not exists (select 1 from touchpoint x where x.subject_id = r.id and x.occurred_at >= ${c})
    and not exists (select 1 from customer_order x where x.subject_id = r.id and x.ordered_at >= ${c})
    and not exists (select 1 from deal x where x.subject_id = r.id and x.updated_at >= ${c})
    and not exists (select 1 from subject_note x where x.subject_id = r.id and x.created_at >= ${c})
    and not exists (select 1 from consent_event x where x.subject_id = r.id and x.occurred_at >= ${c})
    and not exists (select 1 from dsr_request x where x.subject_id = r.id and x.received_at >= ${c}))`,
}

/** The narrowing conditions as tests of a row (each applies to one kind; elsewhere it covers nothing). */
const CONDITION_TESTS: Readonly<Record<RetentionCondition, RawBuilder<boolean>>> = {
  deal_won: sql`r.stage_key in (select key from pipeline_stage where outcome = 'won')`,
  consent_channel_phone: sql`r.channel = 'phone'`,
  doi_unconfirmed: sql`r.status <> 'confirmed'`,
  // Closed: answered or refused (Art. 12(3)-(5)); every other status is a request still open.
  request_closed: sql`r.status in ('answered', 'refused')`,
  // The latest decision on the application (a milestone) is a rejection; an applicant accepted
  // after an earlier rejection is no rejected applicant.
  application_rejected: sql`(select m.kind from subject_milestone m where m.subject_id = r.id
    and m.kind in ('application_rejected', 'application_accepted', 'application_withdrawn')
    order by m.occurred_at desc, m.recorded_at desc limit 1) = 'application_rejected'`,
}

function covers(rule: SweepRule): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [sql`true`]
  if (rule.purposeKey !== null)
    parts.push(
      PURPOSE_NARROWED_KINDS.includes(rule.kind) ? sql`r.purpose_key = ${rule.purposeKey}` : sql`false`,
    )
  if (rule.subjectKind !== null)
    parts.push(
      rule.kind === 'subject'
        ? sql`r.kinds = array[${rule.subjectKind}]::text[]`
        : sql`exists (select 1 from subject s where s.id = r.subject_id and s.kinds = array[${rule.subjectKind}]::text[])`,
    )
  if (rule.condition !== null)
    parts.push(
      RETENTION_CONDITIONS[rule.condition] === rule.kind ? CONDITION_TESTS[rule.condition] : sql`false`,
    )
  return sql<boolean>`(${sql.join(parts, sql` and `)})`
}

function due(rule: SweepRule): RawBuilder<boolean> {
  const test = DATE_TESTS[`${rule.kind}:${rule.date}`]
  return rule.cutoff && test ? test(at(rule.cutoff)) : sql<boolean>`false`
}

/**
 * Rows keyed by a request that go with it: a double opt-in request's link digest, a data subject
 * request's stored answer (its download ended long before).
 */
const ROWS_THAT_GO_WITH: Partial<Record<string, 'doi_token' | 'dsr_answer'>> = {
  doi_request: 'doi_token',
  dsr_request: 'dsr_answer',
}

/** An entered legal hold in force keeps every row of its record kinds (Art. 17(3)). */
const enteredHold = (kind: string, now: Date) =>
  sql<boolean>`not exists (select 1 from legal_hold h where h.subject_id = r.subject_id and h.lifted_at is null
                  and (h.until is null or h.until > ${at(now)}) and ${kind}::text = any(h.record_kinds))`

/**
 * § 7a UWG: the proof of a consent on a proof channel (its events, and the calls that used it) is
 * kept while its latest grant or use is at or after the proof cutoff. As two anti-joins (none of the
 * consent's events, none of its uses is that recent), never a test per row: the planner joins the
 * set once.
 */
const proofNotKept = (holds: HoldBounds, channels: RawBuilder<unknown>) => {
  // No proof period has run out yet: every consent's proof is kept.
  const since = holds.proof ? at(holds.proof) : sql`'-infinity'::timestamptz`
  return sql<boolean>`(not exists (select 1 from consent_event p where p.subject_id = r.subject_id
                      and p.purpose_key = r.purpose_key and p.channel = r.channel and p.channel = any(${channels})
                      and p.occurred_at >= ${since})
          and not exists (select 1 from consent_event e
                          join touchpoint p on p.subject_id = e.subject_id and p.purpose_key = e.purpose_key
                                           and p.channel = e.channel
                          where e.subject_id = r.subject_id and e.purpose_key = r.purpose_key and e.channel = r.channel
                            and e.channel = any(${channels}) and p.occurred_at >= ${since}))`
}

/**
 * What no legal hold keeps, per kind — the holds `privacy/holds/hold.ts` derives, as SQL over the set:
 * an invoice while unpaid (Art. 17(3)(e)) or within its vouchers period, with its order (an order with
 * an invoice goes only after the invoice); a phone call under a consent whose § 7a proof runs, and
 * that consent's events; every row of a kind an entered hold in force keeps. A subject rule erases
 * through the gate, which keeps what holds keep; a subject already erased, merged, or erased but for
 * what holds keep (finished by `ErasureService`) is not due again.
 */
function notHeld(kind: RetentionRecordKind, holds: HoldBounds): RawBuilder<boolean> {
  const channels = sql`${textArray(holds.proofChannels)}::text[]`
  switch (kind) {
    case 'invoice':
      return sql`(r.paid_at is not null and ${holds.vouchers ? sql`r.issued_at < ${at(holds.vouchers)}` : sql`false`}
                  and ${enteredHold('invoice', holds.now)})`
    case 'customer_order':
      return sql`(not exists (select 1 from invoice i where i.subject_id = r.subject_id and i.order_id = r.id)
                  and ${enteredHold('customer_order', holds.now)})`
    case 'touchpoint':
      return sql`(${enteredHold('touchpoint', holds.now)} and ${proofNotKept(holds, channels)})`
    case 'consent_event':
      return proofNotKept(holds, channels)
    case 'deal':
      return enteredHold('deal', holds.now)
    case 'subject_note':
      return enteredHold('subject_note', holds.now)
    case 'subject':
      return sql`(r.erased_at is null and r.merged_into is null and r.erasure_requested_at is null)`
    default:
      return sql`true`
  }
}

/** The rows of `query.target` that are due and not held (alias `r`). */
function duePredicate(query: DueQuery): RawBuilder<boolean> {
  const others = query.kindRules
    .filter((rule) => rule.key !== query.target.key && rule.kind === query.target.kind)
    // A row covered by several rules is due only when all of them have run out.
    .map((rule) => sql`(not ${covers(rule)} or ${due(rule)})`)
  // The § 7a rule's own test is the proof hold's, with a cutoff no later: the hold adds nothing.
  const t = query.target
  const proofRule =
    t.kind === 'consent_event' &&
    t.date === 'lastUse' &&
    t.cutoff !== null &&
    query.holds.proof !== null &&
    t.cutoff.getTime() <= query.holds.proof.getTime() &&
    t.condition === 'consent_channel_phone' &&
    query.holds.proofChannels.length === 1 &&
    query.holds.proofChannels[0] === 'phone'
  return sql<boolean>`(${sql.join(
    [covers(t), due(t), ...others, ...(proofRule ? [] : [notHeld(t.kind, query.holds)])],
    sql` and `,
  )})`
}

/** The subject a row belongs to, and its own id (a consent event is numbered within its subject). */
const subjectOf = (kind: RetentionRecordKind) => (kind === 'subject' ? sql`r.id` : sql`r.subject_id`)
const recordOf = (kind: RetentionRecordKind) =>
  kind === 'consent_event' ? sql`r.seq::text` : sql`r.id::text`
const uuids = (ids: readonly string[]) => sql`${textArray(ids)}::uuid[]`

/**
 * SQL of the retention sweeper: which rows are due (counted, sampled, by batch), their deletion,
 * and the plans, runs and progress. The due tests are composed from the closed set of fragments
 * above (parameters only, never text); the table is one of the retention record kinds. One
 * statement per method; every method takes the caller's transaction.
 */
export class RetentionSweepRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** How many subjects and rows are due. */
  async count(query: DueQuery, db = this.#db): Promise<{ subjects: number; records: number }> {
    const kind = query.target.kind
    const counted = (trx: Kysely<Schema>) =>
      sql<{ subjects: number; records: number }>`
        select count(*)::int8 as subjects, coalesce(sum(n), 0)::int8 as records
        from (select ${subjectOf(kind)} as subject_id, count(*) as n
              from ${sql.table(kind)} r
              where ${duePredicate(query)}
              group by 1) per_subject
      `.execute(trx)
    // PostgreSQL's JIT compiles the many expressions of these one-off counts for longer than they
    // run (0.2-0.4 s per rule at a million subjects): off for this transaction only.
    const { rows } = await (db.isTransaction
      ? noJit(db).then(() => counted(db))
      : db.transaction().execute(async (trx) => {
          await noJit(trx)
          return counted(trx)
        }))
    return { subjects: Number(rows[0]?.subjects ?? 0), records: Number(rows[0]?.records ?? 0) }
  }

  /** A few due rows, pseudonymously: subject id and record id (the first found; no order, so it stops early). */
  async sample(
    query: DueQuery,
    limit: number,
    db = this.#db,
  ): Promise<{ subjectId: string; recordId: string }[]> {
    const kind = query.target.kind
    const { rows } = await sql<{ subject_id: string; record_id: string }>`
      select ${subjectOf(kind)}::text as subject_id, ${recordOf(kind)} as record_id
      from ${sql.table(kind)} r
      where ${duePredicate(query)}
      limit ${limit}
    `.execute(db)
    return rows.map((r) => ({ subjectId: r.subject_id, recordId: r.record_id }))
  }

  /** The next subjects with due rows after `after` (the batch cursor), in id order. */
  async dueSubjects(query: DueQuery, after: string | null, limit: number, db = this.#db): Promise<string[]> {
    const kind = query.target.kind
    const { rows } = await sql<{ subject_id: string }>`
      select distinct ${subjectOf(kind)} as subject_id
      from ${sql.table(kind)} r
      where ${subjectOf(kind)} > ${after ?? NO_SUBJECT}::uuid and ${duePredicate(query)}
      -- By the uuid itself, as the keys are ordered: the next batch is read in key order and stops at the limit.
      order by 1
      limit ${limit}
    `.execute(db)
    return rows.map((r) => r.subject_id)
  }

  /**
   * Deletes the due rows of these subjects (of a record kind, not `subject`: subjects are erased
   * through the gate); returns, per deleted row, its subject. What follows a row goes with it: an
   * order's lines (the foreign key cascades), a double opt-in request's link digest, and a consent's
   * derived state once none of its events is left.
   */
  async deleteDue(query: DueQuery, subjectIds: readonly string[], trx: Kysely<Schema>): Promise<string[]> {
    if (subjectIds.length === 0) return []
    const kind = query.target.kind
    if (kind === 'subject') throw new Error('subjects are erased through the gate, not deleted')
    const pred = duePredicate(query)
    const ids = uuids(subjectIds)
    const child = ROWS_THAT_GO_WITH[kind]
    if (child) {
      const { rows } = await sql<{ subject_id: string }>`
        with gone as (
          delete from ${sql.table(kind)} r where r.subject_id = any(${ids}) and ${pred}
          returning r.subject_id, r.id
        ), children as (
          delete from ${sql.table(child)} c using gone
          where c.subject_id = gone.subject_id and c.request_id = gone.id
        )
        select subject_id::text as subject_id from gone
      `.execute(trx)
      return rows.map((r) => r.subject_id)
    }
    if (kind === 'consent_event') {
      const { rows } = await sql<{ subject_id: string }>`
        with gone as (
          delete from consent_event r where r.subject_id = any(${ids}) and ${pred}
          returning r.subject_id, r.seq, r.purpose_key, r.channel
        ), state as (
          delete from permission_state s
          using (select distinct subject_id, purpose_key, channel from gone) g
          where s.subject_id = g.subject_id and s.purpose_key = g.purpose_key and s.channel = g.channel
            and not exists (select 1 from consent_event c
                            where c.subject_id = g.subject_id and c.purpose_key = g.purpose_key
                              and c.channel = g.channel
                              and not exists (select 1 from gone x where x.subject_id = c.subject_id and x.seq = c.seq))
        )
        select subject_id::text as subject_id from gone
      `.execute(trx)
      return rows.map((r) => r.subject_id)
    }
    const { rows } = await sql<{ subject_id: string }>`
      delete from ${sql.table(kind)} r where r.subject_id = any(${ids}) and ${pred}
      returning r.subject_id::text as subject_id
    `.execute(trx)
    return rows.map((r) => r.subject_id)
  }

  // Plans, runs, progress: not personal tables.

  async insertPlan(row: Insertable<RetentionPlanTable>, db = this.#db): Promise<RetentionPlanRow> {
    return db.insertInto('retention_plan').values(row).returningAll().executeTakeFirstOrThrow()
  }

  findPlan(id: string, db = this.#db): Promise<RetentionPlanRow | undefined> {
    return db.selectFrom('retention_plan').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** The newest plans first. */
  plans(limit: number, db = this.#db): Promise<RetentionPlanRow[]> {
    return db
      .selectFrom('retention_plan')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  /** The plan a person approved last: its rule versions are the standing approval. */
  lastApproved(db = this.#db): Promise<RetentionPlanRow | undefined> {
    return db
      .selectFrom('retention_plan')
      .selectAll()
      .where('approval', '=', 'dpo')
      .orderBy('approved_at', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  /** Marks a plan approved unless it is; undefined when it was already. */
  approvePlan(
    id: string,
    by: { type: string; id: string },
    approvedAt: Date,
    approval: 'dpo' | 'standing',
    trx: Kysely<Schema>,
  ): Promise<RetentionPlanRow | undefined> {
    return trx
      .updateTable('retention_plan')
      .set({ approved_at: approvedAt, approved_by_type: by.type, approved_by_id: by.id, approval })
      .where('id', '=', id)
      .where('approved_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
  }

  async insertRun(
    run: Insertable<RetentionRunTable>,
    rules: readonly Insertable<RetentionRunRuleTable>[],
    trx: Kysely<Schema>,
  ): Promise<RetentionRunRow> {
    const row = await trx.insertInto('retention_run').values(run).returningAll().executeTakeFirstOrThrow()
    if (rules.length > 0)
      await trx
        .insertInto('retention_run_rule')
        .values([...rules])
        .execute()
    return row
  }

  findRun(id: string, db = this.#db): Promise<RetentionRunRow | undefined> {
    return db.selectFrom('retention_run').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** The newest runs first. */
  runs(limit: number, db = this.#db): Promise<RetentionRunRow[]> {
    return db
      .selectFrom('retention_run')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  /** Runs a process left unfinished (it stopped, or is still going), oldest first. */
  unfinishedRuns(db = this.#db): Promise<RetentionRunRow[]> {
    return db
      .selectFrom('retention_run')
      .selectAll()
      .where('status', '=', 'running')
      .orderBy('started_at')
      .execute()
  }

  /** The progress of runs' rules, in the plan's order. */
  runRules(runIds: readonly string[], db = this.#db): Promise<RetentionRunRuleRow[]> {
    if (runIds.length === 0) return Promise.resolve([])
    return db
      .selectFrom('retention_run_rule')
      .selectAll()
      .where('run_id', 'in', [...runIds])
      .orderBy('run_id')
      .orderBy('position')
      .execute()
  }

  /** Locks a rule's progress for one batch (a second delivery of the same run waits, then goes on after it). */
  lockRunRule(runId: string, ruleKey: string, trx: Kysely<Schema>): Promise<RetentionRunRuleRow | undefined> {
    return trx
      .selectFrom('retention_run_rule')
      .selectAll()
      .where('run_id', '=', runId)
      .where('rule_key', '=', ruleKey)
      .forUpdate()
      .executeTakeFirst()
  }

  /** Adds a batch's counts to a rule's progress and moves its cursor forward (never back). */
  async advance(
    runId: string,
    ruleKey: string,
    batch: {
      cursor: string
      subjects: number
      records: number
      erased: number
      held: number
      failures: readonly { subject: string; reason: string }[]
    },
    at: Date,
    db: Kysely<Schema>,
  ): Promise<void> {
    await sql`
      update retention_run_rule set
        cursor = greatest(coalesce(cursor, ${NO_SUBJECT}::uuid), ${batch.cursor}::uuid),
        subjects_done = subjects_done + ${batch.subjects},
        records_deleted = records_deleted + ${batch.records},
        erased = erased + ${batch.erased},
        held = held + ${batch.held},
        failed = failed + ${batch.failures.length},
        -- The first 100 failures are kept: enough to look into, bounded whatever goes wrong.
        failures = (select coalesce(jsonb_agg(f), '[]'::jsonb) from (
          select f from jsonb_array_elements(failures || ${JSON.stringify(batch.failures)}::jsonb) f limit 100) x),
        updated_at = ${at.toISOString()}::timestamptz
      where run_id = ${runId}::uuid and rule_key = ${ruleKey}
    `.execute(db)
  }

  async updateRunRule(
    runId: string,
    ruleKey: string,
    changes: Updateable<RetentionRunRuleTable>,
    db = this.#db,
  ): Promise<void> {
    await db
      .updateTable('retention_run_rule')
      .set(changes)
      .where('run_id', '=', runId)
      .where('rule_key', '=', ruleKey)
      .execute()
  }

  async finishRun(runId: string, at: Date, db = this.#db): Promise<void> {
    await db
      .updateTable('retention_run')
      .set({ status: 'done', finished_at: at })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .execute()
  }
}
