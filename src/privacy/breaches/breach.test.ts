import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { GateActor } from '../gate/gate.service.ts'
import { breachClock, isLateNotification, notificationDeadline, reminderStage } from './breach.ts'

const H = 3_600_000
const aware = new Date('2026-03-02T10:00:00Z')
const open = { awareAt: aware, risk: 'risk' as const, authorityNotifiedAt: null, status: 'open' as const }

describe('the 72-hour clock (Art. 33(1))', () => {
  it('runs from awareness to 72 hours later, and stops when the authority is notified', () => {
    expect(notificationDeadline(aware).toISOString()).toBe('2026-03-05T10:00:00.000Z')
    expect(breachClock(open, new Date(aware.getTime() + 10 * H))).toMatchObject({
      notificationRequired: true,
      remainingMs: 62 * H,
      overdue: false,
      late: false,
    })
    expect(breachClock(open, new Date(aware.getTime() + 73 * H))).toMatchObject({
      remainingMs: -1 * H,
      overdue: true,
    })
    const notifiedLate = {
      ...open,
      authorityNotifiedAt: new Date(aware.getTime() + 80 * H),
      status: 'notified' as const,
    }
    expect(breachClock(notifiedLate, new Date(aware.getTime() + 90 * H))).toMatchObject({
      remainingMs: null,
      overdue: false,
      late: true,
    })
    expect(isLateNotification(aware, new Date(aware.getTime() + 72 * H))).toBe(false)
    expect(isLateNotification(aware, new Date(aware.getTime() + 72 * H + 1))).toBe(true)
  })

  it('needs no notification where the breach is unlikely to result in a risk', () => {
    expect(breachClock({ ...open, risk: 'none' }, new Date(aware.getTime() + 100 * H))).toMatchObject({
      notificationRequired: false,
      remainingMs: null,
      overdue: false,
    })
    expect(reminderStage({ ...open, risk: 'none' }, new Date(aware.getTime() + 100 * H))).toBe(0)
  })

  it('reminds when 24 hours are left, and again when the time ran out', () => {
    expect(reminderStage(open, new Date(aware.getTime() + 47 * H))).toBe(0)
    expect(reminderStage(open, new Date(aware.getTime() + 48 * H))).toBe(1)
    expect(reminderStage(open, new Date(aware.getTime() + 72 * H))).toBe(2)
  })
})

describeEachEngine('the breach register: affected people from the audit trail', (runtime) => {
  const dpo = { type: 'user' as const, id: 'dpo-1' }
  const leaked: GateActor = { type: 'token', id: 'token-leaked', role: 'admin' }
  const other: GateActor = { type: 'user', id: 'user-other', role: 'admin' }
  let ids: string[] = []
  let many: string[] = []
  let from: Date
  let until: Date

  beforeAll(async () => {
    const { gate, audit } = runtime().services
    ids = (await gate.collect({
      actor: { type: 'user', id: 'setup', role: 'admin' },
      subjects: Array.from({ length: 6 }, (_, i) => ({
        kinds: ['customer' as const],
        source: 'test',
        attributes: {},
        identifiers: { firstName: `Person${i}`, email: `p${i}@example.test` },
      })),
    })) as string[]
    from = new Date(Date.now() - 60_000)
    // The leaked token read 0-2 (one of them twice) and its e-mail; another user read 3-4.
    await gate.use({
      actor: leaked,
      purpose: 'contact_management',
      subjectIds: ids.slice(0, 2),
      fields: ['email'],
    })
    await gate.use({
      actor: leaked,
      purpose: 'contact_management',
      subjectIds: ids.slice(1, 3),
      fields: ['email'],
    })
    await gate.use({
      actor: other,
      purpose: 'contact_management',
      subjectIds: ids.slice(3, 5),
      fields: ['email'],
    })
    // An export of 1,001 people: its subjects are stored as a linked set (audit_subject_set).
    const { rows } = await sql<{ id: string }>`
      insert into subject (kinds, source) select array['customer'], 'test' from generate_series(1, 1001)
      returning id`.execute(runtime().database.db)
    many = rows.map((r) => r.id)
    await audit.append([{ actor: leaked, action: 'export', subjectIds: many, purpose: 'contact_management' }])
    until = new Date(Date.now() + 60_000)
  })

  it('computes the set with one query: inline and linked subjects, counted per audit record, the query kept', async () => {
    const { breaches } = runtime().services
    const breach = await breaches.record(
      {
        awareAt: new Date(),
        title: 'Leaked API token',
        description: 'An API token was posted in a public repository.',
        risk: 'high',
      },
      { actor: dpo },
    )
    const result = await breaches.computeAffected(
      breach.id,
      { actor: { type: 'token', id: leaked.id }, from, until, actions: ['read', 'export'] },
      { actor: dpo },
    )
    expect(result.counts.subjects).toBe(3 + 1001)
    const page = await breaches.affected(breach.id, { limit: 2000 })
    const byId = new Map(page.map((p) => [p.subjectId, p.records]))
    expect(byId.get(ids[1] as string)).toBe(2)
    expect(byId.get(ids[0] as string)).toBe(1)
    expect(byId.has(ids[3] as string)).toBe(false)
    expect(byId.has(ids[5] as string)).toBe(false)
    expect(byId.get(many[0] as string)).toBe(1)
    // Reads only: the export is left out; another window or actor adds up.
    const reads = await breaches.record(
      {
        awareAt: new Date(),
        title: 'Reads only',
        description: 'Only what the token read on screen.',
        risk: 'risk',
      },
      { actor: dpo },
    )
    await breaches.computeAffected(
      reads.id,
      { actor: { type: 'token', id: leaked.id }, from, until, actions: ['read'] },
      { actor: dpo },
    )
    expect((await breaches.counts(reads.id)).subjects).toBe(3)
    await breaches.computeAffected(
      reads.id,
      { actor: { type: 'user', id: other.id }, from, until, actions: ['read'] },
      { actor: dpo },
    )
    expect((await breaches.counts(reads.id)).subjects).toBe(5)
    // An empty window finds nobody.
    const before = new Date(from.getTime() - 3_600_000)
    const nobody = await breaches.computeAffected(
      reads.id,
      { actor: { type: 'token', id: leaked.id }, from: before, until: from, actions: ['read'] },
      { actor: dpo },
    )
    expect(nobody.added).toBe(0)
    const stored = await breaches.get(reads.id)
    expect(stored.affectedQueries).toHaveLength(3)
    expect(stored.affectedQueries[0]).toMatchObject({
      actor: { type: 'token', id: leaked.id },
      actions: ['read'],
    })
  })

  it('counts a person merged since as the survivor, whom the letter must reach', async () => {
    const { gate, breaches } = runtime().services
    const admin: GateActor = { type: 'user', id: 'setup', role: 'admin' }
    const [survivor, duplicate] = (await gate.collect({
      actor: admin,
      subjects: ['a', 'b'].map((x) => ({
        kinds: ['customer' as const],
        source: 'test',
        attributes: {},
        identifiers: { firstName: `Merge${x}`, email: `merge-${x}@example.test` },
      })),
    })) as string[]
    const reader: GateActor = { type: 'token', id: 'token-merge', role: 'admin' }
    const start = new Date(Date.now() - 60_000)
    await gate.use({
      actor: reader,
      purpose: 'contact_management',
      subjectIds: [duplicate as string],
      fields: ['email'],
    })
    await gate.combine({
      actor: admin,
      survivorId: survivor as string,
      duplicateId: duplicate as string,
      reason: 'test',
    })
    const b = await breaches.record(
      {
        awareAt: new Date(),
        title: 'Merged',
        description: 'A token that read a later merged person.',
        risk: 'high',
      },
      { actor: dpo },
    )
    await breaches.computeAffected(
      b.id,
      {
        actor: { type: 'token', id: reader.id },
        from: start,
        until: new Date(Date.now() + 60_000),
        actions: ['read'],
      },
      { actor: dpo },
    )
    expect((await breaches.affected(b.id, { limit: 10 })).map((a) => a.subjectId)).toEqual([survivor])
  })

  it('refuses a notification after 72 hours without reasons for the delay, and accepts it with them', async () => {
    const { breaches } = runtime().services
    const awareAt = new Date(Date.now() - 100 * H)
    const b = await breaches.record(
      { awareAt, title: 'Stolen laptop', description: 'A laptop with an export was stolen.', risk: 'risk' },
      { actor: dpo },
    )
    await expect(breaches.notifyAuthority(b.id, { at: new Date() }, { actor: dpo })).rejects.toMatchObject({
      kind: 'validation',
      errors: [expect.objectContaining({ field: 'delayReasons' })],
    })
    const notified = await breaches.notifyAuthority(
      b.id,
      { at: new Date(), delayReasons: 'The theft was reported to us by the police only on day four.' },
      { actor: dpo },
    )
    expect(notified.status).toBe('notified')
    expect(breachClock(notified, new Date()).late).toBe(true)
    // The database holds the same rule.
    await expect(
      sql`update breach set delay_reasons = null where id = ${b.id}::uuid`.execute(runtime().database.db),
    ).rejects.toThrow()
  })

  it('marks each reminder stage once', async () => {
    const { breaches } = runtime().services
    const b = await breaches.record(
      {
        awareAt: new Date(Date.now() - 50 * H),
        title: 'Misdirected mail',
        description: 'An export was mailed to the wrong address.',
        risk: 'risk',
      },
      { actor: dpo },
    )
    const first = await breaches.dueReminders()
    expect(first.find((d) => d.breach.id === b.id)?.stage).toBe(1)
    expect((await breaches.dueReminders()).find((d) => d.breach.id === b.id)).toBeUndefined()
  })
})
