/**
 * The audit reasons the server writes follow fixed patterns (in English, in the hash-chained
 * record, never changed afterwards). This reads them back into a key of `history.reasons.*` and
 * typed parts, which the history page puts into the UI language: purposes by name, roles, channels
 * and categories by their labels, dates in the local format. A reason no pattern knows — one a user
 * typed (a correction's or a merge's), or one a newer server writes — is shown as it was recorded.
 */

/** How a part of a reason is shown. */
export type ReasonPartKind =
  | 'text'
  | 'id'
  | 'ids'
  | 'date'
  | 'purpose'
  | 'purposes'
  | 'role'
  | 'category'
  | 'categories'
  | 'channel'
  | 'denial'
  | 'status'
  | 'source'
  | 'requestKind'
  | 'requestChannel'
  | 'ground'
  | 'exception'
  | 'objectionAction'
  | 'objectionTarget'
  | 'reason'
  | 'milestone'

export interface ReasonPart {
  kind: ReasonPartKind
  value: string
}

export const REASON_KEYS = [
  'dsrViewed',
  'dsrReceived',
  'dsrListed',
  'consent',
  'objection',
  'restrictionSet',
  'restrictionLifted',
  'permissionsViewed',
  'permissionsHistoryViewed',
  'consentProofViewed',
  'consentProofRecordsViewed',
  'legalBasis',
  'roleLacksCategories',
  'purposeLacksCategories',
  'specialCategories',
  'unknownFields',
  'publicForm',
  'importFrom',
  'import',
  'exportFinished',
  'portalLinkIssued',
  'portalSignIn',
  'portalSignOut',
  'marketingMail',
  'restrictionException',
  'purposeScope',
  'notRolesPurpose',
  'touchpointNotStored',
  'roleLacksCategory',
  'roleLacksHistory',
  'collectDenied',
  'rectifyDenied',
  'rectifyLegalBasis',
  'rectifySpecial',
  'combineDenied',
  'explicitConsent',
  'scoresComputed',
  'scoresRemovedAtOnce',
  'scoresRemovedStale',
  'milestoneRecorded',
  'milestonesRecorded',
  'milestoneRemoved',
] as const
export type ReasonKey = (typeof REASON_KEYS)[number]

export interface ParsedReason {
  key: ReasonKey
  parts: Record<string, ReasonPart>
}

const part = (kind: ReasonPartKind, value: string | undefined): ReasonPart => ({ kind, value: value ?? '' })
const list = (text: string | undefined) => (text ?? '').split(/,\s*|\s+or\s+/).filter(Boolean)

type Rule = [RegExp, (m: RegExpExecArray) => ParsedReason]

const UUID = '[0-9a-f-]{36}'
const ISO = '\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z'

/** The server's patterns, most specific first (src/privacy, src/modules: the `reason` of audit records). */
const RULES: readonly Rule[] = [
  [
    /^data subject requests viewed: (.+)$/,
    (m) => ({ key: 'dsrViewed', parts: { ids: part('ids', m[1]?.replace(/dsr:/g, '')) } }),
  ],
  [
    new RegExp(`^data subject request dsr:(${UUID}) \\(([\\w-]+)\\) received via ([\\w-]+), due (${ISO})$`),
    (m) => ({
      key: 'dsrReceived',
      parts: {
        id: part('id', m[1]),
        kind: part('requestKind', m[2]),
        channel: part('requestChannel', m[3]),
        due: part('date', m[4]),
      },
    }),
  ],
  [/^open data subject requests listed$/, () => ({ key: 'dsrListed', parts: {} })],
  [
    /^profiling: scores computed from the orders \(model version (\d+)\)$/,
    (m) => ({ key: 'scoresComputed', parts: { version: part('text', m[1]) } }),
  ],
  [
    /^scores removed at once: consent to profiling withdrawn or objection raised/,
    () => ({ key: 'scoresRemovedAtOnce', parts: {} }),
  ],
  [
    /^scores removed: the profiling purpose no longer holds, or no purchases are left$/,
    () => ({ key: 'scoresRemovedStale', parts: {} }),
  ],
  [
    new RegExp(`^milestone ([a-z_]+) recorded, dated (${ISO}) \\(starts the retention clocks reading it\\)$`),
    (m) => ({ key: 'milestoneRecorded', parts: { kind: part('milestone', m[1]), date: part('date', m[2]) } }),
  ],
  [
    /^milestones ([a-z_]+) recorded \(starts the retention clocks reading them\)$/,
    (m) => ({ key: 'milestonesRecorded', parts: { kind: part('milestone', m[1]) } }),
  ],
  [
    new RegExp(`^milestone ([a-z_]+) dated (${ISO}) removed$`),
    (m) => ({ key: 'milestoneRemoved', parts: { kind: part('milestone', m[1]), date: part('date', m[2]) } }),
  ],
  [
    /^consent ([\w-]+) on ([\w-]+) \(source: ([\w-]+)\)$/,
    (m) => ({
      key: 'consent',
      parts: { status: part('status', m[1]), channel: part('channel', m[2]), source: part('source', m[3]) },
    }),
  ],
  [
    /^objection (raised|lifted): (all marketing|purpose [\w-]+|channel [\w-]+) \(source: ([\w-]+)\)$/,
    (m) => ({
      key: 'objection',
      parts: {
        action: part('objectionAction', m[1]),
        target: part('objectionTarget', m[2]),
        source: part('source', m[3]),
      },
    }),
  ],
  [
    /^restriction set \(Art\. 18\(1\), ground: ([\w-]+)\)$/,
    (m) => ({ key: 'restrictionSet', parts: { ground: part('ground', m[1]) } }),
  ],
  [/^restriction lifted \(Art\. 18\(3\)\)$/, () => ({ key: 'restrictionLifted', parts: {} })],
  [/^permission state viewed$/, () => ({ key: 'permissionsViewed', parts: {} })],
  [/^permission state and history viewed$/, () => ({ key: 'permissionsHistoryViewed', parts: {} })],
  [/^consent state and proof viewed$/, () => ({ key: 'consentProofViewed', parts: {} })],
  [
    /^consent state and proof viewed as ISO\/IEC TS 27560 records$/,
    () => ({ key: 'consentProofRecordsViewed', parts: {} }),
  ],
  [/^legal basis: ([\w-]+)$/, (m) => ({ key: 'legalBasis', parts: { rule: part('denial', m[1]) } })],
  [
    /^role ([\w-]+) lacks the field categories (.+)$/,
    (m) => ({
      key: 'roleLacksCategories',
      parts: { role: part('role', m[1]), categories: part('categories', m[2]) },
    }),
  ],
  [
    /^purpose ([\w-]+) does not use the field categories (.+)$/,
    (m) => ({
      key: 'purposeLacksCategories',
      parts: { purpose: part('purpose', m[1]), categories: part('categories', m[2]) },
    }),
  ],
  [
    /^special categories \(Art\. 9\(1\)\): purpose ([\w-]+) has no Art\. 9\(2\) basis that these fields serve$/,
    (m) => ({ key: 'specialCategories', parts: { purpose: part('purpose', m[1]) } }),
  ],
  [/^not fields of the catalog$/, () => ({ key: 'unknownFields', parts: {} })],
  [/^public form ([\w-]+) \([\w-]+\)$/, (m) => ({ key: 'publicForm', parts: { form: part('text', m[1]) } })],
  [
    new RegExp(`^import (${UUID}) from (.+)$`),
    (m) => ({ key: 'importFrom', parts: { id: part('id', m[1]), source: part('text', m[2]) } }),
  ],
  [new RegExp(`^import (${UUID})$`), (m) => ({ key: 'import', parts: { id: part('id', m[1]) } })],
  [
    /^export finished: (\d+) rows as (\w+), sha256 of the ids [0-9a-f]+$/,
    (m) => ({
      key: 'exportFinished',
      parts: { count: part('text', m[1]), format: part('text', m[2]?.toUpperCase()) },
    }),
  ],
  [
    new RegExp(`^privacy portal sign-in link issued, valid until (${ISO})$`),
    (m) => ({ key: 'portalLinkIssued', parts: { until: part('date', m[1]) } }),
  ],
  [
    new RegExp(`^privacy portal sign-in with a link sent (${ISO})$`),
    (m) => ({ key: 'portalSignIn', parts: { sent: part('date', m[1]) } }),
  ],
  [/^privacy portal sign-out$/, () => ({ key: 'portalSignOut', parts: {} })],
  [/^marketing mail$/, () => ({ key: 'marketingMail', parts: {} })],
  [
    /^Art\. 18\(2\) exception used for restricted subjects: ([\w-]+)$/,
    (m) => ({ key: 'restrictionException', parts: { exception: part('exception', m[1]) } }),
  ],
  [
    /^purpose scope: role ([\w-]+) may not act under ([\w-]+)$/,
    (m) => ({ key: 'purposeScope', parts: { role: part('role', m[1]), purpose: part('purpose', m[2]) } }),
  ],
  [
    /^([\w-]+) is not one of your role's purposes/,
    (m) => ({ key: 'notRolesPurpose', parts: { purpose: part('purpose', m[1]) } }),
  ],
  [
    /^touchpoint not stored: legal basis: ([\w-]+)$/,
    (m) => ({ key: 'touchpointNotStored', parts: { rule: part('denial', m[1]) } }),
  ],
  [
    /^your role lacks the field category ([\w-]+)$/,
    (m) => ({ key: 'roleLacksCategory', parts: { category: part('category', m[1]) } }),
  ],
  [/^your role lacks the permission subjects:history$/, () => ({ key: 'roleLacksHistory', parts: {} })],
  [
    /^collect: role ([\w-]+) lacks the field categories of these fields$/,
    (m) => ({ key: 'collectDenied', parts: { role: part('role', m[1]) } }),
  ],
  [
    /^rectify: role ([\w-]+) lacks the field categories of these fields$/,
    (m) => ({ key: 'rectifyDenied', parts: { role: part('role', m[1]) } }),
  ],
  [
    /^rectify: legal basis: ([\w-]+)$/,
    (m) => ({ key: 'rectifyLegalBasis', parts: { rule: part('denial', m[1]) } }),
  ],
  [
    /^rectify: special category without the explicit consent of Art\. 9\(2\)\(a\)$/,
    () => ({ key: 'rectifySpecial', parts: {} }),
  ],
  [/^combine: fields beyond the role$/, () => ({ key: 'combineDenied', parts: {} })],
  [
    /^(?:(.*); )?special categories on the subjects' explicit consent \(Art\. 9\(2\)\(a\)\) to (.+)$/,
    (m) => ({
      key: 'explicitConsent',
      parts: { reason: part('reason', m[1]), purposes: part('purposes', m[2]) },
    }),
  ],
]

/** The reason as a key and parts, or undefined when it follows none of the server's patterns. */
export function parseReason(reason: string): ParsedReason | undefined {
  for (const [pattern, build] of RULES) {
    const match = pattern.exec(reason)
    if (match) return build(match)
  }
  return undefined
}

/** The single values of a part that holds several (`a, b` or `x or y`). */
export const valuesOf = (value: string): string[] => list(value)

/** A long id shortened for reading (the whole one stays in the title). */
export const shortId = (id: string): string => (id.length > 12 ? id.slice(0, 8) : id)
