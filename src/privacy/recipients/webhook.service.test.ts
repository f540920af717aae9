import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, openTestRuntime, type TestRuntime } from '../../../test/support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../../../test/support/http.ts'
import { deliverWebhooksJob } from './webhook.jobs.ts'
import { verifyWebhook } from './webhook-signature.ts'

/**
 * The worker's clock in these tests: 10:00 UTC tomorrow plus `seconds`, so every delivery queued
 * now (at the real time) is due — a fixed date stopped being "later" once the real clock passed it.
 */
const BASE = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 10 * 3_600_000
const at = (seconds: number) => new Date(BASE + seconds * 1000)

interface Received {
  headers: http.IncomingHttpHeaders
  body: string
}

/** A real HTTP receiver on a random local port: answers with the queued statuses, then 200. */
async function startReceiver(): Promise<{
  url: string
  received: Received[]
  answers: number[]
  close(): Promise<void>
}> {
  const received: Received[] = []
  const answers: number[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const status = answers.shift() ?? 200
      // A redirect a follower would take to the metadata service: must not be followed.
      if (status === 302) res.setHeader('location', 'http://169.254.169.254/latest/meta-data/')
      res.writeHead(status).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/tresor`,
    received,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

interface Payload {
  id: string
  type: string
  purpose: string
  subject: { id: string; fields: Record<string, unknown> }
}

for (const engine of ENGINES) {
  describe(`webhooks: signed, retried, only allowed fields, recorded as disclosures [${engine}]`, () => {
    let runtime: TestRuntime
    let t: TestApp
    let dpo: string
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    let recipientId: string
    let subscriptionId: string
    let secret: string
    beforeAll(async () => {
      // The receiver listens on 127.0.0.1: this installation allows private networks (SSRF off).
      runtime = await openTestRuntime(engine, { TRESOR_WEBHOOKS_ALLOW_PRIVATE: 'true' })
      t = await buildTestApp(runtime)
      dpo = await t.signIn('dpo@example.com', 'dpo')
      receiver = await startReceiver()
    })
    afterAll(async () => {
      await t.app.close()
      await receiver.close()
      await runtime.dispose()
    })

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie: dpo },
        ...(payload === undefined ? {} : { payload }),
      })

    const deliveries = async () =>
      (
        (await call('GET', `/webhooks/${subscriptionId}/deliveries`)).json() as {
          items: {
            id: string
            event: string
            status: string
            attempts: number
            lastStatus: number | null
            nextAttemptAt: string | null
            lastError: string | null
          }[]
        }
      ).items

    it('subscribes a recipient: http(s) only, a purpose it receives; the secret is shown once', async () => {
      const created = await call('POST', '/recipients', {
        name: 'Shop GmbH',
        role: 'controller',
        country: 'DE',
        mechanism: 'eea',
        purposes: ['contact_management'],
        fieldCategories: ['contact'],
      })
      expect(created.statusCode, created.body).toBe(201)
      recipientId = (created.json() as { id: string }).id
      const ftp = await call('POST', `/recipients/${recipientId}/webhooks`, {
        url: 'ftp://127.0.0.1/x',
        events: ['subject.created'],
        purpose: 'contact_management',
      })
      expect(problemOf(ftp).errors?.[0]?.field).toBe('url')
      const purpose = await call('POST', `/recipients/${recipientId}/webhooks`, {
        url: receiver.url,
        events: ['subject.created'],
        purpose: 'customer_service',
      })
      expect(problemOf(purpose).errors?.[0]?.field).toBe('purpose')
      const res = await call('POST', `/recipients/${recipientId}/webhooks`, {
        url: receiver.url,
        events: ['subject.created', 'subject.changed', 'subject.erased', 'consent.changed'],
        purpose: 'contact_management',
      })
      expect(res.statusCode, res.body).toBe(201)
      const body = res.json() as { subscription: { id: string }; secret: string }
      subscriptionId = body.subscription.id
      secret = body.secret
      expect(secret).toMatch(/^whsec_/)
      const listed = await call('GET', `/webhooks?recipient=${recipientId}`)
      expect(listed.body).not.toContain(secret)
    })

    it('delivers a signed event after a 500, with the same delivery id, carrying only the fields the recipient receives', async () => {
      const subjectId = await createSubject(t.app, dpo, {
        firstName: 'Erika',
        lastName: 'Muster',
        email: 'erika@example.com',
      })
      const [pending] = await deliveries()
      expect(pending).toMatchObject({ event: 'subject.created', status: 'pending', attempts: 0 })

      receiver.answers.push(500)
      const t0 = at(0)
      expect(await runtime.services.webhooks.deliverDue({ now: t0 })).toMatchObject({
        retrying: 1,
        delivered: 0,
      })
      expect(receiver.received).toHaveLength(1)
      const [afterFailure] = await deliveries()
      expect(afterFailure).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 })
      // Backoff: the next attempt is due 30 s later, not before.
      expect(afterFailure?.nextAttemptAt).toBe(at(30).toISOString())
      expect(await runtime.services.webhooks.deliverDue({ now: at(29) })).toMatchObject({
        retrying: 0,
        delivered: 0,
      })

      const t1 = at(31)
      expect(await deliverWebhooksJob(runtime.services.webhooks, t1)).toMatchObject({ delivered: 1 })
      expect(receiver.received).toHaveLength(2)
      const [first, second] = receiver.received as [Received, Received]
      // Idempotency: the same delivery id on both attempts.
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id'])
      expect(second.headers['webhook-id']).toBe(pending?.id)
      const headersOf = (r: Received) => ({
        id: String(r.headers['webhook-id']),
        timestamp: String(r.headers['webhook-timestamp']),
        signature: String(r.headers['webhook-signature']),
      })
      expect(verifyWebhook(secret, headersOf(first), first.body, t0)).toBe(true)
      expect(verifyWebhook(secret, headersOf(second), second.body, t1)).toBe(true)
      // A changed body, or the wrong secret, does not verify.
      expect(verifyWebhook(secret, headersOf(second), second.body.replace('erika@', 'max@'), t1)).toBe(false)
      expect(
        verifyWebhook(`whsec_${Buffer.alloc(32).toString('base64')}`, headersOf(second), second.body, t1),
      ).toBe(false)

      const payload = JSON.parse(second.body) as Payload
      expect(payload).toMatchObject({
        type: 'subject.created',
        purpose: 'contact_management',
        subject: { id: subjectId },
      })
      // The recipient receives contact data only: the e-mail goes, the name is withheld.
      expect(payload.subject.fields).toEqual({ email: 'erika@example.com' })
      expect(second.body).not.toContain('Erika')
      expect(second.body).not.toContain('Muster')
      expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 })

      // Art. 15(1)(c): recorded as a disclosure, once for the delivery.
      const disclosed = await call('GET', `/subjects/${subjectId}/disclosures`)
      // Art. 19: its webhooks tell it of a rectification and an erasure; a restriction is the DPO's to tell.
      expect((disclosed.json() as { recipients: unknown[] }).recipients).toEqual([
        expect.objectContaining({
          notifiedBy: ['subject.changed', 'subject.erased'],
          notifyByHand: ['subject.restricted'],
        }),
      ])
      expect((disclosed.json() as { items: unknown[] }).items).toEqual([
        expect.objectContaining({
          channel: 'webhook',
          fields: ['email'],
          reference: pending?.id,
          recipient: expect.objectContaining({ id: recipientId }),
        }),
      ])

      // Art. 17, 19: the erasure is an event too; its payload carries the pseudonymous id only.
      const erased = await call('DELETE', `/subjects/${subjectId}`)
      expect(erased.statusCode, erased.body).toBe(200)
      expect(await runtime.services.webhooks.deliverDue({ now: t1 })).toMatchObject({ delivered: 1 })
      const last = JSON.parse(receiver.received.at(-1)?.body ?? '{}') as Payload
      expect(last).toMatchObject({ type: 'subject.erased', subject: { id: subjectId, fields: {} } })
    })

    it('writes consent changes to the outbox in their transaction, and nothing for events not subscribed to', async () => {
      const subjectId = await createSubject(t.app, dpo, { firstName: 'Lea', email: 'lea@example.com' })
      await runtime.services.webhooks.deliverDue({ now: at(1800) })
      const consent = await call('POST', `/subjects/${subjectId}/consents`, {
        purposeKey: 'web_tracking',
        channel: 'web',
        kind: 'granted',
        proof: { source: 'form', formKey: 'cookie-banner', textVersion: 'v1' },
      })
      expect(consent.statusCode, consent.body).toBe(201)
      // objection.recorded is not among the subscription's events.
      const objection = await call('POST', `/subjects/${subjectId}/objections`, {
        scope: 'all_marketing',
        source: 'letter',
      })
      expect(objection.statusCode, objection.body).toBe(201)
      const pending = (await deliveries()).filter((d) => d.status === 'pending')
      expect(pending.map((d) => d.event)).toEqual(['consent.changed'])
      await runtime.services.webhooks.deliverDue({ now: at(1860) })
      const last = JSON.parse(receiver.received.at(-1)?.body ?? '{}') as Payload
      expect(last).toMatchObject({ type: 'consent.changed', subject: { id: subjectId } })
    })

    it('tells a subscriber of request.answered when a data subject request is answered', async () => {
      const sub = await call('POST', `/recipients/${recipientId}/webhooks`, {
        url: receiver.url,
        events: ['request.answered'],
        purpose: 'contact_management',
      })
      expect(sub.statusCode, sub.body).toBe(201)
      const subjectId = await createSubject(t.app, dpo, { firstName: 'Ria', email: 'ria@example.com' })
      await runtime.services.webhooks.deliverDue({ now: at(2400) })
      const recorded = await call('POST', `/subjects/${subjectId}/requests`, {
        kind: 'objection',
        channel: 'letter',
      })
      expect(recorded.statusCode, recorded.body).toBe(201)
      const id = (recorded.json() as { id: string }).id
      for (const body of [
        { step: 'verify', method: 'signature', note: 'signed letter compared with the file' },
        { step: 'start' },
        { step: 'answer', note: 'objection recorded' },
      ]) {
        const res = await call('POST', `/requests/${id}/steps`, body)
        expect(res.statusCode, res.body).toBe(200)
      }
      receiver.received.length = 0
      await runtime.services.webhooks.deliverDue({ now: at(2460) })
      const types = receiver.received.map((r) => (JSON.parse(r.body) as Payload).type)
      expect(types).toContain('request.answered')
    })

    it('does not follow a redirect, and refuses delivery once the transfer is no longer lawful', async () => {
      receiver.received.length = 0
      await createSubject(t.app, dpo, { firstName: 'Max', email: 'max@example.com' })
      receiver.answers.push(302)
      const now = at(3600)
      expect(await runtime.services.webhooks.deliverDue({ now })).toMatchObject({ retrying: 1 })
      expect(receiver.received).toHaveLength(1)
      expect((await deliveries())[0]).toMatchObject({
        lastStatus: 302,
        lastError: expect.stringMatching(/redirects are not followed/),
      })

      // The recipient moves to the US without a mechanism: the next attempt is refused, audited.
      const moved = await call('PATCH', `/recipients/${recipientId}`, { country: 'US' })
      expect(moved.statusCode, moved.body).toBe(200)
      expect(await runtime.services.webhooks.deliverDue({ now: at(3660) })).toMatchObject({
        refused: 1,
      })
      expect(receiver.received).toHaveLength(1)
      expect((await deliveries())[0]).toMatchObject({
        status: 'refused',
        lastError: expect.stringMatching(/Shop GmbH \(US\)/),
      })

      // Ending the subscription cancels what is pending.
      const ended = await call('PATCH', `/webhooks/${subscriptionId}`, { active: false })
      expect(ended.statusCode, ended.body).toBe(200)
      const rotated = await call('PATCH', `/webhooks/${subscriptionId}`, { rotateSecret: true })
      expect((rotated.json() as { secret: string }).secret).not.toBe(secret)
    })
  })
}
