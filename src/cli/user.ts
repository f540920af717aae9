import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import type { Runtime } from '../runtime.ts'
import { CLI_OPERATOR } from './roles.ts'
import { readStdin, withDataDirOption, withRuntime } from './shared.ts'

async function userByEmail(runtime: Runtime, email: string) {
  const user = await runtime.services.access.findUserByEmail(email)
  if (!user) throw new ProblemError('not-found', 'no user with this e-mail address')
  return user
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users')
  withDataDirOption(
    user
      .command('add')
      .description('add a user; the password is read from stdin, or generated and printed once')
      .requiredOption('--email <email>', 'login e-mail address')
      .requiredOption('--role <role>', 'a role from `tresor roles list` (e.g. admin, dpo, sales)')
      .option('--name <name>', 'display name'),
  ).action(async (options: { email: string; role: string; name?: string; dataDir?: string }) => {
    const typed = (await readStdin()).replace(/\r?\n$/, '')
    await withRuntime(options, async (runtime) => {
      const { user: created, generatedPassword } = await runtime.services.access.createUser(
        {
          email: options.email,
          role: options.role,
          password: typed === '' ? undefined : typed,
          displayName: options.name ?? null,
        },
        CLI_OPERATOR,
      )
      process.stdout.write(`user ${created.email} added with role ${created.role}\n`)
      if (generatedPassword) process.stdout.write(`password (shown only now): ${generatedPassword}\n`)
    })
  })
  withDataDirOption(user.command('list').description('list users')).action(
    async (options: { dataDir?: string }) => {
      await withRuntime(options, async (runtime) => {
        for (const u of await runtime.services.access.listUsers()) {
          const flags = [...(u.disabled ? ['disabled'] : []), ...(u.totpEnabled ? ['totp'] : [])]
          process.stdout.write(`${u.email}\t${u.role}${flags.map((f) => `\t${f}`).join('')}\n`)
        }
      })
    },
  )
  withDataDirOption(
    user
      .command('disable')
      .description('lock a user out at once: their sessions end, their API tokens stop working')
      .requiredOption('--email <email>', 'the user'),
  ).action(async (options: { email: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const found = await userByEmail(runtime, options.email)
      await runtime.services.access.updateUser(found.id, { disabled: true }, CLI_OPERATOR)
      process.stdout.write(`user ${found.email} disabled\n`)
    })
  })
  withDataDirOption(
    user
      .command('enable')
      .description('let a disabled user sign in again')
      .requiredOption('--email <email>', 'the user'),
  ).action(async (options: { email: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const found = await userByEmail(runtime, options.email)
      await runtime.services.access.updateUser(found.id, { disabled: false }, CLI_OPERATOR)
      process.stdout.write(`user ${found.email} enabled\n`)
    })
  })
  withDataDirOption(
    user
      .command('set-role')
      .description("change a user's role; their sessions end")
      .requiredOption('--email <email>', 'the user')
      .requiredOption('--role <role>', 'a role from `tresor roles list`'),
  ).action(async (options: { email: string; role: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const found = await userByEmail(runtime, options.email)
      const updated = await runtime.services.access.updateUser(found.id, { role: options.role }, CLI_OPERATOR)
      process.stdout.write(`user ${updated.email} now has role ${updated.role}\n`)
    })
  })
  withDataDirOption(
    user
      .command('totp-reset')
      .description('turn off the second factor (TOTP) of a user who lost their authenticator')
      .requiredOption('--email <email>', 'the user'),
  ).action(async (options: { email: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const found = await userByEmail(runtime, options.email)
      await runtime.services.access.resetTotp(found.id, CLI_OPERATOR)
      process.stdout.write(
        `TOTP of ${found.email} reset; they sign in with their password and can set it up again\n`,
      )
    })
  })
}
