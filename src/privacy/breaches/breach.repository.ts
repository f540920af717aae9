import { type Kysely, type Selectable, sql } from 'kysely'
import type { BreachTable, Schema } from '../../platform/db/schema.ts'

export type BreachRow = Selectable<BreachTable>

/** The columns a new breach is stored with (the number and defaults are the database's). */
export interface NewBreachRow {
  id: string
  aware_at: Date
  occurred_from: Date | null
  occurred_until: Date | null
  title: string
  description: string
  nature: string[]
  subject_categories: string[]
  data_categories: string[]
  approx_subjects: number | null
  approx_records: number | null
  consequences: string
  measures: string
  risk: string
  recorded_by_type: string
  recorded_by_id: string
  created_at: Date
  updated_at: Date
}

/** What a change may set. */
export type BreachChanges = Partial<
  Pick<
    BreachRow,
    | 'aware_at'
    | 'occurred_from'
    | 'occurred_until'
    | 'title'
    | 'description'
    | 'nature'
    | 'subject_categories'
    | 'data_categories'
    | 'approx_subjects'
    | 'approx_records'
    | 'consequences'
    | 'measures'
    | 'risk'
    | 'status'
    | 'authority_notified_at'
    | 'authority_reference'
    | 'delay_reasons'
  >
> & { updated_at: Date }

/** One person of an affected set. */
export interface AffectedRow {
  subject_id: string
  records: number
  added_at: Date
  letter_status: string | null
  letter_note: string | null
  letter_at: Date | null
}

/** The affected set's counts: people, audit records, letters by status (null: not yet sent). */
export interface AffectedCountRow {
  subjects: number
  records: number
  letters: { status: string | null; n: number }[]
}

/** SQL of the breach register (tables `breach` and `breach_subject`); one query per method. */
export class BreachRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  insert(row: NewBreachRow, trx: Kysely<Schema> = this.#db): Promise<BreachRow> {
    return trx.insertInto('breach').values(row).returningAll().executeTakeFirstOrThrow()
  }

  find(id: string, trx: Kysely<Schema> = this.#db): Promise<BreachRow | undefined> {
    return trx.selectFrom('breach').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Newest first. */
  list(): Promise<BreachRow[]> {
    return this.#db.selectFrom('breach').selectAll().orderBy('number', 'desc').execute()
  }

  update(id: string, changes: BreachChanges, trx: Kysely<Schema> = this.#db): Promise<BreachRow | undefined> {
    return trx.updateTable('breach').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
  }

  /** Appends a query to the breach's list of affected-set queries. */
  async addQuery(id: string, query: unknown, at: Date, trx: Kysely<Schema>): Promise<void> {
    await sql`update breach set affected_queries = affected_queries || ${JSON.stringify([query])}::jsonb,
      updated_at = ${at}::timestamptz where id = ${id}::uuid`.execute(trx)
  }

  /**
   * Adds to the breach's affected set every subject the actor's audit records of `actions` named in
   * [from, until) — inline (`subject_ids`) or through a linked set — with the number of such records;
   * a person already in the set adds those records. One set-based statement: the actor-time index
   * (migration 0031) finds the actor's records of the window, `unnest` and the linked sets' primary
   * key give their subjects; a subject merged since is counted as the survivor it was merged into.
   * Returns the number of people the statement added or updated.
   */
  async addAffected(
    trx: Kysely<Schema>,
    breachId: string,
    query: { actorType: string; actorId: string; from: Date; until: Date; actions: readonly string[] },
    at: Date,
  ): Promise<number> {
    const result = await sql`
      with events as (
        select e.subject_ids, e.subject_set_id
        from audit_event e
        where e.actor_type = ${query.actorType} and e.actor_id = ${query.actorId}
          and e.at >= ${query.from}::timestamptz and e.at < ${query.until}::timestamptz
          and e.action = any(${query.actions}::text[])
          and (e.subject_ids is not null or e.subject_set_id is not null)
      ),
      named as (
        select unnest(subject_ids) as subject_id from events where subject_ids is not null
        union all
        select s.subject_id from events ev join audit_subject_set s on s.set_id = ev.subject_set_id
      ),
      counted as (
        -- A person merged since counts as the one they were merged into: the letter goes to them.
        select coalesce(s.merged_into, s.id) as subject_id, count(*)::int as records
        from named n join subject s on s.id = n.subject_id
        group by 1
      )
      insert into breach_subject (subject_id, breach_id, records, added_at)
      select c.subject_id, ${breachId}::uuid, c.records, ${at}::timestamptz
      from counted c
      on conflict (subject_id, breach_id) do update set records = breach_subject.records + excluded.records`.execute(
      trx,
    )
    return Number(result.numAffectedRows ?? 0n)
  }

  /** A keyset page of the affected set, by subject id. */
  affected(breachId: string, after: string | undefined, limit: number): Promise<AffectedRow[]> {
    let query = this.#db
      .selectFrom('breach_subject')
      .select(['subject_id', 'records', 'added_at', 'letter_status', 'letter_note', 'letter_at'])
      .where('breach_id', '=', breachId)
    if (after) query = query.where('subject_id', '>', after)
    return query.orderBy('subject_id').limit(limit).execute()
  }

  /** People of the set no letter reached yet (none tried, or the last try failed), by subject id. */
  async pendingLetters(breachId: string, after: string | undefined, limit: number): Promise<string[]> {
    let query = this.#db
      .selectFrom('breach_subject')
      .select('subject_id')
      .where('breach_id', '=', breachId)
      .where((eb) => eb.or([eb('letter_status', 'is', null), eb('letter_status', '=', 'failed')]))
    if (after) query = query.where('subject_id', '>', after)
    const rows = await query.orderBy('subject_id').limit(limit).execute()
    return rows.map((r) => r.subject_id)
  }

  /** Records the letters' outcomes: one statement for the batch. */
  async recordLetters(
    breachId: string,
    outcomes: readonly { subjectId: string; status: string; note: string | null }[],
    at: Date,
  ): Promise<void> {
    if (outcomes.length === 0) return
    await sql`update breach_subject b set letter_status = o.status, letter_note = o.note,
        letter_at = ${at}::timestamptz
      from unnest(${outcomes.map((o) => o.subjectId)}::uuid[], ${outcomes.map((o) => o.status)}::text[],
        ${outcomes.map((o) => o.note)}::text[]) as o(subject_id, status, note)
      where b.breach_id = ${breachId}::uuid and b.subject_id = o.subject_id`.execute(this.#db)
  }

  async counts(breachId: string): Promise<AffectedCountRow> {
    const result = await sql<AffectedCountRow>`
      select coalesce(sum(n), 0)::int as subjects, coalesce(sum(records), 0)::int as records,
             coalesce(json_agg(json_build_object('status', letter_status, 'n', n)) filter (where n > 0), '[]') as letters
      from (select letter_status, count(*)::int as n, sum(records)::int as records
            from breach_subject where breach_id = ${breachId}::uuid group by letter_status) g`.execute(
      this.#db,
    )
    return result.rows[0] ?? { subjects: 0, records: 0, letters: [] }
  }

  /** Open breaches that need a notification and aren't notified yet: the reminder job's candidates. */
  openUnnotified(): Promise<BreachRow[]> {
    return this.#db
      .selectFrom('breach')
      .selectAll()
      .where('status', '=', 'open')
      .where('risk', '<>', 'none')
      .where('authority_notified_at', 'is', null)
      .orderBy('aware_at')
      .execute()
  }

  /** Marks a reminder stage sent, once: false when another process sent it first. */
  async markReminder(id: string, stage: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('breach')
      .set({ reminders_sent: stage })
      .where('id', '=', id)
      .where('reminders_sent', '<', stage)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}
