import type { Command } from 'commander'
import { parseIntOption, withDataDirOption, withRuntime } from './shared.ts'

export function registerDemo(program: Command): void {
  withDataDirOption(
    program
      .command('demo')
      .description('generate deterministic synthetic demo data (German and other EU people)')
      .requiredOption('--subjects <n>', 'how many subjects', parseIntOption('--subjects', 1, 10_000_000))
      .option(
        '--seed <s>',
        'seed: the same seed gives the same people',
        parseIntOption('--seed', 0, 2 ** 31 - 1),
        1,
      ),
  ).action(async (options: { subjects: number; seed: number; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const { generateDemoData } = await import('../modules/demo/demo.service.ts')
      const { startProgress } = await import('./progress.ts')
      const progress = startProgress('demo subjects', options.subjects)
      const demo = await generateDemoData(runtime.services, {
        subjects: options.subjects,
        seed: options.seed,
        onProgress: (n) => progress.tick(n),
      })
      progress.done()
      process.stderr.write(
        `demo permissions: ${demo.consents} consents, ${demo.objections} objections, ${demo.restrictions} restrictions\n`,
      )
      process.stderr.write(
        `demo records: ${demo.organisations} organisations, ${demo.memberships} memberships, ${demo.touchpoints} touchpoints, ${demo.orders} orders, ${demo.invoices} invoices\n`,
      )
      process.stderr.write(
        `demo data the deletion concept lets go: ${demo.unconfirmedSignUps} unconfirmed sign-ups, ${demo.pastPageViews} page views of returning visitors, ${demo.applicationDecisions} decisions on applications\n`,
      )
      const requests = await runtime.services.requests.seedDemo()
      process.stderr.write(`demo requests: ${requests} data subject requests\n`)
      const scores = await runtime.services.scores.recompute({
        actor: { type: 'job', id: 'demo', role: 'admin' },
      })
      process.stderr.write(
        `demo scores: ${scores.scored} customers scored, ${scores.excluded} without consent to profiling\n`,
      )
      process.stdout.write(`${demo.subjects} subjects generated (seed ${options.seed})\n`)
    })
  })
}
