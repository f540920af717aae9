import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import type { AuditActor } from '../privacy/audit/audit-record.ts'
import type { CreatePurposeBody, UpdatePurposeBody } from '../privacy/purposes/purpose.schemas.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, withDataDirOption, withRuntime } from './shared.ts'

/** The CLI acts as the operator at the machine; the audit trail says so. */
const CLI_ACTOR: AuditActor = { type: 'system', id: 'tresor-cli' }

/** The API's schema for creating or changing a purpose, loaded when a file is checked. */
async function check(kind: 'create' | 'update', value: unknown, file: string): Promise<void> {
  const schemas = await import('../privacy/purposes/purpose.schemas.ts')
  await checkAgainstSchema(
    kind === 'create' ? schemas.CreatePurposeBody : schemas.UpdatePurposeBody,
    value,
    file,
  )
}

export function registerPurposes(program: Command): void {
  const purposes = program
    .command('purposes')
    .description('the purpose registry: legal bases, channels, consent and retention')

  withDataDirOption(purposes.command('list').description('list the purposes, one per line')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        const rows = (await runtime.services.purposes.list()).map((p) => [
          p.key,
          p.legalBasis,
          p.channels.join(','),
          p.doubleOptIn ? 'double-opt-in' : '-',
          p.directMarketing ? 'direct-marketing' : '-',
          // § 7(3) UWG: e-mail/SMS only to own customers.
          p.existingCustomers ? 'existing-customers' : '-',
          // Who may act under it (the admin role always may).
          `roles:${p.scope.roles.join(',') || '-'}`,
          `v${p.version}`,
          p.name.en,
        ])
        process.stdout.write(alignedColumns(rows))
      })
    },
  )

  withDataDirOption(
    purposes
      .command('show')
      .description(
        'print one purpose as JSON, with its scope: the roles that may act under it, the subject kinds it reaches, a record it requires, the field categories it uses and its Art. 18(2) exception',
      )
      .argument('<key>', 'purpose key'),
  ).action(async (key: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      process.stdout.write(`${JSON.stringify(await runtime.services.purposes.get(key), null, 2)}\n`)
    })
  })

  withDataDirOption(
    purposes
      .command('set')
      .description(
        'create a purpose from a JSON file, or change the properties the file names (as PATCH /api/v1/purposes/{key}); audited',
      )
      .argument('<key>', 'purpose key')
      .requiredOption(
        '--file <file>',
        'JSON with the purpose (as `purposes show` prints it) or the properties to change',
      ),
  ).action(async (key: string, options: { file: string; dataDir?: string }) => {
    const input = readJsonFile(options.file)
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ProblemError('validation', `${options.file}: must hold a JSON object`)
    // What `purposes show` prints may be fed back: the registry's own fields are not input.
    const {
      key: fileKey,
      version: _v,
      createdAt: _c,
      updatedAt: _u,
      ...properties
    } = input as Record<string, unknown>
    if (fileKey !== undefined && fileKey !== key)
      throw new ProblemError(
        'validation',
        `${options.file}: names the purpose ${String(fileKey)}, not ${key}`,
      )
    await withRuntime(options, async (runtime) => {
      const existing = await runtime.services.purposes.find(key)
      if (existing) {
        await check('update', properties, options.file)
        const updated = await runtime.services.purposes.update(key, properties as UpdatePurposeBody, {
          actor: CLI_ACTOR,
        })
        process.stdout.write(
          updated.version === existing.version
            ? `purpose ${key} unchanged (version ${updated.version})\n`
            : `purpose ${key} changed to version ${updated.version}\n`,
        )
      } else {
        const body = { key, ...properties }
        await check('create', body, options.file)
        const created = await runtime.services.purposes.create(body as CreatePurposeBody, {
          actor: CLI_ACTOR,
        })
        process.stdout.write(`purpose ${created.key} created\n`)
      }
    })
  })

  withDataDirOption(
    purposes
      .command('audience')
      .description(
        'how many subjects the purpose may use now on a channel (consent, objections, restriction, erasure)',
      )
      .argument('<key>', 'purpose key')
      .option('--channel <channel>', 'email, sms, phone, post, web or none; default: the purpose’s only one'),
  ).action(async (key: string, options: { channel?: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const count = await runtime.services.permissions.countAudience({
        purposeKey: key,
        channel: options.channel,
      })
      process.stdout.write(`${count}\n`)
    })
  })
}
