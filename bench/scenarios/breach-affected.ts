import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { type Context, measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'
import { prepareInstance } from '../support/tresor.ts'

/**
 * The breach register's affected set (issue #14 target: < 2 s for one actor's window over an
 * audit trail of 10,000,000 records on PostgreSQL). The trail is loaded set-based in SQL
 * (generate_series), not through the chain's append: the query reads actor, time, action and
 * subjects, never the hashes, so the hash columns hold a constant and the head is moved past the
 * loaded records for the appends that follow.
 */

/** Distinct people the trail names. */
const SUBJECTS = 200_000
/** Users and API tokens acting: each has 1/ACTORS of the records. */
const ACTORS = 50
/** The trail spans this many days; the breach's window is WINDOW_DAYS of it. */
const SPAN_DAYS = 90
const WINDOW_DAYS = 7
/** Every EXPORT_EVERY-th record is an export of EXPORT_SIZE people, stored as a linked subject set. */
const EXPORT_EVERY = 500_000
const EXPORT_SIZE = 2_000
/** Rows per INSERT of the load, so a statement stays bounded. */
const LOAD_CHUNK = 1_000_000

const DAY_MS = 86_400_000

async function load(
  ctx: Context,
  db: import('kysely').Kysely<import('../../src/platform/db/schema.ts').Schema>,
  records: number,
  start: Date,
) {
  ctx.log(`loading ${SUBJECTS.toLocaleString('en')} subjects`)
  await sql`insert into subject (kinds, source) select array['customer'], 'bench' from generate_series(1, ${SUBJECTS}::int)`.execute(
    db,
  )
  await sql`create unlogged table bench_subject_no as select row_number() over (order by id) - 1 as n, id from subject`.execute(
    db,
  )
  await sql`create unique index on bench_subject_no (n)`.execute(db)
  await sql`analyze bench_subject_no`.execute(db)
  const { rows } = await sql<{ seq: number }>`select seq from audit_head`.execute(db)
  const base = rows[0]?.seq ?? 0
  const stepMs = (SPAN_DAYS * DAY_MS) / records
  const zero = Buffer.alloc(32)
  for (let done = 0; done < records; done += LOAD_CHUNK) {
    const n = Math.min(LOAD_CHUNK, records - done)
    const t0 = performance.now()
    // Record g: actor g % ACTORS (users and tokens alternate), one person picked by a multiplicative
    // hash (shifted by g / ACTORS, so one actor's records don't cycle through a few people), reads
    // mostly; time rising evenly over the span.
    await sql`
      insert into audit_event (seq, at, actor_type, actor_id, actor_role, action, subject_ids, purpose,
        legal_basis, fields, prev_hash, hash)
      select ${base}::int8 + g,
             ${start}::timestamptz + (g * ${stepMs}::float8) * interval '1 millisecond',
             case when g % ${ACTORS} % 2 = 0 then 'user' else 'token' end,
             'actor-' || (g % ${ACTORS}),
             'sales',
             case when g % 20 = 0 then 'update' else 'read' end,
             array[s.id],
             'contact_management', 'legitimate_interest', array['firstName', 'email'],
             ${zero}::bytea, ${zero}::bytea
      from generate_series(${done + 1}::int8, ${done + n}::int8) g
      join bench_subject_no s on s.n = (g * 7919 + g / ${ACTORS}) % ${SUBJECTS}`.execute(db)
    ctx.log(`  audit records ${(done + n).toLocaleString('en')} (${Math.round(performance.now() - t0)} ms)`)
  }
  // Exports of many people at once: linked subject sets, as the audit log stores them above 1,000.
  for (let g = EXPORT_EVERY; g <= records; g += EXPORT_EVERY) {
    const setId = crypto.randomUUID()
    await sql`insert into audit_subject_set (set_id, subject_id)
      select ${setId}::uuid, id from bench_subject_no where n % ${Math.floor(SUBJECTS / EXPORT_SIZE)} = ${g % 97}`.execute(
      db,
    )
    const seq = base + records + g / EXPORT_EVERY
    await sql`
      insert into audit_event (seq, at, actor_type, actor_id, actor_role, action, subject_set_id,
        subject_set_size, subject_set_digest, purpose, legal_basis, fields, prev_hash, hash)
      values (${seq}::int8, ${start}::timestamptz + (${g * stepMs}::float8) * interval '1 millisecond',
        'token', 'actor-7', 'sales', 'export', ${setId}::uuid,
        (select count(*) from audit_subject_set where set_id = ${setId}::uuid), ${zero}::bytea,
        'contact_management', 'legitimate_interest', array['email'], ${zero}::bytea, ${zero}::bytea)`.execute(
      db,
    )
  }
  const { rows: max } = await sql<{ seq: number }>`select max(seq) as seq from audit_event`.execute(db)
  // The appends that follow (the breach's own audit records) continue after the loaded records.
  await sql`update audit_head set seq = ${max[0]?.seq ?? base}::int8`.execute(db)
  await sql`drop table bench_subject_no`.execute(db)
}

export const breachAffected: Scenario = {
  name: 'breach-affected',
  description:
    `The affected people of one actor's ${WINDOW_DAYS}-day window (reads and exports) over an audit trail of ` +
    `\`scale\` records (${SPAN_DAYS} days, ${ACTORS} actors, ${SUBJECTS.toLocaleString('en')} people, an export ` +
    `of ${EXPORT_SIZE.toLocaleString('en')} as a linked set every ${EXPORT_EVERY.toLocaleString('en')} records), ` +
    'computed into a new breach through `BreachService.computeAffected` (one set-based INSERT … SELECT, audited).',
  defaultScale: 1_000_000,
  async run(ctx) {
    const instance = await ctx.instance('breach-affected')
    await prepareInstance(instance, 0)
    const config = loadConfig({ ...instance.env, TRESOR_DATA_DIR: instance.dataDir })
    const runtime = await openRuntime(config, { logger: createLogger('warn') })
    ctx.defer(() => runtime.close())
    const db = runtime.database.db
    const start = new Date(Date.now() - SPAN_DAYS * DAY_MS)
    const loadStarted = performance.now()
    await load(ctx, db, ctx.scale, start)
    ctx.log(`loaded in ${Math.round((performance.now() - loadStarted) / 1000)} s; settling`)
    await settle(ctx, db, ['audit_event', 'audit_subject_set'])
    const { breaches } = runtime.services
    const dpo = { type: 'system' as const, id: 'bench' }
    // Actor 7 (a token), a week in the middle of the span.
    const from = new Date(start.getTime() + 40 * DAY_MS)
    const until = new Date(from.getTime() + WINDOW_DAYS * DAY_MS)
    let window = 0
    const figures = await measure(
      ctx,
      'affected',
      { warmups: 1, runs: 5 },
      { affected_ms: 'ms', affected_subjects: 'subjects' },
      async () => {
        const breach = await breaches.record(
          { awareAt: new Date(), title: 'Leaked token', description: 'An API token leaked.', risk: 'high' },
          { actor: dpo },
        )
        const t0 = performance.now()
        const result = await breaches.computeAffected(
          breach.id,
          { actor: { type: 'token', id: 'actor-7' }, from, until, actions: ['read', 'export'] },
          { actor: dpo },
        )
        const ms = performance.now() - t0
        window = result.counts.records
        if (result.counts.subjects === 0) throw new Error('the window found nobody: the load is wrong')
        return { affected_ms: ms, affected_subjects: result.counts.subjects }
      },
    )
    ctx.log(`window: ${window.toLocaleString('en')} audit-record mentions of the actor`)
    return figures
  },
}
