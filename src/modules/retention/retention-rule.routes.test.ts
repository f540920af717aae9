import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../../../test/support/http.ts'
import { RETENTION_SEED } from '../../privacy/retention/retention-seed.ts'
import { DeletionConceptService } from './deletion-concept.service.ts'

interface Rule {
  key: string
  name: { de: string; en: string }
  period: string
  startEvent: string
  covers: {
    recordKind: string | null
    purposeKey: string | null
    subjectKind: string | null
    condition: string | null
  }
  legalMinimum: { period: string; law: string } | null
  transition: { previousPeriod: string; cutover: string } | null
  builtin: boolean
  version: number
  versions?: { version: number; changed: string[]; actor: { type: string }; definition: { period: string } }[]
}

const OWN_RULE = {
  key: 'staff_notes',
  name: { de: 'Notizen', en: 'Staff notes' },
  covers: { recordKind: 'subject_note' },
  period: 'P3Y',
  startEvent: 'creation',
  rule: { de: 'Notizen 3 Jahre nach dem Schreiben.', en: 'Notes 3 years after writing.' },
}

/** pdftotext (poppler-utils), where the machine has it. */
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p))

describeEachEngine('retention rules API (the deletion concept)', (runtime) => {
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

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, cookie: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    })

  it('seeds the rules of the rule book, with legal minimums and the BEG IV transition, for every role to read', async () => {
    const res = await call('GET', '/retention-rules', sales)
    expect(res.statusCode, res.body).toBe(200)
    const items = (res.json() as { items: Rule[] }).items
    expect(items.map((r) => r.key).sort()).toEqual(RETENTION_SEED.map((r) => r.key).sort())
    expect(items.find((r) => r.key === 'accounting_vouchers')).toMatchObject({
      period: 'P8Y',
      startEvent: 'end_of_year_of_creation',
      covers: { recordKind: 'invoice', purposeKey: null },
      legalMinimum: { period: 'P8Y', law: '§ 147(3) AO, § 257(4) HGB' },
      transition: { previousPeriod: 'P10Y', cutover: '2025-01-01' },
      builtin: true,
      version: 1,
    })
    expect(items.find((r) => r.key === 'books_and_statements')?.covers.recordKind).toBeNull()
    expect(items.find((r) => r.key === 'web_tracking_touchpoints')).toMatchObject({
      period: 'P13M',
      covers: { recordKind: 'touchpoint', purposeKey: 'web_tracking' },
      legalMinimum: null,
    })
    const one = await call('GET', '/retention-rules/phone_consent_proof', sales)
    expect(one.json()).toMatchObject({
      legalMinimum: { law: '§ 7a UWG' },
      versions: [{ version: 1, actor: { type: 'system' } }],
    })
    expect((await call('GET', '/retention-rules/no_such_rule', sales)).statusCode).toBe(404)
    // A restart inserts nothing twice.
    expect(await runtime().services.retention.seed()).toEqual([])
  })

  it('refuses a period below the legal minimum, naming the law; only retention:manage may change rules', async () => {
    const res = await call('PATCH', '/retention-rules/accounting_vouchers', dpo, { period: 'P5Y' })
    expect(res.statusCode).toBe(400)
    const problem = problemOf(res)
    expect(problem.errors).toEqual([
      {
        in: 'body',
        field: 'period',
        reason: 'must be at least P8Y: § 147(3) AO, § 257(4) HGB requires keeping these records that long',
      },
    ])
    expect(problem.detail).toContain('§ 147(3) AO')
    const fixed = await call('PATCH', '/retention-rules/accounting_vouchers', dpo, { startEvent: 'creation' })
    expect(problemOf(fixed).errors?.map((e) => e.field)).toEqual(['startEvent'])
    expect(problemOf(fixed).errors?.[0]?.reason).toMatch(/fixed by § 147\(3\) AO/)
    // The law's own properties are not input.
    const law = await call('PATCH', '/retention-rules/accounting_vouchers', dpo, {
      legalMinimum: { period: 'P1Y', law: 'none' },
    })
    expect(problemOf(law).errors?.[0]?.field).toBe('legalMinimum')
    expect(
      (await call('PATCH', '/retention-rules/accounting_vouchers', sales, { period: 'P9Y' })).statusCode,
    ).toBe(403)
    const unchanged = await call('GET', '/retention-rules/accounting_vouchers', dpo)
    expect(unchanged.json()).toMatchObject({ period: 'P8Y', version: 1 })
  })

  it('changes a rule: version bumped and kept, audited as configure naming the changed properties', async () => {
    const res = await call('PATCH', '/retention-rules/leads_without_interaction', dpo, { period: 'P3Y' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ period: 'P3Y', version: 2 })
    const again = await call('PATCH', '/retention-rules/leads_without_interaction', dpo, { period: 'P3Y' })
    expect(again.json()).toMatchObject({ version: 2 })
    const longer = await call('PATCH', '/retention-rules/accounting_vouchers', dpo, { period: 'P10Y' })
    expect(longer.json()).toMatchObject({ period: 'P10Y', version: 2 })

    const shown = (await call('GET', '/retention-rules/leads_without_interaction', dpo)).json() as Rule
    expect(shown.versions?.map((v) => [v.version, v.definition.period, v.changed, v.actor.type])).toEqual([
      [1, 'P2Y', ['name', 'covers', 'period', 'startEvent', 'rule'], 'system'],
      [2, 'P3Y', ['period'], 'user'],
    ])
    const audited = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'actor_type', 'actor_role', 'fields', 'reason'])
      .where('reason', 'like', 'retention rule leads_without_interaction%')
      .orderBy('seq')
      .execute()
    expect(audited).toEqual([
      {
        action: 'configure',
        actor_type: 'user',
        actor_role: 'dpo',
        fields: ['period'],
        reason: 'retention rule leads_without_interaction changed to version 2',
      },
    ])
    expect((await call('PATCH', '/retention-rules/leads_without_interaction', dpo, {})).statusCode).toBe(400)
    expect((await call('PATCH', '/retention-rules/nothing_here', dpo, { period: 'P1Y' })).statusCode).toBe(
      404,
    )
    const badEvent = await call('PATCH', '/retention-rules/leads_without_interaction', dpo, {
      startEvent: 'end_of_year_of_closure',
    })
    expect(problemOf(badEvent).errors?.map((e) => e.field)).toEqual(['startEvent'])
  })

  it('takes a rule of the DPO’s own, and refuses one that would shorten what a law keeps', async () => {
    expect((await call('POST', '/retention-rules', sales, OWN_RULE)).statusCode).toBe(403)
    const res = await call('POST', '/retention-rules', dpo, OWN_RULE)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      key: 'staff_notes',
      covers: { recordKind: 'subject_note', purposeKey: null, subjectKind: null, condition: null },
      legalMinimum: null,
      transition: null,
      builtin: false,
      version: 1,
    })
    expect((await call('POST', '/retention-rules', dpo, OWN_RULE)).statusCode).toBe(409)
    const shorter = await call('POST', '/retention-rules', dpo, {
      ...OWN_RULE,
      key: 'lead_invoices',
      covers: { recordKind: 'invoice', subjectKind: 'lead' },
      startEvent: 'end_of_year_of_creation',
    })
    expect(shorter.statusCode).toBe(400)
    expect(problemOf(shorter).errors).toEqual([
      {
        in: 'body',
        field: 'period',
        reason:
          'must be at least P8Y: § 147(3) AO, § 257(4) HGB requires keeping these records that long (rule accounting_vouchers covers the same records)',
      },
    ])
    const unknownPurpose = await call('POST', '/retention-rules', dpo, {
      ...OWN_RULE,
      key: 'tp',
      covers: { recordKind: 'touchpoint', purposeKey: 'no_such_purpose' },
    })
    expect(problemOf(unknownPurpose).errors?.map((e) => e.field)).toEqual(['covers.purposeKey'])
    const reserved = await call('POST', '/retention-rules', dpo, { ...OWN_RULE, key: 'document' })
    expect(problemOf(reserved).errors?.map((e) => e.field)).toEqual(['key'])
    const audited = await runtime()
      .database.db.selectFrom('audit_event')
      .select(['action', 'fields'])
      .where('reason', '=', 'retention rule staff_notes created')
      .execute()
    expect(audited).toEqual([
      { action: 'configure', fields: ['name', 'covers', 'period', 'startEvent', 'rule'] },
    ])
  })

  it('keeps the legal minimum as the release knows the law, raising a period below it (audited)', async () => {
    const seed = RETENTION_SEED.map((r) =>
      r.key === 'phone_consent_proof' ? { ...r, legalMinimum: { period: 'P6Y', law: '§ 7a UWG (new)' } } : r,
    )
    expect(await runtime().services.retention.seed(seed)).toEqual([])
    const raised = await runtime().services.retention.withVersions('phone_consent_proof')
    expect(raised).toMatchObject({
      period: 'P6Y',
      legalMinimum: { period: 'P6Y', law: '§ 7a UWG (new)' },
      version: 2,
    })
    expect(raised.versions[1]?.changed).toEqual(['legalMinimum', 'period'])
    await runtime().services.retention.seed()
    expect(await runtime().services.retention.get('phone_consent_proof')).toMatchObject({
      period: 'P6Y',
      legalMinimum: { period: 'P5Y', law: '§ 7a UWG' },
      version: 3,
    })
  })

  it('generates the deletion concept in German and English as HTML, each rule in its language', async () => {
    const de = await call('GET', '/retention-rules/document?lang=de&format=html', sales)
    expect(de.statusCode, de.body).toBe(200)
    expect(de.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(de.headers['content-disposition']).toMatch(
      /^attachment; filename="loeschkonzept-\d{4}-\d{2}-\d{2}\.html"$/,
    )
    const rules = await runtime().services.retention.list()
    expect(de.body).toContain('<html lang="de">')
    expect(de.body).toContain('<h1>Löschkonzept</h1>')
    expect(de.body).toContain('keine Rechtsberatung')
    expect(de.body).toContain('DIN 66398')
    for (const rule of rules) {
      expect(de.body).toContain(`data-rule="${rule.key}"`)
      expect(de.body).toContain(rule.name.de.replaceAll('&', '&amp;'))
      expect(de.body, rule.key).toContain(rule.rule.de)
    }
    expect(de.body).toContain('10 Jahre (P10Y)')
    expect(de.body).toContain('§ 147(3) AO, § 257(4) HGB')
    const en = await call('GET', '/retention-rules/document?lang=en', sales)
    expect(en.body).toContain('<h1>Deletion concept</h1>')
    expect(en.body).toContain('not legal advice')
    for (const rule of rules) {
      expect(en.body).toContain(rule.name.en)
      expect(en.body).not.toContain(rule.rule.de)
    }
    const bad = await call('GET', '/retention-rules/document?lang=fr', sales)
    expect(problemOf(bad).errors?.[0]?.field).toBe('lang')
  })

  it('generates it as a PDF', async () => {
    const res = await call('GET', '/retention-rules/document?lang=de&format=pdf', dpo)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    if (!PDFTOTEXT) return
    const text = execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', '-', '-'], { input: res.rawPayload }).toString(
      'utf8',
    )
    const flat = text.replace(/\s+/g, ' ')
    expect(flat).toContain('Löschkonzept')
    expect(flat).toContain('§ 147(3) AO')
    for (const rule of await runtime().services.retention.list()) expect(flat, rule.key).toContain(rule.key)
  })

  it('names the controller when the installation’s settings do', async () => {
    const concept = new DeletionConceptService({
      rules: runtime().services.retention,
      controllerName: async () => 'Muster & Söhne GmbH',
      now: () => new Date('2026-03-01T10:00:00Z'),
    })
    const html = (await concept.document('en', 'html')).body.toString('utf8')
    expect(html).toContain('<td>Muster &amp; Söhne GmbH</td>')
    expect(html).toContain('<td>2026-03-01</td>')
    expect((await concept.document('en', 'pdf')).filename).toBe('deletion-concept-2026-03-01.pdf')
  })

  it('is described in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    const paths = (res.json() as { paths: Record<string, Record<string, unknown>> }).paths
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/retention-rules',
        '/api/v1/retention-rules/{key}',
        '/api/v1/retention-rules/document',
      ]),
    )
    expect(JSON.stringify(paths['/api/v1/retention-rules/document'])).toContain('application/pdf')
  })
})
