import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  DOCUMENT_FORMATS,
  DOCUMENT_LANGUAGES,
  type DocumentFormat,
  type DocumentLanguage,
} from '../modules/retention/deletion-concept.ts'
import type {
  CreateRetentionRuleBody,
  UpdateRetentionRuleBody,
} from '../modules/retention/retention-rule.schemas.ts'
import { ProblemError } from '../platform/problem.ts'
import type { AuditActor } from '../privacy/audit/audit-record.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, withDataDirOption, withRuntime } from './shared.ts'

/** The CLI acts as the operator at the machine; the audit trail says so. */
const CLI_ACTOR: AuditActor = { type: 'system', id: 'tresor-cli' }

/** The API's schemas for a rule file, loaded when a file is checked. */
const ruleSchema = async (kind: 'create' | 'update') => {
  const schemas = await import('../modules/retention/retention-rule.schemas.ts')
  return kind === 'create' ? schemas.CreateRetentionRuleBody : schemas.UpdateRetentionRuleBody
}

/** A closed option's value, or a problem naming the option (exit 65). */
function oneOf<T extends string>(option: string, allowed: readonly T[], value: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new ProblemError('validation', `${option}: must be one of ${allowed.join(', ')}`, {
    errors: [{ in: 'options', field: option, reason: `must be one of ${allowed.join(', ')}` }],
  })
}

export function registerRetention(program: Command): void {
  const retention = program
    .command('retention')
    .description('the deletion concept: retention rules, their legal minimums, the document')
  const rules = retention
    .command('rules')
    .description(
      'list the retention rules, one per line (key, record kind, period, start event, legal minimum, version)',
    )

  withDataDirOption(rules).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const rows = (await runtime.services.retention.list()).map((r) => [
        r.key,
        r.covers.recordKind ?? '(not in Tresor)',
        r.period,
        r.startEvent,
        // The law's floor: the DPO can't go below it.
        r.legalMinimum ? `min ${r.legalMinimum.period} ${r.legalMinimum.law}` : 'min -',
        `v${r.version}`,
        r.name.en,
      ])
      process.stdout.write(alignedColumns(rows))
    })
  })

  withDataDirOption(
    rules
      .command('show')
      .description('print one rule as JSON, with every version it had (a sweep approval names one)')
      .argument('<key>', 'rule key'),
  ).action(async (key: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      process.stdout.write(`${JSON.stringify(await runtime.services.retention.withVersions(key), null, 2)}\n`)
    })
  })

  withDataDirOption(
    rules
      .command('set')
      .description(
        'create a rule of your own from a JSON file, or change the properties the file names (as PATCH /api/v1/retention-rules/{key}); never below a legal minimum; audited',
      )
      .argument('<key>', 'rule key')
      .requiredOption(
        '--file <file>',
        'JSON with the rule (as `retention rules show` prints it) or the properties to change',
      ),
  ).action(async (key: string, options: { file: string; dataDir?: string }) => {
    const input = readJsonFile(options.file)
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ProblemError('validation', `${options.file}: must hold a JSON object`)
    // What `rules show` prints may be fed back: the registry's own fields and the law's are not input.
    const {
      key: fileKey,
      version: _v,
      versions: _vs,
      builtin: _b,
      createdAt: _c,
      updatedAt: _u,
      legalMinimum: _m,
      transition: _t,
      ...properties
    } = input as Record<string, unknown>
    if (fileKey !== undefined && fileKey !== key)
      throw new ProblemError('validation', `${options.file}: names the rule ${String(fileKey)}, not ${key}`)
    await withRuntime(options, async (runtime) => {
      const existing = await runtime.services.retention.find(key)
      if (existing) {
        await checkAgainstSchema(await ruleSchema('update'), properties, options.file)
        const updated = await runtime.services.retention.update(key, properties as UpdateRetentionRuleBody, {
          actor: CLI_ACTOR,
        })
        process.stdout.write(
          updated.version === existing.version
            ? `retention rule ${key} unchanged (version ${updated.version})\n`
            : `retention rule ${key} changed to version ${updated.version}\n`,
        )
      } else {
        const body = { key, ...properties }
        await checkAgainstSchema(await ruleSchema('create'), body, options.file)
        const created = await runtime.services.retention.create(body as CreateRetentionRuleBody, {
          actor: CLI_ACTOR,
        })
        process.stdout.write(`retention rule ${created.key} created\n`)
      }
    })
  })

  withDataDirOption(
    retention
      .command('document')
      .description(
        'write the deletion concept document, generated from the rules (the controller as the installation’s settings name it)',
      )
      .option('--lang <lang>', `language: ${DOCUMENT_LANGUAGES.join(' or ')}`, 'de')
      .option('--format <format>', `format: ${DOCUMENT_FORMATS.join(' or ')}`, 'html')
      .option('--out <file>', 'where to write it; default: standard output'),
  ).action(async (options: { lang: string; format: string; out?: string; dataDir?: string }) => {
    const lang = oneOf<DocumentLanguage>('--lang', DOCUMENT_LANGUAGES, options.lang)
    const format = oneOf<DocumentFormat>('--format', DOCUMENT_FORMATS, options.format)
    if (format === 'pdf' && !options.out && process.stdout.isTTY)
      throw new ProblemError('validation', '--out: name a file for the PDF (it is not written to a terminal)')
    await withRuntime(options, async (runtime) => {
      const doc = await runtime.services.deletionConcept.document(lang, format)
      if (!options.out) {
        process.stdout.write(doc.body)
        return
      }
      try {
        writeFileSync(options.out, doc.body)
      } catch (error) {
        throw new ProblemError(
          'validation',
          `--out: ${options.out} can't be written (${(error as NodeJS.ErrnoException).code})`,
        )
      }
      process.stdout.write(
        `${options.out}: deletion concept (${lang}, ${format}, ${doc.body.length} bytes)\n`,
      )
    })
  })
}
