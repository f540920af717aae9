import { describe, expect, it } from 'vitest'
import { type CliResult, runTresor, tempDir } from '../support/cli.ts'

const dataDir = tempDir()

/** Runs the CLI on the one installation the tests of this file share, in order. */
function tresor(args: string[]): Promise<CliResult> {
  return runTresor([...args, '--data-dir', dataDir])
}

describe('tresor roles / user / token: access control at the command line', () => {
  it('lists the seeded roles with permissions and field categories', async () => {
    const res = await tresor(['roles', 'list'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('marketing (built-in)')
    expect(res.stdout).toMatch(/admin \(built-in\)\n.*\n {2}permissions: {6}.*roles:manage/)
  })

  it('defines and changes a role, and refuses unknown permissions with exit code 65', async () => {
    const added = await tresor([
      'roles',
      'add',
      'call-centre',
      '--permissions',
      'subjects:read, tokens:own',
      '--field-categories',
      'identity,contact',
      '--description',
      'Inbound calls',
    ])
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain('permissions:      subjects:read, tokens:own')
    const set = await tresor(['roles', 'set', 'call-centre', '--field-categories', 'contact'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('field categories: contact')
    const bad = await tresor([
      'roles',
      'add',
      'odd',
      '--permissions',
      'subjects:fly',
      '--field-categories',
      '',
    ])
    expect(bad.code).toBe(65)
    expect(bad.stderr).toContain('permissions: unknown: subjects:fly')
  })

  it('moves, disables and re-enables users, resets TOTP, and scopes tokens to a role', async () => {
    expect(
      (await tresor(['user', 'add', '--email', 'agent@example.com', '--role', 'call-centre'])).code,
    ).toBe(0)
    const moved = await tresor(['user', 'set-role', '--email', 'agent@example.com', '--role', 'service'])
    expect(moved.stdout).toBe('user agent@example.com now has role service\n')
    const token = await tresor([
      'token',
      'create',
      '--email',
      'agent@example.com',
      '--name',
      'x',
      '--role',
      'call-centre',
    ])
    expect(token.code, token.stderr).toBe(0)
    expect(token.stdout).toMatch(/^tresor_/)
    const wider = await tresor([
      'token',
      'create',
      '--email',
      'agent@example.com',
      '--name',
      'x',
      '--role',
      'dpo',
    ])
    expect(wider.code).toBe(65)
    const inUse = await tresor(['roles', 'delete', 'call-centre'])
    expect(inUse.code).toBe(65)
    expect(inUse.stderr).toContain('in use')

    expect((await tresor(['user', 'disable', '--email', 'agent@example.com'])).code).toBe(0)
    expect((await tresor(['user', 'list'])).stdout).toContain('agent@example.com\tservice\tdisabled\n')
    expect((await tresor(['user', 'enable', '--email', 'agent@example.com'])).code).toBe(0)
    expect((await tresor(['user', 'list'])).stdout).toContain('agent@example.com\tservice\n')
    const reset = await tresor(['user', 'totp-reset', '--email', 'agent@example.com'])
    expect(reset.code, reset.stderr).toBe(0)
    const ghost = await tresor(['user', 'disable', '--email', 'ghost@example.com'])
    expect(ghost.code).toBe(65)
    expect(ghost.stderr).not.toContain('ghost@example.com')
  }, 180_000) // a dozen CLI runs, each a cold start of Node and the embedded database
})
