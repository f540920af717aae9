import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'

const ACTOR = { actor: { type: 'system' as const, id: 'bench', role: 'admin' } }

/**
 * Issue #17's target: a campaign's audience decided in < 1 s at 1,000,000 permitted recipients on
 * PostgreSQL — the decision alone, without mailing everyone (`campaign-send` does that end to end).
 * Loaded in SQL (untimed): `scale` subjects (80 % customers, 20 % leads), a confirmed newsletter
 * consent for 85 % (5 % withdrawn), 2 % objecting to all marketing, 0.5 % restricted, 0.3 %
 * suppressed after a hard bounce — so about 82 % of `scale` are recipients. Timed: the start of a
 * send as `tresor campaigns send` runs it, up to the audience stored (counts, excluded by reason,
 * the snapshot in chunks; docs/adr/0022), each run a new campaign.
 */
export const campaignAudience: Scenario = {
  name: 'campaign-audience',
  description:
    'in-process: the audience decision of an e-mail campaign (segment ∩ permission ∩ not suppressed ∩ cap, its ' +
    'counts by reason and its snapshot in chunks) as a send starts it, over `scale` subjects loaded in SQL ' +
    '(≈ 82 % permitted recipients).',
  defaultScale: 100_000,
  async run(ctx) {
    const instance = await ctx.instance('campaign-audience')
    const runtime = await openRuntime(
      loadConfig(
        {
          ...instance.env,
          // Never connected: the runs stop before the first batch.
          TRESOR_SMTP_URL: 'smtp://127.0.0.1:9',
          TRESOR_MAIL_FROM: 'Tresor <news@bench.example>',
          TRESOR_PUBLIC_URL: 'https://crm.bench.example',
        },
        { dataDir: instance.dataDir },
      ),
      { logger: createLogger('warn') },
    )
    ctx.defer(() => runtime.close())
    if (runtime.database.engine !== ctx.db)
      throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
    const db = runtime.database.db
    const n = ctx.scale
    ctx.log(`loading ${n.toLocaleString('en')} subjects with their newsletter permission (untimed)`)
    let t = performance.now()
    await sql`select setseed(0.17)`.execute(db)
    await sql`
      insert into subject (id, kinds, source, attributes, created_at, updated_at)
      select gen_random_uuid(), case when random() < 0.8 then '{customer}'::text[] else '{lead}'::text[] end, 'bench',
             '{}'::jsonb, now() - interval '1 day', now() - interval '1 day'
      from generate_series(1, ${n}::int)
    `.execute(db)
    await sql`
      insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at, confirmed_at, withdrawn_at, updated_at)
      select id, 'newsletter_email', 'email', case when b < 85 then 'confirmed' else 'withdrawn' end,
             now() - interval '200 days', now() - interval '200 days', now() - interval '199 days',
             case when b >= 85 then now() - interval '10 days' end, now()
      from (select id, floor(random() * 100)::int as b from subject) s where b < 90
    `.execute(db)
    await sql`
      insert into objection_state (subject_id, scope, target, source, raised_at)
      select id, 'all_marketing', '*', 'letter', now() from subject where random() < 0.02
    `.execute(db)
    await sql`
      insert into restriction_state (subject_id, ground, since)
      select id, 'accuracy-contested', now() from subject where random() < 0.005
    `.execute(db)
    await sql`
      insert into campaign_suppression (subject_id, channel, reason, detail, created_at)
      select id, 'email', 'hard-bounce', '5.1.1', now() from subject where random() < 0.003
    `.execute(db)
    ctx.log(`loaded in ${Math.round(performance.now() - t)} ms`)
    await settle(ctx, db, [
      'subject',
      'permission_state',
      'objection_state',
      'restriction_state',
      'campaign_suppression',
    ])
    const { segments, campaigns, campaignSend } = runtime.services
    const segment = await segments.create(ACTOR, {
      name: 'Customers and leads',
      purpose: 'newsletter_email',
      rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer', 'lead'] }] },
    })
    return measure(
      ctx,
      'decide',
      { warmups: 1, runs: 3 },
      { audience_decision_ms: 'ms', recipients: 'subjects', excluded: 'subjects' },
      async ({ index, warmup }) => {
        const campaign = await campaigns.create(ACTOR, {
          name: `Bench ${warmup ? 'w' : 'r'}${index} ${Date.now()}`,
          segmentId: segment.id,
          defaultLang: 'de',
          channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
          content: [{ channel: 'email', lang: 'de', subject: 'Neu', bodyText: 'Angebote der Woche.\n' }],
        })
        await campaigns.schedule(ACTOR, campaign.id)
        const stop = new AbortController()
        let decisionMs = 0
        let recipients = 0
        let excluded = 0
        t = performance.now()
        await campaignSend.run(campaign.id, {
          signal: stop.signal,
          onAudience: (counts, ms) => {
            decisionMs = ms
            const [channel] = counts.channels
            recipients = channel?.audience ?? 0
            excluded = Object.values(channel?.excludedBy ?? {}).reduce((a, b) => a + b, 0)
            stop.abort()
          },
        })
        const stored = await sql<{ n: string }>`
          select coalesce(sum(cardinality(subject_ids)), 0) as n from campaign_audience_chunk where campaign_id = ${campaign.id}
        `.execute(db)
        if (Number(stored.rows[0]?.n) !== recipients)
          throw new Error(`${stored.rows[0]?.n} ids stored for an audience of ${recipients}`)
        await campaigns.cancel(ACTOR, campaign.id)
        return { audience_decision_ms: decisionMs, recipients, excluded }
      },
    )
  },
}
