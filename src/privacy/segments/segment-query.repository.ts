import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { denialRuleCase, type PlanQuery, permittedCondition } from '../permissions/permission.repository.ts'
import type { DenialRule } from '../permissions/permission-rules.ts'

/**
 * The SQL of segment evaluation: one statement per method over the subjects (`subject s`, erased
 * ones left out as the lists do), the segment's compiled condition and, for an audience, the gate's
 * decision plan of the purpose and channel. Reads personal tables: kernel only.
 */
export class SegmentQueryRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * How many subjects the segment holds and, per audience (the plans a member must all pass), how
   * many of them it holds (segment ∩ permission), in one statement. The members are found once (the
   * segment's condition, with the joins the planner chooses) and each audience is counted over them
   * as a query of its own, so the plan's checks can be semi and anti joins too: a FILTER clause would
   * decide them by index probes per member, cheap for a small segment and seconds for a large one.
   */
  async counts(
    segment: RawBuilder<SqlBool>,
    audiences: readonly (readonly PlanQuery[])[],
  ): Promise<{ total: number; permitted: number[] }> {
    const permitted = audiences.map((plans, i) => {
      const allowed = sql.join(
        plans.map((plan) => permittedCondition(plan, sql.ref('s.id'))),
        sql` and `,
      )
      return sql`(select count(*) from m as s where ${allowed}) as ${sql.ref(`p${i}`)}`
    })
    const rows = await this.#analytic((trx) =>
      sql<Record<string, number>>`
        with m as materialized (select s.id from subject s where s.erased_at is null and ${segment})
        select ${sql.join([sql`(select count(*) from m) as total`, ...permitted])}
      `.execute(trx),
    )
    const row = rows.rows[0] ?? {}
    return { total: Number(row.total ?? 0), permitted: audiences.map((_, i) => Number(row[`p${i}`] ?? 0)) }
  }

  /**
   * One statement of a live count, with PostgreSQL's JIT compiler off: on counts that take tenths of
   * a second its compilation (seen at ~1 s for the plan of a segment ∩ two purposes) costs more than
   * it saves. `set local` ends with the transaction; PGlite has no JIT and ignores it.
   */
  #analytic<T>(work: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`set local jit = off`.execute(trx)
      return work(trx)
    })
  }

  /**
   * The segment's subjects by the plan's first denial rule (null: allowed): the permitted audience
   * and the excluded ones by reason in one statement (every member is decided, so it costs the
   * rule's probes per member, where `countPermitted` lets the planner join).
   */
  async countByRule(
    segment: RawBuilder<SqlBool>,
    plan: PlanQuery,
  ): Promise<{ rule: DenialRule | null; n: number }[]> {
    const { rows } = await this.#analytic((trx) =>
      sql<{ rule: DenialRule | null; n: number }>`
      select r.rule, count(*) as n from (
        select ${denialRuleCase(plan.plan, plan.now)} as rule
        from subject s
        cross join lateral (select s.id as id) as ids
        left join permission_state p
          on p.subject_id = s.id and p.purpose_key = ${plan.purposeKey} and p.channel = ${plan.channel}
        where s.erased_at is null and ${segment}
      ) r
      group by r.rule
    `.execute(trx),
    )
    return rows.map((r) => ({ rule: r.rule, n: Number(r.n) }))
  }

  /** One keyset page of the permitted audience's ids, in id order, strictly after `after`. */
  async members(
    segment: RawBuilder<SqlBool>,
    plan: PlanQuery,
    page: { after?: string | undefined; limit: number },
  ): Promise<string[]> {
    const after = page.after === undefined ? sql<SqlBool>`true` : sql<SqlBool>`s.id > ${page.after}`
    const { rows } = await sql<{ id: string }>`
      select s.id from subject s
      where s.erased_at is null and ${after} and ${segment} and ${permittedCondition(plan, sql.ref('s.id'))}
      order by s.id
      limit ${page.limit}
    `.execute(this.#db)
    return rows.map((r) => r.id)
  }
}
