import type { NewForm } from './form.schemas.ts'

/**
 * Who the controller is can't be known to a fresh installation: the seeded notices say so, until
 * the controller is named in the settings (Settings page, PATCH /api/v1/settings: the form pages
 * then name the controller and the DPO from there) or in the form itself (PATCH /api/v1/forms/{key}).
 */
export const PLACEHOLDER_CONTROLLER = {
  de: 'Verantwortlich: [Name und Anschrift Ihres Unternehmens, E-Mail-Adresse]. Datenschutzbeauftragte(r): [Kontakt]. (Bitte vor der Veröffentlichung anpassen.)',
  en: 'Controller: [your company’s name and address, e-mail address]. Data protection officer: [contact]. (Please adapt before publishing.)',
}

const MAIL_PROCESSOR = {
  de: 'Unser E-Mail-Versanddienstleister und unser Hosting-Anbieter als Auftragsverarbeiter (Art. 28 DSGVO), beide in der EU. Eine Übermittlung in Drittländer findet nicht statt.',
  en: 'Our e-mail service provider and our hosting provider as processors (Art. 28 GDPR), both in the EU. No transfer to third countries takes place.',
}

/**
 * The five forms a fresh installation starts with, one per touchpoint type. Inserted once when
 * missing (never overwriting an edit); each is checked like any form an admin defines. Every
 * consent is offered as its own unticked box; taking part never depends on one (Art. 7(4)).
 */
export const FORM_SEED: readonly NewForm[] = [
  {
    key: 'newsletter',
    type: 'newsletter',
    title: { de: 'Newsletter abonnieren', en: 'Subscribe to our newsletter' },
    fields: [
      { field: 'email', required: true },
      { field: 'firstName', required: false },
    ],
    purposes: [{ purposeKey: 'newsletter_email' }],
    notice: { controller: PLACEHOLDER_CONTROLLER, recipients: MAIL_PROCESSOR },
  },
  {
    key: 'contact',
    type: 'contact_request',
    title: { de: 'Kontakt aufnehmen', en: 'Get in touch' },
    fields: [
      { field: 'email', required: true },
      { field: 'firstName', required: false },
      { field: 'lastName', required: true },
      { field: 'phone', required: false },
    ],
    purposes: [{ purposeKey: 'newsletter_email' }, { purposeKey: 'phone_marketing' }],
    notice: {
      controller: PLACEHOLDER_CONTROLLER,
      recipients: {
        de: `Unser Vertriebs- und Serviceteam. ${MAIL_PROCESSOR.de}`,
        en: `Our sales and service team. ${MAIL_PROCESSOR.en}`,
      },
    },
  },
  {
    key: 'whitepaper',
    type: 'whitepaper_download',
    title: { de: 'Whitepaper herunterladen', en: 'Download the whitepaper' },
    fields: [
      { field: 'email', required: true },
      { field: 'firstName', required: false },
      { field: 'lastName', required: false },
    ],
    purposes: [{ purposeKey: 'newsletter_email' }],
    notice: { controller: PLACEHOLDER_CONTROLLER, recipients: MAIL_PROCESSOR },
  },
  {
    key: 'sweepstake',
    type: 'sweepstake',
    title: { de: 'Am Gewinnspiel teilnehmen', en: 'Enter the sweepstake' },
    fields: [
      { field: 'email', required: true },
      { field: 'firstName', required: true },
      { field: 'lastName', required: true },
      { field: 'street', required: false },
      { field: 'postalCode', required: false },
      { field: 'city', required: false },
    ],
    purposes: [{ purposeKey: 'newsletter_email' }],
    notice: {
      controller: PLACEHOLDER_CONTROLLER,
      recipients: {
        de: `Bei einem Gewinn der Versanddienstleister, der den Preis zustellt. ${MAIL_PROCESSOR.de}`,
        en: `If you win, the carrier delivering the prize. ${MAIL_PROCESSOR.en}`,
      },
    },
  },
  {
    key: 'event',
    type: 'event_registration',
    title: { de: 'Zur Veranstaltung anmelden', en: 'Register for the event' },
    fields: [
      { field: 'email', required: true },
      { field: 'firstName', required: true },
      { field: 'lastName', required: true },
      { field: 'phone', required: false },
    ],
    purposes: [{ purposeKey: 'newsletter_email' }],
    notice: {
      controller: PLACEHOLDER_CONTROLLER,
      recipients: {
        de: `Der Veranstaltungsort erhält die Gästeliste (Vor- und Nachname). ${MAIL_PROCESSOR.de}`,
        en: `The venue receives the guest list (first and last name). ${MAIL_PROCESSOR.en}`,
      },
    },
  },
]
