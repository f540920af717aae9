import { measure, type Scenario } from '../harness.ts'
import { prepareInstance } from '../support/tresor.ts'

/** Time until a started server answers, on an installation that has data and on an empty one. */
export const startup: Scenario = {
  name: 'startup',
  description:
    '`tresor serve` (with its worker, as a user runs it) from spawn until /healthz answers 200: on a ' +
    'prepared installation with `scale` demo subjects, and the very first start on an empty one ' +
    '(database creation, migrations, key file, first admin).',
  defaultScale: 1_000,
  async run(ctx) {
    const prepared = await ctx.instance('startup')
    ctx.log(`preparing an installation with ${ctx.scale.toLocaleString('en')} demo subjects`)
    await prepareInstance(prepared, ctx.scale)

    const cold = await measure(
      ctx,
      'cold start',
      { warmups: 1, runs: 5 },
      { cold_start_to_healthz: 'ms' },
      async () => {
        const server = await ctx.startServer(prepared)
        // Not a figure, but a slow shutdown delays every restart and deploy, so it is worth seeing.
        ctx.log(`shutdown took ${Math.round(await server.stop())} ms`)
        return { cold_start_to_healthz: server.readyMs }
      },
    )

    // Each run needs its own empty installation; it is thrown away right after.
    const first = await measure(
      ctx,
      'first start',
      { warmups: 1, runs: 3 },
      { first_start_to_healthz: 'ms' },
      async () => {
        const empty = await ctx.instance('first-start')
        try {
          const server = await ctx.startServer(empty)
          await server.stop()
          return { first_start_to_healthz: server.readyMs }
        } finally {
          await empty.dispose()
        }
      },
    )
    return { ...cold, ...first }
  },
}
