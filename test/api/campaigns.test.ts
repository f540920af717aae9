import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startWorker } from '../../src/worker/worker.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'
import type { ReceivedMail } from '../support/smtp.ts'

const PUBLIC_URL = 'https://crm.example.test'

interface CampaignBody {
  id: string
  status: string
  version: number
  audience: { channels: { channel: string; audience: number; excludedBy: Record<string, number> }[] } | null
}

/**
 * Issue #17, the campaign core (docs/adr/0020): validation naming fields, the live audience,
 * preview and test send, schedule → the worker's `campaigns.start-due` → `campaigns.send` → mails
 * at a real SMTP server with working one-click unsubscribe; a withdrawal, objection, restriction
 * and erasure arriving between batches stop that person; the report and the ledger's rows.
 */
describeEachEngineWithMail(
  'campaigns: create, preview, test-send, schedule, send',
  // Batches of two: the tests change people's permissions between batches.
  {
    publicUrl: PUBLIC_URL,
    env: {
      TRESOR_CAMPAIGN_BATCH_SIZE: '2',
      TRESOR_UNSUBSCRIBE_RATE_LIMIT: '10000',
    },
  },
  (runtime, smtp) => {
    let t: TestApp
    let admin: string
    let marketing: string
    let segmentId: string
    let people = 0

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      cookie: string,
      payload?: unknown,
    ) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie },
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
    const ok = (res: LightMyRequestResponse, status = 200) => {
      expect(res.statusCode, res.body).toBe(status)
      return res.json()
    }

    /** A customer with an address and (by default) a confirmed newsletter consent. */
    const newReader = async (options: { consent?: boolean; firstName?: string } = {}) => {
      const email = `reader${++people}@campaigns.test`
      const id = await createSubject(t.app, admin, {
        firstName: options.firstName ?? `Reader${people}`,
        lastName: 'Muster',
        email,
      })
      if (options.consent !== false)
        for (const kind of ['requested', 'confirmed'])
          ok(
            await call('POST', `/subjects/${id}/consents`, admin, {
              purposeKey: 'newsletter_email',
              channel: 'email',
              kind,
              proof: { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
            }),
            201,
          )
      return { id, email }
    }

    const campaignInput = (name: string, overrides: Record<string, unknown> = {}) => ({
      name,
      segmentId,
      defaultLang: 'de',
      channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
      content: [
        {
          channel: 'email',
          lang: 'de',
          subject: 'Neu für {{firstName}}',
          bodyText: '{{salutation}},\nunsere Angebote.',
          bodyHtml: '<html><body><p>{{salutation}}, unsere Angebote.</p></body></html>',
        },
        {
          channel: 'email',
          lang: 'en',
          subject: 'New for {{firstName}}',
          bodyText: '{{salutation}},\nour offers.',
        },
      ],
      ...overrides,
    })
    const create = async (name: string, overrides: Record<string, unknown> = {}) =>
      ok(await call('POST', '/campaigns', marketing, campaignInput(name, overrides)), 201) as CampaignBody

    /** The header section of a received mail, unfolded. */
    const headersOf = (mail: ReceivedMail) =>
      (mail.raw.toString('utf8').split('\r\n\r\n')[0] as string).replace(/\r\n[ \t]+/g, ' ')
    const unsubscribeUrlOf = (mail: ReceivedMail) => {
      const url = /^List-Unsubscribe: +<([^>]+)>$/m.exec(headersOf(mail))?.[1]
      if (!url) throw new Error('no List-Unsubscribe header')
      return url
    }
    const mailsOf = (address: string) => smtp().received.filter((m) => m.to.includes(address))

    beforeAll(async () => {
      t = await buildTestApp(runtime())
      admin = await t.signIn('admin@campaigns.test', 'admin')
      marketing = await t.signIn('marketing@campaigns.test', 'marketing')
      const segment = ok(
        await call('POST', '/segments', marketing, {
          name: 'All customers',
          purpose: 'newsletter_email',
          rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer'] }] },
        }),
        201,
      ) as { id: string }
      segmentId = segment.id
    })
    afterAll(async () => {
      await t?.app.close()
    })

    it('refuses bad campaigns, naming the field', async () => {
      let res = await call(
        'POST',
        '/campaigns',
        marketing,
        campaignInput('Wrong purpose', {
          channels: [{ channel: 'email', purposeKey: 'contact_management' }],
        }),
      )
      expect(res.statusCode).toBe(422)
      expect(problemOf(res).errors?.map((e) => e.field)).toContain('channels.0.purposeKey')

      res = await call(
        'POST',
        '/campaigns',
        marketing,
        campaignInput('SMS purpose on email', {
          channels: [{ channel: 'email', purposeKey: 'sms_marketing' }],
        }),
      )
      expect(res.statusCode).toBe(422)
      expect(problemOf(res).errors?.[0]?.field).toBe('channels.0.purposeKey')

      const unknown = campaignInput('Unknown field')
      unknown.content[1] = { ...unknown.content[1], bodyText: 'Hi {{iban}}' } as (typeof unknown.content)[1]
      res = await call('POST', '/campaigns', marketing, unknown)
      expect(res.statusCode).toBe(422)
      expect(problemOf(res).errors).toContainEqual(expect.objectContaining({ field: 'content.1.bodyText' }))
      expect(problemOf(res).detail).toContain('iban')

      const broken = campaignInput('Broken braces')
      broken.content[0] = {
        ...broken.content[0],
        bodyText: 'Hallo {{firstName',
      } as (typeof broken.content)[0]
      res = await call('POST', '/campaigns', marketing, broken)
      expect(res.statusCode).toBe(422)
      expect(problemOf(res).errors?.[0]?.field).toBe('content.0.bodyText')

      // A role that may manage campaigns but not use names: {{firstName}} is forbidden to it.
      await runtime().services.roles.create(
        {
          name: 'campaigner',
          description: 'campaigns without names',
          permissions: ['campaigns:read', 'campaigns:manage'],
          fieldCategories: ['contact'],
        },
        { actor: { type: 'system', id: 'test' } },
      )
      const campaigner = await t.signIn('campaigner@campaigns.test', 'campaigner')
      res = await call('POST', '/campaigns', campaigner, campaignInput('No names for me'))
      expect(res.statusCode).toBe(403)
      expect(problemOf(res).errors?.map((e) => e.field)).toContain('content.0.subject')

      res = await call('POST', '/campaigns', marketing, { ...campaignInput('x'), defaultLang: 'fr' })
      expect(res.statusCode).toBe(400)
      // Sales may read but not manage.
      const sales = await t.signIn('sales@campaigns.test', 'sales')
      expect((await call('POST', '/campaigns', sales, campaignInput('Sales'))).statusCode).toBe(403)
      expect((await call('GET', '/campaigns', sales)).statusCode).toBe(200)
    })

    it('creates, counts, previews, test-sends, schedules; the worker sends; one click unsubscribes', async () => {
      const readers = [await newReader({ firstName: '<b>Eve</b>' }), await newReader(), await newReader()]
      const stranger = await newReader({ consent: false })
      const campaign = await create('Spring')
      expect(campaign.status).toBe('draft')
      expect(campaign.version).toBe(1)

      // The live audience: the three readers; the stranger has no consent.
      const audience = ok(await call('GET', `/campaigns/${campaign.id}/audience`, marketing)) as {
        segment: { total: number }
        channels: { permitted: number; audience: number; excludedBy: Record<string, number> }[]
      }
      expect(audience.segment.total).toBeGreaterThanOrEqual(4)
      expect(audience.channels[0]?.audience).toBe(audience.channels[0]?.permitted)
      expect(audience.channels[0]?.excludedBy['no-consent']).toBeGreaterThanOrEqual(1)

      // Preview with a person: their name, HTML-escaped in the HTML; the unsubscribe footer.
      const preview = ok(
        await call('POST', `/campaigns/${campaign.id}/preview`, marketing, {
          channel: 'email',
          lang: 'de',
          subjectId: readers[0]?.id,
        }),
      ) as { subject: string; text: string; html: string }
      expect(preview.subject).toBe('Neu für <b>Eve</b>')
      expect(preview.text).toContain('Hallo <b>Eve</b> Muster')
      expect(preview.html).toContain('Hallo &lt;b&gt;Eve&lt;/b&gt; Muster')
      expect(preview.text).toContain('Abmelden')
      // Without a person: samples.
      const sample = ok(
        await call('POST', `/campaigns/${campaign.id}/preview`, marketing, { channel: 'email', lang: 'en' }),
      ) as { subject: string }
      expect(sample.subject).toBe('New for Erika')
      // A person the purpose may not reach is refused.
      const refused = await call('POST', `/campaigns/${campaign.id}/preview`, marketing, {
        channel: 'email',
        lang: 'de',
        subjectId: stranger.id,
      })
      expect(refused.statusCode).toBe(422)
      expect(problemOf(refused).errors?.[0]?.field).toBe('subjectId')

      // Test send: staff only.
      const notStaff = await call('POST', `/campaigns/${campaign.id}/test-send`, marketing, {
        channel: 'email',
        to: ['marketing@campaigns.test', readers[1]?.email],
      })
      expect(notStaff.statusCode).toBe(422)
      expect(problemOf(notStaff).errors?.map((e) => e.field)).toEqual(['to.1'])
      const waitingTest = smtp().nextMailTo('marketing@campaigns.test')
      ok(
        await call('POST', `/campaigns/${campaign.id}/test-send`, marketing, {
          channel: 'email',
          to: ['marketing@campaigns.test'],
        }),
      )
      const test = await waitingTest
      expect(test.parsed.subject).toBe('[Test] Neu für Erika')
      expect(mailsOf(readers[1]?.email as string)).toEqual([])

      // Change it (a new version; a stale version is a 409).
      const changed = ok(
        await call('PATCH', `/campaigns/${campaign.id}`, marketing, {
          description: 'for spring',
          version: 1,
        }),
      ) as CampaignBody
      expect(changed.version).toBe(2)
      expect(
        (await call('PATCH', `/campaigns/${campaign.id}`, marketing, { name: 'x', version: 1 })).statusCode,
      ).toBe(409)

      // Schedule now → the worker's start-due → send.
      const scheduled = ok(
        await call('POST', `/campaigns/${campaign.id}/schedule`, marketing, {}),
      ) as CampaignBody
      expect(scheduled.status).toBe('scheduled')
      const worker = await startWorker(runtime(), { pollingIntervalSeconds: 0.5 })
      try {
        await worker.send('campaigns.start-due', {})
        const deadline = Date.now() + 60_000
        let status = ''
        while (Date.now() < deadline) {
          status = (ok(await call('GET', `/campaigns/${campaign.id}`, marketing)) as CampaignBody).status
          if (status === 'sent') break
          await new Promise((r) => setTimeout(r, 250))
        }
        expect(status).toBe('sent')
      } finally {
        await worker.stop()
      }
      // Once per reader, with the unsubscribe headers and footer and the ledger's Message-ID; nothing to the stranger.
      for (const reader of readers) {
        const mails = mailsOf(reader.email)
        expect(mails).toHaveLength(1)
        const mail = mails[0] as ReceivedMail
        expect(headersOf(mail)).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m)
        expect(mail.parsed.text).toContain('Abmelden')
        expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@example\.com>$/)
      }
      expect(mailsOf(stranger.email)).toEqual([])
      expect((mailsOf(readers[0]?.email as string)[0] as ReceivedMail).parsed.html).toContain(
        'Hallo &lt;b&gt;Eve&lt;/b&gt; Muster',
      )

      const report = ok(await call('GET', `/campaigns/${campaign.id}/report`, marketing)) as {
        audience: number
        channels: { sent: number; queued: number; excludedBy: Record<string, number>; unsubscribed: number }[]
        timeline: { sent: number }[]
      }
      expect(report.channels[0]?.sent).toBe(report.audience)
      expect(report.channels[0]?.queued).toBe(0)
      expect(report.channels[0]?.excludedBy['no-consent']).toBeGreaterThanOrEqual(1)
      expect(report.timeline.reduce((n, b) => n + b.sent, 0)).toBe(report.audience)
      const deliveries = ok(
        await call('GET', `/campaigns/${campaign.id}/deliveries?status=sent&limit=2`, marketing),
      ) as {
        items: { subjectId: string; status: string }[]
        nextCursor: string | null
      }
      expect(deliveries.items).toHaveLength(2)
      expect(deliveries.nextCursor).not.toBeNull()
      expect(JSON.stringify(deliveries)).not.toContain('@campaigns.test')

      // One click on the first reader's link withdraws; the next campaign doesn't reach them.
      const url = unsubscribeUrlOf(mailsOf(readers[0]?.email as string)[0] as ReceivedMail)
      const click = await t.app.inject({
        method: 'POST',
        url: url.replace(PUBLIC_URL, ''),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      })
      expect(click.statusCode, click.body).toBeLessThan(300)
      const after = ok(await call('GET', `/campaigns/${campaign.id}/report`, marketing)) as {
        channels: { unsubscribed: number }[]
      }
      expect(after.channels[0]?.unsubscribed).toBe(1)

      const second = await create('Summer')
      // No body at all: now.
      ok(await call('POST', `/campaigns/${second.id}/schedule`, marketing))
      const run = await runtime().services.campaignSend.run(second.id)
      expect(run.state).toBe('done')
      expect(mailsOf(readers[0]?.email as string)).toHaveLength(1)
      expect(mailsOf(readers[1]?.email as string)).toHaveLength(2)
      const decided = (ok(await call('GET', `/campaigns/${second.id}`, marketing)) as CampaignBody).audience
      expect(decided?.channels[0]?.excludedBy['consent-withdrawn']).toBe(1)

      // A sent campaign can't be changed or deleted.
      expect((await call('PATCH', `/campaigns/${second.id}`, marketing, { name: 'later' })).statusCode).toBe(
        409,
      )
      expect((await call('DELETE', `/campaigns/${second.id}`, marketing)).statusCode).toBe(409)
    })

    it('leaves out the suppressed and those at the frequency cap, at the start and at their batch', async () => {
      const trio = [await newReader(), await newReader(), await newReader()]
      for (const r of trio)
        ok(await call('PATCH', `/subjects/${r.id}`, admin, { attributes: { region: 'CAP' }, reason: 'test' }))
      const capSegment = ok(
        await call('POST', '/segments', marketing, {
          name: 'Region CAP',
          purpose: 'newsletter_email',
          rules: {
            type: 'group',
            combine: 'and',
            conditions: [{ type: 'attribute', field: 'region', op: 'in', values: ['CAP'] }],
          },
        }),
        201,
      ) as { id: string }
      const send = async (name: string, cap: unknown, onAudience?: () => Promise<void>) => {
        const c = await create(name, { segmentId: capSegment.id, cap })
        ok(await call('POST', `/campaigns/${c.id}/schedule`, marketing))
        const run = await runtime().services.campaignSend.run(c.id, onAudience ? { onAudience } : {})
        expect(run.state).toBe('done')
        return c.id
      }
      const suppress = (subjectId: string) =>
        runtime()
          .database.db.insertInto('campaign_suppression')
          .values({
            subject_id: subjectId,
            channel: 'email',
            reason: 'hard-bounce',
            detail: '5.1.1',
            created_at: new Date(),
          })
          .execute()

      await send('Before the cap', null)
      for (const r of trio) expect(mailsOf(r.email)).toHaveLength(1)
      await suppress((trio[0] as { id: string }).id)

      // A cap of one message in 30 days: the two others had theirs; the first is suppressed.
      const capped = await send('Capped', { messages: 1, days: 30 })
      for (const r of trio) expect(mailsOf(r.email)).toHaveLength(1)
      const report = ok(await call('GET', `/campaigns/${capped}/report`, marketing)) as {
        channels: { audience: number; excludedBy: Record<string, number>; sent: number }[]
      }
      expect(report.channels[0]).toMatchObject({ audience: 0, sent: 0 })
      expect(report.channels[0]?.excludedBy).toMatchObject({ suppressed: 1, 'frequency-cap': 2 })

      // A cap of five: queued at the start; the second person is suppressed before their batch.
      const live = ok(await call('GET', `/campaigns/${capped}/audience`, marketing)) as {
        channels: { permitted: number; suppressed: number; capped: number; audience: number }[]
      }
      expect(live.channels[0]).toMatchObject({ permitted: 3, suppressed: 1, capped: 2, audience: 0 })
      const late = await send('Suppressed late', { messages: 5, days: 30 }, () =>
        suppress((trio[1] as { id: string }).id).then(() => undefined),
      )
      expect(mailsOf((trio[1] as { email: string }).email)).toHaveLength(1)
      expect(mailsOf((trio[2] as { email: string }).email)).toHaveLength(2)
      const lateReport = ok(await call('GET', `/campaigns/${late}/report`, marketing)) as {
        channels: { audience: number; skippedBy: Record<string, number>; sent: number }[]
      }
      expect(lateReport.channels[0]).toMatchObject({ audience: 2, sent: 1, skippedBy: { suppressed: 1 } })
    })

    it('pauses between batches and resumes where it stopped; cancel skips the rest', async () => {
      // Batches of two, the next one claimed while one is sent: eight people make four batches.
      for (let i = 0; i < 8; i++) await newReader()
      const campaign = await create('Paused')
      ok(await call('POST', `/campaigns/${campaign.id}/schedule`, marketing))
      let paused = false
      const first = await runtime().services.campaignSend.run(campaign.id, {
        onProgress: async () => {
          if (paused) return
          paused = true
          expect(
            (ok(await call('POST', `/campaigns/${campaign.id}/pause`, marketing)) as CampaignBody).status,
          ).toBe('paused')
        },
      })
      expect(first.state).toBe('stopped')
      const halfway = ok(await call('GET', `/campaigns/${campaign.id}/report`, marketing)) as {
        channels: { queued: number; sent: number }[]
      }
      expect(halfway.channels[0]?.queued).toBeGreaterThan(0)
      // Paused: the worker leaves it alone.
      expect((await runtime().services.campaignSend.run(campaign.id)).state).toBe('not-due')
      expect(
        (ok(await call('POST', `/campaigns/${campaign.id}/resume`, marketing)) as CampaignBody).status,
      ).toBe('sending')
      expect((await runtime().services.campaigns.due()).includes(campaign.id)).toBe(true)
      expect((await runtime().services.campaignSend.run(campaign.id)).state).toBe('done')
      const done = ok(await call('GET', `/campaigns/${campaign.id}/report`, marketing)) as {
        audience: number
        channels: { queued: number; sent: number; skipped: number }[]
      }
      expect(done.channels[0]?.queued).toBe(0)
      expect((done.channels[0]?.sent ?? 0) + (done.channels[0]?.skipped ?? 0)).toBe(done.audience)
      const ids = smtp().received.map((m) => m.parsed.messageId)
      expect(new Set(ids).size).toBe(ids.length)

      // Cancelled after its first batch: the rest is skipped as cancelled, nothing more is sent.
      const other = await create('Cancelled')
      ok(await call('POST', `/campaigns/${other.id}/schedule`, marketing))
      let cancelled = false
      const run = await runtime().services.campaignSend.run(other.id, {
        onProgress: async () => {
          if (cancelled) return
          cancelled = true
          ok(await call('POST', `/campaigns/${other.id}/cancel`, marketing))
        },
      })
      expect(run.state).toBe('stopped')
      const report = ok(await call('GET', `/campaigns/${other.id}/report`, marketing)) as {
        status: string
        channels: { queued: number; skippedBy: Record<string, number> }[]
      }
      expect(report.status).toBe('cancelled')
      expect(report.channels[0]?.skippedBy.cancelled).toBeGreaterThan(0)
      expect((await call('DELETE', `/campaigns/${other.id}`, marketing)).statusCode).toBe(409)
    })

    it('stops a person whose withdrawal, objection, restriction or erasure arrives between batches', async () => {
      const group = [] as { id: string; email: string }[]
      for (let i = 0; i < 8; i++) group.push(await newReader())
      const campaign = await create('Mid-send')
      ok(await call('POST', `/campaigns/${campaign.id}/schedule`, marketing, {}))
      const dpo = await t.signIn('dpo@campaigns.test', 'dpo')
      let changed: string[] = []
      const run = await runtime().services.campaignSend.run(campaign.id, {
        onProgress: async () => {
          if (changed.length > 0) return
          // After the first batch: four people of the group not yet sent nor in a batch change —
          // queued in the ledger or still in the audience's chunks (chunks of three, batches of two).
          const { items } = ok(
            await call('GET', `/campaigns/${campaign.id}/deliveries?limit=1000`, marketing),
          ) as { items: { subjectId: string; status: string }[] }
          const reached = new Set(items.filter((i) => i.status !== 'queued').map((i) => i.subjectId))
          const inChunks = group.filter((g) => !items.some((i) => i.subjectId === g.id))
          expect(inChunks.length).toBeGreaterThan(0)
          // The one erased is still in a chunk: erased, they must never enter the ledger.
          const erasedPick = (inChunks.at(-1) as { id: string }).id
          const last = [
            ...group
              .map((g) => g.id)
              .filter((id) => !reached.has(id) && id !== erasedPick)
              .slice(-3),
            erasedPick,
          ]
          expect(last).toHaveLength(4)
          const [withdraws, objects, restricted, erased] = last as [string, string, string, string]
          ok(
            await call('POST', `/subjects/${withdraws}/consents`, admin, {
              purposeKey: 'newsletter_email',
              channel: 'email',
              kind: 'withdrawn',
              proof: { source: 'email' },
            }),
            201,
          )
          expect(
            (
              await call('POST', `/subjects/${objects}/objections`, admin, {
                scope: 'all_marketing',
                source: 'letter',
              })
            ).statusCode,
          ).toBeLessThan(300)
          expect(
            (
              await t.app.inject({
                method: 'PUT',
                url: `/api/v1/subjects/${restricted}/restriction`,
                headers: { cookie: admin },
                payload: { ground: 'accuracy-contested' },
              })
            ).statusCode,
          ).toBeLessThan(300)
          expect((await call('DELETE', `/subjects/${erased}`, dpo)).statusCode).toBe(200)
          // The erasure took the person out of the audience's chunks too (ids only, but theirs).
          const { rows: inChunk } = await sql<{ n: string }>`
            select count(*) as n from campaign_audience_chunk where ${erased}::uuid = any(subject_ids)
          `.execute(runtime().database.db)
          expect(Number(inChunk[0]?.n)).toBe(0)
          changed = last
        },
      })
      expect(run.state).toBe('done')
      expect(changed).toHaveLength(4)
      const byId = new Map(group.map((g) => [g.id, g.email]))
      for (const g of group) {
        const expected = changed.includes(g.id) ? 0 : 1
        expect(mailsOf(g.email), g.id).toHaveLength(expected)
      }
      const report = ok(await call('GET', `/campaigns/${campaign.id}/report`, marketing)) as {
        channels: { skippedBy: Record<string, number> }[]
      }
      const skippedBy = report.channels[0]?.skippedBy ?? {}
      expect(skippedBy['consent-withdrawn']).toBe(1)
      expect(skippedBy.objected ?? skippedBy['objected-all-marketing']).toBeGreaterThanOrEqual(1)
      expect(Object.values(skippedBy).reduce((a, b) => a + b, 0)).toBe(3)
      expect(byId.size).toBe(8)
      // Erasure took the erased person's ledger row with it (a record kind of the subject).
      const rows = ok(await call('GET', `/campaigns/${campaign.id}/deliveries?limit=1000`, marketing)) as {
        items: { subjectId: string }[]
      }
      expect(rows.items.map((i) => i.subjectId)).not.toContain(changed[3])
      expect(rows.items.map((i) => i.subjectId)).toContain(changed[2])
    })
  },
)
