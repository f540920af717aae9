import type { Texts } from '../../privacy/purposes/purpose.ts'

/**
 * The first wording of each consent purpose's checkbox (the consent purposes of the registry's
 * seed, purpose-seed.ts): specific, one purpose per box, saying that withdrawing is possible at any
 * time (Art. 7(2)-(3), Recital 42). Inserted as version 1 where a purpose has no text yet; the DPO
 * words it anew by adding a version. Product knowledge, not legal advice.
 */
export const CONSENT_TEXT_SEED: Readonly<Record<string, Texts>> = {
  newsletter_email: {
    de: 'Ja, ich möchte den Newsletter mit Neuigkeiten und Angeboten per E-Mail erhalten. Ich bestätige meine Anmeldung über den Link in der E-Mail, die ich danach bekomme. Meine Einwilligung kann ich jederzeit mit Wirkung für die Zukunft widerrufen, z. B. über den Abmeldelink in jeder E-Mail.',
    en: 'Yes, I would like to receive the newsletter with news and offers by e-mail. I confirm my sign-up through the link in the e-mail I receive next. I can withdraw my consent at any time with effect for the future, e.g. through the unsubscribe link in every e-mail.',
  },
  sms_marketing: {
    de: 'Ja, ich möchte Angebote und Hinweise per SMS an meine Mobilnummer erhalten. Meine Einwilligung kann ich jederzeit mit Wirkung für die Zukunft widerrufen.',
    en: 'Yes, I would like to receive offers and reminders by text message to my mobile number. I can withdraw my consent at any time with effect for the future.',
  },
  phone_marketing: {
    de: 'Ja, Sie dürfen mich unter der angegebenen Telefonnummer anrufen, um mir Angebote vorzustellen. Meine Einwilligung kann ich jederzeit mit Wirkung für die Zukunft widerrufen.',
    en: 'Yes, you may call me at the phone number given to present offers to me. I can withdraw my consent at any time with effect for the future.',
  },
  profiling_offers: {
    de: 'Ja, Sie dürfen meine Käufe und Interessen auswerten, um mir passende Angebote zu machen. Meine Einwilligung kann ich jederzeit mit Wirkung für die Zukunft widerrufen.',
    en: 'Yes, you may analyse my purchases and interests to make me offers that fit. I can withdraw my consent at any time with effect for the future.',
  },
  web_tracking: {
    de: 'Ja, Sie dürfen mein Verhalten auf dieser Website mit Cookies oder ähnlichen Techniken auswerten. Meine Einwilligung kann ich jederzeit in den Cookie-Einstellungen widerrufen.',
    en: 'Yes, you may analyse my behaviour on this website with cookies or similar techniques. I can withdraw my consent at any time in the cookie settings.',
  },
}
