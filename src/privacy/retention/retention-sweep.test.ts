import { randomBytes, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { describeEachEngine, type TestRuntime } from '../../../test/support/engines.ts'
import type { GateActor } from '../gate/gate.service.ts'
import { RECORD_DATES, RETENTION_RECORD_KINDS } from './retention-rule.ts'
import { DATE_TESTS } from './retention-sweep.repository.ts'
import type { RetentionPlan } from './retention-sweep.service.ts'

const DPO: GateActor = { type: 'user', id: 'sweep-test-dpo', role: 'dpo' }
const ADMIN: GateActor = { type: 'user', id: 'sweep-test', role: 'admin' }
const DAY = 86_400_000
const ago = (days: number) => new Date(Date.now() - days * DAY)

describe('the sweep’s date tests', () => {
  it('cover every date RECORD_DATES records a column for', () => {
    for (const kind of RETENTION_RECORD_KINDS)
      for (const [date, source] of Object.entries(RECORD_DATES[kind]))
        if (source && 'latestOf' in source) expect(Object.keys(DATE_TESTS)).toContain(`${kind}:${date}`)
  })
})

async function subject(rt: TestRuntime, kinds: string[], createdAt: Date): Promise<string> {
  const [id] = await rt.services.gate.collect({
    actor: ADMIN,
    subjects: [
      {
        kinds,
        source: 'test',
        attributes: {},
        createdAt,
        identifiers: {
          firstName: 'Synthetic',
          lastName: `Sweep ${randomUUID().slice(0, 8)}`,
          city: 'Berlin',
        },
      },
    ],
  })
  return id as string
}

async function touchpoint(
  rt: TestRuntime,
  subjectId: string,
  occurredAt: Date,
  purpose = 'web_tracking',
  channel = 'web',
): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
    values (${subjectId}::uuid, 'page_view', ${channel}, ${occurredAt.toISOString()}::timestamptz, now(), ${purpose},
            'consent', '{}'::jsonb, 'test')
    returning id::text as id
  `.execute(rt.database.db)
  return (rows[0] as { id: string }).id
}

async function doiRequest(
  rt: TestRuntime,
  subjectId: string,
  requestedAt: Date,
  status: string,
): Promise<string> {
  const id = randomUUID()
  await sql`
    insert into doi_request (subject_id, id, form_key, purposes, requested_at, expires_at, status, closed_at)
    values (${subjectId}::uuid, ${id}::uuid, 'newsletter', '[]'::jsonb, ${requestedAt.toISOString()}::timestamptz,
            ${new Date(requestedAt.getTime() + 3 * DAY).toISOString()}::timestamptz, ${status},
            ${status === 'pending' ? null : new Date(requestedAt.getTime() + DAY).toISOString()}::timestamptz)
  `.execute(rt.database.db)
  await sql`insert into doi_token (token_hash, subject_id, request_id) values (${randomBytes(32)}, ${subjectId}::uuid, ${id}::uuid)`.execute(
    rt.database.db,
  )
  return id
}

const count = async (rt: TestRuntime, query: ReturnType<typeof sql<{ n: number }>>) =>
  Number((await query.execute(rt.database.db)).rows[0]?.n)

const touchpointsOf = (rt: TestRuntime, id: string) =>
  count(rt, sql<{ n: number }>`select count(*)::int8 as n from touchpoint where subject_id = ${id}::uuid`)

const ruleOf = (plan: RetentionPlan, key: string) => {
  const rule = plan.rules.find((r) => r.ruleKey === key)
  if (!rule) throw new Error(`no ${key} in the plan`)
  return rule
}

describeEachEngine('the retention sweeper', (runtime) => {
  const s = () => runtime().services.sweeper
  const f: Record<string, string> = {}

  it('is off until a plan is approved: the daily sweep deletes nothing', async () => {
    const rt = runtime()
    f.leadOld = await subject(rt, ['lead'], ago(3 * 365))
    expect(await s().status()).toMatchObject({ enabled: false, lastApproval: null })
    expect(await s().sweep()).toMatchObject({ enabled: false, runId: null })
    expect(
      await count(
        rt,
        sql<{
          n: number
        }>`select count(*)::int8 as n from subject where id = ${f.leadOld}::uuid and erased_at is null`,
      ),
    ).toBe(1)
  })

  it('plans per rule: counts, the cutoff, a sample; holds and other rules respected; unrecorded dates shown', async () => {
    const rt = runtime()
    // Leads: no interaction for 3 years (due); one with a recent touchpoint; one that is also a customer;
    // one with an unpaid invoice (due, but the erasure keeps the invoice).
    f.leadRecent = await subject(rt, ['lead'], ago(3 * 365))
    await touchpoint(rt, f.leadRecent, ago(30), 'contact_management')
    f.leadCustomer = await subject(rt, ['lead', 'customer'], ago(3 * 365))
    f.leadInvoice = await subject(rt, ['lead'], ago(3 * 365))
    await sql`
      insert into invoice (subject_id, invoice_number, issued_at, due_on, amount_cents, currency, created_at)
      values (${f.leadInvoice}::uuid, 'R-1', ${ago(3 * 365).toISOString()}::timestamptz, '2024-01-01', 1000, 'EUR', now())
    `.execute(rt.database.db)
    // Web tracking: two old touchpoints and a recent one; a subject whose touchpoints a legal hold keeps.
    f.tracked = await subject(rt, ['customer'], ago(900))
    await touchpoint(rt, f.tracked, ago(800))
    await touchpoint(rt, f.tracked, ago(500))
    await touchpoint(rt, f.tracked, ago(20))
    f.trackedHeld = await subject(rt, ['customer'], ago(900))
    await touchpoint(rt, f.trackedHeld, ago(800))
    await rt.services.holds.add(
      {
        subjectId: f.trackedHeld,
        ground: 'legal_claims',
        reason: 'Klage anhängig, Aktenzeichen 2026-0042',
        fieldCategories: [],
        recordKinds: ['touchpoint'],
      },
      { actor: DPO },
    )
    // Double opt-in: unconfirmed and 40 days old (due), confirmed (not covered), pending and recent.
    f.doi = await subject(rt, ['customer'], ago(60))
    f.doiOld = await doiRequest(rt, f.doi, ago(40), 'expired')
    await doiRequest(rt, f.doi, ago(40), 'confirmed')
    await doiRequest(rt, f.doi, ago(5), 'pending')

    const plan = await s().plan({ actor: DPO })
    expect(plan.approval).toBeNull()
    const leads = ruleOf(plan, 'leads_without_interaction')
    expect(leads).toMatchObject({ status: 'due', action: 'erase_subjects', subjects: 2, records: 2 })
    expect(leads.columns).toContain('touchpoint.occurred_at')
    const leadIds = leads.sample.map((r) => r.subjectId)
    expect(leadIds).toContain(f.leadOld)
    expect(leadIds).toContain(f.leadInvoice)
    expect(leadIds).not.toContain(f.leadRecent)
    expect(leadIds).not.toContain(f.leadCustomer)
    // Two years before now, to the millisecond.
    expect(
      Math.abs(
        new Date(leads.cutoff as string).getTime() -
          new Date(plan.asOf).setUTCFullYear(plan.asOf.getUTCFullYear() - 2),
      ),
    ).toBeLessThan(2)

    const tracking = ruleOf(plan, 'web_tracking_touchpoints')
    expect(tracking).toMatchObject({ status: 'due', action: 'delete_records', subjects: 1, records: 2 })
    expect(tracking.sample.every((r) => r.subjectId === f.tracked)).toBe(true)

    const doi = ruleOf(plan, 'unconfirmed_double_opt_in')
    expect(doi).toMatchObject({
      status: 'due',
      subjects: 1,
      records: 1,
      sample: [{ subjectId: f.doi, recordId: f.doiOld }],
    })

    // Decisions on applications are recorded (milestones); none here, so none falls due.
    expect(ruleOf(plan, 'rejected_applicants')).toMatchObject({ status: 'nothing_due', note: null })
    // Closed requests carry their closure (the workflow sets it); none closed four years ago here.
    expect(ruleOf(plan, 'closed_data_subject_requests').status).toBe('nothing_due')
    expect(ruleOf(plan, 'books_and_statements')).toMatchObject({ status: 'not_in_tresor', action: 'none' })
    expect(ruleOf(plan, 'accounting_vouchers').status).toBe('nothing_due')
    // Nothing was deleted by planning.
    expect(await touchpointsOf(rt, f.tracked)).toBe(3)
    f.plan = plan.id
  })

  it('runs only an approved plan; the approval is stored and audited', async () => {
    const rt = runtime()
    await expect(s().start(f.plan as string, { actor: DPO })).rejects.toMatchObject({ kind: 'conflict' })
    const approved = await s().approve(f.plan as string, { actor: DPO })
    expect(approved.approval).toMatchObject({ kind: 'dpo', by: { type: 'user', id: DPO.id } })
    expect((await s().approve(f.plan as string, { actor: ADMIN })).approval?.by.id).toBe(DPO.id)
    expect(await s().status()).toMatchObject({ enabled: true, lastApproval: { planId: f.plan } })
    const { rows } = await sql<{ reason: string }>`
      select reason from audit_event where action = 'configure' and reason like ${`retention plan ${f.plan} approved%`}
    `.execute(rt.database.db)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.reason).toMatch(
      /leads_without_interaction v1 cutoff \d{4}-\d\d-\d\d: 2 subjects, 2 records/,
    )
  })

  it('executes it: erases due leads (keeping what holds keep), deletes due records, audits each with its rule', async () => {
    const rt = runtime()
    const run = await s().run(f.plan as string, { actor: DPO }, { batch: 2 })
    expect(run.status).toBe('done')
    const leads = run.rules.find((r) => r.ruleKey === 'leads_without_interaction')
    expect(leads).toMatchObject({ status: 'done', done: { subjects: 2, erased: 1, held: 1, failed: 0 } })
    const erased = await sql<{ id: string; erased_at: Date | null; erasure_requested_at: Date | null }>`
      select id::text as id, erased_at, erasure_requested_at from subject
      where id = any(${`{${[f.leadOld, f.leadInvoice, f.leadRecent, f.leadCustomer].join(',')}}`}::uuid[])
    `.execute(rt.database.db)
    const by = new Map(erased.rows.map((r) => [r.id, r]))
    expect(by.get(f.leadOld as string)?.erased_at).not.toBeNull()
    expect(by.get(f.leadInvoice as string)?.erasure_requested_at).not.toBeNull()
    expect(by.get(f.leadInvoice as string)?.erased_at).toBeNull()
    expect(
      await count(
        rt,
        sql<{ n: number }>`select count(*)::int8 as n from invoice where subject_id = ${f.leadInvoice}::uuid`,
      ),
    ).toBe(1)
    expect(by.get(f.leadRecent as string)?.erased_at).toBeNull()
    expect(by.get(f.leadCustomer as string)?.erased_at).toBeNull()

    expect(await touchpointsOf(rt, f.tracked as string)).toBe(1)
    expect(await touchpointsOf(rt, f.trackedHeld as string)).toBe(1)
    expect(
      await count(
        rt,
        sql<{ n: number }>`select count(*)::int8 as n from doi_request where subject_id = ${f.doi}::uuid`,
      ),
    ).toBe(2)
    expect(
      await count(
        rt,
        sql<{ n: number }>`select count(*)::int8 as n from doi_token where request_id = ${f.doiOld}::uuid`,
      ),
    ).toBe(0)

    const audit = await sql<{ action: string; reason: string; subject_ids: string[] | null }>`
      select action, reason, subject_ids from audit_event where reason like ${`%plan ${f.plan}, cutoff%`} order by seq
    `.execute(rt.database.db)
    const erases = audit.rows.filter((r) => r.action === 'erase')
    expect(erases.length).toBeGreaterThan(0)
    expect(erases.every((r) => r.reason.includes('retention rule leads_without_interaction v1'))).toBe(true)
    const deletes = audit.rows.filter((r) => r.action === 'delete')
    expect(deletes.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2 touchpoint records deleted: retention rule web_tracking_touchpoints v1/),
        expect.stringMatching(/^1 doi_request records deleted: retention rule unconfirmed_double_opt_in v1/),
      ]),
    )
    f.run = run.id
  })

  it('is idempotent: executing the run again, or running the plan again, deletes nothing more', async () => {
    const rt = runtime()
    const before = await count(rt, sql<{ n: number }>`select count(*)::int8 as n from audit_event`)
    const again = await s().execute(f.run as string)
    expect(again.status).toBe('done')
    const second = await s().run(f.plan as string, { actor: DPO })
    expect(second.id).not.toBe(f.run)
    expect(second.rules.every((r) => r.done.records === 0)).toBe(true)
    expect(await count(rt, sql<{ n: number }>`select count(*)::int8 as n from audit_event`)).toBe(before)
    expect(await touchpointsOf(rt, f.tracked as string)).toBe(1)
  })

  it('does not run a rule whose version changed since the approval, and says so', async () => {
    const rt = runtime()
    const tracked = await subject(rt, ['customer'], ago(900))
    await touchpoint(rt, tracked, ago(600))
    const doiSubject = await subject(rt, ['customer'], ago(90))
    await doiRequest(rt, doiSubject, ago(45), 'expired')
    const plan = await s().plan({ actor: DPO })
    await s().approve(plan.id, { actor: DPO })
    const rule = await rt.services.retention.get('web_tracking_touchpoints')
    await rt.services.retention.update(
      'web_tracking_touchpoints',
      { rule: { de: `${rule.rule.de} (geprüft)`, en: `${rule.rule.en} (reviewed)` } },
      { actor: DPO },
    )
    const run = await s().run(plan.id, { actor: DPO })
    const tracking = run.rules.find((r) => r.ruleKey === 'web_tracking_touchpoints')
    expect(tracking).toMatchObject({ status: 'skipped', done: { records: 0 } })
    expect(tracking?.skipReason).toMatch(/changed since the approval \(v1 approved, v2 now\)/)
    expect(await touchpointsOf(rt, tracked)).toBe(1)
    expect(run.rules.find((r) => r.ruleKey === 'unconfirmed_double_opt_in')).toMatchObject({
      status: 'done',
      done: { records: 1 },
    })
    // Approving a plan made before the change is refused: a new plan shows what v2 would delete.
    const stale = await s().plan({ actor: DPO })
    await rt.services.retention.update('web_tracking_touchpoints', { rule: rule.rule }, { actor: DPO })
    await expect(s().approve(stale.id, { actor: DPO })).rejects.toMatchObject({ kind: 'conflict' })
  })

  it('sweeps daily under the standing approval: rules at the approved version run, changed ones wait', async () => {
    const rt = runtime()
    const tracked = await subject(rt, ['customer'], ago(900))
    await touchpoint(rt, tracked, ago(600))
    const doiSubject = await subject(rt, ['customer'], ago(90))
    await doiRequest(rt, doiSubject, ago(45), 'superseded')
    // The last approval named web_tracking_touchpoints v1; it is v3 now.
    const report = await s().sweep()
    expect(report.enabled).toBe(true)
    expect(report.ran).toContain('unconfirmed_double_opt_in')
    expect(report.skipped).toEqual([
      {
        ruleKey: 'web_tracking_touchpoints',
        reason: expect.stringMatching(/changed since the last approval/),
      },
    ])
    expect(await touchpointsOf(rt, tracked)).toBe(1)
    expect(
      await count(
        rt,
        sql<{
          n: number
        }>`select count(*)::int8 as n from doi_request where subject_id = ${doiSubject}::uuid`,
      ),
    ).toBe(0)
    const plan = await s().getPlan(report.planId as string)
    expect(plan).toMatchObject({ trigger: 'schedule', approval: { kind: 'standing' } })
    // Approving a new plan makes v3 the standing version.
    await s().approve((await s().plan({ actor: DPO })).id, { actor: DPO })
    expect((await s().sweep()).ran).toContain('web_tracking_touchpoints')
    expect(await touchpointsOf(rt, tracked)).toBe(0)
  })

  it('records a subject that fails and goes on with the rest', async () => {
    const rt = runtime()
    const ids = [
      await subject(rt, ['customer'], ago(900)),
      await subject(rt, ['customer'], ago(900)),
      await subject(rt, ['customer'], ago(900)),
    ]
    for (const id of ids) await touchpoint(rt, id, ago(600))
    const bad = ids[1] as string
    // A real refusal by the database for one subject's rows.
    await sql
      .raw(`
      create function sweep_test_refuse() returns trigger language plpgsql as $$
      begin
        if old.subject_id = '${bad}'::uuid then raise exception 'refused for the test'; end if;
        return old;
      end $$`)
      .execute(rt.database.db)
    await sql`create trigger sweep_test_refuse before delete on touchpoint for each row execute function sweep_test_refuse()`.execute(
      rt.database.db,
    )
    try {
      const plan = await s().plan({ actor: DPO })
      await s().approve(plan.id, { actor: DPO })
      const run = await s().run(plan.id, { actor: DPO }, { batch: 10 })
      const tracking = run.rules.find((r) => r.ruleKey === 'web_tracking_touchpoints')
      expect(tracking).toMatchObject({ status: 'done', done: { failed: 1, records: 2 } })
      expect(tracking?.failures).toEqual([
        { subject: bad, reason: expect.stringMatching(/refused for the test/) },
      ])
      expect(await touchpointsOf(rt, ids[0] as string)).toBe(0)
      expect(await touchpointsOf(rt, bad)).toBe(1)
      expect(await touchpointsOf(rt, ids[2] as string)).toBe(0)
    } finally {
      await sql`drop trigger sweep_test_refuse on touchpoint`.execute(rt.database.db)
      await sql`drop function sweep_test_refuse()`.execute(rt.database.db)
    }
    // The next run takes it.
    const plan = await s().plan({ actor: DPO })
    await s().approve(plan.id, { actor: DPO })
    await s().run(plan.id, { actor: DPO })
    expect(await touchpointsOf(rt, bad)).toBe(0)
  })

  it('leaves nothing half-deleted when a run stops, and the next execution completes it', async () => {
    const rt = runtime()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await subject(rt, ['customer'], ago(900))
      await touchpoint(rt, id, ago(600))
      await touchpoint(rt, id, ago(500))
      ids.push(id)
    }
    const leads = [await subject(rt, ['lead'], ago(1000)), await subject(rt, ['lead'], ago(1000))]
    const plan = await s().plan({ actor: DPO })
    await s().approve(plan.id, { actor: DPO })
    const started = await s().start(plan.id, { actor: DPO })
    // The process dies after its first batch committed.
    await expect(
      s().execute(started.id, {
        batch: 1,
        onProgress: () => {
          throw new Error('the process died')
        },
      }),
    ).rejects.toThrow('the process died')
    const remaining = await Promise.all(ids.map((id) => touchpointsOf(rt, id)))
    // Whole subjects only: every subject has both or none of its touchpoints.
    expect(remaining.every((n) => n === 0 || n === 2)).toBe(true)
    expect((await s().getRun(started.id)).status).toBe('running')
    // The next sweep goes on with the unfinished run first.
    const report = await s().sweep()
    expect(report.resumed).toBeGreaterThanOrEqual(1)
    const done = await s().getRun(started.id)
    expect(done.status).toBe('done')
    expect(await Promise.all(ids.map((id) => touchpointsOf(rt, id)))).toEqual([0, 0, 0])
    const erased = await count(
      rt,
      sql<{
        n: number
      }>`select count(*)::int8 as n from subject where id = any(${`{${leads.join(',')}}`}::uuid[]) and erased_at is not null`,
    )
    expect(erased).toBe(2)
  })

  it('deletes a row covered by several rules only when all of them have run out', async () => {
    const rt = runtime()
    const a = await subject(rt, ['customer'], ago(2000))
    const twoYears = await touchpoint(rt, a, ago(730))
    const fourYears = await touchpoint(rt, a, ago(4 * 365))
    await rt.services.retention.create(
      {
        key: 'sweep_test_all_touchpoints',
        name: { de: 'Alle Kontaktpunkte', en: 'All touchpoints' },
        covers: { recordKind: 'touchpoint' },
        period: 'P3Y',
        startEvent: 'creation',
        rule: { de: 'Drei Jahre ab dem Ereignis.', en: 'Three years from the event.' },
      },
      { actor: DPO },
    )
    const plan = await s().plan({ actor: DPO })
    const tracking = ruleOf(plan, 'web_tracking_touchpoints')
    expect(tracking.sample).toEqual([{ subjectId: a, recordId: fourYears }])
    expect(tracking.records).toBe(1)
    await s().approve(plan.id, { actor: DPO })
    await s().run(plan.id, { actor: DPO })
    const left = await sql<{
      id: string
    }>`select id::text as id from touchpoint where subject_id = ${a}::uuid`.execute(rt.database.db)
    expect(left.rows.map((r) => r.id)).toEqual([twoYears])
  })
  it('keeps what holds keep: unpaid invoices, orders with an invoice, a phone consent used within five years', async () => {
    const rt = runtime()
    const db = rt.database.db
    const c = await subject(rt, ['customer'], new Date('2015-03-01T10:00:00Z'))
    const order = async (number: string, at: string) =>
      (
        await sql<{ id: string }>`
          insert into customer_order (subject_id, order_number, ordered_at, status, currency, total_cents, item_count, source, created_at)
          values (${c}::uuid, ${number}, ${at}::timestamptz, 'fulfilled', 'EUR', 1000, 1, 'test', now()) returning id::text as id
        `.execute(db)
      ).rows[0]?.id as string
    const invoice = async (number: string, orderId: string, at: string, paid: boolean) =>
      (
        await sql<{ id: string }>`
          insert into invoice (subject_id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, paid_at, created_at)
          values (${c}::uuid, ${number}, ${orderId}::uuid, ${at}::timestamptz, '2016-01-01', 1000, 'EUR',
                  ${paid ? at : null}::timestamptz, now()) returning id::text as id
        `.execute(db)
      ).rows[0]?.id as string
    // 2016: the invoice's 8 years ran out (1 Jan 2025), paid: due; its order goes after it.
    const o2016 = await order('O-2016', '2016-05-01T10:00:00Z')
    const i2016 = await invoice('R-2016', o2016, '2016-05-01T10:00:00Z', true)
    // 2016, unpaid: the claim holds it (Art. 17(3)(e)), and its order.
    const o2016u = await order('O-2016u', '2016-06-01T10:00:00Z')
    const i2016u = await invoice('R-2016u', o2016u, '2016-06-01T10:00:00Z', false)
    // 2019: the order's 6 years ran out, but its invoice (8 years) holds it.
    const o2019 = await order('O-2019', '2019-05-01T10:00:00Z')
    const i2019 = await invoice('R-2019', o2019, '2019-05-01T10:00:00Z', true)
    // 2019 without an invoice: due.
    const o2019n = await order('O-2019n', '2019-07-01T10:00:00Z')
    // § 7a UWG: a phone consent given six years ago and used two years ago; another never used.
    for (const [purpose, subjectId] of [
      ['phone_marketing', c],
      ['phone_marketing', await subject(rt, ['customer'], new Date('2015-03-01T10:00:00Z'))],
    ] as const)
      await sql`
        insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
        values (${subjectId}::uuid, ${purpose}, 1, 'phone', 'granted', '{}'::jsonb, 'user', 'test', ${ago(6 * 365).toISOString()}::timestamptz)
      `.execute(db)
    const call = await touchpoint(rt, c, ago(2 * 365), 'phone_marketing', 'phone')

    const plan = await s().plan({ actor: DPO })
    const ids = (key: string) => ruleOf(plan, key).sample.map((r) => r.recordId)
    expect(ids('accounting_vouchers')).toEqual([i2016])
    expect(ids('commercial_letters_orders')).toEqual([o2019n])
    const phone = ruleOf(plan, 'phone_consent_proof')
    expect(phone).toMatchObject({ status: 'due', subjects: 1, records: 1 })
    expect(phone.sample[0]?.subjectId).not.toBe(c)

    await s().approve(plan.id, { actor: DPO })
    await s().run(plan.id, { actor: DPO })
    const left = async (table: 'invoice' | 'customer_order') =>
      (
        await sql<{
          id: string
        }>`select id::text as id from ${sql.table(table)} where subject_id = ${c}::uuid order by id`.execute(
          db,
        )
      ).rows.map((r) => r.id)
    expect(await left('invoice')).toEqual([i2016u, i2019].sort())
    expect(await left('invoice')).not.toContain(i2016)
    // The 2016 order went with its invoice (the invoice first, in the same run); the held ones stayed.
    expect((await left('customer_order')).sort()).toEqual([o2016u, o2019].sort())
    expect(await touchpointsOf(rt, c)).toBe(1)
    expect(
      await count(
        rt,
        sql<{ n: number }>`select count(*)::int8 as n from touchpoint where id = ${call}::uuid`,
      ),
    ).toBe(1)
    expect(
      await count(
        rt,
        sql<{
          n: number
        }>`select count(*)::int8 as n from consent_event where subject_id = ${c}::uuid and channel = 'phone'`,
      ),
    ).toBe(1)
  })

  it('deletes a request closed long enough ago with the answer given, and keeps open and recent ones', async () => {
    const rt = runtime()
    const id = await subject(rt, ['customer'], ago(3000))
    const request = (closedAt: Date | null, status: string) => sql<{ id: string }>`
      insert into dsr_request (subject_id, id, kind, channel, received_at, due_at, status, reference,
                               recorded_by_type, recorded_by_id, recorded_at, closed_at)
      values (${id}::uuid, gen_random_uuid(), 'access', 'letter', ${ago(2500)}, ${ago(2470)}, ${status}, null,
              'user', 'test', ${ago(2500)}, ${closedAt})
      returning id`
    const old = (await request(ago(2400), 'answered').execute(rt.database.db)).rows[0]?.id as string
    const recent = (await request(ago(30), 'answered').execute(rt.database.db)).rows[0]?.id as string
    const open = (await request(null, 'received').execute(rt.database.db)).rows[0]?.id as string
    await sql`
      insert into dsr_answer (subject_id, request_id, lang, report_sealed, created_at, expires_at, created_by_type, created_by_id)
      values (${id}::uuid, ${old}::uuid, 'en', '\\x00', ${ago(2400)}, ${ago(2370)}, 'user', 'test')
    `.execute(rt.database.db)
    const plan = await s().plan({ actor: DPO })
    expect(ruleOf(plan, 'closed_data_subject_requests')).toMatchObject({ status: 'due', records: 1 })
    await s().approve(plan.id, { actor: DPO })
    await s().run(plan.id, { actor: DPO })
    const { rows } = await sql<{
      id: string
    }>`select id::text as id from dsr_request where subject_id = ${id}::uuid`.execute(rt.database.db)
    expect(rows.map((r) => r.id).sort()).toEqual([recent, open].sort())
    const answers = await sql<{
      n: number
    }>`select count(*)::int8 as n from dsr_answer where request_id = ${old}::uuid`.execute(rt.database.db)
    expect(Number(answers.rows[0]?.n)).toBe(0)
  })
})
