import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import type { SegmentGroup } from '../../src/privacy/segments/segment-rules.ts'
import { openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'

const CTX = { actor: { type: 'user' as const, id: 'bench-segments', role: 'marketing' } }

/**
 * The segment of issue #16's target: attributes (country DE or AT) + behaviour (a page view in the
 * last 30 days) + permission (the newsletter by e-mail may reach them), evaluated under the
 * profiling purpose; its audience for profiling on its channel.
 */
const RULES: SegmentGroup = {
  type: 'group',
  combine: 'and',
  conditions: [
    { type: 'attribute', field: 'country', op: 'in', values: ['DE', 'AT'] },
    { type: 'touchpoints', touchpointType: 'page_view', withinDays: 30, op: 'gte', value: 1 },
    { type: 'permission', purpose: 'newsletter_email', channel: 'email' },
  ],
}

/** Every customer: a segment of most of the installation. */
const LARGE: SegmentGroup = {
  type: 'group',
  combine: 'and',
  conditions: [{ type: 'kind', kinds: ['customer'] }],
}

/**
 * The same counts written by hand, as a DBA would: the members and, of them, the profiling audience,
 * in one statement. Run like the segment's, with JIT off (see SegmentQueryRepository: its compilation
 * costs more than it saves on counts of this size), so both are timed on the same terms.
 */
const HAND = sql<{ total: number; permitted: number }>`
  select count(*) as total,
         count(*) filter (where exists (
           select 1 from permission_state q where q.subject_id = s.id and q.purpose_key = 'profiling_offers'
             and q.channel = 'none' and q.status in ('granted', 'confirmed') and (q.expires_at is null or q.expires_at > now()))
           and not exists (select 1 from objection_state o where o.subject_id = s.id
                           and (o.scope = 'all_marketing' or (o.scope = 'purpose' and o.target = 'profiling_offers')))
         ) as permitted
  from subject s
  where s.erased_at is null
    and (s.attributes @> '{"country":"DE"}' or s.attributes @> '{"country":"AT"}')
    and exists (select 1 from touchpoint t where t.subject_id = s.id and t.type = 'page_view'
                and t.occurred_at >= now() - interval '30 days' and t.occurred_at <= now())
    and exists (select 1 from permission_state p where p.subject_id = s.id and p.purpose_key = 'newsletter_email'
                and p.channel = 'email' and p.status = 'confirmed' and (p.expires_at is null or p.expires_at > now()))
    and not exists (select 1 from restriction_state r where r.subject_id = s.id)
    and not exists (select 1 from objection_state o where o.subject_id = s.id
                    and (o.scope = 'all_marketing' or (o.scope = 'channel' and o.target = 'email')
                         or (o.scope = 'purpose' and o.target = 'newsletter_email')))
`

/**
 * Issue #16's target: a segment of attributes + behaviour + permission counted in < 500 ms on
 * PostgreSQL at 1,000,000 subjects, and ≤ 2× the bare hand-written SQL measured in the same run.
 * Loaded in SQL (untimed): `scale` subjects (country DE 40 %, AT 10 %, others), 0–5 touchpoints each
 * (≈ 2.5) over a year (page views, e-mail opens, visits), the newsletter's permission state (45 % confirmed,
 * 5 % withdrawn, 5 % pending), consent to profiling for 70 %, 2 % objecting to all marketing, 0.5 %
 * restricted. Timed: `SegmentService.preview` as `POST /segments/preview` runs it — the check, the
 * compile, the one statement of the segment's size and its audience for profiling — against the same
 * statement written by hand.
 */
export const segmentCount: Scenario = {
  name: 'segment-count',
  description:
    'in-process: the live count of a segment (country + a page view in 30 days + newsletter permission) and its ' +
    'audience, as POST /segments/preview computes them, against the same counts in hand-written SQL, over `scale` ' +
    'subjects with 0–5 touchpoints each (loaded in SQL).',
  defaultScale: 100_000,
  async run(ctx) {
    const instance = await ctx.instance('segment-count')
    const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
      logger: createLogger('warn'),
    })
    ctx.defer(() => runtime.close())
    if (runtime.database.engine !== ctx.db)
      throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
    const db = runtime.database.db
    const n = ctx.scale

    ctx.log(`loading ${n.toLocaleString('en')} subjects with touchpoints and permissions (untimed)`)
    let t = performance.now()
    await sql`select setseed(0.32)`.execute(db)
    await sql`
      insert into subject (id, kinds, source, attributes, created_at, updated_at)
      select gen_random_uuid(), case when random() < 0.8 then '{customer}'::text[] else '{lead}'::text[] end, 'bench',
             jsonb_build_object('country', case when b < 40 then 'DE' when b < 50 then 'AT' when b < 60 then 'CH'
                                                when b < 80 then 'FR' else 'NL' end,
                                'ageBand', (array['18-24','25-34','35-44','45-54','55-64','65+'])[1 + floor(random() * 6)::int]),
             now(), now()
      from (select floor(random() * 100)::int as b from generate_series(1, ${n}::int)) g
    `.execute(db)
    await sql`
      insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, source)
      select s.id, (array['page_view','page_view','email_open','store_visit'])[1 + floor(random() * 4)::int], 'web',
             now() - make_interval(secs => floor(random() * 365 * 86400)::int), now(), 'web_tracking', 'consent', 'bench'
      from (select id, floor(random() * 6)::int as k from subject) s, generate_series(1, s.k)
    `.execute(db)
    await sql`
      insert into permission_state (subject_id, purpose_key, channel, status, granted_at, confirmed_at, withdrawn_at, updated_at)
      select id, 'newsletter_email', 'email',
             case when b < 45 then 'confirmed' when b < 50 then 'withdrawn' else 'requested' end,
             now() - interval '200 days', case when b < 45 then now() - interval '199 days' end,
             case when b >= 45 and b < 50 then now() - interval '10 days' end, now()
      from (select id, floor(random() * 100)::int as b from subject) s where b < 55
    `.execute(db)
    await sql`
      insert into permission_state (subject_id, purpose_key, channel, status, granted_at, updated_at)
      select id, 'profiling_offers', 'none', 'granted', now() - interval '200 days', now()
      from subject where random() < 0.7
    `.execute(db)
    await sql`
      insert into objection_state (subject_id, scope, target, source, raised_at)
      select id, 'all_marketing', '*', 'letter', now() from subject where random() < 0.02
    `.execute(db)
    await sql`
      insert into restriction_state (subject_id, ground, since)
      select id, 'accuracy-contested', now() from subject where random() < 0.005
    `.execute(db)
    const touchpoints = Number(
      (await sql<{ n: number }>`select count(*) as n from touchpoint`.execute(db)).rows[0]?.n ?? 0,
    )
    ctx.log(
      `loaded in ${Math.round(performance.now() - t)} ms: ${touchpoints.toLocaleString('en')} touchpoints`,
    )
    await settle(ctx, db, [
      'subject',
      'touchpoint',
      'permission_state',
      'objection_state',
      'restriction_state',
    ])

    const { segments } = runtime.services
    const preview = () =>
      segments.preview(CTX, { purpose: 'profiling_offers', rules: RULES, channels: ['none'] })
    const expected = await preview()
    const hand = async () => {
      const row = await db.transaction().execute(async (trx) => {
        await sql`set local jit = off`.execute(trx)
        return (await HAND.execute(trx)).rows[0]
      })
      return [Number(row?.total), Number(row?.permitted)] as const
    }
    const [handTotal, handAudience] = await hand()
    if (expected.total !== handTotal || expected.audience[0]?.permitted !== handAudience)
      throw new Error(
        `the segment counts ${expected.total}/${expected.audience[0]?.permitted}, the hand-written SQL ${handTotal}/${handAudience}`,
      )
    ctx.log(
      `segment: ${expected.total.toLocaleString('en')} members, ${handAudience.toLocaleString('en')} in the profiling audience`,
    )
    return measure(
      ctx,
      'segment count',
      { warmups: 1, runs: 5 },
      {
        segment_count_ms: 'ms',
        hand_sql_ms: 'ms',
        ratio: 'x',
        members: 'subjects',
        large_count_ms: 'ms',
        large_members: 'subjects',
      },
      async () => {
        t = performance.now()
        const counts = await preview()
        const segmentMs = performance.now() - t
        t = performance.now()
        const [total, audience] = await hand()
        const handMs = performance.now() - t
        // The window ("in the last 30 days") moves with the clock: a touchpoint or two may cross its
        // edge between the two statements. More than that means they don't count the same thing.
        const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(5, a * 0.001)
        if (!close(counts.total, total) || !close(counts.audience[0]?.permitted ?? -1, audience))
          throw new Error(
            `the segment counted ${counts.total}/${counts.audience[0]?.permitted}, the hand-written SQL ${total}/${audience}`,
          )
        // A large segment (every customer, ≈ 80 %) with its newsletter audience: how the count scales
        // with the members rather than with the data.
        t = performance.now()
        const large = await segments.preview(CTX, { purpose: 'newsletter_email', rules: LARGE })
        const largeMs = performance.now() - t
        return {
          segment_count_ms: segmentMs,
          hand_sql_ms: handMs,
          ratio: segmentMs / handMs,
          members: total,
          large_count_ms: largeMs,
          large_members: large.total,
        }
      },
    )
  },
}
