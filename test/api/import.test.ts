import path from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface Result {
  id: string
  status: string
  rows: number
  imported: number
  skipped: number
  rejected: number
  problems: { row: number; column?: string; reason: string }[]
  reportUrl: string
}

const PEOPLE = [
  'Vorname;Nachname;E-Mail;Telefon;PLZ;Ort;Land;Geburtsdatum;Geschlecht',
  'Jürgen;Groß;juergen.gross@import.test;030 123456;10115;Berlin;Deutschland;31.12.1980;m',
  'Max;Beispiel;max@example;;;;;;',
  'Anna;"Schmidt; Jr.";anna@import.test;;80331;München;DE;1990-02-30;w',
  'Ohne;Kontakt;;;;;;;',
  'Jürgen;Doppelt;JUERGEN.GROSS@import.test;;;;;;',
  'Zoë;Øst;zoe@import.test;;01067;Dresden;DE;;w',
].join('\r\n')

const NEWSLETTER = {
  source: 'messe-2026',
  purpose: 'newsletter_email',
  consentReference: 'Formulararchiv 2026/11',
  textVersion: 'nl-v3',
}

describeEachEngine('import of subjects, touchpoints and orders', (runtime) => {
  let t: TestApp
  let admin: string
  let marketing: string

  const upload = (query: Record<string, string>, body: Buffer, cookie = admin, type = 'text/csv') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports?${new URLSearchParams(query)}`,
      headers: { cookie, 'content-type': type },
      payload: body,
    })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    marketing = await t.signIn('marketing@example.test', 'marketing')
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('imports a German Excel CSV (Windows-1252, semicolons): good rows land with their consent, bad rows are reported', async () => {
    const res = await upload(
      { kind: 'subjects', ...NEWSLETTER },
      iconv.encode(PEOPLE, 'windows-1252'),
      marketing,
    )
    expect(res.statusCode, res.body).toBe(200)
    const result = res.json() as Result
    expect(result).toMatchObject({ status: 'done', rows: 6, imported: 2, skipped: 0, rejected: 4 })
    expect(result.problems).toEqual([
      { row: 3, column: 'E-Mail', reason: 'is not an e-mail address' },
      { row: 4, column: 'Geburtsdatum', reason: expect.stringContaining('is not a date') },
      {
        row: 5,
        column: 'E-Mail',
        reason: expect.stringContaining('needs an e-mail address or a phone number'),
      },
      { row: 6, reason: 'the same person as an earlier row of this file' },
    ])
    // No kind column and no kind chosen: everyone a customer, and the report says so.
    expect((result as Result & { warnings?: unknown[] }).warnings).toEqual([
      { code: 'default-kind', message: expect.stringContaining('customer'), kinds: ['customer'] },
    ])
    // Umlauts decoded, the person findable by e-mail, with the consent and its proof.
    const found = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/search',
      headers: { cookie: admin },
      payload: { email: 'juergen.gross@import.test' },
    })
    const subject = (
      found.json() as {
        items: { id: string; identifiers: Record<string, string>; attributes: Record<string, string> }[]
      }
    ).items[0]
    expect(subject?.identifiers).toMatchObject({
      firstName: 'Jürgen',
      lastName: 'Groß',
      birthDate: '1980-12-31',
      countryCode: 'DE',
      // "030 123456" stored as compared: E.164, in the installation's region (DE)
      phone: '+4930123456',
    })
    expect(subject?.attributes).toMatchObject({ country: 'DE', region: 'DE-10', gender: 'male' })
    const permissions = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subject?.id}/permissions`,
      headers: { cookie: admin },
    })
    const consents = (permissions.json() as { consents: { purposeKey: string; status: string }[] }).consents
    // Double opt-in purpose, no confirmation in the proof: granted, not yet usable for mailings.
    expect(consents).toContainEqual(
      expect.objectContaining({ purposeKey: 'newsletter_email', status: 'granted' }),
    )
    const history = (
      permissions.json() as { history: { proof?: { reference?: string; textVersion?: string } }[] }
    ).history
    expect(history[0]?.proof).toMatchObject({ reference: 'Formulararchiv 2026/11', textVersion: 'nl-v3' })

    // The report is downloadable as CSV, without any cell value.
    const report = await t.app.inject({
      method: 'GET',
      url: result.reportUrl,
      headers: { cookie: marketing },
    })
    expect(report.statusCode).toBe(200)
    expect(report.headers['content-type']).toMatch(/text\/csv/)
    expect(report.body).toContain('4;Geburtsdatum;is not a date (DD.MM.YYYY or YYYY-MM-DD)')
    expect(report.body).not.toContain('max@example')
  })

  it('stores phone numbers in E.164, reports the unreadable ones per row, and warns only when the kind is defaulted', async () => {
    const provenance = { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' }
    const csv = [
      'Nachname;E-Mail;Telefon;Kontaktart',
      'Fon;fon1@import.test;0151 2345678;Interessent',
      'Fonzwei;fon2@import.test;+49 (0)30 7654321;Kunde',
      'Kaputt;fon3@import.test;12;Kunde',
    ].join('\r\n')
    const res = await upload(provenance, Buffer.from(csv))
    expect(res.statusCode, res.body).toBe(200)
    const result = res.json() as Result & { warnings?: unknown[] }
    expect(result).toMatchObject({ status: 'done', imported: 2, rejected: 1 })
    expect(result.problems).toEqual([{ row: 4, column: 'Telefon', reason: 'is not a valid phone number' }])
    // a kind column: nothing defaulted, nothing to warn about
    expect(result.warnings).toBeUndefined()
    const byEmail = async (email: string) => {
      const found = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects/search',
        headers: { cookie: admin },
        payload: { email },
      })
      expect(found.statusCode, found.body).toBe(200)
      return (found.json() as { items: { identifiers: Record<string, string>; kinds: string[] }[] }).items[0]
    }
    expect(await byEmail('fon1@import.test')).toMatchObject({
      identifiers: { lastName: 'Fon', phone: '+491512345678' },
      kinds: ['lead'],
    })
    expect((await byEmail('fon2@import.test'))?.identifiers).toMatchObject({ phone: '+49307654321' })

    // a kind chosen for the file: not defaulted either
    const chosen = await upload(
      { ...provenance, subjectKind: 'lead' },
      Buffer.from('Nachname;Telefon\r\nGewählt;0152 3456789\r\n'),
    )
    expect((chosen.json() as Result & { warnings?: unknown[] }).warnings).toBeUndefined()
  })

  it('lists the latest imports with who ran them, when and the provenance, the problems only per import', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers: { cookie: admin } })
    expect(list.statusCode).toBe(200)
    const latest = (list.json() as Record<string, unknown>[]).find((i) => i.source === 'messe-2026')
    expect(latest).toMatchObject({
      kind: 'subjects',
      status: 'done',
      imported: 2,
      rejected: 4,
      purpose: 'newsletter_email',
      actor: { type: 'user' },
      startedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      finishedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    })
    expect(latest).not.toHaveProperty('problems')
    const one = await t.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${latest?.id}`,
      headers: { cookie: admin },
    })
    expect((one.json() as Result).problems).toHaveLength(4)
  })

  it('stores nothing twice when the same file is imported again', async () => {
    const res = await upload({ kind: 'subjects', ...NEWSLETTER }, iconv.encode(PEOPLE, 'windows-1252'))
    // The row that repeated a person of the file now finds that person stored: skipped too.
    expect(res.json(), res.body).toMatchObject({ imported: 0, skipped: 3, rejected: 3 })
  })

  it('refuses an import of people without provenance, naming what is missing', async () => {
    const body = Buffer.from('E-Mail\nx@import.test\n')
    expect(problemOf(await upload({ kind: 'subjects' }, body)).errors?.[0]?.field).toBe('source')
    expect(
      problemOf(await upload({ kind: 'subjects', source: 's', purpose: 'newsletter_email' }, body))
        .errors?.[0]?.field,
    ).toBe('consentReference')
    expect(
      problemOf(await upload({ kind: 'subjects', source: 's', purpose: 'nope' }, body)).errors?.[0]?.field,
    ).toBe('purpose')
    expect(
      problemOf(
        await upload(
          { kind: 'subjects', source: 's', purpose: 'contact_management', mapping: '{"email":"Mail"}' },
          body,
        ),
      ).status,
    ).toBe(400)
  })

  it('reads the catalog’s attributes from columns named by key or label, each value checked by its type', async () => {
    const csv = [
      'E-Mail;Interessen;Beruf;Haushaltsgröße;Einkommensklasse;Hobbys',
      'attr1@import.test;Travel, Books;Tischlerin;3;20-40k;',
      'attr2@import.test;Reisen;;2;;',
      'attr3@import.test;;;drei;;',
      'attr4@import.test;music;;1.000;>80k;',
    ].join('\r\n')
    const provenance = { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' }
    const res = await upload(provenance, Buffer.from(csv))
    expect(res.statusCode, res.body).toBe(200)
    const result = res.json() as Result & { ignoredColumns: string[] }
    expect(result).toMatchObject({ status: 'done', imported: 2, rejected: 2 })
    expect(result.problems).toEqual([
      { row: 3, column: 'Interessen', reason: expect.stringContaining('must be a list of') },
      { row: 4, column: 'Haushaltsgröße', reason: 'must be a number' },
    ])
    // a column that is no field is reported, not guessed
    expect(result.ignoredColumns).toEqual(['Hobbys'])
    const attributesOf = async (email: string) => {
      const found = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects/search',
        headers: { cookie: admin },
        payload: { email },
      })
      return (found.json() as { items: { attributes: Record<string, unknown> }[] }).items[0]?.attributes
    }
    expect(await attributesOf('attr1@import.test')).toMatchObject({
      interests: ['travel', 'books'],
      occupation: 'Tischlerin',
      householdSize: 3,
      incomeBand: '20-40k',
    })
    expect(await attributesOf('attr4@import.test')).toMatchObject({
      interests: ['music'],
      householdSize: 1000,
    })

    // an explicit mapping names the field by its key
    const mapped = await upload(
      { ...provenance, mapping: JSON.stringify({ interests: 'Hobbys' }) },
      Buffer.from('E-Mail;Hobbys\r\nattr5@import.test;food|home\r\n'),
    )
    expect(mapped.json(), mapped.body).toMatchObject({ imported: 1, rejected: 0 })
    expect(await attributesOf('attr5@import.test')).toMatchObject({ interests: ['food', 'home'] })

    // a special category (Art. 9) column only for a purpose with an Art. 9 basis that it serves
    const health = problemOf(
      await upload(provenance, Buffer.from('E-Mail;Ernährungsbedürfnisse\r\nattr6@import.test;vegan\r\n')),
    )
    expect(health.status).toBe(400)
    expect(health.errors?.[0]).toMatchObject({ field: 'mapping', reason: expect.stringContaining('Art. 9') })
    expect(await attributesOf('attr6@import.test')).toBeUndefined()
  })

  it('imports people from an XLSX file', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('Kontakte')
    sheet.addRow(['Vorname', 'Nachname', 'E-Mail', 'Geburtsdatum'])
    sheet.addRow(['Lena', 'Xlsx', 'lena@import.test', new Date(Date.UTC(1985, 4, 17))])
    sheet.addRow(['Kai', 'Xlsx', 'kein-mail', null])
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer())
    const res = await upload(
      { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' },
      bytes,
      admin,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    expect(res.json()).toMatchObject({ imported: 1, rejected: 1, problems: [{ row: 3, column: 'E-Mail' }] })
  })

  it('reports a malformed CSV record with its line and reason and imports every other row', async () => {
    const csv = [
      'E-Mail;Nachname;Notiz',
      'good1@malformed.test;Eins;',
      // typed in a cell by hand and saved by a tool that does not quote: a quote in an unquoted field
      'formula@malformed.test;Formel;=HYPERLINK("https://x.test";"Profil")',
      'good2@malformed.test;Zwei;',
      'short@malformed.test',
      'good3@malformed.test;"Drei";',
      // a quote that never closes: the lines after it are still records of their own
      'open@malformed.test;"nie geschlossen;',
      'good4@malformed.test;Vier;',
    ].join('\r\n')
    const res = await upload(
      { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' },
      Buffer.from(csv),
    )
    expect(res.statusCode, res.body).toBe(200)
    const result = res.json() as Result
    expect(result).toMatchObject({ status: 'done', rows: 7, imported: 4, rejected: 3 })
    expect(result.problems).toEqual([
      {
        row: 3,
        reason:
          'CSV syntax error: a quote appears inside a field that does not start with one in column 3 (C)',
      },
      { row: 5, reason: 'row has 1 cell, the header has 3' },
      { row: 7, reason: 'CSV syntax error: a quoted field is never closed' },
    ])
    // no cell value in the report (personal data)
    expect(JSON.stringify(result)).not.toMatch(/HYPERLINK|malformed\.test|geschlossen/)
    for (const email of ['good1', 'good2', 'good3', 'good4']) {
      const found = await t.app.inject({
        method: 'POST',
        url: '/api/v1/subjects/search',
        headers: { cookie: admin },
        payload: { email: `${email}@malformed.test` },
      })
      expect((found.json() as { items: unknown[] }).items, email).toHaveLength(1)
    }
  })

  it('reports an XLSX row that does not fit the header like a CSV one, and imports the others', async () => {
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet('Kontakte').addRows([
      ['E-Mail', 'Nachname'],
      ['xlsx1@malformed.test', 'Eins'],
      ['xlsx2@malformed.test', 'Zwei', 'daneben'],
      ['xlsx3@malformed.test', 'Drei'],
    ])
    const res = await upload(
      { kind: 'subjects', source: 'crm-migration', purpose: 'contact_management' },
      Buffer.from(await workbook.xlsx.writeBuffer()),
      admin,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    expect(res.json(), res.body).toMatchObject({
      status: 'done',
      rows: 3,
      imported: 2,
      rejected: 1,
      problems: [{ row: 3, reason: "row has a value in column C, right of the header's last column (B)" }],
    })
  })

  it('imports touchpoints with the other columns as properties, once', async () => {
    const csv = [
      'E-Mail,Typ,Zeitpunkt,Formular',
      'juergen.gross@import.test,form_submit,2026-11-01T10:00:00Z,kontakt',
      'zoe@import.test,page_view,01.11.2026 11:00,',
      'nobody@import.test,form_submit,2026-11-01T10:00:00Z,x',
      'juergen.gross@import.test,teleport,2026-11-01T10:00:00Z,x',
    ].join('\n')
    const first = (await upload({ kind: 'events', source: 'shop' }, Buffer.from(csv))).json() as Result
    expect(first).toMatchObject({ rows: 4, imported: 1, rejected: 3 })
    expect(first.problems.map((p) => [p.row, p.reason.slice(0, 20)])).toEqual([
      [3, 'not stored: no-conse'],
      [4, 'no such contact'],
      [5, 'must be one of the t'],
    ])
    const again = (await upload({ kind: 'events', source: 'shop' }, Buffer.from(csv))).json() as Result
    expect(again).toMatchObject({ imported: 0, skipped: 1, rejected: 3 })
  })

  it('imports orders with German amounts, several lines per order, once', async () => {
    const csv = [
      'E-Mail;Bestellnummer;Bestelldatum;Bezeichnung;Menge;Einzelpreis;Zahlungsart',
      'juergen.gross@import.test;B-1;01.10.2026;Buch;2;12,50;invoice',
      'juergen.gross@import.test;B-1;01.10.2026;Versand;1;4,90;invoice',
      'zoe@import.test;B-2;2026-10-03;Kurs;1;1.234,56;card',
      'zoe@import.test;B-3;2026-10-03;Kurs;1;zwölf;card',
    ].join('\n')
    const first = (await upload({ kind: 'orders' }, Buffer.from(csv))).json() as Result
    expect(first).toMatchObject({
      rows: 4,
      imported: 3,
      rejected: 1,
      problems: [{ row: 5, column: 'Einzelpreis' }],
    })
    const again = (await upload({ kind: 'orders' }, Buffer.from(csv))).json() as Result
    expect(again).toMatchObject({ imported: 0, skipped: 3, rejected: 1 })
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ order_number: string; total_cents: number; item_count: number }>(
        `select order_number, total_cents, item_count from customer_order where order_number in ('B-1', 'B-2') order by order_number`,
      ),
    )
    expect(rows.map((r) => [r.order_number, Number(r.total_cents), r.item_count])).toEqual([
      ['B-1', 2990, 3],
      ['B-2', 123456, 1],
    ])
  })

  it('matches rows to contacts by e-mail only for a role that may look people up by e-mail', async () => {
    // A role that imports orders but holds no contact category: matching by address would tell it
    // who is a contact (re-identification), so it must give the subject id.
    const role = await t.app.inject({
      method: 'POST',
      url: '/api/v1/roles',
      headers: { cookie: admin },
      payload: {
        name: 'order-feed',
        permissions: ['subjects:read', 'subjects:import'],
        fieldCategories: ['purchases'],
        purposes: ['order_processing'],
      },
    })
    expect(role.statusCode, role.body).toBe(201)
    const feed = await t.signIn('order-feed@example.test', 'order-feed')
    const known = (
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/subjects/search',
          headers: { cookie: admin },
          payload: { email: 'zoe@import.test' },
        })
      ).json() as { items: { id: string }[] }
    ).items[0]?.id as string
    const byEmail = [
      'E-Mail;Bestellnummer;Bestelldatum;Bezeichnung;Menge;Einzelpreis',
      'zoe@import.test;F-1;2026-10-04;Kurs;1;10,00',
    ].join('\n')
    const refused = (await upload({ kind: 'orders' }, Buffer.from(byEmail), feed)).json() as Result
    expect(refused).toMatchObject({ imported: 0, rejected: 1 })
    expect(refused.problems[0]?.reason).toMatch(/may not find contacts by e-mail/)
    const byId = [
      `subject_id;Bestellnummer;Bestelldatum;Bezeichnung;Menge;Einzelpreis`,
      `${known};F-2;2026-10-04;Kurs;1;10,00`,
    ].join('\n')
    const imported = (await upload({ kind: 'orders' }, Buffer.from(byId), feed)).json() as Result
    expect(imported, JSON.stringify(imported.problems)).toMatchObject({ imported: 1, rejected: 0 })
  })

  it('imports the CDNOW data set as orders of 23,570 synthetic customers, exactly, and idempotently', async () => {
    const file = path.resolve('datasets/cdnow/CDNOW_master.txt')
    const report = await runtime().services.imports.run(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      { path: file },
      { kind: 'orders', preset: 'cdnow', provenance: { source: 'cdnow', purpose: 'order_processing' } },
    )
    expect(report).toMatchObject({ status: 'done', rows: 69_659, imported: 69_659, rejected: 0 })
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ orders: number; customers: number; cents: number; cds: number }>(
        `select count(*)::int as orders, count(distinct subject_id)::int as customers,
                sum(total_cents)::bigint as cents, sum(item_count)::bigint as cds
         from customer_order where source = 'cdnow'`,
      ),
    )
    expect(rows[0]).toMatchObject({ orders: 69_659, customers: 23_570 })
    const again = await runtime().services.imports.run(
      { actor: { type: 'system', id: 'test', role: 'admin' } },
      { path: file },
      { kind: 'orders', preset: 'cdnow', provenance: { source: 'cdnow', purpose: 'order_processing' } },
    )
    expect(again).toMatchObject({ imported: 0, skipped: 69_659 })
    expect(Number(rows[0]?.cents)).toBe(CDNOW_TOTAL_CENTS)
    expect(Number(rows[0]?.cds)).toBe(CDNOW_TOTAL_CDS)
  }, 120_000)
})

// Computed from the file independently of the importer:
// awk 'NR>1 {c+=$4*100; n+=$3} END {printf "%.0f %d", c, n}' CDNOW_master.txt
const CDNOW_TOTAL_CENTS = 250_031_563
const CDNOW_TOTAL_CDS = 167_881
