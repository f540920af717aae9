import { randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

/** argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1). */
const ARGON2ID = 2 // Algorithm.Argon2id; the package exports it as a const enum we can't import
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 256

export const hashPassword = (password: string): Promise<string> => hash(password, PARAMS)

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/** A hash of a random password: verifying against it costs what a real check costs. */
let decoy: Promise<string> | undefined
export const decoyHash = (): Promise<string> => {
  decoy ??= hashPassword(randomBytes(16).toString('hex'))
  return decoy
}

/** A random password of 24 characters from a 62-character alphabet (~143 bits). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let out = ''
  while (out.length < 24) {
    for (const byte of randomBytes(32)) {
      // rejection sampling keeps the distribution uniform
      if (byte < 248 && out.length < 24) out += alphabet[byte % 62]
    }
  }
  return out
}

/** Returns the reason a password is not acceptable, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`
  return undefined
}
