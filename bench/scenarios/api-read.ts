import { sql } from 'kysely'
import { openDatabase } from '../../src/platform/db/database.ts'
import { measure, type Scenario } from '../harness.ts'
import { canMeasureCpu, cpuMeter, parentOf, stealMeter } from '../support/cpu.ts'
import { load } from '../support/load.ts'
import { settle } from '../support/steady-state.ts'
import { createApiToken, get, portOf, prepareInstance } from '../support/tresor.ts'

const CONNECTIONS = 10
const DURATION_SECONDS = 10
const WARMUP_SECONDS = 3
const LIST_PATH = '/api/v1/subjects?limit=50'

const UNITS: Record<string, string> = {
  healthz_rps: 'req/s',
  healthz_p50_ms: 'ms',
  healthz_p99_ms: 'ms',
  subjects_list_rps: 'req/s',
  subjects_list_p50_ms: 'ms',
  subjects_list_p99_ms: 'ms',
  subjects_list_single_p50_ms: 'ms',
}

/** Where /proc can tell: CPU milliseconds per request, of the server and of the database server. */
const CPU_UNITS: Record<string, string> = {
  healthz_server_cpu_ms: 'ms/req',
  subjects_list_server_cpu_ms: 'ms/req',
  // The CPU time a hypervisor gave to other guests while the list ran: a noisy host in numbers.
  subjects_list_steal_pct: '%',
}
const DB_CPU_UNITS: Record<string, string> = {
  subjects_list_db_cpu_ms: 'ms/req',
}

/** Read throughput and latency of one running server, with and without the database in the path. */
export const apiRead: Scenario = {
  name: 'api-read',
  description:
    `autocannon, ${CONNECTIONS} connections for ${DURATION_SECONDS} s each, against /healthz (one \`select 1\`) ` +
    `and \`GET ${LIST_PATH}\` with an API token, on a server with \`scale\` demo subjects; ` +
    `a ${WARMUP_SECONDS} s warm-up of each first; then the list with one connection alone (its p50: a page's ` +
    `time without queueing). Where /proc exists, the CPU milliseconds per request of the server process and ` +
    `(PostgreSQL) of the database server. Any non-2xx answer fails the run.`,
  defaultScale: 1_000,
  async run(ctx) {
    const instance = await ctx.instance('api-read')
    ctx.log(`preparing an installation with ${ctx.scale.toLocaleString('en')} demo subjects`)
    const preparing = performance.now()
    await prepareInstance(instance, ctx.scale)
    ctx.log(`prepared in ${Math.round(performance.now() - preparing)} ms`)
    // The demo just loaded: statistics and the visibility map as a running system has them, and
    // no autovacuum busy in the first runs (it cost the first run half its rate).
    // The PostgreSQL server's postmaster: the parent of any backend (its children are what it spends).
    let postmaster: number | undefined
    if (instance.env.DATABASE_URL) {
      const database = await openDatabase({ databaseUrl: instance.env.DATABASE_URL, poolSize: 1 })
      try {
        await settle(ctx, database.db, ['subject', 'permission_state', 'subject_key', 'subject_identifier'])
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)
        postmaster = rows[0] ? parentOf(rows[0].pid) : undefined
      } finally {
        await database.close()
      }
    }
    // PGlite is one process's database: the token must exist before the server takes the data dir.
    const token = await createApiToken(instance)
    const server = await ctx.startServer(instance)
    const headers = { authorization: `Bearer ${token}` }

    // The figures mean nothing if the endpoint does not return what we think it does.
    const probe = await get(portOf(server), LIST_PATH, { headers })
    if (probe.status !== 200)
      throw new Error(`GET ${LIST_PATH} answered ${probe.status}: ${probe.body.slice(0, 500)}`)
    const page = JSON.parse(probe.body) as { items?: unknown[]; total?: number; excluded?: number }
    // The demo has people the purpose may not use (objections, restrictions): left out, counted apart.
    // A page holds the people of its window the purpose may use: one excluded there leaves 49.
    const expected = Math.min(50, ctx.scale)
    if (
      (page.items?.length ?? 0) < expected * 0.8 ||
      (page.items?.length ?? 0) > expected ||
      (page.total ?? 0) + (page.excluded ?? 0) !== ctx.scale
    ) {
      throw new Error(
        `GET ${LIST_PATH} returned ${page.items?.length} items of ${page.total} (+${page.excluded} excluded), expected the demo data`,
      )
    }

    const targets = [
      { prefix: 'healthz', url: `${server.baseUrl}/healthz`, headers: undefined, connections: CONNECTIONS },
      { prefix: 'subjects_list', url: `${server.baseUrl}${LIST_PATH}`, headers, connections: CONNECTIONS },
      // One client alone: what a page costs in time when no other request queues before it.
      { prefix: 'subjects_list_single', url: `${server.baseUrl}${LIST_PATH}`, headers, connections: 1 },
    ] as const
    const serverPid = canMeasureCpu() ? server.pid : undefined
    const units = {
      ...UNITS,
      ...(serverPid === undefined ? {} : CPU_UNITS),
      ...(serverPid === undefined || postmaster === undefined ? {} : DB_CPU_UNITS),
    }
    // Interleaved runs: a drift over time (heat, background work) spreads over all targets alike.
    return measure(ctx, 'load', { warmups: 1, runs: 3 }, units, async ({ warmup }) => {
      const values: Record<string, number> = {}
      for (const target of targets) {
        const meter = serverPid === undefined ? undefined : cpuMeter(serverPid, postmaster)
        const steal = stealMeter()
        const r = await load({
          url: target.url,
          ...(target.headers ? { headers: target.headers } : {}),
          connections: target.connections,
          durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS,
        })
        const cpu = meter?.()
        const stolen = steal()
        if (target.connections === 1) {
          values[`${target.prefix}_p50_ms`] = r.p50Ms
          continue
        }
        values[`${target.prefix}_rps`] = r.rps
        values[`${target.prefix}_p50_ms`] = r.p50Ms
        values[`${target.prefix}_p99_ms`] = r.p99Ms
        if (cpu && `${target.prefix}_server_cpu_ms` in units)
          values[`${target.prefix}_server_cpu_ms`] = cpu.processMs / r.requests
        if (cpu && `${target.prefix}_steal_pct` in units) values[`${target.prefix}_steal_pct`] = stolen
        if (cpu && `${target.prefix}_db_cpu_ms` in units)
          values[`${target.prefix}_db_cpu_ms`] = cpu.childrenMs / r.requests
      }
      return values
    })
  },
}
