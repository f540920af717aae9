import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** One mail the test server accepted: the SMTP envelope, the raw message and its parse. */
export interface ReceivedMail {
  from: string
  /** Envelope recipients, lower-cased. */
  to: string[]
  raw: Buffer
  parsed: ParsedMail
}

/** A real SMTP server on a free local port, collecting what it receives. */
export interface TestSmtpServer {
  /** `smtp://user:password@127.0.0.1:<port>`: what TRESOR_SMTP_URL would be. */
  url: string
  /** Every mail received so far, in order. */
  readonly received: readonly ReceivedMail[]
  /** Every mail received so far for this address. */
  mailsTo(address: string): ReceivedMail[]
  /** The mails for this address once whatever is in flight has landed (after `waitMs`). */
  settledMailsTo(address: string, waitMs?: number): Promise<ReceivedMail[]>
  /**
   * The next mail to `address` this call has not handed out yet: one already received, or the
   * next to arrive (rejects after `timeoutMs`). Successive calls walk through the address's mails.
   */
  nextMailTo(address: string, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/**
 * Starts an SMTP server (smtp-server) that requires the given credentials (plain AUTH without TLS:
 * it only listens on 127.0.0.1) and parses each mail with mailparser.
 */
export async function startSmtpServer(
  credentials: { user: string; password: string } = { user: 'tresor', password: 'smtp-test-secret' },
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = []
  const handedOut = new Map<string, number>()
  const waiters = new Set<() => void>()

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.password)
        callback(null, { user: auth.username })
      else callback(new Error('invalid credentials'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', callback)
      stream.on('end', () => {
        const raw = Buffer.concat(chunks)
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              raw,
              parsed,
            })
            for (const wake of [...waiters]) wake()
            callback()
          })
          .catch((error: Error) => callback(error))
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  const mailsTo = (address: string) => received.filter((m) => m.to.includes(address.toLowerCase()))

  return {
    url: `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`,
    received,
    mailsTo,
    async settledMailsTo(address, waitMs = 300) {
      await new Promise((resolve) => setTimeout(resolve, waitMs))
      return mailsTo(address)
    },
    nextMailTo(address, timeoutMs = 10_000) {
      const key = address.toLowerCase()
      return new Promise<ReceivedMail>((resolve, reject) => {
        const take = (): boolean => {
          const index = handedOut.get(key) ?? 0
          const mail = mailsTo(key)[index]
          if (!mail) return false
          handedOut.set(key, index + 1)
          resolve(mail)
          return true
        }
        if (take()) return
        const timer = setTimeout(() => {
          waiters.delete(wake)
          reject(new Error(`no mail to ${address} within ${timeoutMs} ms`))
        }, timeoutMs)
        const wake = () => {
          if (take()) {
            clearTimeout(timer)
            waiters.delete(wake)
          }
        }
        waiters.add(wake)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
