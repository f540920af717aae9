import { createHmac, type KeyObject } from 'node:crypto'
import { aeadDecrypt, aeadEncrypt, aeadKey } from '../../platform/crypto/aead.ts'

/** The master keys a process holds: the one in use and, during a rotation, the next one. */
export interface MasterKeySet {
  current: Buffer
  next?: Buffer | undefined
}

/** A key wrapped under a master key, and which master key that is. */
export interface WrappedKey {
  wrapped: Buffer
  keyId: string
}

/**
 * The short, public name of a master key: the first 8 bytes (hex) of
 * HMAC-SHA256(master, 'tresor/key-id'). Stored next to everything the key wraps, so a rotation
 * knows what is left to rewrap and an unwrap can say which key it lacks. Reveals nothing usable
 * about the key.
 */
export function masterKeyId(master: Uint8Array): string {
  return createHmac('sha256', master).update('tresor/key-id').digest().subarray(0, 8).toString('hex')
}

/** AAD of a subject's wrapped data key: it only unwraps as that subject's key. */
export const subjectKeyAad = (subjectId: string): string => `subject-key:${subjectId}`

/** AAD of a wrapped vault secret: it only unwraps as the secret of that name. */
export const secretAad = (name: string): string => `secret:${name}`

/** An unwrap or wrap needed a master key this process does not hold. */
export class KeyNotLoadedError extends Error {
  readonly keyId: string
  constructor(keyId: string, loaded: readonly string[]) {
    super(
      `master key ${keyId} is not loaded (this process holds ${loaded.join(', ') || 'none'}); ` +
        'during a key rotation every process needs the current and the next key ' +
        '(master.key and master.key.next, or TRESOR_MASTER_KEY and TRESOR_MASTER_KEY_NEXT); ' +
        'data wrapped under a retired and destroyed key cannot be recovered',
    )
    this.name = 'KeyNotLoadedError'
    this.keyId = keyId
  }
}

export interface KeyringOptions {
  /**
   * Re-reads the master keys (the key files) when a key id is asked for that is not loaded: a
   * server started before `tresor keys rotate` learns the next key without a restart. Called at
   * most once every `reloadIntervalMs` (default 5 s); an error keeps the keys already held.
   */
  reload?: () => MasterKeySet
  reloadIntervalMs?: number
}

/**
 * The key-encryption keys (the master key and, during a rotation, the next one). Wraps and unwraps
 * data keys and vault secrets with AES-256-GCM; the AAD always says what the wrapped key is for
 * (`subject-key:<id>`, `secret:<name>`), so a wrapped key can't be swapped for another.
 */
export class Keyring {
  #keys = new Map<string, KeyObject>()
  #currentKeyId = ''
  #nextKeyId: string | undefined
  readonly #reload: (() => MasterKeySet) | undefined
  readonly #reloadIntervalMs: number
  #lastReload = Number.NEGATIVE_INFINITY

  constructor(keys: MasterKeySet, options: KeyringOptions = {}) {
    this.#reload = options.reload
    this.#reloadIntervalMs = options.reloadIntervalMs ?? 5_000
    this.#load(keys)
  }

  #load(keys: MasterKeySet): void {
    const map = new Map<string, KeyObject>()
    const currentKeyId = masterKeyId(keys.current)
    map.set(currentKeyId, aeadKey(keys.current))
    let nextKeyId: string | undefined
    if (keys.next) {
      nextKeyId = masterKeyId(keys.next)
      map.set(nextKeyId, aeadKey(keys.next))
    }
    // Keys held before stay usable: a server that started before a rotation keeps reading rows
    // not yet rewrapped even after the key files were switched under it.
    for (const [id, key] of this.#keys) if (!map.has(id)) map.set(id, key)
    this.#keys = map
    this.#currentKeyId = currentKeyId
    this.#nextKeyId = nextKeyId === currentKeyId ? undefined : nextKeyId
  }

  /** The master key this process was started with (`master.key` / `TRESOR_MASTER_KEY`). */
  get currentKeyId(): string {
    return this.#currentKeyId
  }

  /** The key an unfinished rotation moves to, if this process holds it. */
  get nextKeyId(): string | undefined {
    return this.#nextKeyId
  }

  /** Every master key id this process holds. */
  get keyIds(): string[] {
    return [...this.#keys.keys()]
  }

  /** Whether the key is held, reloading the key files once if it is not. */
  has(keyId: string): boolean {
    return this.#key(keyId) !== undefined
  }

  #key(keyId: string): KeyObject | undefined {
    const key = this.#keys.get(keyId)
    if (key || !this.#reload) return key
    const now = Date.now()
    if (now - this.#lastReload < this.#reloadIntervalMs) return undefined
    this.#lastReload = now
    try {
      this.#load(this.#reload())
    } catch {
      // a half-written or missing file: keep what we hold; the caller reports the missing key
    }
    return this.#keys.get(keyId)
  }

  #require(keyId: string): KeyObject {
    const key = this.#key(keyId)
    if (!key) throw new KeyNotLoadedError(keyId, this.keyIds)
    return key
  }

  /** Wraps `plain` under the master key `keyId` (default: the current one), binding `aad`. */
  wrap(plain: Uint8Array, aad: string, keyId: string = this.#currentKeyId): WrappedKey {
    return { wrapped: aeadEncrypt(this.#require(keyId), plain, aad), keyId }
  }

  /**
   * Unwraps a key wrapped under master key `keyId` for `aad`. Throws `KeyNotLoadedError` if that
   * key is not held, `DecryptionError` if the bytes were changed or belong to another AAD.
   */
  unwrap(wrapped: Uint8Array, keyId: string, aad: string): Buffer {
    return aeadDecrypt(this.#require(keyId), wrapped, aad)
  }
}
