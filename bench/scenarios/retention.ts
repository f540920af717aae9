import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import type { GateActor } from '../../src/privacy/gate/gate.service.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { type Context, measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'
import { prepareInstance } from '../support/tresor.ts'

const DPO: GateActor = { type: 'user', id: 'bench-dpo', role: 'dpo' }
const DAY = 86_400_000

/** An empty, migrated installation opened in this process (the data is made in SQL, set-based). */
async function emptyRuntime(ctx: Context, label: string): Promise<Runtime> {
  const instance = await ctx.instance(label)
  await prepareInstance(instance, 0)
  const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
    logger: createLogger('warn'),
  })
  ctx.defer(() => runtime.close())
  if (runtime.database.engine !== ctx.db) throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
  return runtime
}

/**
 * `scale` subjects over four years, with what a CRM keeps about them, made in SQL: 20 % only leads,
 * 10 % leads that became customers, the rest customers; two touchpoints each (a page view under web
 * tracking, a contact), a consent event each (web tracking; phone advertising for 2 %), an order and
 * an invoice for 30 %, an unconfirmed or confirmed double opt-in request for 4 %, a deal for 5 %, an
 * entered legal hold for 0.1 %. No identifiers: the plan reads none.
 */
async function seedPopulation(ctx: Context, runtime: Runtime, n: number): Promise<void> {
  const db = runtime.database.db
  const chunk = 100_000
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk) - 1
    await sql`
      insert into subject (id, kinds, source, attributes, created_at, updated_at)
      select gen_random_uuid(),
             case when i % 10 < 2 then '{lead}'::text[] when i % 10 = 2 then '{lead,customer}'::text[] else '{customer}'::text[] end,
             'bench', '{}'::jsonb, now() - (i % 1460) * interval '1 day' - (i % 86400) * interval '1 second',
             now() - (i % 1460) * interval '1 day' - (i % 86400) * interval '1 second'
      from generate_series(${from}::int, ${to}::int) as i
    `.execute(db)
    ctx.log(`subjects: ${(to + 1).toLocaleString('en')}/${n.toLocaleString('en')}`)
  }
  await sql`
    insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
    select s.id, 'page_view', 'web', least(now(), s.created_at + (abs(hashtext(s.id::text)) % 400) * interval '1 day'), now(),
           'web_tracking', 'consent', '{}'::jsonb, 'bench'
    from subject s
    union all
    select s.id, 'form_submit', 'web', least(now(), s.created_at + (abs(hashtext(s.id::text)) % 900) * interval '1 day'), now(),
           'contact_management', 'legitimate_interest', '{}'::jsonb, 'bench'
    from subject s where not s.kinds = '{lead}'::text[] or abs(hashtext(s.id::text)) % 3 = 0
  `.execute(db)
  ctx.log('touchpoints')
  await sql`
    insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
    select s.id, case when abs(hashtext(s.id::text)) % 50 = 0 then 'phone_marketing' else 'web_tracking' end, 1,
           case when abs(hashtext(s.id::text)) % 50 = 0 then 'phone' else 'web' end,
           'granted', '{}'::jsonb, 'job', 'bench', s.created_at
    from subject s
  `.execute(db)
  ctx.log('consent events')
  await sql`
    insert into customer_order (subject_id, order_number, ordered_at, status, currency, total_cents, item_count, source, created_at)
    select s.id, 'B-1', s.created_at + interval '10 days', 'fulfilled', 'EUR', 4900, 1, 'bench', now()
    from subject s where 'customer' = any(s.kinds) and abs(hashtext(s.id::text)) % 10 < 3
  `.execute(db)
  await sql`
    insert into invoice (subject_id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, paid_at, created_at)
    select o.subject_id, 'R-1', o.id, o.ordered_at, current_date, 4900, 'EUR',
           case when abs(hashtext(o.subject_id::text)) % 20 = 0 then null else o.ordered_at + interval '14 days' end, now()
    from customer_order o where abs(hashtext(o.subject_id::text)) % 2 = 0
  `.execute(db)
  ctx.log('orders and invoices')
  await sql`
    insert into doi_request (subject_id, id, form_key, purposes, requested_at, expires_at, status, closed_at)
    select s.id, gen_random_uuid(), 'newsletter', '[]'::jsonb, s.created_at, s.created_at + interval '3 days',
           case when abs(hashtext(s.id::text)) % 2 = 0 then 'expired' else 'confirmed' end, s.created_at + interval '1 day'
    from subject s where abs(hashtext(s.id::text || 'doi')) % 25 = 0
  `.execute(db)
  await sql`
    insert into deal (subject_id, title, stage_key, amount_cents, created_at, updated_at)
    select s.id, 'Bench deal', 'won', 10000, s.created_at, s.created_at + interval '30 days'
    from subject s where abs(hashtext(s.id::text || 'deal')) % 20 = 0
  `.execute(db)
  await sql`
    insert into legal_hold (subject_id, id, ground, reason, field_categories, record_kinds, until, set_by_type, set_by_id, created_at)
    select s.id, gen_random_uuid(), 'legal_claims', 'Bench: claim pending, file 2026-0001', '{}', '{touchpoint}', null, 'user', 'bench', now()
    from subject s where abs(hashtext(s.id::text || 'hold')) % 1000 = 0
  `.execute(db)
  ctx.log('requests, deals, holds')
  await settle(ctx, db, [
    'subject',
    'touchpoint',
    'consent_event',
    'customer_order',
    'invoice',
    'doi_request',
    'deal',
    'legal_hold',
  ])
}

/**
 * Issue #13: the dry run over `scale` subjects (target: 1,000,000 on PostgreSQL in < 5 s). Every rule
 * of the seeded deletion concept: its cutoff, the subjects and records due counted in SQL over the
 * whole set (leads by the latest of their touchpoints, orders, deals, notes, consent events and
 * requests; web-tracking touchpoints less what holds keep; unconfirmed double opt-in requests; …),
 * and a sample of five. In-process: `RetentionSweeper.plan`, 1 warm-up and 3 runs.
 */
export const retentionPlan: Scenario = {
  name: 'retention-plan',
  description:
    'in-process: RetentionSweeper.plan (the dry run of every retention rule: cutoffs, due subjects and records, sample) over `scale` subjects made in SQL with touchpoints, consents, orders, invoices, requests, deals and holds (target < 5 s at 1,000,000 on PostgreSQL).',
  defaultScale: 100_000,
  async run(ctx) {
    const runtime = await emptyRuntime(ctx, 'retention-plan')
    await seedPopulation(ctx, runtime, ctx.scale)
    let due = 0
    return measure(
      ctx,
      'sweeper.plan',
      { warmups: 1, runs: 3 },
      { plan_ms: 'ms', due_subjects: 'subjects', due_records: 'records' },
      async () => {
        const t0 = performance.now()
        const plan = await runtime.services.sweeper.plan({ actor: DPO })
        const ms = performance.now() - t0
        due = plan.rules.reduce((sum, r) => sum + r.subjects, 0)
        const records = plan.rules.reduce((sum, r) => sum + r.records, 0)
        if (plan.rules.find((r) => r.ruleKey === 'leads_without_interaction')?.status !== 'due')
          throw new Error('no lead fell due: the population is not what the scenario means')
        return { plan_ms: ms, due_subjects: due, due_records: records }
      },
    )
  },
}

/**
 * Issue #13: `scale` leads with no interaction for three years erased by a run of an approved plan
 * (target: 100,000 in < 60 s). Each was collected through the gate (identifiers encrypted under a
 * key of its own, blind-indexed) and has three old touchpoints and a consent event; as many recent
 * customers stay. The run erases in batches of 1,000 through `Gate.eraseSubjects` (one transaction per
 * batch: keys shredded, records deleted, audit record naming the rule, ledger rows and file).
 */
export const retentionSweep: Scenario = {
  name: 'retention-sweep',
  description:
    'in-process: a run of an approved plan erasing `scale` due leads (each collected through the gate, with 3 touchpoints and a consent event) in batches of 1,000 through Gate.eraseSubjects, beside as many recent customers (target < 60 s for 100,000).',
  defaultScale: 10_000,
  async run(ctx) {
    const runtime = await emptyRuntime(ctx, 'retention-sweep')
    const db = runtime.database.db
    const admin: GateActor = { type: 'job', id: 'bench', role: 'admin' }
    const old = new Date(Date.now() - 3 * 365 * DAY)
    const recent = new Date(Date.now() - 30 * DAY)
    for (let from = 0; from < ctx.scale; from += 2_000) {
      const size = Math.min(2_000, ctx.scale - from)
      for (const [kinds, createdAt] of [
        [['lead'], old],
        [['customer'], recent],
      ] as const)
        await runtime.services.gate.collect({
          actor: admin,
          action: 'import',
          subjects: Array.from({ length: size }, (_, i) => ({
            kinds: [...kinds],
            source: 'bench',
            attributes: {},
            createdAt,
            identifiers: {
              firstName: 'Synthetic',
              lastName: `Sweep-${from + i}`,
              email: `sweep-${kinds[0]}-${from + i}@bench.example`,
              city: 'Berlin',
            },
          })),
        })
      ctx.log(`subjects: ${(from + size).toLocaleString('en')}/${ctx.scale.toLocaleString('en')} due leads`)
    }
    await sql`
      insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
      select s.id, 'page_view', 'web', s.created_at + n * interval '1 day', now(), 'contact_management',
             'legitimate_interest', '{}'::jsonb, 'bench'
      from subject s, generate_series(1, 3) as n where s.source = 'bench'
    `.execute(db)
    await sql`
      insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
      select s.id, 'newsletter_email', 1, 'email', 'withdrawn', '{}'::jsonb, 'job', 'bench', s.created_at
      from subject s where s.source = 'bench'
    `.execute(db)
    await settle(ctx, db, ['subject', 'touchpoint', 'consent_event'])
    const sweeper = runtime.services.sweeper
    const plan = await sweeper.plan({ actor: DPO })
    const leads = plan.rules.find((r) => r.ruleKey === 'leads_without_interaction')
    if (leads?.subjects !== ctx.scale) throw new Error(`${leads?.subjects} leads due, not ${ctx.scale}`)
    await sweeper.approve(plan.id, { actor: DPO })
    return measure(
      ctx,
      'sweeper.run',
      { warmups: 0, runs: 1 },
      { sweep_ms: 'ms', erased_per_s: 'subjects/s' },
      async () => {
        let last = 0
        const t0 = performance.now()
        const run = await sweeper.run(
          plan.id,
          { actor: DPO },
          {
            onProgress: ({ ruleKey, done }) => {
              if (ruleKey === 'leads_without_interaction' && done - last >= ctx.scale / 10) {
                last = done
                ctx.log(
                  `erased ${done.toLocaleString('en')}/${ctx.scale.toLocaleString('en')} after ${Math.round(performance.now() - t0)} ms`,
                )
              }
            },
          },
        )
        const ms = performance.now() - t0
        const erased = run.rules.find((r) => r.ruleKey === 'leads_without_interaction')?.done.erased ?? 0
        if (erased !== ctx.scale) throw new Error(`${erased} leads erased, not ${ctx.scale}`)
        return { sweep_ms: ms, erased_per_s: (erased / ms) * 1000 }
      },
    )
  },
}
