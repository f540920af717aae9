import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Signatures as the Standard Webhooks specification (standardwebhooks.com) makes them, so any of
 * its libraries verifies Tresor's deliveries: headers `webhook-id` (the delivery id, the same on
 * every attempt: the receiver's idempotency key), `webhook-timestamp` (Unix seconds of this
 * attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the
 * secret `whsec_<base64 key>`. The timestamp is signed, so a receiver refuses replays of old
 * attempts (the specification suggests five minutes of tolerance).
 */
export const SECRET_PREFIX = 'whsec_'

/** The HMAC key a `whsec_` secret stands for. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_')
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
}

/** The `webhook-signature` header's value for one attempt. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')
  return `v1,${mac}`
}

/**
 * Whether the headers sign the body under the secret, within `toleranceSeconds` of `now`: what a
 * receiver checks (Tresor's tests do, with a real HTTP receiver).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp)
  if (!Number.isInteger(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds)
    return false
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body))
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate)
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
