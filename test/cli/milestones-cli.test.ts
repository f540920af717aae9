import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { runTresor, tempDir } from '../support/cli.ts'

describe('tresor milestones', () => {
  it('records a rejection, lists it, refuses a decision in the future, removes it', async () => {
    const env = { TRESOR_DATA_DIR: tempDir(), DATABASE_URL: '' }
    const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
    let id: string
    try {
      ;[id] = (await runtime.services.gate.collect({
        actor: { type: 'user', id: 'cli-test', role: 'admin' },
        subjects: [
          { kinds: ['applicant'], source: 'manual', attributes: {}, identifiers: { lastName: 'Kli' } },
        ],
      })) as [string]
    } finally {
      await runtime.close()
    }
    const add = await runTresor(
      ['milestones', 'add', id, '--kind', 'application_rejected', '--at', '2026-05-31'],
      {
        env,
      },
    )
    expect(add.code, add.stderr).toBe(0)
    expect(add.stdout).toMatch(
      /^Milestone [0-9a-f-]{36} \(application_rejected, 2026-05-31T00:00:00.000Z\) recorded/,
    )
    const list = await runTresor(['milestones', 'list', id, '--json'], { env })
    expect(list.code, list.stderr).toBe(0)
    const items = (JSON.parse(list.stdout) as { items: { id: string; kind: string }[] }).items
    expect(items.map((m) => m.kind)).toEqual(['application_rejected'])

    const future = await runTresor(
      ['milestones', 'add', id, '--kind', 'application_accepted', '--at', '2099-01-01'],
      {
        env,
      },
    )
    expect(future.code).not.toBe(0)
    expect(future.stderr).toMatch(/occurredAt.*future/)

    const removed = await runTresor(['milestones', 'remove', id, items[0]?.id as string], { env })
    expect(removed.code, removed.stderr).toBe(0)
    expect((await runTresor(['milestones', 'list', id], { env })).stdout).toBe('no milestones recorded\n')
  }, 240_000)
})
