import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { MailSettings } from '../config.ts'
import { onFirstUse } from '../lazy.ts'
import type { Logger } from '../logger.ts'
import { ComposePool, composer, composeWorkers, nodemailer } from './mail-compose.ts'

/** One mail to send. Plain text always; HTML optional. */
export interface OutgoingMail {
  to: string
  subject: string
  text: string
  html?: string | undefined
  /**
   * Marks a marketing mail (§ 7 UWG, Art. 21(3) GDPR: objecting must be easy). It then always
   * carries the RFC 8058 one-click unsubscribe headers pointing at this subject's link, and the
   * mailer appends a footer with the visible link to the text and the HTML, in `lang`: no
   * marketing mail leaves without a way out the recipient can see.
   */
  marketing?: { unsubscribeUrl: string; lang: MailLanguage } | undefined
  /** The mail's language: the footer naming the sender's identity is written in it. */
  lang?: MailLanguage | undefined
  /**
   * A Message-ID fixed by the caller (`<id@domain>`): a campaign fixes it in its send ledger before
   * the first attempt, so a resend after a crash carries the same one. Default: nodemailer's.
   */
  messageId?: string | undefined
}

/** The languages of the unsubscribe footer. */
export type MailLanguage = 'de' | 'en'

/**
 * § 7(3) No. 4 UWG: the recipient is told in every mail that they can object at any time without
 * costs other than the transmission costs at the basic rates; Art. 21(4) GDPR: clearly and
 * separately from other information.
 */
const UNSUBSCRIBE_FOOTER: Readonly<Record<MailLanguage, { text: string; link: string }>> = {
  de: {
    text: 'Sie erhalten diese Werbe-E-Mail, weil Sie bei uns eingetragen sind. Sie können sich jederzeit abmelden und der Verwendung Ihrer Daten für Werbung widersprechen, ohne dass Ihnen andere als die Übermittlungskosten nach den Basistarifen entstehen.',
    link: 'Abmelden',
  },
  en: {
    text: 'You receive this advertising e-mail because you are on our list. You can unsubscribe and object to the use of your data for advertising at any time, at no cost other than the transmission costs at the basic rates.',
    link: 'Unsubscribe',
  },
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)

/**
 * The text and HTML of a marketing mail with the unsubscribe footer appended (to the HTML before
 * its `</body>`, if it has one). The footer is the mailer's, not the caller's: a campaign text
 * that forgot the link still can't go out without it.
 */
export function withUnsubscribeFooter(
  mail: Pick<OutgoingMail, 'text' | 'html'>,
  marketing: { unsubscribeUrl: string; lang: MailLanguage },
): { text: string; html: string | undefined } {
  const footer = UNSUBSCRIBE_FOOTER[marketing.lang] ?? UNSUBSCRIBE_FOOTER.en
  const url = marketing.unsubscribeUrl
  // "-- " is the conventional signature separator: mail clients show what follows as a footer.
  const text = `${mail.text.trimEnd()}\n\n-- \n${footer.text}\n${footer.link}: ${url}\n`
  if (mail.html === undefined) return { text, html: undefined }
  const block = `<hr><p style="font-size:small;color:#555">${escapeHtml(footer.text)}<br><a href="${escapeHtml(url)}">${escapeHtml(footer.link)}</a></p>`
  let end = -1
  for (const match of mail.html.matchAll(/<\/body\s*>/gi)) end = match.index
  const html =
    end === -1 ? `${mail.html}${block}` : `${mail.html.slice(0, end)}${block}${mail.html.slice(end)}`
  return { text, html }
}

/**
 * The text and HTML with the lines naming who sends (the controller and the data protection
 * officer, Art. 13(1)(a)-(b)) appended as a small footer (to the HTML before its `</body>`).
 */
export function withIdentityFooter(
  mail: Pick<OutgoingMail, 'text' | 'html'>,
  lines: readonly string[],
): { text: string; html: string | undefined } {
  if (lines.length === 0) return { text: mail.text, html: mail.html }
  const text = `${mail.text.trimEnd()}\n\n${lines.join('\n')}\n`
  if (mail.html === undefined) return { text, html: undefined }
  const block = `<p style="font-size:small;color:#555">${lines.map(escapeHtml).join('<br>')}</p>`
  let end = -1
  for (const match of mail.html.matchAll(/<\/body\s*>/gi)) end = match.index
  const html =
    end === -1 ? `${mail.html}${block}` : `${mail.html.slice(0, end)}${block}${mail.html.slice(end)}`
  return { text, html }
}

/** What a mailer adds to every mail besides the unsubscribe footer. */
export interface MailerOptions {
  /**
   * The lines naming the sender (controller, DPO) in a language, read when each mail is sent;
   * appended to every mail that says its language. None: nothing is appended.
   */
  identity?: (lang: MailLanguage) => Promise<readonly string[]>
  /**
   * SMTP only: keep up to `maxConnections` connections open and send over them side by side, at
   * most `ratePerSecond` mails a second over the pool (0: no limit). Bulk senders (campaigns) use it.
   */
  pool?: { maxConnections: number; ratePerSecond: number } | undefined
  /** Log every mail (default true); bulk senders log per batch instead. */
  logEachMail?: boolean | undefined
}

export interface SentMail {
  /** The Message-ID header of the mail. */
  messageId: string
}

/** Sends mail over SMTP, or writes it into the outbox directory (the embedded default). */
export interface Mailer {
  /** `smtp` (TRESOR_SMTP_URL) or `file` (.eml files in the outbox directory). */
  readonly transport: 'smtp' | 'file'
  send(mail: OutgoingMail): Promise<SentMail>
  close(): void
}

/**
 * RFC 8058 § 3.1: the header pair that lets a mailbox provider unsubscribe with one POST, without
 * the recipient opening anything. The URL must be HTTPS (plain HTTP only for localhost, where
 * Tresor runs for trying it out).
 */
export function oneClickUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  let url: URL
  try {
    url = new URL(unsubscribeUrl)
  } catch {
    throw new TypeError('the unsubscribe URL is not a URL')
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]'
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:'))
    throw new TypeError('the unsubscribe URL must be https:// (RFC 8058 § 3.1)')
  return {
    'List-Unsubscribe': `<${url.toString()}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  }
}

/**
 * The mailer of the configuration: SMTP when `smtpUrl` is set (smtp:// upgrades with STARTTLS
 * when the server offers it, smtps:// is TLS from the start), else the file transport, which
 * writes every mail as `<outboxDir>/<time>-<random>.eml` (mode 0600: mails carry addresses).
 * Logs carry the transport and the Message-ID, never an address or a word of the content.
 */
export function createMailer(settings: MailSettings, logger?: Logger, options: MailerOptions = {}): Mailer {
  const log = options.logEachMail === false ? undefined : logger?.child({ component: 'mail' })
  const message = async (mail: OutgoingMail) => {
    // The headers first: they refuse a link that isn't HTTPS before anything else is built.
    const headers = mail.marketing ? oneClickUnsubscribeHeaders(mail.marketing.unsubscribeUrl) : {}
    const lang = mail.lang ?? mail.marketing?.lang
    const identified =
      lang && options.identity ? withIdentityFooter(mail, await options.identity(lang)) : mail
    const body = mail.marketing ? withUnsubscribeFooter(identified, mail.marketing) : identified
    return {
      from: settings.from,
      to: mail.to,
      subject: mail.subject,
      text: body.text,
      ...(body.html !== undefined ? { html: body.html } : {}),
      ...(mail.messageId ? { messageId: mail.messageId } : {}),
      headers,
    }
  }

  if (settings.smtpUrl) {
    // nodemailer's own logger stays off: it would print addresses and the SMTP dialogue.
    const pool = options.pool
    const transport = onFirstUse(() =>
      pool
        ? nodemailer().createTransport({
            url: settings.smtpUrl,
            logger: false,
            debug: false,
            pool: true,
            maxConnections: pool.maxConnections,
            maxMessages: Number.POSITIVE_INFINITY,
            ...(pool.ratePerSecond > 0 ? { rateDelta: 1000, rateLimit: pool.ratePerSecond } : {}),
          })
        : nodemailer().createTransport({ url: settings.smtpUrl, logger: false, debug: false }),
    )
    // Each mail is built into one buffer first and handed to the SMTP connection whole: streamed
    // part by part, nodemailer writes every piece of the MIME tree to the socket on its own. A bulk
    // sender builds on worker threads (mail-compose.ts): at a campaign's pace composing is most of
    // the sending thread's work (issue #17).
    const workers = pool ? composeWorkers() : 0
    const build = workers > 0 ? new ComposePool(workers) : composer()
    return {
      transport: 'smtp',
      async send(mail) {
        const built = await build.compose(await message(mail))
        await transport.get().sendMail({ envelope: built.envelope, raw: built.message })
        log?.info({ transport: 'smtp', messageId: built.messageId, marketing: !!mail.marketing }, 'mail sent')
        return { messageId: built.messageId }
      },
      close: () => {
        void build.close()
        transport.close()
      },
    }
  }

  const transport = onFirstUse(() =>
    nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
  )
  return {
    transport: 'file',
    async send(mail) {
      const info = await transport.get().sendMail(await message(mail))
      await mkdir(settings.outboxDir, { recursive: true, mode: 0o700 })
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`
      const file = path.join(settings.outboxDir, name)
      // Written under a temporary name and renamed: a reader of the outbox never sees half a mail.
      await writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600, flag: 'wx' })
      await rename(`${file}.tmp`, file)
      log?.info({ transport: 'file', messageId: info.messageId, marketing: !!mail.marketing }, 'mail written')
      return { messageId: info.messageId }
    },
    close: () => transport.close(),
  }
}
