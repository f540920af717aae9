import type { Channel, Texts } from '../../privacy/purposes/purpose.ts'

/**
 * What a public form may ask for, per kind of touchpoint: reviewable seed data (Art. 5(1)(c) data
 * minimisation, Art. 25(2) by default), not `if`s scattered through the code. A form is checked
 * against its type whenever it is defined or changed: a field its type doesn't list can't be
 * added. Plain data with no server imports; `GET /api/v1/form-types` shows it.
 */

/** The fields a public form can ask for: identifiers of the field catalog, stored encrypted. */
export const FORM_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'phone',
  'street',
  'postalCode',
  'city',
  'countryCode',
] as const
export type FormField = (typeof FORM_FIELDS)[number]

/** How a field is asked for on the page (input type and autocomplete token, HTML Living Standard). */
export const FORM_FIELD_INPUTS: Readonly<
  Record<
    FormField,
    { input: 'email' | 'tel' | 'text'; autocomplete: string; maxLength: number; label: Texts }
  >
> = {
  email: {
    input: 'email',
    autocomplete: 'email',
    maxLength: 254,
    label: { de: 'E-Mail-Adresse', en: 'E-mail address' },
  },
  firstName: {
    input: 'text',
    autocomplete: 'given-name',
    maxLength: 200,
    label: { de: 'Vorname', en: 'First name' },
  },
  lastName: {
    input: 'text',
    autocomplete: 'family-name',
    maxLength: 200,
    label: { de: 'Nachname', en: 'Last name' },
  },
  phone: {
    input: 'tel',
    autocomplete: 'tel',
    maxLength: 40,
    label: { de: 'Telefonnummer', en: 'Phone number' },
  },
  street: {
    input: 'text',
    autocomplete: 'street-address',
    maxLength: 200,
    label: { de: 'Straße und Hausnummer', en: 'Street and number' },
  },
  postalCode: {
    input: 'text',
    autocomplete: 'postal-code',
    maxLength: 20,
    label: { de: 'Postleitzahl', en: 'Postcode' },
  },
  city: {
    input: 'text',
    autocomplete: 'address-level2',
    maxLength: 200,
    label: { de: 'Ort', en: 'Town or city' },
  },
  countryCode: {
    input: 'text',
    autocomplete: 'country',
    maxLength: 2,
    label: { de: 'Land (z. B. DE)', en: 'Country (e.g. DE)' },
  },
}

export const FORM_TYPES = [
  'newsletter',
  'contact_request',
  'whitepaper_download',
  'sweepstake',
  'event_registration',
] as const
export type FormType = (typeof FORM_TYPES)[number]

/** One field a form type may ask for: whether every form of the type must, and why it is needed. */
export interface FormTypeField {
  field: FormField
  required: boolean
  why: string
}

export interface FormTypeDefinition {
  label: Texts
  /**
   * The purpose (registry key) the form's own processing rests on — what the person asks for by
   * sending it. Null: the form collects only for the consents ticked on it (a newsletter form
   * without its box ticked stores nothing).
   */
  purpose: string | null
  /** How a person first met through such a form is recorded. */
  subjectKind: 'lead'
  /** Everything a form of this type may ask for; nothing else can be added. */
  fields: readonly FormTypeField[]
}

const EMAIL_TO_ANSWER = 'the address the request is answered at and the person is recognised by'

export const FORM_TYPE_DEFINITIONS: Readonly<Record<FormType, FormTypeDefinition>> = {
  // The newsletter form takes an e-mail address and at most a name (for the salutation).
  newsletter: {
    label: { de: 'Newsletter-Anmeldung', en: 'Newsletter sign-up' },
    purpose: null,
    subjectKind: 'lead',
    fields: [
      { field: 'email', required: true, why: 'the address the newsletter is sent to (double opt-in)' },
      { field: 'firstName', required: false, why: 'the salutation' },
      { field: 'lastName', required: false, why: 'the salutation' },
    ],
  },
  // Art. 6(1)(b): steps the person asks for before a contract; a phone number only to call back.
  contact_request: {
    label: { de: 'Kontaktanfrage', en: 'Contact request' },
    purpose: 'customer_service',
    subjectKind: 'lead',
    fields: [
      { field: 'email', required: true, why: EMAIL_TO_ANSWER },
      { field: 'firstName', required: false, why: 'the salutation' },
      { field: 'lastName', required: true, why: 'whom the answer is for' },
      { field: 'phone', required: false, why: 'a call back, if the person prefers it' },
    ],
  },
  whitepaper_download: {
    label: { de: 'Whitepaper-Download', en: 'Whitepaper download' },
    purpose: 'contact_management',
    subjectKind: 'lead',
    fields: [
      { field: 'email', required: true, why: 'the address the download link is sent to' },
      { field: 'firstName', required: false, why: 'the salutation' },
      { field: 'lastName', required: false, why: 'the salutation' },
    ],
  },
  // The postal address only to send a prize; taking part never depends on a consent (Art. 7(4)).
  sweepstake: {
    label: { de: 'Gewinnspiel', en: 'Sweepstake' },
    purpose: 'contact_management',
    subjectKind: 'lead',
    fields: [
      { field: 'email', required: true, why: 'telling the winner' },
      { field: 'firstName', required: true, why: 'identifying the winner' },
      { field: 'lastName', required: true, why: 'identifying the winner' },
      { field: 'street', required: false, why: 'sending the prize' },
      { field: 'postalCode', required: false, why: 'sending the prize' },
      { field: 'city', required: false, why: 'sending the prize' },
      { field: 'countryCode', required: false, why: 'sending the prize' },
    ],
  },
  event_registration: {
    label: { de: 'Veranstaltungsanmeldung', en: 'Event registration' },
    purpose: 'contact_management',
    subjectKind: 'lead',
    fields: [
      { field: 'email', required: true, why: 'the registration confirmation and changes to the event' },
      { field: 'firstName', required: true, why: 'the guest list and the name badge' },
      { field: 'lastName', required: true, why: 'the guest list and the name badge' },
      { field: 'phone', required: false, why: 'short-notice changes on the day' },
    ],
  },
}

/**
 * The fields a consent on a channel needs on the form (a phone consent is useless without a
 * number). `not-on-forms`: web tracking consent belongs to the cookie banner, not to a form.
 */
export const CONSENT_CHANNEL_FIELDS: Readonly<Record<Channel, readonly FormField[] | 'not-on-forms'>> = {
  email: ['email'],
  sms: ['phone'],
  phone: ['phone'],
  post: ['street', 'postalCode', 'city'],
  none: [],
  web: 'not-on-forms',
}

/** Double opt-in is confirmed by a link mailed to the address: only e-mail consents can offer it here. */
export const DOUBLE_OPT_IN_CHANNELS: readonly Channel[] = ['email']

export const isFormType = (value: string): value is FormType =>
  (FORM_TYPES as readonly string[]).includes(value)
export const isFormField = (value: string): value is FormField =>
  (FORM_FIELDS as readonly string[]).includes(value)
