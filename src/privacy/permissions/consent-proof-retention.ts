import { addIsoDuration } from '../purposes/iso-duration.ts'
import type { Channel, PurposeDefinition } from '../purposes/purpose.ts'
import type { ConsentUse } from './permission.service.ts'

/** A duty to keep the proof of a consent beyond the consent itself. */
export interface ConsentProofRetentionRule {
  /** The channel the consent is for. */
  channel: Channel
  /** Only consents to advertising (purposes of direct marketing). */
  directMarketingOnly: boolean
  /** ISO 8601 duration; it runs from the last grant and from the last use, whichever is later. */
  period: string
  /** The law, as the DPO reads it. */
  law: string
}

/**
 * The rule book's consent-proof periods (LEGAL.md, "Direct marketing channels" and "Retention
 * duties"): reviewable data, one row per duty. The retention rules of the deletion concept keep
 * the rest; this table says only what must not be erased before its time.
 */
export const CONSENT_PROOF_RETENTION: readonly ConsentProofRetentionRule[] = [
  // § 7a UWG (since 2021-10-01): consent to phone advertising to a consumer must be documented when
  // it is given, and the proof kept for five years from then and after each use of the consent.
  { channel: 'phone', directMarketingOnly: true, period: 'P5Y', law: '§ 7a UWG' },
]

/** Until when the proof of one consent (subject × purpose × channel) must be kept, and why. */
export interface ConsentProofRetention {
  subjectId: string
  purposeKey: string
  channel: Channel
  law: string
  period: string
  lastGivenAt: Date
  /** The latest use of the consent (a touchpoint under the purpose on the channel); null: none. */
  lastUsedAt: Date | null
  /** The later of the last grant and the last use, plus the period. */
  keepUntil: Date
}

/** The channels some rule covers: the only ones whose uses need to be looked up. */
export const retainedChannels = (rules: readonly ConsentProofRetentionRule[] = CONSENT_PROOF_RETENTION) => [
  ...new Set(rules.map((r) => r.channel)),
]

/**
 * Applies the rules to when each consent was last given and used. A consent that was never given
 * (only requested) has nothing to prove and no entry; a purpose unknown to `purposes` is treated
 * as advertising, so its proof is kept rather than lost. Pure.
 */
export function consentProofRetention(
  uses: readonly ConsentUse[],
  purposes: ReadonlyMap<string, Pick<PurposeDefinition, 'directMarketing'>>,
  rules: readonly ConsentProofRetentionRule[] = CONSENT_PROOF_RETENTION,
): ConsentProofRetention[] {
  return uses.flatMap((use) => {
    const given = use.lastGivenAt
    if (given === null) return []
    const advertising = purposes.get(use.purposeKey)?.directMarketing ?? true
    // Five years from the grant *and* from each use: the later of the two decides.
    const from =
      use.lastUsedAt !== null && use.lastUsedAt.getTime() > given.getTime() ? use.lastUsedAt : given
    return rules
      .filter((rule) => rule.channel === use.channel && (advertising || !rule.directMarketingOnly))
      .map((rule) => ({
        subjectId: use.subjectId,
        purposeKey: use.purposeKey,
        channel: use.channel,
        law: rule.law,
        period: rule.period,
        lastGivenAt: given,
        lastUsedAt: use.lastUsedAt,
        keepUntil: addIsoDuration(from, rule.period),
      }))
  })
}

/** Per subject, the latest date until which some consent proof must be kept (subjects without: absent). */
export function keepProofUntil(entries: readonly ConsentProofRetention[]): Map<string, Date> {
  const until = new Map<string, Date>()
  for (const e of entries) {
    const current = until.get(e.subjectId)
    if (!current || e.keepUntil.getTime() > current.getTime()) until.set(e.subjectId, e.keepUntil)
  }
  return until
}
