import type { Command } from 'commander'
import type { ChangedBy, RoleDefinition } from '../modules/access/role.service.ts'
import { PERMISSIONS } from '../modules/access/roles.ts'
import { FIELD_CATEGORIES } from '../privacy/fields/field-catalog.ts'
import { withDataDirOption, withRuntime } from './shared.ts'

/** Changes made at the command line: the operator of the installation, recorded as such in the audit trail. */
export const CLI_OPERATOR: ChangedBy = { actor: { type: 'system', id: 'cli' } }

/** `a,b, c` -> ['a', 'b', 'c']; an empty string is the empty list. */
const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)

const show = (role: RoleDefinition): string =>
  [
    `${role.name}${role.builtin ? ' (built-in)' : ''}`,
    `  ${role.description}`,
    `  permissions:      ${role.permissions.join(', ') || '-'}`,
    `  field categories: ${role.fieldCategories.join(', ') || '-'}`,
  ].join('\n')

export function registerRoles(program: Command): void {
  const roles = program
    .command('roles')
    .description('list and define roles (permissions and field categories)')
  withDataDirOption(roles.command('list').description('list the roles')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        process.stdout.write(`${(await runtime.services.roles.list()).map(show).join('\n')}\n`)
      })
    },
  )
  withDataDirOption(
    roles
      .command('add <name>')
      .description('define a role')
      .requiredOption('--permissions <list>', `comma-separated, of: ${PERMISSIONS.join(', ')}`)
      .requiredOption('--field-categories <list>', `comma-separated, of: ${FIELD_CATEGORIES.join(', ')}`)
      .option('--description <text>', 'what the role is for'),
  ).action(
    async (
      name: string,
      options: { permissions: string; fieldCategories: string; description?: string; dataDir?: string },
    ) => {
      await withRuntime(options, async (runtime) => {
        const role = await runtime.services.roles.create(
          {
            name,
            description: options.description,
            permissions: list(options.permissions),
            fieldCategories: list(options.fieldCategories),
          },
          CLI_OPERATOR,
        )
        process.stdout.write(`${show(role)}\n`)
      })
    },
  )
  withDataDirOption(
    roles
      .command('set <name>')
      .description("change a role's permissions, field categories or description (applies at once)")
      .option('--permissions <list>', 'comma-separated; replaces the current ones')
      .option('--field-categories <list>', 'comma-separated; replaces the current ones')
      .option('--description <text>', 'what the role is for'),
  ).action(
    async (
      name: string,
      options: { permissions?: string; fieldCategories?: string; description?: string; dataDir?: string },
    ) => {
      await withRuntime(options, async (runtime) => {
        const role = await runtime.services.roles.update(
          name,
          {
            description: options.description,
            permissions: options.permissions === undefined ? undefined : list(options.permissions),
            fieldCategories:
              options.fieldCategories === undefined ? undefined : list(options.fieldCategories),
          },
          CLI_OPERATOR,
        )
        process.stdout.write(`${show(role)}\n`)
      })
    },
  )
  withDataDirOption(
    roles.command('delete <name>').description('delete a role you defined that nobody uses'),
  ).action(async (name: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      await runtime.services.roles.delete(name, CLI_OPERATOR)
      process.stdout.write(`role ${name} deleted\n`)
    })
  })
}
