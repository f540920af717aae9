import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { GateActor } from '../../privacy/gate/gate.service.ts'
import { applyConsentEvent, type ConsentRecord } from '../../privacy/permissions/consent-transition.ts'
import type { ConsentEventKind } from '../../privacy/permissions/permission-rules.ts'
import { generateDemoData } from './demo.service.ts'
import type { DemoSubject } from './demo-bucket.ts'
import { generatePeople } from './demo-generator.ts'
import { seedDemoPermissions } from './demo-permissions.ts'
import { type DemoCatalogue, seedDemoCatalogue, seedDemoRecords } from './demo-records.ts'

const N = 1_500
const SEED = 1
const ACTOR: GateActor = { type: 'job', id: 'demo', role: 'admin' }

describeEachEngine('demo data through the gate', (runtime) => {
  let subjects: DemoSubject[]
  let catalogue: DemoCatalogue
  let permissions: { consents: number; objections: number; restrictions: number }
  let records: { memberships: number; touchpoints: number; orders: number; invoices: number }
  beforeAll(async () => {
    const services = runtime().services
    // Recent: the demo's tracking consents are valid for a limited time (the purpose's consent validity).
    const createdAt = new Date(Date.now() - 30 * 86_400_000)
    const people = [...generatePeople({ seed: SEED, count: N })]
    const ids = await services.subjects.importMany(
      { actor: ACTOR },
      people.map((p) => ({ kinds: p.kinds, source: 'demo', attributes: {}, createdAt, identifiers: {} })),
    )
    subjects = people.map((p, i) => ({ id: ids[i] as string, index: p.index, kinds: p.kinds, createdAt }))
    catalogue = await seedDemoCatalogue(services, { subjects: N })
    permissions = await seedDemoPermissions(services, subjects, { seed: SEED, actor: ACTOR })
    records = await seedDemoRecords(services, subjects, { seed: SEED, actor: ACTOR, catalogue })
  })

  it('gives about the intended shares of consents, objections and restrictions', async () => {
    const newsletter = await runtime().services.permissions.countAudience({ purposeKey: 'newsletter_email' })
    // 40 % confirmed, less the 3 % objecting to all marketing and the 0.5 % restricted.
    expect(newsletter / N).toBeGreaterThan(0.3)
    expect(newsletter / N).toBeLessThan(0.45)
    expect(permissions.objections / N).toBeGreaterThan(0.04)
    expect(permissions.restrictions).toBeGreaterThan(0)
  })

  it('gives customers orders with an invoice each, and B2B contacts their organisation', () => {
    const customers = subjects.filter((s) => s.kinds.includes('customer')).length
    const b2b = subjects.filter((s) => s.kinds.includes('b2b_contact')).length
    expect(records.orders / customers).toBeGreaterThan(0.8)
    expect(records.invoices).toBe(records.orders)
    expect(records.touchpoints).toBeGreaterThan(N / 3)
    // Restricted subjects are not linked (the gate refuses); everyone else is.
    expect(records.memberships).toBeLessThanOrEqual(b2b)
    expect(records.memberships / b2b).toBeGreaterThan(0.95)
  })

  it('adds nothing when run again on the same subjects', async () => {
    const services = runtime().services
    expect(await seedDemoPermissions(services, subjects, { seed: SEED, actor: ACTOR })).toEqual({
      consents: 0,
      objections: 0,
      restrictions: 0,
    })
    const again = await seedDemoRecords(services, subjects, { seed: SEED, actor: ACTOR, catalogue })
    expect(again).toMatchObject({ touchpoints: 0, orders: 0, invoices: 0 })
    expect(await seedDemoCatalogue(services, { subjects: N })).toEqual(catalogue)
  })

  it('stores page views only where the tracking consent counts, and totals that add up', async () => {
    const { rows } = await sql<{ untracked: number; mismatched: number; unbilled: number; unlinked: number }>`
      select
        (select count(*) from touchpoint t where t.type = 'page_view' and not exists (
           select 1 from permission_state p where p.subject_id = t.subject_id and p.purpose_key = 'web_tracking'
             and p.status in ('granted', 'confirmed'))) as untracked,
        (select count(*) from customer_order o where o.total_cents <> (
           select sum(l.quantity * l.unit_price_cents) from order_line l where l.subject_id = o.subject_id and l.order_id = o.id)) as mismatched,
        (select count(*) from invoice i join customer_order o on o.subject_id = i.subject_id and o.id = i.order_id
          where i.amount_cents <> o.total_cents) as unbilled,
        (select count(*) from invoice i where i.order_id is null) as unlinked
    `.execute(runtime().database.db)
    expect(rows[0]).toMatchObject({ untracked: 0, mismatched: 0, unbilled: 0, unlinked: 0 })
  })

  it('writes a consent history that replays to exactly the stored state', async () => {
    const db = runtime().database.db
    const states = await db
      .selectFrom('permission_state')
      .selectAll()
      .orderBy('subject_id')
      .limit(300)
      .execute()
    const events = await db
      .selectFrom('consent_event')
      .selectAll()
      .where(
        'subject_id',
        'in',
        states.map((s) => s.subject_id),
      )
      .orderBy('seq')
      .execute()
    const validity = new Map(
      (await db.selectFrom('purpose').select(['key', 'consent_validity']).execute()).map((p) => [
        p.key,
        p.consent_validity,
      ]),
    )
    const replayed = new Map<string, ConsentRecord | null>()
    for (const e of events) {
      const key = `${e.subject_id}/${e.purpose_key}/${e.channel}`
      const next = applyConsentEvent(
        replayed.get(key) ?? null,
        e.kind as ConsentEventKind,
        e.occurred_at,
        validity.get(e.purpose_key) ?? null,
      )
      expect(next.ok, `${key}: ${e.kind}`).toBe(true)
      if (next.ok) replayed.set(key, next.state)
    }
    for (const s of states) {
      const r = replayed.get(`${s.subject_id}/${s.purpose_key}/${s.channel}`)
      expect(r, s.subject_id).toMatchObject({
        status: s.status,
        requestedAt: s.requested_at,
        grantedAt: s.granted_at,
        confirmedAt: s.confirmed_at,
        withdrawnAt: s.withdrawn_at,
        expiresAt: s.expires_at,
      })
    }
  })

  it('generates people with all of it in one run, audited as the demo job', async () => {
    const summary = await generateDemoData(runtime().services, { subjects: 200, seed: 9, batchSize: 150 })
    expect(summary).toMatchObject({ subjects: 200, organisations: 20 })
    expect(summary.consents).toBeGreaterThan(0)
    expect(summary.invoices).toBe(summary.orders)
    const { rows } = await sql<{ actions: string[] }>`
      select array_agg(distinct action order by action) as actions from audit_event
      where actor_type = 'job' and actor_id = 'demo'
    `.execute(runtime().database.db)
    expect(rows[0]?.actions).toEqual(expect.arrayContaining(['consent', 'import', 'objection', 'restrict']))
  })
})
