import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

describeEachEngine('export of subject lists (CSV and XLSX)', (runtime) => {
  let t: TestApp
  let admin: string
  let dpo: string
  let marketing: string
  let exporter: string
  let objecting: string

  const create = async (identifiers: Record<string, string>, kinds = ['lead']) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds, identifiers, attributes: { country: 'DE' } },
    })
    expect(res.statusCode, res.body).toBe(201)
    return (res.json() as { id: string }).id
  }
  const exportAs = (cookie: string, query = '') =>
    t.app.inject({ method: 'GET', url: `/api/v1/subjects/export?kind=lead${query}`, headers: { cookie } })

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@example.test', 'admin')
    dpo = await t.signIn('dpo@example.test', 'dpo')
    marketing = await t.signIn('marketing@example.test', 'marketing')
    const role = await t.app.inject({
      method: 'POST',
      url: '/api/v1/roles',
      headers: { cookie: admin },
      payload: {
        name: 'exporter',
        permissions: ['subjects:read', 'subjects:export'],
        fieldCategories: ['identity', 'contact'],
      },
    })
    expect(role.statusCode, role.body).toBe(201)
    exporter = await t.signIn('exporter@example.test', 'exporter')
    await create({
      firstName: '=HYPERLINK("http://evil.example","x")',
      lastName: ' +SUM(A1)',
      email: 'formula@export.test',
    })
    await create({
      firstName: '\t@cmd',
      lastName: 'Normal',
      email: 'tab@export.test',
      iban: 'DE02120300000000202051',
    })
    objecting = await create({ firstName: 'Nein', lastName: 'Danke', email: 'objects@export.test' })
    const objection = await t.app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${objecting}/objections`,
      headers: { cookie: admin },
      payload: { scope: 'purpose', purposeKey: 'contact_management', source: 'letter' },
    })
    expect(objection.statusCode, objection.body).toBeLessThan(300)
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('refuses a role without the export permission', async () => {
    expect((await exportAs(marketing)).statusCode).toBe(403)
  })

  it('exports CSV with formulas neutralised and without the subjects the purpose may not use', async () => {
    const res = await exportAs(dpo)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/csv/)
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="tresor-export-.*\.csv"/)
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(lines[0]?.split(';').slice(0, 5)).toEqual(['id', 'kinds', 'createdAt', 'firstName', 'lastName'])
    expect(lines).toHaveLength(3)
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`)
    expect(res.body).toContain("' +SUM(A1)")
    expect(res.body).toContain("'\t@cmd")
    expect(res.body).not.toContain('objects@export.test')
  })

  it('exports only the fields the role may see, and says which it withheld', async () => {
    const res = await exportAs(exporter, '&fields=firstName,email,iban,city')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['x-tresor-withheld-fields']).toBe('iban,city')
    const header = res.body.replace(/^\uFEFF/, '').split('\r\n')[0]
    expect(header).toBe('id;kinds;createdAt;firstName;email')
    expect(res.body).not.toContain('DE02120300000000202051')
  })

  it('previews an export: its columns, the fields withheld, how many, and who is left out and why', async () => {
    const preview = (cookie: string, query: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/subjects/export/preview?${query}`, headers: { cookie } })
    const res = await preview(exporter, 'fields=firstName,email,iban,city')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({
      columns: ['id', 'kinds', 'createdAt', 'firstName', 'email'],
      withheld: ['iban', 'city'],
      total: 2,
      excluded: 1,
      excludedBy: { objected: 1 },
    })
    // The same checks as the export itself.
    expect((await preview(marketing, '')).statusCode).toBe(403)
    const bad = await preview(dpo, 'fields=shoeSize')
    expect(bad.statusCode).toBe(400)
    expect(problemOf(bad).errors?.[0]?.field).toBe('fields')
  })

  it('exports XLSX that a spreadsheet reads back', async () => {
    const res = await exportAs(dpo, '&format=xlsx&fields=firstName,email')
    expect(res.statusCode).toBe(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]
    const values =
      sheet
        ?.getSheetValues()
        .slice(1)
        .map((row) => (row as unknown[]).slice(1)) ?? []
    expect(values[0]).toEqual(['id', 'kinds', 'createdAt', 'firstName', 'email'])
    expect(
      values
        .slice(1)
        .map((v) => v[4])
        .sort(),
    ).toEqual(['formula@export.test', 'tab@export.test'])
  })

  it('audits the export with its row count and the digest of the exported ids', async () => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ reason: string }>(
        `select reason from audit_event where action = 'export' and reason like 'export finished%' order by seq`,
      ),
    )
    expect(rows[0]?.reason).toMatch(/^export finished: 2 rows as csv, sha256 of the ids [0-9a-f]{64}$/)
    // And every exported subject has the export in its history.
    const { rows: perSubject } = await runtime().database.transaction((tx) =>
      tx.query<{ n: number }>(
        `select count(*)::int as n from audit_event where action = 'export' and subject_ids is not null`,
      ),
    )
    expect(perSubject[0]?.n).toBeGreaterThan(0)
  })
})
