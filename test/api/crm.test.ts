import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface Overview {
  subject: { id: string; identifiers: Record<string, string> }
  hidden: { part: string; reason: string }[]
  organisations?: { organisation: { name: string }; jobTitle: string | null }[]
  permissions?: { consents: unknown[] }
  timeline?: { kind: string; title: string; text?: string }[]
  orders?: { orderNumber: string; totalCents: number; lines: unknown[] }[]
  invoices?: { invoiceNumber: string; status: string }[]
  deals?: { title: string; stageKey: string }[]
  notes?: { text: string; kind: string; doneAt: string | null }[]
  historyUrl?: string
}

describeEachEngine('CRM core: organisations, orders, invoices, deals, notes and the 360° view', (runtime) => {
  let t: TestApp
  let admin: string
  let sales: string
  let accounting: string
  let marketing: string
  let contact: string
  let orgId: string

  type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  const call = (method: Method, url: string, cookie: string, payload?: Record<string, unknown>) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const ok = async (method: Method, url: string, cookie: string, payload?: Record<string, unknown>) => {
    const res = await call(method, url, cookie, payload)
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
    return res.body ? res.json() : null
  }

  const salesCookie = () => sales
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    sales = await t.signIn('sales@example.test', 'sales')
    accounting = await t.signIn('accounting@example.test', 'accounting')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    contact = (
      await ok('POST', '/subjects', admin, {
        kinds: ['b2b_contact', 'customer'],
        identifiers: {
          firstName: 'Jana',
          lastName: 'Beispiel',
          email: 'jana.beispiel@firma.example',
          iban: 'DE02120300000000202051',
        },
        attributes: { country: 'DE', region: 'DE-80' },
      })
    ).id
    orgId = (
      await ok('POST', '/organisations', sales, {
        name: 'Beispiel GmbH',
        legalForm: 'GmbH',
        city: 'München',
        externalRef: 'crm-1',
      })
    ).id
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('keeps organisations once per external reference and finds them by name prefix', async () => {
    const again = await call('POST', '/organisations', sales, {
      name: 'Beispiel GmbH (dup)',
      externalRef: 'crm-1',
    })
    expect(again.statusCode).toBe(200)
    expect(again.json().id).toBe(orgId)
    const page = await ok('GET', '/organisations?q=beisp', marketing)
    expect(page.items.map((o: { id: string }) => o.id)).toContain(orgId)
    expect((await call('POST', '/organisations', marketing, { name: 'Nope AG' })).statusCode).toBe(403)
  })

  it('records orders, invoices, a deal and notes for the contact, each under its purpose', async () => {
    await ok('PUT', `/subjects/${contact}/organisations`, sales, {
      organisationId: orgId,
      jobTitle: 'Einkauf',
      department: 'Procurement',
    })
    await ok('PUT', '/products', sales, { sku: 'TR-100', name: 'Tresor Basic', unitPriceCents: 4900 })
    const order = await ok('POST', `/subjects/${contact}/orders`, sales, {
      orderNumber: 'A-1001',
      orderedAt: '2026-10-01T10:00:00Z',
      paymentMethod: 'invoice',
      lines: [
        { sku: 'TR-100', quantity: 2, unitPriceCents: 4900 },
        { description: 'Setup', quantity: 1, unitPriceCents: 15000 },
      ],
    })
    expect(order).toMatchObject({ orderNumber: 'A-1001', totalCents: 24800, itemCount: 3 })
    const dup = await call('POST', `/subjects/${contact}/orders`, sales, {
      orderNumber: 'A-1001',
      orderedAt: '2026-10-01T10:00:00Z',
      lines: [{ description: 'x', quantity: 1, unitPriceCents: 1 }],
    })
    expect(problemOf(dup).status).toBe(409)
    const unknownSku = await call('POST', `/subjects/${contact}/orders`, sales, {
      orderNumber: 'A-1002',
      orderedAt: '2026-10-01T10:00:00Z',
      lines: [{ sku: 'NOPE', quantity: 1, unitPriceCents: 1 }],
    })
    expect(problemOf(unknownSku).errors?.[0]?.field).toBe('lines[0].sku')

    const open = await ok('POST', `/subjects/${contact}/invoices`, accounting, {
      invoiceNumber: 'R-1',
      orderNumber: 'A-1001',
      issuedAt: '2026-10-02T08:00:00Z',
      dueOn: '2099-01-01',
      amountCents: 24800,
    })
    expect(open.status).toBe('open')
    const overdue = await ok('POST', `/subjects/${contact}/invoices`, accounting, {
      invoiceNumber: 'R-0',
      issuedAt: '2025-01-02T08:00:00Z',
      dueOn: '2025-02-01',
      amountCents: 1000,
    })
    expect(overdue.status).toBe('overdue')
    const paid = await ok('POST', `/subjects/${contact}/invoices/${overdue.id}/payment`, accounting, {
      paidAt: '2025-03-01T00:00:00Z',
    })
    expect(paid.status).toBe('paid')
    expect(
      (await call('POST', `/subjects/${contact}/invoices/${overdue.id}/payment`, accounting, {})).statusCode,
    ).toBe(404)

    const deal = await ok('POST', `/subjects/${contact}/deals`, sales, {
      title: 'Enterprise licence',
      amountCents: 1_200_000,
      organisationId: orgId,
    })
    expect(deal.stageKey).toBe('lead')
    expect(
      (await ok('PATCH', `/subjects/${contact}/deals/${deal.id}`, sales, { stageKey: 'proposal' })).stageKey,
    ).toBe('proposal')
    expect(
      problemOf(await call('PATCH', `/subjects/${contact}/deals/${deal.id}`, sales, { stageKey: 'nowhere' }))
        .status,
    ).toBe(400)

    await ok('POST', `/subjects/${contact}/notes`, sales, { text: 'Prefers calls after 3 pm' })
    const task = await ok('POST', `/subjects/${contact}/notes`, sales, {
      kind: 'task',
      text: 'Send offer',
      dueOn: '2026-12-01',
    })
    expect((await ok('POST', `/subjects/${contact}/notes/${task.id}/done`, sales)).doneAt).not.toBeNull()
    expect(
      problemOf(await call('POST', `/subjects/${contact}/notes`, sales, { text: 'x', dueOn: '2026-12-01' }))
        .status,
    ).toBe(400)
  })

  it('stores note texts only encrypted', async () => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ dump: string }>(
        `select coalesce(string_agg(encode(sealed_text, 'escape'), '|'), '') as dump from subject_note`,
      ),
    )
    expect(rows[0]?.dump).not.toContain('Prefers calls')
  })

  it('shows sales the whole contact at a glance except bank data, with the timeline newest first', async () => {
    const view = (await ok('GET', `/subjects/${contact}/overview`, sales)) as Overview
    expect(view.subject.identifiers.email).toBe('jana.beispiel@firma.example')
    expect(view.subject.identifiers).not.toHaveProperty('iban')
    expect(view.hidden.map((h) => h.part)).toEqual(['bank'])
    expect(view.organisations).toEqual([
      {
        organisation: { id: orgId, name: 'Beispiel GmbH', city: 'München' },
        jobTitle: 'Einkauf',
        department: 'Procurement',
      },
    ])
    expect(view.orders?.map((o) => o.orderNumber)).toEqual(['A-1001'])
    expect(view.invoices?.map((i) => [i.invoiceNumber, i.status])).toEqual([
      ['R-1', 'open'],
      ['R-0', 'paid'],
    ])
    expect(view.deals?.map((d) => d.stageKey)).toEqual(['proposal'])
    expect(view.notes?.map((n) => n.text).sort()).toEqual(['Prefers calls after 3 pm', 'Send offer'])
    const kinds = view.timeline?.map((i) => i.kind)
    expect(kinds).toContain('order')
    expect(kinds).toContain('note')
    const times = view.timeline?.map((i) => (i as unknown as { at: string }).at) ?? []
    expect([...times].sort().reverse()).toEqual(times)
    expect(view.permissions).toBeDefined()
    expect(view.historyUrl).toBe(`/api/v1/subjects/${contact}/history`)
  })

  it('shows accounting the invoices but not the notes, deals or touchpoints, and says so', async () => {
    const view = (await ok('GET', `/subjects/${contact}/overview`, accounting)) as Overview
    expect(view.invoices?.length).toBe(2)
    expect(view.subject.identifiers.iban).toBe('DE02120300000000202051')
    expect(view.notes).toBeUndefined()
    expect(view.deals).toBeUndefined()
    expect(view.hidden.map((h) => h.part).sort()).toEqual(
      ['attributes', 'deals', 'notes', 'touchpoints'].sort(),
    )
    // The timeline shows what accounting may see of it: the order, not touchpoints or notes.
    expect(view.timeline?.map((i) => i.kind)).toEqual(['order'])
    expect((await call('GET', `/subjects/${contact}/notes`, accounting)).statusCode).toBe(403)
  })

  it('shows marketing what was bought but not what is owed', async () => {
    const view = (await ok('GET', `/subjects/${contact}/overview`, marketing)) as Overview
    expect(view.orders?.length).toBe(1)
    expect(view.invoices).toBeUndefined()
    expect(view.hidden.map((h) => h.part)).toEqual(
      expect.arrayContaining(['invoices', 'bank', 'notes', 'deals']),
    )
    expect((await call('GET', `/subjects/${contact}/invoices`, marketing)).statusCode).toBe(403)
  })

  it('shows the product role neither identifiers nor the consent state with its proof', async () => {
    const product = await t.signIn('product@example.test', 'product')
    const view = (await ok('GET', `/subjects/${contact}/overview`, product)) as Overview
    expect(view.subject.identifiers).toEqual({})
    expect(view.permissions).toBeUndefined()
    expect(view.hidden).toContainEqual(expect.objectContaining({ part: 'permissions', category: 'contact' }))
    // Sales sees the state, but the events with their proof stay on the permissions page.
    const sales = (await ok('GET', `/subjects/${contact}/overview`, salesCookie())) as Overview & {
      permissions: { history: unknown[] }
    }
    expect(sales.permissions.history).toEqual([])
  })

  it('audits every part read, and the parts a role was refused', async () => {
    const res = await call('GET', `/subjects/${contact}/history?limit=100`, admin)
    const items = (res.json() as { items: { action: string; fields: string[]; actor: { role: string } }[] })
      .items
    expect(items).toContainEqual(
      expect.objectContaining({
        action: 'denied',
        fields: expect.arrayContaining(['staffNotes']),
        actor: expect.objectContaining({ role: 'accounting' }),
      }),
    )
    expect(items).toContainEqual(
      expect.objectContaining({
        action: 'create',
        fields: ['orders'],
        actor: expect.objectContaining({ role: 'sales' }),
      }),
    )
  })

  it('erasure deletes every record about the contact that no legal hold keeps', async () => {
    const dpo = await t.signIn('dpo@example.test', 'dpo')
    const res = await call('DELETE', `/subjects/${contact}`, dpo)
    expect(res.statusCode, res.body).toBe(200)
    // The invoices are accounting vouchers (§ 147 AO, § 257 HGB): they, the order one belongs to and
    // the billing identity stay, restricted (src/privacy/holds); everything else goes.
    expect((res.json() as { outcome: string }).outcome).toBe('held')
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ kept: number; gone: number }>(
        `select (select count(*) from customer_order where subject_id = $1) + (select count(*) from invoice where subject_id = $1) as kept,
                (select count(*) from subject_note where subject_id = $1) + (select count(*) from deal where subject_id = $1)
              + (select count(*) from subject_organisation where subject_id = $1) as gone`,
        [contact],
      ),
    )
    expect({ kept: Number(rows[0]?.kept), gone: Number(rows[0]?.gone) }).toEqual({ kept: 3, gone: 0 })
    // Restricted (Art. 18(2)): everyday work is refused; only the duty's purposes reach it.
    expect((await call('GET', `/subjects/${contact}/overview`, sales)).statusCode).toBe(403)
  })
})
