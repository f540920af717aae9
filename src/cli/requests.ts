import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { DataSubjectRequest } from '../modules/requests/request.service.ts'
import {
  REPORT_FORMATS,
  type ReportFormat,
  type StepInput,
} from '../modules/requests/request-workflow.service.ts'
import { ProblemError } from '../platform/problem.ts'
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
  return `${lines.join('\n')}\n`
}

const STEP_HELP = `
The workflow (Art. 12 GDPR): received -> identity_verified -> in_progress -> answered | refused;
extended (by one or two months, Art. 12(3)) from any open state within the first month of receipt.
Nothing personal goes out before the identity is verified (Art. 12(6)). Every step is audited
(system actor tresor-cli); after an answer, refusal or extension the person is mailed that there is
news, with only the link to the privacy portal.
`

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
        'answer: an access or copy request gets the access report (Art. 15), stored for the person to download in the portal for 30 days; other kinds need --note',
      )
      .option('--lang <lang>', 'the report’s language: de or en (default de)')
      .option('--withhold-notes', 'withhold every staff note from the report (Art. 15(4): rights of others)')
      .option('--note <text>', 'what was done (required for kinds whose answer is not generated yet)')
      .option('--json', 'print JSON')
      .addHelpText('after', STEP_HELP),
  ).action(
    (
      id: string,
      o: { lang?: string; withholdNotes?: boolean; note?: string; dataDir?: string; json?: boolean },
    ) =>
      runStep(
        id,
        {
          step: 'answer',
          lang: langOf(o.lang),
          ...(o.withholdNotes ? { withheldNotes: 'all' as const } : {}),
          note: o.note,
        },
        o,
      ),
  )

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
      .option('--format <format>', 'json, html, pdf or csv (default json)')
      .option('--lang <lang>', 'de or en, for a preview (default de)')
      .option('--out <file>', 'where to write it; default: standard output (not for pdf)'),
  ).action(async (id: string, o: { format?: string; lang?: string; out?: string; dataDir?: string }) => {
    const format = oneOf<ReportFormat>(o.format ?? 'json', REPORT_FORMATS, '--format')
    if (format === 'pdf' && !o.out)
      throw new ProblemError('validation', '--out: name a file for the PDF (it is not written to a terminal)')
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
