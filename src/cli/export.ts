import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Command } from 'commander'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

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
      .option('--kind <kind>', 'only subjects of this kind')
      .option('--fields <list>', 'comma-separated fields (default: all)'),
  ).action(
    async (options: {
      out: string
      format?: string
      purpose: string
      kind?: string
      fields?: string
      dataDir?: string
    }) => {
      const format = options.format ?? (/\.xlsx$/i.test(options.out) ? 'xlsx' : 'csv')
      if (format !== 'csv' && format !== 'xlsx') throw new Error('--format must be csv or xlsx')
      await withRuntime(options, async (runtime) => {
        const out = createWriteStream(options.out)
        const summary = await runtime.services.exports.export(
          { actor: CLI_ACTOR },
          {
            format,
            purpose: options.purpose,
            kind: options.kind,
            fields: options.fields
              ?.split(',')
              .map((f) => f.trim())
              .filter(Boolean),
          },
          out,
        )
        if (!out.writableFinished) await once(out, 'finish')
        process.stdout.write(
          `${summary.rows} subjects exported to ${options.out} (sha256 of the ids ${summary.idsDigest})\n`,
        )
      })
    },
  )
}
