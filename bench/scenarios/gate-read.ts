import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { ATTRIBUTE_FIELDS, IDENTIFIER_FIELDS } from '../../src/privacy/fields/field-catalog.ts'
import { openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'
import { prepareInstance } from '../support/tresor.ts'

/** Reads per measured run, each of one random subject. */
const READS = 1_000

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number

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
    const instance = await ctx.instance('gate-read')
    ctx.log(`preparing ${ctx.scale.toLocaleString('en')} demo subjects (tresor demo)`)
    await prepareInstance(instance, ctx.scale)
    const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
      logger: createLogger('warn'),
    })
    ctx.defer(() => runtime.close())
    if (runtime.database.engine !== ctx.db)
      throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
    const db = runtime.database.db
    await sql`vacuum analyze`.execute(db)
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
          gate_read_p50_ms: percentile(times, 50),
          gate_read_p99_ms: percentile(times, 99),
          gate_reads_per_s: READS / seconds,
        }
      },
    )
  },
}
