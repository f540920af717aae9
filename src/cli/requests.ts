import { readFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { REPORT_FORMATS, type ReportFormat } from '../modules/requests/report-formats.ts'
import type { DataSubjectRequest } from '../modules/requests/request.service.ts'
import type { AnswerParts, StepInput } from '../modules/requests/request-workflow.service.ts'
import { ProblemError } from '../platform/problem.ts'
import { RESTRICTION_GROUNDS, type RestrictionGround } from '../privacy/permissions/permission-rules.ts'
import {
  REFUSAL_GROUNDS,
  type RefusalGround,
  VERIFICATION_METHODS,
  type VerificationMethod,
} from '../privacy/requests/dsr.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const LIST_HELP = `
What it prints:
  The open data subject requests of everyone, the one due first on top (overdue ones first): when
  each is due (Art. 12(3): one month of receipt, or TRESOR_DSR_DEADLINE), its kind, how it came in,
  when it was received, the subject and the request id. No details: read those with
  GET /api/v1/subjects/{id}/requests. --json gives the items of GET /api/v1/requests.

The look is audited: the audit trail names the CLI (system actor tresor-cli) and the subjects listed.
`

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z')

/** The open requests as a table for a person at the terminal. */
export function requestsText(requests: readonly DataSubjectRequest[], now: Date): string {
  if (requests.length === 0) return 'No open data subject requests.\n'
  const header = ['DUE', 'OVERDUE', 'KIND', 'STATUS', 'CHANNEL', 'RECEIVED', 'SUBJECT', 'REQUEST']
  const rows = requests.map((r) => [
    iso(r.dueAt),
    r.dueAt.getTime() < now.getTime() ? 'yes' : 'no',
    r.kind,
    r.status,
    r.channel,
    iso(r.receivedAt),
    r.subjectId,
    r.id,
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] ?? '').length)))
  return `${[header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}

export function registerRequests(program: Command): void {
  const requests = program
    .command('requests')
    .description('data subject requests (Art. 12-21): the open ones, their steps and the access report')

  withDataDirOption(
    requests
      .command('list')
      .description('list the open requests, the one due first on top (audited)')
      .option('--limit <n>', 'at most this many (default 200)')
      .option('--json', 'print JSON')
      .addHelpText('after', LIST_HELP),
  ).action(async (options: { limit?: string; json?: boolean; dataDir?: string }) => {
    const limit = options.limit === undefined ? 200 : Number(options.limit)
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000)
      throw new ProblemError('validation', '--limit: must be a whole number from 1 to 100000')
    await withRuntime(options, async (runtime) => {
      const found: DataSubjectRequest[] = []
      let cursor: string | undefined
      do {
        const page = await runtime.services.requests.open(
          { limit: Math.min(500, limit - found.length), cursor },
          { actor: CLI_ACTOR },
        )
        found.push(...page.items)
        cursor = page.nextCursor ?? undefined
      } while (cursor && found.length < limit)
      const now = new Date()
      process.stdout.write(
        options.json
          ? `${JSON.stringify(
              found.map((r) => ({ ...r, overdue: r.dueAt.getTime() < now.getTime() })),
              null,
              2,
            )}\n`
          : requestsText(found, now),
      )
    })
  })
  registerRequestSteps(program)
}

/** One request, step by step, for a person at the terminal. */
export function requestText(r: DataSubjectRequest): string {
  const lines = [
    `request    ${r.id}`,
    `subject    ${r.subjectId}`,
    `kind       ${r.kind} (via ${r.channel})`,
    `status     ${r.status}`,
    `received   ${iso(r.receivedAt)}`,
    `due        ${iso(r.dueAt)}`,
    `assignee   ${r.assigneeId ?? '-'}`,
    `verified   ${r.verification ? `${iso(r.verification.at)} ${r.verification.method}${r.verification.note ? ` (${r.verification.note})` : ''}` : '-'}`,
  ]
  if (r.extension)
    lines.push(`extended   ${iso(r.extension.at)} from ${iso(r.extension.firstDueAt)}: ${r.extension.reason}`)
  if (r.closedAt) lines.push(`closed     ${iso(r.closedAt)}`)
  if (r.refusal) lines.push(`refused    ${r.refusal.ground}: ${r.refusal.reason}`)
  if (r.answerNote) lines.push(`note       ${r.answerNote}`)
  const answer = r.answer as { lang?: 'de' | 'en'; text?: { de: string; en: string } } | null
  if (answer?.text) lines.push('answer', ...answer.text[answer.lang ?? 'de'].split('\n').map((l) => `  ${l}`))
  return `${lines.join('\n')}\n`
}

const STEP_HELP = `
The workflow (Art. 12 GDPR): received -> identity_verified -> in_progress -> answered | refused;
extended (by one or two months, Art. 12(3)) from any open state within the first month of receipt.
Nothing personal goes out before the identity is verified (Art. 12(6)). Every step is audited
(system actor tresor-cli); after an answer, refusal or extension the person is mailed that there is
news, with only the link to the privacy portal.
`

const ANSWER_HELP = `
Answers per kind (docs/adr/0021): a rectification is applied through the privacy gate and every
recipient the data was disclosed to is told (Art. 19: by its webhook, or a letter task — see
\`tresor requests letters\`); an erasure runs with the legal holds and answers what was kept, why and
until when (mailed to the person); a restriction is set (lifting it needs \`tresor requests
lift-notice\` first, Art. 18(3)); an objection is upheld (recorded) or rejected with the compelling
legitimate grounds (never for direct marketing, Art. 21(3)); a human review records its outcome.
`

const PART_KEYS = ['rectification', 'erasure', 'restriction', 'objection', 'humanReview'] as const

/** The answer parts of a --file: a JSON object with one of the parts (checked here in outline, by the service in full). */
function answerPartsOf(file: string): AnswerParts {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ProblemError(
      'validation',
      `--file: ${file} is not readable JSON (${(error as NodeJS.ErrnoException).code ?? 'syntax error'})`,
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProblemError('validation', '--file: a JSON object with one answer part')
  const parts = value as Record<string, unknown>
  for (const key of Object.keys(parts))
    if (!(PART_KEYS as readonly string[]).includes(key))
      throw new ProblemError('validation', `--file: ${key} is no answer part (${PART_KEYS.join(', ')})`)
  for (const [key, part] of Object.entries(parts))
    if (typeof part !== 'object' || part === null || Array.isArray(part))
      throw new ProblemError('validation', `--file: ${key} must be an object`)
  const text = (part: string, field: string, required: boolean) => {
    const v = (parts[part] as Record<string, unknown> | undefined)?.[field]
    if (v === undefined ? required : typeof v !== 'string' || v.length === 0 || v.length > 2000)
      throw new ProblemError('validation', `--file: ${part}.${field} must be a text of 1 to 2000 characters`)
  }
  if (parts.rectification) text('rectification', 'reason', true)
  if (parts.objection) {
    text('objection', 'purposeKey', true)
    text('objection', 'reasons', false)
    oneOf(
      (parts.objection as { decision?: string }).decision,
      ['upheld', 'rejected'] as const,
      '--file: objection.decision',
    )
  }
  if (parts.humanReview) {
    text('humanReview', 'reasons', true)
    text('humanReview', 'decision', false)
    oneOf(
      (parts.humanReview as { outcome?: string }).outcome,
      ['confirmed', 'changed'] as const,
      '--file: humanReview.outcome',
    )
  }
  if (parts.restriction)
    oneOf(
      (parts.restriction as { ground?: string }).ground,
      RESTRICTION_GROUNDS,
      '--file: restriction.ground',
    )
  return parts as AnswerParts
}

/** Takes a step as the CLI and prints the request. */
async function runStep(
  id: string,
  input: StepInput,
  options: { dataDir?: string; json?: boolean },
): Promise<void> {
  await withRuntime(options, async (runtime) => {
    const done = await runtime.services.requestWorkflow.step(id.toLowerCase(), input, { actor: CLI_ACTOR })
    process.stdout.write(options.json ? `${JSON.stringify(done, null, 2)}\n` : requestText(done))
  })
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T {
  if (value === undefined || !(allowed as readonly string[]).includes(value))
    throw new ProblemError('validation', `${option}: one of ${allowed.join(', ')}`)
  return value as T
}

function langOf(value: string | undefined): 'de' | 'en' {
  return value === undefined ? 'de' : oneOf(value, ['de', 'en'] as const, '--lang')
}

/** Registers show, verify, start, answer, refuse, extend and report under `tresor requests`. */
export function registerRequestSteps(program: Command): void {
  const requests = program.commands.find((c) => c.name() === 'requests')
  if (!requests) throw new Error('register `requests` first')

  withDataDirOption(
    requests
      .command('show <id>')
      .description('one request with its workflow state')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: { dataDir?: string; json?: boolean }) => {
    await withRuntime(options, async (runtime) => {
      const r = await runtime.services.requestWorkflow.get(id.toLowerCase())
      process.stdout.write(options.json ? `${JSON.stringify(r, null, 2)}\n` : requestText(r))
    })
  })

  withDataDirOption(
    requests
      .command('verify <id>')
      .description('record how the identity of the person was verified (Art. 12(6))')
      .requiredOption('--method <method>', VERIFICATION_METHODS.join('|'))
      .option('--note <text>', 'how, without personal data (never a document number)')
      .option('--json', 'print JSON')
      .addHelpText('after', STEP_HELP),
  ).action((id: string, o: { method: string; note?: string; dataDir?: string; json?: boolean }) =>
    runStep(
      id,
      {
        step: 'verify',
        method: oneOf<VerificationMethod>(o.method, VERIFICATION_METHODS, '--method'),
        note: o.note,
      },
      o,
    ),
  )

  withDataDirOption(
    requests
      .command('start <id>')
      .description('start working on a verified request')
      .option('--json', 'print JSON'),
  ).action((id: string, o: { dataDir?: string; json?: boolean }) => runStep(id, { step: 'start' }, o))

  withDataDirOption(
    requests
      .command('answer <id>')
      .description(
        'answer: access and copy get the access report (Art. 15; the copy also as a zip), stored for the person to download in the portal for 30 days; rectification, erasure, restriction, objection and human_review are carried out by Tresor from --file (or --erase, --restrict) — or closed with --note of what was done by hand',
      )
      .option('--lang <lang>', 'the language of the report or the answer: de or en (default de)')
      .option('--withhold-notes', 'withhold every staff note from the report (Art. 15(4): rights of others)')
      .option(
        '--file <file>',
        'a JSON file with the answer part of the kind, as in the API: {"rectification": {"identifiers": {...}, "attributes": {...}, "reason": "..."}}, {"erasure": {}}, {"restriction": {"ground": "..."}}, {"objection": {"purposeKey": "...", "decision": "upheld|rejected", "reasons": "..."}}, {"humanReview": {"outcome": "confirmed|changed", "decision": "...", "reasons": "..."}}',
      )
      .option('--erase', 'an erasure request: run the erasure with the legal holds (Art. 17)')
      .option(
        '--restrict <ground>',
        `a restriction request: restrict on ${RESTRICTION_GROUNDS.join('|')} (Art. 18(1))`,
      )
      .option('--note <text>', 'a remark; alone, what was done by hand')
      .option('--json', 'print JSON')
      .addHelpText('after', `${STEP_HELP}${ANSWER_HELP}`),
  ).action(
    (
      id: string,
      o: {
        lang?: string
        withholdNotes?: boolean
        note?: string
        file?: string
        erase?: boolean
        restrict?: string
        dataDir?: string
        json?: boolean
      },
    ) =>
      runStep(
        id,
        {
          step: 'answer',
          lang: langOf(o.lang),
          ...(o.withholdNotes ? { withheldNotes: 'all' as const } : {}),
          ...(o.file ? answerPartsOf(o.file) : {}),
          ...(o.erase ? { erasure: {} } : {}),
          ...(o.restrict
            ? {
                restriction: {
                  ground: oneOf<RestrictionGround>(o.restrict, RESTRICTION_GROUNDS, '--restrict'),
                },
              }
            : {}),
          note: o.note,
        },
        o,
      ),
  )

  withDataDirOption(
    requests
      .command('letters')
      .description(
        'Art. 19 letter tasks: recipients to tell of a rectification, erasure or restriction by hand',
      )
      .option('--request <id>', 'of one request (default: every open task)')
      .option('--done <taskId>', 'mark this task done (the recipient was told)')
      .option('--note <text>', 'with --done: how it was sent (no personal data)')
      .option('--json', 'print JSON'),
  ).action(
    async (o: { request?: string; done?: string; note?: string; dataDir?: string; json?: boolean }) => {
      await withRuntime(o, async (runtime) => {
        const workflow = runtime.services.requestWorkflow
        const tasks = o.done
          ? [await workflow.completeLetterTask(o.done.toLowerCase(), o.note, { actor: CLI_ACTOR })]
          : await workflow.letterTasks(
              o.request ? { requestId: o.request.toLowerCase() } : { status: 'open' },
            )
        process.stdout.write(
          o.json
            ? `${JSON.stringify(tasks, null, 2)}\n`
            : tasks.length === 0
              ? 'No letter tasks.\n'
              : `${tasks
                  .map(
                    (t) =>
                      `${t.id}  ${t.status.padEnd(4)}  recipient ${t.recipientId}  ${t.event}  dsr:${t.requestId}\n  ${t.message}`,
                  )
                  .join('\n')}\n`,
        )
      })
    },
  )

  withDataDirOption(
    requests
      .command('letter <id>')
      .description(
        'the answer as a letter to print (PDF): the cover letter to the postal address on file, with the answer, refusal or extension (audited)',
      )
      .requiredOption('--out <file>', 'where to write the PDF')
      .option('--lang <lang>', 'de or en (default de)'),
  ).action(async (id: string, o: { out: string; lang?: string; dataDir?: string }) => {
    await withRuntime(o, async (runtime) => {
      const letter = await runtime.services.requestWorkflow.letter(
        id.toLowerCase(),
        { actor: CLI_ACTOR },
        langOf(o.lang),
      )
      try {
        writeFileSync(o.out, letter.body, { mode: 0o600 })
      } catch (error) {
        throw new ProblemError(
          'validation',
          `--out: ${o.out} can't be written (${(error as NodeJS.ErrnoException).code})`,
        )
      }
      process.stderr.write(`written to ${o.out} (it holds personal data: keep it safe)\n`)
    })
  })

  withDataDirOption(
    requests
      .command('lift-notice <subjectId>')
      .description(
        'Art. 18(3): tell the person a restriction will be lifted (mailed, or recorded as sent by letter); lifting is refused until then',
      )
      .option('--letter', 'it was sent by letter: record it (default: Tresor mails it)')
      .option('--lang <lang>', 'de or en (default de)'),
  ).action(async (subjectId: string, o: { letter?: boolean; lang?: string; dataDir?: string }) => {
    await withRuntime(o, async (runtime) => {
      const sent = await runtime.services.requestWorkflow.liftNotice(
        subjectId.toLowerCase(),
        o.letter ? 'letter' : 'email',
        langOf(o.lang),
        { actor: CLI_ACTOR },
      )
      process.stdout.write(`Art. 18(3) notice recorded (${sent.channel}):\n${sent.text}\n`)
    })
  })

  withDataDirOption(
    requests
      .command('refuse <id>')
      .description('refuse with the ground and the reasons told to the person (Art. 12(4)-(5))')
      .requiredOption('--ground <ground>', REFUSAL_GROUNDS.join('|'))
      .requiredOption('--reason <text>', 'the reasons, told to the person with the right to complain')
      .option('--json', 'print JSON')
      .addHelpText('after', STEP_HELP),
  ).action((id: string, o: { ground: string; reason: string; dataDir?: string; json?: boolean }) =>
    runStep(
      id,
      {
        step: 'refuse',
        ground: oneOf<RefusalGround>(o.ground, REFUSAL_GROUNDS, '--ground'),
        reason: o.reason,
      },
      o,
    ),
  )

  withDataDirOption(
    requests
      .command('extend <id>')
      .description(
        'extend the deadline by one or two months, with the reason told to the person (Art. 12(3))',
      )
      .option('--months <n>', '1 or 2 (default 2)')
      .requiredOption('--reason <text>', 'why (complexity, number of requests)')
      .option('--json', 'print JSON')
      .addHelpText('after', STEP_HELP),
  ).action((id: string, o: { months?: string; reason: string; dataDir?: string; json?: boolean }) => {
    const months = o.months === undefined ? 2 : Number(o.months)
    if (months !== 1 && months !== 2) throw new ProblemError('validation', '--months: 1 or 2')
    return runStep(id, { step: 'extend', months, reason: o.reason }, o)
  })

  withDataDirOption(
    requests
      .command('report <id>')
      .description('the access report of a request (the one given once answered, else a preview), audited')
      .option(
        '--format <format>',
        'json, html, pdf, csv or zip (the copy: JSON, XLSX, CSV, README; default json)',
      )
      .option('--lang <lang>', 'de or en, for a preview (default de)')
      .option('--out <file>', 'where to write it; default: standard output (not for pdf)'),
  ).action(async (id: string, o: { format?: string; lang?: string; out?: string; dataDir?: string }) => {
    const format = oneOf<ReportFormat>(o.format ?? 'json', REPORT_FORMATS, '--format')
    if ((format === 'pdf' || format === 'zip') && !o.out)
      throw new ProblemError(
        'validation',
        `--out: name a file for the ${format} (it is not written to a terminal)`,
      )
    await withRuntime(o, async (runtime) => {
      const workflow = runtime.services.requestWorkflow
      const report = await workflow.report(id.toLowerCase(), { actor: CLI_ACTOR }, { lang: langOf(o.lang) })
      const rendered = await workflow.render(report, format)
      if (o.out) {
        try {
          writeFileSync(o.out, rendered.body, { mode: 0o600 })
        } catch (error) {
          throw new ProblemError(
            'validation',
            `--out: ${o.out} can't be written (${(error as NodeJS.ErrnoException).code})`,
          )
        }
        process.stderr.write(`written to ${o.out} (it holds personal data: keep it safe)\n`)
      } else process.stdout.write(rendered.body)
    })
  })
}
