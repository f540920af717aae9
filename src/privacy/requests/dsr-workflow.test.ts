import { describe, expect, it } from 'vitest'
import { ProblemError } from '../../platform/problem.ts'
import { addMonths, applyStep, type DsrWorkflowState } from './dsr-workflow.ts'

const received = new Date('2026-01-31T10:00:00Z')
const open: DsrWorkflowState = {
  status: 'received',
  channel: 'letter',
  receivedAt: received,
  dueAt: new Date('2026-02-28T10:00:00Z'),
  verifiedAt: null,
  startedAt: null,
  extendedAt: null,
}
const verified: DsrWorkflowState = { ...open, status: 'identity_verified', verifiedAt: received }

const refusal = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError)
    expect((error as ProblemError).status).toBe(409)
    return (error as ProblemError).detail ?? ''
  }
  throw new Error('the step was allowed')
}

describe('the steps of a data subject request (Art. 12)', () => {
  it('counts months as the deadline does: the same day, or the month’s last', () => {
    expect(addMonths(received, 1).toISOString()).toBe('2026-02-28T10:00:00.000Z')
    expect(addMonths(new Date('2026-02-28T10:00:00Z'), 2).toISOString()).toBe('2026-04-28T10:00:00.000Z')
    expect(addMonths(new Date('2026-12-15T00:00:00Z'), 1).toISOString()).toBe('2027-01-15T00:00:00.000Z')
  })

  it('answers nothing and starts nothing before the identity is verified (Art. 12(6))', () => {
    expect(refusal(() => applyStep(open, { step: 'answer' }, received))).toContain('Art. 12(6)')
    expect(refusal(() => applyStep(open, { step: 'start' }, received))).toContain('Art. 12(6)')
    expect(applyStep(open, { step: 'verify', method: 'id_document' }, received)).toMatchObject({
      status: 'identity_verified',
      verification_method: 'id_document',
    })
    expect(refusal(() => applyStep(open, { step: 'verify', method: 'portal_sign_in' }, received))).toContain(
      'portal',
    )
    expect(applyStep(verified, { step: 'start' }, received)).toMatchObject({ status: 'in_progress' })
    expect(applyStep(verified, { step: 'answer' }, received)).toMatchObject({ status: 'answered' })
  })

  it('extends once, by one or two months, only within the first month from receipt (Art. 12(3))', () => {
    const lastDay = new Date('2026-02-28T10:00:00Z')
    expect(applyStep(open, { step: 'extend', months: 2, reason: 'many' }, lastDay)).toMatchObject({
      status: 'extended',
      first_due_at: open.dueAt,
      due_at: new Date('2026-04-28T10:00:00Z'),
    })
    const late = refusal(() =>
      applyStep(open, { step: 'extend', months: 1, reason: 'late' }, new Date('2026-02-28T10:00:01Z')),
    )
    expect(late).toMatch(
      /^Art\. 12\(3\) GDPR: an extension must be told .* that month ended 2026-02-28T10:00:00\.000Z$/,
    )
    const extended = { ...verified, status: 'extended' as const, extendedAt: received }
    expect(
      refusal(() => applyStep(extended, { step: 'extend', months: 1, reason: 'again' }, received)),
    ).toContain('extended already')
    // An extended request keeps its status while worked on, and is answered.
    expect(applyStep(extended, { step: 'start' }, received)).not.toHaveProperty('status')
    expect(applyStep(extended, { step: 'answer' }, received)).toMatchObject({ status: 'answered' })
  })

  it('refuses from any open state; a closed request takes no step but a change of assignee', () => {
    expect(
      applyStep(open, { step: 'refuse', ground: 'excessive', reason: 'the 9th this month' }, received),
    ).toMatchObject({ status: 'refused', refusal_ground: 'excessive' })
    const closed = { ...verified, status: 'answered' as const }
    expect(
      refusal(() => applyStep(closed, { step: 'refuse', ground: 'other', reason: 'x' }, received)),
    ).toContain('closed')
    expect(applyStep(closed, { step: 'assign', assigneeId: null }, received)).toEqual({ assignee_id: null })
  })
})
