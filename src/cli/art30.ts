import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  RECORD_FORMATS,
  RECORD_LANGUAGES,
  type RecordFormat,
  type RecordLanguage,
} from '../modules/records-of-processing/processing-record-document.ts'
import { ProblemError } from '../platform/problem.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

function oneOf<T extends string>(option: string, allowed: readonly T[], value: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new ProblemError('validation', `${option}: must be one of ${allowed.join(', ')}`, {
    errors: [{ in: 'options', field: option, reason: `must be one of ${allowed.join(', ')}` }],
  })
}

/** Writes one format of the record to `--out` or standard output (binary formats only to a file or a pipe). */
async function writeRecord(format: RecordFormat, options: { lang: string; out?: string; dataDir?: string }) {
  const lang = oneOf<RecordLanguage>('--lang', RECORD_LANGUAGES, options.lang)
  if ((format === 'pdf' || format === 'xlsx') && !options.out && process.stdout.isTTY)
    throw new ProblemError(
      'validation',
      `--out: name a file for the ${format.toUpperCase()} (it is not written to a terminal)`,
    )
  await withRuntime(options, async (runtime) => {
    const doc = await runtime.services.processingRecords.document(lang, format)
    if (options.out) {
      writeFileSync(options.out, doc.body)
      process.stderr.write(`wrote ${options.out} (${doc.body.length} bytes)\n`)
    } else process.stdout.write(doc.body)
  })
}

/** `tresor art30`: the record of processing activities (Art. 30(1)), generated from the configuration. */
export function registerArt30(program: Command): void {
  const art30 = program
    .command('art30')
    .alias('record-of-processing')
    .description(
      'the record of processing activities (Art. 30(1)): show it, write it as PDF/XLSX/HTML, adopt a version',
    )

  withDataDirOption(
    art30
      .command('show')
      .description(
        'print the record as text: its checksum, version, the changes since the last version, then each section',
      )
      .option('--lang <lang>', `language: ${RECORD_LANGUAGES.join(' or ')}`, 'en')
      .option('--json', 'print the record as canonical JSON with its checksum instead'),
  ).action(async (options: { lang: string; json?: boolean; dataDir?: string }) => {
    const lang = oneOf<RecordLanguage>('--lang', RECORD_LANGUAGES, options.lang)
    await withRuntime(options, async (runtime) => {
      if (options.json) {
        process.stdout.write((await runtime.services.processingRecords.document(lang, 'json')).body)
        process.stdout.write('\n')
        return
      }
      const { processingRecordDocument } = await import(
        '../modules/records-of-processing/processing-record-document.ts'
      )
      const view = await runtime.services.processingRecords.view()
      const doc = processingRecordDocument(
        view.record,
        view.changes,
        {
          adopted: view.adopted
            ? {
                version: view.adopted.version,
                at: view.adopted.adoptedAt,
                by: `${view.adopted.adoptedBy.type} ${view.adopted.adoptedBy.id}`,
              }
            : null,
          previous: view.changesSince,
          sha256: view.sha256,
          generatedAt: view.generatedAt,
        },
        lang,
      )
      const out: string[] = [doc.title, '']
      for (const m of doc.meta) out.push(`${m.label}: ${m.value}`)
      out.push('', `${doc.changesHeading}:`)
      out.push(...(doc.changes.length === 0 ? [`  ${doc.noChanges}`] : doc.changes.map((c) => `  ${c}`)))
      for (const s of doc.sections) {
        out.push('', `${s.heading} (${s.article})`)
        if (s.items.length === 0) out.push(`  ${s.empty}`)
        for (const item of s.items) {
          out.push(`  ${item.title}`)
          for (const r of item.rows) out.push(`    ${r.label}: ${r.value}`)
        }
      }
      process.stdout.write(`${out.join('\n')}\n`)
    })
  })

  for (const format of RECORD_FORMATS.filter((f) => f !== 'json')) {
    withDataDirOption(
      art30
        .command(format)
        .description(`write the record as ${format.toUpperCase()}`)
        .option('--lang <lang>', `language: ${RECORD_LANGUAGES.join(' or ')}`, 'de')
        .option('--out <file>', 'where to write it; default: standard output'),
    ).action((options: { lang: string; out?: string; dataDir?: string }) => writeRecord(format, options))
  }

  withDataDirOption(
    art30
      .command('adopt')
      .description('adopt the record as it stands as the next version (stored with its checksum, audited)'),
  ).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const v = await runtime.services.processingRecords.adopt({ actor: CLI_ACTOR })
      process.stdout.write(
        v.created
          ? `version ${v.version} adopted (sha256 ${v.sha256})\n`
          : `unchanged since version ${v.version} (sha256 ${v.sha256})\n`,
      )
    })
  })

  withDataDirOption(art30.command('versions').description('list the adopted versions, newest first')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        const rows = (await runtime.services.processingRecords.versions()).map((v) => [
          `v${v.version}`,
          v.adoptedAt.toISOString(),
          `${v.adoptedBy.type}:${v.adoptedBy.id}`,
          v.sha256,
        ])
        process.stdout.write(rows.length === 0 ? 'no version adopted yet\n' : alignedColumns(rows))
      })
    },
  )
}
