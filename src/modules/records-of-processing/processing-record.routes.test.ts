import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../../../test/support/http.ts'

/** pdftotext (poppler-utils), where the machine has it. */
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p))

interface View {
  record: {
    controller: { name: string | null }
    purposes: { key: string; legalBasis: string; description: { en: string }; version: number }[]
    dataCategories: { key: string; fields: { key: string; identifier: boolean; special: string | null }[] }[]
    subjectCategories: { key: string; purposes: string[] }[]
    recipients: unknown[]
    erasureLimits: { key: string; period: string }[]
    measures: { key: string; title: { de: string; en: string } }[]
  }
  sha256: string
  adopted: { version: number } | null
  latest: { version: number; sha256: string } | null
  changes: { section: string; key: string; change: string; properties: string[] }[]
  changesSince: number | null
}

describeEachEngine('record of processing activities API (Art. 30)', (runtime) => {
  let t: TestApp
  let dpo: string
  let sales: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    dpo = await t.signIn('dpo@example.com', 'dpo')
    sales = await t.signIn('sales@example.com', 'sales')
  })
  afterAll(async () => {
    await t.app.close()
  })

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })
  const view = async () => {
    const res = await call('GET', '/records-of-processing', dpo)
    expect(res.statusCode).toBe(200)
    return res.json() as View
  }

  it('generates the record from the configuration: controller, purposes, categories (special marked), erasure limits, measures', async () => {
    const set = await call('PATCH', '/settings/dpo', dpo, { name: 'Dana Schutz', email: 'dpo@example.com' })
    expect(set.statusCode).toBe(200)
    const v = await view()
    expect(v.record).toMatchObject({ dpo: { name: 'Dana Schutz', email: 'dpo@example.com' } })
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(v.adopted).toBeNull()
    expect(v.latest).toBeNull()
    const keys = v.record.purposes.map((p) => p.key)
    expect(keys).toContain('newsletter_email')
    expect(keys).toContain('breach_notification')
    expect(v.record.purposes.find((p) => p.key === 'invoicing_retention')?.legalBasis).toBe(
      'legal_obligation',
    )
    const identity = v.record.dataCategories.find((c) => c.key === 'identity')
    expect(identity?.fields.find((f) => f.key === 'firstName')?.identifier).toBe(true)
    expect(v.record.subjectCategories.map((c) => c.key)).toContain('customer')
    // The deletion concept's rules are the erasure time limits (Art. 30(1)(f)).
    expect(v.record.erasureLimits.length).toBeGreaterThan(0)
    expect(v.record.measures.map((m) => m.key)).toEqual(
      expect.arrayContaining(['encryption', 'audit-chain', 'access-control', 'pseudonymisation']),
    )
    // Same configuration, same record, same hash.
    expect((await view()).sha256).toBe(v.sha256)
  })

  it('marks special categories: an Art. 9 field of the catalog shows in its category', async () => {
    const res = await call('POST', '/fields', dpo, {
      key: 'allergies',
      label: { de: 'Allergien', en: 'Allergies' },
      category: 'psychographic',
      special: 'health',
      dataType: 'text',
    })
    expect(res.statusCode).toBe(201)
    const v = await view()
    const field = v.record.dataCategories.flatMap((c) => c.fields).find((f) => f.key === 'allergies')
    expect(field?.special).toBe('health')
    const html = (await call('GET', '/records-of-processing/document?lang=en&format=html', dpo)).body
    expect(html).toContain('Allergies (special category: health)')
  })

  it('adopts versions and shows the changes since the last one when a purpose changes', async () => {
    const first = await call('POST', '/records-of-processing/versions', dpo)
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ version: 1, created: true })
    // Nothing changed: stored once.
    const again = await call('POST', '/records-of-processing/versions', dpo)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ version: 1, created: false })
    const adopted = await view()
    expect(adopted.adopted?.version).toBe(1)
    expect(adopted.changes).toEqual([])

    const changed = await call('PATCH', '/purposes/newsletter_email', dpo, {
      description: { de: 'Monatlicher Newsletter per E-Mail.', en: 'A monthly newsletter by e-mail.' },
    })
    expect(changed.statusCode).toBe(200)
    const after = await view()
    expect(after.sha256).not.toBe(adopted.sha256)
    expect(after.adopted).toBeNull()
    expect(after.changesSince).toBe(1)
    expect(after.changes).toContainEqual({
      section: 'purposes',
      key: 'newsletter_email',
      change: 'changed',
      properties: ['description', 'version'],
    })
    const html = (await call('GET', '/records-of-processing/document?lang=en&format=html', dpo)).body
    expect(html).toContain('Purposes: newsletter_email changed (description, version)')
    expect(html).toContain('changed since version 1')

    const second = await call('POST', '/records-of-processing/versions', dpo)
    expect(second.json()).toMatchObject({ version: 2, created: true })
    const v2 = await view()
    // Now the record is version 2; its changes are those against version 1.
    expect(v2.adopted?.version).toBe(2)
    expect(v2.changesSince).toBe(1)
    expect(v2.changes.map((c) => c.key)).toContain('newsletter_email')
    const list = await call('GET', '/records-of-processing/versions', sales)
    expect((list.json() as { items: { version: number }[] }).items.map((i) => i.version)).toEqual([2, 1])
    const one = await call('GET', '/records-of-processing/versions/1', dpo)
    expect(
      (one.json() as { record: View['record'] }).record.purposes.find((p) => p.key === 'newsletter_email')
        ?.description.en,
    ).not.toBe('A monthly newsletter by e-mail.')
  })

  it('downloads as PDF and XLSX (de/en), and says when no recipients are registered', async () => {
    const pdf = await call('GET', '/records-of-processing/document?lang=de&format=pdf', dpo)
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.headers['content-disposition']).toMatch(
      /attachment; filename="verarbeitungsverzeichnis-\d{4}-\d{2}-\d{2}\.pdf"/,
    )
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    if (PDFTOTEXT) {
      const text = execFileSync(PDFTOTEXT, ['-', '-'], { input: pdf.rawPayload }).toString('utf8')
      expect(text).toContain('Verzeichnis von Verarbeitungstätigkeiten')
      expect(text).toContain('Technische und organisatorische Maßnahmen')
    }
    const xlsx = await call('GET', '/records-of-processing/document?lang=en&format=xlsx', dpo)
    expect(xlsx.statusCode).toBe(200)
    expect(xlsx.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const names = book.worksheets.map((w) => w.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'Purposes',
        'Categories of data subjects',
        'Recipients and transfers',
        'Erasure time limits',
      ]),
    )
    const purposes = book.getWorksheet('Purposes')
    const keys: string[] = []
    purposes?.eachRow((row) => keys.push(String(row.getCell(2).value)))
    expect(keys).toContain('newsletter_email')
    const recipients = book.getWorksheet('Recipients and transfers')
    const v = await view()
    if (v.record.recipients.length === 0)
      expect(String(recipients?.getRow(2).getCell(1).value)).toContain('No recipients are registered')
  })

  it('lists the registered recipients with their country and the safeguard of a third-country transfer', async () => {
    await runtime().services.recipients.create(
      {
        name: 'Mailer Inc.',
        role: 'processor',
        country: 'US',
        contractDate: '2026-01-15',
        mechanism: 'scc',
        sccModule: 2,
        sccDate: '2026-01-15',
        purposes: ['newsletter_email'],
        fieldCategories: ['identity', 'contact'],
      },
      { actor: { type: 'user', id: 'dpo-test' } },
    )
    const v = await view()
    const recipients = v.record.recipients as {
      name: string
      country: string
      inEea: boolean
      safeguard: string | null
    }[]
    const mailer = recipients.find((r) => r.name === 'Mailer Inc.')
    expect(mailer).toMatchObject({ country: 'US', inEea: false })
    expect(mailer?.safeguard).toMatch(/46/)
    expect(v.changes).toContainEqual(expect.objectContaining({ section: 'recipients', change: 'added' }))
    const html = (await call('GET', '/records-of-processing/document?lang=en&format=html', dpo)).body
    expect(html).toContain('Mailer Inc.')
    expect(html).not.toContain('No recipients are registered')
  })

  it('is for everyone who reads the purposes; adopting needs purposes:manage', async () => {
    expect((await call('GET', '/records-of-processing', sales)).statusCode).toBe(200)
    const refused = await call('POST', '/records-of-processing/versions', sales)
    expect(refused.statusCode).toBe(403)
    expect(problemOf(refused).type).toBe('urn:tresor:problem:forbidden')
    const bad = await call('GET', '/records-of-processing/document?format=docx', dpo)
    expect(bad.statusCode).toBe(400)
  })
})
