import { generateSecret, generateURI, verifySync } from 'otplib'

/**
 * TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30-second steps, a 160-bit
 * secret in base32.
 */
export const TOTP_PERIOD_SECONDS = 30
export const TOTP_ISSUER = 'Tresor'
export const TOTP_CODE_PATTERN = '^[0-9]{6}$'

export const newTotpSecret = (): string => generateSecret({ length: 20 })

/** The `otpauth://` URI an authenticator app imports (as a QR code or pasted). */
export const totpUri = (account: string, secret: string): string =>
  generateURI({ issuer: TOTP_ISSUER, label: account, secret, period: TOTP_PERIOD_SECONDS })

export const totpStepAt = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS)

/**
 * The time step of `code` if it is valid within one step of `nowMs` either way (clock drift
 * between phone and server) and newer than `afterStep` (a code is accepted once: replaying it, or
 * an older one, fails). Undefined otherwise.
 */
export function matchTotpCode(
  secret: string,
  code: string,
  options: { nowMs: number; afterStep: number | null },
): number | undefined {
  if (!new RegExp(TOTP_CODE_PATTERN).test(code)) return undefined
  const epoch = Math.floor(options.nowMs / 1000)
  // otplib refuses an afterTimeStep beyond the window; such a last step (a clock set back) means
  // no code of the window can be newer anyway.
  if (options.afterStep !== null && options.afterStep >= totpStepAt(options.nowMs) + 1) return undefined
  const result = verifySync({
    secret,
    token: code,
    epoch,
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(options.afterStep !== null ? { afterTimeStep: options.afterStep } : {}),
  })
  // The functional API types results of TOTP and HOTP alike; a TOTP result carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}
