import type { Texts } from '../../privacy/purposes/purpose.ts'
import { DSR_KINDS, type DsrKind } from '../../privacy/requests/dsr.ts'

export type { DsrKind as RequestKind }
export { DSR_KINDS as REQUEST_KINDS }

/** The longest text a request may carry (what is wrong, the grounds). */
export const DETAILS_MAX_LENGTH = 2000

/**
 * What each kind of request is, in the words the portal and the staff API show: the article it
 * rests on, a name and a sentence, and whether it needs a text from the person. Reviewable data
 * (LEGAL.md, "Data subject rights"); product knowledge, not legal advice.
 */
export const REQUEST_KIND_INFO: Readonly<
  Record<
    DsrKind,
    { article: string; name: Texts; description: Texts; detailsRequired: boolean; detailsHint: Texts }
  >
> = {
  access: {
    article: 'Art. 15(1)-(2) GDPR',
    name: { de: 'Auskunft', en: 'Access' },
    description: {
      de: 'Welche Daten wir über Sie haben, wofür und auf welcher Rechtsgrundlage, woher sie stammen, an wen sie gehen und wie lange wir sie aufbewahren.',
      en: 'Which data we hold about you, for what and on which legal basis, where it comes from, who receives it and how long we keep it.',
    },
    detailsRequired: false,
    detailsHint: {
      de: 'Worauf sich Ihre Frage bezieht (freiwillig).',
      en: 'What your question is about (optional).',
    },
  },
  copy: {
    // Art. 15(3) (a copy of all data) and Art. 20 (portability: the data the person provided, in a
    // structured, commonly used, machine-readable format) are answered together by one export.
    article: 'Art. 15(3), Art. 20 GDPR',
    name: { de: 'Kopie Ihrer Daten', en: 'A copy of your data' },
    description: {
      de: 'Eine Kopie Ihrer Daten in einem gängigen, maschinenlesbaren Format, die Sie auch zu einem anderen Anbieter mitnehmen können (Datenübertragbarkeit).',
      en: 'A copy of your data in a common, machine-readable format that you can also take to another provider (data portability).',
    },
    detailsRequired: false,
    detailsHint: {
      de: 'Z. B. ob wir die Daten direkt an einen anderen Anbieter übermitteln sollen (freiwillig).',
      en: 'E.g. whether we should send the data straight to another provider (optional).',
    },
  },
  rectification: {
    article: 'Art. 16 GDPR',
    name: { de: 'Berichtigung', en: 'Rectification' },
    description: {
      de: 'Falsche Angaben berichtigen oder unvollständige ergänzen.',
      en: 'Correct wrong data or complete incomplete data.',
    },
    detailsRequired: true,
    detailsHint: { de: 'Was ist falsch, und wie ist es richtig?', en: 'What is wrong, and what is right?' },
  },
  erasure: {
    article: 'Art. 17 GDPR',
    name: { de: 'Löschung', en: 'Erasure' },
    description: {
      // True since issue #13 (src/privacy/holds): an erasure keeps only what a legal hold needs,
      // restricted, and the daily sweep erases it when the hold ends; the answer says what and why.
      de: 'Ihre Daten löschen. Was wir gesetzlich aufbewahren müssen (z. B. Rechnungen mit Name und Anschrift, den Nachweis einer Einwilligung in Werbeanrufe), sperren wir bis zum Ende der Frist und löschen es dann. Wir sagen Ihnen, was wir aufbewahren, warum und bis wann.',
      en: 'Erase your data. What the law obliges us to keep (e.g. invoices with your name and address, the proof of a consent to advertising calls) is blocked until the period ends, then erased. We tell you what we keep, why and until when.',
    },
    detailsRequired: false,
    detailsHint: { de: 'Anmerkungen (freiwillig).', en: 'Remarks (optional).' },
  },
  restriction: {
    article: 'Art. 18 GDPR',
    name: { de: 'Einschränkung der Verarbeitung', en: 'Restriction of processing' },
    description: {
      de: 'Ihre Daten nur noch speichern, z. B. solange die Richtigkeit geklärt wird.',
      en: 'Only store your data, e.g. while its accuracy is being checked.',
    },
    detailsRequired: false,
    detailsHint: { de: 'Warum (freiwillig).', en: 'Why (optional).' },
  },
  objection: {
    article: 'Art. 21(1) GDPR',
    name: { de: 'Widerspruch aus persönlichen Gründen', en: 'Objection on personal grounds' },
    description: {
      de: 'Widerspruch gegen eine Verarbeitung auf Grundlage berechtigter Interessen aus Gründen, die sich aus Ihrer besonderen Situation ergeben. Werbung widersprechen Sie oben direkt, ohne Gründe.',
      en: 'Objection to processing based on legitimate interests, on grounds relating to your particular situation. You object to advertising directly above, without giving reasons.',
    },
    detailsRequired: false,
    detailsHint: {
      de: 'Welche Verarbeitung, und Ihre Gründe (empfohlen).',
      en: 'Which processing, and your grounds (recommended).',
    },
  },
  human_review: {
    article: 'Art. 22(3) GDPR',
    name: { de: 'Überprüfung durch einen Menschen', en: 'Review by a human' },
    description: {
      de: 'Wurde eine Entscheidung über Sie auf Grundlage eines Scores (z. B. Kundenwert, Abwanderungsrisiko) getroffen, prüft ein Mensch sie auf Ihren Wunsch: Sie können Ihren Standpunkt darlegen und die Entscheidung anfechten.',
      en: 'If a decision about you rested on a score (such as customer value or churn risk), a human reviews it at your request: you can state your point of view and contest the decision.',
    },
    detailsRequired: true,
    detailsHint: {
      de: 'Welche Entscheidung, und Ihr Standpunkt.',
      en: 'Which decision, and your point of view.',
    },
  },
}

/** The articles in German citation (DSGVO, "Abs."), for pages in German. */
const ARTICLE_DE: Readonly<Record<DsrKind, string>> = {
  access: 'Art. 15 Abs. 1–2 DSGVO',
  copy: 'Art. 15 Abs. 3, Art. 20 DSGVO',
  rectification: 'Art. 16 DSGVO',
  erasure: 'Art. 17 DSGVO',
  restriction: 'Art. 18 DSGVO',
  objection: 'Art. 21 Abs. 1 DSGVO',
  human_review: 'Art. 22 Abs. 3 DSGVO',
}

/** The article a kind of request rests on, cited as a reader of `lang` expects (GDPR / DSGVO). */
export function requestKindArticle(kind: DsrKind, lang: 'de' | 'en'): string {
  return lang === 'de' ? ARTICLE_DE[kind] : REQUEST_KIND_INFO[kind].article
}
