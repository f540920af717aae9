import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { isUuid } from '../../platform/uuid.ts'

/** What an erasure did: erased everything, erased all but what holds keep, or finished a held one. */
export const ERASURE_KINDS = ['full', 'held', 'finished'] as const
export type ErasureKind = (typeof ERASURE_KINDS)[number]

/** One line of the ledger: who (a pseudonymous id), when, what kind. No personal data. */
export interface LedgerEntry {
  subjectId: string
  erasedAt: Date
  kind: ErasureKind
}

/** A line that could not be read, by its number (1-based); the rest of the file still counts. */
export interface LedgerProblem {
  line: number
  reason: string
}

/**
 * The erasure ledger as an append-only file of JSON lines, kept outside the database's backup
 * (`TRESOR_ERASURE_LEDGER`; docs/adr/0010): after restoring a backup taken earlier, the entries
 * written since say whom to erase again. Each append is flushed to disk (`fsync`) before the
 * erasure's transaction commits, so an erasure the database holds is always in the file; an entry
 * whose transaction then failed to commit names a subject whose erasure was asked for — replaying it
 * does what was asked.
 */
export class ErasureLedgerFile {
  readonly path: string
  constructor(file: string) {
    this.path = file
  }

  /** Appends the entries as one write and flushes them to disk; throws if it can't (the erasure then fails). */
  append(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return
    const text = entries
      .map(
        (e) =>
          `${JSON.stringify({ subjectId: e.subjectId, erasedAt: e.erasedAt.toISOString(), kind: e.kind })}\n`,
      )
      .join('')
    mkdirSync(path.dirname(this.path), { recursive: true })
    const fd = openSync(this.path, 'a', 0o600)
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  /** Every entry in file order, and the lines that could not be read (a torn last line, an edit). */
  read(file: string = this.path): { entries: LedgerEntry[]; problems: LedgerProblem[] } {
    if (!existsSync(file)) return { entries: [], problems: [] }
    const entries: LedgerEntry[] = []
    const problems: LedgerProblem[] = []
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return
        const entry = parseLine(line)
        if (typeof entry === 'string') problems.push({ line: i + 1, reason: entry })
        else entries.push(entry)
      })
    return { entries, problems }
  }
}

function parseLine(line: string): LedgerEntry | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'not a JSON line'
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object'
  const { subjectId, erasedAt, kind } = value as Record<string, unknown>
  if (typeof subjectId !== 'string' || !isUuid(subjectId)) return 'subjectId is not a UUID'
  if (typeof erasedAt !== 'string' || Number.isNaN(Date.parse(erasedAt))) return 'erasedAt is not a time'
  if (!(ERASURE_KINDS as readonly unknown[]).includes(kind))
    return `kind is not one of ${ERASURE_KINDS.join(', ')}`
  return { subjectId: subjectId.toLowerCase(), erasedAt: new Date(erasedAt), kind: kind as ErasureKind }
}
