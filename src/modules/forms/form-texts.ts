import type { LegalBasis } from '../../privacy/purposes/purpose.ts'
import type { Lang } from './client-info.ts'

/** The words of the public pages and the confirmation mail, German and English. */
export const PAGE_TEXTS = {
  de: {
    required: 'Pflichtfeld',
    optionalConsents: 'Einwilligungen (freiwillig; jede einzeln, ohne sie nehmen Sie genauso teil)',
    consentsOnly: 'Einwilligung',
    submit: 'Absenden',
    honeypot: 'Dieses Feld bitte leer lassen',
    textVersion: 'Textversion',
    notice: 'Datenschutzhinweise (Art. 13 DSGVO)',
    otherLanguage: 'English',
    thanksTitle: 'Vielen Dank',
    thanks: 'Ihre Angaben sind bei uns eingegangen.',
    thanksConfirm:
      'Bitte bestätigen Sie Ihre Anmeldung: Wir haben Ihnen dazu eine E-Mail mit einem Bestätigungslink geschickt. Erst nach Ihrer Bestätigung senden wir Ihnen weitere E-Mails. Kommt keine E-Mail an, sehen Sie bitte im Spam-Ordner nach.',
    errorTitle: 'Bitte prüfen Sie Ihre Angaben',
    notFoundTitle: 'Formular nicht gefunden',
    notFound: 'Dieses Formular gibt es nicht (mehr).',
    tooManyTitle: 'Zu viele Anfragen',
    tooMany:
      'Von Ihrer Adresse kamen gerade zu viele Anfragen. Bitte versuchen Sie es in einer Minute noch einmal.',
    failedTitle: 'Etwas ist schiefgegangen',
    failed: 'Ihre Anfrage konnte gerade nicht bearbeitet werden. Bitte versuchen Sie es später noch einmal.',
    confirmTitle: 'Anmeldung bestätigen',
    confirmAsk: 'Bitte bestätigen Sie mit einem Klick, dass Sie einwilligen in:',
    confirmButton: 'Ja, ich bestätige',
    confirmWhy:
      'Erst dieser Klick zählt: Mailprogramme und Virenscanner öffnen Links manchmal von selbst, und das soll nicht als Ihre Bestätigung gelten.',
    confirmedTitle: 'Anmeldung bestätigt',
    confirmed: 'Danke! Sie haben Ihre Einwilligung bestätigt für:',
    withdrawHint: 'Sie können sie jederzeit widerrufen, z. B. über den Abmeldelink in jeder E-Mail.',
    alreadyTitle: 'Bereits bestätigt',
    already: 'Dieser Link wurde schon verwendet; Ihre Anmeldung ist bestätigt. Es ist nichts weiter zu tun.',
    expiredTitle: 'Link abgelaufen',
    expired:
      'Dieser Bestätigungslink ist nicht mehr gültig (er gilt {hours} Stunden, und nur solange die Anmeldung nicht widerrufen wurde). Es wurde nichts bestätigt. Melden Sie sich bitte erneut an, wenn Sie möchten.',
    invalidTitle: 'Ungültiger Link',
    invalid:
      'Diesen Bestätigungslink kennen wir nicht. Bitte prüfen Sie, ob er vollständig aus der E-Mail übernommen wurde. Es wurde nichts bestätigt.',
  },
  en: {
    required: 'required',
    optionalConsents: 'Consents (optional; each on its own, you take part just the same without them)',
    consentsOnly: 'Consent',
    submit: 'Send',
    honeypot: 'Please leave this field empty',
    textVersion: 'Text version',
    notice: 'Privacy information (Art. 13 GDPR)',
    otherLanguage: 'Deutsch',
    thanksTitle: 'Thank you',
    thanks: 'We have received your details.',
    thanksConfirm:
      'Please confirm your sign-up: we have sent you an e-mail with a confirmation link. Only after you confirm will we send you further e-mails. If no e-mail arrives, please look in your spam folder.',
    errorTitle: 'Please check your details',
    notFoundTitle: 'Form not found',
    notFound: 'This form does not exist (any more).',
    tooManyTitle: 'Too many requests',
    tooMany: 'Too many requests came from your address just now. Please try again in a minute.',
    failedTitle: 'Something went wrong',
    failed: 'Your request could not be handled just now. Please try again later.',
    confirmTitle: 'Confirm your sign-up',
    confirmAsk: 'Please confirm with one click that you consent to:',
    confirmButton: 'Yes, I confirm',
    confirmWhy:
      'Only this click counts: mail programs and virus scanners sometimes open links by themselves, and that must not count as your confirmation.',
    confirmedTitle: 'Sign-up confirmed',
    confirmed: 'Thank you! You have confirmed your consent to:',
    withdrawHint: 'You can withdraw it at any time, e.g. through the unsubscribe link in every e-mail.',
    alreadyTitle: 'Already confirmed',
    already: 'This link has been used already; your sign-up is confirmed. There is nothing more to do.',
    expiredTitle: 'Link expired',
    expired:
      'This confirmation link is no longer valid (it is valid for {hours} hours, and only while the sign-up has not been withdrawn). Nothing was confirmed. Please sign up again if you wish.',
    invalidTitle: 'Invalid link',
    invalid:
      'We do not know this confirmation link. Please check that it was copied completely from the e-mail. Nothing was confirmed.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/** Art. 6(1) GDPR as the notice names it. */
export const LEGAL_BASIS_LABELS: Readonly<Record<LegalBasis, Record<Lang, string>>> = {
  consent: {
    de: 'Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO), jederzeit mit Wirkung für die Zukunft widerrufbar (Art. 7 Abs. 3 DSGVO)',
    en: 'your consent (Art. 6(1)(a) GDPR), which you can withdraw at any time with effect for the future (Art. 7(3) GDPR)',
  },
  contract: {
    de: 'Vertrag oder vorvertragliche Maßnahmen auf Ihre Anfrage (Art. 6 Abs. 1 lit. b DSGVO)',
    en: 'a contract or steps taken at your request before one (Art. 6(1)(b) GDPR)',
  },
  legal_obligation: {
    de: 'rechtliche Verpflichtung (Art. 6 Abs. 1 lit. c DSGVO)',
    en: 'a legal obligation (Art. 6(1)(c) GDPR)',
  },
  vital_interest: {
    de: 'lebenswichtige Interessen (Art. 6 Abs. 1 lit. d DSGVO)',
    en: 'vital interests (Art. 6(1)(d) GDPR)',
  },
  public_task: {
    de: 'Wahrnehmung einer Aufgabe im öffentlichen Interesse (Art. 6 Abs. 1 lit. e DSGVO)',
    en: 'a task in the public interest (Art. 6(1)(e) GDPR)',
  },
  legitimate_interest: {
    de: 'unser berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO), die Kundenbeziehung zu pflegen und Ihre Anfrage zu bearbeiten',
    en: 'our legitimate interest (Art. 6(1)(f) GDPR) in maintaining the customer relationship and handling your request',
  },
}

/** The notice's headings and the parts that are the same on every form. */
export const NOTICE_TEXTS = {
  de: {
    controller: 'Verantwortlicher',
    purposes: 'Zwecke, Rechtsgrundlagen und Speicherdauer',
    legalBasis: 'Rechtsgrundlage',
    retention: 'Speicherdauer',
    recipients: 'Empfänger',
    voluntary:
      'Die Angabe Ihrer Daten ist freiwillig. Ohne die Pflichtfelder können wir Ihre Anfrage nicht bearbeiten; die Einwilligungen sind keine Voraussetzung für die Teilnahme.',
    rights: 'Ihre Rechte',
    rightsText:
      'Sie haben das Recht auf Auskunft (Art. 15), Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung der Verarbeitung (Art. 18) und Datenübertragbarkeit (Art. 20 DSGVO) sowie das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren (Art. 77 DSGVO). Eine Einwilligung können Sie jederzeit mit Wirkung für die Zukunft widerrufen, ohne dass die Rechtmäßigkeit der bis dahin erfolgten Verarbeitung berührt wird (Art. 7 Abs. 3 DSGVO).',
    objection: 'Ihr Widerspruchsrecht (Art. 21 DSGVO)',
    objectionText:
      'Soweit wir Ihre Daten auf Grundlage berechtigter Interessen verarbeiten, können Sie aus Gründen, die sich aus Ihrer besonderen Situation ergeben, jederzeit widersprechen. Der Verwendung Ihrer Daten für Direktwerbung können Sie jederzeit ohne Angabe von Gründen widersprechen; wir verwenden sie dann nicht mehr für diesen Zweck.',
  },
  en: {
    controller: 'Controller',
    purposes: 'Purposes, legal bases and how long we keep your data',
    legalBasis: 'Legal basis',
    retention: 'Kept',
    recipients: 'Recipients',
    voluntary:
      'Giving your data is voluntary. Without the required fields we cannot handle your request; the consents are no condition for taking part.',
    rights: 'Your rights',
    rightsText:
      'You have the right of access (Art. 15), rectification (Art. 16), erasure (Art. 17), restriction of processing (Art. 18) and data portability (Art. 20 GDPR), and the right to lodge a complaint with a data protection supervisory authority (Art. 77 GDPR). You can withdraw a consent at any time with effect for the future, without affecting the lawfulness of the processing before (Art. 7(3) GDPR).',
    objection: 'Your right to object (Art. 21 GDPR)',
    objectionText:
      'Where we process your data on the basis of legitimate interests, you can object at any time on grounds relating to your particular situation. You can object to the use of your data for direct marketing at any time without giving reasons; we will then no longer use it for that purpose.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/** The confirmation mail. */
export const MAIL_TEXTS = {
  de: {
    subject: 'Bitte bestätigen Sie Ihre Anmeldung',
    greeting: 'Guten Tag,',
    intro: 'über unser Formular „{form}“ wurde mit dieser E-Mail-Adresse um Folgendes gebeten:',
    action: 'Bitte öffnen Sie diesen Link und bestätigen Sie dort mit einem Klick:',
    button: 'Anmeldung bestätigen',
    expiry: 'Der Link gilt bis {until} und nur einmal.',
    ignore:
      'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail einfach: Ohne Ihre Bestätigung erhalten Sie keine weiteren E-Mails von uns, und die Anfrage verfällt.',
  },
  en: {
    subject: 'Please confirm your sign-up',
    greeting: 'Hello,',
    intro: 'Using our form “{form}”, the following was asked for with this e-mail address:',
    action: 'Please open this link and confirm there with one click:',
    button: 'Confirm sign-up',
    expiry: 'The link is valid until {until}, and once only.',
    ignore:
      'If this was not you, simply ignore this e-mail: without your confirmation you will receive no further e-mails from us, and the request lapses.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/**
 * The German for the reasons a submission is refused with (the API states them in English). Each
 * pattern matches the whole reason: what it doesn't match stays in English after the German.
 */
export const REFUSAL_REASONS_DE: readonly (readonly [RegExp, string])[] = [
  [/^is required$/, 'ist ein Pflichtfeld'],
  [/^is not a field of this form$/, 'gehört nicht zu diesem Formular'],
  [/^is given more than once$/, 'wurde mehrfach übermittelt'],
  [/^must be text$/, 'muss ein Text sein'],
  [/^is longer than (\d+) characters$/, 'ist länger als $1 Zeichen'],
  [/^is not an e-mail address$/, 'ist keine gültige E-Mail-Adresse'],
  [/^is not a valid phone number$/, 'ist keine gültige Telefonnummer'],
  [/^(.+) is not a consent this form offers$/, '$1 wird in diesem Formular nicht angeboten'],
  [
    /^tick the box to sign up.*$/,
    'Bitte setzen Sie das Häkchen, um sich anzumelden: ohne Einwilligung speichert dieses Formular nichts',
  ],
  // The whole reason: its tail names the purpose in English.
  [/^is needed for the consent.*$/, 'wird für die angekreuzte Einwilligung benötigt'],
]

/** A refusal's reason in the page's language. */
export function refusalReason(reason: string, lang: Lang): string {
  if (lang === 'en') return reason
  for (const [pattern, german] of REFUSAL_REASONS_DE)
    if (pattern.test(reason)) return reason.replace(pattern, german)
  return reason
}
