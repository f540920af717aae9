import type { LinkChannel } from '../../privacy/unsubscribe/unsubscribe.service.ts'
import type { Lang } from '../forms/client-info.ts'

/**
 * The words of the unsubscribe pages, German and English. `{purpose}` is the purpose's name from
 * the registry, `{channel}` the channel as a noun phrase ("per E-Mail", "by e-mail").
 */
export const UNSUBSCRIBE_TEXTS = {
  de: {
    otherLanguage: 'English',
    pageTitle: 'Abmelden',
    about: 'Dieser Link gehört zu unseren Nachrichten „{purpose}“ {channel}.',
    thisConsent: 'Von „{purpose}“ {channel} abmelden',
    thisConsentHint:
      'Damit widerrufen Sie Ihre Einwilligung für „{purpose}“ {channel} mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO).',
    thisObjection: '„{purpose}“ widersprechen und abmelden',
    thisObjectionHint:
      'Damit widersprechen Sie der Verwendung Ihrer Daten für „{purpose}“ (Art. 21 DSGVO): Sie erhalten solche Werbung nicht mehr, auf keinem Weg.',
    all: 'Jeder Werbung widersprechen',
    allHint:
      'Damit widersprechen Sie der Verwendung Ihrer Daten für jede Direktwerbung (Art. 21 Abs. 2 DSGVO): keine Werbung mehr von uns, weder per E-Mail noch per SMS, Telefon oder Post.',
    noneHint:
      'Diese Nachrichten sind keine Werbung mehr; es gibt nichts abzumelden. Sie können trotzdem jeder Werbung widersprechen.',
    nothingYet: 'Das Öffnen dieser Seite allein ändert nichts. Kosten entstehen Ihnen dadurch keine.',
    portal:
      'Ihre Einwilligungen ansehen und ändern, Auskunft, Berichtigung oder Löschung beantragen: im Datenschutzportal.',
    portalLink: 'Zum Datenschutzportal',
    doneTitle: 'Abgemeldet',
    doneConsent:
      'Sie sind abgemeldet: Sie erhalten „{purpose}“ {channel} nicht mehr. Ihr Widerruf gilt ab sofort.',
    doneObjection:
      'Ihr Widerspruch ist eingetragen: Wir verwenden Ihre Daten nicht mehr für „{purpose}“. Er gilt ab sofort.',
    doneAllTitle: 'Widerspruch eingetragen',
    doneAll:
      'Ihr Widerspruch gegen jede Direktwerbung ist eingetragen. Sie erhalten ab sofort keine Werbung mehr von uns, auf keinem Weg.',
    alreadyTitle: 'Bereits abgemeldet',
    already: 'Sie sind von „{purpose}“ {channel} bereits abgemeldet. Es wurde nichts geändert.',
    alreadyAll: 'Ihr Widerspruch gegen jede Direktwerbung ist bereits eingetragen. Es wurde nichts geändert.',
    noneTitle: 'Nichts abzumelden',
    none: 'Die Nachrichten „{purpose}“ sind keine Werbung mehr; es gibt nichts abzumelden. Es wurde nichts geändert.',
    moreTitle: 'Gar keine Werbung mehr?',
    invalidTitle: 'Unbekannter Link',
    invalid:
      'Diesen Abmeldelink kennen wir nicht (mehr). Unter ihm ist nichts gespeichert, und es wurde nichts geändert. Bitte prüfen Sie, ob er vollständig aus der Nachricht übernommen wurde.',
    badChoiceTitle: 'Unbekannte Auswahl',
    badChoice: 'Diese Auswahl gibt es nicht. Es wurde nichts geändert.',
    tooManyTitle: 'Zu viele Anfragen',
    tooMany:
      'Von Ihrer Adresse kamen gerade zu viele Anfragen. Bitte versuchen Sie es in einer Minute noch einmal.',
    failedTitle: 'Etwas ist schiefgegangen',
    failed:
      'Ihre Anfrage konnte gerade nicht bearbeitet werden; es wurde nichts geändert. Bitte versuchen Sie es später noch einmal.',
  },
  en: {
    otherLanguage: 'Deutsch',
    pageTitle: 'Unsubscribe',
    about: 'This link belongs to our messages “{purpose}” {channel}.',
    thisConsent: 'Unsubscribe from “{purpose}” {channel}',
    thisConsentHint:
      'This withdraws your consent to “{purpose}” {channel} with effect for the future (Art. 7(3) GDPR).',
    thisObjection: 'Object to “{purpose}” and unsubscribe',
    thisObjectionHint:
      'This objects to the use of your data for “{purpose}” (Art. 21 GDPR): you will no longer receive such advertising, by any means.',
    all: 'Object to all advertising',
    allHint:
      'This objects to the use of your data for any direct marketing (Art. 21(2) GDPR): no more advertising from us, by e-mail, text message, phone or post.',
    noneHint:
      'These messages are no longer advertising; there is nothing to unsubscribe from. You can still object to all advertising.',
    nothingYet: 'Opening this page alone changes nothing. It costs you nothing.',
    portal: 'See and change your consents, ask for access, rectification or erasure: in the privacy portal.',
    portalLink: 'To the privacy portal',
    doneTitle: 'Unsubscribed',
    doneConsent:
      'You are unsubscribed: you will no longer receive “{purpose}” {channel}. Your withdrawal is in force now.',
    doneObjection:
      'Your objection is recorded: we no longer use your data for “{purpose}”. It is in force now.',
    doneAllTitle: 'Objection recorded',
    doneAll:
      'Your objection to all direct marketing is recorded. From now on you receive no advertising from us, by any means.',
    alreadyTitle: 'Already unsubscribed',
    already: 'You are already unsubscribed from “{purpose}” {channel}. Nothing was changed.',
    alreadyAll: 'Your objection to all direct marketing is already recorded. Nothing was changed.',
    noneTitle: 'Nothing to unsubscribe from',
    none: 'The messages “{purpose}” are no longer advertising; there is nothing to unsubscribe from. Nothing was changed.',
    moreTitle: 'No advertising at all?',
    invalidTitle: 'Unknown link',
    invalid:
      'We do not know this unsubscribe link (any more). Nothing is stored under it, and nothing was changed. Please check that it was copied completely from the message.',
    badChoiceTitle: 'Unknown choice',
    badChoice: 'There is no such choice. Nothing was changed.',
    tooManyTitle: 'Too many requests',
    tooMany: 'Too many requests came from your address just now. Please try again in a minute.',
    failedTitle: 'Something went wrong',
    failed: 'Your request could not be handled just now; nothing was changed. Please try again later.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/** The channel as it follows a purpose's name: "Newsletter per E-Mail", "newsletter by e-mail". */
export const CHANNEL_PHRASES: Readonly<Record<LinkChannel, Record<Lang, string>>> = {
  email: { de: 'per E-Mail', en: 'by e-mail' },
  sms: { de: 'per SMS', en: 'by text message' },
  post: { de: 'per Post', en: 'by post' },
}
