import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request the peer received, as the SMS provider would see it. */
export interface SmsRequest {
  authorization: string | undefined
  idempotencyKey: string | undefined
  body: { from?: string; to?: string; text?: string; reference?: string; statusUrl?: string }
  /** What the peer answered. */
  status: number
  /** The provider id given with a 2xx. */
  providerId?: string
}

/** What the next requests get: a queue of statuses (then 202 with a provider id). */
export interface SmsPeer {
  url: string
  received: SmsRequest[]
  /** Statuses the next requests are answered with, one each (e.g. 429, 503, 400), before the 202s. */
  failNext(...statuses: number[]): void
  /** The accepted messages (2xx) only. */
  accepted(): SmsRequest[]
  close(): Promise<void>
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

/**
 * A real HTTP SMS provider for the tests (node:http on a random local port): records every POST
 * with its headers and JSON body; answers the queued failure statuses first (429 with
 * `Retry-After: 0`, 5xx, 4xx), then `202 {"id": "sms-<uuid>"}`.
 */
export async function startSmsPeer(): Promise<SmsPeer> {
  const received: SmsRequest[] = []
  const failures: number[] = []
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req)
    let body: SmsRequest['body'] = {}
    try {
      body = JSON.parse(raw) as SmsRequest['body']
    } catch {
      body = {}
    }
    const status = failures.shift() ?? 202
    const entry: SmsRequest = {
      authorization: req.headers.authorization,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      body,
      status,
    }
    if (status >= 200 && status < 300) {
      entry.providerId = `sms-${randomUUID()}`
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: entry.providerId, status: 'queued' }))
    } else {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 429 ? { 'retry-after': '0' } : {}),
      })
      res.end(JSON.stringify({ error: status === 429 ? 'too many requests' : 'refused' }))
    }
    received.push(entry)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/messages`,
    received,
    failNext: (...statuses) => failures.push(...statuses),
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
