import { DEFAULT_TIME_ZONE, formatLocalTime } from '../../platform/local-time.ts'
import type { OutgoingMail } from '../../platform/mail/mailer.ts'
import { type MailBranding, mailButtonStyle, mailHeaderHtml } from '../settings/branding.ts'
import type { Lang } from './client-info.ts'
import { esc } from './form-page.ts'
import { MAIL_TEXTS } from './form-texts.ts'

/**
 * The double opt-in confirmation mail: what was asked for (each consent's exact text), the link,
 * until when it works, and that ignoring it is enough. A transactional mail, not advertising: it
 * carries no offer and no unsubscribe header (there is nothing to unsubscribe from yet).
 */
export function confirmationMail(input: {
  to: string
  lang: Lang
  formTitle: string
  consents: readonly { name: string; text: string }[]
  link: string
  expiresAt: Date
  /** The installation's logo (or name) and colour (the settings). */
  branding?: MailBranding | undefined
}): OutgoingMail {
  const t = MAIL_TEXTS[input.lang]
  const until = formatLocalTime(input.lang, input.expiresAt, input.branding?.timeZone ?? DEFAULT_TIME_ZONE)
  const intro = t.intro.replace('{form}', input.formTitle)
  const expiry = t.expiry.replace('{until}', until)
  const text = [
    t.greeting,
    '',
    intro,
    '',
    ...input.consents.map((c) => `- ${c.name}: ${c.text}`),
    '',
    t.action,
    input.link,
    '',
    expiry,
    '',
    t.ignore,
    '',
  ].join('\n')
  const html = `<!doctype html><html lang="${input.lang}"><body style="font-family:sans-serif;line-height:1.5">
${mailHeaderHtml(input.branding)}<p>${esc(t.greeting)}</p>
<p>${esc(intro)}</p>
<ul>${input.consents.map((c) => `<li><strong>${esc(c.name)}</strong>: ${esc(c.text)}</li>`).join('')}</ul>
<p>${esc(t.action)}</p>
<p><a href="${esc(input.link)}"${mailButtonStyle(input.branding)}>${esc(t.button)}</a><br><span style="font-size:small">${esc(input.link)}</span></p>
<p>${esc(expiry)}</p>
<p>${esc(t.ignore)}</p>
</body></html>`
  return { to: input.to, subject: t.subject, text, html, lang: input.lang }
}
