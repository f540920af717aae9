/**
 * The field catalog: every personal field Tresor knows, its category, and whether it is a direct
 * identifier (stored only encrypted in the vault) or a pseudonymous attribute (in the clear, linked
 * by subject id only). Roles are granted field *categories*, never single fields; the gate checks
 * requested fields against the role's categories.
 *
 * Plain data with no imports so every layer (and the web UI) can read it.
 */

/** Categories of personal data (DESIGN.md "field catalog"). */
export const FIELD_CATEGORIES = [
  /** Name and birth date: who the person is. */
  'identity',
  /** E-mail address and phone number: how to reach them. */
  'contact',
  /** Postal address. */
  'address',
  /** Bank data (IBAN, account holder): accounting only. */
  'bank',
  /** Free-text notes by staff: may contain anything, so treated as an identifier. */
  'notes',
  /** Country, postcode region, age band, gender: pseudonymous, for segmentation. */
  'socio_demographic',
  /** What the person did: touchpoints, purchases, clicks. */
  'behavioural',
  /** Interests, attitudes, lifestyle. */
  'psychographic',
  /** Computed from the others: scores, CLV, churn risk, segments. */
  'derived',
  /** Where the person works: organisation, job title, department (B2B). */
  'organisation',
  /** What the person bought: orders and their lines. */
  'purchases',
  /** What the person owes or paid: invoices. */
  'billing',
  /** Deals in the sales pipeline. */
  'pipeline',
] as const
export type FieldCategory = (typeof FIELD_CATEGORIES)[number]

/** Direct identifiers: encrypted per subject, shredded with the subject's data key. */
export const IDENTIFIER_FIELDS = [
  'firstName',
  'lastName',
  'birthDate',
  'email',
  'phone',
  'street',
  'postalCode',
  'city',
  'countryCode',
  'iban',
  'accountHolder',
  'notes',
] as const
export type IdentifierField = (typeof IDENTIFIER_FIELDS)[number]

/** The built-in pseudonymous attributes (demo data, segmentation); admins add more to the catalog. */
export const ATTRIBUTE_FIELDS = ['country', 'region', 'ageBand', 'gender'] as const
export type BuiltinAttributeField = (typeof ATTRIBUTE_FIELDS)[number]
/** An attribute of the field catalog: a built-in one or one an admin defined (any catalog key). */
export type AttributeField = string

/**
 * Records kept about a subject in their own tables (the CRM core, migration 0008). The gate treats
 * each kind as one field: a role reads a kind only with its category, and audit records name it.
 */
export const RECORD_FIELDS = [
  'organisations',
  'touchpoints',
  'orders',
  'invoices',
  'deals',
  'staffNotes',
  /** What customer analytics computed (CLV, P(alive), churn risk, RFM, ABC): only under a profiling purpose. */
  'scores',
] as const
export type RecordField = (typeof RECORD_FIELDS)[number]

export type PersonalField = IdentifierField | AttributeField | RecordField

/** Art. 9(1): the special categories of personal data. */
export const SPECIAL_CATEGORIES = [
  'health',
  'religion',
  'ethnic_origin',
  'political_opinion',
  'union_membership',
  'sexual_life',
  'biometric',
  'genetic',
] as const
export type SpecialCategory = (typeof SPECIAL_CATEGORIES)[number]

export interface FieldDefinition {
  category: FieldCategory
  identifier: boolean
  /**
   * Art. 9(1) special category (health, religion, ...): can't be stored or used without an Art. 9
   * basis for a purpose the field serves (Art. 9(2)(a): explicit consent, where that is the basis).
   */
  specialCategory: boolean
}

const identifier = (category: FieldCategory): FieldDefinition => ({
  category,
  identifier: true,
  specialCategory: false,
})
const attribute = (category: FieldCategory): FieldDefinition => ({
  category,
  identifier: false,
  specialCategory: false,
})
const record = attribute

export const FIELD_CATALOG: Readonly<Record<PersonalField, FieldDefinition>> = {
  firstName: identifier('identity'),
  lastName: identifier('identity'),
  birthDate: identifier('identity'),
  email: identifier('contact'),
  phone: identifier('contact'),
  street: identifier('address'),
  postalCode: identifier('address'),
  city: identifier('address'),
  countryCode: identifier('address'),
  iban: identifier('bank'),
  accountHolder: identifier('bank'),
  notes: identifier('notes'),
  country: attribute('socio_demographic'),
  region: attribute('socio_demographic'),
  ageBand: attribute('socio_demographic'),
  gender: attribute('socio_demographic'),
  organisations: record('organisation'),
  touchpoints: record('behavioural'),
  orders: record('purchases'),
  invoices: record('billing'),
  deals: record('pipeline'),
  // Free text about the person, sealed in the vault: the same category as the `notes` identifier.
  staffNotes: record('notes'),
  scores: record('derived'),
}

export const isIdentifierField = (name: string): name is IdentifierField =>
  (IDENTIFIER_FIELDS as readonly string[]).includes(name)

export const isRecordField = (name: string): name is RecordField =>
  (RECORD_FIELDS as readonly string[]).includes(name)

export const isPersonalField = (name: string): name is PersonalField => Object.hasOwn(FIELD_CATALOG, name)
