import { aeadDecrypt, aeadEncrypt, aeadKey } from '../../platform/crypto/aead.ts'

/**
 * Encrypts small secrets at rest (the TOTP secret). `aad` binds a sealed value to where it belongs
 * (e.g. the user id), so a ciphertext copied to another row does not open.
 */
export interface SecretBox {
  seal(plain: Buffer, aad: string): Buffer
  /** Throws when the value was changed, sealed with another key or for another `aad`. */
  open(sealed: Buffer, aad: string): Buffer
}

/** AES-256-GCM (the platform's one cipher) under a 32-byte key. */
export function createAesGcmSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the secret box needs a 32-byte key')
  const keyObject = aeadKey(key)
  return {
    seal: (plain, aad) => aeadEncrypt(keyObject, plain, aad),
    open: (sealed, aad) => aeadDecrypt(keyObject, sealed, aad),
  }
}

/**
 * A box whose key arrives after construction (it is a vault secret, read from the database at
 * start-up); using it earlier is a programming error.
 */
export function deferredSecretBox(): SecretBox & { init(key: Buffer): void } {
  let box: SecretBox | undefined
  const ready = (): SecretBox => {
    if (!box) throw new Error('the secret box is used before start-up gave it its key')
    return box
  }
  return {
    init(key) {
      box = createAesGcmSecretBox(key)
    },
    seal: (plain, aad) => ready().seal(plain, aad),
    open: (sealed, aad) => ready().open(sealed, aad),
  }
}
