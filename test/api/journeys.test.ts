import type { LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { GateActor } from '../../src/privacy/gate/gate.service.ts'
import { ScoreRepository } from '../../src/privacy/scores/score.repository.ts'
import { type NewScore, ScoreStore } from '../../src/privacy/scores/score-store.ts'
import { ENGINES, openTestRuntime, type TestRuntime } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'
import { type SmsPeer, startSmsPeer } from '../support/sms-peer.ts'
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp.ts'

const PUBLIC_URL = 'https://crm.example.test'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const SYSTEM: GateActor = { type: 'system', id: 'journeys-test', role: 'admin' }

/** The header section of a received mail, unfolded (RFC 5322 § 2.2.3). */
const headersOf = (mail: ReceivedMail) =>
  ((mail.raw.toString('utf8').split('\r\n\r\n')[0] as string) ?? '').replace(/\r\n[ \t]+/g, ' ')

/**
 * Issue #17, "Triggers": journeys through the API, the tick with an injected clock, real mail to
 * a real SMTP server. A welcome after a confirmed double opt-in, waits, a reactivation when P(alive)
 * drops, an abandoned-order reminder, a withdrawal mid-journey, redelivered and concurrent ticks.
 */
describeEachEngineWithMail('journeys', { publicUrl: PUBLIC_URL }, (runtime, smtp) => {
  let t: TestApp
  let admin: string
  let marketing: string
  let people = 0

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@journeys.test', 'admin')
    marketing = await t.signIn('marketing@journeys.test', 'marketing')
  })
  afterAll(async () => {
    await t?.app.close()
  })
  // Each test's journey runs alone: whatever a test left active is paused after it.
  afterEach(async () => {
    for (const j of await runtime().services.journeys.list())
      if (j.status === 'active') await runtime().services.journeys.pause({ actor: SYSTEM }, j.id)
  })

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    cookie: string,
    payload?: unknown,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })
  const ok = (res: LightMyRequestResponse, status = 200) => {
    expect(res.statusCode, res.body).toBe(status)
    return res.json()
  }
  const tick = (now: Date) => runtime().services.journeys.tick({ now })
  const person = async (firstName = 'Erika') => {
    const email = `person${++people}@journeys.test`
    const id = await createSubject(t.app, admin, { firstName, email })
    return { id, email }
  }
  const consent = (
    subjectId: string,
    purposeKey: string,
    channel: 'email' | 'none',
    kind: 'requested' | 'confirmed' | 'granted' | 'withdrawn',
  ) =>
    runtime().services.permissions.recordConsent([
      {
        actor: SYSTEM,
        subjectId,
        purposeKey,
        channel,
        kind,
        proof:
          kind === 'withdrawn'
            ? { source: 'email' }
            : { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
      },
    ])
  /** The real double opt-in: a sign-up asks, the link's button confirms (the consent event `confirmed`). */
  const doubleOptIn = async (subjectId: string) => {
    const { doubleOptIn: doi } = runtime().services
    const asked = await runtime()
      .database.db.transaction()
      .execute((trx) =>
        doi.ask(
          {
            subjectId,
            formKey: 'newsletter',
            purposes: [{ purposeKey: 'newsletter_email', channel: 'email', textVersion: 'v1' }],
            client: {},
            actor: SYSTEM,
          },
          trx,
        ),
      )
    if (asked.kind !== 'mail') throw new Error(`no confirmation link: ${asked.kind}`)
    expect((await doi.confirm(asked.token, {})).kind).toBe('confirmed')
  }
  /** Creates and activates a journey as the marketing user. */
  const activeJourney = async (body: Record<string, unknown>) => {
    const created = ok(await call('POST', '/journeys', marketing, body), 201) as {
      id: string
      status: string
    }
    expect(created.status).toBe('draft')
    const activated = ok(await call('POST', `/journeys/${created.id}/activate`, marketing)) as {
      status: string
    }
    expect(activated.status).toBe('active')
    return created.id
  }
  const enrolmentsOf = async (journeyId: string) =>
    (
      ok(await call('GET', `/journeys/${journeyId}/enrolments?limit=500`, marketing)) as {
        items: { subjectId: string; status: string; reason: string | null; step: number; trigger: string }[]
      }
    ).items
  const send = (
    purposeKey: string,
    de: { subject: string; text: string },
    en?: { subject: string; text: string },
  ) => ({
    type: 'send',
    channel: 'email',
    purposeKey,
    content: { de, ...(en ? { en } : {}) },
  })

  it('welcomes after a confirmed double opt-in, with the unsubscribe headers, and respects the wait', async () => {
    const before = await person('Otto')
    // Confirmed before the journey existed: not welcomed (only what happens after the activation enters).
    await consent(before.id, 'newsletter_email', 'email', 'requested')
    await consent(before.id, 'newsletter_email', 'email', 'confirmed')
    const id = await activeJourney({
      name: 'Welcome',
      trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
      steps: [
        send('newsletter_email', {
          subject: 'Willkommen, {{firstName}}!',
          text: 'Hallo {{ firstName }}, schön dass du da bist.',
        }),
        { type: 'wait', minutes: 60 * 24 },
        send('newsletter_email', { subject: 'Unsere Tipps', text: 'Tag zwei.' }),
      ],
    })
    const erika = await person('Erika')
    await doubleOptIn(erika.id)

    const start = new Date()
    const first = await tick(start)
    expect(first).toMatchObject({ entered: 1, sent: 1 })
    const welcome = await smtp().nextMailTo(erika.email)
    expect(welcome.parsed.subject).toBe('Willkommen, Erika!')
    expect(welcome.parsed.text).toContain('Hallo Erika, schön dass du da bist.')
    const headers = headersOf(welcome)
    expect(headers).toMatch(
      /^List-Unsubscribe: +<https:\/\/crm\.example\.test\/p\/unsubscribe\/[A-Za-z0-9_-]{43}\?lang=de>$/m,
    )
    expect(headers).toMatch(/^List-Unsubscribe-Post: +List-Unsubscribe=One-Click$/m)

    // Within the wait: nothing more; after it: the second message.
    expect(await tick(new Date(start.getTime() + 23 * HOUR))).toMatchObject({ entered: 0, sent: 0 })
    expect(smtp().mailsTo(erika.email)).toHaveLength(1)
    expect(await tick(new Date(start.getTime() + 24 * HOUR + MINUTE))).toMatchObject({
      sent: 1,
      completed: 1,
    })
    expect((await smtp().nextMailTo(erika.email)).parsed.subject).toBe('Unsere Tipps')
    expect(await smtp().settledMailsTo(before.email, 200)).toHaveLength(0)

    const stats = ok(await call('GET', `/journeys/${id}/stats`, marketing)) as {
      enrolled: number
      completed: number
      steps: { entered: number; sent: number }[]
    }
    expect(stats).toMatchObject({ enrolled: 1, completed: 1 })
    expect(stats.steps.map((s) => [s.entered, s.sent])).toEqual([
      [1, 1],
      [1, 0],
      [1, 1],
    ])
    expect(await enrolmentsOf(id)).toEqual([
      expect.objectContaining({ subjectId: erika.id, status: 'completed', step: 3, trigger: 'doi' }),
    ])
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
  })

  it('stops a person who withdraws mid-journey, and says why', async () => {
    const id = await activeJourney({
      name: 'Welcome with withdrawal',
      trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
      steps: [
        send('newsletter_email', { subject: 'Willkommen', text: 'Eins.' }),
        { type: 'wait', minutes: 60 },
        send('newsletter_email', { subject: 'Noch etwas', text: 'Zwei.' }),
      ],
    })
    const stays = await person()
    const leaves = await person()
    await doubleOptIn(stays.id)
    await doubleOptIn(leaves.id)
    const start = new Date()
    expect(await tick(start)).toMatchObject({ entered: 2, sent: 2 })
    await smtp().nextMailTo(leaves.email)
    await consent(leaves.id, 'newsletter_email', 'email', 'withdrawn')
    expect(await tick(new Date(start.getTime() + 61 * MINUTE))).toMatchObject({
      sent: 1,
      stopped: 1,
      completed: 1,
    })
    expect((await smtp().settledMailsTo(leaves.email, 300)).map((m) => m.parsed.subject)).toEqual([
      'Willkommen',
    ])
    expect(
      smtp()
        .mailsTo(stays.email)
        .map((m) => m.parsed.subject),
    ).toEqual(['Willkommen', 'Noch etwas'])
    const enrolments = await enrolmentsOf(id)
    expect(enrolments.find((e) => e.subjectId === leaves.id)).toMatchObject({
      status: 'stopped',
      reason: 'consent-withdrawn',
      step: 2,
    })
    const stats = ok(await call('GET', `/journeys/${id}/stats`, marketing)) as {
      stopped: Record<string, number>
      steps: { refused: Record<string, number> }[]
    }
    expect(stats.stopped).toEqual({ 'consent-withdrawn': 1 })
    expect(stats.steps[2]?.refused).toEqual({ 'consent-withdrawn': 1 })
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
  })

  it('fires a reactivation for a customer whose P(alive) dropped below the threshold', async () => {
    const id = await activeJourney({
      name: 'Reactivation',
      trigger: { kind: 'p-alive-below', threshold: 0.3 },
      defaultLang: 'en',
      steps: [
        send(
          'newsletter_email',
          { subject: 'Wir vermissen dich', text: 'Komm zurück, {{firstName}}.' },
          { subject: 'We miss you', text: 'Come back, {{firstName}}.' },
        ),
      ],
    })
    const dropping = await person('Dora')
    const loyal = await person('Lena')
    const { services, database } = runtime()
    for (const p of [dropping, loyal]) {
      await consent(p.id, 'profiling_offers', 'none', 'granted')
      await consent(p.id, 'newsletter_email', 'email', 'requested')
      await consent(p.id, 'newsletter_email', 'email', 'confirmed')
      ok(
        await call('POST', `/subjects/${p.id}/orders`, admin, {
          orderNumber: `P-${p.id.slice(0, 8)}`,
          orderedAt: '2025-01-15T10:00:00Z',
          status: 'fulfilled',
          lines: [{ description: 'Kaffee', quantity: 1, unitPriceCents: 1200 }],
        }),
        201,
      )
    }
    // A recomputation through the kernel's own store: P(alive) 0.12 for one, 0.85 for the other.
    const store = new ScoreStore({
      db: database.db,
      repository: new ScoreRepository(database.db),
      audit: services.audit,
      purposes: services.purposes,
      permissions: services.permissions,
      roles: services.roles,
    })
    const asOf = new Date().toISOString().slice(0, 10)
    const model = await store.saveModel({
      actor: SYSTEM,
      model: 'test',
      fittedAt: new Date(),
      asOf,
      parameters: {},
      settings: {},
      explanation: {},
      calibration: {},
    })
    await store.scorePage({
      actor: SYSTEM,
      subjectIds: [dropping.id, loyal.id],
      asOf,
      currency: 'EUR',
      model: { version: model.version, computedAt: new Date() },
      event: { scoreKind: 'clv', band: 'high', eventKind: 'churn_risk_high', output: 'pAlive' },
      compute: (statistics) =>
        statistics.map(
          (s): NewScore => ({
            subjectId: s.subjectId,
            kind: 'clv',
            value: 12,
            band: s.subjectId === dropping.id ? 'high' : 'low',
            outputs: { pAlive: s.subjectId === dropping.id ? 0.12 : 0.85 },
            inputs: {},
            model: 'test',
          }),
        ),
    })
    expect(await tick(new Date())).toMatchObject({ entered: 1, sent: 1, completed: 1 })
    const mail = await smtp().nextMailTo(dropping.email)
    expect(mail.parsed.subject).toBe('We miss you')
    expect(mail.parsed.text).toContain('Come back, Dora.')
    expect(await smtp().settledMailsTo(loyal.email, 200)).toHaveLength(0)
    // Once per person: the next recomputation with the same low value enrols nobody again.
    expect(await tick(new Date(Date.now() + MINUTE))).toMatchObject({ entered: 0, sent: 0 })
    expect(await enrolmentsOf(id)).toEqual([
      expect.objectContaining({ subjectId: dropping.id, trigger: 'p-alive', status: 'completed' }),
    ])
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
  })

  it('reminds of an abandoned order, and stops when the order is paid', async () => {
    const id = await activeJourney({
      name: 'Abandoned order',
      trigger: { kind: 'order-abandoned', hours: 24 },
      steps: [
        send('newsletter_email', { subject: 'Ihre Bestellung wartet', text: 'Erinnerung eins.' }),
        { type: 'wait', minutes: 48 * 60 },
        send('newsletter_email', { subject: 'Letzte Erinnerung', text: 'Erinnerung zwei.' }),
      ],
    })
    const orderOf = async (p: { id: string }, status: 'open' | 'fulfilled') =>
      (
        ok(
          await call('POST', `/subjects/${p.id}/orders`, admin, {
            orderNumber: `O-${p.id.slice(0, 8)}`,
            orderedAt: new Date().toISOString(),
            status,
            lines: [{ description: 'Mühle', quantity: 1, unitPriceCents: 4900 }],
          }),
          201,
        ) as { id: string }
      ).id
    const waits = await person()
    const pays = await person()
    const fulfilled = await person()
    for (const p of [waits, pays, fulfilled]) {
      await consent(p.id, 'newsletter_email', 'email', 'requested')
      await consent(p.id, 'newsletter_email', 'email', 'confirmed')
    }
    await orderOf(waits, 'open')
    await orderOf(pays, 'open')
    await orderOf(fulfilled, 'fulfilled')

    const start = new Date()
    // Not abandoned yet.
    expect(await tick(new Date(start.getTime() + 23 * HOUR))).toMatchObject({ entered: 0 })
    expect(await tick(new Date(start.getTime() + 25 * HOUR))).toMatchObject({ entered: 2, sent: 2 })
    expect((await smtp().nextMailTo(waits.email)).parsed.subject).toBe('Ihre Bestellung wartet')
    expect((await smtp().nextMailTo(pays.email)).parsed.subject).toBe('Ihre Bestellung wartet')

    // The order is paid (an invoice naming it): the reminder journey stops for that person.
    const invoice = ok(
      await call('POST', `/subjects/${pays.id}/invoices`, admin, {
        invoiceNumber: `R-${pays.id.slice(0, 8)}`,
        orderNumber: `O-${pays.id.slice(0, 8)}`,
        issuedAt: new Date().toISOString(),
        dueOn: new Date(Date.now() + 14 * 24 * HOUR).toISOString().slice(0, 10),
        amountCents: 4900,
        currency: 'EUR',
      }),
      201,
    ) as { id: string }
    ok(
      await call('POST', `/subjects/${pays.id}/invoices/${invoice.id}/payment`, admin, {
        paidAt: new Date().toISOString(),
      }),
    )

    expect(await tick(new Date(start.getTime() + 74 * HOUR))).toMatchObject({ sent: 1, stopped: 1 })
    expect((await smtp().nextMailTo(waits.email)).parsed.subject).toBe('Letzte Erinnerung')
    expect(await smtp().settledMailsTo(pays.email, 200)).toHaveLength(1)
    expect(smtp().mailsTo(fulfilled.email)).toHaveLength(0)
    const enrolments = await enrolmentsOf(id)
    expect(enrolments.find((e) => e.subjectId === pays.id)).toMatchObject({
      status: 'stopped',
      reason: 'order-completed',
      trigger: 'order',
    })
    expect(enrolments.find((e) => e.subjectId === waits.id)).toMatchObject({ status: 'completed' })
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
  })

  it('sends each step once however often and however concurrently the tick runs', {
    timeout: 300_000,
  }, async () => {
    const id = await activeJourney({
      name: 'Redelivered',
      trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
      steps: [
        send('newsletter_email', { subject: 'Eins', text: 'Eins.' }),
        { type: 'wait', minutes: 5 },
        send('newsletter_email', { subject: 'Zwei', text: 'Zwei.' }),
      ],
    })
    const group = await Promise.all(Array.from({ length: 5 }, () => person()))
    for (const p of group) await doubleOptIn(p.id)
    const start = new Date()
    // 1,000 ticks in all, in waves of 20 at once: redelivered and overlapping runs, before and after the wait.
    const results: { errors: number }[] = []
    for (const offset of [0, 6 * MINUTE])
      for (let wave = 0; wave < 25; wave++)
        results.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, () => tick(new Date(start.getTime() + offset + wave * 1000))),
          )),
        )
    expect(results).toHaveLength(1000)
    expect(results.filter((r) => r.errors > 0)).toEqual([])
    for (const p of group) {
      const mails = await smtp().settledMailsTo(p.email, 300)
      expect(mails.map((m) => m.parsed.subject).sort()).toEqual(['Eins', 'Zwei'])
    }
    const stats = ok(await call('GET', `/journeys/${id}/stats`, marketing)) as {
      enrolled: number
      completed: number
      steps: { sent: number }[]
    }
    expect(stats).toMatchObject({ enrolled: 5, completed: 5 })
    expect(stats.steps.map((s) => s.sent)).toEqual([5, 0, 5])
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
  })

  it('never sends again a step an interrupted tick may have sent, and records it', async () => {
    const id = await activeJourney({
      name: 'Interrupted',
      trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
      steps: [
        send('newsletter_email', { subject: 'Eins', text: 'Eins.' }),
        send('newsletter_email', { subject: 'Zwei', text: 'Zwei.' }),
      ],
    })
    const p = await person()
    await doubleOptIn(p.id)
    // What a tick that died between writing the ledger row and sending leaves behind.
    const now = new Date()
    await runtime()
      .database.db.insertInto('journey_send')
      .values({
        subject_id: p.id,
        journey_id: id,
        trigger_ref: 'doi',
        step: 0,
        channel: 'email',
        purpose_key: 'newsletter_email',
        status: 'sending',
        created_at: now,
        updated_at: now,
      })
      .execute()
    expect(await tick(new Date())).toMatchObject({ entered: 1, sent: 1, completed: 1, errors: 0 })
    expect((await smtp().settledMailsTo(p.email, 200)).map((m) => m.parsed.subject)).toEqual(['Zwei'])
    const stats = ok(await call('GET', `/journeys/${id}/stats`, marketing)) as {
      steps: { sent: number; failed: Record<string, number> }[]
    }
    expect(stats.steps).toMatchObject([
      { sent: 0, failed: { interrupted: 1 } },
      { sent: 1, failed: {} },
    ])
  })

  it("limits a journey to a segment's members", async () => {
    const segment = ok(
      await call('POST', '/segments', marketing, {
        name: 'Leads only',
        purpose: 'newsletter_email',
        rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['lead'] }] },
      }),
      201,
    ) as { id: string }
    const id = await activeJourney({
      name: 'Leads welcome',
      trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
      segmentId: segment.id,
      steps: [send('newsletter_email', { subject: 'Hallo Lead', text: 'Willkommen.' })],
    })
    const customer = await person()
    const leadEmail = `lead${++people}@journeys.test`
    const lead = (
      ok(
        await call('POST', '/subjects', admin, {
          kinds: ['lead'],
          identifiers: { firstName: 'Lea', email: leadEmail },
        }),
        201,
      ) as { id: string }
    ).id
    await doubleOptIn(customer.id)
    await doubleOptIn(lead)
    expect(await tick(new Date())).toMatchObject({ entered: 1, sent: 1, errors: 0 })
    expect((await smtp().nextMailTo(leadEmail)).parsed.subject).toBe('Hallo Lead')
    expect(await smtp().settledMailsTo(customer.email, 200)).toHaveLength(0)
    expect(await enrolmentsOf(id)).toEqual([expect.objectContaining({ subjectId: lead })])
    ok(await call('POST', `/journeys/${id}/pause`, marketing))
    // An unknown segment is refused, named at the field.
    const unknown = await call('PATCH', `/journeys/${id}`, marketing, {
      segmentId: '00000000-0000-4000-8000-000000000000',
    })
    expect(unknown.statusCode, unknown.body).toBe(400)
    expect(problemOf(unknown).errors?.map((e) => e.field)).toEqual(['segmentId'])
  })

  it('checks a journey when saved, versions changes, and deletes only a draft', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await call('POST', '/journeys', marketing, body)
      expect(res.statusCode, res.body).toBe(400)
      expect(problemOf(res).errors?.map((e) => e.field)).toContain(field)
    }
    const welcome = send('newsletter_email', { subject: 'Hallo', text: 'Hallo {{firstName}}' })
    await bad({ name: 'x', trigger: { kind: 'doi-confirmed' }, steps: [welcome] }, 'trigger.purposeKey')
    await bad({ name: 'x', trigger: { kind: 'p-alive-below' }, steps: [welcome] }, 'trigger.threshold')
    await bad(
      { name: 'x', trigger: { kind: 'order-abandoned', hours: 2 }, steps: [{ type: 'wait', minutes: 5 }] },
      'steps',
    )
    await bad(
      {
        name: 'x',
        trigger: { kind: 'order-abandoned', hours: 2 },
        steps: [send('newsletter_email', { subject: 'a', text: '{{iban}}' })],
      },
      'steps.0.content.de.text',
    )
    await bad(
      {
        name: 'x',
        trigger: { kind: 'order-abandoned', hours: 2 },
        steps: [send('order_processing', { subject: 'a', text: 'b' })],
      },
      'steps.0.purposeKey',
    )
    await bad(
      { name: 'x', defaultLang: 'en', trigger: { kind: 'order-abandoned', hours: 2 }, steps: [welcome] },
      'steps.0.content.en',
    )

    const created = ok(
      await call('POST', '/journeys', marketing, {
        name: 'Draft',
        trigger: { kind: 'order-abandoned', hours: 2 },
        steps: [welcome],
      }),
      201,
    ) as { id: string; version: number }
    expect(created.version).toBe(1)
    expect(
      (
        await call('POST', '/journeys', marketing, {
          name: 'draft',
          trigger: { kind: 'order-abandoned', hours: 2 },
          steps: [welcome],
        })
      ).statusCode,
    ).toBe(409)
    const patched = ok(
      await call('PATCH', `/journeys/${created.id}`, marketing, {
        trigger: { kind: 'order-abandoned', hours: 4 },
        version: 1,
      }),
    ) as {
      version: number
      trigger: { hours: number }
    }
    expect(patched).toMatchObject({ version: 2, trigger: { hours: 4 } })
    expect(
      (await call('PATCH', `/journeys/${created.id}`, marketing, { name: 'Stale', version: 1 })).statusCode,
    ).toBe(409)
    // Reading needs campaigns:read: a service user is refused.
    const service = await t.signIn('service@journeys.test', 'service')
    expect((await call('GET', '/journeys', service)).statusCode).toBe(403)
    ok(await call('POST', `/journeys/${created.id}/activate`, marketing))
    expect(
      (await call('PATCH', `/journeys/${created.id}`, marketing, { name: 'Active edit' })).statusCode,
    ).toBe(409)
    expect((await call('DELETE', `/journeys/${created.id}`, marketing)).statusCode).toBe(409)
    ok(await call('POST', `/journeys/${created.id}/pause`, marketing))

    const draft = ok(
      await call('POST', '/journeys', marketing, {
        name: 'Throwaway',
        trigger: { kind: 'p-alive-below', threshold: 0.2 },
        steps: [welcome],
      }),
      201,
    ) as { id: string }
    expect((await call('DELETE', `/journeys/${draft.id}`, marketing)).statusCode).toBe(204)
    expect((await call('GET', `/journeys/${draft.id}`, marketing)).statusCode).toBe(404)
    expect((await call('GET', `/journeys/${created.id}/enrolments?after=!!`, marketing)).statusCode).toBe(400)
  })
})

/**
 * A mail server that refuses (here: wrong credentials, as an outage would): the step is retried
 * with backoff — its ledger row released each time, so nothing counts as sent — and after the
 * fifth failure the person is stopped with `send-failed`.
 */
for (const engine of ENGINES)
  describe(`journeys when the mail server refuses [${engine}]`, () => {
    let smtp: TestSmtpServer | undefined
    let runtime: TestRuntime | undefined
    beforeAll(async () => {
      smtp = await startSmtpServer()
      runtime = await openTestRuntime(engine, {
        TRESOR_SMTP_URL: smtp.url.replace('smtp-test-secret', 'wrong-secret'),
        TRESOR_PUBLIC_URL: PUBLIC_URL,
        TRESOR_MAIL_FROM: 'Tresor <news@example.com>',
      })
    })
    afterAll(async () => {
      runtime?.services.mailer.close()
      await runtime?.dispose()
      await smtp?.close()
    })

    it('retries with backoff, then stops the person with send-failed', async () => {
      const r = runtime as TestRuntime
      const { journeys, gate, permissions } = r.services
      const journey = await journeys.create(
        { actor: SYSTEM },
        {
          name: 'Welcome',
          trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
          steps: [
            {
              type: 'send',
              channel: 'email',
              purposeKey: 'newsletter_email',
              content: { de: { subject: 'Hallo', text: 'Hallo.' } },
            },
          ],
        },
      )
      await journeys.activate({ actor: SYSTEM }, journey.id)
      const [id] = await gate.collect({
        actor: SYSTEM,
        subjects: [
          {
            kinds: ['customer'],
            source: 'test',
            attributes: {},
            identifiers: { email: 'refused@journeys.test' },
          },
        ],
      })
      for (const kind of ['requested', 'confirmed'] as const)
        await permissions.recordConsent([
          {
            actor: SYSTEM,
            subjectId: id as string,
            purposeKey: 'newsletter_email',
            channel: 'email',
            kind,
            proof: { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
          },
        ])
      const start = Date.now()
      expect(await journeys.tick({ now: new Date(start) })).toMatchObject({ entered: 1, sent: 0, retried: 1 })
      // Not due again before its backoff (2 minutes).
      expect(await journeys.tick({ now: new Date(start + 60_000) })).toMatchObject({ retried: 0 })
      let at = start
      for (const wait of [2, 4, 8]) {
        at += wait * 60_000
        expect(await journeys.tick({ now: new Date(at) })).toMatchObject({ retried: 1, stopped: 0 })
      }
      expect(await journeys.tick({ now: new Date(at + 16 * 60_000) })).toMatchObject({
        retried: 0,
        stopped: 1,
      })
      const page = await journeys.enrolments({ actor: SYSTEM }, journey.id, { limit: 10 })
      expect(page.items).toEqual([expect.objectContaining({ status: 'stopped', reason: 'send-failed' })])
      const stats = await journeys.stats(journey.id)
      expect(stats.steps[0]).toMatchObject({ sent: 0, failed: { 'send-failed': 1 } })
      expect(smtp?.received).toHaveLength(0)
    })
  })

/** An SMS step through the campaigns' SMS sender to a real HTTP provider peer (consent only, § 7(2) UWG). */
for (const engine of ENGINES)
  describe(`journeys with an SMS step [${engine}]`, () => {
    let peer: SmsPeer | undefined
    let runtime: TestRuntime | undefined
    beforeAll(async () => {
      peer = await startSmsPeer()
      runtime = await openTestRuntime(engine, { TRESOR_SMS_URL: peer.url, TRESOR_PUBLIC_URL: PUBLIC_URL })
    })
    afterAll(async () => {
      await runtime?.dispose()
      await peer?.close()
    })

    it('texts whom the SMS consent allows, with the opt-out line, and stops the others with the rule', async () => {
      const r = runtime as TestRuntime
      const { journeys, gate, permissions } = r.services
      const journey = await journeys.create(
        { actor: SYSTEM },
        {
          name: 'SMS welcome',
          trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
          steps: [
            {
              type: 'send',
              channel: 'sms',
              purposeKey: 'sms_marketing',
              content: { de: { text: 'Hallo {{firstName}}, willkommen!' } },
            },
          ],
        },
      )
      await journeys.activate({ actor: SYSTEM }, journey.id)
      const [texted, without] = (await gate.collect({
        actor: SYSTEM,
        subjects: [
          {
            kinds: ['customer'],
            source: 'test',
            attributes: {},
            identifiers: { firstName: 'Sina', phone: '+4915112345678' },
          },
          {
            kinds: ['customer'],
            source: 'test',
            attributes: {},
            identifiers: { firstName: 'Udo', phone: '+4915187654321' },
          },
        ],
      })) as [string, string]
      // SMS marketing needs a confirmed consent (double opt-in); only the first has one.
      for (const kind of ['requested', 'confirmed'] as const)
        await permissions.recordConsent([
          {
            actor: SYSTEM,
            subjectId: texted,
            purposeKey: 'sms_marketing',
            channel: 'sms',
            kind,
            proof: { source: 'form', formKey: 'sms', textVersion: 'v1' },
          },
        ])
      for (const subjectId of [texted, without])
        for (const kind of ['requested', 'confirmed'] as const)
          await permissions.recordConsent([
            {
              actor: SYSTEM,
              subjectId,
              purposeKey: 'newsletter_email',
              channel: 'email',
              kind,
              proof: { source: 'form', formKey: 'newsletter', textVersion: 'v1' },
            },
          ])
      expect(await journeys.tick({ now: new Date() })).toMatchObject({
        entered: 2,
        sent: 1,
        stopped: 1,
        errors: 0,
      })
      const accepted = peer?.accepted() ?? []
      expect(accepted).toHaveLength(1)
      expect(accepted[0]?.body.to).toBe('+4915112345678')
      expect(accepted[0]?.body.text).toMatch(
        /^Hallo Sina, willkommen!\s+Abmelden: https:\/\/crm\.example\.test\/p\/unsubscribe\//,
      )
      // A redelivered tick texts nobody again.
      await journeys.tick({ now: new Date() })
      expect(peer?.accepted()).toHaveLength(1)
      const page = await journeys.enrolments({ actor: SYSTEM }, journey.id, { limit: 10 })
      expect(page.items.find((e) => e.subjectId === without)).toMatchObject({
        status: 'stopped',
        reason: 'no-consent',
      })
      expect(page.items.find((e) => e.subjectId === texted)).toMatchObject({ status: 'completed' })
    })

    it('refuses an SMS step under a purpose without the channel, named at the field', async () => {
      const { journeys } = (runtime as TestRuntime).services
      await expect(
        journeys.create(
          { actor: SYSTEM },
          {
            name: 'Bad SMS',
            trigger: { kind: 'p-alive-below', threshold: 0.3 },
            steps: [
              {
                type: 'send',
                channel: 'sms',
                purposeKey: 'newsletter_email',
                content: { de: { text: 'x' } },
              },
            ],
          },
        ),
      ).rejects.toMatchObject({ errors: [{ field: 'steps.0.purposeKey' }] })
    })
  })
