import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'

/**
 * Signs audit checkpoints (Ed25519). Injected into the audit log: production wires a key kept
 * wrapped in the vault; tests generate one. Its public key is also the key verify trusts.
 */
export interface AuditSigner {
  readonly publicKey: KeyObject
  sign(data: Buffer): Buffer
}

/** A signer over an Ed25519 private key. */
export function ed25519AuditSigner(privateKey: KeyObject): AuditSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError('audit checkpoints are signed with Ed25519')
  const publicKey = createPublicKey(privateKey)
  return { publicKey, sign: (data) => sign(null, data, privateKey) }
}

/** A fresh random key pair: for tests and throwaway installations. */
export function generateAuditSigner(): AuditSigner {
  return ed25519AuditSigner(generateKeyPairSync('ed25519').privateKey)
}

/** The raw 32 bytes of an Ed25519 public key, as `audit_checkpoint.public_key` stores it. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' })
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new TypeError('not an Ed25519 public key')
  return Buffer.from(jwk.x, 'base64url')
}

/** True when `signature` over `data` verifies under one of the trusted keys. */
export function signedByTrustedKey(
  data: Buffer,
  signature: Uint8Array,
  trustedKeys: readonly KeyObject[],
): boolean {
  return trustedKeys.some((key) => {
    try {
      return verify(null, data, key, signature)
    } catch {
      return false
    }
  })
}
