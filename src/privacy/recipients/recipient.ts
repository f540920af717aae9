// Plain data with no server imports: the web UI reads it too.
import type { FieldCategory } from '../fields/field-catalog.ts'

/**
 * Recipients (Art. 4(9)) and the transfer of personal data to them (Art. 44-49): the words, the
 * closed vocabularies and the shapes the registry, the disclosure gate, the webhooks, the Art. 30
 * record and the web UI share. See README.md next to this file.
 */

/** Who the recipient is to the controller. */
export const RECIPIENT_ROLES = [
  /** Processes on the controller's behalf (Art. 28): needs a contract (Art. 28(3)). */
  'processor',
  /** A controller of its own (a partner, a buyer of a business, an advisor). */
  'controller',
  /** Decides purposes and means together with us (Art. 26): needs an arrangement. */
  'joint_controller',
  /** A public authority (tax office, court, police) receiving data under a legal obligation. */
  'authority',
] as const
export type RecipientRole = (typeof RECIPIENT_ROLES)[number]

/** The ground a transfer to the recipient's country rests on (Chapter V GDPR). */
export const TRANSFER_MECHANISMS = [
  /** The recipient is in the EEA (EU 27 + Iceland, Liechtenstein, Norway): no transfer in the sense of Chapter V. */
  'eea',
  /** Art. 45: a Commission adequacy decision for the country (the seeded list, `adequacy_decision`). */
  'adequacy',
  /** Art. 46(2)(c): standard contractual clauses of Implementing Decision (EU) 2021/914, a module and the date signed. */
  'scc',
  /** Art. 46(2)(b), 47: binding corporate rules approved by a supervisory authority. */
  'bcr',
  /** Art. 49(1): a derogation for a specific situation, its point and reason. */
  'derogation_49',
  /** None: allowed only inside the EEA. */
  'none',
] as const
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number]

/**
 * The modules of the standard contractual clauses (Implementing Decision (EU) 2021/914): 1
 * controller to controller, 2 controller to processor, 3 processor to processor, 4 processor to
 * controller.
 */
export const SCC_MODULES = [1, 2, 3, 4] as const
export type SccModule = (typeof SCC_MODULES)[number]

/** Since 27 June 2021 the clauses of 2021/914; the older ones (2001/497, 2010/87) ended on 27 December 2022. */
export const SCC_2021_SINCE = '2021-06-27'

/** The derogations of Art. 49(1): the points of the first subparagraph, and the second subparagraph. */
export const ART49_POINTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'compelling_interests'] as const
export type Art49Point = (typeof ART49_POINTS)[number]

/** What each Art. 49(1) derogation is, in the regulation's words (English; the UI has German). */
export const ART49_POINT_TEXT: Readonly<Record<Art49Point, string>> = {
  a: 'Art. 49(1)(a): explicit consent of the data subject, informed of the risks',
  b: 'Art. 49(1)(b): necessary for a contract with the data subject',
  c: 'Art. 49(1)(c): necessary for a contract in the interest of the data subject',
  d: 'Art. 49(1)(d): important reasons of public interest',
  e: 'Art. 49(1)(e): establishment, exercise or defence of legal claims',
  f: 'Art. 49(1)(f): vital interests, where the subject cannot consent',
  g: 'Art. 49(1)(g): from a public register',
  compelling_interests:
    'Art. 49(1) second subparagraph: compelling legitimate interests, not repetitive, few subjects; the supervisory authority is informed',
}

/** The EEA: the 27 EU member states and Iceland, Liechtenstein, Norway (ISO 3166-1 alpha-2). */
export const EEA_COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
] as const

export const isEea = (country: string): boolean => (EEA_COUNTRIES as readonly string[]).includes(country)

/** What an adequacy decision covers: the whole country, commercial organisations, or certified ones only. */
export const ADEQUACY_SCOPES = ['full', 'commercial', 'certified'] as const
export type AdequacyScope = (typeof ADEQUACY_SCOPES)[number]

/** An adequacy decision of the Commission (Art. 45(3)), as seeded and reviewed by the DPO. */
export interface AdequacyDecision {
  /** ISO 3166-1 alpha-2. */
  country: string
  name: { de: string; en: string }
  /** The decision's reference, e.g. `(EU) 2023/1795`. */
  decision: string
  /** The day it was adopted (YYYY-MM-DD). */
  adoptedOn: string
  /** `certified`: only organisations certified under a framework (the EU-US Data Privacy Framework). */
  scope: AdequacyScope
  /** The scope and conditions in words. */
  note: { de: string; en: string }
  /** From this day on it no longer carries transfers (invalidated, expired); null: in force. */
  validUntil: string | null
}

/** A recipient as the registry keeps it. */
export interface Recipient {
  id: string
  name: string
  role: RecipientRole
  /** ISO 3166-1 alpha-2 of where the data is processed. */
  country: string
  /** Art. 28(3): the date of the processing contract (processors), Art. 26(1): of the arrangement (joint controllers); null: none recorded. */
  contractDate: string | null
  mechanism: TransferMechanism
  /** EU-US Data Privacy Framework: the day the recipient's certification was last confirmed on the DPF list; null: not certified. */
  dpfCertifiedOn: string | null
  /** SCC: the module (1-4) and the day they were signed. */
  sccModule: SccModule | null
  sccDate: string | null
  /** BCR: the approving authority's reference. */
  bcrReference: string | null
  /** Art. 49(1): which derogation, and why it applies. */
  derogation: { point: Art49Point; reason: string } | null
  /** The purposes (keys of the purpose registry) data is disclosed to it for. */
  purposes: string[]
  /** The categories of personal data it receives; fields of other categories are withheld. */
  fieldCategories: FieldCategory[]
  /** Free text for the DPO: contact, contract reference. No personal data of subjects. */
  note: string | null
  /** Set when the recipient no longer receives anything; kept for the disclosures made to it. */
  retiredAt: Date | null
  /** Bumped by every change. */
  version: number
  createdAt: Date
  updatedAt: Date
}

/** One thing that makes a disclosure to the recipient unlawful: the property it concerns and why. */
export interface TransferGap {
  field: string
  reason: string
}

/** Whether data may go to the recipient, on which ground, and what is missing if not. */
export interface TransferVerdict {
  lawful: boolean
  /** Outside the EEA: a transfer in the sense of Chapter V. */
  thirdCountry: boolean
  /** The ground in words (e.g. `Art. 46(2)(c): SCC module 2 of 2024-03-01`); null when unlawful. */
  basis: string | null
  missing: TransferGap[]
}

/** A recipient with its verdict as of today: what the registry's `list()` returns. */
export interface RecipientWithVerdict extends Recipient {
  verdict: TransferVerdict
}

/** The events a webhook subscription can receive (each about one subject). */
export const WEBHOOK_EVENTS = [
  'subject.created',
  'subject.changed',
  'subject.erased',
  'subject.restricted',
  'consent.changed',
  'objection.recorded',
  'request.answered',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** How a disclosure left Tresor. */
export const DISCLOSURE_CHANNELS = ['export', 'webhook'] as const
export type DisclosureChannel = (typeof DISCLOSURE_CHANNELS)[number]
