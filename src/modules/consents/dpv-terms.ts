import type { PermissionSource } from '../../privacy/permissions/permission.schemas.ts'
import type { ConsentEventKind } from '../../privacy/permissions/permission-rules.ts'
import { type Art9Basis, type Channel, DPV_PREFIXES } from '../../privacy/purposes/purpose.ts'

/**
 * How Tresor's consent vocabulary reads in the W3C Data Privacy Vocabulary (DPV 2.x), for consent
 * records after ISO/IEC TS 27560:2023 as the DPVCG guide "Consent Records and Receipts as per
 * ISO/IEC TS 27560:2023 using DPV" (https://w3id.org/dpv/guides/consent-27560) lays them out.
 * One table per question, so the DPO reviews the mapping here and nowhere else. The purposes'
 * own DPV terms (`dpvPurpose`, `dpvLegalBasis`) live in the purpose registry, where the DPO edits
 * them; the Art. 6(1) bases' defaults are `DPV_LEGAL_BASIS` (privacy/purposes/purpose.ts).
 */

/** The DPV-27560 profile a record conforms to (`dct:conformsTo`, the 27560 "schema version"). */
export const DPV_27560_RECORD_PROFILE = 'https://w3id.org/dpv/schema/dpv-27560#record'

/** Where the records apply (27560 "jurisdiction", mandatory) and under which law. */
export const JURISDICTION = 'loc:EU'
export const APPLICABLE_LAW = 'eu-gdpr:GDPR'

/**
 * The controller: the organisation that runs this Tresor. Its name, address and contact (27560
 * party fields) are not configured anywhere yet, so records name it by this IRI only.
 */
export const CONTROLLER = 'urn:tresor:controller'

/**
 * 27560 "event state": the DPV consent status each consent event puts the consent in. A double
 * opt-in confirmation is the address owner giving the consent (only then is it valid for
 * processing, LEGAL.md), so it reads as ConsentGiven too; the DOI data stays in the proof.
 */
export const CONSENT_STATUS_TERMS: Readonly<Record<ConsentEventKind, string>> = {
  requested: 'dpv:ConsentRequested',
  granted: 'dpv:ConsentGiven',
  confirmed: 'dpv:ConsentGiven',
  withdrawn: 'dpv:ConsentWithdrawn',
  expired: 'dpv:ConsentExpired',
}

/** Statuses that give the consent (they carry the consent type and the validity duration). */
export const GIVING_KINDS: readonly ConsentEventKind[] = ['granted', 'confirmed']

/**
 * 27560 "entity id" / DPV `isIndicatedBy`: who expressed each kind of event. The controller asks
 * and records an expiry; giving, confirming and withdrawing are the subject's acts (Art. 7(3)),
 * whoever typed them in — that person is the event's `isImplementedByEntity`.
 */
export const CONSENT_EVENT_INDICATED_BY: Readonly<Record<ConsentEventKind, string>> = {
  requested: 'dpv:DataController',
  granted: 'dpv:DataSubject',
  confirmed: 'dpv:DataSubject',
  withdrawn: 'dpv:DataSubject',
  expired: 'dpv:DataController',
}

/**
 * 27560 "event type" (consent type, carried by the giving statuses). Art. 6(1)(a) consent is
 * expressed consent; Art. 9(2)(a) demands explicit consent.
 */
export const CONSENT_TYPE_TERMS = {
  regular: 'dpv:ExpressedConsent',
  explicit: 'dpv:ExplicitlyExpressedConsent',
} as const

/** The DPV GDPR extension's concept for each Art. 9(2) exception (a) to (j). */
export const ART9_BASIS_TERMS: Readonly<Record<Art9Basis, string>> = {
  explicit_consent: 'eu-gdpr:A9-2-a',
  employment_law: 'eu-gdpr:A9-2-b',
  vital_interest: 'eu-gdpr:A9-2-c',
  not_for_profit: 'eu-gdpr:A9-2-d',
  made_public: 'eu-gdpr:A9-2-e',
  legal_claims: 'eu-gdpr:A9-2-f',
  substantial_public_interest: 'eu-gdpr:A9-2-g',
  health_care: 'eu-gdpr:A9-2-h',
  public_health: 'eu-gdpr:A9-2-i',
  research: 'eu-gdpr:A9-2-j',
}

/** DPV `hasIndicationMethod`: how the event reached us, from the proof's source. */
export const INDICATION_METHODS: Readonly<Record<PermissionSource, string>> = {
  form: 'web form',
  portal: 'privacy portal',
  email: 'e-mail (double opt-in confirmation link or reply)',
  'unsubscribe-link': 'unsubscribe link',
  phone: 'orally in a phone call',
  letter: 'letter',
  'in-person': 'in person',
  import: 'imported with its provenance from another system',
  api: 'API of another system',
}

/**
 * The personal data a consent on each channel lets the purpose use (DPV `pd:` categories): the
 * contact data of the channel. `none` uses no contact data.
 */
export const CHANNEL_PERSONAL_DATA: Readonly<Record<Channel, string | null>> = {
  email: 'pd:EmailAddress',
  sms: 'pd:TelephoneNumber',
  phone: 'pd:TelephoneNumber',
  post: 'pd:PhysicalAddress',
  web: 'pd:BrowsingBehavior',
  none: null,
}

/**
 * The JSON-LD context of the records. Properties whose values name concepts are typed `@id` (so
 * `"eu-gdpr:A6-1-a"` is the concept, not a string); the consent statuses are an ordered `@list`
 * (the history, oldest first); the proof as recorded is kept verbatim as a JSON literal.
 */
export const CONSENT_RECORD_CONTEXT = {
  '@version': 1.1,
  ...DPV_PREFIXES,
  pd: 'https://w3id.org/dpv/pd#',
  loc: 'https://w3id.org/dpv/loc#',
  dct: 'http://purl.org/dc/terms/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  tresor: 'urn:tresor:terms#',
  'dct:conformsTo': { '@type': '@id' },
  'dct:created': { '@type': 'xsd:dateTime' },
  'dct:modified': { '@type': 'xsd:dateTime' },
  'dpv:hasDataController': { '@type': '@id' },
  'dpv:hasJurisdiction': { '@type': '@id' },
  'dpv:hasApplicableLaw': { '@type': '@id' },
  'dpv:hasLegalBasis': { '@type': '@id' },
  'dpv:hasPersonalData': { '@type': '@id' },
  'dpv:hasNotice': { '@type': '@id' },
  'dpv:hasConsentStatus': { '@container': '@list' },
  'dpv:isIndicatedBy': { '@type': '@id' },
  'dpv:isImplementedByEntity': { '@type': '@id' },
  'dpv:isIndicatedAtTime': { '@type': 'xsd:dateTime' },
  'tresor:currentStatus': { '@type': '@id' },
  'tresor:proof': { '@type': '@json' },
} as const
