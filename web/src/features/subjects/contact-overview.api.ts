import { type QueryClient, queryOptions, useQuery } from '@tanstack/react-query'
import { SUPER_ROLE } from '../../../../src/modules/access/roles'
import { TOUCHPOINT_CHANNELS, TOUCHPOINT_TYPES } from '../../../../src/modules/journey/touchpoint-types'
import { FIELD_CATEGORIES, type FieldCategory } from '../../../../src/privacy/fields/field-catalog'
import {
  CONSENT_EVENT_KINDS,
  DENIAL_RULES,
  OBJECTION_SCOPES,
} from '../../../../src/privacy/permissions/permission-rules'
import { CHANNELS } from '../../../../src/privacy/purposes/purpose'
import { api, isProblem } from '../../app/api'
import { sessionQueryOptions } from '../auth/auth.api'
import { isOneOf } from './subject-history.api'

// The parts of the 360° view, from the server's plain-data module.
export { OVERVIEW_PARTS, type OverviewPart } from '../../../../src/modules/subjects/overview-parts'
// The server's own closed sets (plain-data modules), so labels can never drift from what it sends.
export { CONSENT_EVENT_KINDS, DENIAL_RULES, FIELD_CATEGORIES, type FieldCategory, isOneOf, OBJECTION_SCOPES }

/** Touchpoint types with a translated label; any other type is shown as the server sent it. */
export const TOUCHPOINT_TYPE_KEYS = Object.keys(TOUCHPOINT_TYPES) as (keyof typeof TOUCHPOINT_TYPES)[]

/** Every channel a consent, decision or touchpoint can name. */
export const ALL_CHANNELS = [...new Set([...CHANNELS, ...TOUCHPOINT_CHANNELS])]

/** Art. 18 grounds (permission.schemas.ts, which the UI can't import: it pulls in TypeBox). */
export const RESTRICTION_GROUNDS = [
  'accuracy-contested',
  'unlawful-processing',
  'legal-claims',
  'objection-pending',
  // Set by a held erasure only (Art. 17(3), 18(2)).
  'erasure-held',
] as const

export const INVOICE_STATUSES = ['paid', 'open', 'overdue'] as const
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number]

export const NOTE_KINDS = ['note', 'task'] as const
export type NoteKind = (typeof NOTE_KINDS)[number]

export interface OverviewIdentifiers {
  firstName?: string
  lastName?: string
  birthDate?: string
  email?: string
  phone?: string
  street?: string
  postalCode?: string
  city?: string
  countryCode?: string
  iban?: string
  accountHolder?: string
  notes?: string
}

export interface OverviewSubject {
  id: string
  kinds: string[]
  source: string
  identifiers: OverviewIdentifiers
  /** The built-in attributes, and any other attribute of the field catalog the role may see. */
  attributes: {
    country?: string
    region?: string
    ageBand?: string
    gender?: string
    [key: string]: AttributeValue | undefined
  }
  createdAt: string
  updatedAt: string
}

export interface HiddenPart {
  part: string
  reason: string
  /** The field category the role lacks, when that is why. */
  category?: string
}

export interface Membership {
  organisation: { id: string; name: string; city: string | null }
  jobTitle: string | null
  department: string | null
}

export interface ConsentState {
  purposeKey: string
  channel: string
  status: string
  requestedAt: string | null
  grantedAt: string | null
  confirmedAt: string | null
  withdrawnAt: string | null
  expiredAt: string | null
  expiresAt: string | null
  updatedAt: string
}

export interface Objection {
  scope: string
  purposeKey: string | null
  channel: string | null
  source: string
  raisedAt: string
}

export interface Restriction {
  ground: string
  note: string | null
  since: string
  /** Art. 18(3): when and how the person was told it will be lifted; null until then (lifting is refused). */
  liftNotice: { at: string; channel: 'email' | 'letter' } | null
}

export interface Decision {
  purposeKey: string
  channel: string
  allowed: boolean
  basis?: string
  rule?: string
  reason?: string
}

export interface SubjectPermissions {
  subjectId: string
  erased: boolean
  /** § 7(3) UWG: the subject bought from us (at least one order). */
  customer: boolean
  restriction: Restriction | null
  objections: Objection[]
  consents: ConsentState[]
  decisions: Decision[]
}

export interface TimelineItem {
  kind: 'touchpoint' | 'order' | 'note'
  at: string
  id: string
  /** Touchpoint type, order number, or `note` / `task`. */
  title: string
  channel?: string
  purpose?: string
  legalBasis?: string
  properties?: Record<string, unknown>
  amountCents?: number
  currency?: string
  text?: string
}

export interface Order {
  id: string
  orderNumber: string
  orderedAt: string
  status: string
  currency: string
  totalCents: number
  itemCount: number
}

export interface Invoice {
  id: string
  invoiceNumber: string
  orderId: string | null
  issuedAt: string
  dueOn: string
  amountCents: number
  currency: string
  paidAt: string | null
  status: InvoiceStatus
}

export interface Deal {
  id: string
  title: string
  stageKey: string
  amountCents: number | null
  currency: string
  organisationId: string | null
  expectedCloseOn: string | null
  createdAt: string
  updatedAt: string
}

export interface Note {
  id: string
  kind: NoteKind
  text: string
  author: { type: string; id: string }
  dueOn: string | null
  doneAt: string | null
  createdAt: string
}

/** GET /api/v1/subjects/{id}/overview: each part only when the role may see it; `hidden` says which not. */
export interface SubjectOverview {
  subject: OverviewSubject
  purpose: string
  hidden: HiddenPart[]
  organisations?: Membership[]
  permissions?: SubjectPermissions
  timeline?: TimelineItem[]
  orders?: Order[]
  invoices?: Invoice[]
  deals?: Deal[]
  notes?: Note[]
  historyUrl?: string
  /** The erasure was asked for and legal holds keep parts (Art. 17(3)): what, why, until when. */
  erasure?: ErasureHeld
}

/** One part a held erasure keeps: the law, the reason, until when. */
export interface KeptPart {
  law: string
  reason: { de: string; en: string }
  until: string | null
  untilEvent: 'paid' | 'lifted' | null
  categories: string[]
  records: string[]
}

export interface ErasureHeld {
  requestedAt: string
  kept: KeptPart[]
}

export interface PipelineStage {
  key: string
  name: { de: string; en: string }
  position: number
  probability: number
  outcome: 'won' | 'lost' | null
}

export interface PurposeSummary {
  key: string
  name: { de: string; en: string }
  /** Art. 6(1) basis, e.g. `consent` or `contract`. */
  legalBasis: string
  /** Whether a consent for it needs confirming (double opt-in). */
  doubleOptIn: boolean
  /** Art. 9(2) basis for special categories (e.g. `explicit_consent`), or null. */
  art9Basis?: string | null
  /** What the purpose is, as shown to data subjects. */
  description: { de: string; en: string }
  /** How it reaches the person (`email`, `phone`, … `none`). */
  channels: string[]
  /** Direct marketing: an objection is absolute (Art. 21(3)). */
  directMarketing: boolean
  /** § 7(3) UWG: e-mail/SMS only to own customers whose address was obtained in a sale. */
  existingCustomers: boolean
  /** Profiling (Art. 4(4)). */
  profiling: boolean
  /** ISO 8601 duration after which a consent lapses; null: it doesn't. */
  consentValidity: string | null
  retention: { period: string | null; rule: { de: string; en: string } }
  /** Who may act under it, whom it reaches, which data it uses (Art. 5(1)(b)-(c), Art. 18(2)). */
  scope: PurposeScopeSummary
  version: number
  updatedAt: string
}

/** A purpose's scope as the API sends it (`PurposeScope` of the server; values kept open as strings). */
export interface PurposeScopeSummary {
  /** The roles whose users may act under the purpose; the admin role always may. */
  roles: string[]
  /** The subject kinds it reaches; empty: every kind. */
  subjectKinds: string[]
  /** A record the subject must have (`order`, `invoice`), or null. */
  requiresRecord: string | null
  /** The field categories it uses; fields of other categories are withheld under it. */
  fieldCategories: string[]
  /** Art. 18(2): the ground on which it may process restricted subjects, or null. */
  restrictionException: string | null
}

export interface NewNote {
  kind: NoteKind
  text: string
  dueOn?: string
}

/** What the contact page keeps in the URL: the purpose it is read for (the server's default when absent). */
export interface ContactSearch {
  purpose?: string
}

const PURPOSE_KEY = /^[a-z][a-z0-9_]{1,62}$/

/** A malformed purpose is dropped rather than rejected: the page opens for the default purpose. */
export function validateContactSearch(search: Record<string, unknown>): ContactSearch {
  return typeof search.purpose === 'string' && PURPOSE_KEY.test(search.purpose)
    ? { purpose: search.purpose }
    : {}
}

const subjectPath = (id: string) => `/api/v1/subjects/${encodeURIComponent(id)}`

export const contactKeys = {
  overviewOf: (id: string) => ['subjects', 'overview', id] as const,
  duplicatesOf: (id: string) => ['subjects', 'duplicates', id] as const,
  duplicates: (id: string, purpose: string | undefined) =>
    ['subjects', 'duplicates', id, purpose ?? 'default'] as const,
  overview: (id: string, purpose: string | undefined) =>
    ['subjects', 'overview', id, purpose ?? 'default'] as const,
  stages: () => ['pipeline-stages'] as const,
  purposes: () => ['purposes'] as const,
}

// A missing contact or a refused purpose won't change by asking again.
const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

/** The 360° view of one contact, read for a purpose (the server defaults to contact_management). */
export function contactOverviewQueryOptions(id: string, purpose?: string) {
  return queryOptions({
    queryKey: contactKeys.overview(id, purpose),
    queryFn: ({ signal }) => api.get<SubjectOverview>(`${subjectPath(id)}/overview`, { purpose }, signal),
    retry: noRetryOnRefusal,
  })
}

/** What made another contact look like the same person (`GET …/duplicates`). */
export const DUPLICATE_MATCHES = ['email', 'phone', 'first_name', 'last_name'] as const
export type DuplicateMatch = (typeof DUPLICATE_MATCHES)[number]

/** A likely duplicate: the other contact as the role may see it, and what matched. */
export interface DuplicateCandidate {
  subject: OverviewSubject
  matched: string[]
}

/** Other contacts with the same e-mail address, phone number or name, read for the purpose. */
export function duplicatesQueryOptions(id: string, purpose?: string) {
  return queryOptions({
    queryKey: contactKeys.duplicates(id, purpose),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: DuplicateCandidate[] }>(`${subjectPath(id)}/duplicates`, { purpose }, signal))
        .items,
    retry: noRetryOnRefusal,
  })
}

/**
 * Art. 5(1)(d): merges the duplicate into the contact `survivorId` (its data, orders, notes and
 * consents move there; the duplicate is deleted); the reason is kept in the audit trail.
 */
export function mergeSubject(
  survivorId: string,
  duplicateId: string,
  reason: string,
): Promise<OverviewSubject> {
  return api.post<OverviewSubject>(`${subjectPath(survivorId)}/merge`, { duplicateId, reason })
}

/** The pipeline's stages, in order; configuration, so it is kept for a while. */
export function pipelineStagesQueryOptions() {
  return queryOptions({
    queryKey: contactKeys.stages(),
    queryFn: ({ signal }) => api.get<PipelineStage[]>('/api/v1/pipeline-stages', {}, signal),
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

/** The purpose registry, for the purposes' names; the keys are shown when it can't be read. */
export function purposesQueryOptions() {
  return queryOptions({
    queryKey: contactKeys.purposes(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: PurposeSummary[] }>('/api/v1/purposes', {}, signal)).items,
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

/**
 * The purposes a role may act under: those whose scope names it, every one for the admin role. The
 * server refuses any other (403), so the UI offers only these wherever a purpose is chosen for a
 * use of data (consent forms record events, not uses, and keep listing the consent purposes).
 */
export function purposesForRole(purposes: readonly PurposeSummary[], role: string): PurposeSummary[] {
  return role === SUPER_ROLE ? [...purposes] : purposes.filter((p) => p.scope.roles.includes(role))
}

/** The registry narrowed to the signed-in user's role ({@link purposesForRole}); pending until both are read. */
export function useRolePurposes() {
  const session = useQuery(sessionQueryOptions)
  const role = session.data?.role
  return useQuery({
    ...purposesQueryOptions(),
    select: (items: PurposeSummary[]) => (role === undefined ? [] : purposesForRole(items, role)),
    enabled: role !== undefined,
  })
}

export function addNote(subjectId: string, note: NewNote): Promise<Note> {
  return api.post<Note>(`${subjectPath(subjectId)}/notes`, note)
}

export function completeTask(subjectId: string, noteId: string): Promise<Note> {
  return api.post<Note>(`${subjectPath(subjectId)}/notes/${encodeURIComponent(noteId)}/done`)
}

/** A value of an attribute as the server stores it (the catalog says which of these a field takes). */
export type AttributeValue = string | number | boolean | string[]

/**
 * Art. 16 rectification: the identifiers and attributes to change (null removes one), the kinds
 * (the whole new list), and why (kept in the audit trail). Only what changed is sent.
 */
export interface SubjectCorrection {
  identifiers?: Partial<Record<keyof OverviewIdentifiers, string | null>>
  attributes?: Record<string, AttributeValue | null>
  kinds?: string[]
  reason: string
  purpose?: string
}

export function correctSubject(subjectId: string, correction: SubjectCorrection): Promise<OverviewSubject> {
  return api.patch<OverviewSubject>(subjectPath(subjectId), correction)
}

export function moveDeal(subjectId: string, dealId: string, stageKey: string): Promise<Deal> {
  return api.patch<Deal>(`${subjectPath(subjectId)}/deals/${encodeURIComponent(dealId)}`, { stageKey })
}

/** After a change: every purpose's view of this contact is out of date. */
export function invalidateOverview(queryClient: QueryClient, subjectId: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: contactKeys.overviewOf(subjectId) })
}

/** After a correction: the views, the contact's history (a new entry) and the lists are out of date. */
export async function invalidateAfterCorrection(queryClient: QueryClient, subjectId: string): Promise<void> {
  await Promise.all([
    invalidateOverview(queryClient, subjectId),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'history', subjectId] }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'list'] }),
  ])
}

/**
 * After a merge: the survivor's views, duplicates and history changed, the duplicate is gone (its
 * cached views are dropped, so opening it asks the server, which says it no longer exists), and
 * lists, searches and counts are out of date.
 */
export async function invalidateAfterMerge(
  queryClient: QueryClient,
  survivorId: string,
  duplicateId: string,
): Promise<void> {
  for (const key of [
    contactKeys.overviewOf(duplicateId),
    contactKeys.duplicatesOf(duplicateId),
    ['subjects', 'history', duplicateId],
  ])
    queryClient.removeQueries({ queryKey: key })
  await Promise.all([
    invalidateOverview(queryClient, survivorId),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'duplicates'] }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'history', survivorId] }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'list'] }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'search'] }),
    queryClient.invalidateQueries({ queryKey: ['subjects', 'total'] }),
  ])
}

/**
 * What a hidden part's reason names: the server says "your role lacks the field category bank" or
 * "… the permission subjects:history"; the UI translates the category or permission it names.
 */
export function parseHiddenReason(
  reason: string,
): { type: 'category'; category: FieldCategory } | { type: 'permission'; permission: string } | null {
  const category = /field category ([a-z_]+)/.exec(reason)?.[1]
  if (isOneOf(FIELD_CATEGORIES, category)) return { type: 'category', category }
  const permission = /permission ([a-z_]+:[a-z_]+)/.exec(reason)?.[1]
  if (permission) return { type: 'permission', permission }
  return null
}
