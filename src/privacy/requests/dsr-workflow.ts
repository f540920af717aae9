import { ProblemError } from '../../platform/problem.ts'
import {
  type DsrChannel,
  type DsrStatus,
  isOpenStatus,
  type RefusalGround,
  type VerificationMethod,
} from './dsr.ts'

/**
 * The steps of a data subject request (Art. 12) as pure rules: which step is allowed in which
 * state, and what it changes. The kernel applies them to the locked row in the step's transaction.
 */

/** One step, as staff (or the portal) take it. */
export type DsrStep =
  /** Art. 12(6): how the identity was verified; the note says how, without personal data. */
  | { step: 'verify'; method: VerificationMethod; note?: string | undefined }
  | { step: 'start' }
  /** Closes the request as answered; `note` says what was done for a kind Tresor doesn't answer itself yet. */
  | { step: 'answer'; note?: string | undefined }
  /** Art. 12(4)-(5): the ground and the reasons told to the person (with the right to complain). */
  | { step: 'refuse'; ground: RefusalGround; reason: string }
  /** Art. 12(3): by one or two further months, with the reason told to the person. */
  | { step: 'extend'; months: 1 | 2; reason: string }
  /** Who handles it; null: nobody. */
  | { step: 'assign'; assigneeId: string | null }

export type DsrStepName = DsrStep['step']

/** The workflow state of a request, as the row holds it. */
export interface DsrWorkflowState {
  status: DsrStatus
  channel: DsrChannel
  receivedAt: Date
  dueAt: Date
  verifiedAt: Date | null
  startedAt: Date | null
  extendedAt: Date | null
}

/** What a step changes on the row. */
export interface DsrStepChange {
  status?: DsrStatus
  assignee_id?: string | null
  verified_at?: Date
  verification_method?: VerificationMethod
  verification_note?: string | null
  started_at?: Date
  extended_at?: Date
  extension_reason?: string
  first_due_at?: Date
  due_at?: Date
  closed_at?: Date
  refusal_ground?: RefusalGround
  refusal_reason?: string
  answer_note?: string | null
}

/** The same day number `months` later, or that month's last day (Regulation 1182/71 Art. 3(2)(c)). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from.getTime())
  const day = d.getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() + months)
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  d.setUTCDate(Math.min(day, last))
  return d
}

const conflict = (detail: string) => new ProblemError('conflict', detail)

/**
 * Whether `step` may be taken now and what it changes; a 409 problem naming the rule otherwise.
 * `answer` needs a verified identity (Art. 12(6): nothing personal goes out before); an extension
 * is refused after the first month from receipt (Art. 12(3)) and is granted once.
 */
export function applyStep(state: DsrWorkflowState, step: DsrStep, now: Date): DsrStepChange {
  const open = isOpenStatus(state.status)
  if (!open && step.step !== 'assign')
    throw conflict(`the request is ${state.status} already: a closed request takes no further step`)
  switch (step.step) {
    case 'assign':
      return { assignee_id: step.assigneeId }
    case 'verify': {
      if (state.verifiedAt) throw conflict('the identity was verified already')
      if (step.method === 'portal_sign_in' && state.channel !== 'portal')
        throw conflict('portal_sign_in verifies only a request filed in the portal')
      return {
        ...(state.status === 'received' ? { status: 'identity_verified' as const } : {}),
        verified_at: now,
        verification_method: step.method,
        verification_note: step.note ?? null,
      }
    }
    case 'start':
      if (!state.verifiedAt)
        throw conflict('Art. 12(6): verify the identity of the person before working on the request')
      if (state.startedAt) throw conflict('the request is in progress already')
      return { ...(state.status === 'extended' ? {} : { status: 'in_progress' as const }), started_at: now }
    case 'answer':
      if (!state.verifiedAt)
        throw conflict('Art. 12(6): nothing personal goes out before the identity of the person is verified')
      return {
        status: 'answered',
        closed_at: now,
        ...(state.startedAt ? {} : { started_at: now }),
        answer_note: step.note ?? null,
      }
    case 'refuse':
      return { status: 'refused', closed_at: now, refusal_ground: step.ground, refusal_reason: step.reason }
    case 'extend': {
      if (state.extendedAt)
        throw conflict('Art. 12(3): the request was extended already (once, by up to two months)')
      const firstMonthEnds = addMonths(state.receivedAt, 1)
      if (now.getTime() > firstMonthEnds.getTime())
        throw conflict(
          `Art. 12(3) GDPR: an extension must be told to the person within one month of receipt; that month ended ${firstMonthEnds.toISOString()}`,
        )
      return {
        status: 'extended',
        extended_at: now,
        extension_reason: step.reason,
        first_due_at: state.dueAt,
        due_at: addMonths(state.dueAt, step.months),
      }
    }
  }
}
