import { type QueryClient, queryOptions } from '@tanstack/react-query'
import {
  CONSENT_EVENT_KINDS,
  type ConsentEventKind,
  DENIAL_RULES,
  OBJECTION_SCOPES,
  type ObjectionScope,
} from '../../../../src/privacy/permissions/permission-rules'
import {
  ART9_BASES,
  canBeObjectedTo,
  isLegalBasis,
  usesConsent,
} from '../../../../src/privacy/purposes/purpose'
import { api, apiRequest, isProblem } from '../../app/api'
import { contactKeys, isOneOf, type PurposeSummary } from './contact-overview.api'

export { canBeObjectedTo, usesConsent }

/**
 * How a consent, withdrawal or objection reached us (permission.schemas.ts, which the UI can't
 * import: it pulls in TypeBox). Any other value the server sends is shown as it came.
 */
export const PERMISSION_SOURCES = [
  'form',
  'portal',
  'email',
  'unsubscribe-link',
  'phone',
  'letter',
  'in-person',
  'import',
  'api',
] as const
export type PermissionSource = (typeof PERMISSION_SOURCES)[number]

/** What a user records by hand: what reached them outside a form, the portal or an import. */
export const MANUAL_SOURCES = ['phone', 'letter', 'in-person', 'email'] as const
export type ManualSource = (typeof MANUAL_SOURCES)[number]

/**
 * Sources where the evidence stays outside Tresor (the call note, the scanned letter, the signed
 * sheet), so the proof must point to it: § 7a UWG for phone advertising, Art. 7(1) for the rest.
 * The server reports a missing reference as a gap of the proof; the UI asks for it up front.
 */
export const REFERENCE_REQUIRED: readonly ManualSource[] = ['phone', 'letter', 'in-person']

/** The longest proof reference the server takes. */
export const REFERENCE_MAX = 200

/** A consent still in effect or on its way: it can be withdrawn. */
export const WITHDRAWABLE: readonly ConsentEventKind[] = ['requested', 'granted', 'confirmed']

export { CONSENT_EVENT_KINDS, type ConsentEventKind, DENIAL_RULES, OBJECTION_SCOPES, type ObjectionScope }

interface Actor {
  type: string
  id: string
  /** A staff member's name (or e-mail address), for users. */
  name?: string
}

/** The state of one purpose × channel, as `GET /subjects/{id}/consents` sends it. */
export interface ConsentProofState {
  purposeKey: string
  channel: string
  legalBasis: string | null
  status: string
  /** When the latest event happened: the status holds since then. */
  since: string
  expiresAt: string | null
  /** Given (and confirmed where double opt-in applies), not withdrawn, not lapsed. */
  counts: boolean
  rule?: string
  requestedAt: string | null
  grantedAt: string | null
  confirmedAt: string | null
  withdrawnAt: string | null
  expiredAt: string | null
}

/** The proof as recorded (Art. 7(1)); every part optional, because old records may lack some. */
export interface ConsentProofRecord {
  source?: string
  formKey?: string
  textVersion?: string
  reference?: string
  collectedAt?: string
  ip?: string
  userAgent?: string
  doi?: { requestedAt?: string; confirmedAt?: string; ip?: string; userAgent?: string }
  [key: string]: unknown
}

export interface ConsentProofEvent {
  at: string
  purposeKey: string
  purposeVersion: number
  channel: string
  kind: string
  source: string | null
  proof: ConsentProofRecord
  recordedBy: Actor
  /** What the proof lacks, in the server's words (translated where the UI knows them). */
  gaps: string[]
}

export interface ObjectionInForce {
  scope: string
  purposeKey: string | null
  channel: string | null
  source: string
  raisedAt: string
}

export interface ObjectionProofEvent {
  at: string
  action: string
  scope: string
  purposeKey: string | null
  channel: string | null
  source: string
  /** Where the evidence is kept; absent from servers that do not record it yet. */
  reference?: string | null
  recordedBy: Actor
}

export interface ProofRetention {
  purposeKey: string
  channel: string
  law: string
  period: string
  lastGivenAt: string
  lastUsedAt: string | null
  keepUntil: string
}

/** GET /api/v1/subjects/{id}/consents: a subject's consents as proof. */
export interface ConsentProofView {
  subjectId: string
  erased: boolean
  /** An objection to all direct marketing is in force (Werbewiderspruch, Art. 21(3)). */
  doNotContact: boolean
  consents: ConsentProofState[]
  objections: ObjectionInForce[]
  events: ConsentProofEvent[]
  objectionEvents: ObjectionProofEvent[]
  proofRetention: ProofRetention[]
}

/** One version of a consent purpose's checkbox wording (GET /api/v1/consent-texts). */
export interface ConsentText {
  purposeKey: string
  version: number
  /** What consent proofs name: `v<version>`. */
  textVersion: string
  text: { de: string; en: string }
  createdAt: string
}

/** POST /api/v1/subjects/{id}/consents. */
export interface NewConsentEvent {
  purposeKey: string
  channel: string
  kind: ConsentEventKind
  proof: {
    source: ManualSource
    textVersion?: string
    reference?: string
    collectedAt?: string
  }
}

/** POST /api/v1/subjects/{id}/objections. */
export interface NewObjectionEvent {
  scope: ObjectionScope
  purposeKey?: string
  channel?: string
  action: 'raised' | 'lifted'
  source: ManualSource
  reference?: string
}

const subjectPath = (id: string) => `/api/v1/subjects/${encodeURIComponent(id)}`

export const consentKeys = {
  proof: (subjectId: string) => ['subjects', 'consents', subjectId] as const,
  texts: () => ['consent-texts'] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

/** The subject's consents with their proof; the look is audited by the server. */
export function consentProofQueryOptions(subjectId: string) {
  return queryOptions({
    queryKey: consentKeys.proof(subjectId),
    queryFn: ({ signal }) => api.get<ConsentProofView>(`${subjectPath(subjectId)}/consents`, {}, signal),
    retry: noRetryOnRefusal,
  })
}

/** Every version of every consent text: configuration, so it is kept for a while. */
export function consentTextsQueryOptions() {
  return queryOptions({
    queryKey: consentKeys.texts(),
    queryFn: ({ signal }) => api.get<ConsentText[]>('/api/v1/consent-texts', {}, signal),
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

export function recordConsent(subjectId: string, event: NewConsentEvent): Promise<unknown> {
  return api.post(`${subjectPath(subjectId)}/consents`, event)
}

export function recordObjection(subjectId: string, event: NewObjectionEvent): Promise<unknown> {
  return api.post(`${subjectPath(subjectId)}/objections`, event)
}

/**
 * The subject's consents as ISO/IEC TS 27560 records (JSON-LD), saved as a file. Fetched rather
 * than linked, so a refusal shows as an error instead of a downloaded problem document.
 */
export async function downloadConsentRecords(subjectId: string): Promise<void> {
  const records = await apiRequest<unknown>(`${subjectPath(subjectId)}/consent-records`)
  const blob = new Blob([JSON.stringify(records, null, 2)], { type: 'application/ld+json' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = `consent-records-${subjectId}.jsonld`
  document.body.append(link)
  link.click()
  link.remove()
  // The browser has taken the file once the click is handled.
  window.setTimeout(() => URL.revokeObjectURL(url), 1_000)
}

/** After a consent or objection: the proof, every view of the contact and its history changed. */
export async function invalidateAfterPermissionChange(queryClient: QueryClient, subjectId: string) {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: consentKeys.proof(subjectId) }),
    queryClient.invalidateQueries({ queryKey: contactKeys.overviewOf(subjectId) }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'history', subjectId] }),
  ])
}

/** The consent texts of one purpose, the newest first. */
export function textsOf(texts: readonly ConsentText[] | undefined, purposeKey: string): ConsentText[] {
  return (texts ?? []).filter((t) => t.purposeKey === purposeKey).sort((a, b) => b.version - a.version)
}

/** Whether a consent can be recorded for the purpose (Art. 6(1)(a), or Art. 9(2)(a) explicit consent). */
export function isConsentBased(purpose: PurposeSummary): boolean {
  return (
    isLegalBasis(purpose.legalBasis) &&
    usesConsent({
      legalBasis: purpose.legalBasis,
      art9Basis: isOneOf(ART9_BASES, purpose.art9Basis) ? purpose.art9Basis : null,
    })
  )
}

/** The purposes a consent can be recorded for. */
export function consentPurposes(purposes: readonly PurposeSummary[] | undefined): PurposeSummary[] {
  return (purposes ?? []).filter(isConsentBased)
}

/** The purposes the person can object to (Art. 21): direct marketing, and bases other than (b)-(d). */
export function objectablePurposes(purposes: readonly PurposeSummary[] | undefined): PurposeSummary[] {
  return (purposes ?? []).filter(
    (p) =>
      isLegalBasis(p.legalBasis) &&
      canBeObjectedTo({ legalBasis: p.legalBasis, directMarketing: p.directMarketing }),
  )
}

/** The contact channels direct marketing uses: what an objection to a channel can name. */
export function marketingChannels(purposes: readonly PurposeSummary[] | undefined): string[] {
  const channels = new Set<string>()
  for (const p of purposes ?? [])
    if (p.directMarketing) for (const c of p.channels) if (c !== 'none') channels.add(c)
  return [...channels]
}

/**
 * A gap of the proof in the server's words, parsed so the UI can translate it: the text version
 * is missing, there is no reference to the evidence, or there is no double opt-in data.
 */
export function parseProofGap(
  gap: string,
): { type: 'noTextVersion' } | { type: 'noReference'; source: string } | { type: 'noDoiData' } | null {
  if (/version of the consent text/.test(gap)) return { type: 'noTextVersion' }
  const source = /no reference to the evidence of the (\S+) consent/.exec(gap)?.[1]
  if (source) return { type: 'noReference', source }
  if (/double opt-in confirmation data/.test(gap)) return { type: 'noDoiData' }
  return null
}
