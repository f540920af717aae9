import { DEFAULT_TIME_ZONE, formatLocalTime } from '../../platform/local-time.ts'
import type { OutgoingMail } from '../../platform/mail/mailer.ts'
import type { Lang } from '../forms/client-info.ts'
import { esc } from '../forms/form-page.ts'
import { type MailBranding, mailButtonStyle, mailHeaderHtml } from '../settings/branding.ts'
import { MAIL_TEXTS } from './portal-texts.ts'

/**
 * The sign-in mail of the privacy portal: the link, until when it works, and that ignoring it is
 * enough. A transactional mail the person asked for, not advertising: no offer, no unsubscribe
 * header, sent whatever the person's consents and objections are.
 */
export function signInMail(input: {
  to: string
  lang: Lang
  link: string
  expiresAt: Date
  /** The installation's logo (or name) and colour (the settings). */
  branding?: MailBranding | undefined
}): OutgoingMail {
  const t = MAIL_TEXTS[input.lang]
  const expiry = t.expiry.replace(
    '{until}',
    formatLocalTime(input.lang, input.expiresAt, input.branding?.timeZone ?? DEFAULT_TIME_ZONE),
  )
  const text = [t.greeting, '', t.intro, '', t.action, input.link, '', expiry, '', t.ignore, ''].join('\n')
  const html = `<!doctype html><html lang="${input.lang}"><body style="font-family:sans-serif;line-height:1.5">
${mailHeaderHtml(input.branding)}<p>${esc(t.greeting)}</p>
<p>${esc(t.intro)}</p>
<p>${esc(t.action)}</p>
<p><a href="${esc(input.link)}"${mailButtonStyle(input.branding)}>${esc(t.button)}</a><br><span style="font-size:small">${esc(input.link)}</span></p>
<p>${esc(expiry)}</p>
<p>${esc(t.ignore)}</p>
</body></html>`
  return { to: input.to, subject: t.subject, text, html, lang: input.lang }
}
