/**
 * What a personal data breach is in the register (Art. 33, 34 GDPR): plain data and the pure clock,
 * with no imports beyond other plain vocabularies, so the service, the routes, the CLI and the web UI
 * share one definition.
 */

/** Art. 33(1), 34(1): no risk (documented only), a risk (notify the authority), a high risk (and the people). */
export const BREACH_RISKS = ['none', 'risk', 'high'] as const
export type BreachRisk = (typeof BREACH_RISKS)[number]

/** Open until the authority is notified (or none is needed and the DPO closes it). */
export const BREACH_STATUSES = ['open', 'notified', 'closed'] as const
export type BreachStatus = (typeof BREACH_STATUSES)[number]

/** What the breach did to the data (ENISA's classification): disclosed, altered, or lost/unavailable. */
export const BREACH_NATURES = ['confidentiality', 'integrity', 'availability'] as const
export type BreachNature = (typeof BREACH_NATURES)[number]

/** Art. 33(1): the authority is notified within 72 hours of becoming aware. */
export const NOTIFICATION_HOURS = 72
const HOUR_MS = 3_600_000

/** The audit actions that disclose data to the actor: what "the actor read or exported" means. */
export const DISCLOSING_ACTIONS = ['read', 'export'] as const

/**
 * Whose records to follow, as the audit trail names them: a user (session), an API token, or —
 * where a job's credentials or the machine running the CLI were compromised — a job or the system.
 */
export const BREACH_ACTOR_TYPES = ['user', 'token', 'job', 'system'] as const
export type BreachActorType = (typeof BREACH_ACTOR_TYPES)[number]

/**
 * A query over the audit trail: every subject the actor's records of these actions named in
 * [from, until). Stored with the breach, so the affected set can be explained and recomputed.
 */
export interface AffectedQuery {
  actor: { type: BreachActorType; id: string }
  from: Date
  until: Date
  actions: string[]
}

/** The Art. 34 letter to one person: sent, or why not. */
export const LETTER_STATUSES = ['sent', 'refused', 'no-address', 'failed'] as const
export type LetterStatus = (typeof LETTER_STATUSES)[number]

/** A breach as the register holds it. */
export interface Breach {
  id: string
  /** The running number: shown as `B-<number>`. */
  number: number
  awareAt: Date
  occurredFrom: Date | null
  occurredUntil: Date | null
  title: string
  description: string
  nature: BreachNature[]
  /** Subject kinds (Art. 33(3)(a): categories of data subjects). */
  subjectCategories: string[]
  /** Field categories (Art. 33(3)(a): categories of personal data records). */
  dataCategories: string[]
  approxSubjects: number | null
  approxRecords: number | null
  consequences: string
  measures: string
  risk: BreachRisk
  status: BreachStatus
  authorityNotifiedAt: Date | null
  authorityReference: string | null
  delayReasons: string | null
  affectedQueries: AffectedQuery[]
  remindersSent: number
  recordedBy: { type: string; id: string }
  createdAt: Date
  updatedAt: Date
}

/** The affected set's size: people, the audit records naming them, and the letters. */
export interface AffectedCounts {
  subjects: number
  records: number
  letters: Record<LetterStatus | 'pending', number>
}

/** The 72-hour clock of one breach at `now` (Art. 33(1)). */
export interface BreachClock {
  deadline: Date
  /** Whether the authority must be notified at all: not when the breach is unlikely to result in a risk. */
  notificationRequired: boolean
  /** Milliseconds left until the deadline (negative: past it); null once notified. */
  remainingMs: number | null
  /** Past the deadline and not notified. */
  overdue: boolean
  /** Notified after the deadline (reasons for the delay required). */
  late: boolean
}

export const breachReference = (number: number): string => `B-${number}`

export const notificationDeadline = (awareAt: Date): Date =>
  new Date(awareAt.getTime() + NOTIFICATION_HOURS * HOUR_MS)

/** Whether a notification at `at` comes after the 72 hours (and so needs the reasons for the delay). */
export const isLateNotification = (awareAt: Date, at: Date): boolean =>
  at.getTime() > notificationDeadline(awareAt).getTime()

/** The clock of `breach` at `now`. Pure. */
export function breachClock(
  breach: Pick<Breach, 'awareAt' | 'risk' | 'authorityNotifiedAt' | 'status'>,
  now: Date,
): BreachClock {
  const deadline = notificationDeadline(breach.awareAt)
  const notificationRequired = breach.risk !== 'none'
  const notified = breach.authorityNotifiedAt
  const running = notificationRequired && notified === null && breach.status === 'open'
  const remainingMs = running ? deadline.getTime() - now.getTime() : null
  return {
    deadline,
    notificationRequired,
    remainingMs,
    overdue: remainingMs !== null && remainingMs < 0,
    late: notified !== null && notified.getTime() > deadline.getTime(),
  }
}

/**
 * Which reminder is due for the DPO (Art. 33(1)): 1 when 24 hours or less are left, 2 when the time
 * ran out; 0 when none (no notification needed, already notified, or more than a day left).
 */
export function reminderStage(
  breach: Pick<Breach, 'awareAt' | 'risk' | 'authorityNotifiedAt' | 'status'>,
  now: Date,
): 0 | 1 | 2 {
  const { remainingMs } = breachClock(breach, now)
  if (remainingMs === null) return 0
  if (remainingMs <= 0) return 2
  return remainingMs <= 24 * HOUR_MS ? 1 : 0
}
