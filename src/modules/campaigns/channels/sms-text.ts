/**
 * The length of an SMS (pure): GSM 03.38 7-bit when every character is in the GSM-7 alphabet (the
 * extension table's characters `^{}\[~]|€` and form feed count twice), else UCS-2 (UTF-16 code
 * units: an emoji counts twice). One message holds 160 GSM-7 characters or 70 UCS-2 units; a longer
 * one is sent concatenated in segments of 153 or 67 (the user data header takes the rest), and the
 * provider bills each segment.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM7_EXTENSION = '\f^{}\\[~]|€'
const BASIC = new Set([...GSM7_BASIC])
const EXTENSION = new Set([...GSM7_EXTENSION])

export interface SmsLength {
  encoding: 'gsm-7' | 'ucs-2'
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number
  segments: number
  /** Units per segment for this text (160/153 or 70/67). */
  perSegment: number
}

/** Encoding, length and segments of an SMS text. */
export function smsLength(text: string): SmsLength {
  let septets = 0
  let gsm = true
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1
    else if (EXTENSION.has(ch)) septets += 2
    else {
      gsm = false
      break
    }
  }
  if (gsm) {
    const segments = septets <= 160 ? 1 : Math.ceil(septets / 153)
    return { encoding: 'gsm-7', units: septets, segments, perSegment: segments === 1 ? 160 : 153 }
  }
  const units = text.length
  const segments = units <= 70 ? 1 : Math.ceil(units / 67)
  return { encoding: 'ucs-2', units, segments, perSegment: segments === 1 ? 70 : 67 }
}

/** The opt-out line every marketing SMS ends with (§ 7(3) No. 4 UWG, Art. 21(4) GDPR), per language. */
export function optOutLine(lang: 'de' | 'en', link: string): string {
  return lang === 'de' ? `Abmelden: ${link}` : `Unsubscribe: ${link}`
}

/**
 * The opt-out line's length as a placeholder: the link is `<public URL>/p/unsubscribe/<43
 * characters>`, GSM-7 characters only. For checking content before anyone's link exists.
 */
export function optOutPlaceholder(lang: 'de' | 'en', publicUrl: string): string {
  return optOutLine(lang, `${publicUrl.replace(/\/$/, '')}/p/unsubscribe/${'x'.repeat(43)}`)
}

/** The text as sent: the body, a line break, the opt-out line. */
export const withOptOut = (body: string, line: string): string => `${body.trimEnd()}\n${line}`

/**
 * Why an SMS body is too long (with its opt-out line), or undefined when it fits `maxSegments`.
 * The campaign core calls it when SMS content is saved (create and patch: 422 naming
 * `content.N.bodyText`); the SMS sender refuses at send time what is longer (`too-long`).
 */
export function smsTooLong(
  body: string,
  lang: 'de' | 'en',
  publicUrl: string,
  maxSegments: number,
): string | undefined {
  const length = smsLength(withOptOut(body, optOutPlaceholder(lang, publicUrl)))
  if (length.segments <= maxSegments) return undefined
  return `is ${length.segments} SMS segments long with the opt-out line (${length.units} ${length.encoding === 'gsm-7' ? 'GSM-7 characters' : 'UCS-2 units: a character outside GSM-7 makes the whole text UCS-2'}); at most ${maxSegments} are allowed`
}
