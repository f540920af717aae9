import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTresor, tempDir } from '../support/cli.ts'

/** `tresor journeys` on the embedded database: create from a file, list, activate, tick, show, pause. */
describe('tresor journeys', () => {
  it('creates a journey from a file, activates it, ticks, shows its counts and pauses it; names a bad field', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const file = path.join(dataDir, 'journey.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Welcome',
        trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
        steps: [
          {
            type: 'send',
            channel: 'email',
            purposeKey: 'newsletter_email',
            content: { de: { subject: 'Willkommen, {{firstName}}!', text: 'Schön, dass Sie da sind.' } },
          },
          { type: 'wait', minutes: 4320 },
          {
            type: 'send',
            channel: 'email',
            purposeKey: 'newsletter_email',
            content: { de: { subject: 'Tipps', text: 'Drei Tipps.' } },
          },
        ],
      }),
    )
    const created = await runTresor(['journeys', 'create', '--file', file, ...d])
    expect(created.code, created.stderr).toBe(0)
    const id = /^journey ([0-9a-f-]{36}) saved as a draft \(version 1\)$/m.exec(created.stdout)?.[1] as string
    expect(id).toBeDefined()

    const list = await runTresor(['journeys', 'list', ...d])
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+draft\\s+1\\s+doi-confirmed\\s+Welcome$`, 'm'))
    const activated = await runTresor(['journeys', 'activate', id, ...d])
    expect(activated.stdout).toBe(`journey ${id} is active\n`)
    const tick = await runTresor(['journeys', 'tick', ...d])
    expect(tick.code, tick.stderr).toBe(0)
    expect(tick.stdout).toBe('0 entered, 0 sent, 0 stopped, 0 completed, 0 to retry\n')

    const show = await runTresor(['journeys', 'show', id, ...d])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toContain('Welcome (active, version 1): 0 entered, 0 active, 0 completed')
    expect(show.stdout).toMatch(/^STEP\s+TYPE\s+ENTERED\s+WAITING\s+SENT\s+REFUSED\s+FAILED$/m)
    expect(show.stdout).toMatch(/^2\s+wait\s+0\s+0\s*$/m)
    const json = await runTresor(['journeys', 'show', id, '--json', ...d])
    expect(JSON.parse(json.stdout)).toMatchObject({
      id,
      status: 'active',
      steps: [{}, { minutes: 4320 }, {}],
    })
    const paused = await runTresor(['journeys', 'pause', id, ...d])
    expect(paused.stdout).toBe(`journey ${id} is paused\n`)

    writeFileSync(
      file,
      JSON.stringify({
        name: 'Bad',
        trigger: { kind: 'p-alive-below' },
        steps: [{ type: 'wait', minutes: 5 }],
      }),
    )
    const bad = await runTresor(['journeys', 'create', '--file', file, ...d])
    expect(bad.code).toBe(65)
    expect(bad.stderr).toContain('trigger.threshold')
  }, 300_000)
})
