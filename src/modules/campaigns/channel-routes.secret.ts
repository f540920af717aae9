import { createHash, timingSafeEqual } from 'node:crypto'
import { ProblemError } from '../../platform/problem.ts'

/**
 * The shared secret of a provider webhook (`POST /campaigns/bounces`, `POST /campaigns/sms-status`):
 * sent as `Authorization: Bearer <secret>` or `X-Tresor-Webhook-Secret: <secret>`, compared in
 * constant time (over SHA-256 digests, so the length leaks nothing). No session, no API token: a
 * provider holds only this secret, which can do nothing but report bounces or deliveries. Without a
 * configured secret the endpoint refuses everyone. 401 problem+json otherwise; the secret is never
 * logged.
 */
export function requireWebhookSecret(
  headers: Record<string, string | string[] | undefined>,
  secret: string | undefined,
  setting: string,
): void {
  if (!secret)
    throw new ProblemError(
      'unauthenticated',
      `this endpoint is off: set ${setting} and send it as a Bearer token`,
    )
  const auth = headers.authorization
  const header = headers['x-tresor-webhook-secret']
  const given =
    typeof auth === 'string' && /^Bearer\s+/i.test(auth)
      ? auth.replace(/^Bearer\s+/i, '').trim()
      : typeof header === 'string'
        ? header.trim()
        : undefined
  if (given === undefined)
    throw new ProblemError(
      'unauthenticated',
      'send the shared secret as a Bearer token (Authorization header)',
    )
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()
  if (!timingSafeEqual(digest(given), digest(secret)))
    throw new ProblemError('unauthenticated', 'the shared secret does not match')
}
