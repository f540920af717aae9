import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendCampaignJob } from '../../src/modules/campaigns/campaign.jobs.ts'
import { ENGINES, openTestRuntime, type TestRuntime } from '../support/engines.ts'
import { buildTestApp, createSubject, type TestApp } from '../support/http.ts'

/** What the SMTP peer accepted: recipient and Message-ID, in order. */
interface Accepted {
  to: string
  messageId: string
}

/**
 * A real SMTP server that answers RCPT for `tempfail…` addresses with 451 the first time (then
 * 250) and for `hardfail…` addresses always with 550; records every accepted mail.
 */
async function startPeer() {
  const accepted: Accepted[] = []
  const tempfailed = new Set<string>()
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase()
      if (to.startsWith('hardfail')) {
        callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }))
        return
      }
      if (to.startsWith('tempfail') && !tempfailed.has(to)) {
        tempfailed.add(to)
        callback(Object.assign(new Error('greylisted, try again later'), { responseCode: 451 }))
        return
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            for (const r of session.envelope.rcptTo)
              accepted.push({ to: r.address.toLowerCase(), messageId: parsed.messageId ?? '' })
            callback()
          })
          .catch(callback)
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Issue #17, reliability (docs/adr/0020): an SMTP server answering 4xx is retried with backoff
 * (here 0 s) and 5xx is recorded as failed with the reply code; the send job redelivered a
 * thousand times (and run side by side) mails every recipient exactly once.
 */
for (const engine of ENGINES) {
  describe(`campaign sends: retries, failures, redeliveries [${engine}]`, () => {
    let runtime: TestRuntime
    let peer: Awaited<ReturnType<typeof startPeer>>
    let t: TestApp
    let admin: string
    let segmentId: string
    let people = 0

    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const res = await t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie: admin },
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
      expect(res.statusCode, res.body).toBeLessThan(300)
      return res.json()
    }
    const reader = async (local: string) => {
      const email = `${local}${++people}@reliable.test`
      const id = await createSubject(t.app, admin, { firstName: 'R', email })
      for (const kind of ['requested', 'confirmed'])
        await call('POST', `/subjects/${id}/consents`, {
          purposeKey: 'newsletter_email',
          channel: 'email',
          kind,
          proof: { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
        })
      return { id, email }
    }
    const campaign = async (name: string, segment: string) => {
      const created = (await call('POST', '/campaigns', {
        name,
        segmentId: segment,
        defaultLang: 'en',
        channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
        content: [{ channel: 'email', lang: 'en', subject: 'Hello {{firstName}}', bodyText: 'Offers.' }],
      })) as { id: string }
      await call('POST', `/campaigns/${created.id}/schedule`, {})
      return created.id
    }
    /** A segment of the readers whose address starts with `prefix` — by a region attribute set on them. */
    const segmentOf = async (region: string) =>
      (
        (await call('POST', '/segments', {
          name: `Region ${region}`,
          purpose: 'newsletter_email',
          rules: {
            type: 'group',
            combine: 'and',
            conditions: [{ type: 'attribute', field: 'region', op: 'in', values: [region] }],
          },
        })) as { id: string }
      ).id
    const setRegion = (id: string, region: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/subjects/${id}`,
        headers: { cookie: admin },
        payload: { attributes: { region }, reason: 'test' },
      })

    beforeAll(async () => {
      peer = await startPeer()
      runtime = await openTestRuntime(engine, {
        TRESOR_SMTP_URL: peer.url,
        TRESOR_PUBLIC_URL: 'https://crm.example.test',
        TRESOR_MAIL_FROM: 'Tresor <news@example.com>',
        TRESOR_CAMPAIGN_RETRY_SECONDS: '0',
        TRESOR_CAMPAIGN_BATCH_SIZE: '5',
        TRESOR_SMTP_POOL_SIZE: '3',
      })
      t = await buildTestApp(runtime)
      admin = await t.signIn('admin@reliable.test', 'admin')
      segmentId = ''
    })
    afterAll(async () => {
      await t?.app.close()
      await runtime?.dispose()
      await peer?.close()
    })

    it('retries a 4xx until the server takes it, records a 5xx as failed with the code', async () => {
      const temp = await reader('tempfail')
      const hard = await reader('hardfail')
      const fine = await reader('fine')
      for (const r of [temp, hard, fine]) expect((await setRegion(r.id, 'R1')).statusCode).toBeLessThan(300)
      segmentId = await segmentOf('R1')
      const id = await campaign('Greylisted', segmentId)
      const run = await runtime.services.campaignSend.run(id)
      expect(run.state).toBe('done')
      expect(peer.accepted.filter((a) => a.to === temp.email)).toHaveLength(1)
      expect(peer.accepted.filter((a) => a.to === fine.email)).toHaveLength(1)
      expect(peer.accepted.filter((a) => a.to === hard.email)).toHaveLength(0)
      const deliveries = (await call('GET', `/campaigns/${id}/deliveries`)) as {
        items: { subjectId: string; status: string; reason: string | null; attempts: number }[]
      }
      const row = (subjectId: string) => deliveries.items.find((d) => d.subjectId === subjectId)
      expect(row(temp.id)).toMatchObject({ status: 'sent', attempts: 2 })
      expect(row(hard.id)).toMatchObject({ status: 'failed', reason: 'smtp-550', attempts: 1 })
      expect(row(fine.id)).toMatchObject({ status: 'sent', attempts: 1 })
      const report = (await call('GET', `/campaigns/${id}/report`)) as {
        channels: { sent: number; failed: number }[]
      }
      expect(report.channels[0]).toMatchObject({ sent: 2, failed: 1 })
    })

    it('a send job redelivered 1,000 times (side by side) mails every recipient exactly once', async () => {
      const group = []
      for (let i = 0; i < 23; i++) {
        const r = await reader('many')
        expect((await setRegion(r.id, 'R2')).statusCode).toBeLessThan(300)
        group.push(r)
      }
      const id = await campaign('Redelivered', await segmentOf('R2'))
      const states: Record<string, number> = {}
      let left = 1000
      // 1,000 deliveries of the same job, 25 at a time: one holds the lease, the others find it held.
      while (left > 0) {
        const wave = Math.min(25, left)
        left -= wave
        const runs = await Promise.all(
          Array.from({ length: wave }, () =>
            sendCampaignJob(runtime.services.campaignSend, { campaignId: id }),
          ),
        )
        for (const r of runs) states[r.state] = (states[r.state] ?? 0) + 1
      }
      expect(states.done).toBe(1)
      expect((states.busy ?? 0) + (states['not-due'] ?? 0)).toBe(999)
      const emails = new Set(group.map((g) => g.email))
      const mine = peer.accepted.filter((a) => emails.has(a.to))
      expect(mine).toHaveLength(23)
      expect(new Set(mine.map((a) => a.to)).size).toBe(23)
      expect(new Set(mine.map((a) => a.messageId)).size).toBe(23)
      const campaignView = (await call('GET', `/campaigns/${id}`)) as {
        status: string
        counts: { sent: number }
      }
      expect(campaignView).toMatchObject({ status: 'sent', counts: expect.objectContaining({ sent: 23 }) })
    })
  })
}
