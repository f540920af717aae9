import type { Command } from 'commander'
import { withDataDirOption, withRuntime } from './shared.ts'

export function registerFields(program: Command): void {
  const fields = program.command('fields').description('the field catalog: identifiers and attributes')
  withDataDirOption(
    fields
      .command('list')
      .description('list the fields with category, type and purposes')
      .option('--json', 'as JSON'),
  ).action(async (options: { dataDir?: string; json?: boolean }) => {
    await withRuntime(options, async (runtime) => {
      const list = await runtime.services.fields.list()
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
        return
      }
      for (const f of list)
        process.stdout.write(
          `${f.key.padEnd(24)} ${f.category.padEnd(18)} ${(f.identifier ? 'identifier' : f.dataType).padEnd(11)}${f.special ? ` Art. 9 (${f.special})` : ''}${f.purposes.length ? ` purposes: ${f.purposes.join(', ')}` : ''}\n`,
        )
    })
  })
}
