import { beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { PersonalField } from '../fields/field-catalog.ts'
import { splitFieldsByRole } from './field-access.ts'
import type { GateActor } from './gate.service.ts'

describe('field access (pure)', () => {
  it('splits requested fields by the role’s categories and names the missing category', () => {
    const split = splitFieldsByRole(['email', 'iban', 'region', 'email'], ['contact', 'socio_demographic'])
    expect(split.allowed).toEqual(['email', 'region'])
    expect(split.identifiers).toEqual(['email'])
    expect(split.denied).toEqual([{ field: 'iban', rule: 'role-lacks-field-category', category: 'bank' }])
    expect(split.specialCategory).toBe(false)
  })

  it('allows nothing to a role without categories', () => {
    const fields: PersonalField[] = ['firstName', 'notes', 'gender']
    expect(splitFieldsByRole(fields, []).allowed).toEqual([])
  })
})

describeEachEngine('the gate over a set', (runtime) => {
  const actor: GateActor = { type: 'user', id: 'gate-test', role: 'sales' }
  let ids: string[]

  beforeAll(async () => {
    const { subjects, permissions } = runtime().services
    ids = await subjects.importMany(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      Array.from({ length: 5 }, (_, i) => ({
        kinds: ['lead'],
        source: 'manual',
        attributes: { region: `DE-1${i}` },
        identifiers: { email: `gate-${i}@example.test`, iban: 'DE02120300000000202051' },
      })),
    )
    // Two of the five object to contact management (Art. 21(1)); one is restricted (Art. 18).
    await permissions.recordObjection(
      [ids[0], ids[1]].map((subjectId) => ({
        subjectId: subjectId as string,
        scope: 'purpose' as const,
        purposeKey: 'contact_management',
        action: 'raised' as const,
        source: 'letter' as const,
        actor,
      })),
    )
    await permissions.setRestriction([{ subjectId: ids[2] as string, ground: 'accuracy-contested', actor }])
  })

  const auditSince = async (seq: number) =>
    (
      await runtime()
        .database.db.selectFrom('audit_event')
        .select(['seq', 'action', 'subject_ids', 'fields', 'reason', 'purpose', 'legal_basis'])
        .where('seq', '>', seq)
        .orderBy('seq')
        .execute()
    ).map((r) => ({ ...r, subject_ids: r.subject_ids ? [...r.subject_ids].sort() : null }))
  const head = async () =>
    Number(
      (
        await runtime()
          .database.db.selectFrom('audit_event')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .executeTakeFirst()
      )?.seq ?? 0,
    )

  it('returns the allowed subjects in order with the allowed fields, and each denial with its rule', async () => {
    const result = await runtime().services.gate.use({
      actor,
      purpose: 'contact_management',
      subjectIds: [ids[4] as string, ids[0] as string, ids[3] as string, ids[2] as string],
      fields: ['email', 'iban', 'region'],
    })
    expect(result.subjects.map((s) => s.id)).toEqual([ids[4], ids[3]])
    expect(result.subjects[0]?.identifiers).toEqual({ email: 'gate-4@example.test' })
    expect(result.subjects[0]?.attributes).toEqual({ region: 'DE-14' })
    expect(Object.fromEntries(result.denied.map((d) => [d.subjectId, d.rule]))).toEqual({
      [ids[0] as string]: 'objected',
      [ids[2] as string]: 'restricted',
    })
    expect(result.deniedFields.map((d) => d.field)).toEqual(['iban'])
  })

  it('writes one record for the use and one per denial, naming fields and the set, never values', async () => {
    const before = await head()
    await runtime().services.gate.use({
      actor,
      purpose: 'contact_management',
      subjectIds: ids,
      fields: ['email', 'iban'],
      requestId: 'req-1',
    })
    const records = await auditSince(before)
    const read = records.filter((r) => r.action === 'read')
    expect(read).toHaveLength(1)
    expect(read[0]?.subject_ids).toEqual([ids[3], ids[4]].sort())
    expect(read[0]?.fields).toEqual(['email'])
    expect(read[0]?.purpose).toBe('contact_management')
    expect(read[0]?.legal_basis).toBe('legitimate_interest')
    const denied = records.filter((r) => r.action === 'denied')
    const byReason = Object.fromEntries(denied.map((r) => [r.reason, r.subject_ids]))
    expect(byReason['legal basis: objected']).toEqual([ids[0], ids[1]].sort())
    expect(byReason['legal basis: restricted']).toEqual([ids[2]])
    expect(denied.find((r) => r.fields?.includes('iban'))?.subject_ids).toEqual([ids[3], ids[4]].sort())
    expect(JSON.stringify(records)).not.toContain('example.test')
  })

  it('returns no data when the audit record cannot be written', async () => {
    const { gate, audit } = runtime().services
    const append = audit.append
    audit.append = async () => {
      throw new Error('audit store unavailable')
    }
    try {
      await expect(
        gate.use({ actor, purpose: 'contact_management', subjectIds: [ids[4] as string], fields: ['email'] }),
      ).rejects.toThrow('audit store unavailable')
    } finally {
      audit.append = append
    }
  })

  it('lets a contract purpose use a subject that objected to contact management', async () => {
    const result = await runtime().services.gate.use({
      actor,
      purpose: 'customer_service',
      subjectIds: [ids[0] as string],
      fields: ['email'],
    })
    expect(result.subjects.map((s) => s.id)).toEqual([ids[0]])
  })
})
