import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { GateActor } from '../gate/gate.service.ts'
import { ScoreRepository } from './score.repository.ts'
import { type BandEvent, type NewScore, ScoreStore } from './score-store.ts'

const ADMIN: GateActor = { type: 'user', id: 'score-store-test', role: 'admin' }
const DAY_MS = 86_400_000
const EVENT: BandEvent = { scoreKind: 'clv', band: 'high', eventKind: 'churn_risk_high', output: 'pAlive' }

describeEachEngine('the score store', (runtime) => {
  let store: ScoreStore
  let consenting: string[]
  let withoutConsent: string
  const asOf = new Date().toISOString().slice(0, 10)

  const model = async () =>
    store.saveModel({
      actor: ADMIN,
      model: 'test',
      fittedAt: new Date(),
      asOf,
      parameters: {},
      settings: {},
      explanation: {},
      calibration: {},
    })
  /** Scores the page with the bands given per subject (and pAlive), as a module's computation would. */
  const score = async (subjectIds: readonly string[], bands: Record<string, string>, version: number) =>
    store.scorePage({
      actor: ADMIN,
      subjectIds,
      asOf,
      currency: 'EUR',
      model: { version, computedAt: new Date() },
      event: EVENT,
      compute: (statistics) =>
        statistics.map(
          (s): NewScore => ({
            subjectId: s.subjectId,
            kind: 'clv',
            value: s.revenueCents / 100,
            band: bands[s.subjectId] ?? 'low',
            outputs: { pAlive: bands[s.subjectId] === 'high' ? 0.1 : 0.9 },
            inputs: { repeatPurchases: s.repeatPurchases, ageDays: s.ageDays },
            model: 'test',
          }),
        ),
    })
  const scoresOf = async (subjectId: string) =>
    (
      await sql<{ kind: string; band: string; model_version: number }>`
        select kind, band, model_version from subject_score where subject_id = ${subjectId}::uuid`.execute(
        runtime().database.db,
      )
    ).rows
  const eventsOf = async (subjectId: string) =>
    (
      await sql<{ kind: string; details: Record<string, unknown> }>`
        select kind, details from score_event where subject_id = ${subjectId}::uuid`.execute(
        runtime().database.db,
      )
    ).rows

  beforeAll(async () => {
    const { gate, records, permissions, audit, purposes, roles } = runtime().services
    const db = runtime().database.db
    store = new ScoreStore({ db, repository: new ScoreRepository(db), audit, purposes, permissions, roles })
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: Array.from({ length: 4 }, (_, i) => ({
        kinds: ['customer'],
        source: 'test',
        attributes: {},
        identifiers: { email: `store-${i}@example.test` },
      })),
    })
    consenting = ids.slice(0, 3)
    withoutConsent = ids[3] as string
    const now = Date.now()
    await records.importOrders({
      actor: ADMIN,
      source: 'test',
      orders: ids
        .flatMap((subjectId, i) => [
          // Two orders on one day are one purchase day; a cancelled one is no purchase.
          { subjectId, orderNumber: `A-${i}`, orderedAt: new Date(now - 100 * DAY_MS), status: 'fulfilled' },
          { subjectId, orderNumber: `B-${i}`, orderedAt: new Date(now - 100 * DAY_MS), status: 'open' },
          { subjectId, orderNumber: `C-${i}`, orderedAt: new Date(now - 40 * DAY_MS), status: 'fulfilled' },
          { subjectId, orderNumber: `D-${i}`, orderedAt: new Date(now - 10 * DAY_MS), status: 'cancelled' },
        ])
        .map((o) => ({
          ...o,
          currency: 'EUR',
          lines: [{ description: 'Tresor', quantity: 1, unitPriceCents: 1000 }],
        })),
    })
    await permissions.recordConsent(
      consenting.map((subjectId) => ({
        actor: ADMIN,
        subjectId,
        purposeKey: 'profiling_offers',
        channel: 'none' as const,
        kind: 'granted' as const,
        proof: { source: 'form' as const, textVersion: 'profiling-1' },
      })),
    )
  })

  it('gives pseudonymous aggregates of all customers, in purchase days', async () => {
    const population = await store.population({ actor: ADMIN, asOf, currency: 'EUR' })
    expect(population.customers).toBe(4)
    // Every customer: purchase days 100 and 40 days ago (x = 1, t_x = 60, T = 100), 3 orders, 30 €.
    expect(population.histories).toEqual([{ x: 1, txDays: 60, tDays: 100, count: 4 }])
    expect(population.spend).toEqual([{ x: 1, meanSpendCents: 1000, count: 4 }])
    expect(population.quintiles.orders).toEqual([3, 3, 3, 3])
    expect(population.abc.aMinRevenueCents).toBe(3000)
    expect(population.calendar.weeks.reduce((n, w) => n + w.firstPurchases, 0)).toBe(4)
    expect(population.calendar.weeks.reduce((n, w) => n + w.repeatPurchases, 0)).toBe(4)
    expect(JSON.stringify(population)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/)
  })

  it('stores scores only for subjects the purpose may use when they are written', async () => {
    const { version } = await model()
    // A page chosen before the consent was withdrawn: the lock and the second look keep it out.
    const result = await score([...consenting, withoutConsent], {}, version)
    expect(result).toEqual({ scored: 3, denied: 1, withoutPurchases: 0, events: 0 })
    expect(await scoresOf(withoutConsent)).toEqual([])
    expect(await scoresOf(consenting[0] as string)).toEqual([
      { kind: 'clv', band: 'low', model_version: version },
    ])
  })

  it('raises an event when a band moves into high, not when it stays there or starts there', async () => {
    const [a, b] = consenting as [string, string]
    // b as if never scored before.
    await sql`delete from subject_score where subject_id = ${b}::uuid`.execute(runtime().database.db)
    const first = await model()
    await score([a, b], { [a]: 'medium', [b]: 'high' }, first.version)
    expect(await eventsOf(b)).toEqual([])
    const second = await model()
    const result = await score([a, b], { [a]: 'high', [b]: 'high' }, second.version)
    expect(result.events).toBe(1)
    expect(await eventsOf(a)).toEqual([
      { kind: 'churn_risk_high', details: { from: 'medium', to: 'high', pAlive: 0.1 } },
    ])
    expect(await eventsOf(b)).toEqual([])
    expect((await store.events(undefined)).map((e) => e.subject_id)).toContain(a)
  })

  it('removes what a run did not renew, and only on a loss that concerns profiling', async () => {
    const [a, b, c] = consenting as [string, string, string]
    const run = await model()
    await score([a, b], {}, run.version)
    expect(await store.removeStale({ actor: ADMIN, modelVersion: run.version })).toBe(1)
    expect(await scoresOf(c)).toEqual([])
    const db = runtime().database.db
    await db
      .transaction()
      .execute((trx) =>
        store.forgetWhereDenied({ subjectIds: [a], purposeKeys: ['newsletter_email'], actor: ADMIN }, trx),
      )
    // Still allowed under profiling: nothing goes, even for a loss that may concern any purpose.
    await db
      .transaction()
      .execute((trx) => store.forgetWhereDenied({ subjectIds: [a], purposeKeys: null, actor: ADMIN }, trx))
    expect(await scoresOf(a)).toHaveLength(1)
    // A withdrawal through the permission service: gone with its events, in that transaction.
    await runtime().services.permissions.recordConsent([
      {
        actor: ADMIN,
        subjectId: a,
        purposeKey: 'profiling_offers',
        channel: 'none',
        kind: 'withdrawn',
        proof: { source: 'email' },
      },
    ])
    expect(await scoresOf(a)).toEqual([])
    expect(await eventsOf(a)).toEqual([])
    expect(await scoresOf(b)).toHaveLength(1)
  })

  it('refuses to compute for a role outside the profiling purpose', async () => {
    const { version } = await model()
    await expect(
      store.scorePage({
        actor: { ...ADMIN, role: 'sales' },
        subjectIds: consenting,
        asOf,
        currency: 'EUR',
        model: { version, computedAt: new Date() },
        event: EVENT,
        compute: () => [],
      }),
    ).rejects.toMatchObject({ kind: 'forbidden' })
  })
})
