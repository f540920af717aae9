import { describe, expect, it } from 'vitest'
import { applyConsentEvent, type ConsentRecord } from './consent-transition.ts'
import type { ConsentEventKind } from './permission-rules.ts'

const T0 = new Date('2026-01-01T00:00:00Z')
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)

/** Applies the events one minute apart; returns the final state or the first refusal. */
function run(kinds: readonly ConsentEventKind[], validity: string | null = null): ConsentRecord | string {
  let state: ConsentRecord | null = null
  for (const [i, kind] of kinds.entries()) {
    const next = applyConsentEvent(state, kind, at(i), validity)
    if (!next.ok) return next.reason
    state = next.state
  }
  if (!state) throw new Error('no events')
  return state
}

const statusOf = (result: ConsentRecord | string) => (typeof result === 'string' ? 'refused' : result.status)

describe('consent transitions', () => {
  it.each([
    [['requested', 'confirmed'], 'confirmed'],
    [['granted', 'confirmed'], 'confirmed'],
    [['granted'], 'granted'],
    [['granted', 'granted'], 'granted'],
    [['requested', 'requested'], 'requested'],
    [['requested', 'expired'], 'expired'],
    [['requested', 'confirmed', 'withdrawn', 'requested', 'confirmed'], 'confirmed'],
    [['withdrawn'], 'withdrawn'],
    [['granted', 'withdrawn', 'withdrawn'], 'withdrawn'],
    [['confirmed'], 'refused'],
    [['granted', 'withdrawn', 'confirmed'], 'refused'],
    [['requested', 'confirmed', 'confirmed'], 'refused'],
    [['requested', 'confirmed', 'requested'], 'refused'],
    [['requested', 'confirmed', 'granted'], 'refused'],
    [['expired'], 'refused'],
    [['granted', 'expired', 'expired'], 'refused'],
  ] as [ConsentEventKind[], string][])('%j → %s', (kinds, expected) => {
    expect(statusOf(run(kinds))).toBe(expected)
  })

  it('sets the expiry from the confirmation, and drops it on withdrawal', () => {
    const confirmed = run(['requested', 'confirmed'], 'P1Y') as ConsentRecord
    expect(confirmed.expiresAt).toEqual(new Date('2027-01-01T00:01:00Z'))
    const withdrawn = run(['requested', 'confirmed', 'withdrawn'], 'P1Y') as ConsentRecord
    expect(withdrawn.expiresAt).toBeNull()
    expect(withdrawn.withdrawnAt).toEqual(at(2))
    expect(withdrawn.confirmedAt).toEqual(at(1))
  })

  it('keeps the first withdrawal time when withdrawn twice', () => {
    expect((run(['granted', 'withdrawn', 'withdrawn']) as ConsentRecord).withdrawnAt).toEqual(at(1))
  })

  it('lets a lapsed consent be given again', () => {
    const confirmed = run(['requested', 'confirmed'], 'P1M') as ConsentRecord
    const later = new Date('2026-03-01T00:00:00Z')
    const renewed = applyConsentEvent(confirmed, 'granted', later, 'P1M')
    expect(renewed.ok && renewed.state.status).toBe('granted')
    const tooEarly = applyConsentEvent(confirmed, 'granted', at(5), 'P1M')
    expect(tooEarly.ok).toBe(false)
  })

  it('refuses events out of time order', () => {
    const granted = run(['granted']) as ConsentRecord
    expect(applyConsentEvent(granted, 'withdrawn', new Date(T0.getTime() - 1), null).ok).toBe(false)
  })
})
