import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DecryptionError } from '../../src/platform/crypto/aead.ts'
import { finishHeldErasuresJob } from '../../src/privacy/holds/erasure.jobs.ts'
import { NOTE_AAD } from '../../src/privacy/records/record-kinds.ts'
import { describeEachEngine, type TestRuntime } from '../support/engines.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'

/**
 * Issue #13, legal holds and the erasure that keeps only what the law requires (docs/adr/0010),
 * through the API on both engines: an open invoice keeps itself and the billing identity for
 * accounting only, until it is paid and its period has run; a phone consent keeps its number and
 * proof for five years; a DPO's hold keeps what it names until lifted; a failed erasure changes
 * nothing.
 */

const CANARY = 'holds-canary-5e1d'
const person = {
  firstName: 'Hanna',
  lastName: `Halter-${CANARY}`,
  birthDate: '1980-02-03',
  email: `hanna.${CANARY}@example.test`,
  phone: '+49 151 11112222',
  street: 'Aufbewahrungsweg 8',
  postalCode: '20095',
  city: 'Hamburg',
  countryCode: 'DE',
  iban: 'DE02120300000000202051',
  notes: `prefers calls after six ${CANARY}`,
}

interface Answer {
  subjectId: string
  outcome: 'erased' | 'held'
  erased: { identifiers: string[]; records: { kind: string; count: number }[] }
  kept: {
    holdId: string
    source: string
    law: string
    fields: string[]
    until: string | null
    untilEvent: string | null
    records: { kind: string; count: number | null }[]
  }[]
  restrictedTo: string[]
  text: { de: string; en: string }
}

interface Subject {
  identifiers: Record<string, string>
}

const rowsOf = async (runtime: TestRuntime, table: string, subjectId: string) => {
  const { rows } = await sql<{
    n: number
  }>`select count(*)::int as n from ${sql.table(table)} where subject_id = ${subjectId}::uuid`.execute(
    runtime.database.db,
  )
  return Number(rows[0]?.n)
}

const subjectRow = (runtime: TestRuntime, id: string) =>
  runtime.database.db
    .selectFrom('subject')
    .select(['erased_at', 'erasure_requested_at', 'attributes'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

const addTouchpoints = async (
  runtime: TestRuntime,
  subjectId: string,
  n: number,
  at: Date,
  overrides: { purpose_key?: string; channel?: string; legal_basis?: string } = {},
) => {
  await runtime.database.db
    .insertInto('touchpoint')
    .values(
      Array.from({ length: n }, (_, i) => ({
        subject_id: subjectId,
        type: 'page_view',
        channel: overrides.channel ?? 'web',
        occurred_at: new Date(at.getTime() - i * 60_000),
        received_at: at,
        purpose_key: overrides.purpose_key ?? 'contact_management',
        legal_basis: overrides.legal_basis ?? 'legitimate_interest',
        properties: JSON.stringify({ page: '/pricing' }) as unknown as Record<string, unknown>,
        source: 'test',
        external_id: null,
      })),
    )
    .execute()
}

describeEachEngine(
  'an erasure with an open invoice keeps the invoice and the billing identity',
  (runtime) => {
    let t: TestApp
    let admin: string
    let dpo: string
    let accounting: string
    let marketing: string
    let sales: string
    let id: string
    let invoiceId: string
    let sealedNote: Uint8Array
    let answer: Answer
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, cookie: string, payload?: object) =>
      t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) })

    beforeAll(async () => {
      t = await buildTestApp(runtime())
      admin = await t.signIn('admin@example.test', 'admin')
      dpo = await t.signIn('dpo@example.test', 'dpo')
      accounting = await t.signIn('accounting@example.test', 'accounting')
      marketing = await t.signIn('marketing@example.test', 'marketing')
      sales = await t.signIn('sales@example.test', 'sales')
      id = await createSubject(t.app, admin, person)
      const order = await call('POST', `/subjects/${id}/orders`, sales, {
        orderNumber: 'H-1',
        orderedAt: '2026-11-02T10:00:00Z',
        paymentMethod: 'invoice',
        lines: [{ description: 'Safe deposit box', quantity: 1, unitPriceCents: 9900 }],
      })
      expect(order.statusCode, order.body).toBe(201)
      const other = await call('POST', `/subjects/${id}/orders`, sales, {
        orderNumber: 'H-2',
        orderedAt: '2026-11-03T10:00:00Z',
        lines: [{ description: 'Key', quantity: 1, unitPriceCents: 500 }],
      })
      expect(other.statusCode, other.body).toBe(201)
      const invoice = await call('POST', `/subjects/${id}/invoices`, accounting, {
        invoiceNumber: 'RE-2026-1',
        orderNumber: 'H-1',
        issuedAt: '2026-11-03T08:00:00Z',
        dueOn: '2099-12-31',
        amountCents: 9900,
      })
      expect(invoice.statusCode, invoice.body).toBe(201)
      invoiceId = (invoice.json() as { id: string }).id
      const note = await call('POST', `/subjects/${id}/notes`, sales, {
        text: `called about the box ${CANARY}`,
      })
      expect(note.statusCode, note.body).toBe(201)
      expect((await call('POST', `/subjects/${id}/deals`, sales, { title: 'Bigger box' })).statusCode).toBe(
        201,
      )
      await addTouchpoints(runtime(), id, 5, new Date())
      const [stored] = await runtime()
        .database.db.selectFrom('subject_note')
        .select('sealed_text')
        .where('subject_id', '=', id)
        .execute()
      sealedNote = stored?.sealed_text as Uint8Array
    })
    afterAll(async () => {
      await t.app.close()
    })

    it('lists the holds the data asks for: the invoice, and its claim while unpaid', async () => {
      expect((await call('GET', `/subjects/${id}/holds`, marketing)).statusCode).toBe(403)
      const res = await call('GET', `/subjects/${id}/holds`, dpo)
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json() as {
        holds: { id: string; inForce: boolean; law: string; until: string | null; fields: string[] }[]
      }
      expect(body.holds.map((h) => h.id).sort()).toEqual([
        `invoice:${invoiceId}`,
        `unpaid-invoice:${invoiceId}`,
      ])
      const invoice = body.holds.find((h) => h.id.startsWith('invoice:'))
      // Issued in 2026: 8 years from the end of 2026 (§ 147(3) AO, § 257(4) HGB).
      expect(invoice).toMatchObject({ inForce: true, law: '§ 147(3) AO, § 257(4) HGB' })
      expect(new Date(invoice?.until as string).getUTCFullYear()).toBe(2034)
      expect(invoice?.fields).toEqual([
        'firstName',
        'lastName',
        'street',
        'postalCode',
        'city',
        'countryCode',
      ])
    })

    it('erases everything else at once and answers what was kept, why and until when', async () => {
      const res = await call('DELETE', `/subjects/${id}`, dpo)
      expect(res.statusCode, res.body).toBe(200)
      answer = res.json() as Answer
      expect(answer.outcome).toBe('held')
      expect(answer.erased.identifiers.sort()).toEqual(['birthDate', 'email', 'iban', 'notes', 'phone'])
      expect(answer.erased.records).toEqual(
        expect.arrayContaining([
          { kind: 'touchpoint', count: 5 },
          { kind: 'deal', count: 1 },
          { kind: 'subject_note', count: 1 },
          { kind: 'customer_order', count: 1 },
        ]),
      )
      expect(answer.kept.map((k) => k.source).sort()).toEqual(['invoice', 'unpaid-invoice'])
      expect(answer.kept.find((k) => k.source === 'invoice')).toMatchObject({
        law: '§ 147(3) AO, § 257(4) HGB',
        fields: ['firstName', 'lastName', 'street', 'postalCode', 'city', 'countryCode'],
        records: [
          { kind: 'invoice', count: 1 },
          { kind: 'customer_order', count: 1 },
        ],
      })
      expect(answer.kept.find((k) => k.source === 'unpaid-invoice')).toMatchObject({
        until: null,
        untilEvent: 'paid',
      })
      expect(answer.restrictedTo.sort()).toEqual(['invoicing_retention', 'legal_claims'])
      expect(answer.text.en).toContain('§ 147(3) AO')
      expect(answer.text.de).toContain('bis die Rechnung bezahlt ist')
      expect(JSON.stringify(answer)).not.toContain(CANARY)
    })

    it('keeps the invoice, its order and lines; deletes the rest; marks and restricts the subject', async () => {
      const r = runtime()
      expect(await rowsOf(r, 'invoice', id)).toBe(1)
      expect(await rowsOf(r, 'customer_order', id)).toBe(1)
      expect(await rowsOf(r, 'order_line', id)).toBe(1)
      for (const table of ['touchpoint', 'deal', 'subject_note', 'subject_organisation'])
        expect(await rowsOf(r, table, id), table).toBe(0)
      const row = await subjectRow(r, id)
      expect(row.erased_at).toBeNull()
      expect(row.erasure_requested_at).not.toBeNull()
      expect(row.attributes).toEqual({})
      const restriction = await r.database.db
        .selectFrom('restriction_state')
        .select('ground')
        .where('subject_id', '=', id)
        .executeTakeFirst()
      expect(restriction?.ground).toBe('erasure-held')
      // The e-mail address no longer finds anyone; the name's words stay while the name is kept.
      const kinds = await r.database.db
        .selectFrom('blind_index')
        .select('kind')
        .where('subject_id', '=', id)
        .execute()
      expect(new Set(kinds.map((k) => k.kind))).toEqual(new Set(['first_name', 'last_name']))
    })

    it('lets accounting read the invoice and the billing identity under invoicing_retention', async () => {
      const res = await call('GET', `/subjects/${id}?purpose=invoicing_retention`, accounting)
      expect(res.statusCode, res.body).toBe(200)
      expect((res.json() as Subject).identifiers).toEqual({
        firstName: person.firstName,
        lastName: person.lastName,
        street: person.street,
        postalCode: person.postalCode,
        city: person.city,
        countryCode: person.countryCode,
      })
      const invoices = await call('GET', `/subjects/${id}/invoices?purpose=invoicing_retention`, accounting)
      expect(invoices.statusCode, invoices.body).toBe(200)
      expect((invoices.json() as { invoiceNumber: string }[]).map((i) => i.invoiceNumber)).toEqual([
        'RE-2026-1',
      ])
      // The contact page says what is kept, why and until when.
      const overview = await call('GET', `/subjects/${id}/overview?purpose=invoicing_retention`, accounting)
      expect(overview.statusCode, overview.body).toBe(200)
      const erasure = (overview.json() as { erasure?: { kept: { law: string; until: string | null }[] } })
        .erasure
      expect(erasure?.kept.map((k) => k.law).sort()).toEqual([
        'Art. 17(3)(e) GDPR',
        '§ 147(3) AO, § 257(4) HGB',
      ])
    })

    it('gives marketing, sales and everyday contact management nothing', async () => {
      for (const cookie of [marketing, sales, admin]) {
        const res = await call('GET', `/subjects/${id}`, cookie)
        expect(res.statusCode).toBe(403)
        expect(problemOf(res).detail).toContain('restricted')
        expect(res.body).not.toContain(CANARY)
      }
      expect((await call('GET', `/subjects/${id}/overview`, sales)).statusCode).toBe(403)
      const search = await call('POST', '/subjects/search', admin, { email: person.email })
      expect((search.json() as { items: unknown[] }).items).toEqual([])
      // Nobody lifts the erasure's restriction, nobody replaces it, and nothing kept is rectified.
      expect((await call('DELETE', `/subjects/${id}/restriction`, dpo)).statusCode).toBe(409)
      const rectify = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/subjects/${id}`,
        headers: { cookie: accounting },
        payload: { identifiers: { city: 'Bremen' }, reason: 'moved', purpose: 'invoicing_retention' },
      })
      expect(rectify.statusCode, rectify.body).toBe(409)
    })

    it('made the e-mail, the phone and the notes unreadable: the old key is gone', async () => {
      const r = runtime()
      const identifiers = (
        await r.services.vault.readIdentifiers([id], ['email', 'phone', 'notes', 'iban', 'lastName'])
      ).get(id)
      expect(identifiers).toEqual({ lastName: person.lastName })
      // A copy of the note taken before (a backup) doesn't open under the key that is left.
      await expect(r.services.vault.open(id, sealedNote, NOTE_AAD)).rejects.toBeInstanceOf(DecryptionError)
      const dump = await r.database.db
        .selectFrom('subject_key')
        .select('identity')
        .where('subject_id', '=', id)
        .execute()
      expect(JSON.stringify(dump)).not.toContain(CANARY)
    })

    it('audits the erasure naming what was kept and why, and records it in the ledger', async () => {
      const history = await call('GET', `/subjects/${id}/history?limit=200`, dpo)
      const items = (
        history.json() as { items: { action: string; reason: string | null; fields: string[] }[] }
      ).items
      const erase = items.find((i) => i.action === 'erase')
      expect(erase?.reason).toContain('§ 147(3) AO')
      expect(erase?.fields).toEqual(['firstName', 'lastName', 'street', 'postalCode', 'city', 'countryCode'])
      expect(erase?.reason).not.toContain(CANARY)
      const ledger = await runtime()
        .database.db.selectFrom('erasure_ledger')
        .selectAll()
        .where('subject_id', '=', id)
        .execute()
      expect(ledger.map((l) => l.kind)).toEqual(['held'])
      const file = readFileSync(runtime().config.erasureLedgerPath, 'utf8')
      expect(file).toContain(`"subjectId":"${id}"`)
      expect(file).toContain('"kind":"held"')
      expect(file).not.toContain(CANARY)
    })

    it('finishes nothing while the invoice is unpaid', async () => {
      const report = await runtime().services.erasures.finishHeldErasures()
      expect(report).toMatchObject({ checked: 1, finished: 0, narrowed: 0, failed: [] })
    })

    it('lets accounting record the payment, then finishes once the period has run', async () => {
      const paid = await call(
        'POST',
        `/subjects/${id}/invoices/${invoiceId}/payment?purpose=invoicing_retention`,
        accounting,
        { paidAt: '2026-12-01T00:00:00Z' },
      )
      expect(paid.statusCode, paid.body).toBe(200)
      const erasures = runtime().services.erasures
      // Paid: the claim ended, the retention period runs (until 2035-01-01, Berlin).
      expect(await erasures.finishHeldErasures()).toMatchObject({ finished: 0, narrowed: 1 })
      expect(await erasures.finishHeldErasures()).toMatchObject({ finished: 0, narrowed: 0 })
      expect(await erasures.finishHeldErasures({ now: new Date('2034-12-30T00:00:00Z') })).toMatchObject({
        finished: 0,
      })
      expect(await erasures.finishHeldErasures({ now: new Date('2035-01-02T00:00:00Z') })).toMatchObject({
        checked: 1,
        finished: 1,
        failed: [],
      })
      const r = runtime()
      const row = await subjectRow(r, id)
      expect(row.erased_at).not.toBeNull()
      for (const table of ['invoice', 'customer_order', 'order_line', 'subject_key', 'blind_index'])
        expect(await rowsOf(r, table, id), table).toBe(0)
      expect((await call('GET', `/subjects/${id}?purpose=invoicing_retention`, accounting)).statusCode).toBe(
        404,
      )
      const ledger = await r.database.db
        .selectFrom('erasure_ledger')
        .select('kind')
        .where('subject_id', '=', id)
        .orderBy('seq')
        .execute()
      expect(ledger.map((l) => l.kind)).toEqual(['held', 'held', 'finished'])
      // Idempotent: nothing left to do.
      expect(await erasures.finishHeldErasures({ now: new Date('2035-01-02T00:00:00Z') })).toMatchObject({
        checked: 0,
        finished: 0,
      })
    })
  },
)

describeEachEngine('a phone consent keeps its number and proof for five years', (runtime) => {
  let t: TestApp
  let dpo: string
  let id: string
  const granted = new Date('2026-06-01T10:00:00Z')
  const used = new Date('2026-11-20T15:00:00Z')

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    const admin = await t.signIn('admin@example.test', 'admin')
    dpo = await t.signIn('dpo@example.test', 'dpo')
    id = await createSubject(t.app, admin, {
      firstName: 'Paul',
      lastName: 'Phoner',
      email: 'paul.phoner@example.test',
      phone: '+49 30 1234567',
    })
    await runtime().services.permissions.recordConsent([
      {
        subjectId: id,
        purposeKey: 'phone_marketing',
        channel: 'phone',
        kind: 'granted',
        proof: { source: 'phone', textVersion: 'tel-script-3', reference: 'call-2026-06-0001' },
        actor: { type: 'user', id: 'test' },
        at: granted,
      },
    ])
    // A call made on the consent (a use: the five years run from it again), and unrelated visits.
    await addTouchpoints(runtime(), id, 1, used, {
      purpose_key: 'phone_marketing',
      channel: 'phone',
      legal_basis: 'consent',
    })
    await addTouchpoints(runtime(), id, 3, used)
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('keeps the number, the consent events and the call; the rest goes', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/subjects/${id}`,
      headers: { cookie: dpo },
    })
    expect(res.statusCode, res.body).toBe(200)
    const answer = res.json() as Answer
    expect(answer.outcome).toBe('held')
    expect(answer.kept).toHaveLength(1)
    expect(answer.kept[0]).toMatchObject({
      source: 'phone-consent',
      law: '§ 7a UWG',
      fields: ['phone'],
      until: '2031-11-20T15:00:00.000Z',
    })
    expect(answer.erased.identifiers.sort()).toEqual(['email', 'firstName', 'lastName'])
    const r = runtime()
    expect(await rowsOf(r, 'touchpoint', id)).toBe(1)
    expect(await rowsOf(r, 'consent_event', id)).toBe(1)
    // Stored as compared (E.164): the number the consent was given for.
    expect((await r.services.vault.readIdentifiers([id], ['phone', 'email', 'lastName'])).get(id)).toEqual({
      phone: '+49301234567',
    })
  })

  it('shows the number to the DPO under legal_claims, and to nobody for marketing', async () => {
    const claims = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${id}?purpose=legal_claims`,
      headers: { cookie: dpo },
    })
    expect(claims.statusCode, claims.body).toBe(200)
    expect((claims.json() as Subject).identifiers).toEqual({ phone: '+49301234567' })
    const calls = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${id}?purpose=phone_marketing&channel=phone`,
      headers: { cookie: dpo },
    })
    expect(calls.statusCode).toBe(403)
  })

  it('erases the number when five years from the last use have passed', async () => {
    const erasures = runtime().services.erasures
    expect(await erasures.finishHeldErasures({ now: new Date('2031-11-19T00:00:00Z') })).toMatchObject({
      checked: 1,
      finished: 0,
    })
    expect(await erasures.finishHeldErasures({ now: new Date('2031-11-21T00:00:00Z') })).toMatchObject({
      finished: 1,
    })
    const r = runtime()
    expect(await rowsOf(r, 'subject_key', id)).toBe(0)
    expect(await rowsOf(r, 'touchpoint', id)).toBe(0)
    // The consent events stay as proof (Art. 7(1)), with no number left to link them to anyone.
    expect(await rowsOf(r, 'consent_event', id)).toBe(1)
  })
})

describeEachEngine('a hold the DPO enters keeps what it names until lifted', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string
  let id: string
  let holdId: string
  const holds = (cookie: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/subjects/${id}/holds`, headers: { cookie }, payload })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    const admin = await t.signIn('admin@example.test', 'admin')
    dpo = await t.signIn('dpo@example.test', 'dpo')
    sales = await t.signIn('sales@example.test', 'sales')
    id = await createSubject(t.app, admin, {
      firstName: 'Doris',
      lastName: 'Dispute',
      email: 'doris.dispute@example.test',
      street: 'Streitgasse 1',
    })
    const note = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${id}/notes`,
      headers: { cookie: sales },
      payload: { text: 'complained about the delivery' },
    })
    expect(note.statusCode, note.body).toBe(201)
    await addTouchpoints(runtime(), id, 2, new Date())
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('is the DPO’s to enter, with a reason without personal data', async () => {
    const valid = {
      ground: 'dispute',
      reason: 'Complaint file 2026-0042 before the district court',
      fieldCategories: ['identity', 'contact'],
      recordKinds: ['subject_note'],
    }
    expect((await holds(sales, valid)).statusCode).toBe(403)
    const personal = await holds(dpo, { ...valid, reason: 'she wrote from doris.dispute@example.test' })
    expect(problemOf(personal).errors?.[0]?.field).toBe('reason')
    const short = await holds(dpo, { ...valid, reason: 'x' })
    expect(short.statusCode).toBe(400)
    const nothing = await holds(dpo, { ...valid, fieldCategories: [], recordKinds: [] })
    expect(problemOf(nothing).status).toBe(400)
    const past = await holds(dpo, { ...valid, until: '2001-01-01T00:00:00Z' })
    expect(problemOf(past).errors?.[0]?.field).toBe('until')
    const res = await holds(dpo, valid)
    expect(res.statusCode, res.body).toBe(201)
    const hold = res.json() as {
      id: string
      inForce: boolean
      fields: string[]
      untilEvent: string
      law: string
    }
    expect(hold).toMatchObject({
      inForce: true,
      fields: ['firstName', 'lastName', 'birthDate', 'email', 'phone'],
      untilEvent: 'lifted',
      law: 'Art. 17(3)(e) GDPR',
    })
    holdId = hold.id
  })

  it('keeps what it names through an erasure, readable under the new key', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/subjects/${id}`,
      headers: { cookie: dpo },
    })
    expect(res.statusCode, res.body).toBe(200)
    const answer = res.json() as Answer
    expect(answer.outcome).toBe('held')
    expect(answer.erased.identifiers).toEqual(['street'])
    const r = runtime()
    expect(await rowsOf(r, 'touchpoint', id)).toBe(0)
    expect(await rowsOf(r, 'subject_note', id)).toBe(1)
    expect((await r.services.vault.readIdentifiers([id], ['lastName', 'email', 'street'])).get(id)).toEqual({
      lastName: 'Dispute',
      email: 'doris.dispute@example.test',
    })
    // The note was sealed again under the subject's new key.
    const [note] = await r.database.db
      .selectFrom('subject_note')
      .select('sealed_text')
      .where('subject_id', '=', id)
      .execute()
    expect((await r.services.vault.open(id, note?.sealed_text as Uint8Array, NOTE_AAD))?.toString()).toBe(
      'complained about the delivery',
    )
  })

  it('finishes the erasure once lifted (audited)', async () => {
    const erasures = runtime().services.erasures
    // The daily job: counts only (its log names no subject).
    expect(await finishHeldErasuresJob(erasures)).toEqual({ checked: 1, finished: 0, narrowed: 0, failed: 0 })
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/subjects/${id}/holds/${holdId}`,
          headers: { cookie: sales },
        })
      ).statusCode,
    ).toBe(403)
    const lifted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/subjects/${id}/holds/${holdId}`,
      headers: { cookie: dpo },
    })
    expect(lifted.statusCode, lifted.body).toBe(200)
    expect(lifted.json()).toMatchObject({ inForce: false, entered: { liftedBy: { type: 'user' } } })
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/subjects/${id}/holds/${holdId}`,
      headers: { cookie: dpo },
    })
    expect(again.statusCode).toBe(404)
    expect(await erasures.finishHeldErasures()).toMatchObject({ finished: 1, failed: [] })
    const r = runtime()
    expect(await rowsOf(r, 'subject_note', id)).toBe(0)
    expect(await rowsOf(r, 'legal_hold', id)).toBe(0)
    expect(await rowsOf(r, 'subject_key', id)).toBe(0)
    const history = await r.database.db
      .selectFrom('audit_event')
      .select(['action', 'reason'])
      .where(sql<boolean>`${id}::uuid = any(subject_ids)`)
      .orderBy('seq')
      .execute()
    expect(history.filter((h) => h.reason?.startsWith('legal hold'))).toHaveLength(2)
    expect(history.filter((h) => h.action === 'erase')).toHaveLength(2)
  })
})

describeEachEngine('a failed erasure leaves nothing half-done', (runtime) => {
  it('rolls everything back when the ledger file cannot be written', async () => {
    const t = await buildTestApp(runtime())
    try {
      const admin = await t.signIn('admin@example.test', 'admin')
      const id = await createSubject(t.app, admin, { firstName: 'Crash', email: 'crash@example.test' })
      await addTouchpoints(runtime(), id, 3, new Date())
      await runtime()
        .database.db.insertInto('invoice')
        .values({
          subject_id: id,
          invoice_number: 'C-1',
          issued_at: new Date(),
          due_on: '2099-01-01',
          amount_cents: 100,
          currency: 'EUR',
          created_at: new Date(),
        })
        .execute()
      const key = await runtime()
        .database.db.selectFrom('subject_key')
        .selectAll()
        .where('subject_id', '=', id)
        .executeTakeFirstOrThrow()
      // The ledger's place is taken by a directory: its append fails after every statement ran.
      const file = runtime().config.erasureLedgerPath
      const aside = `${file}.aside`
      try {
        renameSync(file, aside)
      } catch {}
      mkdirSync(file, { recursive: true })
      try {
        const res = await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/subjects/${id}`,
          headers: { cookie: admin },
        })
        expect(res.statusCode).toBe(500)
      } finally {
        rmSync(file, { recursive: true, force: true })
        try {
          renameSync(aside, file)
        } catch {}
      }
      const r = runtime()
      const after = await r.database.db
        .selectFrom('subject_key')
        .selectAll()
        .where('subject_id', '=', id)
        .executeTakeFirstOrThrow()
      expect(Buffer.from(after.wrapped_key).equals(Buffer.from(key.wrapped_key))).toBe(true)
      expect(await rowsOf(r, 'touchpoint', id)).toBe(3)
      expect(await rowsOf(r, 'restriction_state', id)).toBe(0)
      expect(await rowsOf(r, 'erasure_ledger', id)).toBe(0)
      expect((await subjectRow(r, id)).erasure_requested_at).toBeNull()
      expect((await r.services.vault.readIdentifiers([id], ['email'])).get(id)).toEqual({
        email: 'crash@example.test',
      })
      // Run again with the ledger writable: it completes.
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/subjects/${id}`,
        headers: { cookie: admin },
      })
      expect(res.statusCode, res.body).toBe(200)
      expect(await rowsOf(r, 'touchpoint', id)).toBe(0)
    } finally {
      await t.app.close()
    }
  })
})

describe('the erasure ledger file', () => {
  it('is configurable and defaults to the data directory', async () => {
    const { loadConfig } = await import('../../src/platform/config.ts')
    expect(loadConfig({ TRESOR_DATA_DIR: '/srv/tresor' }).erasureLedgerPath).toBe(
      '/srv/tresor/erasure-ledger.jsonl',
    )
    expect(
      loadConfig({ TRESOR_DATA_DIR: '/srv/tresor', TRESOR_ERASURE_LEDGER: '/mnt/other/ledger.jsonl' })
        .erasureLedgerPath,
    ).toBe('/mnt/other/ledger.jsonl')
  })
})
