import {
  type Art9Basis,
  BUSINESS_KINDS,
  type Channel,
  canBeObjectedTo,
  ELECTRONIC_MAIL_CHANNELS,
  type LegalBasis,
  type PurposeDefinition,
  type RequiredRecord,
} from '../purposes/purpose.ts'

export { BUSINESS_KINDS }

/**
 * The decision rules of the gate (DESIGN.md, "the one rule", step 2): may this purpose use this
 * subject's data on this channel, now? Pure: no I/O, no clock. The same ordered plan of checks is
 * evaluated here for one subject and translated to SQL for a set (permission.repository.ts), so
 * both answer the same question the same way; a property test holds them to it.
 */

/** What happened to a consent; also the status a consent is in after its latest event. */
export const CONSENT_EVENT_KINDS = ['requested', 'granted', 'confirmed', 'withdrawn', 'expired'] as const
export type ConsentEventKind = (typeof CONSENT_EVENT_KINDS)[number]
export type ConsentStatus = ConsentEventKind

/** Art. 21: what an objection covers. */
export const OBJECTION_SCOPES = [
  /** One contact channel, for all direct marketing ("don't call me"). */
  'channel',
  /** One purpose, on every channel. */
  'purpose',
  /** All direct marketing on every channel ("Werbewiderspruch", do-not-contact). */
  'all_marketing',
] as const
export type ObjectionScope = (typeof OBJECTION_SCOPES)[number]

/**
 * An objection in force, keyed the way the state table keys it: `target` is the channel, the
 * purpose key, or `*` for all marketing.
 */
export interface ObjectionKey {
  scope: ObjectionScope
  target: string
}

/** The target that stands for "all direct marketing". */
export const ALL_MARKETING_TARGET = '*'

/** Why a use is refused: a closed set, in the order the checks run. */
export const DENIAL_RULES = [
  'erased',
  'restricted',
  'subject-kind-not-covered',
  'record-not-held',
  'channel-not-covered',
  'objected',
  'not-existing-customer',
  'no-consent',
  'consent-withdrawn',
  'consent-expired',
  'consent-pending-confirmation',
  'special-category-without-explicit-consent',
] as const
export type DenialRule = (typeof DENIAL_RULES)[number]

/** One consent's current state, for the purpose and channel in question. */
export interface ConsentState {
  status: ConsentStatus
  /** When a granted or confirmed consent lapses (the purpose's consent validity); null: never. */
  expiresAt: Date | null
}

/** What the rules need to know about one subject. */
export interface SubjectFacts {
  /** Art. 17: erased (the data key is destroyed). */
  erased: boolean
  /** Art. 18: processing restricted. */
  restricted: boolean
  /** The consent for exactly this purpose and channel, if any event was ever recorded. */
  consent: ConsentState | null
  /** Every objection in force for the subject. */
  objections: readonly ObjectionKey[]
  /** § 7(3) UWG: the subject bought from us (has at least one order). */
  customer: boolean
  /** The subject's kinds (customer, lead, b2b_contact, ...). */
  kinds: readonly string[]
  /** The subject has at least one invoice (record-bound duties, § 147 AO). */
  invoiced: boolean
}

/** The parts of a purpose the rules read. */
export type PurposeRules = Pick<
  PurposeDefinition,
  | 'key'
  | 'legalBasis'
  | 'art9Basis'
  | 'doubleOptIn'
  | 'directMarketing'
  | 'existingCustomers'
  | 'channels'
  | 'scope'
>

export interface DecisionInput {
  purpose: PurposeRules
  channel: Channel
  subject: SubjectFacts
  /** Whether fields of an Art. 9(1) special category are asked for. */
  specialCategory: boolean
  now: Date
}

export type Decision =
  | { allowed: true; basis: LegalBasis; art9Basis: Art9Basis | null }
  | { allowed: false; rule: DenialRule; reason: string }

/**
 * One step of a decision, with everything that doesn't depend on the subject already resolved.
 * `consent` and `special-category` stand for several denial rules each.
 */
export type Check =
  | { kind: 'erased' }
  | { kind: 'restricted' }
  | { kind: 'subject-kind'; kinds: readonly string[] }
  | { kind: 'record'; record: RequiredRecord }
  | { kind: 'channel-not-covered' }
  | { kind: 'objected'; matches: readonly ObjectionKey[] }
  | { kind: 'existing-customer' }
  | { kind: 'consent'; doubleOptIn: boolean }
  | { kind: 'special-category'; needsConsent: boolean; doubleOptIn: boolean }

/**
 * The ordered checks for a purpose, channel and field set. First match denies; none: allowed.
 * Order matters only for which reason is given when several hold; the strongest comes first.
 */
export function decisionPlan(purpose: PurposeRules, channel: Channel, specialCategory: boolean): Check[] {
  // Art. 17: after erasure nothing of the subject may be used, whatever the basis.
  const plan: Check[] = [{ kind: 'erased' }]
  // Art. 18(2): a restricted subject's data is only stored, unless the purpose serves one of the
  // grounds the article names (legal claims, another's rights, important public interest, consent).
  if (purpose.scope.restrictionException === null) plan.push({ kind: 'restricted' })
  // Art. 5(1)(b): the purpose reaches only the subjects it was declared for.
  const kinds = subjectKindsOf(purpose, channel)
  if (kinds.length > 0) plan.push({ kind: 'subject-kind', kinds })
  if (purpose.scope.requiresRecord !== null)
    plan.push({ kind: 'record', record: purpose.scope.requiresRecord })
  if (!purpose.channels.includes(channel)) {
    plan.push({ kind: 'channel-not-covered' })
    return plan
  }
  const matches = objectionsMatching(purpose, channel)
  if (matches.length > 0) plan.push({ kind: 'objected', matches })
  if (needsExistingCustomer(purpose, channel)) plan.push({ kind: 'existing-customer' })
  // Art. 6(1)(a), Art. 7: consent must be given (and confirmed where double opt-in applies),
  // not withdrawn and not lapsed.
  if (purpose.legalBasis === 'consent') plan.push({ kind: 'consent', doubleOptIn: purpose.doubleOptIn })
  if (specialCategory) {
    if (purpose.art9Basis === null) {
      // Art. 9(1): without an Art. 9(2) exception special categories can't be processed at all.
      plan.push({ kind: 'special-category', needsConsent: false, doubleOptIn: false })
    } else if (purpose.art9Basis === 'explicit_consent' && purpose.legalBasis !== 'consent') {
      // Art. 9(2)(a): explicit consent for this purpose. (On a consent purpose the consent check
      // above already demands exactly that.)
      plan.push({ kind: 'special-category', needsConsent: true, doubleOptIn: purpose.doubleOptIn })
    }
  }
  return plan
}

/**
 * The subject kinds the purpose reaches on the channel (empty: all). § 7(2) No. 1 UWG: advertising
 * calls without consent reach businesses only (presumed consent), never consumers; a purpose stored
 * before the registry checked this is held to it here.
 */
export function subjectKindsOf(
  purpose: Pick<PurposeRules, 'legalBasis' | 'directMarketing' | 'scope'>,
  channel: Channel,
): readonly string[] {
  const declared = purpose.scope.subjectKinds
  if (purpose.legalBasis === 'legitimate_interest' && purpose.directMarketing && channel === 'phone') {
    const business = declared.filter((k) => BUSINESS_KINDS.includes(k))
    return business.length > 0 ? business : BUSINESS_KINDS
  }
  return declared
}

/**
 * § 7(2) No. 2, (3) UWG: whether the purpose may reach the subject on the channel only if they are
 * an existing customer. Purposes flagged `existingCustomers` (the registry keeps that to e-mail
 * and SMS on legitimate interest); and, as a safety net for a purpose stored before the registry
 * checked this, any legitimate-interest direct marketing by e-mail or SMS: without consent the
 * existing-customer exception is its only lawful ground.
 */
export function needsExistingCustomer(
  purpose: Pick<PurposeRules, 'legalBasis' | 'directMarketing' | 'existingCustomers'>,
  channel: Channel,
): boolean {
  if (purpose.existingCustomers) return true
  return (
    purpose.legalBasis === 'legitimate_interest' &&
    purpose.directMarketing &&
    ELECTRONIC_MAIL_CHANNELS.includes(channel)
  )
}

/**
 * The objections in force that stop this purpose on this channel. Art. 21(2)-(3): for direct
 * marketing any of them is absolute: all marketing, the channel, or the purpose. Art. 21(1): for
 * other purposes the subject can object to (legitimate interest, public task) only an objection
 * to the purpose itself; it holds until the DPO lifts it on compelling legitimate grounds.
 * Contract, legal obligation and vital interests can't be objected to.
 */
export function objectionsMatching(
  purpose: Pick<PurposeRules, 'key' | 'legalBasis' | 'directMarketing'>,
  channel: Channel,
): ObjectionKey[] {
  if (!canBeObjectedTo(purpose)) return []
  const keys: ObjectionKey[] = [{ scope: 'purpose', target: purpose.key }]
  if (purpose.directMarketing) {
    keys.push({ scope: 'all_marketing', target: ALL_MARKETING_TARGET })
    if (channel !== 'none') keys.push({ scope: 'channel', target: channel })
  }
  return keys
}

/** Statuses under which a consent counts (before its expiry is looked at). */
export function validConsentStatuses(doubleOptIn: boolean): ConsentStatus[] {
  // LEGAL.md: until confirmed, a double-opt-in address may only receive the confirmation mail.
  return doubleOptIn ? ['confirmed'] : ['granted', 'confirmed']
}

/** Which consent rule denies, or null when the consent counts. Mirrors the SQL in the repository. */
export function consentDenial(
  consent: ConsentState | null,
  doubleOptIn: boolean,
  now: Date,
): DenialRule | null {
  if (consent === null) return 'no-consent'
  if (consent.status === 'withdrawn') return 'consent-withdrawn'
  if (consent.status === 'expired') return 'consent-expired'
  if (consent.expiresAt !== null && consent.expiresAt.getTime() <= now.getTime()) return 'consent-expired'
  if (!validConsentStatuses(doubleOptIn).includes(consent.status)) return 'consent-pending-confirmation'
  return null
}

/** The denial rule a check gives for one subject, or null when it passes. */
export function checkSubject(check: Check, subject: SubjectFacts, now: Date): DenialRule | null {
  switch (check.kind) {
    case 'erased':
      return subject.erased ? 'erased' : null
    case 'restricted':
      return subject.restricted ? 'restricted' : null
    case 'subject-kind':
      return subject.kinds.some((k) => check.kinds.includes(k)) ? null : 'subject-kind-not-covered'
    case 'record':
      return (check.record === 'invoice' ? subject.invoiced : subject.customer) ? null : 'record-not-held'
    case 'channel-not-covered':
      return 'channel-not-covered'
    case 'objected':
      return subject.objections.some((o) =>
        check.matches.some((m) => m.scope === o.scope && m.target === o.target),
      )
        ? 'objected'
        : null
    case 'existing-customer':
      return subject.customer ? null : 'not-existing-customer'
    case 'consent':
      return consentDenial(subject.consent, check.doubleOptIn, now)
    case 'special-category':
      if (!check.needsConsent) return 'special-category-without-explicit-consent'
      return consentDenial(subject.consent, check.doubleOptIn, now) === null
        ? null
        : 'special-category-without-explicit-consent'
  }
}

/** May the purpose use the subject's data on the channel, now? With the rule and reason if not. */
export function decide(input: DecisionInput): Decision {
  for (const check of decisionPlan(input.purpose, input.channel, input.specialCategory)) {
    const rule = checkSubject(check, input.subject, input.now)
    if (rule !== null)
      return { allowed: false, rule, reason: denialReason(rule, input.purpose, input.channel) }
  }
  return { allowed: true, basis: input.purpose.legalBasis, art9Basis: input.purpose.art9Basis }
}

/** A sentence for a denial. Names the purpose and channel, never anything about the person. */
export function denialReason(rule: DenialRule, purpose: Pick<PurposeRules, 'key'>, channel: Channel): string {
  const p = `purpose ${purpose.key}`
  switch (rule) {
    case 'erased':
      return 'the subject was erased (Art. 17): none of their data may be used'
    case 'restricted':
      return `processing is restricted (Art. 18): the data is only stored, not used for ${p}`
    case 'subject-kind-not-covered':
      return `${p} does not reach subjects of this kind (its scope names the kinds it covers)`
    case 'record-not-held':
      return `${p} covers only subjects with the records it exists for, and this subject has none`
    case 'channel-not-covered':
      return `${p} does not use the channel ${channel}`
    case 'objected':
      return `the subject objected (Art. 21) to ${p} or to this kind of marketing on ${channel}`
    case 'not-existing-customer':
      return `${p} advertises on ${channel} without consent: only to existing customers who bought from us (§ 7(3) UWG); anyone else must consent first (§ 7(2) No. 2 UWG)`
    case 'no-consent':
      return `there is no consent for ${p} on ${channel} (Art. 6(1)(a))`
    case 'consent-withdrawn':
      return `the consent for ${p} on ${channel} was withdrawn (Art. 7(3))`
    case 'consent-expired':
      return `the consent for ${p} on ${channel} has expired and must be asked for again`
    case 'consent-pending-confirmation':
      return `the consent for ${p} on ${channel} is not confirmed yet (double opt-in)`
    case 'special-category-without-explicit-consent':
      return `special categories of data need explicit consent for ${p} (Art. 9(2)(a))`
  }
}

/**
 * The channel a use means when the caller names none: `none` (processing without contact) where
 * the purpose has it, else the purpose's only channel; undefined when that is ambiguous.
 */
export function defaultChannel(purpose: Pick<PurposeRules, 'channels'>): Channel | undefined {
  if (purpose.channels.includes('none')) return 'none'
  return purpose.channels.length === 1 ? purpose.channels[0] : undefined
}

/** How a consent, withdrawal or objection reached us. */
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

/** Art. 18(1)(a)-(d): why processing is restricted. */
export const RESTRICTION_GROUNDS = [
  'accuracy-contested',
  'unlawful-processing',
  'legal-claims',
  'objection-pending',
] as const
export type RestrictionGround = (typeof RESTRICTION_GROUNDS)[number]

/**
 * Art. 17(3), 18(2): the restriction of a held erasure (docs/adr/0010): set by the erasure only,
 * ended only by its completion; the purposes with an Art. 18(2) exception still reach the subject.
 */
export const ERASURE_HELD_GROUND = 'erasure-held' as const
/** The grounds a restriction in force can have: the DPO's four, and the held erasure's. */
export const RESTRICTION_STATE_GROUNDS = [...RESTRICTION_GROUNDS, ERASURE_HELD_GROUND] as const
export type RestrictionStateGround = (typeof RESTRICTION_STATE_GROUNDS)[number]
