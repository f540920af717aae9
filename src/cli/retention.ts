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
import type { RetentionPlan, RetentionRun } from '../privacy/retention/retention-sweep.service.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, parseIntOption, withDataDirOption, withRuntime } from './shared.ts'

/** The CLI acts as the operator at the machine; the audit trail says so. */
const CLI_ACTOR: AuditActor = { type: 'system', id: 'tresor-cli' }

/** The sweeper acts for the DPO at the machine: its erasures and deletions are audited as the CLI's. */
const SWEEP_CLI_ACTOR = { type: 'system' as const, id: 'tresor-cli', role: 'dpo' }

const SWEEP_HELP = `
The sweeper applies the deletion concept: \`retention plan\` is the dry run (per rule the cutoff, how
many subjects and records are due, a pseudonymous sample; nothing is deleted), \`retention approve\`
is the DPO's approval of a plan (audited; the first one turns the daily sweep on), \`retention run\`
executes an approved plan with its cutoffs, batch by batch, with a progress bar. A rule whose
version changed since the approval is not run. The daily job retention.sweep plans and runs the
rules still at the versions approved last, and goes on with a run that stopped half-way.
`

/** A plan as lines: per rule its version, status, cutoff and counts; why nothing falls due where no date is recorded. */
export function planText(plan: RetentionPlan): string {
  const rows = [
    ['rule', 'version', 'status', 'cutoff (before)', 'subjects', 'records'],
    ...plan.rules.map((r) => [
      r.ruleKey,
      `v${r.ruleVersion}`,
      r.status,
      r.cutoff ? r.cutoff.slice(0, 16).replace('T', ' ') : '-',
      String(r.subjects),
      String(r.records),
    ]),
  ]
  const notes = plan.rules.filter((r) => r.note).map((r) => `  ${r.ruleKey}: ${r.note}`)
  const approval = plan.approval
    ? `approved (${plan.approval.kind}) by ${plan.approval.by.type} ${plan.approval.by.id} at ${plan.approval.at.toISOString()}`
    : `not approved: tresor retention approve --plan ${plan.id}`
  return `Retention plan ${plan.id} as of ${plan.asOf.toISOString()}: ${approval}\n${alignedColumns(rows)}${
    notes.length ? `${notes.join('\n')}\n` : ''
  }`
}

/** A run as lines: per rule what was done, or why it was skipped; the failures. */
export function runText(run: RetentionRun): string {
  const lines = [`Retention run ${run.id} of plan ${run.planId}: ${run.status}`]
  for (const r of run.rules) {
    if (r.status === 'skipped') {
      if (r.planned.records > 0 || r.skipReason?.includes('changed'))
        lines.push(`  ${r.ruleKey} v${r.ruleVersion}: not run — ${r.skipReason}`)
      continue
    }
    lines.push(
      `  ${r.ruleKey} v${r.ruleVersion}: ${r.status}, ${r.done.subjects}/${r.planned.subjects} subjects, ${
        r.recordKind === 'subject'
          ? `${r.done.erased} erased, ${r.done.held} erased but for what legal holds keep`
          : `${r.done.records} records deleted`
      }, ${r.done.failed} failed`,
    )
    for (const f of r.failures) lines.push(`    failed ${f.subject}: ${f.reason}`)
  }
  return `${lines.join('\n')}\n`
}

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
      .command('plan')
      .description(
        'the dry run: per rule the cutoff, the subjects and records due, a sample (nothing is deleted)',
      )
      .option('--json', 'print JSON')
      .addHelpText('after', SWEEP_HELP),
  ).action(async (options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const plan = await runtime.services.sweeper.plan({ actor: SWEEP_CLI_ACTOR })
      process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : planText(plan))
    })
  })

  withDataDirOption(
    retention
      .command('approve')
      .description('approve a plan as the DPO (default: the newest); audited; turns the daily sweep on')
      .option('--plan <id>', 'the plan to approve')
      .addHelpText('after', SWEEP_HELP),
  ).action(async (options: { plan?: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const sweeper = runtime.services.sweeper
      const id = options.plan ?? (await sweeper.plans(1))[0]?.id
      if (!id)
        throw new ProblemError('conflict', 'there is no plan yet: make one with `tresor retention plan`')
      process.stdout.write(planText(await sweeper.approve(id, { actor: SWEEP_CLI_ACTOR })))
    })
  })

  withDataDirOption(
    retention
      .command('run')
      .description('run an approved plan (default: the newest approved one), with a progress bar')
      .option('--plan <id>', 'the plan to run')
      .option('--batch <n>', 'subjects per batch (default 1000)', parseIntOption('--batch', 1, 10_000))
      .option('--json', 'print JSON')
      .addHelpText('after', SWEEP_HELP),
  ).action(async (options: { plan?: string; batch?: number; json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const sweeper = runtime.services.sweeper
      const id = options.plan ?? (await sweeper.plans(50)).find((p) => p.approval)?.id
      if (!id)
        throw new ProblemError(
          'conflict',
          'no approved plan: make one with `tresor retention plan` and approve it with `tresor retention approve`',
        )
      const { startProgress } = await import('./progress.ts')
      let bar: { key: string; shown: number; progress: ReturnType<typeof startProgress> } | undefined
      const run = await sweeper.run(
        id,
        { actor: SWEEP_CLI_ACTOR },
        {
          ...(options.batch ? { batch: options.batch } : {}),
          onProgress: ({ ruleKey, done, planned }) => {
            if (bar?.key !== ruleKey) {
              bar?.progress.done()
              bar = { key: ruleKey, shown: 0, progress: startProgress(ruleKey, Math.max(planned, done)) }
            }
            bar.progress.tick(done - bar.shown)
            bar.shown = done
          },
        },
      )
      bar?.progress.done()
      process.stdout.write(options.json ? `${JSON.stringify(run, null, 2)}\n` : runText(run))
    })
  })

  withDataDirOption(
    retention
      .command('runs')
      .description('the latest runs with their progress per rule')
      .option('--json', 'print JSON'),
  ).action(async (options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const runs = await runtime.services.sweeper.runs(5)
      process.stdout.write(
        options.json ? `${JSON.stringify(runs, null, 2)}\n` : runs.map(runText).join('') || 'no runs yet\n',
      )
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
