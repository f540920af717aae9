import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** Subjects per kind (a subject with two kinds counts in both). */
export interface KindCountRow {
  kind: string
  count: number
}

/** Consent events of one kind in one week (Monday, in the given time zone). */
export interface ConsentWeekRow {
  week: string
  kind: string
  count: number
}

/** Subjects holding a consent now, per purpose and channel. */
export interface ConsentCoverageRow {
  purpose_key: string
  channel: string
  count: number
}

/** Open data subject requests by how soon they are due. */
export interface RequestDueRow {
  overdue: number
  due_7_days: number
  due_later: number
}

/**
 * Counts over the personal tables for the dashboard: aggregates only — no subject id, no value
 * leaves these queries. One query per method.
 */
export class StatisticsRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Living subjects (not erased, not merged, no erasure held) per kind. */
  async contactsByKind(): Promise<KindCountRow[]> {
    const result = await sql<{ kind: string; count: string }>`
      select k.kind, count(*) as count
      from subject s cross join lateral unnest(s.kinds) as k(kind)
      where s.erased_at is null and s.merged_into is null and s.erasure_requested_at is null
      group by k.kind
      order by count(*) desc, k.kind`.execute(this.#db)
    return result.rows.map((r) => ({ kind: r.kind, count: Number(r.count) }))
  }

  /** Grants, confirmations and withdrawals per week since `since`, weeks starting on Monday in `timeZone`. */
  async consentWeeks(since: Date, timeZone: string): Promise<ConsentWeekRow[]> {
    const result = await sql<{ week: string; kind: string; count: string }>`
      select to_char(date_trunc('week', e.occurred_at at time zone ${timeZone}), 'YYYY-MM-DD') as week,
             e.kind, count(*) as count
      from consent_event e
      where e.occurred_at >= ${since} and e.kind in ('granted', 'confirmed', 'withdrawn')
      group by 1, 2
      order by 1, 2`.execute(this.#db)
    return result.rows.map((r) => ({ week: r.week, kind: r.kind, count: Number(r.count) }))
  }

  /** Subjects whose consent is in force now (granted or confirmed, not withdrawn), per purpose and channel. */
  async consentCoverage(): Promise<ConsentCoverageRow[]> {
    const result = await sql<{ purpose_key: string; channel: string; count: string }>`
      select p.purpose_key, p.channel, count(*) as count
      from permission_state p
      join subject s on s.id = p.subject_id
      where p.status in ('granted', 'confirmed') and s.erased_at is null and s.merged_into is null
      group by p.purpose_key, p.channel
      order by p.purpose_key, p.channel`.execute(this.#db)
    return result.rows.map((r) => ({
      purpose_key: r.purpose_key,
      channel: r.channel,
      count: Number(r.count),
    }))
  }

  /** Requests still open: overdue, due within seven days, due later. */
  async openRequestsByDue(now: Date): Promise<RequestDueRow> {
    const soon = new Date(now.getTime() + 7 * 24 * 3600 * 1000)
    const row = await this.#db
      .selectFrom('dsr_request')
      .where('status', '=', 'received')
      .select([
        sql<string>`count(*) filter (where due_at < ${now})`.as('overdue'),
        sql<string>`count(*) filter (where due_at >= ${now} and due_at < ${soon})`.as('due_7_days'),
        sql<string>`count(*) filter (where due_at >= ${soon})`.as('due_later'),
      ])
      .executeTakeFirstOrThrow()
    return {
      overdue: Number(row.overdue),
      due_7_days: Number(row.due_7_days),
      due_later: Number(row.due_later),
    }
  }
}
