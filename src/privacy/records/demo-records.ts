import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** Bucket 0-999 of a subject for a salt; hashtext is int4, shifted to stay non-negative. */
const bucket = (salt: string, seed: number) =>
  sql<number>`mod(hashtext(s.id::text || ${`:${salt}:${seed}`})::bigint + 2147483648, 1000)`

const COMPANY_STEMS = [
  'Nordlicht',
  'Alpen',
  'Rhein',
  'Hanse',
  'Bergland',
  'Südwind',
  'Elbtal',
  'Mosel',
  'Spree',
  'Isar',
  'Donau',
  'Ostsee',
]
const COMPANY_TRADES = [
  'Logistik',
  'Software',
  'Maschinenbau',
  'Handel',
  'Consulting',
  'Medien',
  'Bau',
  'Energie',
]
const LEGAL_FORMS = ['GmbH', 'AG', 'KG', 'GmbH & Co. KG', 'e.K.']
const CITIES = [
  'Berlin',
  'Hamburg',
  'München',
  'Köln',
  'Frankfurt am Main',
  'Stuttgart',
  'Leipzig',
  'Dresden',
]
const PRODUCTS: readonly [string, string, number][] = [
  ['Tresor Basic', 'licence', 4900],
  ['Tresor Team', 'licence', 14900],
  ['Tresor Enterprise', 'licence', 99900],
  ['Onboarding', 'service', 49000],
  ['Schulung DSGVO', 'service', 29000],
  ['Datenimport', 'service', 19000],
  ['Support Plus', 'support', 9900],
  ['Support Premium', 'support', 24900],
  ['Vinyl: Jazz Classics', 'music', 2499],
  ['CD: Pop Hits 1997', 'music', 1599],
  ['CD: Klassik Box', 'music', 3999],
  ['Kopfhörer', 'hardware', 8900],
]
const JOB_TITLES = [
  'Einkauf',
  'Geschäftsführung',
  'IT-Leitung',
  'Marketing',
  'Vertrieb',
  'Datenschutz',
  'Buchhaltung',
]

/**
 * Demo records for the demo subjects (issue #4): organisations and B2B memberships, products,
 * touchpoints (page views only where the web-tracking consent counts), orders with lines and an
 * invoice per order. Set-based SQL, deterministic per seed in what each subject gets; not audited
 * (synthetic data for trying Tresor out and for benchmarks, like the demo permissions).
 */
export async function seedDemoRecords(
  db: Kysely<Schema>,
  options: { seed: number },
): Promise<{ organisations: number; touchpoints: number; orders: number; invoices: number }> {
  return db.transaction().execute(async (trx) => {
    const subjects = Number(
      (await sql<{ n: number }>`select count(*) as n from subject where source = 'demo'`.execute(trx)).rows[0]
        ?.n ?? 0,
    )
    const orgCount = Math.max(20, Math.ceil(subjects / 100))
    const now = new Date()
    const organisations = Array.from({ length: orgCount }, (_, i) => ({
      name: `${COMPANY_STEMS[i % COMPANY_STEMS.length]} ${COMPANY_TRADES[Math.floor(i / COMPANY_STEMS.length) % COMPANY_TRADES.length]} ${LEGAL_FORMS[i % LEGAL_FORMS.length]}${i >= COMPANY_STEMS.length * COMPANY_TRADES.length ? ` ${Math.floor(i / (COMPANY_STEMS.length * COMPANY_TRADES.length)) + 1}` : ''}`,
      legal_form: LEGAL_FORMS[i % LEGAL_FORMS.length] as string,
      city: CITIES[i % CITIES.length] as string,
      country_code: 'DE',
      external_ref: `demo-org-${i + 1}`,
      created_at: now,
      updated_at: now,
    }))
    for (let i = 0; i < organisations.length; i += 2_000)
      await trx
        .insertInto('organisation')
        .values(organisations.slice(i, i + 2_000))
        .onConflict((oc) => oc.column('external_ref').doNothing())
        .execute()
    await trx
      .insertInto('product')
      .values(
        PRODUCTS.map(([name, category, price], i) => ({
          sku: `DEMO-${String(i + 1).padStart(3, '0')}`,
          name,
          category,
          unit_price_cents: price,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.column('sku').doNothing())
      .execute()

    // B2B contacts work somewhere.
    await sql`
      insert into subject_organisation (subject_id, organisation_id, job_title, department, created_at)
      select s.id, o.id, (${JOB_TITLES}::text[])[1 + ${bucket('job', options.seed)} % ${JOB_TITLES.length}], null, s.created_at
      from subject s
      join organisation o on o.external_ref = 'demo-org-' || (1 + ${bucket('org', options.seed)} % ${orgCount})
      where s.source = 'demo' and s.erased_at is null and s.kinds @> array['b2b_contact']
      on conflict do nothing
    `.execute(trx)

    const touchpoints = await sql<{ n: number }>`
      with picked as (
        select s.id, s.created_at, ${bucket('touch', options.seed)} as b
        from subject s
        where s.source = 'demo' and s.erased_at is null
          and not exists (select 1 from restriction_state r where r.subject_id = s.id)
          -- run again, it adds nothing
          and not exists (select 1 from touchpoint t where t.subject_id = s.id)
      ),
      tracked as (
        select p.* from picked p
        join permission_state ps on ps.subject_id = p.id and ps.purpose_key = 'web_tracking' and ps.channel = 'web'
        where ps.status in ('granted', 'confirmed') and (ps.expires_at is null or ps.expires_at > now())
      ),
      rows as (
        select t.id, 'page_view' as type, 'web' as channel, 'web_tracking' as purpose, 'consent' as basis,
               t.created_at + make_interval(hours => ((t.b * 13 + k * 29)::int) % 2000) as at,
               jsonb_build_object('path', (array['/', '/preise', '/produkte', '/blog', '/kontakt'])[1 + (t.b + k) % 5]) as props
        from tracked t cross join lateral generate_series(1, 1 + t.b % 4) as g(k)
        union all
        select p.id,
               (array['form_submit', 'newsletter_signup', 'gated_download', 'review', 'service_call'])[1 + p.b % 5],
               (array['web', 'web', 'web', 'web', 'phone'])[1 + p.b % 5],
               case when p.b % 5 = 4 then 'customer_service' else 'contact_management' end,
               case when p.b % 5 = 4 then 'contract' else 'legitimate_interest' end,
               p.created_at + make_interval(hours => (p.b % 700)::int),
               '{}'::jsonb
        from picked p where p.b % 3 = 0
      ),
      ins as (
        insert into touchpoint (subject_id, type, channel, occurred_at, received_at, purpose_key, legal_basis, properties, source)
        select id, type, channel, least(at, now()), least(at, now()), purpose, basis, props, 'demo' from rows
        returning 1
      )
      select count(*) as n from ins
    `.execute(trx)

    const bought = await sql<{ orders: number; invoices: number }>`
      with products as (
        select id, unit_price_cents, row_number() over (order by sku) - 1 as n from product where sku like 'DEMO-%'
      ),
      picked as (
        select s.id, s.created_at, ${bucket('orders', options.seed)} as b
        from subject s
        where s.source = 'demo' and s.erased_at is null and s.kinds @> array['customer']
          and not exists (select 1 from customer_order c where c.subject_id = s.id)
      ),
      orders as materialized (
        select p.id as subject_id, gen_random_uuid() as order_id, g.k, p.b,
               'D' || upper(substr(md5(p.id::text), 1, 8)) || '-' || g.k as order_number,
               least(p.created_at + make_interval(days => ((p.b * 7 + g.k * 37)::int) % 400), now()) as ordered_at
        from picked p cross join lateral generate_series(1, case when p.b < 600 then 1 + p.b % 3 else 0 end) as g(k)
      ),
      lines as materialized (
        select o.subject_id, o.order_id, l.n as line_no, pr.id as product_id, 1 + (o.b + l.n) % 3 as quantity,
               pr.unit_price_cents
        from orders o
        cross join lateral generate_series(1, 1 + (o.b + o.k) % 2) as l(n)
        join products pr on pr.n = (o.b * 3 + o.k * 5 + l.n) % (select count(*) from products)
      ),
      totals as (
        select order_id, sum(quantity * unit_price_cents)::bigint as total, sum(quantity)::int as items
        from lines group by order_id
      ),
      ins_orders as (
        insert into customer_order (subject_id, id, order_number, ordered_at, status, currency, total_cents, item_count,
                                    payment_method, source, created_at)
        select o.subject_id, o.order_id, o.order_number, o.ordered_at,
               case when o.b % 20 = 0 then 'returned' when o.ordered_at > now() - interval '3 days' then 'open' else 'fulfilled' end,
               'EUR', t.total, t.items, (array['invoice', 'card', 'paypal', 'direct_debit'])[1 + o.b % 4], 'demo', o.ordered_at
        from orders o join totals t using (order_id)
        returning 1
      ),
      ins_lines as (
        insert into order_line (subject_id, order_id, line_no, product_id, quantity, unit_price_cents)
        select subject_id, order_id, line_no, product_id, quantity, unit_price_cents from lines
        returning 1
      ),
      ins_invoices as (
        insert into invoice (subject_id, id, invoice_number, order_id, issued_at, due_on, amount_cents, currency, paid_at,
                             created_at)
        select o.subject_id, gen_random_uuid(), 'R' || substr(o.order_number, 2), o.order_id, o.ordered_at,
               (o.ordered_at + interval '14 days')::date, t.total, 'EUR',
               case when o.b % 10 < 8 or o.ordered_at < now() - interval '60 days'
                    then least(o.ordered_at + make_interval(days => (3 + o.b % 20)::int), now()) end,
               o.ordered_at
        from orders o join totals t using (order_id)
        returning 1
      )
      select (select count(*) from ins_orders) as orders, (select count(*) from ins_invoices) as invoices,
             (select count(*) from ins_lines) as lines
    `.execute(trx)

    return {
      organisations: orgCount,
      touchpoints: Number(touchpoints.rows[0]?.n ?? 0),
      orders: Number(bought.rows[0]?.orders ?? 0),
      invoices: Number(bought.rows[0]?.invoices ?? 0),
    }
  })
}
