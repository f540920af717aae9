import type { Command } from 'commander'
import { ProblemError } from '../platform/problem.ts'
import { withDataDirOption, withRuntime } from './shared.ts'

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API tokens')
  withDataDirOption(
    token
      .command('create')
      .description('create an API token for a user; prints the token alone on stdout')
      .requiredOption('--email <email>', 'the user the token belongs to')
      .requiredOption('--name <name>', 'what the token is for')
      .option('--role <role>', "the role the token acts in (default and upper bound: the user's role)"),
  ).action(async (options: { email: string; name: string; role?: string; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const user = await runtime.services.access.findUserByEmail(options.email)
      if (!user) throw new ProblemError('not-found', 'no user with this e-mail address')
      const { token: secret } = await runtime.services.access.createToken(
        { userId: user.id, role: user.role },
        options.name,
        options.role,
      )
      process.stdout.write(`${secret}\n`)
    })
  })
}
