import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
  randomFillSync,
} from 'node:crypto'

/**
 * AES-256-GCM, the one cipher of the vault, for wrapping keys under the master key and for
 * encrypting identifiers under a subject's data key. Every ciphertext is
 * `version (1 byte) | iv (12) | tag (16) | ciphertext`, and every call binds associated data
 * (AAD) that says what the bytes belong to, so a ciphertext copied elsewhere fails to open.
 */

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES

/** Bytes a ciphertext is longer than its plaintext. */
export const AEAD_OVERHEAD = HEADER_BYTES

/** Raised when a ciphertext is malformed, was changed, or belongs to another key or AAD; says no more. */
export class DecryptionError extends Error {
  constructor(message = 'the ciphertext does not open with this key and associated data') {
    super(message)
    this.name = 'DecryptionError'
  }
}

/**
 * A 32-byte key as a KeyObject. Convert once and reuse: Node re-imports a raw Buffer key on every
 * createCipheriv, which costs about ten times the encryption of a short value.
 */
export function aeadKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key')
  return createSecretKey(raw)
}

// Random IVs come from one pooled buffer: a getrandom call per value costs more than the encryption.
// 96-bit random IVs are safe for far more than the 2^32 messages a GCM key may see (NIST SP 800-38D);
// a data key encrypts a handful, the master key one per subject.
const IV_POOL_BYTES = IV_BYTES * 4096
let ivPool = Buffer.allocUnsafe(0)
let ivOffset = 0

function writeIv(into: Buffer, at: number): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafe(IV_POOL_BYTES))
    ivOffset = 0
  }
  ivPool.copy(into, at, ivOffset, ivOffset + IV_BYTES)
  ivOffset += IV_BYTES
  return into.subarray(at, at + IV_BYTES)
}

const aadBytes = (aad: string | Uint8Array): Uint8Array =>
  typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad

/** Encrypts `plaintext` under `key`, binding `aad`. */
export function aeadEncrypt(key: KeyObject, plaintext: Uint8Array, aad: string | Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + plaintext.length)
  out[0] = VERSION
  const iv = writeIv(out, 1)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aadBytes(aad))
  const body = cipher.update(plaintext)
  const tail = cipher.final()
  body.copy(out, HEADER_BYTES)
  tail.copy(out, HEADER_BYTES + body.length)
  cipher.getAuthTag().copy(out, 1 + IV_BYTES)
  return out
}

/** Decrypts what `aeadEncrypt` produced with the same key and AAD; throws `DecryptionError` otherwise. */
export function aeadDecrypt(key: KeyObject, sealed: Uint8Array, aad: string | Uint8Array): Buffer {
  if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) throw new DecryptionError()
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES))
  decipher.setAAD(aadBytes(aad))
  decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES))
  try {
    const body = decipher.update(bytes.subarray(HEADER_BYTES))
    const tail = decipher.final()
    return tail.length === 0 ? body : Buffer.concat([body, tail])
  } catch {
    throw new DecryptionError()
  }
}
