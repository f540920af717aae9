import { readdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Instance, RunningServer, ServerOptions } from './support/tresor.ts'

export type Db = 'pglite' | 'postgres'
export const DBS: readonly Db[] = ['pglite', 'postgres']

export const RESULTS_DIR = path.join(import.meta.dirname, 'results')

export interface Figure {
  unit: string
  median: number
  p95: number
  runs: number
}

export type Figures = Record<string, Figure>

/** One results file, `bench/results/<scenario>-<db>-<scale>.json`. Key order is the file's. */
export interface Result {
  scenario: string
  db: Db
  scale: number
  node: string
  cpus: number
  at: string
  figures: Figures
}

/** What a scenario gets to work with; everything it creates through it is cleaned up when it ends. */
export interface Context {
  db: Db
  scale: number
  log(message: string): void
  /** Runs when the scenario ends, successful or not, in reverse order of registration. */
  defer(cleanup: () => Promise<void> | void): void
  /** A fresh, empty Tresor installation (data dir, plus its own database on PostgreSQL). */
  instance(label: string): Promise<Instance>
  /** Starts `serve` on an instance and waits for /healthz; stopped at the end unless stopped before. */
  startServer(instance: Instance, options?: ServerOptions): Promise<RunningServer>
}

export interface Scenario {
  name: string
  description: string
  /** Used when --scale is not given; small enough for a quick run on a laptop. */
  defaultScale: number
  run(ctx: Context): Promise<Figures>
}

export interface Repeat {
  /** Runs whose values are thrown away: JIT, caches and connection pools settle first. */
  warmups: number
  runs: number
}

export interface RunInfo {
  warmup: boolean
  /** 1-based within warm-ups or within measured runs. */
  index: number
}

/**
 * Calls `once` for the warm-ups and then `repeat.runs` times, and turns every value it returns
 * into a figure (median and p95 over the measured runs). One call may produce several figures,
 * e.g. throughput and latency of the same load test.
 */
export async function measure<K extends string>(
  ctx: Pick<Context, 'log'>,
  label: string,
  repeat: Repeat,
  units: Record<K, string>,
  once: (run: RunInfo) => Promise<Record<K, number>>,
): Promise<Figures> {
  const names = Object.keys(units) as K[]
  const samples = new Map<K, number[]>(names.map((name) => [name, []]))
  const describe = (values: Record<K, number>) =>
    names.map((name) => `${name}=${format(values[name])} ${units[name]}`).join(', ')
  for (let index = 1; index <= repeat.warmups; index++) {
    const values = await once({ warmup: true, index })
    ctx.log(`${label}: warm-up ${index}/${repeat.warmups}: ${describe(values)}`)
  }
  for (let index = 1; index <= repeat.runs; index++) {
    const values = await once({ warmup: false, index })
    for (const name of names) {
      const value = values[name]
      if (!Number.isFinite(value)) throw new Error(`${label}: ${name} is ${value}, not a number`)
      samples.get(name)?.push(value)
    }
    ctx.log(`${label}: run ${index}/${repeat.runs}: ${describe(values)}`)
  }
  const figures: Figures = {}
  for (const name of names) {
    const values = samples.get(name) ?? []
    figures[name] = {
      unit: units[name],
      median: round(median(values)),
      p95: round(percentile(values, 95)),
      runs: values.length,
    }
  }
  return figures
}

export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort()
  if (sorted.length === 0) return Number.NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Nearest-rank percentile: always a value that was actually observed, so with few runs the p95
 * is simply the slowest (or, for throughput, the highest) run rather than an interpolation.
 */
export function percentile(values: ArrayLike<number>, p: number, alreadySorted = false): number {
  const sorted = alreadySorted ? values : Float64Array.from(values).sort()
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

const round = (value: number) => Math.round(value * 100) / 100

const format = (value: number) => value.toLocaleString('en', { maximumFractionDigits: 2 })

export function resultFile(result: Pick<Result, 'scenario' | 'db' | 'scale'>): string {
  return path.join(RESULTS_DIR, `${result.scenario}-${result.db}-${result.scale}.json`)
}

export function makeResult(scenario: string, db: Db, scale: number, at: Date, figures: Figures): Result {
  return { scenario, db, scale, node: process.version, cpus: os.cpus().length, at: at.toISOString(), figures }
}

export async function writeResult(result: Result): Promise<string> {
  const file = resultFile(result)
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}

async function readResults(log: (message: string) => void): Promise<Result[]> {
  const results: Result[] = []
  for (const name of (await readdir(RESULTS_DIR)).filter((n) => n.endsWith('.json')).sort()) {
    try {
      const parsed = JSON.parse(await readFile(path.join(RESULTS_DIR, name), 'utf8')) as Result
      if (
        typeof parsed.scenario !== 'string' ||
        typeof parsed.figures !== 'object' ||
        parsed.figures === null
      ) {
        throw new Error('not a results file')
      }
      results.push(parsed)
    } catch (error) {
      log(`skipping ${name} in the results README: ${(error as Error).message}`)
    }
  }
  return results.sort(
    (a, b) => a.scenario.localeCompare(b.scenario) || a.db.localeCompare(b.db) || a.scale - b.scale,
  )
}

function machine(): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU'
  const memory = Math.round(os.totalmem() / 2 ** 30)
  return `${model}, ${cpus.length} logical CPUs, ${memory} GiB RAM, ${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`
}

/** Rewrites `bench/results/README.md` from every results file present. */
export async function writeResultsReadme(log: (message: string) => void): Promise<string> {
  const results = await readResults(log)
  const rows = results.flatMap((r) =>
    Object.entries(r.figures).map(([name, f]) =>
      [
        r.scenario,
        r.db,
        r.scale.toLocaleString('en'),
        `\`${name}\``,
        f.unit,
        format(f.median),
        format(f.p95),
        String(f.runs),
        `${r.at.slice(0, 16).replace('T', ' ')} UTC`,
      ].join(' | '),
    ),
  )
  const text = [
    '# Benchmark results',
    '',
    '<!-- Generated by `npm run bench` (bench/harness.ts); edits are overwritten. -->',
    '',
    'The latest figures of every results file in this directory. Each figure is measured over `runs`',
    'repetitions after a warm-up; median and p95 are over those repetitions (nearest rank: with few runs the',
    'p95 is the largest value seen, i.e. the slowest run for times, the fastest for throughput). Throughput',
    '(req/s) is higher-is-better; times and latencies (ms) lower-is-better.',
    '',
    '| scenario | db | scale | figure | unit | median | p95 | runs | when |',
    '| --- | --- | ---: | --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
    'Run `npm run bench` for every scenario on PGlite at its default scale, or narrow it down with',
    '`npm run bench -- --scenario api-read --scale 100000 --db postgres`; see `bench/README.md` for what each',
    'scenario measures. Server and load generator share one machine, and `--db postgres` uses a throwaway',
    'local server tuned for speed over durability (fsync off). Each results file records the Node version and',
    `CPU count of its run; this README was last written on: ${machine()}.`,
    '',
  ].join('\n')
  const file = path.join(RESULTS_DIR, 'README.md')
  await writeFile(file, text)
  return file
}
