import { ConfigError } from '../../../platform/config.ts'

/** One SMS as the provider gets it. */
export interface SmsMessage {
  /** The sender id shown on the phone. */
  from: string
  /** E.164 (`+4915123456789`). */
  to: string
  text: string
  /** Tresor's id of the message (the ledger's, fixed before the first attempt): the provider's client reference. */
  reference: string
}

/** What the provider answered. */
export type SmsSendResult =
  | { status: 'accepted'; providerId?: string | undefined }
  /** 429, 5xx, a timeout or a lost connection: try again later (after `retryAfterMs` if the provider said). */
  | { status: 'retry'; reason: string; retryAfterMs?: number | undefined }
  /** Any other 4xx: the provider won't send it (an invalid number, a blocked destination). */
  | { status: 'rejected'; reason: string }

/** An SMS provider. */
export interface SmsProvider {
  send(message: SmsMessage): Promise<SmsSendResult>
}

/**
 * A generic SMS provider adapter over HTTP: one JSON POST per message to `url`
 *
 *     POST <TRESOR_SMS_URL>
 *     Authorization: Bearer <TRESOR_SMS_TOKEN>
 *     Content-Type: application/json
 *     Idempotency-Key: <reference>
 *     {"from": "Tresor", "to": "+4915123456789", "text": "…", "reference": "<…@…>", "statusUrl": "…/api/v1/campaigns/sms-status"}
 *
 * 2xx: accepted (the provider's id taken from `id` or `messageId` of a JSON answer, if any); 429 and
 * 5xx, a timeout or a network error: retry (honouring `Retry-After` in seconds); any other status:
 * rejected with `http-<status>`. The answer's body is never logged (it may echo the number).
 * Providers with another API get a small adapter of their own implementing `SmsProvider`.
 */
export class HttpSmsProvider implements SmsProvider {
  readonly #url: string
  readonly #token: string | undefined
  readonly #statusUrl: string | undefined
  readonly #timeoutMs: number

  constructor(options: {
    url: string
    token?: string | undefined
    statusUrl?: string | undefined
    timeoutMs?: number
  }) {
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      throw new ConfigError('TRESOR_SMS_URL', 'is not a URL')
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new ConfigError('TRESOR_SMS_URL', 'must be an http(s) URL')
    this.#url = url.toString()
    this.#token = options.token
    this.#statusUrl = options.statusUrl
    this.#timeoutMs = options.timeoutMs ?? 15_000
  }

  async send(message: SmsMessage): Promise<SmsSendResult> {
    let res: Response
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.reference,
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: JSON.stringify({
          from: message.from,
          to: message.to,
          text: message.text,
          reference: message.reference,
          ...(this.#statusUrl ? { statusUrl: this.#statusUrl } : {}),
        }),
      })
    } catch (error) {
      return { status: 'retry', reason: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network' }
    }
    const body = await res.text().catch(() => '')
    if (res.status >= 200 && res.status < 300) {
      let providerId: string | undefined
      try {
        const json = JSON.parse(body) as { id?: unknown; messageId?: unknown }
        const id = json.id ?? json.messageId
        if (typeof id === 'string' && id.length > 0 && id.length <= 200) providerId = id
        else if (typeof id === 'number') providerId = String(id)
      } catch {
        // An answer without JSON: accepted, under Tresor's own reference.
      }
      return { status: 'accepted', providerId }
    }
    if (res.status === 429 || res.status >= 500) {
      const after = Number(res.headers.get('retry-after'))
      return {
        status: 'retry',
        reason: `http-${res.status}`,
        ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: Math.min(after, 86_400) * 1000 } : {}),
      }
    }
    return { status: 'rejected', reason: `http-${res.status}` }
  }
}
