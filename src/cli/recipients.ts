import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import type { AuditActor } from '../privacy/audit/audit-record.ts'
import type { RecipientWithVerdict } from '../privacy/recipients/recipient.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, withDataDirOption, withRuntime } from './shared.ts'

/** The CLI acts as the operator at the machine; the audit trail says so. */
const CLI_ACTOR: AuditActor = { type: 'system', id: 'tresor-cli' }

/** The API's schemas for a recipient, loaded when input is checked. */
const recipientSchema = async (kind: 'create' | 'update') => {
  const schemas = await import('../modules/recipients/recipient.schemas.ts')
  return kind === 'create' ? schemas.CreateRecipientBody : schemas.UpdateRecipientBody
}

interface DefinitionOptions {
  file?: string
  name?: string
  role?: string
  country?: string
  mechanism?: string
  contractDate?: string
  dpfCertifiedOn?: string
  sccModule?: string
  sccDate?: string
  bcrReference?: string
  derogationPoint?: string
  derogationReason?: string
  purposes?: string
  categories?: string
  note?: string
  dataDir?: string
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)

/** The body the options (or the file) give, as the API takes it; `none` clears a date or reference. */
function bodyOf(options: DefinitionOptions): Record<string, unknown> {
  if (options.file) return readJsonFile(options.file) as Record<string, unknown>
  const cleared = (v: string | undefined) => (v === undefined ? undefined : v === 'none' ? null : v)
  const body: Record<string, unknown> = {
    name: options.name,
    role: options.role,
    country: options.country?.toUpperCase(),
    mechanism: options.mechanism,
    contractDate: cleared(options.contractDate),
    dpfCertifiedOn: cleared(options.dpfCertifiedOn),
    sccModule:
      options.sccModule === undefined
        ? undefined
        : options.sccModule === 'none'
          ? null
          : Number(options.sccModule),
    sccDate: cleared(options.sccDate),
    bcrReference: cleared(options.bcrReference),
    derogation:
      options.derogationPoint === 'none'
        ? null
        : options.derogationPoint !== undefined || options.derogationReason !== undefined
          ? { point: options.derogationPoint, reason: options.derogationReason }
          : undefined,
    purposes: options.purposes === undefined ? undefined : list(options.purposes),
    fieldCategories: options.categories === undefined ? undefined : list(options.categories),
    note: cleared(options.note),
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined))
}

function withDefinitionOptions(command: Command): Command {
  return command
    .option('--file <file>', 'the recipient as JSON, as the API takes it (instead of the options below)')
    .option('--name <name>', 'the recipient as the contract names it')
    .option('--role <role>', 'processor, controller, joint_controller or authority')
    .option('--country <code>', 'ISO 3166-1 alpha-2 code of where the data is processed')
    .option('--mechanism <m>', 'eea, adequacy, scc, bcr, derogation_49 or none')
    .option(
      '--contract-date <date>',
      'Art. 28(3) contract / Art. 26 arrangement signed on (YYYY-MM-DD; none clears)',
    )
    .option(
      '--dpf-certified-on <date>',
      'EU-US Data Privacy Framework certification confirmed on (YYYY-MM-DD)',
    )
    .option('--scc-module <n>', 'SCC module 1-4 of (EU) 2021/914')
    .option('--scc-date <date>', 'SCC signed on (YYYY-MM-DD)')
    .option('--bcr-reference <ref>', "BCR: the approving authority's reference")
    .option('--derogation-point <p>', 'Art. 49(1): a-g or compelling_interests')
    .option('--derogation-reason <text>', 'why the Art. 49 derogation applies')
    .option('--purposes <keys>', 'comma-separated purposes it receives data for')
    .option('--categories <list>', 'comma-separated field categories it receives')
    .option('--note <text>', 'for the DPO: contact, contract reference')
}

/** One line per recipient: what the verdict is and, if unlawful, which properties it misses. */
export function recipientsText(items: readonly RecipientWithVerdict[]): string {
  const rows = [
    ['id', 'name', 'role', 'country', 'mechanism', 'transfer', 'purposes', 'categories'],
    ...items.map((r) => [
      r.id,
      r.name,
      r.role,
      r.country,
      r.mechanism,
      r.verdict.lawful ? 'lawful' : `refused (missing ${r.verdict.missing.map((m) => m.field).join(', ')})`,
      r.purposes.join(',') || '-',
      r.fieldCategories.join(',') || '-',
    ]),
  ]
  return alignedColumns(rows)
}

export function registerRecipients(program: Command): void {
  const recipients = program
    .command('recipients')
    .description('recipients of personal data (Art. 28, 44-49): transfer mechanism, purposes, categories')

  withDataDirOption(
    recipients
      .command('list')
      .description('every recipient with its country, mechanism and whether a transfer to it is lawful today')
      .option('--json', 'as JSON, with the verdicts'),
  ).action(async (options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const items = await runtime.services.recipients.list()
      process.stdout.write(options.json ? `${JSON.stringify(items, null, 2)}\n` : recipientsText(items))
    })
  })

  withDataDirOption(
    recipients
      .command('show <id>')
      .description("one recipient as JSON, with today's verdict and what is missing"),
  ).action(async (id: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      process.stdout.write(
        `${JSON.stringify(await runtime.services.recipients.get(id.toLowerCase()), null, 2)}\n`,
      )
    })
  })

  withDataDirOption(
    withDefinitionOptions(
      recipients.command('add').description('add a recipient (audited); prints it with its verdict as JSON'),
    ),
  ).action(async (options: DefinitionOptions) => {
    const body = bodyOf(options)
    await checkAgainstSchema(await recipientSchema('create'), body, options.file ?? 'options')
    await withRuntime(options, async (runtime) => {
      const created = await runtime.services.recipients.create(body as never, { actor: CLI_ACTOR })
      process.stdout.write(`${JSON.stringify(created, null, 2)}\n`)
    })
  })

  withDataDirOption(
    withDefinitionOptions(
      recipients
        .command('set <id>')
        .description(
          'change a recipient: the given properties, each replaced whole (audited; bumps the version)',
        ),
    ),
  ).action(async (id: string, options: DefinitionOptions) => {
    const body = bodyOf(options)
    if (Object.keys(body).length === 0)
      throw new ProblemError('validation', 'nothing to change: give --file or at least one property option')
    await checkAgainstSchema(await recipientSchema('update'), body, options.file ?? 'options')
    await withRuntime(options, async (runtime) => {
      const updated = await runtime.services.recipients.update(id.toLowerCase(), body as never, {
        actor: CLI_ACTOR,
      })
      process.stdout.write(`${JSON.stringify(updated, null, 2)}\n`)
    })
  })

  withDataDirOption(
    recipients
      .command('retire <id>')
      .description('the recipient receives nothing more; its disclosures stay answerable (audited)'),
  ).action(async (id: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const retired = await runtime.services.recipients.retire(id.toLowerCase(), { actor: CLI_ACTOR })
      process.stdout.write(`${retired.id} retired at ${retired.retiredAt?.toISOString()}\n`)
    })
  })

  withDataDirOption(
    recipients
      .command('adequacy')
      .description("the Commission's adequacy decisions (Art. 45) the transfer check relies on")
      .option(
        '--until <country=date>',
        'record the day a decision stops carrying transfers (date or none), e.g. GB=2031-12-27',
      ),
  ).action(async (options: { until?: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      if (options.until) {
        const match = /^([A-Z]{2})=(\d{4}-\d{2}-\d{2}|none)$/.exec(
          options.until.toUpperCase().replace('NONE', 'none'),
        )
        if (!match)
          throw new ProblemError('validation', '--until: expected COUNTRY=YYYY-MM-DD or COUNTRY=none')
        const country = match[1] as string
        const date = match[2] as string
        await runtime.services.recipients.setDecisionValidUntil(country, date === 'none' ? null : date, {
          actor: CLI_ACTOR,
        })
      }
      const rows = [
        ['country', 'decision', 'adopted', 'scope', 'valid until', 'name'],
        ...(await runtime.services.recipients.decisions()).map((d) => [
          d.country,
          d.decision,
          d.adoptedOn,
          d.scope,
          d.validUntil ?? '-',
          d.name.en,
        ]),
      ]
      process.stdout.write(alignedColumns(rows))
    })
  })
}
