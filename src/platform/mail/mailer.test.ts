import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type TestSmtpServer } from '../../../test/support/smtp.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { createMailer, oneClickUnsubscribeHeaders, withUnsubscribeFooter } from './mailer.ts'

describe('mailer: file transport (the embedded default)', () => {
  let dataDir: string
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tresor-mail-'))
  })
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('writes each mail as an .eml file into <dataDir>/mail/outbox, readable by a mail parser, mode 0600', async () => {
    const config = loadConfig({ TRESOR_DATA_DIR: dataDir })
    expect(config.mail.smtpUrl).toBeUndefined()
    expect(config.mail.outboxDir).toBe(path.join(dataDir, 'mail', 'outbox'))
    const mailer = createMailer(config.mail)
    expect(mailer.transport).toBe('file')
    const sent = await mailer.send({ to: 'erika@example.com', subject: 'Grüße', text: 'Hallo Erika' })
    const files = readdirSync(config.mail.outboxDir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/\.eml$/)
    const file = path.join(config.mail.outboxDir, files[0] as string)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const parsed = await simpleParser(readFileSync(file))
    expect(parsed.subject).toBe('Grüße')
    expect(parsed.text?.trim()).toBe('Hallo Erika')
    expect(parsed.messageId).toBe(sent.messageId)
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Tresor', address: 'tresor@localhost' })
    // A transactional mail carries no unsubscribe headers.
    expect(parsed.headers.has('list-unsubscribe')).toBe(false)
  })
})

describe('mailer: SMTP (TRESOR_SMTP_URL)', () => {
  let smtp: TestSmtpServer
  beforeAll(async () => {
    smtp = await startSmtpServer()
  })
  afterAll(async () => {
    await smtp.close()
  })

  it('delivers to a real SMTP server with the credentials of the URL, logging no address or content', async () => {
    const lines: string[] = []
    const logger = createLogger('debug', { write: (line: string) => lines.push(line) })
    const config = loadConfig({
      TRESOR_DATA_DIR: os.tmpdir(),
      TRESOR_SMTP_URL: smtp.url,
      TRESOR_MAIL_FROM: 'Newsletter <news@example.com>',
    })
    const mailer = createMailer(config.mail, logger)
    expect(mailer.transport).toBe('smtp')
    const waiting = smtp.nextMailTo('max@example.com')
    await mailer.send({ to: 'max@example.com', subject: 'Willkommen', text: 'Geheimer Inhalt' })
    const mail = await waiting
    expect(mail.from).toBe('news@example.com')
    expect(mail.parsed.subject).toBe('Willkommen')
    expect(mail.parsed.text?.trim()).toBe('Geheimer Inhalt')
    expect(lines.length).toBeGreaterThan(0)
    const log = lines.join('\n')
    expect(log).not.toContain('max@example.com')
    expect(log).not.toContain('Geheimer Inhalt')
    expect(log).not.toContain('Willkommen')
    mailer.close()
  })

  it('refuses wrong credentials (the server really checks them)', async () => {
    const wrong = smtp.url.replace('smtp-test-secret', 'wrong')
    const mailer = createMailer({ smtpUrl: wrong, from: 'x@example.com', outboxDir: os.tmpdir() })
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toThrow()
    mailer.close()
  })

  it('gives every marketing mail the RFC 8058 one-click unsubscribe headers and a visible unsubscribe footer', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'news@example.com', outboxDir: os.tmpdir() })
    const url = 'https://crm.example.com/p/unsubscribe/tok_123?lang=de'
    const waiting = smtp.nextMailTo('anna@example.com')
    await mailer.send({
      to: 'anna@example.com',
      subject: 'Angebote',
      text: 'Unsere Angebote',
      html: '<html><body><p>Unsere <b>Angebote</b></p></body></html>',
      marketing: { unsubscribeUrl: url, lang: 'de' },
    })
    const mail = await waiting
    const raw = mail.raw.toString('utf8')
    expect(raw).toMatch(
      /^List-Unsubscribe: <https:\/\/crm\.example\.com\/p\/unsubscribe\/tok_123\?lang=de>\r?$/m,
    )
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m)
    // The footer (§ 7(3) No. 4 UWG: objecting at any time, no cost but the basic transmission rates).
    const text = mail.parsed.text ?? ''
    expect(text).toMatch(/^Unsere Angebote\n\n-- \n/)
    expect(text).toContain('Basistarifen')
    expect(text).toContain(`Abmelden: ${url}`)
    const html = mail.parsed.html || ''
    expect(html).toContain('<p>Unsere <b>Angebote</b></p><hr>')
    expect(html).toContain('<a href="https://crm.example.com/p/unsubscribe/tok_123?lang=de">Abmelden</a>')
    expect(html.indexOf('Abmelden')).toBeLessThan(html.indexOf('</body>'))
    mailer.close()
  })

  it('puts the footer in the language asked for, escaped, also into HTML without a body element', () => {
    const url = 'https://crm.example.com/p/unsubscribe/x?lang=en&a="b"'
    const en = withUnsubscribeFooter(
      { text: 'Offers  \n\n', html: '<p>Offers</p>' },
      { unsubscribeUrl: url, lang: 'en' },
    )
    expect(en.text).toBe(
      `Offers\n\n-- \nYou receive this advertising e-mail because you are on our list. You can unsubscribe and object to the use of your data for advertising at any time, at no cost other than the transmission costs at the basic rates.\nUnsubscribe: ${url}\n`,
    )
    expect(en.html).toMatch(
      /^<p>Offers<\/p><hr><p [^>]+>You receive .*<a href="[^"]+">Unsubscribe<\/a><\/p>$/,
    )
    expect(en.html).toContain('href="https://crm.example.com/p/unsubscribe/x?lang=en&amp;a=&quot;b&quot;"')
    expect(withUnsubscribeFooter({ text: 'x' }, { unsubscribeUrl: url, lang: 'de' }).html).toBeUndefined()
  })

  it('a transactional mail gets neither footer nor headers', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'news@example.com', outboxDir: os.tmpdir() })
    const waiting = smtp.nextMailTo('order@example.com')
    await mailer.send({ to: 'order@example.com', subject: 'Ihre Bestellung', text: 'Bestellt.' })
    const mail = await waiting
    expect(mail.parsed.text?.trim()).toBe('Bestellt.')
    expect(mail.parsed.headers.has('list-unsubscribe')).toBe(false)
    mailer.close()
  })

  it('refuses to send a marketing mail whose link is not HTTPS (nothing goes out)', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'news@example.com', outboxDir: os.tmpdir() })
    await expect(
      mailer.send({
        to: 'plain@example.com',
        subject: 'Angebote',
        text: 'x',
        marketing: { unsubscribeUrl: 'http://crm.example.com/p/unsubscribe/x', lang: 'de' },
      }),
    ).rejects.toThrow(/https/)
    expect(smtp.mailsTo('plain@example.com')).toHaveLength(0)
    mailer.close()
  })

  it('refuses a marketing mail whose unsubscribe link is not HTTPS', () => {
    expect(() => oneClickUnsubscribeHeaders('http://crm.example.com/p/unsubscribe/x')).toThrow(/https/)
    expect(() => oneClickUnsubscribeHeaders('not a url')).toThrow()
    expect(oneClickUnsubscribeHeaders('http://localhost:3000/p/unsubscribe/x')['List-Unsubscribe']).toBe(
      '<http://localhost:3000/p/unsubscribe/x>',
    )
  })

  it('refuses an SMTP URL that is not smtp:// or smtps://, without echoing it', () => {
    expect(() => loadConfig({ TRESOR_SMTP_URL: 'http://u:secret@host' })).toThrow(/smtp:\/\/ or smtps:\/\//)
    try {
      loadConfig({ TRESOR_SMTP_URL: 'smtp//u:secret@host' })
      expect.unreachable()
    } catch (error) {
      expect((error as Error).message).not.toContain('secret')
    }
  })
})
