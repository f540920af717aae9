/**
 * The words of the consent banner example (`/p/tracking/example`), German and English, filled into
 * `public/example.html`. Trusted constants: they may hold markup (`<code>`), never input.
 */
export const EXAMPLE_TEXTS = {
  de: {
    lang: 'de',
    otherLang: 'en',
    otherLangName: 'English',
    title: 'Tresor: Einwilligungsbanner und Tracking-Snippet (Beispiel)',
    heading: 'Einwilligungsbanner und Tracking-Snippet',
    intro:
      'Diese Seite zeigt, wie eine Website das Tresor-Snippet mit ihrem Einwilligungsbanner verbindet. Vor der Einwilligung wird nichts gesendet, und es werden keine Cookies gesetzt und kein Speicher im Browser benutzt (§ 25 TDDDG) – auch danach nicht: Das Snippet kennt den Besucher nur über die Kundennummer in Tresor, die die Website ihm nennt.',
    pending: 'Noch keine Antwort – es wird nichts gesendet.',
    granted: 'Eingewilligt – Seitenaufrufe werden gesendet.',
    refused: 'Abgelehnt – es wird nichts gesendet.',
    gpc: 'Ihr Browser sendet Global Privacy Control: Das gilt als Widerspruch, es wird nichts gesendet.',
    pageView: 'Weiteren Seitenaufruf auslösen',
    reopen: 'Einwilligung ändern',
    sendsHeading: 'Was das Snippet senden würde',
    sendsText:
      'Dieses Beispiel läuft im Trockenmodus (<code>data-dry-run</code>): Es zeigt die Anfrage an <code>POST /api/v1/track</code>, statt sie zu senden.',
    includeHeading: 'So binden Sie es ein',
    siteKeyNote: 'Website-Schlüssel: API-Token nur mit events:write',
    subjectNote: 'Tresor-ID des angemeldeten Kunden; ohne sie wird nichts gesendet',
    textVersionNote: 'Version des Bannertexts: Nachweis nach Art. 7 Abs. 1 DSGVO',
    includeNote:
      'Ihr Banner ruft dann Tresor.consent(true) oder Tresor.consent(false) auf; ein Nein widerruft eine\nin Tresor erfasste Einwilligung (Art. 7 Abs. 3 DSGVO). Eine CMP mit IAB TCF v2 (__tcfapi) erkennt\ndas Snippet selbst und sendet deren TC-String mit.',
    bannerQuestion: 'Dürfen wir Ihre Seitenaufrufe auswerten?',
    bannerText:
      'Mit Ihrer Einwilligung speichern wir in unserem Kundensystem, welche Seiten Sie als angemeldeter Kunde aufrufen, um unser Angebot zu verbessern (Web-Tracking, Art. 6 Abs. 1 lit. a DSGVO, § 25 TDDDG). Sie können die Einwilligung jederzeit hier widerrufen. Ohne Einwilligung funktioniert die Website genauso.',
    accept: 'Einwilligen',
    refuse: 'Ablehnen',
  },
  en: {
    lang: 'en',
    otherLang: 'de',
    otherLangName: 'Deutsch',
    title: 'Tresor: consent banner and tracking snippet (example)',
    heading: 'Consent banner and tracking snippet',
    intro:
      'This page shows how a website connects the Tresor snippet to its consent banner. Before consent nothing is sent, no cookie is set and no browser storage is used (§ 25 TDDDG) – nor afterwards: the snippet knows the visitor only by the Tresor subject id the website gives it.',
    pending: 'No answer yet – nothing is sent.',
    granted: 'Consented – page views are sent.',
    refused: 'Refused – nothing is sent.',
    gpc: 'Your browser sends Global Privacy Control: an opt-out, nothing is sent.',
    pageView: 'Send another page view',
    reopen: 'Change consent',
    sendsHeading: 'What the snippet would send',
    sendsText:
      'This example runs dry (<code>data-dry-run</code>): it shows the request to <code>POST /api/v1/track</code> instead of sending it.',
    includeHeading: 'How to include it',
    siteKeyNote: 'site key: an API token with only events:write',
    subjectNote: "the signed-in customer's Tresor id; without it nothing is sent",
    textVersionNote: "the banner text's version: the proof of Art. 7(1) GDPR",
    includeNote:
      'Your banner then calls Tresor.consent(true) or Tresor.consent(false); a no withdraws a consent\nrecorded in Tresor (Art. 7(3) GDPR). The snippet finds a CMP speaking IAB TCF v2 (__tcfapi) by\nitself and sends its TC string along.',
    bannerQuestion: 'May we analyse your page views?',
    bannerText:
      'With your consent we record in our customer system which pages you view as a signed-in customer, to improve what we offer (web tracking, Art. 6(1)(a) GDPR, § 25 TDDDG). You can withdraw your consent here at any time. Without it the website works just the same.',
    accept: 'Consent',
    refuse: 'Refuse',
  },
} as const

/** The example page in one language: every `{{name}}` of the template replaced by its text. */
export function renderExample(template: string, lang: keyof typeof EXAMPLE_TEXTS): string {
  const texts: Record<string, string> = EXAMPLE_TEXTS[lang]
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const text = texts[name]
    if (text === undefined) throw new Error(`the tracking example has no text ${name}`)
    return text
  })
}
