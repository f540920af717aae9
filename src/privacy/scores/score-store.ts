import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditRecordInput, AuditWriter } from '../audit/audit-record.ts'
import type { FieldCategory } from '../fields/field-catalog.ts'
import { splitFieldsByRole } from '../gate/field-access.ts'
import type { GateActor, GatePurpose } from '../gate/gate.service.ts'
import { requireActUnder, withholdOutsideScope } from '../gate/purpose-scope.ts'
import { withTransaction } from '../keys/with-transaction.ts'
import type {
  BandEvent,
  CustomerStatisticsRow,
  NewScoreRow,
  ScoreEventRow,
  ScoreModelRow,
  ScoreRepository,
  ScoreRow,
} from './score.repository.ts'

export type { BandEvent, ScoreEventRow }

/** The purpose scores are computed and read under: profiling for personalised offers (consent, Art. 6(1)(a)). */
export const SCORE_PURPOSE = 'profiling_offers'
/** Profiling contacts nobody: the purpose's channel. */
export const SCORE_CHANNEL = 'none'
/** The record field of the catalog a role needs to see scores (category `derived`). */
export const SCORE_FIELD = 'scores' as const
/** Order statuses that count as purchases: a cancelled or returned order is none. */
export const PURCHASE_STATUSES = ['open', 'fulfilled'] as const

/** A text in German and English. */
export interface BilingualText {
  de: string
  en: string
}

/** One output or input of a score kind as the model's explanation describes it. */
export interface TermExplanation {
  key: string
  label: BilingualText
  meaning: BilingualText
  /** `probability`, `purchases`, `weeks`, `days`, the currency code, …; absent: a plain number or band. */
  unit?: string
}

/**
 * What a model's `explanation` holds for one score kind (written with the model by whoever fitted
 * it): the logic involved, the significance and the envisaged consequences (Art. 13(2)(f),
 * 15(1)(h)), and what each output and input is.
 */
export interface KindExplanation {
  title: BilingualText
  /** What the score says about the person and what it is used for. */
  meaning: BilingualText
  /** The procedure and principles applied (CJEU C-203/22). */
  model: BilingualText
  /** In the order they are shown (a list: the keys of a jsonb object lose their order). */
  outputs: TermExplanation[]
  inputs: TermExplanation[]
}

/** One customer's purchase history, as the scores are computed from it. */
export interface CustomerStatistics {
  subjectId: string
  /** Repeat purchase days (purchase days − 1). */
  repeatPurchases: number
  /** Days from the first purchase day to the last (recency t_x). */
  recencyDays: number
  /** Days from the first purchase day to the end of the observation (age T). */
  ageDays: number
  daysSinceLastPurchase: number
  orders: number
  revenueCents: number
  /** Revenue of the repeat purchase days. */
  repeatRevenueCents: number
}

/** Aggregates of all customers for fitting: no subject id, nothing about one person. */
export interface PopulationStatistics {
  customers: number
  revenueCents: number
  /** Grouped (x, t_x, T) in days, with the number of customers sharing them. */
  histories: { x: number; txDays: number; tDays: number; count: number }[]
  /** Grouped (x ≥ 1, mean spend of the repeat purchases in cents, rounded). */
  spend: { x: number; meanSpendCents: number; count: number }[]
  /** RFM cut points at 20, 40, 60 and 80 % (empty without customers). */
  quintiles: { daysSinceLastPurchase: number[]; orders: number[]; revenueCents: number[] }
  /** ABC: the least revenue still in A (top 80 % of revenue) and in B (the next 15 %). */
  abc: { aMinRevenueCents: number | null; bMinRevenueCents: number | null }
  /** Per week since `origin` (the first purchase day of all): first purchases and repeat purchase days. */
  calendar: {
    origin: string | null
    weeks: { week: number; firstPurchases: number; repeatPurchases: number }[]
  }
}

/** A score to store: the kind, its headline value and band, every output, the inputs it came from. */
export type NewScore = Omit<NewScoreRow, 'subject_id'> & { subjectId: string }

/** A fitted model as stored. */
export interface ScoreModel {
  version: number
  model: string
  fittedAt: Date
  asOf: string
  parameters: Record<string, unknown>
  settings: Record<string, unknown>
  explanation: Record<string, KindExplanation>
  calibration: Record<string, unknown>
}

/** One output or input of a subject's score, with its value and what it means. */
export interface ExplainedTerm {
  key: string
  value: number | string | null
  label: BilingualText
  meaning: BilingualText
  unit: string | null
}

/** A subject's score of one kind with its explanation. */
export interface ExplainedScore {
  kind: string
  title: BilingualText
  value: number | null
  band: string | null
  computedAt: Date
  outputs: ExplainedTerm[]
  explanation: {
    meaning: BilingualText
    inputs: ExplainedTerm[]
    model: {
      name: string
      version: number
      fittedAt: Date
      asOf: string
      description: BilingualText
      parameters: Record<string, unknown>
      settings: Record<string, unknown>
    }
  }
}

/** A change that may have ended a permission (from the permission service, in its transaction). */
export interface PermissionLoss {
  subjectIds: readonly string[]
  /** The purposes it concerns; null: it may concern any (an objection to all marketing or a channel). */
  purposeKeys: readonly string[] | null
  actor: AuditActor
  requestId?: string | undefined
}

/** What the score store needs of the kernel's other parts. */
export interface ScoreStorePorts {
  db: Kysely<Schema>
  repository: ScoreRepository
  audit: AuditWriter
  purposes: { find(key: string, trx?: Kysely<Schema>): Promise<GatePurpose | undefined> }
  permissions: {
    check(args: {
      purposeKey: string
      channel?: string | undefined
      subjectIds: readonly string[]
    }): Promise<{ subjects: { id: string }[]; denied: Map<string, { rule: string; reason: string }> }>
    denied(
      args: { purposeKey: string; channel?: string | undefined; subjectIds: readonly string[] },
      trx?: Kysely<Schema>,
    ): Promise<Map<string, { rule: string; reason: string }>>
  }
  roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
}

const toStatistics = (r: CustomerStatisticsRow): CustomerStatistics => ({
  subjectId: r.subject_id,
  repeatPurchases: r.x,
  recencyDays: r.tx_days,
  ageDays: r.t_days,
  daysSinceLastPurchase: r.since_days,
  orders: r.orders,
  revenueCents: r.revenue_cents,
  repeatRevenueCents: r.repeat_cents,
})

const toModel = (r: ScoreModelRow): ScoreModel => ({
  version: r.version,
  model: r.model,
  fittedAt: r.fitted_at,
  asOf: r.as_of,
  parameters: r.parameters,
  settings: r.settings,
  explanation: r.explanation as Record<string, KindExplanation>,
  calibration: r.calibration,
})

const NO_TEXT: BilingualText = { de: '', en: '' }

/** A score row with its model's explanation: each output and input with its label and meaning. */
export function explainScore(row: ScoreRow, model: ScoreModel): ExplainedScore {
  const kind = model.explanation[row.kind]
  // In the explanation's order; a value it doesn't describe comes last, by its key.
  const terms = (
    values: Record<string, unknown>,
    described: readonly TermExplanation[] = [],
  ): ExplainedTerm[] => {
    const position = (key: string) => {
      const i = described.findIndex((d) => d.key === key)
      return i < 0 ? described.length : i
    }
    return Object.keys(values)
      .sort((a, b) => position(a) - position(b) || a.localeCompare(b))
      .map((key) => {
        const value = values[key]
        const term = described.find((d) => d.key === key)
        return {
          key,
          value: typeof value === 'number' || typeof value === 'string' ? value : null,
          label: term?.label ?? { de: key, en: key },
          meaning: term?.meaning ?? NO_TEXT,
          unit: term?.unit ?? null,
        }
      })
  }
  return {
    kind: row.kind,
    title: kind?.title ?? { de: row.kind, en: row.kind },
    value: row.value,
    band: row.band,
    computedAt: row.computed_at,
    outputs: terms(row.outputs, kind?.outputs),
    explanation: {
      meaning: kind?.meaning ?? NO_TEXT,
      inputs: terms(row.inputs, kind?.inputs),
      model: {
        name: row.model,
        version: model.version,
        fittedAt: model.fittedAt,
        asOf: model.asOf,
        description: kind?.model ?? NO_TEXT,
        parameters: (model.parameters[row.kind] as Record<string, unknown> | undefined) ?? {},
        settings: model.settings,
      },
    },
  }
}

/**
 * The kernel's keeper of scores (field `scores`, category `derived`): what analytics computes about a
 * person exists only while the profiling purpose holds for them. It hands out pseudonymous
 * aggregates of all customers for fitting; per subject it reads purchase statistics and stores
 * scores only for subjects the purpose may use, checked under a lock in the transaction that
 * writes them, audited; it deletes a subject's scores in the transaction of a withdrawal or
 * objection (the permission service's loss hook), and reads them through the gate's steps with
 * their explanation.
 */
export class ScoreStore {
  readonly #p: ScoreStorePorts
  constructor(ports: ScoreStorePorts) {
    this.#p = ports
  }

  /**
   * Aggregates of every customer's purchases for fitting the population models (no subject id;
   * restricted subjects left out). Audited as one use of the orders naming nobody.
   */
  async population(request: {
    actor: GateActor
    asOf: string
    currency: string
    requestId?: string | undefined
  }): Promise<PopulationStatistics> {
    const purpose = await this.#purpose(request)
    const row = await this.#p.repository.population({
      asOf: request.asOf,
      currency: request.currency,
      statuses: PURCHASE_STATUSES,
    })
    await this.#p.audit.append([
      {
        actor: request.actor,
        action: 'read',
        purpose: purpose.key,
        legalBasis: purpose.legalBasis,
        fields: ['orders'],
        reason: 'aggregates of all customers for fitting the population model (no subject named)',
        ...(request.requestId ? { requestId: request.requestId } : {}),
      },
    ])
    const [since, orders, revenue] = row.quintiles ?? [null, null, null]
    const [aMin, bMin] = row.abc ?? [null, null]
    return {
      customers: row.customers,
      revenueCents: row.revenue_cents,
      histories: (row.histories ?? []).map(([x, txDays, tDays, count]) => ({ x, txDays, tDays, count })),
      spend: (row.spend ?? []).map(([x, meanSpendCents, count]) => ({ x, meanSpendCents, count })),
      quintiles: {
        daysSinceLastPurchase: since ?? [],
        orders: orders ?? [],
        revenueCents: revenue ?? [],
      },
      abc: { aMinRevenueCents: aMin, bMinRevenueCents: bMin },
      calendar: {
        origin: row.origin,
        weeks: (row.calendar ?? []).map(([week, firstPurchases, repeatPurchases]) => ({
          week,
          firstPurchases,
          repeatPurchases,
        })),
      },
    }
  }

  /** Stores a fitted model (parameters, settings, explanation texts, calibration chart); its version. */
  async saveModel(model: Omit<ScoreModel, 'version'> & { actor: AuditActor }): Promise<ScoreModel> {
    const row = await this.#p.repository.insertModel({
      model: model.model,
      fitted_at: model.fittedAt,
      as_of: model.asOf,
      parameters: model.parameters,
      settings: model.settings,
      explanation: model.explanation as unknown as Record<string, unknown>,
      calibration: model.calibration,
      actor_type: model.actor.type,
      actor_id: model.actor.id,
    })
    return toModel(row)
  }

  async latestModel(): Promise<ScoreModel | undefined> {
    const row = await this.#p.repository.latestModel()
    return row ? toModel(row) : undefined
  }

  /**
   * Scores one page of subjects in one transaction: locks them (a withdrawal, objection or erasure
   * of one of them waits, or is waited for), asks the permission rules once more under the lock, reads
   * the purchase statistics of those the purpose may use, lets `compute` turn them into scores,
   * stores them (raising `event` where a band moved into its band) and audits the use. So no score
   * is written for a subject whose consent was withdrawn after the page was chosen; and a withdrawal
   * committed after this one finds the scores and deletes them.
   */
  async scorePage(request: {
    actor: GateActor
    subjectIds: readonly string[]
    asOf: string
    currency: string
    model: { version: number; computedAt: Date }
    event: BandEvent
    compute: (statistics: readonly CustomerStatistics[]) => NewScore[]
    requestId?: string | undefined
  }): Promise<{ scored: number; denied: number; withoutPurchases: number; events: number }> {
    const purpose = await this.#purpose(request)
    this.#requireScores(request.actor.role, purpose)
    const ids = [...new Set(request.subjectIds)]
    return withTransaction(this.#p.db, undefined, async (trx) => {
      await this.#p.repository.lockSubjects(ids, trx)
      const denied = await this.#p.permissions.denied(
        { purposeKey: purpose.key, channel: SCORE_CHANNEL, subjectIds: ids },
        trx,
      )
      const allowed = ids.filter((id) => !denied.has(id))
      const statistics = (
        await this.#p.repository.customerStatistics(
          allowed,
          { asOf: request.asOf, currency: request.currency, statuses: PURCHASE_STATUSES },
          trx,
        )
      ).map(toStatistics)
      const permitted = new Set(statistics.map((s) => s.subjectId))
      const scores = request.compute(statistics)
      const rows: NewScoreRow[] = []
      for (const { subjectId, ...score } of scores) {
        if (!permitted.has(subjectId))
          throw new Error('a score was computed for a subject it was not asked for')
        rows.push({ subject_id: subjectId, ...score })
      }
      const { events } = await this.#p.repository.upsert(
        rows,
        { modelVersion: request.model.version, computedAt: request.model.computedAt },
        request.event,
        trx,
      )
      const scored = [...new Set(rows.map((r) => r.subject_id))]
      if (scored.length > 0)
        await this.#p.audit.append(
          [
            {
              actor: request.actor,
              action: 'create',
              subjectIds: scored,
              purpose: purpose.key,
              legalBasis: purpose.legalBasis,
              fields: ['orders', SCORE_FIELD],
              reason: `profiling: scores computed from the orders (model version ${request.model.version})`,
              ...(request.requestId ? { requestId: request.requestId } : {}),
            },
          ],
          trx,
        )
      return {
        scored: scored.length,
        denied: ids.length - allowed.length,
        withoutPurchases: allowed.length - statistics.length,
        events,
      }
    })
  }

  /**
   * After a run: deletes the scores it did not write (of an older model version) — of subjects the
   * purpose no longer reaches or without purchases — audited; how many subjects lost them.
   */
  async removeStale(request: {
    actor: GateActor
    modelVersion: number
    requestId?: string | undefined
  }): Promise<number> {
    const purpose = await this.#purpose(request)
    return withTransaction(this.#p.db, undefined, async (trx) => {
      const removed = await this.#p.repository.deleteStale(request.modelVersion, trx)
      if (removed.length > 0)
        await this.#p.audit.append(
          [
            {
              actor: request.actor,
              action: 'delete',
              subjectIds: removed,
              purpose: purpose.key,
              legalBasis: purpose.legalBasis,
              fields: [SCORE_FIELD],
              reason: 'scores removed: the profiling purpose no longer holds, or no purchases are left',
              ...(request.requestId ? { requestId: request.requestId } : {}),
            },
          ],
          trx,
        )
      return removed.length
    })
  }

  /**
   * The permission service's loss hook, in the transaction of the change: the subjects for whom the
   * profiling purpose no longer holds lose their scores and score events at once (Art. 7(3): a
   * withdrawal ends the processing; Art. 21(3): after an objection to direct marketing, which
   * includes profiling for it, the data are no longer processed for it).
   */
  async forgetWhereDenied(loss: PermissionLoss, trx: Kysely<Schema>): Promise<void> {
    if (loss.subjectIds.length === 0) return
    if (loss.purposeKeys !== null && !loss.purposeKeys.includes(SCORE_PURPOSE)) return
    const denied = await this.#p.permissions.denied(
      { purposeKey: SCORE_PURPOSE, channel: SCORE_CHANNEL, subjectIds: loss.subjectIds },
      trx,
    )
    const ids = [...denied].filter(([, d]) => d.rule !== 'unknown-subject').map(([id]) => id)
    const removed = await this.#p.repository.deleteFor(ids, trx)
    if (removed.length === 0) return
    // In the change's transaction: on PGlite a query beside it would wait for it.
    const purpose = await this.#p.purposes.find(SCORE_PURPOSE, trx)
    await this.#p.audit.append(
      [
        {
          actor: loss.actor,
          action: 'delete',
          subjectIds: removed,
          purpose: SCORE_PURPOSE,
          ...(purpose ? { legalBasis: purpose.legalBasis } : {}),
          fields: [SCORE_FIELD],
          reason:
            'scores removed at once: consent to profiling withdrawn or objection raised (Art. 7(3), 21(3))',
          ...(loss.requestId ? { requestId: loss.requestId } : {}),
        },
      ],
      trx,
    )
  }

  /**
   * One subject's scores with their explanations, through the gate's steps: the role must act under
   * the profiling purpose and hold the `derived` category (which the purpose must use); the
   * purpose's legal basis must hold for the subject (403 naming the rule otherwise, 404 for an
   * unknown or erased one). Refusals and the read are audited.
   */
  async read(request: {
    actor: GateActor
    subjectId: string
    requestId?: string | undefined
  }): Promise<{ subjectId: string; scores: ExplainedScore[] }> {
    const common = await this.authorizeProfilingRead(request)
    const rows = await this.#p.repository.scoresOf(request.subjectId)
    const models = new Map(
      (await this.#p.repository.models([...new Set(rows.map((r) => r.model_version))])).map((m) => [
        m.version,
        toModel(m),
      ]),
    )
    await this.#p.audit.append([{ ...common, action: 'read' } satisfies AuditRecordInput])
    return {
      subjectId: request.subjectId,
      scores: rows.flatMap((row) => {
        const model = models.get(row.model_version)
        return model ? [explainScore(row, model)] : []
      }),
    }
  }

  /**
   * The steps before reading anything derived about one subject under the profiling purpose
   * (scores, recommendations): the role acts under the purpose and holds the `derived` category
   * (which the purpose uses), the purpose's legal basis holds for the subject. Throws 404 for an
   * unknown or erased subject, 403 naming the rule otherwise (audited). Returns the audit record's
   * common part for the caller's `read`.
   */
  async authorizeProfilingRead(request: {
    actor: GateActor
    subjectId: string
    requestId?: string | undefined
    field?: string
  }): Promise<Omit<AuditRecordInput, 'action'>> {
    const purpose = await this.#purpose(request)
    const common = {
      actor: request.actor,
      subjectIds: [request.subjectId],
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      fields: [request.field ?? SCORE_FIELD],
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }
    const { subjects, denied } = await this.#p.permissions.check({
      purposeKey: purpose.key,
      channel: SCORE_CHANNEL,
      subjectIds: [request.subjectId],
    })
    const denial = denied.get(request.subjectId)
    if (subjects.length === 0 || denial?.rule === 'erased' || denial?.rule === 'unknown-subject')
      throw new ProblemError('not-found', 'no such subject')
    const category = this.#categoryDenial(request.actor.role, purpose)
    if (category) {
      await this.#p.audit.append([{ ...common, action: 'denied', reason: category }])
      throw new ProblemError('forbidden', category, {
        errors: [{ in: 'request', field: SCORE_FIELD, reason: category }],
      })
    }
    if (denial) {
      await this.#p.audit.append([{ ...common, action: 'denied', reason: `legal basis: ${denial.rule}` }])
      throw new ProblemError(
        'forbidden',
        `the purpose ${purpose.key} may not use this subject: ${denial.rule}`,
      )
    }
    return common
  }

  /**
   * A subject's scores with their explanation, for the access report (Art. 15(1)(h): the logic
   * involved, its significance); not checked against the profiling purpose — the report's reader
   * checks and audits its own (dsr_fulfilment).
   */
  async explainedFor(subjectId: string): Promise<ExplainedScore[]> {
    const rows = await this.#p.repository.scoresOf(subjectId)
    const models = new Map(
      (await this.#p.repository.models([...new Set(rows.map((r) => r.model_version))])).map((m) => [
        m.version,
        toModel(m),
      ]),
    )
    return rows.flatMap((row) => {
      const model = models.get(row.model_version)
      return model ? [explainScore(row, model)] : []
    })
  }

  /** Score events after a cursor, oldest first: the outbox a campaign trigger reads (pseudonymous). */
  async events(
    after: { occurredAt: Date; subjectId: string; id: string } | undefined,
    limit = 1000,
  ): Promise<ScoreEventRow[]> {
    return this.#p.repository.events(after, limit)
  }

  /** How many subjects have scores now. */
  countScored(): Promise<number> {
    return this.#p.repository.countScored()
  }

  /** The profiling purpose; only for a role that may act under it (Art. 5(1)(b)), else audited and 403. */
  async #purpose(who: { actor: GateActor; requestId?: string | undefined }): Promise<GatePurpose> {
    const purpose = await this.#p.purposes.find(SCORE_PURPOSE)
    if (!purpose) throw new ProblemError('not-found', `there is no purpose ${SCORE_PURPOSE}`)
    await requireActUnder(purpose, who, this.#p.audit)
    return purpose
  }

  /** Why the role may not work with scores under the purpose, or undefined when it may. */
  #categoryDenial(role: string, purpose: GatePurpose): string | undefined {
    const split = splitFieldsByRole([SCORE_FIELD], this.#p.roles.fieldCategoriesOf(role))
    // The gate's wording, so the history page reads it like every other refusal of a field.
    if (split.denied.length > 0) return `role ${role} lacks the field categories derived`
    if (withholdOutsideScope(split, purpose.scope).denied.length > 0)
      return `purpose ${purpose.key} does not use the field categories derived`
    return undefined
  }

  #requireScores(role: string, purpose: GatePurpose): void {
    const reason = this.#categoryDenial(role, purpose)
    if (reason) throw new ProblemError('forbidden', reason)
  }
}
