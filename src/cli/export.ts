import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

/** The option a field of the export request is given by, for messages. */
const OPTION_OF: Readonly<Record<string, string>> = {
  purpose: '--purpose',
  channel: '--channel',
  kind: '--kind',
  fields: '--fields',
  format: '--format',
  recipient: '--recipient',
}

export function registerExport(program: Command): void {
  withDataDirOption(
    program
      .command('export')
      .description('export subjects as CSV or XLSX (audited; formulas neutralised)')
      .requiredOption('--out <file>', 'the file to write')
      .option('--format <format>', 'csv or xlsx (default: from the file name)')
      .option(
        '--purpose <key>',
        'the purpose of the export; subjects it may not use are left out',
        'contact_management',
      )
      .option(
        '--channel <channel>',
        "the purpose's channel (email, sms, phone, post, web, none); needed when it has several",
      )
      .option('--kind <kind>', 'only subjects of this kind')
      .option('--fields <list>', 'comma-separated fields (default: all)')
      .option(
        '--recipient <id>',
        'who receives the file: internal (default) or a recipient id; the transfer is checked and the disclosure recorded',
      ),
  ).action(
    async (options: {
      out: string
      format?: string
      purpose: string
      channel?: string
      kind?: string
      fields?: string
      recipient?: string
      dataDir?: string
    }) => {
      const format = options.format ?? (/\.xlsx$/i.test(options.out) ? 'xlsx' : 'csv')
      if (format !== 'csv' && format !== 'xlsx')
        throw new ProblemError('validation', '--format: must be csv or xlsx')
      await withRuntime(options, async (runtime) => {
        // Everything is checked (and the first page read) before the file is created.
        const started = await runtime.services.exports
          .start(
            { actor: CLI_ACTOR },
            {
              format,
              purpose: options.purpose,
              channel: options.channel,
              kind: options.kind,
              fields: options.fields
                ?.split(',')
                .map((f) => f.trim())
                .filter(Boolean),
              recipient: options.recipient,
            },
          )
          .catch((error: unknown) => {
            if (error instanceof ProblemError) {
              const first = error.errors?.[0]
              const option = first && OPTION_OF[first.field]
              if (first && option) throw new ProblemError(error.kind, `${option}: ${first.reason}`)
            }
            throw error
          })
        const out = createWriteStream(options.out)
        const summary = await started.write(out)
        if (!out.writableFinished) await once(out, 'finish')
        process.stdout.write(
          `${summary.rows} subjects exported to ${options.out} (sha256 of the ids ${summary.idsDigest})\n`,
        )
      })
    },
  )
}
