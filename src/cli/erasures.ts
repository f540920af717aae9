import type { Command } from 'commander'
import type { FinishReport, ReplayReport } from '../privacy/holds/erasure.service.ts'
import { CLI_ACTOR, parseIntOption, withDataDirOption, withRuntime } from './shared.ts'

const FINISH_HELP = `
Completes every held erasure whose legal holds have all ended (the invoice paid and its period run,
the DPO's holds lifted or expired, the § 7a UWG period over): the key that sealed what was kept is
destroyed and the kept records deleted. Where only some holds ended, the erasure is narrowed to
those still in force. The daily job erasures.finish does the same; this runs it now. One subject
that fails is reported and the others go on; running it again does what is left.
`

const REPLAY_HELP = `
After restoring a backup taken earlier: erases again every subject the erasure ledger names that
the restored database still holds un-erased — fully where the ledger's last entry says full or
finished, all but what the legal holds in force keep where it says held. Reads the ledger file
(TRESOR_ERASURE_LEDGER, default <data dir>/erasure-ledger.jsonl; keep it on storage the database's
backup doesn't cover) or --ledger. Run it before the restored system is used. Idempotent.
`

export function finishText(report: FinishReport): string {
  const lines = [
    `Held erasures checked: ${report.checked}; finished: ${report.finished}; narrowed: ${report.narrowed}; failed: ${report.failed.length}.`,
    ...report.failed.map((f) => `  failed ${f.subjectId}: ${f.reason}`),
  ]
  return `${lines.join('\n')}\n`
}

export function replayText(report: ReplayReport): string {
  const lines = [
    `Ledger ${report.file}: ${report.entries} entries for ${report.subjects} subjects.`,
    `Erased again: ${report.erased}; held again: ${report.held}; already as the ledger says: ${report.unchanged}; not in this database: ${report.notInDatabase}; failed: ${report.failed.length}.`,
    ...report.problems.map((p) => `  line ${p.line} skipped: ${p.reason}`),
    ...report.failed.map((f) => `  failed ${f.subjectId}: ${f.reason}`),
  ]
  return `${lines.join('\n')}\n`
}

export function registerErasures(program: Command): void {
  const erasures = program
    .command('erasures')
    .description('erasures held by legal duties (Art. 17(3)) and the erasure ledger')

  withDataDirOption(
    erasures
      .command('finish')
      .description('finish the held erasures whose legal holds have ended')
      .option(
        '--limit <n>',
        'erase at most this many subjects (default 10000)',
        parseIntOption('--limit', 1, 1_000_000),
      )
      .option('--json', 'print JSON')
      .addHelpText('after', FINISH_HELP),
  ).action(async (options: { limit?: number; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const report = await runtime.services.erasures.finishHeldErasures({
        actor: CLI_ACTOR,
        ...(options.limit ? { limit: options.limit } : {}),
      })
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : finishText(report))
      if (report.failed.length > 0) process.exitCode = 1
    })
  })

  withDataDirOption(
    erasures
      .command('replay')
      .description('after restoring a backup: erase again whoever the erasure ledger names')
      .option('--ledger <file>', 'the ledger file (default TRESOR_ERASURE_LEDGER)')
      .option('--json', 'print JSON')
      .addHelpText('after', REPLAY_HELP),
  ).action(async (options: { ledger?: string; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const report = await runtime.services.erasures.replay({
        actor: CLI_ACTOR,
        ...(options.ledger ? { file: options.ledger } : {}),
      })
      // No line at all: nothing was erased since the file was started — or it is the wrong file.
      if (report.entries === 0 && report.problems.length === 0)
        process.stderr.write(
          `tresor: the erasure ledger ${report.file} has no entries (is it the right file?)\n`,
        )
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : replayText(report))
      if (report.failed.length > 0) process.exitCode = 1
    })
  })
}
