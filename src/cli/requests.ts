import type { Command } from 'commander'
import type { DataSubjectRequest } from '../modules/requests/request.service.ts'
import { ProblemError } from '../platform/problem.ts'
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
  const header = ['DUE', 'OVERDUE', 'KIND', 'CHANNEL', 'RECEIVED', 'SUBJECT', 'REQUEST']
  const rows = requests.map((r) => [
    iso(r.dueAt),
    r.dueAt.getTime() < now.getTime() ? 'yes' : 'no',
    r.kind,
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
    .description('data subject requests (Art. 15-21): the open ones with their deadlines')

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
}
