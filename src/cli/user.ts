import type { Command } from 'commander'
import { ROLES } from '../modules/access/roles.ts'
import { readStdin, withDataDirOption, withRuntime } from './shared.ts'

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users')
  withDataDirOption(
    user
      .command('add')
      .description('add a user; the password is read from stdin, or generated and printed once')
      .requiredOption('--email <email>', 'login e-mail address')
      .requiredOption('--role <role>', `one of: ${ROLES.join(', ')}`)
      .option('--name <name>', 'display name'),
  ).action(async (options: { email: string; role: string; name?: string; dataDir?: string }) => {
    const typed = (await readStdin()).replace(/\r?\n$/, '')
    await withRuntime(options, async (runtime) => {
      const { user: created, generatedPassword } = await runtime.services.access.createUser({
        email: options.email,
        role: options.role,
        password: typed === '' ? undefined : typed,
        displayName: options.name ?? null,
      })
      process.stdout.write(`user ${created.email} added with role ${created.role}\n`)
      if (generatedPassword) process.stdout.write(`password (shown only now): ${generatedPassword}\n`)
    })
  })
  withDataDirOption(user.command('list').description('list users')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        for (const u of await runtime.services.access.listUsers()) {
          process.stdout.write(`${u.email}\t${u.role}${u.disabled ? '\tdisabled' : ''}\n`)
        }
      })
    },
  )
}
