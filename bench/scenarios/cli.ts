import { measure, type Scenario } from '../harness.ts'
import { prepareInstance, runCli } from '../support/tresor.ts'

const TIMEOUT_MS = 60_000

/** Wall time of one CLI command, spawn to exit. */
async function timed(run: () => Promise<string>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

/** How long the `tresor` CLI takes, from spawning the process until it exits, as a user waits for it. */
export const cli: Scenario = {
  name: 'cli',
  description:
    'Wall time of `tresor` commands, spawn to exit (Node 24 running the TypeScript sources, as `npx tresor` ' +
    'does): `tresor --help` (nothing opened), `tresor purposes list` (opens the database: PGlite from its ' +
    'data directory, or PostgreSQL), and the same command while `tresor serve` runs on the installation ' +
    '(PGlite: through the server\u2019s local socket). An installation with `scale` demo subjects.',
  defaultScale: 1_000,
  async run(ctx) {
    const instance = await ctx.instance('cli')
    ctx.log(`preparing an installation with ${ctx.scale.toLocaleString('en')} demo subjects`)
    await prepareInstance(instance, ctx.scale)
    const purposes = async () => {
      const out = await runCli(instance, ['purposes', 'list'], { timeoutMs: TIMEOUT_MS })
      // The figure means nothing if the command did not do its work.
      if (!out.includes('contact_management')) throw new Error(`tresor purposes list printed: ${out}`)
      return out
    }
    const alone = await measure(
      ctx,
      'cli',
      { warmups: 1, runs: 5 },
      { help_ms: 'ms', command_ms: 'ms' },
      async () => ({
        help_ms: await timed(() => runCli(instance, ['--help'], { timeoutMs: TIMEOUT_MS })),
        command_ms: await timed(purposes),
      }),
    )
    const server = await ctx.startServer(instance)
    try {
      const beside = await measure(
        ctx,
        'cli beside the server',
        { warmups: 1, runs: 5 },
        { command_beside_server_ms: 'ms' },
        async () => ({ command_beside_server_ms: await timed(purposes) }),
      )
      return { ...alone, ...beside }
    } finally {
      await server.stop()
    }
  },
}
