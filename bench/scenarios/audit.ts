import { randomUUID } from 'node:crypto'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import type { AuditRecordInput } from '../../src/privacy/audit/audit-record.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import { type Context, measure, median, percentile, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'
import type { Instance } from '../support/tresor.ts'
import { prepareInstance, runCli } from '../support/tresor.ts'

/**
 * The audit trail's throughput. Appending has no public interface (by design: only Tresor's own
 * services write audit records), so `audit-append` measures the service the gate calls, in this
 * process, on the instance's database; `audit-verify` runs `tresor audit verify` like a user and
 * takes the verify time the command reports (so the figure excludes process start-up).
 */

/** Records per `append` call in the batched figure: a bulk operation's records, or a busy second's. */
const BATCH = 1_000
const SINGLE_APPENDS = 300

/** A plausible record: a user reads one subject's contact data for a purpose. */
function syntheticRecords(count: number, subjects: readonly string[], offset: number): AuditRecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    actor: { type: 'user' as const, id: subjects[(offset + i) % 17]!, role: 'sales' },
    action: 'read' as const,
    subjectIds: [subjects[(offset + i) % subjects.length]!],
    purpose: 'service',
    legalBasis: 'contract',
    fields: ['firstName', 'lastName', 'email'],
    requestId: randomUUID(),
  }))
}

/** Opens the instance's installation in this process (nothing else may hold it on PGlite). */
async function openInstance(ctx: Context, instance: Instance): Promise<Runtime> {
  const config = loadConfig({ ...instance.env, TRESOR_DATA_DIR: instance.dataDir })
  const runtime = await openRuntime(config, { logger: createLogger('warn') })
  let closed = false
  ctx.defer(async () => {
    if (!closed) await runtime.close()
  })
  return {
    ...runtime,
    close: async () => {
      closed = true
      await runtime.close()
    },
  }
}

async function appendMany(runtime: Runtime, count: number, subjects: readonly string[]): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    await runtime.services.audit.append(syntheticRecords(Math.min(BATCH, count - done), subjects, done))
  }
}

const subjectIds = () => Array.from({ length: 10_000 }, () => randomUUID())

export const auditAppend: Scenario = {
  name: 'audit-append',
  description:
    `\`scale\` audit records appended through the audit log in batches of ${BATCH} (one transaction and ` +
    `one INSERT each, hashes chained in process), and ${SINGLE_APPENDS} single-record appends; in the ` +
    'bench process, on a fresh installation.',
  defaultScale: 100_000,
  async run(ctx) {
    const instance = await ctx.instance('audit-append')
    await prepareInstance(instance, 0)
    const runtime = await openInstance(ctx, instance)
    const subjects = subjectIds()
    const figures = await measure(
      ctx,
      'append',
      { warmups: 1, runs: 3 },
      { append_records_per_s: 'records/s', append_one_p50_ms: 'ms', append_one_p95_ms: 'ms' },
      async () => {
        const started = performance.now()
        await appendMany(runtime, ctx.scale, subjects)
        const seconds = (performance.now() - started) / 1000
        const single: number[] = []
        for (let i = 0; i < SINGLE_APPENDS; i++) {
          const t0 = performance.now()
          await runtime.services.audit.append(syntheticRecords(1, subjects, i))
          single.push(performance.now() - t0)
        }
        return {
          append_records_per_s: ctx.scale / seconds,
          append_one_p50_ms: median(single),
          append_one_p95_ms: percentile(single, 95),
        }
      },
    )
    // The figures mean nothing if the chain is not intact.
    const check = await runtime.services.audit.verify()
    const expected = 4 * (ctx.scale + SINGLE_APPENDS)
    if (!check.ok || check.checked < expected) {
      throw new Error(
        `after the runs verify says ok=${check.ok}, checked ${check.checked} (expected >= ${expected})`,
      )
    }
    await runtime.close()
    return figures
  },
}

interface CliVerification {
  ok: boolean
  checked: number
  durationMs: number
}

async function cliVerify(
  instance: Instance,
  args: readonly string[],
  records: number,
): Promise<CliVerification> {
  const out = await runCli(instance, ['audit', 'verify', '--json', ...args], {
    timeoutMs: 120_000 + records / 10,
  })
  const result = JSON.parse(out) as CliVerification
  if (!result.ok) throw new Error(`tresor audit verify ${args.join(' ')} reports a broken chain: ${out}`)
  return result
}

export const auditVerify: Scenario = {
  name: 'audit-verify',
  description:
    '`tresor audit verify` over `scale` audit records (with a signed checkpoint at the end): records/s ' +
    'as the command reports its own verify time; also with --independent (every hash recomputed in ' +
    'process) and the time of --from-checkpoint.',
  defaultScale: 500_000,
  async run(ctx) {
    const instance = await ctx.instance('audit-verify')
    await prepareInstance(instance, 0)
    const runtime = await openInstance(ctx, instance)
    ctx.log(`appending ${ctx.scale.toLocaleString('en')} audit records`)
    await appendMany(runtime, ctx.scale, subjectIds())
    await runtime.services.audit.checkpoint()
    // The steady state a running system reaches: autovacuum has set the visibility and hint bits
    // of the appended rows, rather than racing the measured runs for the CPU.
    await settle(ctx, runtime.database.db, ['audit_event'])
    await runtime.close()

    const full = await measure(
      ctx,
      'verify',
      { warmups: 1, runs: 3 },
      { verify_records_per_s: 'records/s' },
      async () => {
        const result = await cliVerify(instance, [], ctx.scale)
        if (result.checked < ctx.scale)
          throw new Error(`verify checked ${result.checked} of ${ctx.scale} records`)
        return { verify_records_per_s: result.checked / (result.durationMs / 1000) }
      },
    )
    const independent = await measure(
      ctx,
      'verify --independent',
      { warmups: 0, runs: 1 },
      { verify_independent_records_per_s: 'records/s' },
      async () => {
        const result = await cliVerify(instance, ['--independent'], ctx.scale)
        return { verify_independent_records_per_s: result.checked / (result.durationMs / 1000) }
      },
    )
    const quick = await measure(
      ctx,
      'verify --from-checkpoint',
      { warmups: 1, runs: 3 },
      { verify_from_checkpoint_ms: 'ms' },
      async () => ({
        verify_from_checkpoint_ms: (await cliVerify(instance, ['--from-checkpoint'], ctx.scale)).durationMs,
      }),
    )
    return { ...full, ...independent, ...quick }
  },
}
