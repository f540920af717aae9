import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AEAD_OVERHEAD,
  aeadDecrypt,
  aeadEncrypt,
  aeadKey,
  DecryptionError,
} from '../../platform/crypto/aead.ts'
import { KeyNotLoadedError, Keyring, type MasterKeySet, masterKeyId } from './keyring.ts'

describe('AES-256-GCM (aead)', () => {
  it('round-trips any bytes under any associated data', () => {
    const key = aeadKey(randomBytes(32))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (plain, aad) => {
        const sealed = aeadEncrypt(key, plain, aad)
        expect(sealed.length).toBe(plain.length + AEAD_OVERHEAD)
        expect(aeadDecrypt(key, sealed, aad).equals(Buffer.from(plain))).toBe(true)
      }),
    )
  })

  it('refuses every single-bit change, another key and other associated data', () => {
    const key = aeadKey(randomBytes(32))
    const other = aeadKey(randomBytes(32))
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (plain, at, bit) => {
          const sealed = aeadEncrypt(key, plain, 'a')
          const tampered = Buffer.from(sealed)
          const index = at % tampered.length
          tampered[index] = (tampered[index] as number) ^ (1 << bit)
          expect(() => aeadDecrypt(key, tampered, 'a')).toThrow(DecryptionError)
          expect(() => aeadDecrypt(other, sealed, 'a')).toThrow(DecryptionError)
          expect(() => aeadDecrypt(key, sealed, 'b')).toThrow(DecryptionError)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('never reuses an IV (ciphertexts of the same value differ)', () => {
    const key = aeadKey(randomBytes(32))
    const ivs = new Set<string>()
    for (let i = 0; i < 10_000; i++)
      ivs.add(aeadEncrypt(key, Buffer.from('same'), 'x').subarray(1, 13).toString('hex'))
    expect(ivs.size).toBe(10_000)
  })

  it('refuses truncated input and unknown versions', () => {
    const key = aeadKey(randomBytes(32))
    const sealed = aeadEncrypt(key, Buffer.from('value'), 'x')
    expect(() => aeadDecrypt(key, sealed.subarray(0, AEAD_OVERHEAD - 1), 'x')).toThrow(DecryptionError)
    const v2 = Buffer.from(sealed)
    v2[0] = 2
    expect(() => aeadDecrypt(key, v2, 'x')).toThrow(DecryptionError)
  })

  it('needs a 32-byte key', () => {
    expect(() => aeadKey(randomBytes(16))).toThrow(/32-byte/)
  })
})

describe('Keyring', () => {
  const current = randomBytes(32)
  const next = randomBytes(32)

  it('names a key by a short, stable id that differs between keys', () => {
    expect(masterKeyId(current)).toMatch(/^[0-9a-f]{16}$/)
    expect(masterKeyId(current)).toBe(masterKeyId(Buffer.from(current)))
    expect(masterKeyId(current)).not.toBe(masterKeyId(next))
    expect(new Keyring({ current, next }).keyIds).toEqual([masterKeyId(current), masterKeyId(next)])
  })

  it('wraps under the current key by default and unwraps by key id', () => {
    const keyring = new Keyring({ current, next })
    const plain = randomBytes(32)
    const a = keyring.wrap(plain, 'subject-key:1')
    expect(a.keyId).toBe(keyring.currentKeyId)
    const b = keyring.wrap(plain, 'subject-key:1', keyring.nextKeyId)
    expect(b.keyId).toBe(masterKeyId(next))
    expect(keyring.unwrap(a.wrapped, a.keyId, 'subject-key:1').equals(plain)).toBe(true)
    expect(keyring.unwrap(b.wrapped, b.keyId, 'subject-key:1').equals(plain)).toBe(true)
  })

  it('binds what a key is for: another AAD or the other master key does not unwrap', () => {
    const keyring = new Keyring({ current, next })
    const { wrapped, keyId } = keyring.wrap(randomBytes(32), 'subject-key:1')
    expect(() => keyring.unwrap(wrapped, keyId, 'subject-key:2')).toThrow(DecryptionError)
    expect(() => keyring.unwrap(wrapped, masterKeyId(next), 'subject-key:1')).toThrow(DecryptionError)
  })

  it('fails clearly, naming the key id, when the key is not held', () => {
    const old = new Keyring({ current })
    const { wrapped, keyId } = old.wrap(randomBytes(32), 'secret:x')
    const other = new Keyring({ current: next })
    let error: unknown
    try {
      other.unwrap(wrapped, keyId, 'secret:x')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KeyNotLoadedError)
    expect((error as Error).message).toContain(keyId)
    expect((error as Error).message).not.toContain(current.toString('hex'))
    expect(() => other.wrap(randomBytes(32), 'secret:x', keyId)).toThrow(KeyNotLoadedError)
  })

  it('reloads the key files on a miss, at most once per interval, and keeps the keys it held', () => {
    let files: MasterKeySet = { current }
    let reloads = 0
    const keyring = new Keyring(
      { current },
      {
        reload: () => {
          reloads++
          return files
        },
        reloadIntervalMs: 60_000,
      },
    )
    const nextId = masterKeyId(next)
    expect(keyring.has(nextId)).toBe(false)
    expect(reloads).toBe(1)
    files = { current, next }
    expect(keyring.has(nextId)).toBe(false) // throttled
    expect(reloads).toBe(1)

    const fresh = new Keyring({ current }, { reload: () => ({ current: next }), reloadIntervalMs: 0 })
    expect(fresh.has(nextId)).toBe(true)
    // the rotation finished under it: the new key is current, the old one still held
    expect(fresh.currentKeyId).toBe(nextId)
    expect(fresh.has(masterKeyId(current))).toBe(true)
  })

  it('survives a failing reload', () => {
    const keyring = new Keyring(
      { current },
      {
        reload: () => {
          throw new Error('file half written')
        },
        reloadIntervalMs: 0,
      },
    )
    expect(() => keyring.unwrap(Buffer.alloc(40), masterKeyId(next), 'x')).toThrow(KeyNotLoadedError)
    expect(keyring.keyIds).toEqual([masterKeyId(current)])
  })
})
