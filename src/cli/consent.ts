import type { Command } from 'commander'
import type { ConsentProofViewJson } from '../modules/consents/consent-proof.schemas.ts'
import { isUuid } from '../platform/uuid.ts'
import { ProblemError } from '../server/problem.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const FORMATS = ['table', 'json', '27560'] as const
type Format = (typeof FORMATS)[number]

const PROOF_HELP = `
What it prints:
  The subject's consents as proof (Art. 7(1)): the state per purpose and channel, every consent
  event with its proof (text version shown, form or source, reference to evidence kept elsewhere,
  double opt-in data, who recorded it) and what the proof lacks, the objections (do not contact:
  an objection to all direct marketing), and until when the proof must be kept (§ 7a UWG).
  --format json gives what GET /api/v1/subjects/{id}/consents gives; --format 27560 gives ISO/IEC
  TS 27560 consent records in JSON-LD with W3C DPV terms (GET /api/v1/subjects/{id}/consent-records).

The look is audited: the audit trail names the CLI (system actor tresor-cli) as the reader.
`

/** Rows as columns padded to the widest cell; the last column is not padded. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return ['  (none)']
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all.map(
    (row) =>
      `  ${row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd()}`,
  )
}

const when = (iso: string | null | undefined) => (iso ? iso.replace('.000Z', 'Z') : '-')
const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : '-')
const who = (actor: { type: string; id: string }) => `${actor.type}:${actor.id}`

/** The consent proof for a person at the terminal. */
export function proofText(view: ConsentProofViewJson): string {
  const dnc = view.objections.find((o) => o.scope === 'all_marketing')
  const lines = [
    `Consent proof of subject ${view.subjectId}${view.erased ? ' (erased, Art. 17)' : ''}`,
    dnc
      ? `Do not contact: YES — objection to all direct marketing since ${when(dnc.raisedAt)} (${dnc.source})`
      : 'Do not contact: no (no objection to all direct marketing in force)',
    '',
    'Consents (purpose × channel):',
    ...table(
      ['PURPOSE', 'CHANNEL', 'STATUS', 'SINCE', 'EXPIRES', 'COUNTS NOW'],
      view.consents.map((c) => [
        c.purposeKey,
        c.channel,
        c.status,
        when(c.since),
        when(c.expiresAt),
        c.counts ? 'yes' : `no (${c.rule})`,
      ]),
    ),
    '',
    'Consent events with their proof (oldest first):',
    ...table(
      [
        'TIME',
        'PURPOSE',
        'CHANNEL',
        'EVENT',
        'SOURCE',
        'TEXT',
        'FORM',
        'REFERENCE',
        'DOI',
        'RECORDED BY',
        'GAPS',
      ],
      view.events.map((e) => {
        const doi = e.proof.doi as Record<string, unknown> | undefined
        return [
          when(e.at),
          `${e.purposeKey} v${e.purposeVersion}`,
          e.channel,
          e.kind,
          str(e.source),
          str(e.proof.textVersion),
          str(e.proof.formKey),
          str(e.proof.reference),
          doi ? `confirmed ${when(str(doi.confirmedAt))}${doi.ip ? ` from ${str(doi.ip)}` : ''}` : '-',
          who(e.recordedBy),
          e.gaps.length ? e.gaps.join('; ') : '-',
        ]
      }),
    ),
    '',
    'Objections raised and lifted (Art. 21):',
    ...table(
      ['TIME', 'ACTION', 'SCOPE', 'TARGET', 'SOURCE', 'RECORDED BY'],
      view.objectionEvents.map((o) => [
        when(o.at),
        o.action,
        o.scope,
        o.purposeKey ?? o.channel ?? 'all direct marketing',
        o.source,
        who(o.recordedBy),
      ]),
    ),
    '',
    'Proof the law says to keep:',
    ...table(
      ['PURPOSE', 'CHANNEL', 'LAST GIVEN', 'LAST USED', 'KEEP UNTIL', 'LAW'],
      view.proofRetention.map((r) => [
        r.purposeKey,
        r.channel,
        when(r.lastGivenAt),
        when(r.lastUsedAt),
        when(r.keepUntil),
        `${r.law} (${r.period})`,
      ]),
    ),
  ]
  return `${lines.join('\n')}\n`
}

export function registerConsent(program: Command): void {
  const consent = program
    .command('consent')
    .description("a subject's consents: the proof of each, as a table, JSON or ISO/IEC TS 27560 records")

  withDataDirOption(
    consent
      .command('proof')
      .description('print the state and the full proof history of a subject’s consents (audited)')
      .requiredOption('--subject <id>', 'the subject id')
      .option('--format <format>', `${FORMATS.join(', ')} (default: table)`)
      .option('--json', 'the same as --format json')
      .addHelpText('after', PROOF_HELP),
  ).action(async (options: { subject: string; format?: string; json?: boolean; dataDir?: string }) => {
    const format = (options.format ?? (options.json ? 'json' : 'table')) as Format
    if (!FORMATS.includes(format))
      throw new ProblemError('validation', `--format: must be one of ${FORMATS.join(', ')}`)
    if (!isUuid(options.subject))
      throw new ProblemError('validation', '--subject: must be a subject id (UUID)')
    await withRuntime(options, async (runtime) => {
      const ctx = { actor: CLI_ACTOR }
      const { consents } = runtime.services
      if (format === '27560') {
        const records = await consents.records27560(ctx, options.subject)
        process.stdout.write(`${JSON.stringify(records, null, 2)}\n`)
        return
      }
      const view = await consents.view(ctx, options.subject)
      process.stdout.write(format === 'json' ? `${JSON.stringify(view, null, 2)}\n` : proofText(view))
    })
  })
}
