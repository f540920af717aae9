import { sql } from 'kysely'
import { measure, percentile, type Scenario } from '../harness.ts'
import { openDemoRuntime } from '../support/in-process.ts'

/** Subjects erased per measured run (each its own erasure, one after the other). */
const ERASURES = 40
const RUNS = 3
const WARMUPS = 1
const TOUCHPOINTS = 50
const ORDERS = 10

/**
 * Issue #13: erase one subject with 50 touchpoints, 10 orders (3 lines each) and an open invoice,
 * among `scale` demo subjects. The invoice holds (§ 147 AO, § 257 HGB; unpaid: Art. 17(3)(e)), so
 * every erasure is a held one: holds computed, a new data key sealing the billing identity, the
 * other 9 orders, the touchpoints and the rest deleted, the subject marked and restricted, the
 * audit record, the ledger row and the fsync'd ledger file — one transaction, in-process.
 */
export const eraseOne: Scenario = {
  name: 'erase-one',
  description:
    `in-process: Gate.eraseSubjects of one subject with ${TOUCHPOINTS} touchpoints, ${ORDERS} orders and an open ` +
    `invoice (a held erasure: the invoice, its order and the billing identity kept) among \`scale\` demo subjects, ` +
    `${ERASURES} sequential erasures per run; latency percentiles (target p50 < 50 ms at 1,000,000 on PostgreSQL).`,
  defaultScale: 10_000,
  async run(ctx) {
    const runtime = await openDemoRuntime(ctx, 'erase-one')
    const db = runtime.database.db
    const actor = { type: 'user' as const, id: 'bench', role: 'dpo' }
    const total = ERASURES * (RUNS + WARMUPS)
    ctx.log(
      `adding ${total} subjects to erase, each with ${TOUCHPOINTS} touchpoints, ${ORDERS} orders, an open invoice`,
    )
    const ids = (await runtime.services.gate.collect({
      actor,
      subjects: Array.from({ length: total }, (_, i) => ({
        kinds: ['customer'],
        source: 'import',
        attributes: { country: 'DE' },
        identifiers: {
          firstName: 'Erika',
          lastName: `Erase-${i}`,
          email: `erase-${i}@bench.example`,
          phone: `+49 151 ${String(10_000_000 + i)}`,
          street: 'Benchweg 1',
          postalCode: '10115',
          city: 'Berlin',
          countryCode: 'DE',
        },
      })),
    })) as string[]
    const idArray = sql`${`{${ids.join(',')}}`}::uuid[]`
    await sql`
      insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
      select s, 'page_view', 'web', now() - n * interval '1 hour', now(), 'contact_management', 'legitimate_interest',
             '{"page":"/"}'::jsonb, 'bench'
      from unnest(${idArray}) as s, generate_series(1, ${TOUCHPOINTS}) as n
    `.execute(db)
    await sql`
      insert into customer_order (subject_id, order_number, ordered_at, status, currency, total_cents, item_count,
                                  payment_method, source, created_at)
      select s, 'E-' || n, now() - n * interval '1 day', 'fulfilled', 'EUR', 3000, 3, 'invoice', 'bench', now()
      from unnest(${idArray}) as s, generate_series(1, ${ORDERS}) as n
    `.execute(db)
    await sql`
      insert into order_line (subject_id, order_id, line_no, description, quantity, unit_price_cents)
      select o.subject_id, o.id, l, 'Item', 1, 1000
      from customer_order o, generate_series(1, 3) as l
      where o.subject_id = any(${idArray})
    `.execute(db)
    await sql`
      insert into invoice (subject_id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, created_at)
      select o.subject_id, 'R-' || o.order_number, o.id, now(), current_date + 30, 3000, 'EUR', now()
      from customer_order o
      where o.subject_id = any(${idArray}) and o.order_number = 'E-1'
    `.execute(db)
    await sql`analyze touchpoint`.execute(db)
    await sql`analyze customer_order`.execute(db)
    await sql`analyze order_line`.execute(db)
    await sql`analyze invoice`.execute(db)
    let next = 0

    return measure(
      ctx,
      'gate.eraseSubjects',
      { warmups: WARMUPS, runs: RUNS },
      { erase_one_p50_ms: 'ms', erase_one_p99_ms: 'ms' },
      async () => {
        const times: number[] = []
        for (let i = 0; i < ERASURES; i++) {
          const id = ids[next++] as string
          const t0 = performance.now()
          const [answer] = await runtime.services.gate.eraseSubjects({ actor, subjectIds: [id] })
          times.push(performance.now() - t0)
          if (
            answer?.outcome !== 'held' ||
            answer.erased.records.find((r) => r.kind === 'touchpoint')?.count !== TOUCHPOINTS
          )
            throw new Error('an erasure did not keep the invoice or did not delete the touchpoints')
        }
        times.sort((a, b) => a - b)
        return {
          erase_one_p50_ms: percentile(times, 50, true),
          erase_one_p99_ms: percentile(times, 99, true),
        }
      },
    )
  },
}
