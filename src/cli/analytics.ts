import type { Command } from 'commander'
import type { ClvModelView, RecomputeSummary } from '../modules/analytics/score.service.ts'
import { CLI_ACTOR, parseIntOption, withDataDirOption, withRuntime } from './shared.ts'

const FIT_HELP = `
What it does:
  Fits the BG/NBD (repeat purchases and dropout) and Gamma-Gamma (spend per purchase) models by
  maximum likelihood on pseudonymous aggregates of all customers' orders (one row per distinct
  history, no subject named; restricted subjects left out) and stores them as the newest model, with
  the RFM cut points, the ABC limits and the calibration chart. No score changes: that is
  \`tresor analytics scores\`. The use of the orders is audited (one record, naming nobody).
`

const SCORES_HELP = `
What it does:
  Fits the models (as \`tresor analytics fit\`), then scores every subject the purpose
  profiling_offers may use (consent given and not withdrawn, no objection): P(alive), expected
  purchases and purchase probability in 30 and 90 days, CLV, churn risk, RFM and ABC, each with its
  explanation; removes the scores of everyone else. Prints the counts, including the customers left
  without scores. The nightly job analytics.scores does the same. Audited per page of subjects.
  Settings: TRESOR_SCORES_DISCOUNT_RATE, TRESOR_SCORES_HORIZON_MONTHS, TRESOR_SCORES_CHURN_HIGH,
  TRESOR_SCORES_CHURN_MEDIUM, TRESOR_SCORES_CURRENCY.
`

const RECOMMEND_HELP = `
What it does:
  Counts, over every customer's open and fulfilled orders (erased, held and restricted subjects
  left out), which products are bought by the same customers, and keeps each product's 20 best
  partners where at least 3 different customers bought both (so no pair tells one person's
  purchase). Stored as product pairs, no subject; audited as one read of the orders naming nobody.
  The nightly job analytics.scores does the same after the scores. With --sku: the partners of one
  product from the last count.
`

const PERSONAS_HELP = `
What it does:
  Clusters the customers with scores (only those the profiling purpose may use) into personas by
  k-means over their standardised log days since the last purchase, log orders, log revenue and
  P(alive) (fitted on a random sample of at most 50,000, every customer then counted into the
  nearest), names each from where its centre stands and prints size and typical values. Nothing per
  person is stored; audited as one read of the scores naming nobody. Run \`tresor analytics scores\`
  first.
`

/** A parameter for reading and copying: five significant digits, no grouping. */
const num = (value: number) => String(Number(value.toPrecision(5)))

/** The fitted model for a person at the terminal. */
export function modelText(model: ClvModelView): string {
  const lines = [
    `model version ${model.version}, fitted ${model.fittedAt} on ${model.customers.toLocaleString('en')} customers (orders up to ${model.asOf}, ${model.settings.currency})`,
  ]
  const b = model.bgNbd
  lines.push(
    b
      ? `BG/NBD (weeks): r ${num(b.r)}  alpha ${num(b.alpha)}  a ${num(b.a)}  b ${num(b.b)}  log-likelihood ${b.logLikelihood.toFixed(2)}  (${b.groups.toLocaleString('en')} groups, ${b.iterations} iterations${b.converged ? '' : ', NOT converged'})`
      : 'BG/NBD: not fitted',
  )
  const g = model.gammaGamma
  lines.push(
    g
      ? `Gamma-Gamma: p ${num(g.p)}  q ${num(g.q)}  gamma ${num(g.gamma)}  log-likelihood ${g.logLikelihood.toFixed(2)}  (${g.customers.toLocaleString('en')} customers with a repeat purchase, ${g.groups.toLocaleString('en')} groups${g.converged ? '' : ', NOT converged'})`
      : 'Gamma-Gamma: not fitted',
  )
  lines.push(
    `RFM cut points (20/40/60/80 %): days since last purchase ${model.rfm.daysSinceLastPurchase.join('/') || '-'}; orders ${model.rfm.orders.join('/') || '-'}; revenue (cents) ${model.rfm.revenueCents.join('/') || '-'}`,
  )
  lines.push(
    `ABC: A from ${model.abc.aMinRevenueCents ?? '-'} cents, B from ${model.abc.bMinRevenueCents ?? '-'} cents`,
  )
  for (const note of model.notes) lines.push(`note: ${note}`)
  return `${lines.join('\n')}\n`
}

/** What a recomputation did, for a person at the terminal. */
export function recomputeText(result: RecomputeSummary): string {
  const n = (v: number) => v.toLocaleString('en')
  return [
    `${n(result.scored)} subjects scored (model version ${result.model.version}, ${(result.durationMs / 1000).toFixed(1)} s)`,
    `${n(result.excluded)} of ${n(result.customers)} customers have no scores: no consent to profiling, consent withdrawn, or objected`,
    `${n(result.permittedWithoutPurchases)} subjects with consent to profiling have no counted purchase: nothing to score`,
    `${n(result.removed)} subjects' earlier scores removed; ${n(result.churnEvents)} customers moved into the high churn-risk band`,
  ]
    .join('\n')
    .concat('\n')
}

export function registerAnalytics(program: Command): void {
  const analytics = program
    .command('analytics')
    .description('customer analytics: fit the CLV models, recompute the scores (issue #16)')

  withDataDirOption(
    analytics
      .command('fit')
      .description('fit BG/NBD and Gamma-Gamma on all customers and print the parameters')
      .option('--json', 'print the model as GET /api/v1/analytics/clv does')
      .addHelpText('after', FIT_HELP),
  ).action(async (options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const model = await runtime.services.scores.fit({ actor: CLI_ACTOR })
      process.stdout.write(options.json ? `${JSON.stringify(model, null, 2)}\n` : modelText(model))
    })
  })

  withDataDirOption(
    analytics
      .command('scores')
      .description('fit the models and recompute every score (only where the profiling purpose holds)')
      .option(
        '--page-size <n>',
        'subjects per transaction (default 10000)',
        parseIntOption('--page-size', 100, 100_000),
      )
      .option('--json', 'print the counts as POST /api/v1/analytics/scores/recompute does')
      .addHelpText('after', SCORES_HELP),
  ).action(async (options: { pageSize?: number; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const { startProgress } = await import('./progress.ts')
      let progress: ReturnType<typeof startProgress> | undefined
      const result = await runtime.services.scores.recompute(
        { actor: CLI_ACTOR },
        {
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
          onProgress: (done, total) => {
            progress ??= startProgress('scoring subjects', total)
            progress.tick(done)
          },
        },
      )
      progress?.done()
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${modelText(result.model)}${recomputeText(result)}`,
      )
    })
  })

  withDataDirOption(
    analytics
      .command('recommend')
      .description("count which products are bought together (or, with --sku, show one product's partners)")
      .option('--sku <sku>', 'show the products bought together with this one (from the last count)')
      .option('--json', 'print as the API does')
      .addHelpText('after', RECOMMEND_HELP),
  ).action(async (options: { sku?: string; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const store = runtime.services.recommendations
      if (options.sku !== undefined) {
        const items = await store.forProduct(options.sku, 20)
        if (options.json) process.stdout.write(`${JSON.stringify({ items }, null, 2)}\n`)
        else if (items.length === 0)
          process.stdout.write(`nothing is bought together with ${options.sku} often enough (yet)\n`)
        else
          for (const p of items)
            process.stdout.write(
              `${p.sku}\t${p.name}\t${p.customers} customers\tconfidence ${(p.confidence * 100).toFixed(1)} %\tlift ${p.lift.toFixed(2)}\n`,
            )
        return
      }
      const run = await store.rebuild({ actor: CLI_ACTOR })
      process.stdout.write(
        options.json
          ? `${JSON.stringify(run, null, 2)}\n`
          : `${run.pairs.toLocaleString('en')} product pairs kept (of ${run.products.toLocaleString('en')} products bought by ${run.customers.toLocaleString('en')} customers; a pair needs ${run.minCustomers} customers, ${run.top} partners per product)\n`,
      )
    })
  })

  withDataDirOption(
    analytics
      .command('personas')
      .description('cluster the scored customers into personas (k-means) and print them')
      .option('--k <n>', 'how many personas (2-12, default 5)', parseIntOption('--k', 2, 12))
      .option('--json', 'print the model as the API does')
      .addHelpText('after', PERSONAS_HELP),
  ).action(async (options: { k?: number; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const model = await runtime.services.personas.recompute({ actor: CLI_ACTOR }, options.k ?? 5)
      if (options.json) {
        process.stdout.write(`${JSON.stringify(model, null, 2)}\n`)
        return
      }
      process.stdout.write(
        `${model.k} personas over ${model.customers.toLocaleString('en')} customers (fitted on ${model.sample.toLocaleString('en')})\n`,
      )
      for (const p of model.personas)
        process.stdout.write(
          `${p.name.en}\t${p.customers.toLocaleString('en')} (${(p.share * 100).toFixed(1)} %)\tlast purchase ${p.typical.recencyDays} days ago, ${p.typical.orders} orders, revenue ${p.typical.revenue}, P(alive) ${p.typical.pAlive}\n`,
        )
    })
  })
}
