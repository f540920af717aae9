import { FIELD_CATEGORIES } from '../fields/field-catalog.ts'
import type { PurposeDefinition } from './purpose.ts'

/**
 * The purposes a fresh installation starts with: LEGAL.md as reviewable data. Inserted once at
 * start-up when missing (never overwriting what the DPO changed since); the DPO adapts them through
 * the API or `tresor purposes set`. Product knowledge, not legal advice.
 */
export const PURPOSE_SEED: readonly PurposeDefinition[] = [
  {
    key: 'newsletter_email',
    name: { de: 'Newsletter per E-Mail', en: 'Newsletter by e-mail' },
    description: {
      de: 'Regelmäßige Informationen zu Angeboten und Neuigkeiten per E-Mail.',
      en: 'Regular news and offers by e-mail.',
    },
    legalBasis: 'consent',
    art9Basis: null,
    channels: ['email'],
    // § 7(2) UWG: prior express consent; it is proven by double opt-in (LEGAL.md, "Consent").
    doubleOptIn: true,
    profiling: false,
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: 'Bis zum Widerruf; der Nachweis der Einwilligung wird danach 3 Jahre aufbewahrt (Verjährung, § 195 BGB).',
        en: 'Until withdrawn; the proof of consent is kept 3 years after that (limitation period, § 195 BGB).',
      },
    },
    consentValidity: null,
    // Marketing sends it; the DPO answers for it. Name and address to write to, the pseudonymous
    // attributes to choose the content — nothing of orders, invoices or notes.
    scope: {
      roles: ['marketing', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'socio_demographic'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-a',
  },
  {
    key: 'sms_marketing',
    name: { de: 'Werbung per SMS', en: 'SMS marketing' },
    description: {
      de: 'Angebote und Hinweise per SMS an die angegebene Mobilnummer.',
      en: 'Offers and reminders by text message to the given mobile number.',
    },
    legalBasis: 'consent',
    art9Basis: null,
    channels: ['sms'],
    // § 7(2) UWG treats SMS like e-mail; a confirmation code proves the number's owner agreed.
    doubleOptIn: true,
    profiling: false,
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: 'Bis zum Widerruf; der Nachweis der Einwilligung wird danach 3 Jahre aufbewahrt (§ 195 BGB).',
        en: 'Until withdrawn; the proof of consent is kept 3 years after that (§ 195 BGB).',
      },
    },
    consentValidity: null,
    scope: {
      roles: ['marketing', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-a',
  },
  {
    key: 'phone_marketing',
    name: { de: 'Telefonwerbung (Verbraucher)', en: 'Phone marketing (consumers)' },
    description: {
      de: 'Werbeanrufe bei Verbraucherinnen und Verbrauchern, nur mit vorheriger ausdrücklicher Einwilligung.',
      en: 'Marketing calls to consumers, only with their prior express consent.',
    },
    legalBasis: 'consent',
    art9Basis: null,
    channels: ['phone'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: 'P5Y',
      // § 7a UWG: consent to phone advertising is documented and the proof kept 5 years.
      rule: {
        de: 'Nachweis der Einwilligung 5 Jahre ab Erteilung und ab jeder Verwendung (§ 7a UWG).',
        en: 'Proof of consent kept 5 years from when it was given and from each use (§ 7a UWG).',
      },
    },
    consentValidity: null,
    scope: {
      // Sales agents make the calls of phone campaigns (campaigns:call).
      roles: ['marketing', 'sales', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'socio_demographic'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-a',
  },
  {
    key: 'postal_advertising',
    name: { de: 'Werbung per Post', en: 'Postal advertising' },
    description: {
      de: 'Kataloge und Angebote per Briefpost an Kundinnen und Kunden.',
      en: 'Catalogues and offers by post to customers.',
    },
    // Recital 47: direct marketing may be a legitimate interest; post needs no consent under UWG.
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    channels: ['post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: 'P2Y',
      rule: {
        de: 'Bis zum Widerspruch, längstens 2 Jahre nach dem letzten Kauf.',
        en: 'Until the person objects, at most 2 years after the last purchase.',
      },
    },
    consentValidity: null,
    scope: {
      roles: ['marketing', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'address', 'socio_demographic'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'existing_customer_email',
    name: { de: 'Bestandskundenwerbung per E-Mail', en: 'E-mail offers to existing customers' },
    description: {
      de: 'Angebote für eigene ähnliche Waren und Dienstleistungen per E-Mail an Kundinnen und Kunden, die bei uns gekauft haben und ihre E-Mail-Adresse dabei angegeben haben. Sie können dem jederzeit widersprechen, ohne dass andere als die Übermittlungskosten nach den Basistarifen entstehen; darauf weisen wir bei der Erhebung der Adresse und in jeder E-Mail hin (§ 7 Abs. 3 UWG).',
      en: 'Offers for our own similar goods and services by e-mail to customers who bought from us and gave their e-mail address when doing so. You can object at any time at no cost other than the basic transmission rates; we tell you so when the address is collected and in every e-mail (§ 7(3) UWG).',
    },
    // § 7(3) UWG: without consent, but only to own customers whose address was obtained in a sale,
    // for own similar goods, until they object (Art. 21(3) GDPR: the objection is absolute).
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    channels: ['email'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: true,
    existingCustomers: true,
    retention: {
      period: 'P2Y',
      rule: {
        de: 'Bis zum Widerspruch, längstens 2 Jahre nach dem letzten Kauf.',
        en: 'Until the person objects, at most 2 years after the last purchase.',
      },
    },
    consentValidity: null,
    // § 7(3) No. 2 UWG: offers for own similar goods — what they bought decides what is similar. (The
    // existing-customer flag above already limits it to subjects with an order.)
    scope: {
      roles: ['marketing', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'purchases'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'b2b_prospecting',
    name: { de: 'B2B-Akquise', en: 'B2B prospecting' },
    description: {
      de: 'Ansprache von Geschäftskontakten per Post und Telefon (bei Telefon mit zumindest mutmaßlicher Einwilligung des Unternehmens, § 7(2) Nr. 1 UWG).',
      en: 'Approaching business contacts by post and phone (by phone with at least the presumed consent of the business, § 7(2) no. 1 UWG).',
    },
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    // Not e-mail: unsolicited advertising e-mail needs consent from businesses too (§ 7(2) UWG).
    channels: ['phone', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: 'P2Y',
      rule: {
        de: 'Bis zum Widerspruch, längstens 2 Jahre ohne Interaktion.',
        en: 'Until the person objects, at most 2 years without interaction.',
      },
    },
    consentValidity: null,
    // § 7(2) No. 1 UWG: presumed consent covers calls to businesses only; a consumer must consent
    // first (phone_marketing). So B2B contacts only, and their organisation.
    scope: {
      roles: ['marketing', 'sales', 'dpo'],
      subjectKinds: ['b2b_contact'],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'address', 'organisation'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:DirectMarketing',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'order_processing',
    name: { de: 'Bestellabwicklung und Lieferung', en: 'Order processing and delivery' },
    description: {
      de: 'Annahme, Abwicklung und Lieferung von Bestellungen und die Kommunikation dazu.',
      en: 'Accepting, fulfilling and delivering orders, and communication about them.',
    },
    legalBasis: 'contract',
    art9Basis: null,
    channels: ['none', 'email', 'phone', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P6Y',
      rule: {
        de: 'Handels- und Geschäftsbriefe (z. B. Auftragsbestätigungen) 6 Jahre ab Ende des Kalenderjahres (§ 257 HGB, § 147 AO).',
        en: 'Commercial letters (e.g. order confirmations) 6 years from the end of the calendar year (§ 257 HGB, § 147 AO).',
      },
    },
    consentValidity: null,
    // Art. 6(1)(b): what fulfilling, delivering and invoicing an order needs (incl. bank data for a
    // direct debit); not interests or behaviour.
    scope: {
      roles: ['sales', 'service', 'accounting', 'logistics', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'address', 'bank', 'organisation', 'purchases', 'billing'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:CustomerOrderManagement',
    dpvLegalBasis: 'eu-gdpr:A6-1-b',
  },
  {
    key: 'invoicing_retention',
    name: { de: 'Rechnungsstellung und Aufbewahrung', en: 'Invoicing and retention' },
    description: {
      de: 'Rechnungen stellen und Buchungsbelege nach Handels- und Steuerrecht aufbewahren.',
      en: 'Issuing invoices and keeping accounting vouchers as commercial and tax law require.',
    },
    legalBasis: 'legal_obligation',
    art9Basis: null,
    channels: ['none', 'email', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P8Y',
      // BEG IV cut vouchers from 10 to 8 years for periods still running on 2025-01-01.
      rule: {
        de: 'Buchungsbelege einschließlich Rechnungen 8 Jahre ab Ende des Kalenderjahres der Entstehung (§ 257 Abs. 4 HGB, § 147 Abs. 3 AO i. d. F. des BEG IV); Bücher und Jahresabschlüsse 10 Jahre.',
        en: 'Accounting vouchers including invoices 8 years from the end of the calendar year they were created (§ 257(4) HGB, § 147(3) AO as amended by BEG IV); books and annual accounts 10 years.',
      },
    },
    consentValidity: null,
    // § 147 AO, § 257 HGB keep vouchers, not people: only subjects with an invoice, only the invoices
    // and the billing identity on them (name, address, bank, organisation) — not phone, interests or
    // notes. Art. 18(2): a restricted subject's invoices stay available to the tax audit (an important
    // public interest of a Member State).
    scope: {
      roles: ['accounting', 'dpo'],
      subjectKinds: [],
      requiresRecord: 'invoice',
      fieldCategories: ['identity', 'address', 'bank', 'organisation', 'billing'],
      restrictionException: 'important_public_interest',
    },
    dpvPurpose: 'dpv:LegalCompliance',
    dpvLegalBasis: 'eu-gdpr:A6-1-c',
  },
  {
    key: 'customer_service',
    name: { de: 'Kundenservice', en: 'Customer service' },
    description: {
      de: 'Anfragen, Reklamationen und Service-Tickets zu Verträgen und Bestellungen bearbeiten.',
      en: 'Handling enquiries, complaints and service tickets about contracts and orders.',
    },
    legalBasis: 'contract',
    art9Basis: null,
    channels: ['none', 'email', 'phone', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: '3 Jahre nach Abschluss des Vorgangs (Verjährung, § 195 BGB).',
        en: '3 years after the case is closed (limitation period, § 195 BGB).',
      },
    },
    consentValidity: null,
    scope: {
      roles: ['service', 'sales', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: [
        'identity',
        'contact',
        'address',
        'notes',
        'socio_demographic',
        'behavioural',
        'organisation',
        'purchases',
        'billing',
      ],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:CustomerCare',
    dpvLegalBasis: 'eu-gdpr:A6-1-b',
  },
  {
    key: 'profiling_offers',
    name: { de: 'Profilbildung für persönliche Angebote', en: 'Profiling for personalised offers' },
    description: {
      de: 'Auswertung von Käufen und Interessen, um passende Angebote zu machen.',
      en: 'Analysing purchases and interests to make offers that fit.',
    },
    legalBasis: 'consent',
    art9Basis: null,
    channels: ['none'],
    doubleOptIn: false,
    profiling: true,
    // Art. 21(2): profiling related to direct marketing is direct marketing.
    directMarketing: true,
    existingCustomers: false,
    retention: {
      period: null,
      rule: {
        de: 'Bis zum Widerruf; das Profil wird dann gelöscht.',
        en: 'Until withdrawn; the profile is deleted then.',
      },
    },
    consentValidity: null,
    // Profiling works on pseudonymous data: no identifier of any kind.
    scope: {
      roles: ['marketing', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['socio_demographic', 'behavioural', 'psychographic', 'derived', 'purchases'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:PersonalisedAdvertising',
    dpvLegalBasis: 'eu-gdpr:A6-1-a',
  },
  {
    key: 'web_tracking',
    name: { de: 'Web-Tracking', en: 'Web tracking' },
    description: {
      de: 'Auswertung des Verhaltens auf unserer Website mit Cookies oder ähnlichen Techniken.',
      en: 'Analysing behaviour on our website with cookies or similar techniques.',
    },
    // § 25 TDDDG: storing or reading information on the device needs consent.
    legalBasis: 'consent',
    art9Basis: null,
    channels: ['web'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P13M',
      rule: {
        de: 'Nutzungsdaten 13 Monate; danach gelöscht.',
        en: 'Usage data 13 months; deleted afterwards.',
      },
    },
    // Product default, not a statutory period: the banner asks again after a year.
    consentValidity: 'P12M',
    // § 25 TDDDG consent covers the visit data only.
    scope: {
      roles: ['marketing', 'product', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['behavioural'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:ServiceUsageAnalytics',
    dpvLegalBasis: 'eu-gdpr:A6-1-a',
  },
  {
    key: 'fraud_prevention',
    name: { de: 'Betrugsprävention', en: 'Fraud prevention' },
    description: {
      de: 'Erkennen und Verhindern von Betrug bei Bestellungen und Zahlungen.',
      en: 'Detecting and preventing fraud in orders and payments.',
    },
    // Recital 47: preventing fraud is a legitimate interest; Art. 21(1) objection possible.
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    channels: ['none'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P1Y',
      rule: {
        de: '1 Jahr nach der letzten Bestellung, länger nur bei einem Betrugsverdacht.',
        en: '1 year after the last order; longer only where fraud is suspected.',
      },
    },
    consentValidity: null,
    scope: {
      roles: ['accounting', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'address', 'bank', 'behavioural', 'purchases', 'billing'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:FraudPreventionAndDetection',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'contact_management',
    name: { de: 'Kontaktpflege', en: 'Contact management' },
    description: {
      de: 'Kontaktdaten führen und nachschlagen, um die Geschäftsbeziehung zu pflegen (die tägliche Arbeit im CRM).',
      en: 'Keeping and looking up contact records to maintain the business relationship (everyday CRM work).',
    },
    // Art. 6(1)(f): maintaining a business relationship is a legitimate interest; an objection
    // (Art. 21(1)) ends it for this purpose, while contract and legal-obligation purposes go on.
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    channels: ['none'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P2Y',
      rule: {
        de: '2 Jahre nach dem letzten Kontakt (Löschkonzept: Leads ohne Interaktion).',
        en: '2 years after the last interaction (deletion concept: leads without interaction).',
      },
    },
    consentValidity: null,
    // The everyday CRM read of every department: the role decides the fields within it (only
    // accounting and the DPO hold bank data).
    scope: {
      roles: ['marketing', 'sales', 'service', 'accounting', 'logistics', 'product', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: [...FIELD_CATEGORIES],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:CustomerRelationshipManagement',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'legal_claims',
    name: { de: 'Geltendmachung und Abwehr von Rechtsansprüchen', en: 'Legal claims' },
    description: {
      de: 'Durchsetzung offener Forderungen und Verteidigung gegen Ansprüche, etwa bei einer unbezahlten Rechnung oder einem Streitfall.',
      en: 'Enforcing open claims and defending against claims, for example an unpaid invoice or a dispute.',
    },
    // Art. 6(1)(f) with Art. 17(3)(e): what a claim needs is kept and used for it despite an erasure
    // request; Art. 21(1) names legal claims among the grounds that outweigh an objection.
    legalBasis: 'legitimate_interest',
    art9Basis: null,
    channels: ['none', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: 'Bis der Anspruch erledigt ist, danach bis zum Ende der Verjährung (3 Jahre zum Jahresende, §§ 195, 199 BGB).',
        en: 'Until the claim is settled, then until it is time-barred (3 years to the end of the year, §§ 195, 199 BGB).',
      },
    },
    consentValidity: null,
    // Art. 18(2): legal claims are a ground to process restricted data beyond storage.
    scope: {
      roles: ['accounting', 'dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: [
        'identity',
        'contact',
        'address',
        'bank',
        'organisation',
        'purchases',
        'billing',
        'notes',
      ],
      restrictionException: 'legal_claims',
    },
    dpvPurpose: 'dpv:DisputeManagement',
    dpvLegalBasis: 'eu-gdpr:A6-1-f',
  },
  {
    key: 'breach_notification',
    name: {
      de: 'Benachrichtigung bei Datenschutzverletzungen',
      en: 'Notification of personal data breaches',
    },
    description: {
      de: 'Benachrichtigung der betroffenen Personen über eine Verletzung des Schutzes ihrer Daten mit voraussichtlich hohem Risiko (Art. 34 DSGVO).',
      en: 'Telling the people concerned about a breach of their personal data that is likely to result in a high risk (Art. 34 GDPR).',
    },
    // Art. 6(1)(c) with Art. 34(1): the controller must tell the people; the address is read for
    // that letter only, and every read is audited under this purpose.
    legalBasis: 'legal_obligation',
    art9Basis: null,
    channels: ['email', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: 'Die Dokumentation der Verletzung (Art. 33 Abs. 5 DSGVO) bis zum Ende der Verjährung (3 Jahre zum Jahresende, §§ 195, 199 BGB).',
        en: 'The documentation of the breach (Art. 33(5) GDPR) until claims are time-barred (3 years to the end of the year, §§ 195, 199 BGB).',
      },
    },
    consentValidity: null,
    // Only who the person is and how to reach them: the letter needs nothing else.
    scope: {
      roles: ['dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: ['identity', 'contact', 'address'],
      restrictionException: null,
    },
    dpvPurpose: 'dpv:LegalCompliance',
    dpvLegalBasis: 'eu-gdpr:A6-1-c',
  },
  {
    key: 'dsr_fulfilment',
    name: {
      de: 'Beantwortung von Anfragen betroffener Personen',
      en: 'Answering data subject requests',
    },
    description: {
      de: 'Auskunft, Kopie, Berichtigung, Löschung, Einschränkung und Widerspruch auf Antrag der Person (Art. 12–22 DSGVO).',
      en: 'Access, copy, rectification, erasure, restriction and objection at the request of the person (Art. 12–22 GDPR).',
    },
    // Art. 6(1)(c) with Art. 12(3) and Art. 15: the controller must answer; every read for an
    // answer (the access report) is audited under this purpose.
    legalBasis: 'legal_obligation',
    art9Basis: null,
    channels: ['none', 'email', 'post'],
    doubleOptIn: false,
    profiling: false,
    directMarketing: false,
    existingCustomers: false,
    retention: {
      period: 'P3Y',
      rule: {
        de: 'Der Nachweis der Antwort bis zum Ende der Verjährung (3 Jahre zum Jahresende, §§ 195, 199 BGB).',
        en: 'The proof of the answer until claims are time-barred (3 years to the end of the year, §§ 195, 199 BGB).',
      },
    },
    consentValidity: null,
    // The access report holds everything (Art. 15(1)): every field category; the DPO answers.
    // Art. 18(2) restricts use, not the person's own rights: a restricted person keeps the right of
    // access (Art. 15), so the answer reaches restricted data (audited with the ground).
    scope: {
      roles: ['dpo'],
      subjectKinds: [],
      requiresRecord: null,
      fieldCategories: [...FIELD_CATEGORIES],
      restrictionException: 'data_subject_rights',
    },
    dpvPurpose: 'dpv:LegalCompliance',
    dpvLegalBasis: 'eu-gdpr:A6-1-c',
  },
]
