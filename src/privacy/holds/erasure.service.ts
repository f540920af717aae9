import type { Gate, GateActor } from '../gate/gate.service.ts'
import type { ErasureKind, ErasureLedgerFile, LedgerProblem } from './erasure-ledger-file.ts'
import type { HoldRepository } from './hold.repository.ts'
import type { HoldService } from './hold.service.ts'

/** Who finishes held erasures on schedule: the job, acting for the controller. */
export const ERASURE_JOB_ACTOR: GateActor = { type: 'job', id: 'erasures.finish', role: 'dpo' }

/** What one run of `finishHeldErasures` did. */
export interface FinishReport {
  /** Subjects whose erasure is held, looked at. */
  checked: number
  /** Erasures completed: no hold left. */
  finished: number
  /** Held erasures narrowed: a hold ended, others still run (what only the ended one kept is gone). */
  narrowed: number
  /** Subjects that failed (the others went on); the reason has no personal data. */
  failed: { subjectId: string; reason: string }[]
}

/** What a replay of the ledger did. */
export interface ReplayReport {
  file: string
  /** Lines read, and lines that could not be (by number). */
  entries: number
  problems: LedgerProblem[]
  /** Distinct subjects in the ledger. */
  subjects: number
  /** Erased again now: fully, or all but what holds keep. */
  erased: number
  held: number
  /** Already as the ledger says (erased; or held, for a held entry). */
  unchanged: number
  /** Not in this database (created after the backup was taken, or another installation's). */
  notInDatabase: number
  failed: { subjectId: string; reason: string }[]
}

/**
 * Finishes held erasures and replays the erasure ledger (docs/adr/0010). Both erase through the gate
 * (`Gate.eraseSubjects`), one subject per transaction, so one that fails never stops the others and
 * a run stopped half-way is continued by the next; both are idempotent.
 */
export class ErasureService {
  readonly #gate: Pick<Gate, 'eraseSubjects'>
  readonly #holds: HoldService
  readonly #repo: HoldRepository
  readonly #ledger: ErasureLedgerFile
  constructor(deps: {
    gate: Pick<Gate, 'eraseSubjects'>
    holds: HoldService
    repository: HoldRepository
    ledgerFile: ErasureLedgerFile
  }) {
    this.#gate = deps.gate
    this.#holds = deps.holds
    this.#repo = deps.repository
    this.#ledger = deps.ledgerFile
  }

  /** Where the ledger file is. */
  get ledgerPath(): string {
    return this.#ledger.path
  }

  /**
   * Art. 17(1) after Art. 17(3): every subject whose erasure is held and whose holds have all ended
   * (the invoice paid and its period run, the DPO's holds lifted or expired, the § 7a period over)
   * is erased completely (`finished` in the ledger); one whose holds partly ended is erased again
   * with the holds still in force (what only the ended ones kept goes). Walks the held erasures a
   * page at a time (`batch`), at most `limit` subjects erased per run; a subject that fails is
   * reported and skipped. Idempotent: a second run finds nothing more to do.
   */
  async finishHeldErasures(
    options: { now?: Date; batch?: number; limit?: number; actor?: GateActor } = {},
  ): Promise<FinishReport> {
    const now = options.now ?? this.#holds.now()
    const batch = options.batch ?? 500
    const limit = options.limit ?? 10_000
    const actor = options.actor ?? ERASURE_JOB_ACTOR
    const report: FinishReport = { checked: 0, finished: 0, narrowed: 0, failed: [] }
    let after: string | undefined
    for (;;) {
      const page = await this.#repo.heldErasures(after, batch)
      if (page.length === 0) break
      after = page.at(-1)
      report.checked += page.length
      const inForce = await this.#holds.inForce(page, now)
      const lastHeld = await this.#repo.lastHeld(page)
      for (const id of page) {
        if (report.finished + report.narrowed >= limit) return report
        const current = new Set((inForce.get(id) ?? []).map((h) => h.id))
        const kept = lastHeld.get(id)
        // Nothing ended since the last held erasure: nothing more may go yet.
        if (current.size > 0 && kept && kept.every((h) => current.has(h))) continue
        try {
          const [answer] = await this.#gate.eraseSubjects({
            actor,
            subjectIds: [id],
            reason:
              current.size === 0
                ? 'every legal hold ended (Art. 17(1))'
                : 'a legal hold ended; the others still run (Art. 17(3))',
            now,
            detail: false,
          })
          if (answer?.outcome === 'erased') report.finished += 1
          else if (answer?.outcome === 'held') report.narrowed += 1
        } catch (error) {
          report.failed.push({
            subjectId: id,
            reason: error instanceof Error ? error.message : String(error),
          })
        }
      }
    }
    return report
  }

  /**
   * After restoring a backup taken earlier: erases again every subject the ledger file names that
   * this database still holds un-erased — fully where the ledger's last word on it is `full` or
   * `finished` (it was decided then, with what was known then), all but what the holds in force keep
   * where it is `held`. The restored database's own ledger gets the entries back; the file is not
   * written again. Idempotent; unreadable lines are reported and skipped.
   */
  async replay(options: { file?: string; now?: Date; actor?: GateActor } = {}): Promise<ReplayReport> {
    const file = options.file ?? this.#ledger.path
    const { entries, problems } = this.#ledger.read(file)
    const latest = new Map<string, ErasureKind>()
    for (const e of entries) latest.set(e.subjectId, e.kind)
    const report: ReplayReport = {
      file,
      entries: entries.length,
      problems,
      subjects: latest.size,
      erased: 0,
      held: 0,
      unchanged: 0,
      notInDatabase: 0,
      failed: [],
    }
    const ids = [...latest.keys()]
    const actor = options.actor ?? { type: 'system', id: 'tresor-replay', role: 'admin' }
    for (let from = 0; from < ids.length; from += 1_000) {
      const chunk = ids.slice(from, from + 1_000)
      const found = new Map((await this.#repo.subjects(chunk)).map((s) => [s.id, s]))
      for (const id of chunk) {
        const subject = found.get(id)
        const kind = latest.get(id) as ErasureKind
        if (!subject) {
          report.notInDatabase += 1
          continue
        }
        if (subject.erasedAt || (kind === 'held' && subject.erasureRequestedAt)) {
          report.unchanged += 1
          continue
        }
        try {
          const [answer] = await this.#gate.eraseSubjects({
            actor,
            subjectIds: [id],
            reason: `replayed from the erasure ledger after a restore (${kind})`,
            mode: kind === 'held' ? 'holds' : 'full',
            ledgerFile: false,
            detail: false,
            ...(options.now ? { now: options.now } : {}),
          })
          if (answer?.outcome === 'erased') report.erased += 1
          else if (answer?.outcome === 'held') report.held += 1
          else report.unchanged += 1
        } catch (error) {
          report.failed.push({
            subjectId: id,
            reason: error instanceof Error ? error.message : String(error),
          })
        }
      }
    }
    return report
  }
}
