import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import type { Gate, GateActor } from '../gate/gate.service.ts'
import type { HoldRules } from '../holds/hold.ts'
import { retentionCutoff } from './retention-cutoff.ts'
import type { RetentionRecordKind, RetentionRule, StartEvent } from './retention-rule.ts'
import { RECORD_DATES, START_EVENT_CLOCKS } from './retention-rule.ts'
import type {
  DueQuery,
  HoldBounds,
  RetentionPlanRow,
  RetentionRunRow,
  RetentionRunRuleRow,
  RetentionSweepRepository,
  SweepRule,
} from './retention-sweep.repository.ts'

/** Who acts on the sweeper: a person (the DPO), an API token, the CLI, or the scheduled job. */
export interface SweepContext {
  actor: GateActor
  requestId?: string | undefined
}

/** What the daily job acts as: Tresor's own job, in the DPO's role (it runs what the DPO approved). */
export const SWEEP_JOB_ACTOR: GateActor = { type: 'job', id: 'retention.sweep', role: 'dpo' }

/**
 * Per rule, what a plan found: `due` (rows fall due), `nothing_due`, `not_recorded` (the rule's
 * start event reads a date Tresor doesn't record: nothing falls due, shown rather than skipped), or
 * `not_in_tresor` (a category Tresor keeps no record of, such as the books).
 */
export type PlanRuleStatus = 'due' | 'nothing_due' | 'not_recorded' | 'not_in_tresor'

/** One rule of a plan: its version, the cutoff, the counts and a pseudonymous sample. */
export interface RetentionPlanRule {
  ruleKey: string
  ruleVersion: number
  recordKind: RetentionRecordKind | null
  period: string
  startEvent: StartEvent
  status: PlanRuleStatus
  /** `erase_subjects`: through the gate's erasure (keeps what holds keep); `delete_records`; `none`. */
  action: 'erase_subjects' | 'delete_records' | 'none'
  /** ISO instant: a row whose date is before it is due; null when nothing can be. */
  cutoff: string | null
  /** The date columns compared with the cutoff (the latest of them must be before it). */
  columns: string[]
  /** Why nothing falls due, where the rule reads a date that isn't recorded. */
  note: string | null
  subjects: number
  records: number
  /** Up to five due rows: subject id and record id, no personal data. */
  sample: { subjectId: string; recordId: string }[]
}

/** A plan: the dry run, and its approval. */
export interface RetentionPlan {
  id: string
  createdAt: Date
  /** The instant the plan judged due at. */
  asOf: Date
  trigger: 'manual' | 'schedule'
  createdBy: { type: string; id: string }
  rules: RetentionPlanRule[]
  approval: { kind: 'dpo' | 'standing'; by: { type: string; id: string }; at: Date } | null
}

/** A rule of a run: what was planned, what has been done, or why it was not run. */
export interface RetentionRunRule {
  ruleKey: string
  ruleVersion: number
  recordKind: RetentionRecordKind | null
  status: 'pending' | 'done' | 'skipped'
  skipReason: string | null
  cutoff: Date | null
  planned: { subjects: number; records: number }
  done: { subjects: number; records: number; erased: number; held: number; failed: number }
  /** The first failures (pseudonymous subject ids and the reason, no personal data). */
  failures: { subject: string; reason: string }[]
}

export interface RetentionRun {
  id: string
  planId: string
  trigger: 'manual' | 'schedule'
  actor: { type: string; id: string }
  status: 'running' | 'done'
  startedAt: Date
  finishedAt: Date | null
  rules: RetentionRunRule[]
}

/** Whether the sweeper runs on its own, and on which approval. */
export interface SweeperStatus {
  /** Off until a person approves the first plan (no surprise deletions of imported data). */
  enabled: boolean
  lastApproval: { planId: string; at: Date; by: { type: string; id: string } } | null
  /** The rule versions the schedule runs (the last approval's); a rule at another version waits for approval. */
  approvedVersions: { ruleKey: string; ruleVersion: number }[]
}

/** What the daily sweep did. */
export interface SweepReport {
  enabled: boolean
  resumed: number
  planId: string | null
  runId: string | null
  /** Rules run, and rules skipped with their reason. */
  ran: string[]
  skipped: { ruleKey: string; reason: string }[]
}

/** Progress of a run, after each batch (for a progress bar). */
export interface RunProgress {
  runId: string
  ruleKey: string
  /** Subjects handled in this rule so far, and planned. */
  done: number
  planned: number
}

const SAMPLE_SIZE = 5
/**
 * Subjects per batch (one transaction each): large enough that a batch's fixed cost (the erasure's
 * holds, locks, audit record, ledger file flush) is spread (measured: 1,500 a batch erase twice as
 * fast per subject as 500), small enough that a batch's locks and a retry one by one stay short.
 */
const DEFAULT_BATCH = 1_000

const planRuleOf = (value: unknown) => value as RetentionPlanRule

export const toRetentionPlan = (row: RetentionPlanRow): RetentionPlan => ({
  id: row.id,
  createdAt: row.created_at,
  asOf: row.as_of,
  trigger: row.trigger as RetentionPlan['trigger'],
  createdBy: { type: row.created_by_type, id: row.created_by_id },
  rules: (row.rules as unknown[]).map(planRuleOf),
  approval:
    row.approval && row.approved_at
      ? {
          kind: row.approval as 'dpo' | 'standing',
          by: { type: row.approved_by_type ?? '', id: row.approved_by_id ?? '' },
          at: row.approved_at,
        }
      : null,
})

const toRunRule = (row: RetentionRunRuleRow): RetentionRunRule => ({
  ruleKey: row.rule_key,
  ruleVersion: row.rule_version,
  recordKind: row.record_kind as RetentionRecordKind | null,
  status: row.status as RetentionRunRule['status'],
  skipReason: row.skip_reason,
  cutoff: row.cutoff,
  planned: { subjects: Number(row.planned_subjects), records: Number(row.planned_records) },
  done: {
    subjects: Number(row.subjects_done),
    records: Number(row.records_deleted),
    erased: Number(row.erased),
    held: Number(row.held),
    failed: Number(row.failed),
  },
  failures: row.failures,
})

const toRun = (row: RetentionRunRow, rules: readonly RetentionRunRuleRow[]): RetentionRun => ({
  id: row.id,
  planId: row.plan_id,
  trigger: row.trigger as RetentionRun['trigger'],
  actor: { type: row.actor_type, id: row.actor_id },
  status: row.status as RetentionRun['status'],
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  rules: rules.filter((r) => r.run_id === row.id).map(toRunRule),
})

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300)
const day = (iso: string | Date) => (typeof iso === 'string' ? iso : iso.toISOString()).slice(0, 10)

/**
 * The retention sweeper (issue #13; docs/adr/0015): applies the deletion concept's rules. A **plan**
 * (dry run) finds, per rule, the cutoff (`retentionCutoff`, from the one clock), counts the subjects
 * and records due in SQL over the whole set, and keeps a pseudonymous sample; nothing is deleted. A
 * person approves a plan (audited); a **run** executes an approved plan with its cutoffs, in batches
 * of subjects, each batch its own transaction with its audit record and its progress, so a run
 * stopped half-way leaves nothing half-deleted and the next one goes on after the last batch done.
 * Rules of the kind `subject` erase through the gate (which keeps what legal holds keep); other
 * kinds delete their due rows here, in the kernel, less what holds keep. A rule whose version changed
 * since the approval is not run. The daily **sweep** is off until a person approved a first plan;
 * then it plans and runs every rule still at the version approved last (the standing approval).
 */
export class RetentionSweeper {
  readonly #db: Kysely<Schema>
  readonly #repo: RetentionSweepRepository
  readonly #rules: { list(): Promise<RetentionRule[]> }
  readonly #gate: Pick<Gate, 'eraseSubjects'>
  readonly #holdRules: () => Promise<HoldRules>
  readonly #audit: AuditWriter
  readonly #clock: () => Date
  readonly #concurrent: boolean

  constructor(deps: {
    db: Kysely<Schema>
    repository: RetentionSweepRepository
    rules: { list(): Promise<RetentionRule[]> }
    gate: Pick<Gate, 'eraseSubjects'>
    /** The periods the derived holds follow (`HoldService.rules`). */
    holdRules: () => Promise<HoldRules>
    audit: AuditWriter
    clock?: () => Date
    /** PostgreSQL: the rules' counts two at a time, each on a connection of its own (PGlite has one). */
    concurrentReads?: boolean
  }) {
    this.#db = deps.db
    this.#repo = deps.repository
    this.#rules = deps.rules
    this.#gate = deps.gate
    this.#holdRules = deps.holdRules
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
    this.#concurrent = deps.concurrentReads ?? false
  }

  /** The dry run: per rule, the cutoff, how many subjects and records are due, a sample. Stored, not approved. */
  async plan(
    ctx: SweepContext,
    options: { asOf?: Date; trigger?: 'manual' | 'schedule' } = {},
  ): Promise<RetentionPlan> {
    const asOf = options.asOf ?? this.#clock()
    const rules = await this.#rules.list()
    const holds = await this.#holdBounds(asOf)
    const sweep = rules.map((rule) => ({ rule, ...sweepRuleOf(rule, asOf) }))
    const kindRules = sweep.flatMap((s) => (s.sweep ? [s.sweep] : []))
    const planRule = async ({
      rule,
      sweep: target,
      note,
    }: (typeof sweep)[number]): Promise<RetentionPlanRule> => {
      const kind = rule.covers.recordKind
      const clock = START_EVENT_CLOCKS[rule.startEvent]
      const base = {
        ruleKey: rule.key,
        ruleVersion: rule.version,
        recordKind: kind,
        period: rule.period,
        startEvent: rule.startEvent,
        columns: columnsOf(kind, clock.date),
        note,
        subjects: 0,
        records: 0,
        sample: [],
      }
      if (kind === null) return { ...base, status: 'not_in_tresor', action: 'none', cutoff: null }
      if (!target?.cutoff)
        return { ...base, status: note ? 'not_recorded' : 'nothing_due', action: 'none', cutoff: null }
      const query: DueQuery = { target, kindRules, holds }
      const counts = await this.#repo.count(query)
      const sample = counts.records > 0 ? await this.#repo.sample(query, SAMPLE_SIZE) : []
      return {
        ...base,
        status: counts.records > 0 ? 'due' : 'nothing_due',
        action: kind === 'subject' ? 'erase_subjects' : 'delete_records',
        cutoff: target.cutoff.toISOString(),
        ...counts,
        sample,
      }
    }
    const planned: RetentionPlanRule[] = new Array(sweep.length)
    // In the rules' order; on PostgreSQL two at a time (the counts are independent reads).
    let next = 0
    const worker = async () => {
      for (let i = next++; i < sweep.length; i = next++)
        planned[i] = await planRule(sweep[i] as (typeof sweep)[number])
    }
    await Promise.all(this.#concurrent ? [worker(), worker()] : [worker()])
    const row = await this.#repo.insertPlan({
      id: randomUUID(),
      created_at: this.#clock(),
      as_of: asOf,
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
      trigger: options.trigger ?? 'manual',
      rules: JSON.stringify(planned),
      approved_at: null,
      approved_by_type: null,
      approved_by_id: null,
      approval: null,
    })
    return toRetentionPlan(row)
  }

  /** A stored plan; 404 if there is none. */
  async getPlan(id: string): Promise<RetentionPlan> {
    const row = isUuid(id) ? await this.#repo.findPlan(id.toLowerCase()) : undefined
    if (!row) throw new ProblemError('not-found', 'no such retention plan')
    return toRetentionPlan(row)
  }

  /** The newest plans first. */
  async plans(limit = 20): Promise<RetentionPlan[]> {
    return (await this.#repo.plans(limit)).map(toRetentionPlan)
  }

  /**
   * The DPO approves a plan: it is stored with who approved it when (the rules' keys, versions,
   * cutoffs and counts are the plan's), audited as `configure`. From then on the sweeper is on: the
   * daily sweep runs every rule still at the version approved here. 409 when a rule changed since
   * the plan was made (a new plan shows what the new version would delete). Approving an approved
   * plan changes nothing.
   */
  async approve(planId: string, ctx: SweepContext): Promise<RetentionPlan> {
    const plan = await this.getPlan(planId)
    if (plan.approval?.kind === 'dpo') return plan
    if (plan.approval)
      throw new ProblemError(
        'conflict',
        'this plan was run by the daily sweep under the standing approval: make a new plan to approve',
      )
    const current = new Map((await this.#rules.list()).map((r) => [r.key, r.version]))
    const changed = plan.rules.filter((r) => r.action !== 'none' && current.get(r.ruleKey) !== r.ruleVersion)
    if (changed.length > 0)
      throw new ProblemError(
        'conflict',
        `rules changed since this plan was made (${changed
          .map(
            (r) =>
              `${r.ruleKey} v${r.ruleVersion} → ${current.has(r.ruleKey) ? `v${current.get(r.ruleKey)}` : 'removed'}`,
          )
          .join(', ')}): make a new plan and approve that`,
      )
    const now = this.#clock()
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repo.approvePlan(plan.id, ctx.actor, now, 'dpo', trx)
      if (!row) throw new ProblemError('conflict', 'the plan was approved meanwhile')
      await this.#audit.append(
        [
          {
            actor: auditActorOf(ctx.actor),
            action: 'configure',
            fields: ['retention_plan'],
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
            reason: `retention plan ${plan.id} approved (the daily sweep runs these rule versions from now on): ${describeRules(plan.rules)}`,
          },
        ],
        trx,
      )
      return toRetentionPlan(row)
    })
  }

  /** Whether the sweeper is on, and on which approval. */
  async status(): Promise<SweeperStatus> {
    const row = await this.#repo.lastApproved()
    if (!row?.approved_at) return { enabled: false, lastApproval: null, approvedVersions: [] }
    const plan = toRetentionPlan(row)
    return {
      enabled: true,
      lastApproval: {
        planId: plan.id,
        at: row.approved_at,
        by: { type: row.approved_by_type ?? '', id: row.approved_by_id ?? '' },
      },
      approvedVersions: plan.rules.map((r) => ({ ruleKey: r.ruleKey, ruleVersion: r.ruleVersion })),
    }
  }

  /**
   * Starts a run of an approved plan (409 when it isn't approved): a rule with nothing due, or
   * whose version changed since the approval (re-approve), is recorded as skipped with the reason.
   * Nothing is deleted yet: `execute` does that. A plan's unfinished run is returned as it is.
   */
  async start(planId: string, ctx: SweepContext): Promise<RetentionRun> {
    const plan = await this.getPlan(planId)
    if (!plan.approval)
      throw new ProblemError(
        'conflict',
        'the plan is not approved: nothing is deleted before the DPO approves a plan (POST /api/v1/retention/plans/{id}/approve)',
      )
    return this.#start(plan, ctx, plan.trigger, () => null)
  }

  async #start(
    plan: RetentionPlan,
    ctx: SweepContext,
    trigger: 'manual' | 'schedule',
    unapproved: (rule: RetentionPlanRule) => string | null,
  ): Promise<RetentionRun> {
    const unfinished = (await this.#repo.unfinishedRuns()).find((r) => r.plan_id === plan.id)
    if (unfinished) return this.getRun(unfinished.id)
    const current = new Map((await this.#rules.list()).map((r) => [r.key, r.version]))
    const now = this.#clock()
    const id = randomUUID()
    const rules = plan.rules.map((rule, position) => {
      const skip =
        rule.action === 'none'
          ? (rule.note ??
            (rule.recordKind === null ? 'no record of this kind in Tresor' : 'nothing falls due'))
          : rule.status !== 'due'
            ? 'nothing was due'
            : !current.has(rule.ruleKey)
              ? 'the rule was removed since the approval'
              : current.get(rule.ruleKey) !== rule.ruleVersion
                ? `the rule changed since the approval (v${rule.ruleVersion} approved, v${current.get(rule.ruleKey)} now): approve a new plan`
                : unapproved(rule)
      return {
        run_id: id,
        rule_key: rule.ruleKey,
        rule_version: rule.ruleVersion,
        record_kind: rule.recordKind,
        status: skip ? 'skipped' : 'pending',
        skip_reason: skip,
        cutoff: rule.cutoff,
        planned_subjects: rule.subjects,
        planned_records: rule.records,
        cursor: null,
        failures: '[]',
        position,
        updated_at: now,
      }
    })
    const row = await this.#db.transaction().execute((trx) =>
      this.#repo.insertRun(
        {
          id,
          plan_id: plan.id,
          trigger,
          actor_type: ctx.actor.type,
          actor_id: ctx.actor.id,
          status: 'running',
          started_at: now,
          finished_at: null,
        },
        rules,
        trx,
      ),
    )
    return toRun(row, await this.#repo.runRules([row.id]))
  }

  /**
   * Executes a run: per pending rule, batch after batch of `batch` subjects (in id order after the
   * rule's cursor) until none is due. Record kinds: one transaction per batch — the due rows deleted
   * (with the approved cutoff; never a row the plan's cutoff doesn't make due, never one a hold keeps),
   * one audit record naming the rule, its version and the plan, the cursor moved. Subjects: erased
   * through the gate, its audit record naming the rule. A batch that fails is retried subject by
   * subject; a subject that fails again is recorded and the rest go on. Idempotent: a second
   * delivery finds nothing more (the rows are gone, the cursor moved); a run stopped half-way goes
   * on where it stopped. A rule whose version changed since the approval is skipped.
   */
  async execute(
    runId: string,
    options: {
      batch?: number
      actor?: GateActor
      onProgress?: (progress: RunProgress) => void | Promise<void>
    } = {},
  ): Promise<RetentionRun> {
    const run = await this.#repo.findRun(runId)
    if (!run) throw new ProblemError('not-found', 'no such retention run')
    if (run.status === 'done') return this.getRun(run.id)
    const planRow = await this.#repo.findPlan(run.plan_id)
    if (!planRow) throw new Error('a run without its plan')
    const plan = toRetentionPlan(planRow)
    const batch = options.batch ?? DEFAULT_BATCH
    const actor: GateActor = options.actor ?? {
      type: run.actor_type as GateActor['type'],
      id: run.actor_id,
      role: 'dpo',
    }
    for (const progress of await this.#repo.runRules([run.id])) {
      if (progress.status !== 'pending') continue
      const rules = await this.#rules.list()
      const rule = rules.find((r) => r.key === progress.rule_key)
      if (!rule || rule.version !== progress.rule_version) {
        await this.#repo.updateRunRule(run.id, progress.rule_key, {
          status: 'skipped',
          skip_reason: rule
            ? `the rule changed since the approval (v${progress.rule_version} approved, v${rule.version} now): approve a new plan`
            : 'the rule was removed since the approval',
          updated_at: this.#clock(),
        })
        continue
      }
      const query = await this.#query(rule, progress, plan, rules)
      if (query) await this.#runRule(run.id, plan.id, progress, query, batch, actor, options.onProgress)
      await this.#repo.updateRunRule(run.id, progress.rule_key, { status: 'done', updated_at: this.#clock() })
    }
    await this.#repo.finishRun(run.id, this.#clock())
    return this.getRun(run.id)
  }

  /** Start and execute (the CLI's `tresor retention run`). */
  async run(
    planId: string,
    ctx: SweepContext,
    options: Parameters<RetentionSweeper['execute']>[1] = {},
  ): Promise<RetentionRun> {
    const run = await this.start(planId, ctx)
    return this.execute(run.id, { actor: ctx.actor, ...options })
  }

  /**
   * The target with the approved cutoff; the other rules of its kind as they stand now, each with
   * the cutoff it has at the plan's instant (equal to the approved one where its version is): a row
   * is deleted only when every rule covering it has run out, by the rules as they are now.
   */
  async #query(
    rule: RetentionRule,
    progress: RetentionRunRuleRow,
    plan: RetentionPlan,
    rules: readonly RetentionRule[],
  ): Promise<DueQuery | undefined> {
    const target = sweepRuleOf(rule, plan.asOf).sweep
    if (!target || !progress.cutoff) return undefined
    const approved = { ...target, cutoff: progress.cutoff }
    const kindRules = rules.flatMap((r) => {
      const s = sweepRuleOf(r, plan.asOf).sweep
      return s && s.kind === target.kind && s.key !== target.key ? [s] : []
    })
    return { target: approved, kindRules, holds: await this.#holdBounds(this.#clock()) }
  }

  async #runRule(
    runId: string,
    planId: string,
    progress: RetentionRunRuleRow,
    query: DueQuery,
    batch: number,
    actor: GateActor,
    onProgress: ((progress: RunProgress) => void | Promise<void>) | undefined,
  ): Promise<void> {
    const kind = query.target.kind
    const why = `retention rule ${progress.rule_key} v${progress.rule_version} (plan ${planId}, cutoff ${day(
      query.target.cutoff as Date,
    )}; Art. 5(1)(e), Art. 17(1)(a) GDPR)`
    let done = Number(progress.subjects_done)
    const planned = Number(progress.planned_subjects)
    let cursor = progress.cursor
    for (;;) {
      const outcome =
        kind === 'subject'
          ? await this.#eraseBatch(runId, progress.rule_key, query, cursor, batch, actor, why)
          : await this.#deleteBatch(runId, progress.rule_key, query, batch, actor, why)
      if (!outcome) return
      cursor = outcome.cursor
      done += outcome.subjects
      await onProgress?.({ runId, ruleKey: progress.rule_key, done, planned })
    }
  }

  /** One batch of record deletions, in one transaction with its audit record and its progress. */
  async #deleteBatch(
    runId: string,
    ruleKey: string,
    query: DueQuery,
    batch: number,
    actor: GateActor,
    why: string,
  ): Promise<{ cursor: string; subjects: number } | undefined> {
    const attempt = (only?: string) =>
      this.#db.transaction().execute(async (trx) => {
        const progress = await this.#repo.lockRunRule(runId, ruleKey, trx)
        if (progress?.status !== 'pending') return undefined
        const ids = only ? [only] : await this.#repo.dueSubjects(query, progress.cursor, batch, trx)
        if (ids.length === 0) return undefined
        const deleted = await this.#repo.deleteDue(query, ids, trx)
        const subjects = [...new Set(deleted)]
        if (deleted.length > 0)
          await this.#audit.append(
            [
              {
                actor: auditActorOf(actor),
                action: 'delete',
                subjectIds: subjects,
                fields: [query.target.kind],
                reason: `${deleted.length} ${query.target.kind} records deleted: ${why}`,
              },
            ],
            trx,
          )
        const last = ids.at(-1) as string
        if (!only)
          await this.#repo.advance(
            runId,
            ruleKey,
            { cursor: last, subjects: ids.length, records: deleted.length, erased: 0, held: 0, failures: [] },
            this.#clock(),
            trx,
          )
        return { ids, deleted: deleted.length }
      })
    try {
      const result = await attempt()
      return result && { cursor: result.ids.at(-1) as string, subjects: result.ids.length }
    } catch {
      // One subject's rows may be what fails: the batch is rolled back whole; each subject alone.
      const progress = (await this.#repo.runRules([runId])).find((r) => r.rule_key === ruleKey)
      if (progress?.status !== 'pending') return undefined
      const ids = await this.#repo.dueSubjects(query, progress.cursor, batch)
      if (ids.length === 0) return undefined
      let records = 0
      const failures: { subject: string; reason: string }[] = []
      for (const id of ids)
        try {
          records += (await attempt(id))?.deleted ?? 0
        } catch (error) {
          failures.push({ subject: id, reason: errorText(error) })
        }
      const last = ids.at(-1) as string
      await this.#repo.advance(
        runId,
        ruleKey,
        { cursor: last, subjects: ids.length, records, erased: 0, held: 0, failures },
        this.#clock(),
        this.#db,
      )
      return { cursor: last, subjects: ids.length }
    }
  }

  /** One batch of subjects erased through the gate (one transaction; what holds keep stays). */
  async #eraseBatch(
    runId: string,
    ruleKey: string,
    query: DueQuery,
    cursor: string | null,
    batch: number,
    actor: GateActor,
    why: string,
  ): Promise<{ cursor: string; subjects: number } | undefined> {
    // The cursor as stored: a second delivery of the run goes on after the other's last batch.
    const stored = (await this.#repo.runRules([runId])).find((r) => r.rule_key === ruleKey)
    if (stored?.status !== 'pending') return undefined
    const after = stored.cursor ?? cursor
    // On PostgreSQL two batches at once, each its own erasure transaction: their subjects are
    // disjoint (the gate locks them in id order), the audit chain takes them one after the other.
    const lanes = this.#concurrent ? 2 : 1
    const ids = await this.#repo.dueSubjects(query, after, batch * lanes)
    if (ids.length === 0) return undefined
    const erase = (subjectIds: readonly string[]) =>
      this.#gate.eraseSubjects({ actor, subjectIds, reason: why, detail: false, now: this.#clock() })
    let erased = 0
    let held = 0
    const failures: { subject: string; reason: string }[] = []
    const count = (answers: Awaited<ReturnType<typeof erase>>) => {
      for (const a of answers)
        if (a.outcome === 'held') held += 1
        else erased += 1
    }
    const eraseChunk = async (chunk: readonly string[]) => {
      try {
        count(await erase(chunk))
      } catch {
        // One subject may be what fails: the chunk was rolled back whole; each subject alone.
        for (const id of chunk)
          try {
            count(await erase([id]))
          } catch (error) {
            failures.push({ subject: id, reason: errorText(error) })
          }
      }
    }
    const size = Math.ceil(ids.length / lanes)
    await Promise.all(
      Array.from({ length: lanes }, (_, i) => ids.slice(i * size, (i + 1) * size))
        .filter((chunk) => chunk.length > 0)
        .map(eraseChunk),
    )
    const last = ids.at(-1) as string
    await this.#repo.advance(
      runId,
      ruleKey,
      { cursor: last, subjects: ids.length, records: erased + held, erased, held, failures },
      this.#clock(),
      this.#db,
    )
    return { cursor: last, subjects: ids.length }
  }

  /** A run with its rules' progress; 404 if there is none. */
  async getRun(id: string): Promise<RetentionRun> {
    const row = isUuid(id) ? await this.#repo.findRun(id.toLowerCase()) : undefined
    if (!row) throw new ProblemError('not-found', 'no such retention run')
    return toRun(row, await this.#repo.runRules([row.id]))
  }

  /** The newest runs first, with their progress. */
  async runs(limit = 10): Promise<RetentionRun[]> {
    const rows = await this.#repo.runs(limit)
    const rules = await this.#repo.runRules(rows.map((r) => r.id))
    return rows.map((r) => toRun(r, rules))
  }

  /**
   * The daily job: first goes on with runs a stopped process left unfinished; then, once a person
   * has approved a plan (before that the sweeper is off), plans and runs every rule whose version
   * is the one approved last — the standing approval; a rule changed or added since waits for the
   * DPO to approve a new plan, and the run says so.
   */
  async sweep(options: { batch?: number } = {}): Promise<SweepReport> {
    const ctx: SweepContext = { actor: SWEEP_JOB_ACTOR }
    let resumed = 0
    for (const run of await this.#repo.unfinishedRuns()) {
      await this.execute(run.id, { ...options, actor: SWEEP_JOB_ACTOR })
      resumed += 1
    }
    const approvedRow = await this.#repo.lastApproved()
    if (!approvedRow) return { enabled: false, resumed, planId: null, runId: null, ran: [], skipped: [] }
    const approved = toRetentionPlan(approvedRow)
    const versions = new Map(approved.rules.map((r) => [r.ruleKey, r.ruleVersion]))
    const plan = await this.plan(ctx, { trigger: 'schedule' })
    const now = this.#clock()
    await this.#db.transaction().execute(async (trx) => {
      await this.#repo.approvePlan(plan.id, SWEEP_JOB_ACTOR, now, 'standing', trx)
      await this.#audit.append(
        [
          {
            actor: auditActorOf(SWEEP_JOB_ACTOR),
            action: 'configure',
            fields: ['retention_plan'],
            reason: `retention plan ${plan.id} run under the standing approval of plan ${approved.id} (rules at the approved versions only): ${describeRules(plan.rules)}`,
          },
        ],
        trx,
      )
    })
    const started = await this.#start(plan, ctx, 'schedule', (rule) =>
      versions.get(rule.ruleKey) === rule.ruleVersion
        ? null
        : versions.has(rule.ruleKey)
          ? `the rule changed since the last approval (v${versions.get(rule.ruleKey)} approved, v${rule.ruleVersion} now): approve a new plan`
          : 'the rule was never approved: approve a plan',
    )
    const run = await this.execute(started.id, { ...options, actor: SWEEP_JOB_ACTOR })
    return {
      enabled: true,
      resumed,
      planId: plan.id,
      runId: run.id,
      ran: run.rules.filter((r) => r.status === 'done').map((r) => r.ruleKey),
      skipped: run.rules
        .filter(
          (r) =>
            r.status === 'skipped' &&
            r.recordKind !== null &&
            plan.rules.find((p) => p.ruleKey === r.ruleKey)?.status === 'due',
        )
        .map((r) => ({ ruleKey: r.ruleKey, reason: r.skipReason ?? '' })),
    }
  }

  /** The holds of record kinds as cutoffs at `now` (the deletion concept's current periods). */
  async #holdBounds(now: Date): Promise<HoldBounds> {
    const rules = await this.#holdRules()
    const proof = rules.consentProof
      .map((r) =>
        retentionCutoff({ period: r.period, startEvent: 'grant_and_each_use', transition: null }, now),
      )
      // The longest period keeps the most: the earliest cutoff.
      .reduce<Date | null>((min, c) => (c === null ? min : min === null || c < min ? c : min), null)
    return {
      now,
      vouchers: retentionCutoff(rules.vouchers, now),
      proof,
      proofChannels: [...new Set(rules.consentProof.map((r) => r.channel))],
    }
  }
}

/** A rule as the sweep's SQL sees it at `asOf`, or why nothing of it can fall due. */
function sweepRuleOf(rule: RetentionRule, asOf: Date): { sweep: SweepRule | null; note: string | null } {
  const kind = rule.covers.recordKind
  if (kind === null) return { sweep: null, note: null }
  const date = START_EVENT_CLOCKS[rule.startEvent].date
  const source = (
    RECORD_DATES[kind] as Partial<Record<string, { notRecorded: string } | { latestOf: readonly string[] }>>
  )[date]
  const common = {
    key: rule.key,
    kind,
    date,
    purposeKey: rule.covers.purposeKey,
    subjectKind: rule.covers.subjectKind,
    condition: rule.covers.condition,
  }
  // No date recorded: the rule covers its rows all the same, and none of them falls due (so no other
  // rule deletes them either).
  if (!source)
    return {
      sweep: { ...common, cutoff: null },
      note: `no ${date} date is recorded for ${kind}: nothing falls due`,
    }
  if ('notRecorded' in source)
    return {
      sweep: { ...common, cutoff: null },
      note: `no date recorded (${source.notRecorded}): nothing falls due`,
    }
  return { sweep: { ...common, cutoff: retentionCutoff(rule, asOf) }, note: null }
}

/** The columns a kind's date is read from (`RECORD_DATES`). */
function columnsOf(kind: RetentionRecordKind | null, date: string): string[] {
  if (kind === null) return []
  const source = (RECORD_DATES[kind] as Partial<Record<string, { latestOf?: readonly string[] }>>)[date]
  return source?.latestOf ? [...source.latestOf] : []
}

const describeRules = (rules: readonly RetentionPlanRule[]) =>
  rules
    .filter((r) => r.action !== 'none')
    .map(
      (r) =>
        `${r.ruleKey} v${r.ruleVersion} cutoff ${r.cutoff ? day(r.cutoff) : '-'}: ${r.subjects} subjects, ${r.records} records`,
    )
    .join('; ')

const auditActorOf = (actor: GateActor): AuditActor => ({ type: actor.type, id: actor.id, role: actor.role })
