import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AuditRecordEncoder,
  auditRecordHash,
  type ChainFields,
  checkpointMessage,
  GENESIS_HASH,
  normaliseSubjectIds,
  subjectSetDigest,
} from './audit-hash.ts'

const base: ChainFields = {
  seq: 1,
  atMicros: 1_767_225_600_000_000, // 2026-01-01T00:00:00Z
  actorType: 'user',
  actorId: '7a1c0f4e-0000-4000-8000-000000000001',
  actorRole: 'dpo',
  action: 'update',
  subjectIds: ['0b9f2d6c-0000-4000-8000-000000000002'],
  subjectSet: null,
  purpose: 'invoicing',
  legalBasis: 'legal_obligation',
  fields: ['street', 'city'],
  requestId: 'req-1',
  reason: 'Anschrift berichtigt (Art. 16)',
  sealedSubjectId: '0b9f2d6c-0000-4000-8000-000000000002',
  sealedValues: Buffer.from('00112233', 'hex'),
}

describe('audit record encoding and hash', () => {
  it('is stable: this vector must never change (every stored chain depends on it)', () => {
    expect(auditRecordHash(GENESIS_HASH, base).toString('hex')).toBe(
      createHash('sha256').update(new AuditRecordEncoder().encode(GENESIS_HASH, base)).digest('hex'),
    )
    expect(auditRecordHash(GENESIS_HASH, base).toString('hex')).toBe(
      '632abac86a6a7973bcaf06ea18764cd720095b211fcdb92f56dfa8b1fd56835f',
    )
  })

  it("encodes as documented in ADR 0005: prev_hash, then PostgreSQL's binary row format", () => {
    const bytes = new AuditRecordEncoder().encode(Buffer.alloc(32, 0xab), { ...base, sealedValues: null })
    expect(bytes.subarray(0, 32)).toEqual(Buffer.alloc(32, 0xab))
    expect(bytes.readInt32BE(32)).toBe(17) // columns
    // seq: type int8 (OID 20), length 8, big-endian
    expect(bytes.subarray(36, 52).toString('hex')).toBe('00000014' + '00000008' + '0000000000000001')
    // at: type timestamptz (OID 1184), length 8, microseconds since 2000-01-01
    expect(bytes.subarray(52, 60).toString('hex')).toBe('000004a000000008')
    expect(bytes.readBigInt64BE(60)).toBe(1_767_225_600_000_000n - 946_684_800_000_000n)
    // actor type: type text (OID 25), length, UTF-8
    expect(bytes.subarray(68, 80).toString('hex')).toBe(
      `0000001900000004${Buffer.from('user').toString('hex')}`,
    )
    // the last column (sealed values, bytea OID 17) is NULL: length -1
    expect(bytes.subarray(-8).toString('hex')).toBe('00000011ffffffff')
  })

  it('tells apart every pair of different records (no ambiguous boundaries, null vs empty)', () => {
    const variants: ChainFields[] = [
      base,
      { ...base, reason: null },
      { ...base, reason: '' },
      { ...base, purpose: 'invoicin', legalBasis: 'glegal_obligation' },
      { ...base, fields: ['streetcity'] },
      { ...base, fields: ['street', 'city', ''] },
      { ...base, fields: null },
      { ...base, fields: [] },
      { ...base, subjectIds: null },
      { ...base, actorRole: null },
      { ...base, actorRole: '' },
      { ...base, seq: 2 },
      { ...base, atMicros: base.atMicros + 1 },
      { ...base, sealedValues: Buffer.alloc(0) },
      { ...base, sealedValues: null },
      { ...base, subjectIds: null, subjectSet: { id: base.actorId, size: 1, digest: Buffer.alloc(32) } },
      { ...base, subjectIds: null, subjectSet: { id: base.actorId, size: 2, digest: Buffer.alloc(32) } },
    ]
    const hashes = variants.map((v) => auditRecordHash(GENESIS_HASH, v).toString('hex'))
    expect(new Set(hashes).size).toBe(variants.length)
    expect(auditRecordHash(Buffer.alloc(32, 1), base)).not.toEqual(auditRecordHash(GENESIS_HASH, base))
  })

  it('any two different string lists encode differently', () => {
    const encoder = new AuditRecordEncoder()
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b))
        const ea = Buffer.from(encoder.encode(GENESIS_HASH, { ...base, fields: a }))
        const eb = Buffer.from(encoder.encode(GENESIS_HASH, { ...base, fields: b }))
        expect(ea.equals(eb)).toBe(false)
      }),
    )
  })

  it('reuses its buffer safely across records of any size', () => {
    const encoder = new AuditRecordEncoder()
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.uint8Array({ maxLength: 9000 }), (reason, sealed) => {
        const record = { ...base, reason, sealedValues: sealed }
        expect(encoder.hash(GENESIS_HASH, record)).toEqual(
          new AuditRecordEncoder().hash(GENESIS_HASH, record),
        )
      }),
    )
  })
})

describe('subject sets and checkpoints', () => {
  it('normalises subject ids to one sorted, distinct, lower-case form', () => {
    const a = '0B9F2D6C-0000-4000-8000-000000000002'
    const b = '0a9f2d6c-0000-4000-8000-000000000002'
    expect(normaliseSubjectIds([a, b, a.toLowerCase()])).toEqual([b, a.toLowerCase()])
    expect(() => normaliseSubjectIds(['x'])).toThrow('UUID')
  })

  it('digests the sorted 16-byte ids', () => {
    const ids = normaliseSubjectIds([
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000001',
    ])
    const expected = createHash('sha256')
      .update(Buffer.from('00000000000040008000000000000001' + '00000000000040008000000000000002', 'hex'))
      .digest()
    expect(subjectSetDigest(ids)).toEqual(expected)
  })

  it('signs seq, hash and time behind a domain tag', () => {
    const message = checkpointMessage(5, Buffer.alloc(32, 9), 42)
    expect(message.subarray(0, 26).toString('ascii')).toBe('tresor.audit.checkpoint.v1')
    expect(message.readBigInt64BE(26)).toBe(5n)
    expect(message.subarray(34, 66)).toEqual(Buffer.alloc(32, 9))
    expect(message.readBigInt64BE(66)).toBe(42n)
  })
})
