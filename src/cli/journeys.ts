import type { Command } from 'commander'
import type { JourneyInput, JourneyStatsView, JourneyView } from '../modules/journeys/journey.service.ts'
import { ProblemError } from '../platform/problem.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const CREATE_HELP = `
The file holds the journey as POST /api/v1/journeys takes it, e.g. a welcome after a double opt-in:
  {
    "name": "Welcome",
    "trigger": { "kind": "doi-confirmed", "purposeKey": "newsletter_email" },
    "defaultLang": "de",
    "steps": [
      { "type": "send", "channel": "email", "purposeKey": "newsletter_email",
        "content": { "de": { "subject": "Willkommen, {{firstName}}!", "text": "Schön, dass Sie da sind." },
                     "en": { "subject": "Welcome, {{firstName}}!", "text": "Glad to have you." } } },
      { "type": "wait", "minutes": 4320 },
      { "type": "send", "channel": "email", "purposeKey": "newsletter_email",
        "content": { "de": { "subject": "Unsere Tipps", "text": "…" } } } ]
  }
Triggers: doi-confirmed {purposeKey}, p-alive-below {threshold, e.g. 0.3}, order-abandoned {hours}.
Saved as a draft: activate it with \`tresor journeys activate <id>\`. Audited.
`

/** A journey's counts per step for a person at the terminal. */
export function statsText(journey: JourneyView, stats: JourneyStatsView): string {
  const by = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ')
  const lines = [
    `${journey.name} (${journey.status}, version ${journey.version}): ${stats.enrolled} entered, ${stats.active} active, ${stats.completed} completed${Object.keys(stats.stopped).length ? `, stopped: ${by(stats.stopped)}` : ''}`,
  ]
  const rows = [['STEP', 'TYPE', 'ENTERED', 'WAITING', 'SENT', 'REFUSED', 'FAILED']]
  for (const s of stats.steps)
    rows.push([
      String(s.index + 1),
      s.type,
      String(s.entered),
      String(s.waiting),
      s.type === 'send' ? String(s.sent) : '',
      by(s.refused),
      by(s.failed),
    ])
  return `${lines.join('\n')}\n${alignedColumns(rows)}`
}

export function registerJourneys(program: Command): void {
  const journeys = program
    .command('journeys')
    .description(
      'journeys: triggered marketing automation — welcome, reactivation, abandoned-order reminder (issue #17)',
    )

  withDataDirOption(journeys.command('list').description('the journeys, one per line')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        const list = await runtime.services.journeys.list()
        if (list.length === 0) {
          process.stdout.write('no journeys\n')
          return
        }
        process.stdout.write(
          alignedColumns([
            ['ID', 'STATUS', 'VERSION', 'TRIGGER', 'NAME'],
            ...list.map((j) => [j.id, j.status, String(j.version), j.trigger.kind, j.name]),
          ]),
        )
      })
    },
  )

  withDataDirOption(
    journeys
      .command('show <id>')
      .description('a journey as JSON (GET /journeys/{id}) and its counts per step')
      .option('--json', 'only the journey, as JSON'),
  ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const journey = await runtime.services.journeys.get(id)
      process.stdout.write(`${JSON.stringify(journey, null, 2)}\n`)
      if (!options.json) process.stdout.write(statsText(journey, await runtime.services.journeys.stats(id)))
    })
  })

  withDataDirOption(
    journeys
      .command('create')
      .description('save a new journey (a draft) from a JSON file and print its id')
      .requiredOption('--file <file>', 'JSON: name, trigger, steps (and description, defaultLang)')
      .addHelpText('after', CREATE_HELP),
  ).action(async (options: { file: string; dataDir?: string }) => {
    const input = readJsonFile(options.file)
    const { JourneyInput: schema } = await import('../modules/journeys/journey.schemas.ts')
    await checkAgainstSchema(schema, input, options.file)
    if (typeof input !== 'object' || input === null) throw new ProblemError('validation', 'not an object')
    await withRuntime(options, async (runtime) => {
      const journey = await runtime.services.journeys.create({ actor: CLI_ACTOR }, input as JourneyInput)
      process.stdout.write(`journey ${journey.id} saved as a draft (version ${journey.version})\n`)
    })
  })

  for (const [verb, what] of [
    ['activate', 'start (or resume) a journey: its trigger enrols from now on'],
    ['pause', 'pause a journey: nobody enters or moves on'],
  ] as const)
    withDataDirOption(journeys.command(`${verb} <id>`).description(what)).action(
      async (id: string, options: { dataDir?: string }) => {
        await withRuntime(options, async (runtime) => {
          const journey = await runtime.services.journeys[verb]({ actor: CLI_ACTOR }, id)
          process.stdout.write(`journey ${journey.id} is ${journey.status}\n`)
        })
      },
    )

  withDataDirOption(
    journeys
      .command('tick')
      .description('run job journeys.tick once now: enrol the triggered, move due enrolments on, send'),
  ).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const r = await runtime.services.journeys.tick()
      process.stdout.write(
        `${r.entered} entered, ${r.sent} sent, ${r.stopped} stopped, ${r.completed} completed, ${r.retried} to retry${r.errors ? `, ${r.errors} failed (retried later)` : ''}\n`,
      )
    })
  })
}
