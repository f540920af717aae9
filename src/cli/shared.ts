import type { Command } from 'commander'
import { type Config, ConfigError, loadConfig } from '../platform/config.ts'
import { ProblemError } from '../platform/problem.ts'
import type { Runtime } from '../runtime.ts'

/**
 * Who the CLI acts as: Tresor itself, in the admin role (whoever runs it can open the database
 * anyway); the audit trail names it.
 */
export const CLI_ACTOR = { type: 'system' as const, id: 'tresor-cli', role: 'admin' }

/** Options every command that touches the database accepts. */
export function withDataDirOption(command: Command): Command {
  return command.option(
    '--data-dir <dir>',
    'where the embedded database and key file live (env TRESOR_DATA_DIR)',
  )
}

export function configFrom(options: { dataDir?: string; port?: number }): Config {
  return loadConfig(process.env, {
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
}

/** Opens the runtime quietly (logs only warnings) for one-shot commands, and always closes it. */
export async function withRuntime<T>(
  options: { dataDir?: string },
  fn: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const config = configFrom(options)
  // Loaded on first use, not at start: `tresor --help` and commands that don't open the database
  // start without the whole application (issue #18: a CLI that answers at once).
  const [{ openRuntime }, { createLogger }] = await Promise.all([
    import('../runtime.ts'),
    import('../platform/logger.ts'),
  ])
  // Beside a running `tresor serve` on the embedded database: through the socket it shares.
  const runtime = await openRuntime(config, { logger: createLogger('warn'), attach: true })
  try {
    return await fn(runtime)
  } finally {
    await runtime.close()
  }
}

/**
 * The CLI's one place for expected failures: a single line on stderr and a meaningful exit code
 * (78 = configuration, 75 = try again later, 65 = bad input), never a stack trace.
 */
export function reportAndExit(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`tresor: ${error.message}\n`)
    process.exit(78)
  }
  // By name: the database and migration modules are loaded only by the commands that use them.
  if (error instanceof Error && error.name === 'DatabaseInUseError') {
    process.stderr.write(`tresor: ${error.message}\n`)
    process.exit(75)
  }
  if (error instanceof ProblemError || (error instanceof Error && error.name === 'MigrationError')) {
    process.stderr.write(`tresor: ${error.message}\n`)
    process.exit(65)
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.stderr.write(`tresor: unexpected error: ${message}\n`)
  process.exit(1)
}

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}`)
    }
    return Number(value)
  }
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Rows as aligned columns, two spaces apart, one line each; the last column is not padded. */
export function alignedColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows
    .map(
      (row) =>
        `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`,
    )
    .join('')
}
