import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTresor, tempDir } from '../../test/support/cli.ts'

const dataDir = tempDir('tresor-purposes-cli-')

/** On the embedded database of its own data dir, whatever DATABASE_URL this process has. */
const tresor = (args: string[]) => runTresor([...args, '--data-dir', dataDir], { env: { DATABASE_URL: '' } })

describe('tresor purposes (embedded database)', () => {
  it('lists, shows, changes and creates purposes from JSON files; refuses what the law does not allow', async () => {
    const list = await tresor(['purposes', 'list'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(
      /^newsletter_email\s+consent\s+email\s+double-opt-in\s+direct-marketing\s+-\s+roles:marketing,dpo\s+v1\s+Newsletter by e-mail$/m,
    )
    expect(list.stdout).toMatch(
      /^existing_customer_email\s+legitimate_interest\s+email\s+-\s+direct-marketing\s+existing-customers\s+roles:marketing,dpo\s+v1\s/m,
    )

    const shown = await tresor(['purposes', 'show', 'postal_advertising'])
    const purpose = JSON.parse(shown.stdout) as Record<string, unknown>
    expect(purpose).toMatchObject({
      key: 'postal_advertising',
      legalBasis: 'legitimate_interest',
      version: 1,
    })

    // What `show` prints can be edited and fed back.
    const file = path.join(dataDir, 'postal.json')
    writeFileSync(
      file,
      JSON.stringify({
        ...purpose,
        retention: { period: 'P1Y', rule: { de: 'Ein Jahr.', en: 'One year.' } },
      }),
    )
    const changed = await tresor(['purposes', 'set', 'postal_advertising', '--file', file])
    expect(changed.stdout).toBe('purpose postal_advertising changed to version 2\n')

    const created = path.join(dataDir, 'new.json')
    writeFileSync(
      created,
      JSON.stringify({
        name: { de: 'Kundenumfragen', en: 'Customer surveys' },
        description: { de: 'Umfragen per E-Mail.', en: 'Surveys by e-mail.' },
        legalBasis: 'consent',
        channels: ['email'],
        doubleOptIn: false,
        profiling: false,
        directMarketing: false,
        retention: { period: null, rule: { de: 'Bis zum Widerruf.', en: 'Until withdrawn.' } },
      }),
    )
    const refused = await tresor(['purposes', 'set', 'customer_surveys', '--file', created])
    expect(refused.code).toBe(65)
    expect(refused.stderr).toMatch(/doubleOptIn: must be true/)

    const audience = await tresor(['purposes', 'audience', 'newsletter_email'])
    expect(audience.stdout).toBe('0\n')
  })
})
