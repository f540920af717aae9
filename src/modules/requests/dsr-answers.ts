import type { DsrKind } from '../../privacy/requests/dsr.ts'
import type { Lang } from '../forms/client-info.ts'

type Texts = { de: string; en: string }

/**
 * The answers Tresor generates for the kinds that change something (docs/adr/0021): rectification
 * (Art. 16 with the Art. 19 notification of recipients), erasure (Art. 17, what was kept and why),
 * restriction (Art. 18), objection on personal grounds (Art. 21(1), the DPO's decision) and human
 * review (Art. 22(3)). The answer is stored with the request as JSON and told to the person in
 * their language. Built from field names, recipients' names, the holds' laws and dates and the
 * DPO's own words — never from the person's values — so it stays readable as proof after an erasure.
 */
export const GENERATED_ANSWER_KINDS: readonly DsrKind[] = [
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'human_review',
]

/** How a recipient hears of the change (Art. 19): its webhook, or a letter the DPO sends (a task). */
export interface NotifiedRecipient {
  id: string
  name: string
  country: string
  how: 'webhook' | 'letter'
  event: 'subject.changed' | 'subject.erased' | 'subject.restricted'
  /** The changed fields of the categories the recipient receives (rectification); empty otherwise. */
  fields: string[]
  /** The letter task, when `how` is letter. */
  letterTaskId?: string | undefined
}

/** The generated answer of a request, as stored (`dsr_request.answer`) and shown. */
export interface GeneratedAnswer {
  format: 'tresor-dsr-answer/1'
  kind: DsrKind
  lang: Lang
  answeredAt: string
  /** What the person is told, in both languages (the portal and the mail use `lang`'s). */
  text: Texts
  /** Art. 19 sentence 2: the recipients told of the rectification, erasure or restriction. */
  recipients?: NotifiedRecipient[]
  /** Art. 16: the fields corrected (names only), and the reason. */
  rectification?: { fields: string[]; reason: string }
  /** Art. 17: the outcome and, per hold, what was kept, why and until when. */
  erasure?: {
    outcome: 'erased' | 'held'
    erasedIdentifiers: string[]
    erasedRecords: { kind: string; count: number }[]
    kept: {
      law: string
      reason: Texts
      categories: string[]
      records: { kind: string; count: number | null }[]
      until: string | null
      untilEvent: string | null
    }[]
  }
  /** Art. 18: the ground the restriction was set on. */
  restriction?: { ground: string }
  /** Art. 21(1): the DPO's decision on the objection to a purpose. */
  objection?: { purposeKey: string; decision: 'upheld' | 'rejected'; reasons: string | null }
  /** Art. 22(3): the outcome of the human review, the scores it concerned (their meaning, no values). */
  humanReview?: {
    outcome: 'confirmed' | 'changed'
    decision: string | null
    reasons: string
    scores: { kind: string; title: Texts; meaning: Texts; model: string }[]
  }
  /** Staff's note of what else was done (optional, no personal data). */
  note?: string | undefined
}

const COMPLAIN: Texts = {
  de: 'Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77 DSGVO) und gerichtlich vorgehen (Art. 79 DSGVO).',
  en: 'You may lodge a complaint with a data protection supervisory authority (Art. 77 GDPR) and seek a judicial remedy (Art. 79 GDPR).',
}

/** Art. 19 sentence 2: the recipients told, in words. */
export function recipientsText(recipients: readonly NotifiedRecipient[], lang: Lang): string {
  if (recipients.length === 0)
    return lang === 'de'
      ? 'Ihre Daten wurden an keinen Empfänger übermittelt, dem wir dies mitteilen müssten (Art. 19 DSGVO).'
      : 'Your data was not disclosed to any recipient we would have to tell of this (Art. 19 GDPR).'
  const names = recipients
    .map(
      (r) =>
        `${r.name} (${r.country}${r.how === 'letter' ? (lang === 'de' ? ', per Brief' : ', by letter') : ''})`,
    )
    .join(', ')
  return lang === 'de'
    ? `Wir haben die Empfänger, denen Ihre Daten offengelegt wurden, davon unterrichtet (Art. 19 DSGVO): ${names}.`
    : `We have told the recipients your data was disclosed to (Art. 19 GDPR): ${names}.`
}

const both = (f: (lang: Lang) => string): Texts => ({ de: f('de'), en: f('en') })

/** Art. 16: the correction applied. */
export function rectificationText(
  fields: readonly { field: string; label: Texts }[],
  recipients: readonly NotifiedRecipient[],
): Texts {
  return both((lang) =>
    [
      lang === 'de'
        ? `Wir haben Ihre Daten wie gewünscht berichtigt (Art. 16 DSGVO): ${fields.map((f) => f.label.de).join(', ')}.`
        : `We have rectified your data as you asked (Art. 16 GDPR): ${fields.map((f) => f.label.en).join(', ')}.`,
      recipientsText(recipients, lang),
    ].join('\n'),
  )
}

/** Art. 17: the erasure's own answer (what was kept, why, until when), with the recipients told. */
export function erasureText(answerText: Texts, recipients: readonly NotifiedRecipient[]): Texts {
  return both((lang) => [answerText[lang], recipientsText(recipients, lang)].join('\n'))
}

const RESTRICTION_GROUND_TEXT: Record<string, Texts> = {
  'accuracy-contested': {
    de: 'solange wir die Richtigkeit Ihrer Daten prüfen (Art. 18 Abs. 1 lit. a DSGVO)',
    en: 'while we verify the accuracy of your data (Art. 18(1)(a) GDPR)',
  },
  'unlawful-processing': {
    de: 'weil Sie statt der Löschung die Einschränkung verlangt haben (Art. 18 Abs. 1 lit. b DSGVO)',
    en: 'because you asked for restriction instead of erasure (Art. 18(1)(b) GDPR)',
  },
  'legal-claims': {
    de: 'weil Sie die Daten zur Geltendmachung von Rechtsansprüchen benötigen (Art. 18 Abs. 1 lit. c DSGVO)',
    en: 'because you need the data for legal claims (Art. 18(1)(c) GDPR)',
  },
  'objection-pending': {
    de: 'solange wir Ihren Widerspruch prüfen (Art. 18 Abs. 1 lit. d DSGVO)',
    en: 'while we assess your objection (Art. 18(1)(d) GDPR)',
  },
}

/** Art. 18: the restriction applied, and the promise of Art. 18(3). */
export function restrictionText(ground: string, recipients: readonly NotifiedRecipient[]): Texts {
  return both((lang) =>
    [
      lang === 'de'
        ? `Wir haben die Verarbeitung Ihrer Daten eingeschränkt, ${RESTRICTION_GROUND_TEXT[ground]?.de ?? ground}: Wir speichern sie nur noch und verwenden sie nur mit Ihrer Einwilligung, für Rechtsansprüche, zum Schutz der Rechte anderer oder aus wichtigem öffentlichen Interesse (Art. 18 Abs. 2 DSGVO). Bevor wir die Einschränkung aufheben, teilen wir Ihnen dies mit (Art. 18 Abs. 3 DSGVO).`
        : `We have restricted the processing of your data, ${RESTRICTION_GROUND_TEXT[ground]?.en ?? ground}: we only store it, and use it only with your consent, for legal claims, to protect the rights of others or for an important public interest (Art. 18(2) GDPR). We will tell you before we lift the restriction (Art. 18(3) GDPR).`,
      recipientsText(recipients, lang),
    ].join('\n'),
  )
}

/** Art. 18(3): the notice before the restriction is lifted. */
export function liftNoticeText(): Texts {
  return {
    de: 'Wir werden die Einschränkung der Verarbeitung Ihrer Daten aufheben (Art. 18 Abs. 3 DSGVO). Danach verarbeiten wir Ihre Daten wieder für die Zwecke, über die wir Sie informiert haben. Wenn Sie damit nicht einverstanden sind, melden Sie sich bitte bei uns.',
    en: 'We are going to lift the restriction of the processing of your data (Art. 18(3) GDPR). Afterwards we process your data again for the purposes we told you of. If you disagree, please contact us.',
  }
}

/** Art. 21(1): the DPO's decision. */
export function objectionText(
  purpose: { key: string; name: Texts },
  decision: 'upheld' | 'rejected',
  reasons: string | null,
): Texts {
  return both((lang) =>
    decision === 'upheld'
      ? lang === 'de'
        ? `Ihrem Widerspruch gegen die Verarbeitung für „${purpose.name.de}“ haben wir stattgegeben (Art. 21 Abs. 1 DSGVO): Wir verarbeiten Ihre Daten für diesen Zweck nicht mehr.`
        : `We have upheld your objection to the processing for "${purpose.name.en}" (Art. 21(1) GDPR): we no longer process your data for that purpose.`
      : [
          lang === 'de'
            ? `Ihrem Widerspruch gegen die Verarbeitung für „${purpose.name.de}“ können wir nicht stattgeben: Wir haben zwingende schutzwürdige Gründe für die Verarbeitung, die Ihre Interessen, Rechte und Freiheiten überwiegen (Art. 21 Abs. 1 Satz 2 DSGVO). Unsere Gründe: ${reasons ?? ''}`
            : `We cannot uphold your objection to the processing for "${purpose.name.en}": we have compelling legitimate grounds for the processing which override your interests, rights and freedoms (Art. 21(1) sentence 2 GDPR). Our reasons: ${reasons ?? ''}`,
          COMPLAIN[lang],
        ].join('\n'),
  )
}

/** Art. 22(3): the outcome of the human review. */
export function humanReviewText(
  outcome: 'confirmed' | 'changed',
  decision: string | null,
  reasons: string,
  scores: readonly { title: Texts }[],
): Texts {
  return both((lang) =>
    [
      outcome === 'confirmed'
        ? lang === 'de'
          ? `Eine Mitarbeiterin oder ein Mitarbeiter hat die Entscheidung, die auf einer automatisierten Bewertung beruhte, geprüft und bestätigt (Art. 22 Abs. 3 DSGVO). Begründung: ${reasons}`
          : `A member of our staff has reviewed the decision that rested on an automated assessment and confirmed it (Art. 22(3) GDPR). Reasons: ${reasons}`
        : lang === 'de'
          ? `Eine Mitarbeiterin oder ein Mitarbeiter hat die Entscheidung, die auf einer automatisierten Bewertung beruhte, geprüft und geändert (Art. 22 Abs. 3 DSGVO). Neue Entscheidung: ${decision ?? ''}. Begründung: ${reasons}`
          : `A member of our staff has reviewed the decision that rested on an automated assessment and changed it (Art. 22(3) GDPR). New decision: ${decision ?? ''}. Reasons: ${reasons}`,
      scores.length > 0
        ? lang === 'de'
          ? `Die Bewertung(en): ${scores.map((s) => s.title.de).join(', ')}. Wie sie berechnet werden und was sie bedeuten, steht in der Erläuterung; Ihre Werte nennt Ihnen eine Auskunft (Art. 15 DSGVO).`
          : `The assessment(s): ${scores.map((s) => s.title.en).join(', ')}. How they are computed and what they mean is in the explanation; an access request (Art. 15 GDPR) gives you your values.`
        : lang === 'de'
          ? 'Zu Ihnen ist derzeit keine automatisierte Bewertung gespeichert.'
          : 'No automated assessment of you is stored at present.',
      COMPLAIN[lang],
    ].join('\n'),
  )
}

/** The letter to a recipient without a webhook (Art. 19): what the DPO tells it. No values. */
export function letterMessage(
  event: NotifiedRecipient['event'],
  subjectId: string,
  requestId: string,
  fields: readonly string[],
): string {
  const who = `the data subject with Tresor id ${subjectId} (request dsr:${requestId})`
  switch (event) {
    case 'subject.changed':
      return `Art. 19 GDPR: tell the recipient that the data of ${who} disclosed to it was rectified (Art. 16): ${fields.join(', ')}. Send the corrected values from the subject's record; ask it to correct its copy.`
    case 'subject.erased':
      return `Art. 19 GDPR: tell the recipient that ${who} had their data erased (Art. 17); ask it to erase the data disclosed to it, unless a duty of its own requires it to keep it.`
    case 'subject.restricted':
      return `Art. 19 GDPR: tell the recipient that the processing of the data of ${who} is restricted (Art. 18); ask it to only store the data disclosed to it until told otherwise.`
  }
}
