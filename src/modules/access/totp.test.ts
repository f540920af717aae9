import { generateSync } from 'otplib'
import { describe, expect, it } from 'vitest'
import { matchTotpCode, newTotpSecret, totpStepAt, totpUri } from './totp.ts'

describe('TOTP codes', () => {
  const secret = newTotpSecret()
  // In the middle of a step, so neighbouring steps are exactly ±30 s away.
  const nowMs = (1_800_000_000 - (1_800_000_000 % 30) + 15) * 1000
  const step = totpStepAt(nowMs)
  const codeAt = (steps: number) => generateSync({ secret, epoch: nowMs / 1000 + steps * 30 })

  it('makes 160-bit base32 secrets and an otpauth URI for the app', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(secret)
    const uri = new URL(totpUri('a.user@example.com', secret))
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(secret)
    expect(uri.searchParams.get('issuer')).toBe('Tresor')
  })

  it('accepts the codes of this step and one step either way, and returns their step', () => {
    expect(matchTotpCode(secret, codeAt(0), { nowMs, afterStep: null })).toBe(step)
    expect(matchTotpCode(secret, codeAt(-1), { nowMs, afterStep: null })).toBe(step - 1)
    expect(matchTotpCode(secret, codeAt(1), { nowMs, afterStep: null })).toBe(step + 1)
    expect(matchTotpCode(secret, codeAt(-2), { nowMs, afterStep: null })).toBeUndefined()
    expect(matchTotpCode(secret, codeAt(2), { nowMs, afterStep: null })).toBeUndefined()
  })

  it('refuses a code of a step already used, or older', () => {
    expect(matchTotpCode(secret, codeAt(0), { nowMs, afterStep: step })).toBeUndefined()
    expect(matchTotpCode(secret, codeAt(-1), { nowMs, afterStep: step })).toBeUndefined()
    expect(matchTotpCode(secret, codeAt(1), { nowMs, afterStep: step })).toBe(step + 1)
    // A last step ahead of the whole window (the server clock went back) accepts nothing, and does not throw.
    expect(matchTotpCode(secret, codeAt(1), { nowMs, afterStep: step + 5 })).toBeUndefined()
  })

  it('refuses malformed codes without throwing', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456']) {
      expect(matchTotpCode(secret, code, { nowMs, afterStep: null })).toBeUndefined()
    }
  })
})
