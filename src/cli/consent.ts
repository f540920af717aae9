import type { Command } from 'commander'
import type { ConsentProofViewJson } from '../modules/consents/consent-proof.schemas.ts'
import { ProblemError } from '../platform/problem.ts'
import { isUuid } from '../platform/uuid.ts'
import type { ConsentBody, ObjectionBody } from '../privacy/permissions/permission.schemas.ts'
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
const who = (actor: { type: string; id: string; name?: string }) =>
  `${actor.type}:${actor.id}${actor.name ? ` (${actor.name})` : ''}`

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

/**
 * The body checked against the API's own schema: the same rules as `POST /subjects/{id}/consents`
 * and `/objections`, the first problem named by its option (exit 65).
 */
async function checked<T>(
  kind: 'consent' | 'objection',
  body: T,
  optionOf: Record<string, string>,
): Promise<T> {
  // Loaded here, not at start: `tresor --help` needs no schema.
  const [{ Value }, schemas] = await Promise.all([
    import('typebox/value'),
    import('../privacy/permissions/permission.schemas.ts'),
  ])
  const [first] = Value.Errors(kind === 'consent' ? schemas.ConsentBody : schemas.ObjectionBody, body)
  if (!first) return body
  const field = first.instancePath.split('/').filter(Boolean)
  const name = optionOf[field.at(-1) ?? ''] ?? field.join('.')
  const allowed = (first.params as { allowedValues?: unknown[] } | undefined)?.allowedValues
  const values = Array.isArray(allowed) ? `: ${allowed.join(', ')}` : ''
  throw new ProblemError('validation', `${name ? `${name}: ` : ''}${first.message}${values}`)
}

const CONSENT_OPTIONS: Record<string, string> = {
  purposeKey: '--purpose',
  channel: '--channel',
  kind: '--kind',
  source: '--source',
  textVersion: '--text-version',
  reference: '--reference',
  collectedAt: '--collected-at',
}

const RECORD_HELP = `
A consent or its withdrawal received outside Tresor — by phone, letter, in person or e-mail —
recorded with its proof (Art. 7(1)): the source, the consent text version read out or signed, and
a reference to where the evidence is kept (call note, scanned letter). The same rules as
POST /api/v1/subjects/{id}/consents; the CLI (system actor tresor-cli) is named as the recorder.

Examples:
  tresor consent record --subject ID --purpose phone_marketing --channel phone --kind granted \
    --source phone --text-version v1 --reference CALL-2026-0042
  tresor consent record --subject ID --purpose newsletter_email --channel email --kind withdrawn \
    --source letter --reference SCAN-2026-0117
`

const OBJECT_HELP = `
An objection (Art. 21) received by letter, phone, e-mail or in person: to all direct marketing
(--scope all_marketing, the do-not-contact flag), to one channel (--scope channel --channel phone)
or to one purpose (--scope purpose --purpose KEY); in force at once. --lift takes one back. The same
rules as POST /api/v1/subjects/{id}/objections.
`

export function registerConsent(program: Command): void {
  const consent = program
    .command('consent')
    .description(
      "a subject's consents: the proof of each (table, JSON, ISO/IEC TS 27560), and recording consents, withdrawals and objections received by phone or letter",
    )

  withDataDirOption(
    consent
      .command('record')
      .description('record a consent event (granted, withdrawn, …) received by phone, letter or in person')
      .requiredOption('--subject <id>', 'the subject id')
      .requiredOption('--purpose <key>', 'the purpose key')
      .requiredOption('--channel <channel>', 'email, sms, phone, post, web or none')
      .requiredOption('--kind <kind>', 'granted, withdrawn, requested, confirmed or expired')
      .requiredOption('--source <source>', 'how it reached us: phone, letter, in-person, email, …')
      .option('--text-version <version>', 'the consent text version read out or signed')
      .option('--reference <ref>', 'where the evidence is kept (call note, scanned letter)')
      .option('--collected-at <time>', 'when it was given, if before now (ISO 8601)')
      .addHelpText('after', RECORD_HELP),
  ).action(
    async (options: {
      subject: string
      purpose: string
      channel: string
      kind: string
      source: string
      textVersion?: string
      reference?: string
      collectedAt?: string
      dataDir?: string
    }) => {
      if (!isUuid(options.subject))
        throw new ProblemError('validation', '--subject: must be a subject id (UUID)')
      const body = await checked(
        'consent',
        {
          purposeKey: options.purpose,
          channel: options.channel,
          kind: options.kind,
          proof: {
            source: options.source,
            ...(options.textVersion ? { textVersion: options.textVersion } : {}),
            ...(options.reference ? { reference: options.reference } : {}),
            ...(options.collectedAt ? { collectedAt: options.collectedAt } : {}),
          },
        } as ConsentBody,
        CONSENT_OPTIONS,
      )
      await withRuntime(options, async (runtime) => {
        await runtime.services.consents.assertMayRead({ actor: CLI_ACTOR }, options.subject, 'permissions')
        const [state] = await runtime.services.permissions.recordConsent([
          { ...body, subjectId: options.subject, actor: CLI_ACTOR },
        ])
        process.stdout.write(
          `${body.purposeKey} on ${body.channel}: ${state?.status ?? body.kind} (recorded, source ${body.proof.source})\n`,
        )
      })
    },
  )

  withDataDirOption(
    consent
      .command('object')
      .description('record an objection (Art. 21) received by letter, phone or in person, or lift one')
      .requiredOption('--subject <id>', 'the subject id')
      .requiredOption('--scope <scope>', 'all_marketing, channel or purpose')
      .option('--channel <channel>', 'with --scope channel: email, sms, phone, post or web')
      .option('--purpose <key>', 'with --scope purpose: the purpose key')
      .requiredOption('--source <source>', 'how it reached us: letter, phone, in-person, email, …')
      .option('--reference <ref>', 'where the evidence is kept (scanned letter, call note)')
      .option('--lift', 'take the objection back instead of raising it')
      .addHelpText('after', OBJECT_HELP),
  ).action(
    async (options: {
      subject: string
      scope: string
      channel?: string
      purpose?: string
      source: string
      reference?: string
      lift?: boolean
      dataDir?: string
    }) => {
      if (!isUuid(options.subject))
        throw new ProblemError('validation', '--subject: must be a subject id (UUID)')
      const body = await checked(
        'objection',
        {
          scope: options.scope,
          ...(options.channel ? { channel: options.channel } : {}),
          ...(options.purpose ? { purposeKey: options.purpose } : {}),
          action: options.lift ? 'lifted' : 'raised',
          source: options.source,
          ...(options.reference ? { reference: options.reference } : {}),
        } as ObjectionBody,
        { ...CONSENT_OPTIONS, scope: '--scope', action: '--lift' },
      )
      await withRuntime(options, async (runtime) => {
        await runtime.services.consents.assertMayRead({ actor: CLI_ACTOR }, options.subject, 'permissions')
        await runtime.services.permissions.recordObjection([
          { ...body, action: body.action ?? 'raised', subjectId: options.subject, actor: CLI_ACTOR },
        ])
        const what =
          body.scope === 'all_marketing'
            ? 'all direct marketing'
            : `${body.scope} ${body.channel ?? body.purposeKey}`
        process.stdout.write(`objection to ${what}: ${body.action} (recorded, source ${body.source})\n`)
      })
    },
  )

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
