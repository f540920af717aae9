import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTresor, tempDir } from '../support/cli.ts'

describe('tresor segments', () => {
  it('creates a segment from a file, lists, shows and counts it; names a bad condition by its path', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const demo = await runTresor(['demo', '--subjects', '200', '--seed', '5', ...d])
    expect(demo.code, demo.stderr).toBe(0)

    const file = path.join(dataDir, 'segment.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Customers with the newsletter',
        purpose: 'newsletter_email',
        rules: {
          type: 'group',
          combine: 'and',
          conditions: [
            { type: 'kind', kinds: ['customer'] },
            { type: 'permission', purpose: 'newsletter_email', channel: 'email' },
          ],
        },
      }),
    )
    const created = await runTresor(['segments', 'create', '--file', file, ...d])
    expect(created.code, created.stderr).toBe(0)
    const id = /^segment ([0-9a-f-]{36}) saved \(version 1\)$/m.exec(created.stdout)?.[1] as string
    expect(id).toBeDefined()
    expect(created.stdout).toMatch(/^\d+ members \(evaluated under newsletter_email/m)

    const list = await runTresor(['segments', 'list', ...d])
    expect(list.stdout).toMatch(
      new RegExp(`^${id}\\s+1\\s+newsletter_email\\s+Customers with the newsletter$`, 'm'),
    )
    const show = await runTresor(['segments', 'show', id, ...d])
    expect(JSON.parse(show.stdout)).toMatchObject({ id, version: 1, purpose: 'newsletter_email' })

    const count = await runTresor(['segments', 'count', id, '--reasons', '--json', ...d])
    expect(count.code, count.stderr).toBe(0)
    const counts = JSON.parse(count.stdout) as {
      total: number
      audience: { permitted: number; excluded: number }[]
    }
    expect(counts.total).toBeGreaterThan(0)
    // Every member passes the newsletter's permission, so its audience is the whole segment.
    expect(counts.audience).toEqual([expect.objectContaining({ permitted: counts.total, excluded: 0 })])

    writeFileSync(
      file,
      JSON.stringify({
        name: 'Bad',
        purpose: 'newsletter_email',
        rules: {
          type: 'group',
          combine: 'and',
          conditions: [{ type: 'attribute', field: 'nope', op: 'in', values: ['x'] }],
        },
      }),
    )
    const bad = await runTresor(['segments', 'create', '--file', file, ...d])
    expect(bad.code).toBe(65)
    expect(bad.stderr).toContain('rules.conditions.0.field')
  }, 240_000) // five CLI runs, each a cold start of Node and the embedded database
})
