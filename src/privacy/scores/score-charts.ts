import type { ScoreChartsRepository, ScoreChartsRows } from './score-charts.repository.ts'

export { CLV_BINS, P_ALIVE_BINS } from './score-charts.repository.ts'
export type { ScoreChartsRows }

/** Scores change with the nightly run (and objections remove some): a few minutes old is fresh enough. */
const FRESH_MS = 5 * 60_000

/**
 * The population's scores as charts (issue #16): the RFM grid, ABC classes and the Pareto curve of
 * revenue, the P(alive) and CLV distributions, the churn bands. Counts over the stored scores only —
 * no subject is named — so nothing is audited; kept in memory for five minutes.
 */
export class ScoreCharts {
  readonly #repository: ScoreChartsRepository
  #cached: { at: number; value: Promise<ScoreChartsRows> } | undefined
  constructor(repository: ScoreChartsRepository) {
    this.#repository = repository
  }

  charts(): Promise<ScoreChartsRows> {
    const now = Date.now()
    if (this.#cached && now - this.#cached.at < FRESH_MS) return this.#cached.value
    const value = this.#repository.charts()
    this.#cached = { at: now, value }
    value.catch(() => {
      this.#cached = undefined
    })
    return value
  }

  /** After a recompute: the next look counts anew. */
  forget(): void {
    this.#cached = undefined
  }
}
