import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { GateActor } from '../../src/privacy/gate/gate.service.ts'
import type { SegmentCondition, SegmentGroup } from '../../src/privacy/segments/segment-rules.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

const ADMIN: GateActor = { type: 'user', id: 'segments-test', role: 'admin' }
const DAY_MS = 86_400_000
const and = (...conditions: SegmentGroup['conditions']): SegmentGroup => ({
  type: 'group',
  combine: 'and',
  conditions,
})
const or = (...conditions: SegmentGroup['conditions']): SegmentGroup => ({
  type: 'group',
  combine: 'or',
  conditions,
})

/**
 * The fixture, by hand (index: kinds, country; touchpoints; purchases; newsletter consent; other state):
 *  0 customer DE  page_view ×2 (5, 10 days)      orders 50 € (20 d), 30 € (100 d)  confirmed   scores clv 120 low pAlive .9, rfm 455 A
 *  1 customer DE  page_view (40 d)               a cancelled order only             confirmed   objects to all marketing
 *  2 lead     AT  email_open on email (3 d)      —                                  withdrawn
 *  3 customer DE  —                              200 € (400 d)                      confirmed   scores clv 10 high pAlive .2, rfm 111 C
 *  4 customer FR  page_view ×3 (1 d)             10 € open (5 d)                    —
 *  5 customer DE  page_view (1 d)                —                                  confirmed   erased
 *  6 b2b      DE  —                              —                                  requested (not confirmed)
 *  7 customer DE  page_view (2 d)                —                                  confirmed   restricted
 */
describeEachEngine('segments', (runtime) => {
  let t: TestApp
  let marketing: string
  let accounting: string
  const ids: string[] = []

  const ctx = { actor: ADMIN }
  const preview = (rules: SegmentGroup, purpose = 'profiling_offers', audiencePurpose?: string) =>
    runtime().services.segments.preview(ctx, { purpose, rules, audiencePurpose, reasons: true })
  const total = async (rules: SegmentGroup) => (await preview(rules)).total
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    marketing = await t.signIn('segments-marketing@example.com', 'marketing')
    accounting = await t.signIn('segments-accounting@example.com', 'accounting')
    const db = runtime().database.db
    const now = Date.now()
    const ago = (days: number) => new Date(now - days * DAY_MS)
    const people: [string[], string][] = [
      [['customer'], 'DE'],
      [['customer'], 'DE'],
      [['lead'], 'AT'],
      [['customer'], 'DE'],
      [['customer'], 'FR'],
      [['customer'], 'DE'],
      [['b2b_contact'], 'DE'],
      [['customer'], 'DE'],
    ]
    for (const [kinds, country] of people) {
      const row = await db
        .insertInto('subject')
        .values({
          kinds,
          source: 'test',
          attributes: JSON.stringify({ country }) as never,
          created_at: ago(500),
          updated_at: ago(500),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids.push(row.id)
    }
    const id = (i: number) => ids[i] as string
    const touch = (i: number, type: string, channel: string, days: number) => ({
      subject_id: id(i),
      type,
      channel,
      occurred_at: ago(days),
      received_at: ago(days),
      purpose_key: 'web_tracking',
      legal_basis: 'consent',
      source: 'test',
    })
    await db
      .insertInto('touchpoint')
      .values([
        touch(0, 'page_view', 'web', 5),
        touch(0, 'page_view', 'web', 10),
        touch(1, 'page_view', 'web', 40),
        touch(2, 'email_open', 'email', 3),
        touch(4, 'page_view', 'web', 1),
        touch(4, 'page_view', 'web', 1),
        touch(4, 'page_view', 'web', 1),
        touch(5, 'page_view', 'web', 1),
        touch(7, 'page_view', 'web', 2),
      ])
      .execute()
    const order = (i: number, n: string, status: string, euros: number, days: number) => ({
      subject_id: id(i),
      order_number: n,
      ordered_at: ago(days),
      status,
      currency: 'EUR',
      total_cents: euros * 100,
      item_count: 1,
      source: 'test',
      created_at: ago(days),
    })
    await db
      .insertInto('customer_order')
      .values([
        order(0, 'A1', 'fulfilled', 50, 20),
        order(0, 'A2', 'fulfilled', 30, 100),
        order(1, 'B1', 'cancelled', 70, 10),
        order(3, 'C1', 'fulfilled', 200, 400),
        order(4, 'D1', 'open', 10, 5),
      ])
      .execute()
    const consent = (i: number, status: string) => ({
      subject_id: id(i),
      purpose_key: 'newsletter_email',
      channel: 'email',
      status,
      updated_at: ago(30),
    })
    await db
      .insertInto('permission_state')
      .values([
        consent(0, 'confirmed'),
        consent(1, 'confirmed'),
        consent(2, 'withdrawn'),
        consent(3, 'confirmed'),
        consent(5, 'confirmed'),
        consent(6, 'requested'),
        consent(7, 'confirmed'),
        // Profiling: everyone but 2 and 4 consented (1 objects to all marketing, below).
        ...[0, 1, 3, 5, 6, 7].map((i) => ({
          ...consent(i, 'granted'),
          purpose_key: 'profiling_offers',
          channel: 'none',
        })),
      ])
      .execute()
    await db
      .insertInto('objection_state')
      .values({ subject_id: id(1), scope: 'all_marketing', target: '*', source: 'letter', raised_at: ago(5) })
      .execute()
    await db
      .insertInto('restriction_state')
      .values({ subject_id: id(7), ground: 'accuracy-contested', since: ago(3) })
      .execute()
    await sql`update subject set erased_at = now() where id = ${id(5)}`.execute(db)
    const score = (i: number, kind: string, value: number, band: string, outputs: object) => ({
      subject_id: id(i),
      kind,
      value,
      band,
      outputs: JSON.stringify(outputs),
      inputs: '{}',
      model: 'test',
      model_version: 1,
      computed_at: ago(1),
    })
    await db
      .insertInto('subject_score')
      .values([
        score(0, 'clv', 120, 'low', { pAlive: 0.9 }),
        score(0, 'rfm', 455, 'A', { recency: 4, frequency: 5, monetary: 5 }),
        score(3, 'clv', 10, 'high', { pAlive: 0.2 }),
        score(3, 'rfm', 111, 'C', { recency: 1, frequency: 1, monetary: 1 }),
      ])
      .execute()
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('counts every kind of condition against the hand-computed fixture (erased subjects aside)', async () => {
    expect(await total(and({ type: 'kind', kinds: ['customer'] }))).toBe(5)
    expect(await total(and({ type: 'kind', kinds: ['lead', 'b2b_contact'] }))).toBe(2)
    expect(await total(and({ type: 'attribute', field: 'country', op: 'in', values: ['DE'] }))).toBe(5)
    expect(await total(and({ type: 'attribute', field: 'country', op: 'in', values: ['AT', 'FR'] }))).toBe(2)
    expect(await total(and({ type: 'attribute', field: 'country', op: 'notIn', values: ['DE'] }))).toBe(2)
    const tp = (op: 'gte' | 'lte', value: number, withinDays = 30, extra = {}) =>
      total(and({ type: 'touchpoints', touchpointType: 'page_view', withinDays, op, value, ...extra }))
    expect(await tp('gte', 1)).toBe(3) // 0, 4, 7
    expect(await tp('gte', 2)).toBe(2) // 0, 4
    expect(await tp('gte', 3)).toBe(1) // 4
    expect(await tp('gte', 1, 60)).toBe(4) // and 1
    expect(await tp('lte', 1)).toBe(5) // 1, 2, 3, 6, 7
    expect(await tp('lte', 0)).toBe(4) // 1, 2, 3, 6
    expect(
      await total(and({ type: 'touchpoints', channel: 'email', withinDays: 7, op: 'gte', value: 1 })),
    ).toBe(1)
    const orders = (
      measure: 'count' | 'amount' | 'recency',
      op: 'gte' | 'lte',
      value: number,
      withinDays?: number,
    ) => total(and({ type: 'orders', measure, op, value, ...(withinDays ? { withinDays } : {}) }))
    expect(await orders('count', 'gte', 1)).toBe(3) // 0, 3, 4 (1's order was cancelled)
    expect(await orders('count', 'gte', 2)).toBe(1) // 0
    expect(await orders('count', 'gte', 1, 30)).toBe(2) // 0, 4
    expect(await orders('count', 'lte', 0)).toBe(4) // 1, 2, 6, 7
    expect(await orders('amount', 'gte', 80)).toBe(2) // 0 (80 €), 3 (200 €)
    expect(await orders('amount', 'gte', 80, 30)).toBe(0)
    expect(await orders('amount', 'lte', 50)).toBe(5) // 4 (10 €) and the four without purchases
    expect(await orders('recency', 'lte', 30)).toBe(2) // 0, 4
    expect(await orders('recency', 'gte', 30)).toBe(1) // 3
    expect(await total(and({ type: 'score', score: 'clv', op: 'gte', value: 100 }))).toBe(1)
    expect(await total(and({ type: 'score', score: 'pAlive', op: 'lte', value: 0.5 }))).toBe(1)
    expect(await total(and({ type: 'score', score: 'rfmFrequency', op: 'gte', value: 1 }))).toBe(2)
    expect(await total(and({ type: 'scoreBand', band: 'churnRisk', values: ['high', 'medium'] }))).toBe(1)
    expect(await total(and({ type: 'scoreBand', band: 'abc', values: ['A'] }))).toBe(1)
    expect(await total(and({ type: 'permission', purpose: 'newsletter_email', channel: 'email' }))).toBe(2) // 0, 3
  })

  it('combines conditions with AND and OR groups, nested', async () => {
    const de: SegmentCondition = { type: 'attribute', field: 'country', op: 'in', values: ['DE'] }
    const recent: SegmentCondition = { type: 'touchpoints', withinDays: 30, op: 'gte', value: 1 }
    const bought: SegmentCondition = { type: 'orders', measure: 'count', op: 'gte', value: 1 }
    expect(await total(and(de, recent))).toBe(2) // 0, 7
    expect(await total(or(de, recent))).toBe(7) // everyone but the erased 5
    expect(await total(and(bought, or(de, { type: 'kind', kinds: ['lead'] })))).toBe(2) // 0, 3
    expect(await total(or(and(de, bought), and({ type: 'kind', kinds: ['lead'] }, recent)))).toBe(3) // 0, 3, 2
  })

  it('counts the audience as segment ∩ permission: objectors, withdrawn, pending and restricted excluded, by rule', async () => {
    const counts = await preview(
      and({ type: 'kind', kinds: ['customer', 'lead', 'b2b_contact'] }),
      'newsletter_email',
    )
    expect(counts.total).toBe(7)
    expect(counts.audience).toEqual([
      {
        channel: 'email',
        permitted: 2, // 0, 3
        excluded: 5,
        excludedBy: {
          objected: 1,
          'consent-withdrawn': 1,
          'no-consent': 1,
          'consent-pending-confirmation': 1,
          restricted: 1,
        },
      },
    ])
    // Evaluated under profiling for the newsletter's audience: only members both purposes may use.
    const behaviour = await preview(
      and({ type: 'orders', measure: 'count', op: 'gte', value: 1 }),
      'profiling_offers',
      'newsletter_email',
    )
    expect(behaviour.total).toBe(3) // 0, 3, 4
    expect(behaviour.audience[0]).toMatchObject({
      permitted: 2,
      excluded: 1,
      excludedBy: { 'segment-purpose': 1 }, // 4: no consent to profiling
    })
  })

  it('stays fresh without a rebuild: an objection and a new touchpoint count at once', async () => {
    const rules = and({
      type: 'touchpoints',
      touchpointType: 'page_view',
      withinDays: 30,
      op: 'gte',
      value: 1,
    })
    const before = await preview(rules, 'profiling_offers', 'newsletter_email')
    expect(before.total).toBe(3)
    expect(before.audience[0]?.permitted).toBe(1) // 0 (7 is restricted, 4 did not consent)
    await runtime().services.permissions.recordObjection([
      {
        actor: ADMIN,
        subjectId: ids[0] as string,
        scope: 'channel',
        channel: 'email',
        action: 'raised',
        source: 'letter',
      },
    ])
    await runtime()
      .database.db.insertInto('touchpoint')
      .values({
        subject_id: ids[3] as string,
        type: 'page_view',
        channel: 'web',
        occurred_at: new Date(),
        received_at: new Date(),
        purpose_key: 'web_tracking',
        legal_basis: 'consent',
        source: 'test',
      })
      .execute()
    const after = await preview(rules, 'profiling_offers', 'newsletter_email')
    expect(after.total).toBe(4)
    expect(after.audience[0]?.permitted).toBe(1) // 3 only; 0 objected to e-mail
    await runtime().services.permissions.recordObjection([
      {
        actor: ADMIN,
        subjectId: ids[0] as string,
        scope: 'channel',
        channel: 'email',
        action: 'lifted',
        source: 'letter',
      },
    ])
  })

  it('saves, versions, counts and lists members through the gate (API, marketing role)', async () => {
    const rules = and(
      { type: 'attribute', field: 'country', op: 'in', values: ['DE'] },
      { type: 'permission', purpose: 'newsletter_email', channel: 'email' },
    )
    let res = await call('POST', '/segments', marketing, {
      name: 'DE newsletter',
      purpose: 'newsletter_email',
      rules,
    })
    expect(res.statusCode, res.body).toBe(201)
    const segment = res.json() as { id: string; version: number }
    expect(segment.version).toBe(1)
    res = await call('POST', '/segments', marketing, {
      name: 'de NEWSLETTER',
      purpose: 'newsletter_email',
      rules,
    })
    expect(res.statusCode).toBe(409)

    res = await call('GET', `/segments/${segment.id}/count`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      total: 2,
      audience: [{ channel: 'email', permitted: 2, excluded: 0 }],
      segment: { id: segment.id, version: 1 },
    })

    res = await call('PUT', `/segments/${segment.id}`, marketing, {
      name: 'DE newsletter customers',
      purpose: 'newsletter_email',
      rules: and(...rules.conditions, { type: 'kind', kinds: ['customer'] }),
      version: 1,
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ version: 2, name: 'DE newsletter customers' })
    res = await call('PUT', `/segments/${segment.id}`, marketing, {
      name: 'x',
      purpose: 'newsletter_email',
      rules,
      version: 1,
    })
    expect(res.statusCode).toBe(409)
    res = await call('GET', `/segments/${segment.id}/versions`, marketing)
    expect((res.json() as { items: { version: number }[] }).items.map((v) => v.version)).toEqual([2, 1])

    res = await call('GET', `/segments/${segment.id}/members?limit=1`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    const first = res.json() as {
      items: { id: string; attributes: Record<string, unknown> }[]
      nextCursor: string
    }
    expect(first.items).toHaveLength(1)
    expect(first.items[0]?.attributes).toEqual({ country: 'DE' })
    res = await call('GET', `/segments/${segment.id}/members?limit=1&after=${first.nextCursor}`, marketing)
    const second = res.json() as { items: { id: string }[]; nextCursor: string | null }
    expect(second.items).toHaveLength(1)
    const listed = [first.items[0]?.id, second.items[0]?.id].sort()
    expect(listed).toEqual([ids[0], ids[3]].sort())
    // Audited like the subjects list: a read under the newsletter purpose naming the segment.
    const audit = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'purpose', 'reason'])
      .where(sql<boolean>`${ids[3]}::uuid = any(subject_ids)`)
      .where('action', '=', 'read')
      .execute()
    expect(audit).toContainEqual(
      expect.objectContaining({
        purpose: 'newsletter_email',
        reason: `members of segment ${segment.id} (version 2)`,
      }),
    )

    res = await call('GET', '/segments', marketing)
    expect((res.json() as { items: { id: string }[] }).items.map((s) => s.id)).toContain(segment.id)
    res = await call('DELETE', `/segments/${segment.id}`, marketing)
    expect(res.statusCode).toBe(204)
    res = await call('GET', `/segments/${segment.id}`, marketing)
    expect(res.statusCode).toBe(404)
  })

  it('counts a saved segment for another purpose with the excluded by rule, and lists that audience', async () => {
    const rules = and({ type: 'orders', measure: 'count', op: 'gte', value: 1 })
    let res = await call('POST', '/segments', marketing, {
      name: 'Buyers',
      purpose: 'profiling_offers',
      rules,
    })
    expect(res.statusCode, res.body).toBe(201)
    const { id } = res.json() as { id: string }
    res = await call('GET', `/segments/${id}/count?purpose=newsletter_email&reasons=true`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    // 0, 3, 4 bought; 4 did not consent to profiling; 0 and 3 may get the newsletter.
    expect(res.json()).toMatchObject({
      purpose: 'profiling_offers',
      audiencePurpose: 'newsletter_email',
      total: 3,
      audience: [{ channel: 'email', permitted: 2, excluded: 1, excludedBy: { 'segment-purpose': 1 } }],
    })
    res = await call('GET', `/segments/${id}/count?purpose=newsletter_email&channel=sms`, marketing)
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors).toContainEqual(expect.objectContaining({ field: 'channel' }))
    res = await call('GET', `/segments/${id}/members?purpose=newsletter_email`, marketing)
    expect(res.statusCode, res.body).toBe(200)
    expect((res.json() as { items: { id: string }[] }).items.map((m) => m.id).sort()).toEqual(
      [ids[0], ids[3]].sort(),
    )
    res = await call('DELETE', `/segments/${id}`, marketing)
    expect(res.statusCode).toBe(204)
  })

  it('previews an unsaved definition live', async () => {
    const res = await call('POST', '/segments/preview', marketing, {
      purpose: 'profiling_offers',
      audiencePurpose: 'newsletter_email',
      rules: and({ type: 'touchpoints', withinDays: 30, op: 'gte', value: 1 }),
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      purpose: 'profiling_offers',
      audiencePurpose: 'newsletter_email',
      total: 5, // 0, 2, 3 (the touchpoint above), 4, 7
    })
  })

  it('names the path of a bad condition (400) and refuses fields the role or purpose may not use (403, audited)', async () => {
    let res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and(or({ type: 'attribute', field: 'ageBand', op: 'in', values: ['200+'] })),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors).toContainEqual(
      expect.objectContaining({ field: 'rules.conditions.0.conditions.0.values.0' }),
    )
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and({ type: 'attribute', field: 'email', op: 'in', values: ['x'] }),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors).toContainEqual(
      expect.objectContaining({ field: 'rules.conditions.0.field' }),
    )
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and({ type: 'permission', purpose: 'newsletter_email', channel: 'sms' }),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors).toContainEqual(
      expect.objectContaining({ field: 'rules.conditions.0.channel' }),
    )
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and({ type: 'touchpoints', withinDays: 99_999, op: 'gte', value: 1 }),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors?.map((e) => e.field)).toContain('rules.conditions.0.withinDays')
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'profiling_offers',
      audiencePurpose: 'no_such_purpose',
      rules: and({ type: 'kind', kinds: ['lead'] }),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors).toEqual([
      { in: 'body', field: 'audiencePurpose', reason: 'is not a purpose in the registry' },
    ])
    // A structural fault is named once, by the schema of the condition's own type.
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'profiling_offers',
      rules: and(
        or({ type: 'touchpoints', withinDays: 30, op: 'bogus', value: 1 } as unknown as SegmentCondition),
      ),
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).errors?.[0]).toEqual({
      in: 'body',
      field: 'rules.conditions.0.conditions.0.op',
      reason: 'must be one of: gte, lte',
      code: 'one-of',
      params: { allowed: 'gte, lte' },
    })
    // Too deep: five levels of groups.
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and(and(and(and(and({ type: 'kind', kinds: ['lead'] }))))),
    })
    expect(res.statusCode).toBe(400)

    // The newsletter's scope uses no behavioural data: data minimisation, 403 naming the condition.
    res = await call('POST', '/segments/preview', marketing, {
      purpose: 'newsletter_email',
      rules: and(
        { type: 'kind', kinds: ['lead'] },
        { type: 'touchpoints', withinDays: 30, op: 'gte', value: 1 },
      ),
    })
    expect(res.statusCode).toBe(403)
    expect(problemOf(res).errors).toContainEqual(
      expect.objectContaining({ field: 'rules.conditions.1', reason: expect.stringMatching(/behavioural/) }),
    )
    // Accounting may not act under the profiling purpose, nor read segments at all.
    res = await call('POST', '/segments/preview', accounting, {
      purpose: 'profiling_offers',
      rules: and({ type: 'kind', kinds: ['lead'] }),
    })
    expect(res.statusCode).toBe(403)
    const denied = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['reason'])
      .where('action', '=', 'denied')
      .where('reason', 'like', 'segment condition%')
      .execute()
    expect(denied.length).toBeGreaterThan(0)
  })
})
