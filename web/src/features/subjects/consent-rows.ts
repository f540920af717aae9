import {
  ALL_MARKETING_TARGET,
  objectionsMatching,
} from '../../../../src/privacy/permissions/permission-rules'
import { isChannel, isLegalBasis } from '../../../../src/privacy/purposes/purpose'
import {
  type CONSENT_EVENT_KINDS,
  type ConsentProofState,
  type ConsentProofView,
  isConsentBased,
  type ObjectionInForce,
} from './consent.api'
import { ALL_CHANNELS, type PurposeSummary } from './contact-overview.api'

/** One line of the consent matrix: a purpose × channel, with its consent state when there is one. */
export interface ConsentRow {
  purposeKey: string
  channel: string
  state: ConsentProofState | null
  purpose: PurposeSummary | undefined
  /** Whether the purpose rests on consent (else: a marketing purpose on another basis, e.g. post). */
  consentBased: boolean
}

export const STATUS_COLORS: Record<(typeof CONSENT_EVENT_KINDS)[number], string> = {
  granted: 'green',
  confirmed: 'green',
  requested: 'yellow',
  withdrawn: 'red',
  expired: 'gray',
}

export const rowKey = (purposeKey: string, channel: string) => `${purposeKey}\u0000${channel}`

const consentBasedRow = (purpose: PurposeSummary | undefined, state: ConsentProofState | null) =>
  purpose ? isConsentBased(purpose) : state !== null

/**
 * The matrix of the consent panel: every purpose × channel the subject has a consent state for,
 * and every other channel of the consent and direct-marketing purposes (no consent yet, or
 * marketing on legitimate interest), in the registry's order.
 */
export function consentRows(
  view: Pick<ConsentProofView, 'consents'>,
  purposes: readonly PurposeSummary[] | undefined,
): ConsentRow[] {
  const byKey = new Map<string, ConsentRow>()
  for (const state of view.consents) {
    const purpose = purposes?.find((p) => p.key === state.purposeKey)
    byKey.set(rowKey(state.purposeKey, state.channel), {
      purposeKey: state.purposeKey,
      channel: state.channel,
      state,
      purpose,
      consentBased: consentBasedRow(purpose, state),
    })
  }
  for (const purpose of purposes ?? []) {
    const consentBased = consentBasedRow(purpose, null)
    if (!consentBased && !purpose.directMarketing) continue
    for (const channel of purpose.channels) {
      const key = rowKey(purpose.key, channel)
      if (!byKey.has(key))
        byKey.set(key, { purposeKey: purpose.key, channel, state: null, purpose, consentBased })
    }
  }
  const purposeOrder = (key: string) => {
    const index = purposes?.findIndex((p) => p.key === key) ?? -1
    return index === -1 ? Number.MAX_SAFE_INTEGER : index
  }
  const channelOrder = (channel: string) => {
    const index = (ALL_CHANNELS as readonly string[]).indexOf(channel)
    return index === -1 ? Number.MAX_SAFE_INTEGER : index
  }
  // Consents first, then marketing on another basis; each in the registry's order.
  return [...byKey.values()].sort(
    (a, b) =>
      Number(b.consentBased) - Number(a.consentBased) ||
      purposeOrder(a.purposeKey) - purposeOrder(b.purposeKey) ||
      a.purposeKey.localeCompare(b.purposeKey) ||
      channelOrder(a.channel) - channelOrder(b.channel),
  )
}

/** Whether an objection in force stops this purpose × channel: the gate's own rule (permission-rules.ts). */
export function objectionCovers(objection: ObjectionInForce, row: ConsentRow): boolean {
  const purpose = row.purpose
  if (!purpose || !isLegalBasis(purpose.legalBasis) || !isChannel(row.channel))
    return objection.scope === 'purpose' && objection.purposeKey === row.purposeKey
  const target =
    objection.scope === 'purpose'
      ? objection.purposeKey
      : objection.scope === 'channel'
        ? objection.channel
        : ALL_MARKETING_TARGET
  return objectionsMatching(
    { key: purpose.key, legalBasis: purpose.legalBasis, directMarketing: purpose.directMarketing },
    row.channel,
  ).some((key) => key.scope === objection.scope && key.target === target)
}
