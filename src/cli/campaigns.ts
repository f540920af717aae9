import type { Command } from 'commander'
import type { CampaignSummary, CampaignView } from '../modules/campaigns/campaign.service.ts'
import { ProblemError } from '../platform/problem.ts'
import type { AudienceCounts } from '../privacy/campaigns/campaign-ledger.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const CREATE_HELP = `
The file holds the campaign as POST /api/v1/campaigns takes it, e.g.:
  {
    "name": "Spring offers",
    "segmentId": "<a saved segment's id>",
    "defaultLang": "de",
    "channels": [ { "channel": "email", "purposeKey": "newsletter_email" } ],
    "cap": { "messages": 4, "days": 30 },
    "content": [
      { "channel": "email", "lang": "de", "subject": "Neu für {{firstName}}",
        "bodyText": "{{salutation}},\\nunsere Angebote.", "bodyHtml": "<p>{{salutation}}, …</p>" },
      { "channel": "email", "lang": "en", "subject": "New for {{firstName}}", "bodyText": "{{salutation}}, …" } ]
  }
Merge fields: firstName, lastName, salutation, street, postalCode, city, countryCode, country,
region — only those the channel's purpose uses. Checked as the API checks it: a bad field is named
by its path (content.1.bodyText). Audited as a configuration change.
`

const n = (v: number) => v.toLocaleString('en')

function audienceText(counts: AudienceCounts): string {
  const lines = [`${n(counts.segment.total)} members in the segment (${counts.countedAt})`]
  for (const c of counts.channels) {
    const by = Object.entries(c.excludedBy)
      .map(([rule, count]) => `${rule} ${n(count)}`)
      .join(', ')
    lines.push(
      `${c.channel} (${c.purposeKey}): ${n(c.audience)} to send — ${n(c.permitted)} permitted, ${n(c.suppressed)} suppressed, ${n(c.capped)} capped${by ? `; excluded: ${by}` : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

function summaryLine(c: CampaignSummary | CampaignView): string {
  return `campaign ${c.id} ${c.status} (version ${c.version}): ${c.name}`
}

function write(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text())
}

/** `tresor campaigns …` (issue #17). Returns the command so the channels' subcommands can join it. */
export function registerCampaigns(program: Command): Command {
  const campaigns = program
    .command('campaigns')
    .description('campaigns: segments reached on e-mail, SMS, post and phone, only the permitted (issue #17)')

  withDataDirOption(
    campaigns
      .command('list')
      .description('the campaigns, one per line')
      .option('--json', 'as GET /campaigns'),
  ).action(async (options: { dataDir?: string; json?: boolean }) => {
    await withRuntime(options, async (runtime) => {
      const list = await runtime.services.campaigns.list()
      write(options.json, { items: list }, () =>
        list.length === 0
          ? 'no campaigns\n'
          : alignedColumns([
              ['ID', 'STATUS', 'CHANNELS', 'AUDIENCE', 'SENT', 'NAME'],
              ...list.map((c) => [
                c.id,
                c.status,
                c.channels.map((x) => x.channel).join(','),
                String(c.counts.audience),
                String(c.counts.sent),
                c.name,
              ]),
            ]),
      )
    })
  })

  withDataDirOption(
    campaigns.command('show <id>').description('a campaign with its content, as JSON (GET /campaigns/{id})'),
  ).action(async (id: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      process.stdout.write(`${JSON.stringify(await runtime.services.campaigns.get(id), null, 2)}\n`)
    })
  })

  withDataDirOption(
    campaigns
      .command('create')
      .description('save a new campaign (draft) from a JSON file and print its id and live audience')
      .requiredOption('--file <file>', 'JSON as POST /api/v1/campaigns takes it')
      .option('--json', 'print the campaign as GET /campaigns/{id} does')
      .addHelpText('after', CREATE_HELP),
  ).action(async (options: { file: string; json?: boolean; dataDir?: string }) => {
    const input = readJsonFile(options.file)
    const { CampaignInput } = await import('../modules/campaigns/campaign.schemas.ts')
    await checkAgainstSchema(CampaignInput, input, options.file)
    if (typeof input !== 'object' || input === null) throw new ProblemError('validation', 'not an object')
    await withRuntime(options, async (runtime) => {
      const ctx = { actor: CLI_ACTOR }
      const campaign = await runtime.services.campaigns.create(ctx, input as never)
      if (options.json) {
        write(true, campaign, () => '')
        return
      }
      const audience = await runtime.services.campaigns.audience(ctx, campaign.id)
      process.stdout.write(`${summaryLine(campaign)}\n${audienceText(audience)}`)
    })
  })

  withDataDirOption(
    campaigns
      .command('audience <id>')
      .description("the campaign's audience now, per channel, with the excluded by reason")
      .option('--json', 'as GET /campaigns/{id}/audience'),
  ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const counts = await runtime.services.campaigns.audience({ actor: CLI_ACTOR }, id)
      write(options.json, counts, () => audienceText(counts))
    })
  })

  withDataDirOption(
    campaigns
      .command('preview <id>')
      .description('the content rendered (sample values, or a person read through the gate, audited)')
      .option('--channel <channel>', 'email, sms, post or phone', 'email')
      .option('--lang <lang>', 'de or en', 'de')
      .option('--subject-id <id>', 'a person whose values fill the merge fields')
      .option('--json', 'as POST /campaigns/{id}/preview'),
  ).action(
    async (
      id: string,
      options: { channel: string; lang: string; subjectId?: string; json?: boolean; dataDir?: string },
    ) => {
      await withRuntime(options, async (runtime) => {
        const preview = await runtime.services.campaigns.preview({ actor: CLI_ACTOR }, id, {
          channel: options.channel as 'email',
          lang: options.lang as 'de',
          subjectId: options.subjectId,
        })
        write(options.json, preview, () => `Subject: ${preview.subject}\n\n${preview.text}`)
      })
    },
  )

  withDataDirOption(
    campaigns
      .command('schedule <id>')
      .description('hand the send to the worker: at a time, or now (it starts within a minute)')
      .option('--at <iso>', 'when to start (ISO 8601); default now')
      .option('--json', 'print the campaign as JSON'),
  ).action(async (id: string, options: { at?: string; json?: boolean; dataDir?: string }) => {
    const at = options.at ? new Date(options.at) : undefined
    if (at && Number.isNaN(at.getTime()))
      throw new ProblemError('validation', '--at: is not a date-time (e.g. 2027-03-01T08:00:00Z)')
    await withRuntime(options, async (runtime) => {
      const campaign = await runtime.services.campaigns.schedule({ actor: CLI_ACTOR }, id, at)
      write(options.json, campaign, () => `${summaryLine(campaign)} at ${campaign.scheduledAt}\n`)
    })
  })

  for (const action of ['pause', 'resume', 'cancel'] as const)
    withDataDirOption(
      campaigns
        .command(`${action} <id>`)
        .description(`${action} the campaign (between batches)`)
        .option('--json', 'print the campaign as JSON'),
    ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        const campaign = await runtime.services.campaigns[action]({ actor: CLI_ACTOR }, id)
        write(options.json, campaign, () => `${summaryLine(campaign)}\n`)
      })
    })

  withDataDirOption(
    campaigns
      .command('send <id>')
      .description(
        'send the campaign now, in the foreground, with a progress bar (the embedded database without a worker); a draft is scheduled first',
      )
      .option('--json', 'print the run and the report as JSON at the end'),
  ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
    const { startProgress } = await import('./progress.ts')
    await withRuntime(options, async (runtime) => {
      const ctx = { actor: CLI_ACTOR }
      const current = await runtime.services.campaigns.get(id)
      if (current.status === 'draft' || current.status === 'scheduled')
        await runtime.services.campaigns.schedule(ctx, id)
      let progress: ReturnType<typeof startProgress> | undefined
      let shown = 0
      const run = await runtime.services.campaignSend.run(id, {
        onProgress: (done, total) => {
          progress ??= startProgress(`campaign ${id.slice(0, 8)}`, total)
          progress.tick(done - shown)
          shown = done
        },
      })
      progress?.done()
      const report = await runtime.services.campaigns.report(id)
      if (run.state === 'busy')
        process.stderr.write(
          'tresor: another process (the worker?) is sending this campaign; see `campaigns report`\n',
        )
      write(options.json, { run, report }, () => {
        const c = report.channels
          .map(
            (x) =>
              `${x.channel}: ${n(x.sent)} sent, ${n(x.failed)} failed, ${n(x.skipped)} skipped, ${n(x.queued)} queued`,
          )
          .join('\n')
        return `campaign ${id} ${report.status} (${run.state})\n${c}\n`
      })
      if (run.state === 'busy') process.exitCode = 75
    })
  })

  withDataDirOption(
    campaigns
      .command('report <id>')
      .description("the campaign's report: audience at send time, outcomes by reason, unsubscribes")
      .option('--json', 'as GET /campaigns/{id}/report'),
  ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const report = await runtime.services.campaigns.report(id)
      write(options.json, report, () => {
        const lines = [`campaign ${id} ${report.status}: audience ${n(report.audience)}`]
        for (const c of report.channels) {
          const ex = Object.entries(c.excludedBy)
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(', ')
          const sk = Object.entries(c.skippedBy)
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(', ')
          lines.push(
            `${c.channel} (${c.purposeKey}): audience ${n(c.audience)}${ex ? ` (excluded: ${ex})` : ''}; ${n(c.sent)} sent, ${n(c.delivered)} delivered, ${n(c.bounced)} bounced, ${n(c.failed)} failed, ${n(c.skipped)} skipped${sk ? ` (${sk})` : ''}, ${n(c.queued)} queued, ${n(c.unsubscribed)} unsubscribed`,
          )
        }
        return `${lines.join('\n')}\n`
      })
    })
  })

  return campaigns
}
