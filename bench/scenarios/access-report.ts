import { sql } from 'kysely'
import { measure, percentile, type Scenario } from '../harness.ts'
import { openDemoRuntime } from '../support/in-process.ts'

const TOUCHPOINTS = 50
const ORDERS = 10
const INVOICES = 5
const CONSENT_EVENTS = 20
/** Reports generated per measured run. */
const REPORTS = 20
const PDFS = 5
const RUNS = 3
const WARMUPS = 1

/**
 * Issue #15: the Art. 15 package of one subject with 50 touchpoints, 10 orders (3 lines each),
 * 5 invoices and 20 consent events among `scale` demo subjects — everything the registry of record
 * kinds lists, read through the gate under dsr_fulfilment (audited), built and rendered as JSON;
 * and the same as PDF. In-process, the request verified beforehand.
 */
export const accessReport: Scenario = {
  name: 'access-report',
  description:
    `in-process: RequestWorkflowService.report + render of one subject with ${TOUCHPOINTS} touchpoints, ${ORDERS} orders, ` +
    `${INVOICES} invoices and ${CONSENT_EVENTS} consent events among \`scale\` demo subjects; JSON p50/p95 ` +
    '(target p50 < 100 ms at 1,000,000 on PostgreSQL) and PDF p50 (target < 1 s).',
  defaultScale: 10_000,
  async run(ctx) {
    const runtime = await openDemoRuntime(ctx, 'access-report')
    const db = runtime.database.db
    const actor = { type: 'user' as const, id: 'bench', role: 'dpo' }
    const [id] = (await runtime.services.gate.collect({
      actor,
      subjects: [
        {
          kinds: ['customer'],
          source: 'import:bench',
          attributes: { country: 'DE' },
          identifiers: {
            firstName: 'Erika',
            lastName: 'Auskunft',
            email: 'access-report@bench.example',
            phone: '+49 151 20000000',
            street: 'Benchweg 1',
            postalCode: '10115',
            city: 'Berlin',
            countryCode: 'DE',
          },
        },
      ],
    })) as string[]
    const subject = sql`${id}::uuid`
    await sql`
      insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
      select ${subject}, 'page_view', 'web', now() - n * interval '1 hour', now(), 'contact_management', 'legitimate_interest',
             '{"page":"/"}'::jsonb, 'bench'
      from generate_series(1, ${TOUCHPOINTS}) as n
    `.execute(db)
    await sql`
      insert into customer_order (subject_id, order_number, ordered_at, status, currency, total_cents, item_count,
                                  payment_method, source, created_at)
      select ${subject}, 'A-' || n, now() - n * interval '1 day', 'fulfilled', 'EUR', 3000, 3, 'invoice', 'bench', now()
      from generate_series(1, ${ORDERS}) as n
    `.execute(db)
    await sql`
      insert into order_line (subject_id, order_id, line_no, description, quantity, unit_price_cents)
      select o.subject_id, o.id, l, 'Item', 1, 1000
      from customer_order o, generate_series(1, 3) as l
      where o.subject_id = ${subject}
    `.execute(db)
    await sql`
      insert into invoice (subject_id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, created_at)
      select o.subject_id, 'R-' || o.order_number, o.id, now(), current_date + 30, 3000, 'EUR', now()
      from customer_order o
      where o.subject_id = ${subject} and o.order_number in ('A-1', 'A-2', 'A-3', 'A-4', 'A-5')
    `.execute(db)
    await sql`
      insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
      select ${subject}, 'newsletter_email', 1, 'email', case when n % 2 = 0 then 'withdrawn' else 'granted' end,
             '{"source":"bench"}'::jsonb, 'user', 'bench', now() - n * interval '1 day'
      from generate_series(1, ${CONSENT_EVENTS}) as n
    `.execute(db)
    const workflow = runtime.services.requestWorkflow
    const request = await runtime.services.requests.record(
      { subjectId: id as string, kind: 'access', channel: 'letter' },
      { actor },
    )
    await workflow.step(request.id, { step: 'verify', method: 'signature' }, { actor })
    const check = await workflow.report(request.id, { actor })
    const count = (table: string) => check.sections.find((s) => s.table === table)?.rows.length
    if (
      count('touchpoint') !== TOUCHPOINTS ||
      count('customer_order') !== ORDERS ||
      count('invoice') !== INVOICES ||
      count('consent_event') !== CONSENT_EVENTS
    )
      throw new Error('the report does not hold the seeded records')

    return measure(
      ctx,
      'access report',
      { warmups: WARMUPS, runs: RUNS },
      {
        report_json_p50_ms: 'ms',
        report_json_p95_ms: 'ms',
        report_pdf_p50_ms: 'ms',
        report_json_bytes: 'bytes',
      },
      async () => {
        const json: number[] = []
        let bytes = 0
        for (let i = 0; i < REPORTS; i++) {
          const t0 = performance.now()
          const rendered = await workflow.render(await workflow.report(request.id, { actor }), 'json')
          json.push(performance.now() - t0)
          bytes = Buffer.byteLength(rendered.body)
        }
        const pdf: number[] = []
        for (let i = 0; i < PDFS; i++) {
          const t0 = performance.now()
          await workflow.render(await workflow.report(request.id, { actor }), 'pdf')
          pdf.push(performance.now() - t0)
        }
        json.sort((a, b) => a - b)
        pdf.sort((a, b) => a - b)
        return {
          report_json_p50_ms: percentile(json, 50, true),
          report_json_p95_ms: percentile(json, 95, true),
          report_pdf_p50_ms: percentile(pdf, 50, true),
          report_json_bytes: bytes,
        }
      },
    )
  },
}
