import { addIsoDuration } from '../purposes/iso-duration.ts'
import type { ConsentEventKind, ConsentStatus } from './permission-rules.ts'

/** The derived state of one consent (subject × purpose × channel), as `permission_state` keeps it. */
export interface ConsentRecord {
  status: ConsentStatus
  requestedAt: Date | null
  grantedAt: Date | null
  confirmedAt: Date | null
  withdrawnAt: Date | null
  expiredAt: Date | null
  expiresAt: Date | null
  updatedAt: Date
}

export type Transition = { ok: true; state: ConsentRecord } | { ok: false; reason: string }

/**
 * The state after one consent event, or why the event can't happen now. `validity` is the
 * purpose's consent validity (ISO 8601 duration, or null). Pure.
 */
export function applyConsentEvent(
  current: ConsentRecord | null,
  kind: ConsentEventKind,
  at: Date,
  validity: string | null,
): Transition {
  if (current && at.getTime() < current.updatedAt.getTime())
    return { ok: false, reason: 'consent events must be recorded in the order they happened' }
  // A consent whose validity ran out counts as expired even before the expiry job records it.
  const lapsed =
    current !== null &&
    (current.status === 'granted' || current.status === 'confirmed') &&
    current.expiresAt !== null &&
    current.expiresAt.getTime() <= at.getTime()
  const status: ConsentStatus | null = lapsed ? 'expired' : (current?.status ?? null)
  const base: ConsentRecord = current ?? {
    status: kind,
    requestedAt: null,
    grantedAt: null,
    confirmedAt: null,
    withdrawnAt: null,
    expiredAt: null,
    expiresAt: null,
    updatedAt: at,
  }
  const expiresAt = validity === null ? null : addIsoDuration(at, validity)
  switch (kind) {
    case 'requested':
      if (status === 'granted' || status === 'confirmed')
        return { ok: false, reason: 'the consent is already given; withdraw it before asking again' }
      return {
        ok: true,
        state: { ...base, status: 'requested', requestedAt: at, expiresAt: null, updatedAt: at },
      }
    case 'granted':
      if (status === 'confirmed') return { ok: false, reason: 'the consent is already given and confirmed' }
      return { ok: true, state: { ...base, status: 'granted', grantedAt: at, expiresAt, updatedAt: at } }
    case 'confirmed':
      // The double opt-in confirms a consent that was asked for or given, nothing else.
      if (status !== 'requested' && status !== 'granted')
        return { ok: false, reason: 'only a requested or granted consent can be confirmed' }
      return { ok: true, state: { ...base, status: 'confirmed', confirmedAt: at, expiresAt, updatedAt: at } }
    case 'withdrawn':
      // Art. 7(3): withdrawing is always possible and as easy as giving; a repeated withdrawal
      // (a second click on an unsubscribe link) is recorded and changes nothing.
      return {
        ok: true,
        state: {
          ...base,
          status: 'withdrawn',
          withdrawnAt: status === 'withdrawn' ? (base.withdrawnAt ?? at) : at,
          expiresAt: null,
          updatedAt: at,
        },
      }
    case 'expired':
      if (status !== 'requested' && status !== 'granted' && status !== 'confirmed' && !lapsed)
        return { ok: false, reason: 'only a pending or given consent can expire' }
      return {
        ok: true,
        state: { ...base, status: 'expired', expiredAt: at, expiresAt: null, updatedAt: at },
      }
  }
}
