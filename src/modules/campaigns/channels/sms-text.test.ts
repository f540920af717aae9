import { describe, expect, it } from 'vitest'
import { optOutPlaceholder, smsLength, smsTooLong, withOptOut } from './sms-text.ts'

describe('SMS length', () => {
  it('counts GSM-7 septets, the extension characters twice', () => {
    expect(smsLength('Hallo Jürgen!')).toEqual({ encoding: 'gsm-7', units: 13, segments: 1, perSegment: 160 })
    expect(smsLength('20 €')).toMatchObject({ encoding: 'gsm-7', units: 5 })
    expect(smsLength('a'.repeat(160))).toMatchObject({ segments: 1 })
    expect(smsLength('a'.repeat(161))).toMatchObject({ segments: 2, perSegment: 153 })
    expect(smsLength('a'.repeat(306))).toMatchObject({ segments: 2 })
    expect(smsLength('a'.repeat(307))).toMatchObject({ segments: 3 })
  })

  it('falls back to UCS-2 for any character outside GSM-7', () => {
    expect(smsLength('Ça va? 😀')).toMatchObject({ encoding: 'ucs-2', units: 9, segments: 1, perSegment: 70 })
    expect(smsLength(`${'a'.repeat(70)}`)).toMatchObject({ encoding: 'gsm-7' })
    expect(smsLength(`ć${'a'.repeat(70)}`)).toMatchObject({
      encoding: 'ucs-2',
      units: 71,
      segments: 2,
      perSegment: 67,
    })
  })

  it('checks a body with its opt-out line against the limit', () => {
    const url = 'https://crm.example.test'
    expect(optOutPlaceholder('de', url)).toMatch(
      /^Abmelden: https:\/\/crm\.example\.test\/p\/unsubscribe\/x{43}$/,
    )
    expect(smsTooLong('Hallo', 'de', url, 1)).toBeUndefined()
    expect(smsTooLong('a'.repeat(150), 'de', url, 1)).toMatch(/is 2 SMS segments long/)
    expect(smsTooLong('😀'.repeat(10), 'en', url, 1)).toMatch(/UCS-2/)
    expect(withOptOut('Hi  \n', 'STOP')).toBe('Hi\nSTOP')
  })
})
