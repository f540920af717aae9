import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { IMPORT_KINDS, type ImportKind } from '../modules/import/import-fields.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

/** Lines in a text file, for the progress bar (a quoted field with line breaks counts more; close enough). */
async function countLines(path: string): Promise<number> {
  let lines = 0
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++
  }
  return lines
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

export function registerImport(program: Command): void {
  withDataDirOption(
    program
      .command('import')
      .description('import a CSV or XLSX file of subjects, touchpoints (events) or orders')
      .argument('<file>', 'the CSV or XLSX file')
      .requiredOption('--kind <kind>', `what the rows are: ${IMPORT_KINDS.join(', ')}`)
      .option('--source <source>', 'where the data was collected (required for subjects)')
      .option('--purpose <key>', 'the purpose it is collected for (required for subjects)')
      .option('--consent-reference <ref>', 'where the proof of the consents is kept (consent purposes)')
      .option('--text-version <version>', 'the consent text version the people agreed to (consent purposes)')
      .option('--doi-confirmed', 'the addresses confirmed their consent (double opt-in), as the proof shows')
      .option('--subject-kind <kind>', 'kind of the people when the file has no column for it', 'customer')
      .option(
        '--map <field=Header>',
        'map a field to a column (repeatable), e.g. --map email=E-Mail-Adresse',
        collect,
      )
      .option('--delimiter <char>', 'CSV delimiter (default: detected)')
      .option('--encoding <name>', 'CSV encoding without byte-order mark (default: detected)')
      .option('--sheet <name>', 'XLSX: the sheet to read (default: the first)')
      .option('--preset <preset>', 'cdnow: the CDNOW purchase data set as orders of synthetic customers')
      .option('--report <file>', 'write the rejected rows (row, column, reason) to this CSV file')
      .option('--json', 'print the result as JSON'),
  ).action(
    async (
      file: string,
      options: {
        kind: string
        source?: string
        purpose?: string
        consentReference?: string
        textVersion?: string
        doiConfirmed?: boolean
        subjectKind: string
        map?: string[]
        delimiter?: string
        encoding?: string
        sheet?: string
        preset?: string
        report?: string
        json?: boolean
        dataDir?: string
      },
    ) => {
      if (!(IMPORT_KINDS as readonly string[]).includes(options.kind))
        throw new Error(`--kind must be one of ${IMPORT_KINDS.join(', ')}`)
      if (options.preset !== undefined && options.preset !== 'cdnow')
        throw new Error('--preset knows only cdnow')
      const mapping: Record<string, string> = {}
      for (const pair of options.map ?? []) {
        const at = pair.indexOf('=')
        if (at < 1) throw new Error(`--map ${pair}: write field=Column header`)
        mapping[pair.slice(0, at)] = pair.slice(at + 1)
      }
      const isText = options.preset === 'cdnow' || !/\.xlsx$/i.test(file)
      const total = isText ? Math.max(0, (await countLines(file)) - 1) : 0
      await stat(file)
      await withRuntime(options, async (runtime) => {
        const [{ problemsCsv, toImportResult }, { startProgress }] = await Promise.all([
          import('../modules/import/import.service.ts'),
          import('./progress.ts'),
        ])
        const progress = startProgress(`import ${options.kind}`, total)
        const report = await runtime.services.imports.run(
          { actor: CLI_ACTOR },
          { path: file },
          {
            kind: options.kind as ImportKind,
            mapping,
            provenance:
              options.source || options.purpose
                ? {
                    source: options.source ?? '',
                    purpose: options.purpose ?? '',
                    consentReference: options.consentReference,
                    textVersion: options.textVersion,
                    doiConfirmed: options.doiConfirmed,
                  }
                : undefined,
            subjectKinds: [options.subjectKind],
            table: {
              ...(options.delimiter ? { delimiter: options.delimiter } : {}),
              ...(options.encoding ? { encoding: options.encoding } : {}),
              ...(options.sheet ? { sheet: options.sheet } : {}),
            },
            preset: options.preset === 'cdnow' ? 'cdnow' : undefined,
            onProgress: (rows) => progress.tick(rows),
          },
        )
        progress.done()
        if (options.report) {
          const { writeFile } = await import('node:fs/promises')
          await writeFile(options.report, await problemsCsv(await runtime.services.imports.get(report.id)))
        }
        const result = toImportResult(report)
        if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`)
        else {
          process.stdout.write(
            `import ${result.id}: ${result.rows} rows, ${result.imported} imported, ${result.skipped} already there, ${result.rejected} rejected${result.status === 'failed' ? ` — FAILED: ${result.error}` : ''}\n`,
          )
          for (const p of result.problems.slice(0, 20))
            process.stdout.write(`  row ${p.row}${p.column ? ` (${p.column})` : ''}: ${p.reason}\n`)
          if (result.problems.length > 20)
            process.stdout.write(
              `  … ${result.rejected - 20} more${options.report ? ` in ${options.report}` : ' (use --report FILE)'}\n`,
            )
        }
        if (result.status === 'failed') process.exitCode = 1
      })
    },
  )
}
