import { isIPv4, isIPv6 } from 'node:net'

/** The page languages. */
export type Lang = 'de' | 'en'

/**
 * The IP address as kept in a consent proof: IPv4 cut to its /24, IPv6 to its /48 (the network,
 * not the device: enough to show where a sign-up came from, Art. 5(1)(c)). Undefined for
 * anything that is not an address.
 */
export function truncateIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const v4 = mapped ? (mapped[1] as string) : ip
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`
  if (!isIPv6(ip)) return undefined
  const groups = expandIpv6(ip.split('%')[0] as string)
  return `${groups
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`
}

/** The eight 16-bit groups of an IPv6 address (written as hex). */
function expandIpv6(ip: string): string[] {
  let address = ip
  // A trailing dotted quad (::1.2.3.4) is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number]
    address = `${address.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = address.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right]
}

/** The user agent as kept in a consent proof: at most 500 characters, control characters removed. */
export function proofUserAgent(userAgent: string | string[] | undefined): string | undefined {
  const value = Array.isArray(userAgent) ? userAgent[0] : userAgent
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = value?.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return clean ? clean.slice(0, 500) : undefined
}

/** `?lang=` when it names a language, else the first of `de`/`en` the browser prefers; default English. */
export function pickLanguage(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'de' || query === 'en') return query
  const preferences = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
      return { lang: tag.split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index }
    })
    .filter((p) => p.q > 0 && (p.lang === 'de' || p.lang === 'en'))
    .sort((a, b) => b.q - a.q || a.index - b.index)
  return (preferences[0]?.lang as Lang | undefined) ?? 'en'
}
