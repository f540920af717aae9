import type { ScoreSettings } from '../../platform/config.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import {
  type ExplainedScore,
  type PopulationStatistics,
  SCORE_CHANNEL,
  SCORE_PURPOSE,
  type ScoreModel,
  type ScoreStore,
} from '../../privacy/scores/score-store.ts'
import { type BgNbdFit, type BgNbdParams, fitBgNbd } from './clv/bg-nbd.model.ts'
import { type Cohort, expectedCumulativeRepeatPurchases } from './clv/calibration-chart.ts'
import { fitGammaGamma, type GammaGammaFit, type GammaGammaParams } from './clv/gamma-gamma.model.ts'
import {
  CHURN_EVENT,
  CLV_MODEL,
  computeScores,
  DAYS_PER_WEEK,
  RFM_MODEL,
  type ScoringModel,
} from './score-computation.ts'
import { scoreExplanation } from './score-explanation.ts'

/** The chart has at most this many points; longer histories are shown in steps of several weeks. */
const MAX_CHART_POINTS = 104

/** A fit as `GET /analytics/clv` shows it and the model row keeps it. */
export interface FitSummary {
  logLikelihood: number
  customers: number
  /** Distinct sufficient statistics the likelihood ran over. */
  groups: number
  iterations: number
  converged: boolean
}

/** The expected vs actual cumulative repeat purchases by week (Fader, Hardie & Lee 2005, Figure 2). */
export interface CalibrationChart {
  unit: 'week'
  /** The first purchase day of all customers: week 0. */
  origin: string | null
  /** Weeks per point (1 unless the history is longer than the chart has points). */
  step: number
  points: { week: number; actual: number; expected: number | null }[]
}

/** The fitted model of a run, as `GET /analytics/clv` shows it. */
export interface ClvModelView {
  version: number
  fittedAt: string
  asOf: string
  customers: number
  bgNbd: (BgNbdParams & FitSummary) | null
  gammaGamma: (GammaGammaParams & FitSummary) | null
  rfm: PopulationStatistics['quintiles']
  abc: PopulationStatistics['abc']
  settings: ScoreSettings
  /** Why a model is missing, in plain words. */
  notes: string[]
  calibration: CalibrationChart
}

/** What a recomputation did. */
export interface RecomputeSummary {
  model: ClvModelView
  /** Customers (with a counted purchase, not restricted) the models were fitted on. */
  customers: number
  /** Subjects the profiling purpose may use (consent given, not withdrawn, no objection). */
  permitted: number
  /** Subjects with scores now. */
  scored: number
  /** Customers without scores: no consent to profiling, withdrawn, or objected. */
  excluded: number
  /** Subjects the purpose may use who have no counted purchase: nothing to score. */
  permittedWithoutPurchases: number
  /** Subjects whose scores of an earlier run were removed (the purpose no longer reaches them). */
  removed: number
  /** Customers who moved into the high churn-risk band (events raised). */
  churnEvents: number
  durationMs: number
}

/** A subject's scores as the API returns them. */
export interface SubjectScoresView {
  subjectId: string
  scores: (Omit<ExplainedScore, 'computedAt' | 'explanation'> & {
    computedAt: string
    explanation: Omit<ExplainedScore['explanation'], 'model'> & {
      model: Omit<ExplainedScore['explanation']['model'], 'fittedAt'> & { fittedAt: string }
    }
  })[]
}

const summary = (fit: BgNbdFit | GammaGammaFit, groups: number): FitSummary => ({
  logLikelihood: fit.logLikelihood,
  customers: fit.customers,
  groups,
  iterations: fit.iterations,
  converged: fit.converged,
})

const finite = (params: object) => Object.values(params).every((v) => Number.isFinite(v) && v > 0)

/** The expected vs actual curve from the weekly first and repeat purchases. */
export function calibrationChart(
  bgNbd: BgNbdParams | null,
  calendar: PopulationStatistics['calendar'],
): CalibrationChart {
  const last = calendar.weeks.reduce((max, w) => Math.max(max, w.week), -1)
  if (last < 0) return { unit: 'week', origin: calendar.origin, step: 1, points: [] }
  const step = Math.max(1, Math.ceil((last + 1) / MAX_CHART_POINTS))
  const buckets = Math.floor(last / step) + 1
  const firsts = new Array<number>(buckets).fill(0)
  const repeats = new Array<number>(buckets).fill(0)
  for (const w of calendar.weeks) {
    const b = Math.floor(w.week / step)
    firsts[b] = (firsts[b] ?? 0) + w.firstPurchases
    repeats[b] = (repeats[b] ?? 0) + w.repeatPurchases
  }
  // Each point is the end of its bucket: every repeat purchase of the bucket and before counts.
  const grid = Array.from({ length: buckets }, (_, b) => (b + 1) * step)
  let sum = 0
  const actual = repeats.map((n) => (sum += n))
  // Customers who first bought in a bucket start, on average, at its middle.
  const cohorts: Cohort[] = firsts.flatMap((count, b) =>
    count > 0 ? [{ start: (b + 0.5) * step, count }] : [],
  )
  const expected = bgNbd ? expectedCumulativeRepeatPurchases(bgNbd, cohorts, grid) : null
  return {
    unit: 'week',
    origin: calendar.origin,
    step,
    points: grid.map((week, i) => ({
      week,
      actual: actual[i] ?? 0,
      expected: expected ? Math.round((expected[i] ?? 0) * 100) / 100 : null,
    })),
  }
}

const viewOf = (model: ScoreModel): ClvModelView => {
  const clv = (model.parameters.clv ?? {}) as {
    bgNbd?: ClvModelView['bgNbd']
    gammaGamma?: ClvModelView['gammaGamma']
    notes?: string[]
  }
  const rfm = (model.parameters.rfm ?? {}) as {
    customers?: number
    quintiles?: ClvModelView['rfm']
    abc?: ClvModelView['abc']
  }
  return {
    version: model.version,
    fittedAt: model.fittedAt.toISOString(),
    asOf: model.asOf,
    customers: rfm.customers ?? 0,
    bgNbd: clv.bgNbd ?? null,
    gammaGamma: clv.gammaGamma ?? null,
    rfm: rfm.quintiles ?? { daysSinceLastPurchase: [], orders: [], revenueCents: [] },
    abc: rfm.abc ?? { aMinRevenueCents: null, bMinRevenueCents: null },
    settings: model.settings as unknown as ScoreSettings,
    notes: clv.notes ?? [],
    calibration: model.calibration as unknown as CalibrationChart,
  }
}

/** The ports the score service uses: kernel entry points only. */
export interface ScoreServicePorts {
  scores: ScoreStore
  permissions: Pick<PermissionService, 'audiencePages' | 'countAudience'>
  settings: ScoreSettings
  /**
   * Pages scored at once: 2 on PostgreSQL (one page's queries run while another's scores are
   * computed; pages are disjoint sets of subjects), 1 on PGlite (one session). Default 1.
   */
  concurrency?: number
  clock?: () => Date
}

/**
 * Customer scores (issue #16): fits BG/NBD and Gamma-Gamma on the pseudonymous aggregates of all
 * customers (population models; docs/adr/0014), then scores, page by page, only the subjects the
 * profiling purpose may use — P(alive), expected purchases and purchase probability in 30 and 90
 * days, CLV, churn band, RFM quintiles and ABC class, each with its explanation — and removes the
 * scores of everyone else. Reads a subject's scores through the kernel's gate steps.
 */
export class ScoreService {
  readonly #p: ScoreServicePorts
  readonly #clock: () => Date
  #running = false
  constructor(ports: ScoreServicePorts) {
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
  }

  /** Fits the population models on today's data and stores them as the newest model; no scores change. */
  async fit(ctx: RequestContext): Promise<ClvModelView> {
    return viewOf((await this.#fit(ctx, this.#clock())).model)
  }

  /** The newest fitted model with its calibration chart; 404 before the first fit. */
  async model(): Promise<ClvModelView> {
    const model = await this.#p.scores.latestModel()
    if (!model)
      throw new ProblemError(
        'not-found',
        'no model fitted yet: POST /api/v1/analytics/scores/recompute or `tresor analytics fit`',
      )
    return viewOf(model)
  }

  /**
   * Fits the models and recomputes every score: the audience of the profiling purpose in pages (one
   * moment for the whole walk), each page scored and stored in one transaction by the kernel, which
   * checks the purpose again under a lock; then the scores of earlier runs that were not renewed go.
   * One run at a time per process (409 otherwise).
   */
  async recompute(
    ctx: RequestContext,
    options: { pageSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<RecomputeSummary> {
    if (this.#running) throw new ProblemError('conflict', 'a recomputation of the scores is running already')
    this.#running = true
    try {
      const started = this.#clock()
      const t0 = performance.now()
      const { model, scoring, population } = await this.#fit(ctx, started)
      const question = { purposeKey: SCORE_PURPOSE, channel: SCORE_CHANNEL, now: started }
      const total = await this.#p.permissions.countAudience(question)
      options.onProgress?.(0, total)
      const counts = { permitted: 0, scored: 0, withoutPurchases: 0, events: 0 }
      const concurrency = Math.max(1, this.#p.concurrency ?? 1)
      const inFlight = new Set<Promise<void>>()
      let failure: { error: unknown } | undefined
      for await (const page of this.#p.permissions.audiencePages({
        ...question,
        pageSize: options.pageSize,
      })) {
        const pending = this.#p.scores
          .scorePage({
            actor: ctx.actor,
            requestId: ctx.requestId,
            subjectIds: page,
            asOf: model.asOf,
            currency: this.#p.settings.currency,
            model: { version: model.version, computedAt: started },
            event: CHURN_EVENT,
            compute: (statistics) => computeScores(scoring, statistics),
          })
          .then(
            (done) => {
              counts.permitted += page.length - done.denied
              counts.scored += done.scored
              counts.withoutPurchases += done.withoutPurchases
              counts.events += done.events
              options.onProgress?.(page.length, total)
            },
            (error: unknown) => {
              failure ??= { error }
            },
          )
          .finally(() => inFlight.delete(pending))
        inFlight.add(pending)
        if (inFlight.size >= concurrency) await Promise.race(inFlight)
        if (failure) break
      }
      await Promise.all(inFlight)
      if (failure) throw failure.error
      const removed = await this.#p.scores.removeStale({
        actor: ctx.actor,
        modelVersion: model.version,
        requestId: ctx.requestId,
      })
      return {
        model: viewOf(model),
        customers: population.customers,
        permitted: counts.permitted,
        scored: counts.scored,
        excluded: Math.max(0, population.customers - counts.scored),
        permittedWithoutPurchases: counts.withoutPurchases,
        removed,
        churnEvents: counts.events,
        durationMs: Math.round(performance.now() - t0),
      }
    } finally {
      this.#running = false
    }
  }

  /** One subject's scores with their explanations (the kernel checks role, purpose and basis; audited). */
  async subjectScores(ctx: RequestContext, subjectId: string): Promise<SubjectScoresView> {
    const { scores } = await this.#p.scores.read({
      actor: ctx.actor,
      subjectId,
      requestId: ctx.requestId,
    })
    return {
      subjectId,
      scores: scores.map((s) => ({
        ...s,
        computedAt: s.computedAt.toISOString(),
        explanation: {
          ...s.explanation,
          model: { ...s.explanation.model, fittedAt: s.explanation.model.fittedAt.toISOString() },
        },
      })),
    }
  }

  /** Reads the aggregates, fits both models, stores the fit with its explanation and chart. */
  async #fit(
    ctx: RequestContext,
    now: Date,
  ): Promise<{ model: ScoreModel; scoring: ScoringModel; population: PopulationStatistics }> {
    const settings = this.#p.settings
    const asOf = now.toISOString().slice(0, 10)
    const population = await this.#p.scores.population({
      actor: ctx.actor,
      asOf,
      currency: settings.currency,
      requestId: ctx.requestId,
    })
    const notes: string[] = []
    let bgNbd: ClvModelView['bgNbd'] = null
    let gammaGamma: ClvModelView['gammaGamma'] = null
    const histories = population.histories.map((h) => ({
      x: h.x,
      tx: h.txDays / DAYS_PER_WEEK,
      T: h.tDays / DAYS_PER_WEEK,
      count: h.count,
    }))
    // A fit that fails leaves a note, not a failed run: the RFM and ABC scores need no model.
    const attempt = <T>(label: string, run: () => T): T | undefined => {
      try {
        return run()
      } catch (error) {
        notes.push(`the ${label} fit failed: ${error instanceof Error ? error.message : String(error)}`)
        return undefined
      }
    }
    if (histories.some((h) => h.x > 0)) {
      const fit = attempt('BG/NBD', () => fitBgNbd(histories))
      if (fit && finite(fit.params)) bgNbd = { ...fit.params, ...summary(fit, histories.length) }
      else if (fit) notes.push('the BG/NBD fit did not find finite parameters: no CLV or purchase forecast')
      if (fit && !fit.converged) notes.push('the BG/NBD fit stopped before converging')
      if (fit?.atBound.includes('a') && fit.atBound.includes('b'))
        notes.push(
          `the BG/NBD's a and b reached their bound: the data show the same dropout probability for every customer (${(fit.params.a / (fit.params.a + fit.params.b)).toFixed(3)} after each purchase)`,
        )
      else if (fit && fit.atBound.length > 0)
        notes.push(`the BG/NBD's ${fit.atBound.join(', ')} reached the bound of the search`)
    } else {
      notes.push('no customer has a repeat purchase yet: the BG/NBD cannot be fitted, no CLV or forecast')
    }
    const spend = population.spend.map((s) => ({ x: s.x, meanSpend: s.meanSpendCents / 100, count: s.count }))
    if (bgNbd && spend.length > 0) {
      const fit = attempt('Gamma-Gamma', () => fitGammaGamma(spend))
      if (!fit) {
        // The failure is noted already.
      } else if (!finite(fit.params)) {
        notes.push('the Gamma-Gamma fit did not find finite parameters: no CLV')
      } else if (!(fit.params.q > 1)) {
        notes.push(`the Gamma-Gamma fit gives q = ${fit.params.q} ≤ 1 (no finite mean spend): no CLV`)
      } else {
        gammaGamma = { ...fit.params, ...summary(fit, spend.length) }
      }
    } else if (bgNbd) {
      notes.push('no repeat purchase with an amount: the Gamma-Gamma model cannot be fitted, no CLV')
    }
    const strip = <T extends object>(fit: (T & FitSummary) | null, keys: (keyof T)[]): T | null =>
      fit ? (Object.fromEntries(keys.map((k) => [k, fit[k]])) as T) : null
    const scoring: ScoringModel = {
      bgNbd: strip<BgNbdParams>(bgNbd, ['r', 'alpha', 'a', 'b']),
      gammaGamma: strip<GammaGammaParams>(gammaGamma, ['p', 'q', 'gamma']),
      quintiles: population.quintiles,
      abc: population.abc,
      settings,
      forecasts: new Map(),
    }
    const model = await this.#p.scores.saveModel({
      actor: ctx.actor,
      model: `${CLV_MODEL}+${RFM_MODEL}`,
      fittedAt: now,
      asOf,
      parameters: {
        clv: { timeUnit: 'week', bgNbd, gammaGamma, notes },
        rfm: { customers: population.customers, quintiles: population.quintiles, abc: population.abc },
      },
      settings: { ...settings },
      explanation: scoreExplanation(settings),
      calibration: { ...calibrationChart(scoring.bgNbd, population.calendar) },
    })
    return { model, scoring, population }
  }
}
