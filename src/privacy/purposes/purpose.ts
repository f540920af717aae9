/**
 * What a purpose is: why personal data is processed, on which legal basis, over which channels,
 * and the consent and retention rules that follow. Plain data and closed vocabularies with no
 * imports but other plain vocabularies, so the rules, the registry, the routes and the web UI share one definition.
 */

import type { FieldCategory } from '../fields/field-catalog.ts'
import type { SubjectKind } from '../subjects/subject-kinds.ts'

/** Art. 6(1) GDPR: every purpose names exactly one of these (LEGAL.md, "Lawful bases"). */
export const LEGAL_BASES = [
  /** (a) consent */
  'consent',
  /** (b) performance of a contract */
  'contract',
  /** (c) legal obligation */
  'legal_obligation',
  /** (d) vital interests */
  'vital_interest',
  /** (e) public task */
  'public_task',
  /** (f) legitimate interests */
  'legitimate_interest',
] as const
export type LegalBasis = (typeof LEGAL_BASES)[number]

/** Art. 9(2) GDPR: the exceptions that allow processing special categories, (a) to (j). */
export const ART9_BASES = [
  /** (a) explicit consent for a named purpose: in a CRM almost always this one */
  'explicit_consent',
  /** (b) employment and social security law */
  'employment_law',
  /** (c) vital interests where consent can't be given */
  'vital_interest',
  /** (d) not-for-profit body, members only */
  'not_for_profit',
  /** (e) manifestly made public by the subject */
  'made_public',
  /** (f) legal claims */
  'legal_claims',
  /** (g) substantial public interest */
  'substantial_public_interest',
  /** (h) health or social care */
  'health_care',
  /** (i) public health */
  'public_health',
  /** (j) archiving, research, statistics */
  'research',
] as const
export type Art9Basis = (typeof ART9_BASES)[number]

/**
 * How a purpose reaches the subject. `none` is processing that contacts no one (storage,
 * profiling, fraud checks); `web` is the subject's browser (tracking, § 25 TDDDG).
 */
export const CHANNELS = ['email', 'sms', 'phone', 'post', 'web', 'none'] as const
export type Channel = (typeof CHANNELS)[number]

/**
 * § 7(2) No. 2 UWG "elektronische Post": advertising over these channels needs prior express
 * consent, from consumers and businesses alike; the only exception is § 7(3) UWG (existing
 * customers, see {@link PurposeDefinition.existingCustomers}).
 */
export const ELECTRONIC_MAIL_CHANNELS: readonly Channel[] = ['email', 'sms']

/** Art. 6(1)(c)/(b)/(d): bases the subject can't object to (LEGAL.md, "can the subject object?"). */
export const UNOBJECTABLE_BASES: readonly LegalBasis[] = ['contract', 'legal_obligation', 'vital_interest']

/**
 * Art. 18(2): the grounds on which a restricted subject's data may be processed beyond storage. A
 * purpose flagged with one of them keeps working for restricted subjects (within its scope), and
 * every such use is audited with the ground.
 */
export const RESTRICTION_EXCEPTIONS = [
  /** the subject's consent to this processing despite the restriction */
  'consent',
  /** the establishment, exercise or defence of legal claims */
  'legal_claims',
  /** the protection of the rights of another natural or legal person */
  'rights_of_others',
  /** important public interest of the Union or of a Member State (e.g. § 147 AO tax audits) */
  'important_public_interest',
  /**
   * the person's own rights (Art. 15-22): a restriction keeps the data from being used, not from
   * being shown, copied or handed to the person who asks (answering their request, issue #15)
   */
  'data_subject_rights',
] as const
export type RestrictionException = (typeof RESTRICTION_EXCEPTIONS)[number]

/** The subject kinds a B2B purpose on presumed consent may call (§ 7(2) No. 1 UWG). */
export const BUSINESS_KINDS: readonly SubjectKind[] = ['b2b_contact']

/**
 * Records a purpose can require of a subject: a record-bound duty reaches only the subjects that
 * have such records (invoicing retention: subjects with invoices; § 147 AO keeps vouchers, not people).
 */
export const REQUIRED_RECORDS = ['order', 'invoice'] as const
export type RequiredRecord = (typeof REQUIRED_RECORDS)[number]

/**
 * What a purpose covers (Art. 5(1)(b)-(c), Art. 18(2), § 7 UWG): who may act under it, which
 * subjects it reaches, which data it uses, and whether it survives a restriction. The gate reads it
 * on every use; the DPO edits it like the rest of the purpose.
 */
export interface PurposeScope {
  /**
   * The roles whose users and tokens may act under the purpose. The `admin` role may act under
   * every purpose (it holds every permission and can't be narrowed); Tresor's own jobs act as admin.
   */
  roles: string[]
  /**
   * The subject kinds it reaches (a subject qualifies with any of them); empty: every kind.
   * § 7(2) No. 1 UWG: calls to consumers need prior express consent, so B2B prospecting on
   * presumed consent reaches B2B contacts only.
   */
  subjectKinds: SubjectKind[]
  /** A record the subject must have for the purpose to reach them; null: none needed. */
  requiresRecord: RequiredRecord | null
  /**
   * The field categories it uses (data minimisation, Art. 5(1)(c)): fields and record kinds of
   * other categories are withheld under it, whatever the role may see.
   */
  fieldCategories: FieldCategory[]
  /** Art. 18(2): the ground on which it may process restricted subjects; null: it may not. */
  restrictionException: RestrictionException | null
}

/** Texts the DPO maintains in both UI languages. */
export interface Texts {
  de: string
  en: string
}

/** A purpose as the registry holds it (the DPO edits everything except the key). */
export interface PurposeDefinition {
  /** Stable identifier, `snake_case`; consent events and audit records refer to it. */
  key: string
  name: Texts
  description: Texts
  legalBasis: LegalBasis
  /** Only where special categories (Art. 9(1)) are processed for this purpose; null otherwise. */
  art9Basis: Art9Basis | null
  channels: Channel[]
  /** Consent must be confirmed by the address owner before it counts (e-mail: always). */
  doubleOptIn: boolean
  /** Art. 4(4) profiling; Art. 21(2) and 22 attach to it. */
  profiling: boolean
  /** Art. 21(2)-(3): an objection to direct marketing is absolute. */
  directMarketing: boolean
  /**
   * § 7(3) UWG: electronic mail only to own customers whose address was obtained in a sale (the
   * existing-customer exception for e-mail and SMS advertising on legitimate interest). The gate
   * then allows the purpose only for subjects with at least one order.
   */
  existingCustomers: boolean
  retention: {
    /** ISO 8601 duration (`P8Y`, `P6M`), or null when the rule is an event ("until withdrawn"). */
    period: string | null
    /** The rule in words, with the law it comes from. */
    rule: Texts
  }
  /** ISO 8601 duration after which a consent lapses and must be asked for again; null: it doesn't. */
  consentValidity: string | null
  /** Who may act under it, whom it reaches, which data it uses (Art. 5(1)(b)-(c), Art. 18(2)). */
  scope: PurposeScope
  /** W3C DPV purpose concept as a CURIE (`dpv:DirectMarketing`), see {@link DPV_PREFIXES}. */
  dpvPurpose: string
  /** W3C DPV legal basis concept as a CURIE (`eu-gdpr:A6-1-a`). */
  dpvLegalBasis: string
}

/** A registry entry: the definition plus its version, bumped by every change. */
export interface Purpose extends PurposeDefinition {
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Namespaces of the DPV CURIEs stored on purposes (W3C Data Privacy Vocabulary 2.x). */
export const DPV_PREFIXES = {
  dpv: 'https://w3id.org/dpv#',
  'eu-gdpr': 'https://w3id.org/dpv/legal/eu/gdpr#',
} as const

/** The DPV GDPR extension's concept for each Art. 6(1) basis. */
export const DPV_LEGAL_BASIS: Readonly<Record<LegalBasis, string>> = {
  consent: 'eu-gdpr:A6-1-a',
  contract: 'eu-gdpr:A6-1-b',
  legal_obligation: 'eu-gdpr:A6-1-c',
  vital_interest: 'eu-gdpr:A6-1-d',
  public_task: 'eu-gdpr:A6-1-e',
  legitimate_interest: 'eu-gdpr:A6-1-f',
}

/**
 * Whether consent events can be recorded for the purpose: it rests on consent, or it processes
 * special categories on explicit consent (Art. 9(2)(a)).
 */
export const usesConsent = (purpose: Pick<PurposeDefinition, 'legalBasis' | 'art9Basis'>): boolean =>
  purpose.legalBasis === 'consent' || purpose.art9Basis === 'explicit_consent'

/**
 * Whether the subject can object to the purpose (Art. 21): always for direct marketing, and for
 * every basis except contract, legal obligation and vital interests. An objection to a consent
 * purpose is honoured like a withdrawal.
 */
export const canBeObjectedTo = (
  purpose: Pick<PurposeDefinition, 'legalBasis' | 'directMarketing'>,
): boolean => purpose.directMarketing || !UNOBJECTABLE_BASES.includes(purpose.legalBasis)

export const isLegalBasis = (value: string): value is LegalBasis =>
  (LEGAL_BASES as readonly string[]).includes(value)
export const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value)
