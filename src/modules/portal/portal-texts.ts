import { formatLocalDate, formatLocalTime } from '../../platform/local-time.ts'
import type { DenialRule } from '../../privacy/permissions/permission-rules.ts'
import type { Channel, LegalBasis } from '../../privacy/purposes/purpose.ts'
import type { Lang } from '../forms/client-info.ts'

/** The words of the privacy portal's pages and its sign-in mail, German and English. */
export const PORTAL_TEXTS = {
  de: {
    otherLanguage: 'English',
    loginTitle: 'Ihre Datenschutz-Einstellungen',
    loginIntro:
      'Hier sehen und ändern Sie, wofür Sie uns eine Einwilligung gegeben haben, widersprechen Werbung und stellen Anträge auf Auskunft, Kopie, Berichtigung oder Löschung Ihrer Daten.',
    loginHow:
      'Geben Sie Ihre E-Mail-Adresse ein. Wir schicken Ihnen einen Link, mit dem Sie sich anmelden – so stellen wir sicher, dass nur Sie Ihre Einstellungen sehen.',
    emailLabel: 'E-Mail-Adresse',
    sendLink: 'Anmeldelink schicken',
    notAnAddress: 'Das ist keine gültige E-Mail-Adresse.',
    linkSentTitle: 'Bitte sehen Sie in Ihr Postfach',
    linkSent:
      'Wenn wir Daten zu dieser Adresse haben, ist ein Anmeldelink an sie unterwegs. Er gilt {minutes} Minuten und nur einmal.',
    linkSentHint:
      'Kommt nichts an, sehen Sie bitte im Spam-Ordner nach. Einen neuen Link können Sie nach {resend} Minuten anfordern.',
    signInTitle: 'Anmelden',
    signInText: 'Klicken Sie auf „Anmelden“, um Ihre Datenschutz-Einstellungen zu öffnen.',
    signInSwitch:
      'Sie sind in diesem Browser gerade mit einer anderen E-Mail-Adresse angemeldet. Mit diesem Link wechseln Sie zu der Adresse, an die er geschickt wurde.',
    signIn: 'Anmelden',
    usedTitle: 'Link schon verwendet',
    used: 'Mit diesem Link wurde sich schon angemeldet; er gilt nur einmal. Es wurde nichts geändert. Fordern Sie bitte einen neuen an.',
    expiredTitle: 'Link abgelaufen',
    expired:
      'Dieser Anmeldelink ist nicht mehr gültig (er gilt {minutes} Minuten). Es wurde nichts geändert. Fordern Sie bitte einen neuen an.',
    invalidTitle: 'Ungültiger Link',
    invalid:
      'Diesen Anmeldelink kennen wir nicht. Bitte prüfen Sie, ob er vollständig aus der E-Mail übernommen wurde. Es wurde nichts geändert.',
    newLink: 'Neuen Anmeldelink anfordern',
    sessionEndedTitle: 'Nicht angemeldet',
    sessionEnded:
      'Ihre Anmeldung ist abgelaufen oder beendet. Es wurde nichts geändert. Melden Sie sich bitte erneut an.',
    signInAgain: 'Anmelden',
    csrfTitle: 'Nicht ausgeführt',
    csrf: 'Dieses Formular kam nicht von Ihrer aktuellen Seite, oder Sie haben sich inzwischen neu angemeldet. Es wurde nichts geändert.',
    back: 'Zurück zu Ihren Einstellungen',
    signedOutTitle: 'Abgemeldet',
    signedOut: 'Sie sind abgemeldet.',
    signOut: 'Abmelden',
    sessionUntil: 'Angemeldet bis {time}.',
    title: 'Ihre Datenschutz-Einstellungen',
    noticeTitle: 'Erledigt',
    refusedTitle: 'Bitte prüfen Sie Ihre Eingabe',
    dncTitle: 'Widerspruch gegen jede Werbung',
    sectionsLabel: 'Abschnitte dieser Seite',
    dncOn:
      'Sie haben am {date} jeder Verwendung Ihrer Daten für Werbung widersprochen. Wir sprechen Sie nicht mehr werblich an, auf keinem Weg – auch nicht mit Einwilligungen, die Sie gegeben haben.',
    dncOff:
      'Mit einem Klick widersprechen Sie jeder Verwendung Ihrer Daten für Werbung – per E-Mail, SMS, Telefon und Post. Das gilt sofort und geht allen Einwilligungen vor (Art. 21 Abs. 2 und 3 DSGVO).',
    dncRaise: 'Jeder Werbung widersprechen',
    lift: 'Widerspruch aufheben',
    consentsTitle: 'Ihre Einwilligungen',
    consentsIntro:
      'Freiwillig und jede für sich. Sie können jede jederzeit mit Wirkung für die Zukunft widerrufen, so einfach, wie Sie sie erteilt haben (Art. 7 Abs. 3 DSGVO).',
    channel: 'Kanal',
    statusConfirmed: 'Erteilt seit {date}',
    statusGranted: 'Erteilt seit {date}',
    statusRequested: 'Angefragt am {date}, noch nicht bestätigt',
    statusWithdrawn: 'Widerrufen am {date}',
    statusExpired: 'Abgelaufen am {date}',
    statusNone: 'Nicht erteilt',
    inUse: 'Wird derzeit genutzt.',
    withdraw: 'Einwilligung widerrufen',
    give: 'Einwilligung erteilen',
    textVersion: 'Textversion',
    notOfferedWeb: 'Darüber entscheiden Sie in den Cookie-Einstellungen unserer Website.',
    notOfferedConfirm:
      'Kann hier nicht erteilt werden: dafür muss der Kanal selbst bestätigt werden (z. B. Ihre Mobilnummer).',
    notOfferedNoText: 'Kann hier derzeit nicht erteilt werden.',
    marketingTitle: 'Werbung auf Grundlage unseres berechtigten Interesses',
    marketingIntro:
      'Dafür brauchen wir keine Einwilligung (Art. 6 Abs. 1 lit. f DSGVO). Sie können jederzeit ohne Angabe von Gründen widersprechen; wir hören sofort damit auf (Art. 21 Abs. 2 und 3 DSGVO).',
    channels: 'Kanäle',
    objectedSince: 'Widersprochen am {date}.',
    notObjected: 'Kein Widerspruch.',
    object: 'Widersprechen',
    channelsTitle: 'Werbung nach Kanal',
    channelsIntro:
      'Widersprechen Sie Werbung auf einem Weg, für alle Zwecke – zum Beispiel: keine Werbeanrufe.',
    objectChannel: 'Keine Werbung per {channel}',
    otherTitle: 'Weitere Verarbeitungen',
    otherIntro: 'Diese Verarbeitungen beruhen nicht auf einer Einwilligung und sind keine Werbung.',
    legalBasis: 'Rechtsgrundlage',
    objectable:
      'Sie können aus Gründen, die sich aus Ihrer besonderen Situation ergeben, widersprechen (Art. 21 Abs. 1 DSGVO): stellen Sie dazu unten einen Widerspruch mit Ihren Gründen.',
    notObjectable: 'Ein Widerspruch ist hier nicht möglich (Vertrag, gesetzliche Pflicht).',
    requestsTitle: 'Ihre Rechte: Anträge',
    requestsIntro:
      'Wir antworten unverzüglich, spätestens innerhalb eines Monats nach Eingang (Art. 12 Abs. 3 DSGVO). Das ist kostenlos.',
    kind: 'Was möchten Sie?',
    request: 'Antrag',
    details: 'Ihre Nachricht',
    fileRequest: 'Antrag stellen',
    filedTitle: 'Ihre gestellten Anträge',
    received: 'Eingegangen am',
    due: 'Antwort bis',
    status: 'Stand',
    statusReceived: 'Eingegangen',
    noRequests: 'Sie haben noch keine Anträge gestellt.',
    complaint:
      'Sie haben außerdem das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren (Art. 77 DSGVO).',
    restricted:
      'Die Verarbeitung Ihrer Daten ist derzeit eingeschränkt (Art. 18 DSGVO): wir speichern sie nur und nutzen sie nicht.',
    notFoundTitle: 'Seite nicht gefunden',
    notFound: 'Diese Seite gibt es nicht.',
    tooManyTitle: 'Zu viele Anfragen',
    tooMany:
      'Von Ihrer Adresse kamen gerade zu viele Anfragen. Bitte versuchen Sie es in einer Minute noch einmal.',
    failedTitle: 'Etwas ist schiefgegangen',
    failed:
      'Ihre Anfrage konnte gerade nicht bearbeitet werden. Es wurde nichts geändert. Bitte versuchen Sie es später noch einmal.',
  },
  en: {
    otherLanguage: 'Deutsch',
    loginTitle: 'Your privacy settings',
    loginIntro:
      'See and change what you have given us your consent for, object to advertising, and ask for access to, a copy, the correction or the erasure of your data.',
    loginHow:
      'Enter your e-mail address. We send you a link to sign in with – so that only you see your settings.',
    emailLabel: 'E-mail address',
    sendLink: 'Send me a sign-in link',
    notAnAddress: 'This is not a valid e-mail address.',
    linkSentTitle: 'Please check your inbox',
    linkSent:
      'If we hold data about this address, a sign-in link is on its way to it. It is valid for {minutes} minutes, and once only.',
    linkSentHint:
      'If nothing arrives, please look in your spam folder. You can ask for a new link after {resend} minutes.',
    signInTitle: 'Sign in',
    signInText: 'Click “Sign in” to open your privacy settings.',
    signInSwitch:
      'You are signed in with another e-mail address in this browser. This link switches to the address it was sent to.',
    signIn: 'Sign in',
    usedTitle: 'Link already used',
    used: 'This link has been used to sign in already; it works once only. Nothing was changed. Please ask for a new one.',
    expiredTitle: 'Link expired',
    expired:
      'This sign-in link is no longer valid (it is valid for {minutes} minutes). Nothing was changed. Please ask for a new one.',
    invalidTitle: 'Invalid link',
    invalid:
      'We do not know this sign-in link. Please check that it was copied completely from the e-mail. Nothing was changed.',
    newLink: 'Ask for a new sign-in link',
    sessionEndedTitle: 'Not signed in',
    sessionEnded: 'Your sign-in has run out or ended. Nothing was changed. Please sign in again.',
    signInAgain: 'Sign in',
    csrfTitle: 'Not done',
    csrf: 'This form did not come from your current page, or you have signed in anew since. Nothing was changed.',
    back: 'Back to your settings',
    signedOutTitle: 'Signed out',
    signedOut: 'You are signed out.',
    signOut: 'Sign out',
    sessionUntil: 'Signed in until {time}.',
    title: 'Your privacy settings',
    noticeTitle: 'Done',
    refusedTitle: 'Please check your input',
    dncTitle: 'Object to all advertising',
    sectionsLabel: 'Sections of this page',
    dncOn:
      'On {date} you objected to any use of your data for advertising. We no longer approach you with advertising in any way – not even where you gave a consent.',
    dncOff:
      'With one click you object to any use of your data for advertising – by e-mail, text message, phone and post. It takes effect at once and overrides every consent (Art. 21(2) and (3) GDPR).',
    dncRaise: 'Object to all advertising',
    lift: 'Lift the objection',
    consentsTitle: 'Your consents',
    consentsIntro:
      'Voluntary, each on its own. You can withdraw each at any time with effect for the future, as easily as you gave it (Art. 7(3) GDPR).',
    channel: 'Channel',
    statusConfirmed: 'Given since {date}',
    statusGranted: 'Given since {date}',
    statusRequested: 'Asked for on {date}, not confirmed yet',
    statusWithdrawn: 'Withdrawn on {date}',
    statusExpired: 'Expired on {date}',
    statusNone: 'Not given',
    inUse: 'In use now.',
    withdraw: 'Withdraw consent',
    give: 'Give consent',
    textVersion: 'Text version',
    notOfferedWeb: 'You decide about this in the cookie settings of our website.',
    notOfferedConfirm:
      'Cannot be given here: the channel itself must be confirmed for it (e.g. your mobile number).',
    notOfferedNoText: 'Cannot be given here at the moment.',
    marketingTitle: 'Advertising on the basis of our legitimate interest',
    marketingIntro:
      'This needs no consent (Art. 6(1)(f) GDPR). You can object at any time without giving reasons; we stop at once (Art. 21(2) and (3) GDPR).',
    channels: 'Channels',
    objectedSince: 'Objected on {date}.',
    notObjected: 'No objection.',
    object: 'Object',
    channelsTitle: 'Advertising by channel',
    channelsIntro:
      'Object to advertising through one channel, for every purpose – for example: no sales calls.',
    objectChannel: 'No advertising by {channel}',
    otherTitle: 'Other processing',
    otherIntro: 'This processing does not rest on a consent and is not advertising.',
    legalBasis: 'Legal basis',
    objectable:
      'You can object on grounds relating to your particular situation (Art. 21(1) GDPR): file an objection with your grounds below.',
    notObjectable: 'An objection is not possible here (contract, legal obligation).',
    requestsTitle: 'Your rights: requests',
    requestsIntro:
      'We answer without undue delay and within one month of receipt at the latest (Art. 12(3) GDPR). Free of charge.',
    kind: 'What would you like?',
    request: 'Request',
    details: 'Your message',
    fileRequest: 'Send request',
    filedTitle: 'Your requests',
    received: 'Received',
    due: 'Answer by',
    status: 'Status',
    statusReceived: 'Received',
    noRequests: 'You have not made any requests yet.',
    complaint:
      'You also have the right to lodge a complaint with a data protection supervisory authority (Art. 77 GDPR).',
    restricted:
      'The processing of your data is restricted at the moment (Art. 18 GDPR): we only store it and do not use it.',
    notFoundTitle: 'Page not found',
    notFound: 'This page does not exist.',
    tooManyTitle: 'Too many requests',
    tooMany: 'Too many requests came from your address just now. Please try again in a minute.',
    failedTitle: 'Something went wrong',
    failed: 'Your request could not be handled just now. Nothing was changed. Please try again later.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/** What an action did, shown at the top of the page after the redirect (`?done=`). */
export const DONE_TEXTS = {
  de: {
    'consent-given': 'Danke: Ihre Einwilligung ist erteilt.',
    'consent-withdrawn': 'Ihre Einwilligung ist widerrufen. Das gilt ab sofort.',
    'objection-raised': 'Ihr Widerspruch ist erfasst und gilt ab sofort.',
    'objection-lifted': 'Ihr Widerspruch ist aufgehoben.',
    'request-filed': 'Ihr Antrag ist eingegangen. Unten sehen Sie, bis wann wir antworten.',
    'request-duplicate': 'Diesen Antrag haben Sie schon gestellt; er ist noch offen (siehe unten).',
    unchanged: 'Das war schon so; es war nichts zu ändern.',
  },
  en: {
    'consent-given': 'Thank you: your consent is given.',
    'consent-withdrawn': 'Your consent is withdrawn, with effect from now.',
    'objection-raised': 'Your objection is recorded and takes effect at once.',
    'objection-lifted': 'Your objection is lifted.',
    'request-filed': 'Your request has been received. Below you see by when we answer.',
    'request-duplicate': 'You have made this request already; it is still open (see below).',
    unchanged: 'That was so already; there was nothing to change.',
  },
} as const satisfies Record<Lang, Record<string, string>>
export type DoneCode = keyof (typeof DONE_TEXTS)['en']

/** Why an action was refused (the page again, with this at the top; nothing changed). */
export const REFUSAL_TEXTS = {
  de: {
    tick: 'Bitte setzen Sie das Häkchen, um die Einwilligung zu erteilen. Es wurde nichts geändert.',
    'text-changed':
      'Der Text dieser Einwilligung hat sich inzwischen geändert. Bitte lesen Sie ihn unten neu. Es wurde nichts geändert.',
    'unknown-choice': 'Diese Auswahl gibt es hier nicht (mehr). Es wurde nichts geändert.',
    'details-required': 'Bitte schreiben Sie, was falsch ist und wie es richtig ist.',
    'details-too-long': 'Ihre Nachricht ist länger als 2000 Zeichen.',
  },
  en: {
    tick: 'Please tick the box to give the consent. Nothing was changed.',
    'text-changed':
      'The wording of this consent has changed meanwhile. Please read it again below. Nothing was changed.',
    'unknown-choice': 'This choice does not exist here (any more). Nothing was changed.',
    'details-required': 'Please write what is wrong and what is right.',
    'details-too-long': 'Your message is longer than 2000 characters.',
  },
} as const satisfies Record<Lang, Record<string, string>>
export type RefusalCode = keyof (typeof REFUSAL_TEXTS)['en']

export const CHANNEL_NAMES: Readonly<Record<Channel, Record<Lang, string>>> = {
  email: { de: 'E-Mail', en: 'e-mail' },
  sms: { de: 'SMS', en: 'text message' },
  phone: { de: 'Telefon', en: 'phone' },
  post: { de: 'Post', en: 'post' },
  web: { de: 'Website', en: 'website' },
  none: { de: 'ohne Kontakt', en: 'without contact' },
}

/** Art. 6(1) GDPR in plain words, for the person (the purpose's description says what for). */
export const LEGAL_BASIS_WORDS: Readonly<Record<LegalBasis, Record<Lang, string>>> = {
  consent: { de: 'Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)', en: 'your consent (Art. 6(1)(a) GDPR)' },
  contract: {
    de: 'ein Vertrag mit Ihnen oder Ihre Anfrage vor einem Vertrag (Art. 6 Abs. 1 lit. b DSGVO)',
    en: 'a contract with you, or your request before one (Art. 6(1)(b) GDPR)',
  },
  legal_obligation: {
    de: 'eine gesetzliche Pflicht (Art. 6 Abs. 1 lit. c DSGVO)',
    en: 'a legal obligation (Art. 6(1)(c) GDPR)',
  },
  vital_interest: {
    de: 'lebenswichtige Interessen (Art. 6 Abs. 1 lit. d DSGVO)',
    en: 'vital interests (Art. 6(1)(d) GDPR)',
  },
  public_task: {
    de: 'eine Aufgabe im öffentlichen Interesse (Art. 6 Abs. 1 lit. e DSGVO)',
    en: 'a task in the public interest (Art. 6(1)(e) GDPR)',
  },
  legitimate_interest: {
    de: 'unser berechtigtes Interesse, abgewogen gegen Ihre Interessen (Art. 6 Abs. 1 lit. f DSGVO)',
    en: 'our legitimate interest, weighed against yours (Art. 6(1)(f) GDPR)',
  },
}

/** Why a purpose doesn't use the person's data now, in the person's words. */
export const NOT_IN_USE: Readonly<Partial<Record<DenialRule, Record<Lang, string>>>> = {
  restricted: {
    de: 'Wird nicht genutzt: die Verarbeitung ist eingeschränkt.',
    en: 'Not in use: processing is restricted.',
  },
  objected: {
    de: 'Wird nicht genutzt: Ihr Widerspruch geht vor, solange er gilt.',
    en: 'Not in use: your objection takes precedence while it is in force.',
  },
  'consent-pending-confirmation': {
    de: 'Wird erst nach Ihrer Bestätigung genutzt.',
    en: 'Used only once you have confirmed it.',
  },
}

/** The sign-in mail. */
export const MAIL_TEXTS = {
  de: {
    subject: 'Ihr Anmeldelink zu Ihren Datenschutz-Einstellungen',
    greeting: 'Guten Tag,',
    intro: 'für diese E-Mail-Adresse wurde ein Link zu Ihren Datenschutz-Einstellungen angefordert.',
    action: 'Mit diesem Link melden Sie sich an:',
    button: 'Zu meinen Datenschutz-Einstellungen',
    expiry: 'Der Link gilt bis {until} und nur einmal.',
    ignore:
      'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail einfach: ohne diesen Link kann niemand Ihre Einstellungen sehen oder ändern.',
  },
  en: {
    subject: 'Your sign-in link to your privacy settings',
    greeting: 'Hello,',
    intro: 'A link to your privacy settings was asked for with this e-mail address.',
    action: 'Sign in with this link:',
    button: 'Open my privacy settings',
    expiry: 'The link is valid until {until}, and once only.',
    ignore:
      'If this was not you, simply ignore this e-mail: without this link no one can see or change your settings.',
  },
} as const satisfies Record<Lang, Record<string, string>>

/** `15.03.2025, 10:30 (Europe/Berlin)` / `2025-03-15 10:30 (Europe/Berlin)`: in the installation's zone, named. */
export const formatTime = formatLocalTime

/** `15.03.2025` / `2025-03-15`: the day in the installation's zone. */
export const formatDate = formatLocalDate
