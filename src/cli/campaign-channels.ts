import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

/**
 * The campaign channels' subcommands of `tresor campaigns` (issue #17): the letter shop's print list,
 * the agents' call list, and bounce messages of a bounce mailbox export. The CLI acts as the system
 * in the admin role, audited like the API.
 */
export function registerCampaignChannels(campaigns: Command): void {
  withDataDirOption(
    campaigns
      .command('print-list <id>')
      .description(
        "write a post campaign's print list for its letter shop (a disclosure to it: the transfer is checked first, the disclosure recorded)",
      )
      .requiredOption('--out <file>', 'the file to write')
      .option('--format <format>', 'csv or xlsx (default: by the file name, else csv)'),
  ).action(async (id: string, options: { out: string; format?: string; dataDir?: string }) => {
    const format = options.format ?? (/\.xlsx$/i.test(options.out) ? 'xlsx' : 'csv')
    if (format !== 'csv' && format !== 'xlsx')
      throw new ProblemError('validation', '--format: must be csv or xlsx')
    await withRuntime(options, async (runtime) => {
      // Everything is checked (campaign, letter shop, transfer) before the file is created.
      const started = await runtime.services.campaignChannelOps.printLists.start(
        { actor: CLI_ACTOR },
        { campaignId: id, format },
      )
      const out = createWriteStream(options.out)
      const summary = await started.write(out)
      if (!out.writableFinished) await once(out, 'finish')
      const left = Object.entries(summary.leftOut > 0 ? summary.leftOutBy : {})
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ')
      process.stdout.write(
        `${summary.rows} addresses written to ${options.out} for ${started.recipient.name} (${started.recipient.country})` +
          `${summary.leftOut > 0 ? `; ${summary.leftOut} left out (${left})` : ''}; disclosure ${summary.disclosureId}\n`,
      )
    })
  })

  withDataDirOption(
    campaigns
      .command('call-list <id>')
      .description("a phone campaign's call list: names and numbers read through the gate now (audited)")
      .option('--json', 'print it as GET /campaigns/{id}/call-list does (all pages)'),
  ).action(async (id: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const calls = runtime.services.campaignChannelOps.calls
      const items = []
      const droppedBy: Record<string, number> = {}
      let after: string | undefined
      let scripts: { lang: string; title: string; text: string }[] = []
      for (;;) {
        const page = await calls.callList({ actor: CLI_ACTOR }, { campaignId: id, after, limit: 500 })
        items.push(...page.items)
        scripts = page.scripts
        for (const [rule, n] of Object.entries(page.droppedBy)) droppedBy[rule] = (droppedBy[rule] ?? 0) + n
        if (!page.nextCursor) break
        after = page.nextCursor
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ items, droppedBy, scripts }, null, 2)}\n`)
        return
      }
      if (items.length === 0) process.stdout.write('nobody on the call list\n')
      else
        process.stdout.write(
          alignedColumns([
            ['SUBJECT', 'NAME', 'PHONE', 'CALLS', 'LAST OUTCOME'],
            ...items.map((i) => [
              i.subjectId,
              [i.firstName, i.lastName].filter(Boolean).join(' '),
              i.phone ?? '',
              String(i.calls),
              i.lastOutcome ?? '',
            ]),
          ]),
        )
      const dropped = Object.entries(droppedBy)
      if (dropped.length > 0)
        process.stdout.write(
          `dropped (no longer permitted): ${dropped.map(([r, n]) => `${r} ${n}`).join(', ')}\n`,
        )
    })
  })

  withDataDirOption(
    campaigns
      .command('bounce <files...>')
      .description(
        'read bounce messages (DSN, RFC 3464, or ARF complaints; .eml files of a bounce mailbox export): a hard bounce suppresses the address',
      )
      .option('--json', 'print each outcome as JSON'),
  ).action(async (files: string[], options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const bounces = runtime.services.campaignChannelOps.bounces
      const results = []
      for (const file of files) {
        const raw = await readFile(file, 'utf8')
        try {
          const outcome = await bounces.fromMessage(raw, { in: 'file', field: file })
          results.push({ file, ...outcome })
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error
          results.push({ file, error: error.errors?.[0]?.reason ?? error.message })
          process.exitCode = 1
        }
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
        return
      }
      for (const r of results)
        process.stdout.write(
          'error' in r
            ? `${r.file}: not read: ${r.error}\n`
            : r.matched
              ? `${r.file}: ${r.kind} bounce (${r.statusCode}) of campaign ${r.campaignId} on ${r.channel}: ${r.status}${r.suppressed ? ', suppressed' : ''}\n`
              : `${r.file}: ${r.kind} bounce (${r.statusCode}) of no campaign message\n`,
        )
    })
  })
}
