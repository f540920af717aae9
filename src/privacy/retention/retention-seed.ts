import type { LegalMinimum, RetentionRuleDefinition } from './retention-rule.ts'

/**
 * The deletion concept a fresh installation starts with: LEGAL.md ("Retention duties that block
 * erasure", "Deletion concept", "Limitation of claims") as reviewable data. Inserted at start-up
 * when missing, never overwriting what the DPO changed; the legal minimums and transitions follow
 * this file (they are the law's, not the DPO's). Product knowledge, not legal advice.
 */

// § 147(3) AO, § 257(4) HGB as amended by BEG IV (Bürokratieentlastungsgesetz IV, from 2025-01-01).
const VOUCHERS: LegalMinimum = { period: 'P8Y', law: '§ 147(3) AO, § 257(4) HGB' }
// § 257(1) No. 1, (4) HGB; § 147(1) No. 1, (3) AO.
const BOOKS: LegalMinimum = { period: 'P10Y', law: '§ 257(1) No. 1, (4) HGB, § 147(1) No. 1, (3) AO' }
// § 257(1) Nos. 2-3, (4) HGB; § 147(1) Nos. 2-3, (3) AO.
const LETTERS: LegalMinimum = { period: 'P6Y', law: '§ 257(1) Nos. 2-3, (4) HGB, § 147(1) Nos. 2-3, (3) AO' }
// § 7a UWG (since 2021-10-01).
const PHONE_CONSENT: LegalMinimum = { period: 'P5Y', law: '§ 7a UWG' }

const none = { purposeKey: null, subjectKind: null, condition: null } as const

export const RETENTION_SEED: readonly RetentionRuleDefinition[] = [
  {
    key: 'accounting_vouchers',
    name: { de: 'Buchungsbelege (Rechnungen)', en: 'Accounting vouchers (invoices)' },
    covers: { recordKind: 'invoice', ...none },
    period: 'P8Y',
    startEvent: 'end_of_year_of_creation',
    legalMinimum: VOUCHERS,
    transition: {
      previousPeriod: 'P10Y',
      cutover: '2025-01-01',
      rule: {
        de: 'Bis 2024 galten 10 Jahre. Die 8 Jahre gelten für alle Belege, deren 10-jährige Frist am 1. Januar 2025 noch nicht abgelaufen war (Art. 97 § 19a EGAO, Art. 88 EGHGB); Belege, deren Frist vorher abgelaufen war, waren nach altem Recht fällig.',
        en: 'Until 2024 the period was 10 years. The 8 years apply to every voucher whose 10-year period had not run out on 1 January 2025 (Art. 97 § 19a EGAO, Art. 88 EGHGB); vouchers whose period had run out before were due under the previous law.',
      },
    },
    rule: {
      de: 'Rechnungen und andere Buchungsbelege werden 8 Jahre aufbewahrt, gerechnet ab dem Ende des Kalenderjahres, in dem sie ausgestellt wurden (§ 147 Abs. 3 AO, § 257 Abs. 4 HGB in der Fassung des BEG IV), und danach gelöscht.',
      en: 'Invoices and other accounting vouchers are kept 8 years from the end of the calendar year they were issued in (§ 147(3) AO, § 257(4) HGB as amended by BEG IV), then deleted.',
    },
  },
  {
    key: 'books_and_statements',
    name: {
      de: 'Handelsbücher, Inventare, Jahresabschlüsse, Lageberichte',
      en: 'Books, inventories, annual financial statements, management reports',
    },
    // Tresor keeps no books: the rule stands in the deletion concept for the accounting system
    // that does, so the document the auditor reads is complete.
    covers: { recordKind: null, ...none },
    period: 'P10Y',
    startEvent: 'end_of_year_of_last_entry',
    legalMinimum: BOOKS,
    transition: null,
    rule: {
      de: 'Handelsbücher, Inventare, Jahresabschlüsse und Lageberichte werden 10 Jahre aufbewahrt, gerechnet ab dem Ende des Kalenderjahres der letzten Eintragung (§ 257 Abs. 1 Nr. 1, Abs. 4 HGB, § 147 Abs. 1 Nr. 1, Abs. 3 AO). Tresor führt keine Bücher; sie liegen in der Buchhaltung.',
      en: 'Books, inventories, annual financial statements and management reports are kept 10 years from the end of the calendar year of the last entry (§ 257(1) No. 1, (4) HGB, § 147(1) No. 1, (3) AO). Tresor keeps no books; they are in the accounting system.',
    },
  },
  {
    key: 'commercial_letters_orders',
    name: {
      de: 'Handelsbriefe: Bestellungen und Auftragsbestätigungen',
      en: 'Commercial letters: orders and order confirmations',
    },
    covers: { recordKind: 'customer_order', ...none },
    period: 'P6Y',
    startEvent: 'end_of_year_of_creation',
    legalMinimum: LETTERS,
    transition: null,
    rule: {
      de: 'Bestellungen und Auftragsbestätigungen sind Handelsbriefe und werden 6 Jahre aufbewahrt, gerechnet ab dem Ende des Kalenderjahres der Bestellung (§ 257 Abs. 1 Nr. 2-3, Abs. 4 HGB, § 147 Abs. 1 Nr. 2-3, Abs. 3 AO).',
      en: 'Orders and order confirmations are commercial letters, kept 6 years from the end of the calendar year of the order (§ 257(1) Nos. 2-3, (4) HGB, § 147(1) Nos. 2-3, (3) AO).',
    },
  },
  {
    key: 'commercial_letters_won_deals',
    name: {
      de: 'Handelsbriefe: Angebote, die zum Abschluss führten',
      en: 'Commercial letters: offers that led to a deal',
    },
    covers: { recordKind: 'deal', purposeKey: null, subjectKind: null, condition: 'deal_won' },
    period: 'P6Y',
    startEvent: 'end_of_year_of_closure',
    legalMinimum: LETTERS,
    transition: null,
    rule: {
      de: 'Gewonnene Verkaufschancen (das Angebot, das zum Geschäft führte) werden als Handelsbriefe 6 Jahre aufbewahrt, gerechnet ab dem Ende des Kalenderjahres des Abschlusses (§ 257 Abs. 1 Nr. 2-3, Abs. 4 HGB, § 147 Abs. 1 Nr. 2-3, Abs. 3 AO).',
      en: 'Won deals (the offer that led to the business) are kept as commercial letters for 6 years from the end of the calendar year they were won in (§ 257(1) Nos. 2-3, (4) HGB, § 147(1) Nos. 2-3, (3) AO).',
    },
  },
  {
    key: 'phone_consent_proof',
    name: { de: 'Nachweis der Einwilligung in Telefonwerbung', en: 'Proof of consent to phone advertising' },
    covers: {
      recordKind: 'consent_event',
      purposeKey: null,
      subjectKind: null,
      condition: 'consent_channel_phone',
    },
    period: 'P5Y',
    startEvent: 'grant_and_each_use',
    legalMinimum: PHONE_CONSENT,
    transition: null,
    rule: {
      de: 'Der Nachweis einer Einwilligung in Telefonwerbung wird 5 Jahre ab ihrer Erteilung und ab jeder Verwendung aufbewahrt (§ 7a UWG); die spätere Frist entscheidet.',
      en: 'The proof of a consent to phone advertising is kept 5 years from when it was given and from each use (§ 7a UWG); the later one decides.',
    },
  },
  {
    key: 'leads_without_interaction',
    name: { de: 'Interessenten ohne Kontakt', en: 'Leads with no interaction' },
    covers: { recordKind: 'subject', purposeKey: null, subjectKind: 'lead', condition: null },
    period: 'P2Y',
    startEvent: 'last_interaction',
    legalMinimum: null,
    transition: null,
    rule: {
      de: 'Interessenten, mit denen es 2 Jahre lang keinen Kontakt gab, werden gelöscht (Speicherbegrenzung, Art. 5 Abs. 1 lit. e DSGVO). Die Frist ist eine Vorgabe des Produkts, keine gesetzliche.',
      en: 'Leads with no interaction for 2 years are erased (storage limitation, Art. 5(1)(e) GDPR). The period is a product default, not a statutory one.',
    },
  },
  {
    key: 'rejected_applicants',
    name: { de: 'Abgelehnte Bewerberinnen und Bewerber', en: 'Rejected applicants' },
    covers: {
      recordKind: 'subject',
      purposeKey: null,
      subjectKind: 'applicant',
      condition: 'application_rejected',
    },
    period: 'P6M',
    startEvent: 'decision',
    legalMinimum: null,
    transition: null,
    rule: {
      de: 'Daten abgelehnter Bewerberinnen und Bewerber werden 6 Monate nach der Absage gelöscht: so lange, wie Ansprüche nach dem AGG geltend gemacht werden können (§ 15 Abs. 4 AGG: 2 Monate, § 61b ArbGG: Klage binnen 3 Monaten); danach Speicherbegrenzung (Art. 5 Abs. 1 lit. e DSGVO).',
      en: "Rejected applicants' data is erased 6 months after the rejection: as long as claims under the AGG can be raised (§ 15(4) AGG: 2 months, § 61b ArbGG: suit within 3 months); after that, storage limitation (Art. 5(1)(e) GDPR).",
    },
  },
  {
    key: 'unconfirmed_double_opt_in',
    name: { de: 'Unbestätigte Double-Opt-in-Anfragen', en: 'Unconfirmed double opt-in requests' },
    covers: { recordKind: 'doi_request', purposeKey: null, subjectKind: null, condition: 'doi_unconfirmed' },
    period: 'P30D',
    startEvent: 'creation',
    legalMinimum: null,
    transition: null,
    rule: {
      de: 'Nie bestätigte Double-Opt-in-Anfragen werden 30 Tage nach der Anfrage gelöscht; der Nachweis, dass angefragt wurde, bleibt bei den Einwilligungsereignissen. Die 30 Tage sind eine Vorgabe des Produkts, keine gesetzliche Frist (Speicherbegrenzung, Art. 5 Abs. 1 lit. e DSGVO).',
      en: 'Double opt-in requests never confirmed are deleted 30 days after the request; the proof that it was asked stays with the consent events. The 30 days are a product default, not a statutory period (storage limitation, Art. 5(1)(e) GDPR).',
    },
  },
  {
    key: 'web_tracking_touchpoints',
    name: { de: 'Kontaktpunkte aus Web-Tracking', en: 'Touchpoints from web tracking' },
    covers: { recordKind: 'touchpoint', purposeKey: 'web_tracking', subjectKind: null, condition: null },
    period: 'P13M',
    startEvent: 'creation',
    legalMinimum: null,
    transition: null,
    rule: {
      de: 'Nutzungsdaten, die mit Einwilligung in Web-Tracking erhoben wurden (§ 25 TDDDG), werden 13 Monate nach dem Ereignis gelöscht, wie der Zweck Web-Tracking es vorsieht. Eine Vorgabe des Produkts, keine gesetzliche Frist.',
      en: 'Usage data collected under consent to web tracking (§ 25 TDDDG) is deleted 13 months after the event, as the web tracking purpose says. A product default, not a statutory period.',
    },
  },
  {
    key: 'closed_data_subject_requests',
    name: { de: 'Abgeschlossene Anfragen betroffener Personen', en: 'Closed data subject requests' },
    covers: { recordKind: 'dsr_request', purposeKey: null, subjectKind: null, condition: 'request_closed' },
    period: 'P3Y',
    startEvent: 'end_of_year_of_closure',
    // The limitation period is a reason to keep the proof, not a duty to: the controller may choose.
    legalMinimum: null,
    transition: null,
    rule: {
      de: 'Abgeschlossene Anfragen werden als Nachweis der Beantwortung (Art. 5 Abs. 2, Art. 12 DSGVO) bis zum Ablauf der regelmäßigen Verjährung aufbewahrt: 3 Jahre ab dem Ende des Kalenderjahres des Abschlusses (§§ 195, 199 BGB).',
      en: 'Closed requests are kept as proof of having answered (Art. 5(2), Art. 12 GDPR) until the regular limitation period has run: 3 years from the end of the calendar year they were closed in (§§ 195, 199 BGB).',
    },
  },
]
