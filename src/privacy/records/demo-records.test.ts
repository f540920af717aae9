import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'

const N = 1_500

describeEachEngine('demo records', (runtime) => {
  let first: { organisations: number; touchpoints: number; orders: number; invoices: number }
  beforeAll(async () => {
    const db = runtime().database.db
    // Recent: the demo's tracking consents are valid for a limited time (the purpose's consent validity).
    const created = new Date(Date.now() - 30 * 86_400_000)
    await db
      .insertInto('subject')
      .values(
        Array.from({ length: N }, (_, i) => ({
          kinds: i % 4 === 0 ? ['b2b_contact', 'customer'] : ['customer'],
          source: 'demo',
          attributes: '{}' as unknown as Record<string, unknown>,
          created_at: created,
          updated_at: created,
        })),
      )
      .execute()
    await runtime().services.permissions.seedDemo({ seed: 1 })
    first = await runtime().services.records.seedDemo({ seed: 1 })
  })

  it('gives customers orders with an invoice each, and adds nothing when run again', async () => {
    expect(first.orders / N).toBeGreaterThan(0.8)
    expect(first.invoices).toBe(first.orders)
    expect(first.touchpoints).toBeGreaterThan(N / 3)
    expect(await runtime().services.records.seedDemo({ seed: 1 })).toEqual({
      ...first,
      touchpoints: 0,
      orders: 0,
      invoices: 0,
    })
  })

  it('stores page views only for subjects whose tracking consent counts, and totals that add up', async () => {
    const { rows } = await sql<{ untracked: number; mismatched: number; members: number; unbilled: number }>`
      select
        (select count(*) from touchpoint t where t.type = 'page_view' and not exists (
           select 1 from permission_state p where p.subject_id = t.subject_id and p.purpose_key = 'web_tracking'
             and p.status in ('granted', 'confirmed'))) as untracked,
        (select count(*) from customer_order o where o.total_cents <> (
           select sum(l.quantity * l.unit_price_cents) from order_line l where l.subject_id = o.subject_id and l.order_id = o.id)) as mismatched,
        (select count(*) from subject_organisation) as members,
        (select count(*) from invoice i join customer_order o on o.subject_id = i.subject_id and o.id = i.order_id
          where i.amount_cents <> o.total_cents) as unbilled
    `.execute(runtime().database.db)
    expect(rows[0]).toMatchObject({ untracked: 0, mismatched: 0, unbilled: 0 })
    // A quarter are B2B contacts, each in an organisation.
    expect(Number(rows[0]?.members)).toBe(N / 4 - ((N / 4) % 1))
  })
})
