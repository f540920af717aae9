import type { Command } from 'commander'
import type { SegmentCounts, SegmentView } from '../modules/segments/segment.service.ts'
import { ProblemError } from '../platform/problem.ts'
import type { SegmentGroup } from '../privacy/segments/segment-rules.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const CREATE_HELP = `
The file holds the segment as POST /api/v1/segments takes it, e.g.:
  {
    "name": "Active DE newsletter readers",
    "purpose": "profiling_offers",
    "rules": { "type": "group", "combine": "and", "conditions": [
      { "type": "attribute", "field": "country", "op": "in", "values": ["DE"] },
      { "type": "touchpoints", "touchpointType": "page_view", "withinDays": 30, "op": "gte", "value": 1 },
      { "type": "permission", "purpose": "newsletter_email", "channel": "email" } ] }
  }
Conditions: kind, attribute, touchpoints, orders (count | amount | recency), score, scoreBand,
permission; groups nest (and/or). Checked as the API checks it: a bad condition is named by its
path. Audited as a configuration change.
`

/** A segment's counts for a person at the terminal. */
export function countsText(counts: SegmentCounts): string {
  const n = (v: number) => v.toLocaleString('en')
  const lines = [`${n(counts.total)} members (evaluated under ${counts.purpose}, ${counts.countedAt})`]
  for (const a of counts.audience) {
    const by = Object.entries(a.excludedBy ?? {})
      .map(([rule, count]) => `${rule} ${n(count ?? 0)}`)
      .join(', ')
    lines.push(
      `${counts.audiencePurpose} on ${a.channel}: ${n(a.permitted)} permitted, ${n(a.excluded)} excluded${by ? ` (${by})` : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

export function registerSegments(program: Command): void {
  const segments = program
    .command('segments')
    .description('segments: saved rule trees, their live counts and permitted audience (issue #16)')

  withDataDirOption(segments.command('list').description('the saved segments, one per line')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        const list = await runtime.services.segments.list()
        if (list.length === 0) {
          process.stdout.write('no segments\n')
          return
        }
        process.stdout.write(
          alignedColumns([
            ['ID', 'VERSION', 'PURPOSE', 'NAME'],
            ...list.map((s) => [s.id, String(s.version), s.purpose, s.name]),
          ]),
        )
      })
    },
  )

  withDataDirOption(
    segments.command('show <id>').description('a segment with its definition, as JSON (GET /segments/{id})'),
  ).action(async (id: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const segment: SegmentView = await runtime.services.segments.get(id)
      process.stdout.write(`${JSON.stringify(segment, null, 2)}\n`)
    })
  })

  withDataDirOption(
    segments
      .command('count <id>')
      .description("a segment's size and permitted audience per channel, computed now")
      .option('--purpose <key>', "the audience's purpose (default: the segment's)")
      .option('--channel <channel>', 'one channel of the purpose (default: each)')
      .option('--reasons', 'also count the excluded members by rule')
      .option('--json', 'print the counts as GET /api/v1/segments/{id}/count does'),
  ).action(
    async (
      id: string,
      options: { purpose?: string; channel?: string; reasons?: boolean; json?: boolean; dataDir?: string },
    ) => {
      await withRuntime(options, async (runtime) => {
        const counts = await runtime.services.segments.count({ actor: CLI_ACTOR }, id, {
          purpose: options.purpose,
          channel: options.channel,
          reasons: options.reasons ?? false,
        })
        process.stdout.write(options.json ? `${JSON.stringify(counts, null, 2)}\n` : countsText(counts))
      })
    },
  )

  withDataDirOption(
    segments
      .command('create')
      .description('save a new segment from a JSON file and print its id and counts')
      .requiredOption('--file <file>', 'JSON: name, purpose, rules (and a description)')
      .addHelpText('after', CREATE_HELP),
  ).action(async (options: { file: string; dataDir?: string }) => {
    const input = readJsonFile(options.file)
    const { SegmentInput } = await import('../modules/segments/segment.schemas.ts')
    await checkAgainstSchema(SegmentInput, input, options.file)
    if (typeof input !== 'object' || input === null) throw new ProblemError('validation', 'not an object')
    const body = input as { name: string; description?: string; purpose: string; rules: SegmentGroup }
    await withRuntime(options, async (runtime) => {
      const ctx = { actor: CLI_ACTOR }
      const segment = await runtime.services.segments.create(ctx, body, options.file)
      const counts = await runtime.services.segments.count(ctx, segment.id, {})
      process.stdout.write(`segment ${segment.id} saved (version ${segment.version})\n${countsText(counts)}`)
    })
  })
}
