import type { HistoryEntry, SubjectPermissions } from '../../privacy/permissions/permission.service.ts'
import { type ConsentEventKind, consentDenial } from '../../privacy/permissions/permission-rules.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { ConsentProofEvent, ConsentProofViewJson } from './consent-proof.schemas.ts'
import type { ConsentProofRetention } from './consent-proof-retention.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

/** Sources where the evidence itself stays outside Tresor, so the proof should point to it. */
const EVIDENCE_KEPT_ELSEWHERE = new Set(['phone', 'letter', 'in-person'])

/**
 * What the proof of one consent event lacks that a DPO would want to show (Art. 7(1): who, when,
 * how, which text, for which purpose). Recording never refuses these (a withdrawal must always be
 * possible, Art. 7(3)); the view says so instead. Pure.
 */
export function proofGaps(
  kind: ConsentEventKind,
  proof: Record<string, unknown>,
  purpose: Pick<Purpose, 'doubleOptIn'> | undefined,
): string[] {
  const gaps: string[] = []
  const gives = kind === 'requested' || kind === 'granted'
  if (gives && !text(proof.textVersion)) gaps.push('the version of the consent text shown is missing')
  if (gives && EVIDENCE_KEPT_ELSEWHERE.has(String(proof.source)) && !text(proof.reference))
    // § 7a UWG for phone advertising; Art. 7(1) for every consent given outside a form.
    gaps.push(`no reference to the evidence of the ${String(proof.source)} consent (recording, letter, form)`)
  const doi = proof.doi as Record<string, unknown> | undefined
  if (kind === 'confirmed' && purpose?.doubleOptIn && !text(doi?.confirmedAt))
    gaps.push('no double opt-in confirmation data (when the link was confirmed)')
  return gaps
}

/**
 * A subject's consents as proof: the state per purpose and channel, every consent event with its
 * proof, the objections (the do-not-contact flag among them), and the proof the law says to keep.
 * Built from what the permission service holds; `now` decides whether a consent has lapsed. Pure.
 */
export function consentProofView(input: {
  state: SubjectPermissions
  history: readonly HistoryEntry[]
  purposes: ReadonlyMap<string, Purpose>
  retention: readonly ConsentProofRetention[]
  now: Date
}): ConsentProofViewJson {
  const { state, history, purposes, now } = input
  return {
    subjectId: state.subjectId,
    erased: state.erased,
    // Art. 21(3): the objection to all direct marketing stops advertising on every channel at once.
    doNotContact: state.objections.some((o) => o.scope === 'all_marketing'),
    consents: state.consents.map((c) => {
      const purpose = purposes.get(c.purposeKey)
      const rule = consentDenial(
        { status: c.status, expiresAt: c.expiresAt },
        purpose?.doubleOptIn ?? true,
        now,
      )
      return {
        purposeKey: c.purposeKey,
        channel: c.channel,
        legalBasis: purpose?.legalBasis ?? null,
        status: c.status,
        since: c.updatedAt.toISOString(),
        expiresAt: iso(c.expiresAt),
        counts: rule === null,
        ...(rule === null ? {} : { rule }),
        requestedAt: iso(c.requestedAt),
        grantedAt: iso(c.grantedAt),
        confirmedAt: iso(c.confirmedAt),
        withdrawnAt: iso(c.withdrawnAt),
        expiredAt: iso(c.expiredAt),
      }
    }),
    objections: state.objections.map((o) => ({ ...o, raisedAt: o.raisedAt.toISOString() })),
    events: history.flatMap((h): ConsentProofEvent[] => {
      if (h.type !== 'consent') return []
      const kind = h.what as ConsentEventKind
      const proof = h.proof ?? {}
      return [
        {
          at: h.at.toISOString(),
          purposeKey: h.purposeKey ?? '',
          purposeVersion: h.purposeVersion ?? 0,
          channel: h.channel ?? 'none',
          kind,
          source: h.source,
          proof,
          recordedBy: h.actor,
          gaps: proofGaps(kind, proof, purposes.get(h.purposeKey ?? '')),
        },
      ]
    }),
    objectionEvents: history
      .filter((h) => h.type === 'objection')
      .map((h) => ({
        at: h.at.toISOString(),
        action: h.what,
        scope: h.scope ?? '',
        purposeKey: h.purposeKey,
        channel: h.channel,
        source: h.source ?? '',
        reference: typeof h.proof?.reference === 'string' ? h.proof.reference : null,
        recordedBy: h.actor,
      })),
    proofRetention: input.retention
      .filter((r) => r.subjectId === state.subjectId)
      .map((r) => ({
        purposeKey: r.purposeKey,
        channel: r.channel,
        law: r.law,
        period: r.period,
        lastGivenAt: r.lastGivenAt.toISOString(),
        lastUsedAt: iso(r.lastUsedAt),
        keepUntil: r.keepUntil.toISOString(),
      })),
  }
}
