import type { DsrStatus, RefusalGround } from '../../privacy/requests/dsr.ts'

type Texts = { de: string; en: string }

/** Where a request stands, in the person's words (the portal). */
export const STATUS_WORDS: Readonly<Record<DsrStatus, Texts>> = {
  received: { de: 'Eingegangen', en: 'Received' },
  identity_verified: { de: 'Eingegangen, Identität bestätigt', en: 'Received, identity confirmed' },
  in_progress: { de: 'In Bearbeitung', en: 'In progress' },
  extended: { de: 'Frist verlängert', en: 'Deadline extended' },
  answered: { de: 'Beantwortet', en: 'Answered' },
  refused: { de: 'Abgelehnt', en: 'Refused' },
}

/** Why a request was refused (Art. 12(5), 11(2), 15(4)), in the person's words. */
export const REFUSAL_WORDS: Readonly<Record<RefusalGround, Texts>> = {
  identity_not_verified: {
    de: 'Wir konnten Ihre Identität nicht feststellen (Art. 11 Abs. 2, Art. 12 Abs. 6 DSGVO).',
    en: 'We could not verify your identity (Art. 11(2), Art. 12(6) GDPR).',
  },
  manifestly_unfounded: {
    de: 'Die Anfrage ist offenkundig unbegründet (Art. 12 Abs. 5 DSGVO).',
    en: 'The request is manifestly unfounded (Art. 12(5) GDPR).',
  },
  excessive: {
    de: 'Die Anfrage ist exzessiv, insbesondere wegen häufiger Wiederholung (Art. 12 Abs. 5 DSGVO).',
    en: 'The request is excessive, in particular because of its repetitive character (Art. 12(5) GDPR).',
  },
  rights_of_others: {
    de: 'Die Rechte und Freiheiten anderer Personen stehen entgegen (Art. 15 Abs. 4 DSGVO).',
    en: 'The rights and freedoms of others stand against it (Art. 15(4) GDPR).',
  },
  other: { de: 'Aus dem folgenden Grund:', en: 'For the following reason:' },
}

/** The portal's words about answers, extensions and refusals. */
export const ANSWER_TEXTS = {
  de: {
    download: 'Ihre Antwort herunterladen',
    until: 'bis',
    extended: 'Die Frist wurde verlängert bis {due}. Grund:',
    refused: 'Abgelehnt.',
    complain:
      'Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77 DSGVO) und einen gerichtlichen Rechtsbehelf einlegen (Art. 79 DSGVO).',
    answered: 'Beantwortet am {date}.',
    zip: 'Kopie (ZIP: JSON, Excel, CSV)',
  },
  en: {
    download: 'Download your answer',
    until: 'until',
    extended: 'The deadline was extended to {due}. Reason:',
    refused: 'Refused.',
    complain:
      'You may lodge a complaint with a data protection supervisory authority (Art. 77 GDPR) and seek a judicial remedy (Art. 79 GDPR).',
    answered: 'Answered on {date}.',
    zip: 'Copy (ZIP: JSON, Excel, CSV)',
  },
} as const
