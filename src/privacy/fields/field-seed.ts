import type { FieldCategory, SpecialCategory } from './field-catalog.ts'
import type { FieldDataType } from './field-registry.ts'

export interface FieldSeed {
  key: string
  label: { de: string; en: string }
  category: FieldCategory
  identifier?: boolean
  special?: SpecialCategory
  dataType: FieldDataType
  options?: string[]
  purposes?: string[]
}

const id = (
  key: string,
  de: string,
  en: string,
  category: FieldCategory,
  dataType: FieldDataType = 'text',
): FieldSeed => ({
  key,
  label: { de, en },
  category,
  identifier: true,
  dataType,
})

/**
 * The fields a typical CRM holds, seeded into the catalog on first start (never overwriting an
 * admin's edit). Identifiers are fixed (the vault encrypts and indexes them); attributes are the
 * pseudonymous ones for segmentation. Special categories (Art. 9) are seeded without purposes: they
 * can be written only after the DPO names a purpose with an Art. 9 basis for them.
 */
export const FIELD_SEED: readonly FieldSeed[] = [
  id('firstName', 'Vorname', 'First name', 'identity'),
  id('lastName', 'Nachname', 'Last name', 'identity'),
  id('birthDate', 'Geburtsdatum', 'Birth date', 'identity', 'date'),
  id('email', 'E-Mail-Adresse', 'E-mail address', 'contact'),
  id('phone', 'Telefonnummer', 'Phone number', 'contact'),
  id('street', 'Straße und Hausnummer', 'Street and number', 'address'),
  id('postalCode', 'Postleitzahl', 'Postcode', 'address'),
  id('city', 'Ort', 'City', 'address'),
  id('countryCode', 'Land', 'Country', 'address'),
  id('iban', 'IBAN', 'IBAN', 'bank'),
  id('accountHolder', 'Kontoinhaber', 'Account holder', 'bank'),
  id('notes', 'Notizen', 'Notes', 'notes'),
  {
    key: 'country',
    label: { de: 'Land (Segment)', en: 'Country (segment)' },
    category: 'socio_demographic',
    dataType: 'text',
  },
  { key: 'region', label: { de: 'Region', en: 'Region' }, category: 'socio_demographic', dataType: 'text' },
  {
    key: 'ageBand',
    label: { de: 'Altersgruppe', en: 'Age band' },
    category: 'socio_demographic',
    dataType: 'enum',
    options: ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
  },
  {
    key: 'gender',
    label: { de: 'Geschlecht', en: 'Gender' },
    category: 'socio_demographic',
    dataType: 'enum',
    options: ['female', 'male', 'diverse'],
  },
  {
    key: 'education',
    label: { de: 'Bildungsabschluss', en: 'Education' },
    category: 'socio_demographic',
    dataType: 'enum',
    options: ['none', 'secondary', 'vocational', 'bachelor', 'master', 'doctorate'],
  },
  {
    key: 'householdSize',
    label: { de: 'Haushaltsgröße', en: 'Household size' },
    category: 'socio_demographic',
    dataType: 'number',
  },
  {
    key: 'occupation',
    label: { de: 'Beruf', en: 'Occupation' },
    category: 'socio_demographic',
    dataType: 'text',
  },
  {
    key: 'incomeBand',
    label: { de: 'Einkommensklasse', en: 'Income band' },
    category: 'socio_demographic',
    dataType: 'enum',
    options: ['<20k', '20-40k', '40-60k', '60-80k', '>80k'],
  },
  {
    key: 'maritalStatus',
    label: { de: 'Familienstand', en: 'Marital status' },
    category: 'socio_demographic',
    dataType: 'enum',
    options: ['single', 'married', 'partnership', 'divorced', 'widowed'],
  },
  {
    key: 'preferredPaymentMethod',
    label: { de: 'Bevorzugte Zahlungsart', en: 'Preferred payment method' },
    category: 'behavioural',
    dataType: 'enum',
    options: ['invoice', 'direct_debit', 'card', 'paypal'],
    purposes: ['order_processing'],
  },
  {
    key: 'interests',
    label: { de: 'Interessen', en: 'Interests' },
    category: 'psychographic',
    dataType: 'multi_enum',
    options: ['sports', 'travel', 'music', 'books', 'technology', 'fashion', 'food', 'home', 'finance'],
    purposes: ['profiling_offers', 'newsletter_email'],
  },
  {
    key: 'attitudes',
    label: { de: 'Einstellungen (Umfrage)', en: 'Attitudes (survey)' },
    category: 'psychographic',
    dataType: 'text',
    purposes: ['profiling_offers'],
  },
  {
    key: 'dietaryRequirements',
    label: { de: 'Ernährungsbedürfnisse', en: 'Dietary requirements' },
    category: 'psychographic',
    special: 'health',
    dataType: 'multi_enum',
    options: ['vegetarian', 'vegan', 'lactose_free', 'gluten_free', 'nut_allergy'],
  },
]
