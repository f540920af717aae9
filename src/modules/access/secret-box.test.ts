import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createAesGcmSecretBox } from './secret-box.ts'

describe('AES-256-GCM secret box', () => {
  const box = createAesGcmSecretBox(randomBytes(32))
  const plain = Buffer.from('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')

  it('seals so that only the same key and binding open it', () => {
    const sealed = box.seal(plain, 'user-1')
    expect(sealed.includes(plain)).toBe(false)
    expect(box.open(sealed, 'user-1')).toEqual(plain)
    expect(box.seal(plain, 'user-1')).not.toEqual(sealed) // a fresh IV every time
    expect(() => box.open(sealed, 'user-2')).toThrow()
    expect(() => createAesGcmSecretBox(randomBytes(32)).open(sealed, 'user-1')).toThrow()
  })

  it('detects any changed byte', () => {
    const sealed = box.seal(plain, 'user-1')
    for (const index of [0, 5, 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed)
      tampered[index] = (tampered[index] as number) ^ 1
      expect(() => box.open(tampered, 'user-1')).toThrow()
    }
    expect(() => box.open(sealed.subarray(0, 10), 'user-1')).toThrow()
  })

  it('needs a 256-bit key', () => {
    expect(() => createAesGcmSecretBox(randomBytes(16))).toThrow()
  })
})
