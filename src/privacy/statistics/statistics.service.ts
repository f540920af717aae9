import { DEFAULT_TIME_ZONE } from '../../platform/local-time.ts'
import type {
  ConsentCoverageRow,
  ConsentWeekRow,
  KindCountRow,
  RequestDueRow,
  StatisticsRepository,
} from './statistics.repository.ts'

/** How long a computed figure is served again before it is counted anew. */
const FRESH_MS = 60_000

/** Consent activity per week: grants, confirmations (double opt-in) and withdrawals. */
export interface ConsentWeek {
  /** The Monday the week starts on (YYYY-MM-DD, in the installation's time zone). */
  week: string
  granted: number
  confirmed: number
  withdrawn: number
}

/**
 * Population counts for the dashboard (issue #18): how many contacts of each kind, consents given
 * and withdrawn per week, consents in force per purpose and channel, open requests by due date.
 * Aggregates only: nothing here names, lists or singles out a subject, so nothing is audited. Each
 * figure is served from memory for a minute — a dashboard opened by ten people counts once.
 */
export class StatisticsService {
  readonly #repository: StatisticsRepository
  readonly #timeZone: () => Promise<string>
  readonly #clock: () => Date
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>()

  constructor(deps: {
    repository: StatisticsRepository
    /** The installation's time zone (the settings); Europe/Berlin without. */
    timeZone?: () => Promise<string>
    clock?: () => Date
  }) {
    this.#repository = deps.repository
    this.#timeZone = deps.timeZone ?? (async () => DEFAULT_TIME_ZONE)
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** The time zone weeks are counted in. */
  timeZone(): Promise<string> {
    return this.#timeZone()
  }

  contactsByKind(): Promise<KindCountRow[]> {
    return this.#cached('kinds', () => this.#repository.contactsByKind())
  }

  /** The last `weeks` weeks (this one included), every week present, oldest first. */
  async consentWeeks(weeks = 12): Promise<ConsentWeek[]> {
    const timeZone = await this.#timeZone()
    return this.#cached(`weeks:${weeks}:${timeZone}`, async () => {
      const mondays = lastMondays(this.#clock(), weeks, timeZone)
      const since = new Date(`${mondays[0]}T00:00:00Z`)
      // A day early, so the first Monday is whole in any time zone; rows before it are dropped.
      since.setUTCDate(since.getUTCDate() - 1)
      const rows: ConsentWeekRow[] = await this.#repository.consentWeeks(since, timeZone)
      const byWeek = new Map(mondays.map((week) => [week, { week, granted: 0, confirmed: 0, withdrawn: 0 }]))
      for (const row of rows) {
        const entry = byWeek.get(row.week)
        if (entry && (row.kind === 'granted' || row.kind === 'confirmed' || row.kind === 'withdrawn'))
          entry[row.kind] += row.count
      }
      return [...byWeek.values()]
    })
  }

  consentCoverage(): Promise<ConsentCoverageRow[]> {
    return this.#cached('coverage', () => this.#repository.consentCoverage())
  }

  openRequestsByDue(): Promise<RequestDueRow> {
    return this.#cached('requests', () => this.#repository.openRequestsByDue(this.#clock()))
  }

  #cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now()
    const hit = this.#cache.get(key)
    if (hit && now - hit.at < FRESH_MS) return hit.value as Promise<T>
    const value = compute()
    this.#cache.set(key, { at: now, value })
    // A failure is not remembered: the next look asks again.
    value.catch(() => this.#cache.delete(key))
    return value
  }
}

/** The Mondays (YYYY-MM-DD) of the last `weeks` weeks up to the one `now` falls in, in `timeZone`. */
export function lastMondays(now: Date, weeks: number, timeZone: string): string[] {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
    .format(now)
    .split('-')
    .map(Number) as [number, number, number]
  const today = new Date(Date.UTC(y, m - 1, d))
  const monday = new Date(today)
  monday.setUTCDate(today.getUTCDate() - ((today.getUTCDay() + 6) % 7))
  const out: string[] = []
  for (let i = weeks - 1; i >= 0; i--) {
    const day = new Date(monday)
    day.setUTCDate(monday.getUTCDate() - 7 * i)
    out.push(day.toISOString().slice(0, 10))
  }
  return out
}
