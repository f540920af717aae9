import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ROLE_FIELD_CATEGORIES } from '../../src/modules/access/roles.ts'
import type { GateActor } from '../../src/privacy/gate/gate.service.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

const ADMIN: GateActor = { type: 'user', id: 'scores-test', role: 'admin' }
const SYSTEM = { actor: { type: 'system' as const, id: 'test' } }
const DAY_MS = 86_400_000
const CUSTOMERS = 30
/** Customers who never consented to profiling. */
const WITHOUT_CONSENT = new Set([1, 6, 11, 16])

interface ScoreTerm {
  key: string
  value: number | string | null
  label: { de: string; en: string }
  meaning: { de: string; en: string }
  unit: string | null
}
interface SubjectScores {
  subjectId: string
  scores: {
    kind: string
    value: number | null
    band: string | null
    outputs: ScoreTerm[]
    explanation: {
      meaning: { de: string; en: string }
      inputs: ScoreTerm[]
      model: {
        name: string
        version: number
        description: { de: string; en: string }
        parameters: Record<string, unknown>
      }
    }
  }[]
}

/**
 * Issue #16, the scores: computed only for subjects whose consent to profiling holds, each with its
 * explanation; the others are counted; a withdrawal or an objection removes them at once; reading
 * them goes through the gate (purpose, role, category, legal basis), audited.
 */
describeEachEngine('scores under the profiling purpose', (runtime) => {
  let t: TestApp
  let marketing: string
  let accounting: string
  const customers: string[] = []
  let consentingWithoutOrders: string

  const call = (method: 'GET' | 'POST', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const storedScores = async (subjectId: string) => {
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from subject_score where subject_id = ${subjectId}::uuid)
           + (select count(*) from score_event where subject_id = ${subjectId}::uuid) as n
    `.execute(runtime().database.db)
    return Number(rows[0]?.n)
  }
  const auditOf = (subjectId: string) =>
    runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'purpose', 'fields', 'reason', 'actor_id'])
      .where(sql<boolean>`${subjectId}::uuid = any(subject_ids)`)
      .orderBy('seq')
      .execute()
  const recompute = async () => {
    const res = await call('POST', '/analytics/scores/recompute', marketing)
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as {
      customers: number
      permitted: number
      scored: number
      excluded: number
      permittedWithoutPurchases: number
      removed: number
      model: { version: number; bgNbd: { r: number } | null; gammaGamma: { q: number } | null }
    }
  }

  beforeAll(async () => {
    const { gate, records, permissions } = runtime().services
    t = await buildTestApp(runtime())
    marketing = await t.signIn('scores-marketing@example.com', 'marketing')
    accounting = await t.signIn('scores-accounting@example.com', 'accounting')
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: Array.from({ length: CUSTOMERS + 1 }, (_, i) => ({
        kinds: ['customer'],
        source: 'test',
        attributes: {},
        identifiers: { email: `scores-${i}@example.test` },
      })),
    })
    customers.push(...ids.slice(0, CUSTOMERS))
    consentingWithoutOrders = ids[CUSTOMERS] as string
    // Synthetic histories: a first order 200 to 461 days ago, 0 to 3 repeat purchase days after it.
    const now = Date.now()
    await records.importOrders({
      actor: ADMIN,
      source: 'test',
      orders: customers.flatMap((subjectId, i) => {
        const first = 200 + 9 * i
        return Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          subjectId,
          orderNumber: `S-${i}-${k}`,
          orderedAt: new Date(now - (first - 15 * k * (1 + (i % 3))) * DAY_MS),
          status: 'fulfilled',
          currency: 'EUR',
          lines: [{ description: 'Tresor', quantity: 1, unitPriceCents: 2000 + 137 * i + 50 * k }],
        }))
      }),
    })
    await permissions.recordConsent(
      [...customers.filter((_, i) => !WITHOUT_CONSENT.has(i)), consentingWithoutOrders].map((subjectId) => ({
        actor: ADMIN,
        subjectId,
        purposeKey: 'profiling_offers',
        channel: 'none' as const,
        kind: 'granted' as const,
        proof: { source: 'form' as const, textVersion: 'profiling-1' },
      })),
    )
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('scores consenting customers with explanations; the others get none and are counted', async () => {
    const result = await recompute()
    expect(result.customers).toBe(CUSTOMERS)
    expect(result.model.bgNbd?.r).toBeGreaterThan(0)
    expect(result.model.gammaGamma?.q).toBeGreaterThan(1)
    expect(result.scored).toBe(CUSTOMERS - WITHOUT_CONSENT.size)
    expect(result.excluded).toBe(WITHOUT_CONSENT.size)
    expect(result.permitted).toBe(CUSTOMERS - WITHOUT_CONSENT.size + 1)
    expect(result.permittedWithoutPurchases).toBe(1)

    const subject = customers[5] as string
    const res = await call('GET', `/subjects/${subject}/scores`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as SubjectScores
    expect(body.scores.map((s) => s.kind).sort()).toEqual(['clv', 'rfm'])
    const clv = body.scores.find((s) => s.kind === 'clv')!
    // In the explanation's order, not the stored jsonb's.
    expect(clv.outputs.map((o) => o.key)).toEqual([
      'pAlive',
      'expectedPurchases30d',
      'expectedPurchases90d',
      'purchaseProbability30d',
      'purchaseProbability90d',
      'expectedSpend',
      'clv',
      'churnRisk',
    ])
    const output = (key: string) => clv.outputs.find((o) => o.key === key)
    const pAlive = output('pAlive')?.value as number
    expect(pAlive).toBeGreaterThan(0)
    expect(pAlive).toBeLessThanOrEqual(1)
    expect(output('purchaseProbability90d')?.value as number).toBeGreaterThanOrEqual(
      output('purchaseProbability30d')?.value as number,
    )
    expect(output('expectedPurchases90d')?.unit).toBe('purchases')
    expect(clv.value).toBe(output('clv')?.value)
    expect(['high', 'medium', 'low']).toContain(clv.band)
    expect(output('pAlive')?.meaning.de).toMatch(/Wahrscheinlichkeit/)
    expect(output('pAlive')?.meaning.en).toMatch(/probability/)
    // The inputs, with this customer's values: one repeat purchase day (5 % 4), first bought 245 days ago.
    const input = (key: string) => clv.explanation.inputs.find((i) => i.key === key)
    expect(input('repeatPurchases')?.value).toBe(1)
    expect(input('ageWeeks')?.value).toBeCloseTo((200 + 9 * 5) / 7, 1)
    expect(input('recencyWeeks')?.label.en).toMatch(/weeks/)
    expect(clv.explanation.model.name).toBe('bg-nbd/gamma-gamma')
    expect(clv.explanation.model.parameters).toMatchObject({ bgNbd: { r: result.model.bgNbd?.r } })
    expect(clv.explanation.model.description.en).toMatch(/BG\/NBD/)
    expect(clv.explanation.meaning.de).toMatch(/Widerruf/)
    const rfm = body.scores.find((s) => s.kind === 'rfm')!
    expect(['A', 'B', 'C']).toContain(rfm.band)
    for (const key of ['recency', 'frequency', 'monetary'])
      expect(rfm.outputs.find((o) => o.key === key)?.value).toSatisfy(
        (v) => typeof v === 'number' && v >= 1 && v <= 5,
      )
    expect(rfm.explanation.inputs.find((i) => i.key === 'orders')?.value).toBe(2)

    // Nothing is stored about a customer without consent.
    const without = customers[6] as string
    expect(await storedScores(without)).toBe(0)
    expect(await storedScores(subject)).toBeGreaterThan(0)
    // The computation is audited as a use of the orders under the profiling purpose.
    expect(await auditOf(subject)).toContainEqual(
      expect.objectContaining({
        action: 'create',
        purpose: 'profiling_offers',
        fields: ['orders', 'scores'],
      }),
    )
  })

  it('audits the read, and refuses a subject without consent naming the rule (audited)', async () => {
    const subject = customers[5] as string
    expect(await auditOf(subject)).toContainEqual(
      expect.objectContaining({ action: 'read', purpose: 'profiling_offers', fields: ['scores'] }),
    )
    const without = customers[6] as string
    const res = await call('GET', `/subjects/${without}/scores`, marketing)
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).detail).toBe('the purpose profiling_offers may not use this subject: no-consent')
    expect(await auditOf(without)).toContainEqual(
      expect.objectContaining({
        action: 'denied',
        purpose: 'profiling_offers',
        reason: 'legal basis: no-consent',
      }),
    )
    const unknown = await call('GET', '/subjects/00000000-0000-4000-8000-000000000000/scores', marketing)
    expect(unknown.statusCode).toBe(404)
  })

  it('refuses a role without the derived category, and a role outside the purpose, audited', async () => {
    const subject = customers[7] as string
    const { roles } = runtime().services
    await roles.update(
      'marketing',
      { fieldCategories: ROLE_FIELD_CATEGORIES.marketing.filter((c) => c !== 'derived') },
      SYSTEM,
    )
    try {
      await expect.poll(() => roles.fieldCategoriesOf('marketing').includes('derived')).toBe(false)
      const res = await call('GET', `/subjects/${subject}/scores`, marketing)
      expect(res.statusCode).toBe(403)
      expect(problemOf(res).detail).toBe('role marketing lacks the field categories derived')
      expect(await auditOf(subject)).toContainEqual(
        expect.objectContaining({ action: 'denied', fields: ['scores'] }),
      )
    } finally {
      await roles.update('marketing', { fieldCategories: ROLE_FIELD_CATEGORIES.marketing }, SYSTEM)
    }
    // Accounting holds neither the derived category nor the profiling purpose.
    const res = await call('GET', `/subjects/${subject}/scores`, accounting)
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).errors?.[0]?.field).toBe('purpose')
    // Recomputing needs analytics:run.
    expect((await call('POST', '/analytics/scores/recompute', accounting)).statusCode).toBe(403)
  })

  it('removes the scores at once when the consent is withdrawn', async () => {
    const subject = customers[5] as string
    expect(await storedScores(subject)).toBeGreaterThan(0)
    const res = await call('POST', `/subjects/${subject}/consents`, marketing, {
      purposeKey: 'profiling_offers',
      channel: 'none',
      kind: 'withdrawn',
      proof: { source: 'email' },
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(await storedScores(subject)).toBe(0)
    expect(await auditOf(subject)).toContainEqual(
      expect.objectContaining({ action: 'delete', purpose: 'profiling_offers', fields: ['scores'] }),
    )
    const read = await call('GET', `/subjects/${subject}/scores`, marketing)
    expect(read.statusCode).toBe(403)
    expect(problemOf(read).detail).toMatch(/consent-withdrawn$/)
  })

  it('removes the scores at once on an objection to all marketing, and to the purpose', async () => {
    const all = customers[7] as string
    const purpose = customers[9] as string
    expect(await storedScores(all)).toBeGreaterThan(0)
    expect(await storedScores(purpose)).toBeGreaterThan(0)
    const objected = await call('POST', `/subjects/${all}/objections`, marketing, {
      scope: 'all_marketing',
      source: 'email',
    })
    expect(objected.statusCode, objected.body).toBe(201)
    expect(await storedScores(all)).toBe(0)
    const toPurpose = await call('POST', `/subjects/${purpose}/objections`, marketing, {
      scope: 'purpose',
      purposeKey: 'profiling_offers',
      source: 'letter',
    })
    expect(toPurpose.statusCode, toPurpose.body).toBe(201)
    expect(await storedScores(purpose)).toBe(0)
    // An objection to another purpose leaves them.
    const other = customers[10] as string
    const before = await storedScores(other)
    expect(before).toBeGreaterThan(0)
    const postal = await call('POST', `/subjects/${other}/objections`, marketing, {
      scope: 'channel',
      channel: 'post',
      source: 'letter',
    })
    expect(postal.statusCode, postal.body).toBe(201)
    expect(await storedScores(other)).toBe(before)

    // The next run scores none of them and says so.
    const result = await recompute()
    expect(result.scored).toBe(CUSTOMERS - WITHOUT_CONSENT.size - 3)
    expect(result.excluded).toBe(WITHOUT_CONSENT.size + 3)
    expect(await storedScores(all)).toBe(0)
  })

  it('draws the population from the stored scores: every RFM cell, ABC shares, Pareto, P(alive), CLV, churn', async () => {
    const res = await call('GET', '/analytics/charts', marketing)
    expect(res.statusCode, res.body).toBe(200)
    const charts = res.json() as {
      customers: number
      rfm: { customers: number }[]
      abc: { class: string; customers: number; revenueShare: number }[]
      pareto: { customerShare: number; revenueShare: number }[]
      pAlive: { customers: number }[]
      churn: { customers: number }[]
      clv: { customers: number }[]
    }
    // Counted over the scores stored now: the objectors' and the withdrawn one's are gone.
    const stored = await runtime()
      .database.db.selectFrom('subject_score')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'rfm')
      .executeTakeFirstOrThrow()
    expect(charts.customers).toBe(Number(stored.n))
    expect(charts.customers).toBe(CUSTOMERS - WITHOUT_CONSENT.size - 3)
    const sum = (xs: { customers: number }[]) => xs.reduce((n, x) => n + x.customers, 0)
    expect(charts.rfm).toHaveLength(25)
    expect(sum(charts.rfm)).toBe(charts.customers)
    expect(sum(charts.abc)).toBe(charts.customers)
    expect(charts.abc.reduce((n, a) => n + a.revenueShare, 0)).toBeCloseTo(1, 3)
    expect(charts.pareto.at(-1)).toEqual({ customerShare: 1, revenueShare: 1 })
    // The curve rises and the best-paying customers bring more than their share.
    for (let i = 1; i < charts.pareto.length; i++)
      expect(charts.pareto[i]!.revenueShare).toBeGreaterThanOrEqual(charts.pareto[i - 1]!.revenueShare)
    expect(charts.pareto[1]!.revenueShare).toBeGreaterThanOrEqual(charts.pareto[1]!.customerShare)
    expect(sum(charts.pAlive)).toBe(charts.customers)
    expect(sum(charts.churn)).toBe(charts.customers)
    expect(sum(charts.clv)).toBe(charts.customers)
    expect((await call('GET', '/analytics/charts', accounting)).statusCode).toBe(403)
  })

  it('clusters the scored customers into named personas with sizes and typical values, nobody named', async () => {
    expect((await call('GET', '/analytics/personas', marketing)).statusCode).toBe(404)
    const res = await call('POST', '/analytics/personas/recompute?k=3', marketing)
    expect(res.statusCode, res.body).toBe(200)
    const model = res.json() as {
      version: number
      k: number
      customers: number
      personas: {
        name: { de: string; en: string }
        customers: number
        share: number
        typical: { recencyDays: number; orders: number }
        levels: Record<string, string>
      }[]
    }
    const scored = CUSTOMERS - WITHOUT_CONSENT.size - 3
    expect(model.customers).toBe(scored)
    expect(model.personas.length).toBe(model.k)
    expect(model.k).toBeLessThanOrEqual(3)
    // Every scored customer in exactly one persona; largest first.
    expect(model.personas.reduce((n, p) => n + p.customers, 0)).toBe(scored)
    expect(model.personas.reduce((n, p) => n + p.share, 0)).toBeCloseTo(1, 6)
    const sizes = model.personas.map((p) => p.customers)
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
    for (const p of model.personas) {
      expect(p.name.en.length).toBeGreaterThan(3)
      expect(p.name.de.length).toBeGreaterThan(3)
      expect(p.typical.orders).toBeGreaterThanOrEqual(1)
    }
    expect(JSON.stringify(model)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/)
    const latest = await call('GET', '/analytics/personas', marketing)
    expect((latest.json() as { version: number }).version).toBe(model.version)
    expect((await call('POST', '/analytics/personas/recompute', accounting)).statusCode).toBe(403)
  })

  it('describes its routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { summary?: string; description?: string }>>
    }
    for (const [path, method] of [
      ['/api/v1/subjects/{id}/scores', 'get'],
      ['/api/v1/analytics/clv', 'get'],
      ['/api/v1/analytics/scores/recompute', 'post'],
      ['/api/v1/analytics/charts', 'get'],
      ['/api/v1/analytics/personas/recompute', 'post'],
    ] as const) {
      const operation = doc.paths[path]?.[method]
      expect(operation?.summary, path).toBeTruthy()
      expect(operation?.description?.length, path).toBeGreaterThan(200)
    }
  })

  it('shows the fitted model with its calibration chart', async () => {
    const res = await call('GET', '/analytics/clv', marketing)
    expect(res.statusCode, res.body).toBe(200)
    const model = res.json() as {
      customers: number
      bgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; groups: number }
      calibration: { unit: string; points: { week: number; actual: number; expected: number | null }[] }
      settings: { monthlyDiscountRate: number; horizonMonths: number }
    }
    expect(model.customers).toBe(CUSTOMERS)
    expect(model.bgNbd.logLikelihood).toBeLessThan(0)
    expect(model.bgNbd.groups).toBeGreaterThan(1)
    expect(model.settings).toMatchObject({ monthlyDiscountRate: 0.01, horizonMonths: 12 })
    const points = model.calibration.points
    expect(points.length).toBeGreaterThan(10)
    // Cumulative: never falls; the last actual point counts every repeat purchase day.
    const repeats = Array.from({ length: CUSTOMERS }, (_, i) => i % 4).reduce((a, b) => a + b, 0)
    expect(points.at(-1)?.actual).toBe(repeats)
    expect(points.at(-1)?.expected).toBeGreaterThan(0)
    for (let i = 1; i < points.length; i++)
      expect(points[i]!.actual).toBeGreaterThanOrEqual(points[i - 1]!.actual)
  })
})
