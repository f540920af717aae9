import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { runTresor, tempDir } from '../support/cli.ts'

/** Creates a file of JSON in the data dir; its path. */
const file = (dir: string, name: string, value: unknown) => {
  const p = path.join(dir, name)
  writeFileSync(p, JSON.stringify(value))
  return p
}

/**
 * `tresor campaigns print-list | call-list | bounce` (the campaign channels' subcommands), on the
 * embedded database with demo data: a post campaign's print list written as a disclosure to the
 * letter shop, a phone campaign's call list, and a bounce message read from an .eml file.
 */
describe('tresor campaigns print-list, call-list, bounce', () => {
  it('writes the print list, shows the call list, reads a bounce file', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const run = async (args: string[]) => {
      const res = await runTresor([...args, ...d])
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0)
      return res.stdout
    }
    await run(['demo', '--subjects', '120', '--seed', '5'])
    const shop = JSON.parse(
      await run([
        'recipients',
        'add',
        '--file',
        file(dataDir, 'shop.json', {
          name: 'Lettershop Süd GmbH',
          role: 'processor',
          country: 'DE',
          mechanism: 'eea',
          contractDate: '2025-03-01',
          purposes: ['postal_advertising'],
          fieldCategories: ['identity', 'address'],
        }),
      ]),
    ) as { id: string }
    const segmentOf = async (name: string, purpose: string) =>
      /^segment ([0-9a-f-]{36}) saved/m.exec(
        await run([
          'segments',
          'create',
          '--file',
          file(dataDir, `${purpose}.json`, {
            name,
            purpose,
            rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer'] }] },
          }),
        ]),
      )?.[1] as string
    const createCampaign = async (name: string, body: Record<string, unknown>) =>
      (
        JSON.parse(
          await run(['campaigns', 'create', '--file', file(dataDir, `${name}.json`, body), '--json']),
        ) as {
          id: string
        }
      ).id

    // Post: sent in the foreground, then the print list for the shop.
    const post = await createCampaign('post', {
      name: 'Catalogue',
      segmentId: await segmentOf('Customers by post', 'postal_advertising'),
      defaultLang: 'de',
      channels: [{ channel: 'post', purposeKey: 'postal_advertising', recipientId: shop.id }],
      content: [{ channel: 'post', lang: 'de', subject: 'Katalog', bodyText: 'Hallo {{firstName}}' }],
    })
    await run(['campaigns', 'send', post])
    const out = path.join(dataDir, 'print-list.csv')
    const printed = await run(['campaigns', 'print-list', post, '--out', out])
    expect(printed).toMatch(
      /^\d+ addresses written to .*print-list\.csv for Lettershop Süd GmbH \(DE\); disclosure [0-9a-f-]{36}$/m,
    )
    const rows = parse(readFileSync(out, 'utf8').replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][]
    expect(rows[0]).toEqual([
      'reference',
      'firstName',
      'lastName',
      'street',
      'postalCode',
      'city',
      'countryCode',
    ])
    const count = Number(/^(\d+) addresses/.exec(printed)?.[1])
    expect(rows.length - 1).toBe(count)
    expect(count).toBeGreaterThan(0)
    for (const row of rows.slice(1)) expect(row[3]).not.toBe('')

    // Phone: the call list of the demo's phone consents.
    const phone = await createCampaign('phone', {
      name: 'Calls',
      segmentId: await segmentOf('Customers by phone', 'phone_marketing'),
      defaultLang: 'de',
      channels: [{ channel: 'phone', purposeKey: 'phone_marketing' }],
      content: [{ channel: 'phone', lang: 'de', subject: 'Angebot', bodyText: 'Guten Tag' }],
    })
    await run(['campaigns', 'send', phone])
    const list = JSON.parse(await run(['campaigns', 'call-list', phone, '--json'])) as {
      items: { phone: string | null }[]
    }
    expect(list.items.length).toBeGreaterThan(0)
    for (const item of list.items) expect(item.phone ?? '').toMatch(/^\+\d+$/)
    const text = await run(['campaigns', 'call-list', phone])
    expect(text).toMatch(/^SUBJECT\s+NAME\s+PHONE\s+CALLS\s+LAST OUTCOME$/m)

    // A bounce of some other message: read, matched to no campaign; a file that is no DSN fails.
    const eml = path.join(dataDir, 'bounce.eml')
    writeFileSync(
      eml,
      [
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.test',
        '',
        'Final-Recipient: rfc822; gone@example.test',
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--b',
        'Content-Type: text/rfc822-headers',
        '',
        'Message-ID: <not-a-campaign@example.test>',
        '',
        '--b--',
        '',
      ].join('\r\n'),
    )
    expect(await run(['campaigns', 'bounce', eml])).toMatch(
      /bounce\.eml: hard bounce \(5\.1\.1\) of no campaign message/,
    )
    const junk = path.join(dataDir, 'junk.eml')
    writeFileSync(junk, 'Subject: hi\r\n\r\nhello')
    const failed = await runTresor(['campaigns', 'bounce', junk, ...d])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/junk\.eml: not read: is not a delivery status notification/)
    expect(failed.stdout + failed.stderr).not.toContain('gone@example.test')
  }, 300_000)
})
