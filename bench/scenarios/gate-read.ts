import { sql } from 'kysely'
import { ATTRIBUTE_FIELDS, IDENTIFIER_FIELDS } from '../../src/privacy/fields/field-catalog.ts'
import { measure, percentile, type Scenario } from '../harness.ts'
import { openDemoRuntime } from '../support/in-process.ts'

/** Reads per measured run, each of one random subject. */
const READS = 1_000

/**
 * One subject's gated, decrypted record, in-process, as a route handler gets it: role and field
 * check, legal basis, the audit record (appended and chained), then the identifiers decrypted.
 */
export const gateRead: Scenario = {
  name: 'gate-read',
  description:
    'in-process: Gate.use for one random subject with every field (role check, legal basis, audit append, ' +
    `decryption), ${READS.toLocaleString('en')} sequential reads per run over \`scale\` demo subjects; latency percentiles.`,
  defaultScale: 100_000,
  async run(ctx) {
    const runtime = await openDemoRuntime(ctx, 'gate-read')
    const db = runtime.database.db
    const ids = (
      await sql<{ id: string }>`select id from subject order by random() limit ${READS * 4}`.execute(db)
    ).rows.map((r) => r.id)
    const fields = [...IDENTIFIER_FIELDS, ...ATTRIBUTE_FIELDS]
    const actor = { type: 'user' as const, id: 'bench', role: 'admin' }
    let next = 0

    return measure(
      ctx,
      'gate.use',
      { warmups: 1, runs: 3 },
      { gate_read_p50_ms: 'ms', gate_read_p99_ms: 'ms', gate_reads_per_s: 'reads/s' },
      async () => {
        const times: number[] = []
        const started = performance.now()
        for (let i = 0; i < READS; i++) {
          const id = ids[next++ % ids.length] as string
          const t0 = performance.now()
          // customer_service is a contract purpose: no consent needed, so every read is allowed
          const result = await runtime.services.gate.use({
            actor,
            purpose: 'customer_service',
            subjectIds: [id],
            fields,
          })
          times.push(performance.now() - t0)
          if (result.subjects[0]?.identifiers.email === undefined && result.denied.length === 0)
            throw new Error('a read came back without its identifiers')
        }
        const seconds = (performance.now() - started) / 1000
        times.sort((a, b) => a - b)
        return {
          gate_read_p50_ms: percentile(times, 50, true),
          gate_read_p99_ms: percentile(times, 99, true),
          gate_reads_per_s: READS / seconds,
        }
      },
    )
  },
}
