import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { aeadKey } from '../../platform/crypto/aead.ts'
import { BlindIndex } from './blind-index.ts'
import { decryptIdentity } from './identifier-cipher.ts'
import {
  type DigestItem,
  digestInParallel,
  digestItems,
  type SealGroup,
  sealInParallel,
} from './vault-crypto.ts'

describe('vault crypto on worker threads', () => {
  const index = new BlindIndex(randomBytes(32), { phoneRegion: 'DE' })

  it('seals a large batch across the workers, each record under its subject key, in order', async () => {
    const groups: SealGroup[] = Array.from({ length: 1_700 }, (_, i) => ({
      subjectId: randomUUID(),
      dataKey: randomBytes(32),
      record: { firstName: `Vorname ${i}`, email: `person.${i}@example.com` },
    }))
    const sealed = await sealInParallel(groups)
    expect(sealed).toHaveLength(groups.length)
    groups.forEach((g, i) => {
      expect(decryptIdentity(aeadKey(g.dataKey), g.subjectId, sealed[i]!)).toEqual(g.record)
    })
    // bound to its subject: another subject's id does not open it
    const [first, second] = groups as [SealGroup, SealGroup]
    expect(() => decryptIdentity(aeadKey(first.dataKey), second.subjectId, sealed[0]!)).toThrow()
  })

  it('digests a large batch across the workers exactly as this thread does, invalid values included', async () => {
    const items: DigestItem[] = Array.from({ length: 2_500 }, (_, i) =>
      i % 3 === 0
        ? { kind: 'phone', value: `0151 ${20_000_000 + i}` }
        : i % 97 === 0
          ? { kind: 'email', value: 'not an address' }
          : { kind: 'email', value: ` Person.${i}@Example.com ` },
    )
    const parallel = await digestInParallel(index, index.spec(), items)
    expect(parallel).toEqual(digestItems(index, items))
    expect(parallel[97]).toEqual({ invalid: 'is not an e-mail address' })
    expect(parallel[1]).toEqual(index.digest('email', 'person.1@example.com'))
  })
})
