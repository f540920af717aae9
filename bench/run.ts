import { parseArgs } from 'node:util'
import {
  type Context,
  DBS,
  type Db,
  makeResult,
  type Scenario,
  writeResult,
  writeResultsReadme,
} from './harness.ts'
import { accessReport } from './scenarios/access-report.ts'
import { apiRead } from './scenarios/api-read.ts'
import { auditAppend, auditVerify } from './scenarios/audit.ts'
import { breachAffected } from './scenarios/breach-affected.ts'
import { campaignAudience } from './scenarios/campaign-audience.ts'
import { campaignSend } from './scenarios/campaign-send.ts'
import { cli } from './scenarios/cli.ts'
import { clvFit } from './scenarios/clv-fit.ts'
import { eventsIngest, overview } from './scenarios/crm.ts'
import { eraseOne } from './scenarios/erase-one.ts'
import { exportGated } from './scenarios/export-gated.ts'
import { gateAudience } from './scenarios/gate-audience.ts'
import { gateRead } from './scenarios/gate-read.ts'
import { importSubjects } from './scenarios/import.ts'
import { recommendations } from './scenarios/recommendations.ts'
import { retentionPlan, retentionSweep } from './scenarios/retention.ts'
import { scores } from './scenarios/scores.ts'
import { segmentCount } from './scenarios/segment-count.ts'
import { startup } from './scenarios/startup.ts'
import { vault } from './scenarios/vault.ts'
import { Scope } from './support/lifecycle.ts'
import { type Engine, openEngine, startServer } from './support/tresor.ts'

/** Every scenario `npm run bench` knows; a new one is one file in scenarios/ and one line here. */
const SCENARIOS: readonly Scenario[] = [
  startup,
  cli,
  apiRead,
  vault,
  gateAudience,
  gateRead,
  auditAppend,
  auditVerify,
  eventsIngest,
  overview,
  importSubjects,
  exportGated,
  eraseOne,
  accessReport,
  retentionPlan,
  retentionSweep,
  clvFit,
  scores,
  recommendations,
  segmentCount,
  breachAffected,
  campaignSend,
  campaignAudience,
]

const USAGE = `usage: npm run bench [-- --scenario NAME ... --scale N --db pglite|postgres]

  --scenario NAME  run only this scenario (repeatable); default: all of them
  --scale N        data size (demo subjects); default: each scenario's own
  --db ENGINE      pglite (default) or postgres (a throwaway local server)

scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.description}`).join('\n')}
`

const log = (message: string) => process.stderr.write(`${message}\n`)

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`)
  process.exit(64)
}

function parseCommandLine(): { scenarios: Scenario[]; scale: number | undefined; db: Db } {
  let values: { scenario?: string[]; scale?: string; db?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      options: {
        scenario: { type: 'string', multiple: true },
        scale: { type: 'string' },
        db: { type: 'string', default: 'pglite' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    fail((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const db = values.db as Db
  if (!DBS.includes(db)) fail(`--db must be one of ${DBS.join(', ')}`)
  let scale: number | undefined
  if (values.scale !== undefined) {
    scale = Number(values.scale)
    if (!/^\d+$/.test(values.scale) || scale > 10_000_000)
      fail('--scale must be a whole number up to 10,000,000')
  }
  const scenarios = (values.scenario ?? SCENARIOS.map((s) => s.name)).map((name) => {
    const found = SCENARIOS.find((s) => s.name === name)
    if (!found) fail(`unknown scenario ${name}`)
    return found
  })
  return { scenarios, scale, db }
}

async function runScenario(scenario: Scenario, engine: Engine, scale: number): Promise<void> {
  const scope = new Scope()
  const prefixed = (message: string) => log(`[${scenario.name}/${engine.db}/${scale}] ${message}`)
  const ctx: Context = {
    db: engine.db,
    scale,
    log: prefixed,
    defer: (cleanup) => scope.defer(cleanup),
    async instance(label) {
      const instance = await engine.instance(label)
      scope.defer(() => instance.dispose())
      return instance
    },
    async startServer(instance, options) {
      const server = await startServer(instance, engine.db, prefixed, options)
      scope.defer(async () => {
        await server.stop()
      })
      return server
    },
  }
  const at = new Date()
  const started = performance.now()
  let figures: Awaited<ReturnType<Scenario['run']>>
  try {
    figures = await scenario.run(ctx)
  } finally {
    await scope.close()
  }
  const file = await writeResult(makeResult(scenario.name, engine.db, scale, at, figures))
  prefixed(`done in ${Math.round((performance.now() - started) / 1000)} s, wrote ${file}`)
  for (const [name, f] of Object.entries(figures)) {
    process.stdout.write(
      `${scenario.name}\t${engine.db}\t${scale}\t${name}\tmedian ${f.median} ${f.unit}\tp95 ${f.p95} ${f.unit}\t(${f.runs} runs)\n`,
    )
  }
}

async function main(): Promise<number> {
  const { scenarios, scale, db } = parseCommandLine()
  // Killed children and temp dirs are handled by the 'exit' handler in support/lifecycle.ts.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`bench: ${signal}, stopping`)
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  const engine = await openEngine(db)
  const failed: string[] = []
  try {
    for (const scenario of scenarios) {
      try {
        await runScenario(scenario, engine, scale ?? scenario.defaultScale)
        await writeResultsReadme(log)
      } catch (error) {
        failed.push(scenario.name)
        log(
          `[${scenario.name}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        )
      }
    }
  } finally {
    await engine.close()
  }
  if (failed.length > 0) {
    log(`bench: failed: ${failed.join(', ')}`)
    return 1
  }
  return 0
}

// Exit explicitly: a handle some library forgot to close must not keep a finished run hanging.
process.exit(await main())
