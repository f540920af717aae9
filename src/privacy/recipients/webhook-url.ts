import { isIP } from 'node:net'

/**
 * SSRF (server-side request forgery): a webhook URL is a request Tresor makes on a user's say-so,
 * from inside the company's network. So: http or https only, no credentials in the URL, no
 * fragment; and, unless the installation allows it (TRESOR_WEBHOOKS_ALLOW_PRIVATE, for receivers
 * on the same network), no host that is or resolves to a loopback, private, link-local (the cloud
 * metadata service at 169.254.169.254), unique-local or otherwise non-public address — checked on
 * the name when the subscription is made and on every address the name resolves to when a delivery
 * connects (DNS rebinding). Redirects are never followed.
 */

/** Why the URL can't be a webhook's, or null. */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL'
  if (url.username || url.password) return 'must not carry a user name or password'
  if (url.hash) return 'must not have a fragment'
  if (!url.hostname) return 'names no host'
  if (allowPrivate) return null
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return 'names a local host: webhooks go to public addresses'
  if (isIP(host) && !isPublicAddress(host))
    return 'names a private or reserved address: webhooks go to public addresses'
  return null
}

const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
]

const v4 = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0)

/** Whether an IP address (v4 or v6) is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const n = v4(ip)
    return !V4_BLOCKED.some(([base, bits]) => {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
      return (n & mask) >>> 0 === (v4(base) & mask) >>> 0
    })
  }
  const lower = ip.toLowerCase()
  // IPv4-mapped (::ffff:a.b.c.d) is the v4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped?.[1]) return isPublicAddress(mapped[1])
  // The URL parser writes it in hex (::ffff:7f00:1).
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (hex?.[1] && hex[2]) {
    const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)]
    return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`)
  }
  if (lower === '::' || lower === '::1') return false
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 2001:db8::/32 documentation.
  return !/^(f[cd]|fe[89ab]|ff|2001:0?db8:)/.test(lower)
}
