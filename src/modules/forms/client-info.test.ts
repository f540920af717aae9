import { describe, expect, it } from 'vitest'
import { pickLanguage, proofUserAgent, truncateIp } from './client-info.ts'

describe('consent proof: the request as kept', () => {
  it('cuts IPv4 addresses to their /24 and IPv6 addresses to their /48', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24')
    expect(truncateIp('::ffff:198.51.100.9')).toBe('198.51.100.0/24')
    expect(truncateIp('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48')
    expect(truncateIp('2001:0db8:0000::1')).toBe('2001:db8:0::/48')
    expect(truncateIp('::1')).toBe('0:0:0::/48')
    expect(truncateIp('fe80::1%eth0')).toBe('fe80:0:0::/48')
    expect(truncateIp('not an ip')).toBeUndefined()
    expect(truncateIp(undefined)).toBeUndefined()
  })

  it('keeps at most 500 characters of the user agent, without control characters', () => {
    expect(proofUserAgent('Mozilla/5.0\r\nX-Evil: 1')).toBe('Mozilla/5.0X-Evil: 1')
    expect(proofUserAgent('a'.repeat(600))).toHaveLength(500)
    expect(proofUserAgent('   ')).toBeUndefined()
  })

  it('picks the page language from ?lang, else Accept-Language, else English', () => {
    expect(pickLanguage('de', 'en')).toBe('de')
    expect(pickLanguage(undefined, 'de-DE,de;q=0.9,en;q=0.8')).toBe('de')
    expect(pickLanguage(undefined, 'fr-FR, en;q=0.5, de;q=0.7')).toBe('de')
    expect(pickLanguage('xx', 'fr')).toBe('en')
    expect(pickLanguage(undefined, undefined)).toBe('en')
  })
})
