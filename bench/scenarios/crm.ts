import { measure, type Scenario } from '../harness.ts'
import { load } from '../support/load.ts'
import { createApiToken, prepareInstance, type RunningServer } from '../support/tresor.ts'

const EVENTS_PER_BATCH = 100
const CONNECTIONS = 4
const DURATION_SECONDS = 10
const WARMUP_SECONDS = 3

async function api<T>(
  server: RunningServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`)
  return (text ? JSON.parse(text) : null) as T
}

/** Ids of the first `n` demo subjects, through the API. */
async function subjectIds(server: RunningServer, token: string, n: number): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  while (ids.length < n) {
    const page: { items: { id: string }[]; nextCursor: string | null } = await api(
      server,
      token,
      'GET',
      `/api/v1/subjects?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    ids.push(...page.items.map((s) => s.id))
    if (!page.nextCursor) break
    cursor = page.nextCursor
  }
  return ids.slice(0, n)
}

/**
 * `POST /api/v1/events` in batches of 100 over HTTP, as a shop or website sends them: page views
 * (only stored with tracking consent) and form submissions (legitimate interest) of demo subjects;
 * every batch checked set-based per purpose, stored and audited in one transaction.
 */
export const eventsIngest: Scenario = {
  name: 'events-ingest',
  description:
    `autocannon, ${CONNECTIONS} connections for ${DURATION_SECONDS} s, POST /api/v1/events with batches of ${EVENTS_PER_BATCH} ` +
    'touchpoints (half page views, half form submissions) of 2,000 demo subjects, with an API token; events/s = ' +
    'batches/s × 100 (accepted or rejected, each with its consent check), and the share accepted.',
  defaultScale: 10_000,
  async run(ctx) {
    const instance = await ctx.instance('events-ingest')
    ctx.log(`preparing ${ctx.scale.toLocaleString('en')} demo subjects`)
    await prepareInstance(instance, ctx.scale)
    const token = await createApiToken(instance)
    const server = await ctx.startServer(instance, { args: ['--no-worker'] })
    const ids = await subjectIds(server, token, 2_000)
    const at = new Date(Date.now() - 3_600_000).toISOString()
    const bodies = Array.from({ length: 20 }, (_, b) =>
      JSON.stringify({
        source: 'bench',
        events: Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
          subjectId: ids[(b * EVENTS_PER_BATCH + i) % ids.length],
          type: i % 2 === 0 ? 'page_view' : 'form_submit',
          occurredAt: at,
          properties: i % 2 === 0 ? { path: `/produkte/${i}` } : { form: 'kontakt' },
        })),
      }),
    )
    const probe = await api<{ accepted: number; rejected: number }>(
      server,
      token,
      'POST',
      '/api/v1/events',
      JSON.parse(bodies[0] as string),
    )
    if (probe.accepted === 0) throw new Error(`a probe batch stored nothing: ${JSON.stringify(probe)}`)
    ctx.log(`probe batch: ${probe.accepted} accepted, ${probe.rejected} rejected`)
    return measure(
      ctx,
      'ingest',
      { warmups: 1, runs: 3 },
      { events_per_s: 'events/s', batch_p50_ms: 'ms', batch_p99_ms: 'ms', accepted_share: 'share' },
      async ({ warmup }) => {
        const r = await load({
          url: `${server.baseUrl}/api/v1/events`,
          headers: { authorization: `Bearer ${token}` },
          bodies,
          connections: CONNECTIONS,
          durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS,
        })
        return {
          events_per_s: r.rps * EVENTS_PER_BATCH,
          batch_p50_ms: r.p50Ms,
          batch_p99_ms: r.p99Ms,
          accepted_share: probe.accepted / EVENTS_PER_BATCH,
        }
      },
    )
  },
}

/**
 * `GET /api/v1/subjects/{id}/overview` over HTTP of one contact with 50 touchpoints and 10 orders
 * (with invoices and notes) among `scale` demo subjects: the 360° view a sales user opens.
 */
export const overview: Scenario = {
  name: 'overview',
  description:
    'autocannon, 2 connections for 10 s, GET /api/v1/subjects/{id}/overview with an API token (admin role) of a ' +
    'contact with 50 touchpoints, 10 orders with invoices and 3 notes, among `scale` demo subjects; every part is ' +
    'read through the gates and audited.',
  defaultScale: 10_000,
  async run(ctx) {
    const instance = await ctx.instance('overview')
    ctx.log(`preparing ${ctx.scale.toLocaleString('en')} demo subjects`)
    await prepareInstance(instance, ctx.scale)
    const token = await createApiToken(instance)
    const server = await ctx.startServer(instance, { args: ['--no-worker'] })
    const contact = await api<{ id: string }>(server, token, 'POST', '/api/v1/subjects', {
      kinds: ['customer', 'b2b_contact'],
      identifiers: {
        firstName: 'Bench',
        lastName: 'Kontakt',
        email: 'bench.kontakt@example.test',
        phone: '030 1234567',
      },
      attributes: { country: 'DE', region: 'DE-10' },
    })
    const now = Date.now()
    await api(server, token, 'POST', '/api/v1/events', {
      source: 'bench',
      events: Array.from({ length: 50 }, (_, i) => ({
        subjectId: contact.id,
        type: 'form_submit',
        occurredAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
        properties: { form: `f${i}` },
      })),
    })
    for (let i = 0; i < 10; i++) {
      await api(server, token, 'POST', `/api/v1/subjects/${contact.id}/orders`, {
        orderNumber: `B-${i}`,
        orderedAt: new Date(now - (i + 1) * 86_400_000).toISOString(),
        lines: [{ description: 'Artikel', quantity: 1 + (i % 3), unitPriceCents: 1999 }],
      })
      await api(server, token, 'POST', `/api/v1/subjects/${contact.id}/invoices`, {
        invoiceNumber: `R-${i}`,
        orderNumber: `B-${i}`,
        issuedAt: new Date(now - (i + 1) * 86_400_000).toISOString(),
        dueOn: new Date(now + (14 - i * 3) * 86_400_000).toISOString().slice(0, 10),
        amountCents: 1999 * (1 + (i % 3)),
      })
    }
    for (let i = 0; i < 3; i++)
      await api(server, token, 'POST', `/api/v1/subjects/${contact.id}/notes`, { text: `Notiz ${i}` })
    const url = `/api/v1/subjects/${contact.id}/overview`
    const view = await api<{ timeline?: unknown[]; orders?: unknown[] }>(server, token, 'GET', url)
    if (view.timeline?.length !== 63 || view.orders?.length !== 10)
      throw new Error(
        `the overview shows ${view.timeline?.length} timeline items and ${view.orders?.length} orders`,
      )
    return measure(
      ctx,
      'overview',
      { warmups: 1, runs: 3 },
      { overview_p50_ms: 'ms', overview_p99_ms: 'ms', overview_rps: 'req/s' },
      async ({ warmup }) => {
        const r = await load({
          url: `${server.baseUrl}${url}`,
          headers: { authorization: `Bearer ${token}` },
          connections: 2,
          durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS,
        })
        return { overview_p50_ms: r.p50Ms, overview_p99_ms: r.p99Ms, overview_rps: r.rps }
      },
    )
  },
}
