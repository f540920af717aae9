import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AccessReport } from '../../src/modules/requests/access-report.ts'
import { requestDeadlinesJob } from '../../src/modules/requests/requests.jobs.ts'
import { RECORD_KINDS } from '../../src/privacy/records/record-kinds.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'
const LINK = /https:\/\/crm\.example\.test\/p\/portal\/login\/([A-Za-z0-9_-]{43})\?lang=(de|en)/
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

interface RequestJson {
  id: string
  subjectId: string
  kind: string
  channel: string
  status: string
  dueAt: string
  receivedAt: string
  assigneeId: string | null
  verification: { method: string; note: string | null } | null
  extension: { reason: string; firstDueAt: string } | null
  refusal: { ground: string; reason: string } | null
  closedAt: string | null
}

/**
 * Issue #15: data subject requests answered end to end — the Art. 12 workflow (identity
 * verification before anything personal goes out, the extension refused after the first month),
 * the Art. 15 access report through the gate with every registered section, the person's download
 * in the portal (theirs only), the "news" mail and the DPO's deadline warning over real SMTP.
 */
describeEachEngineWithMail('data subject requests answered', { publicUrl: PUBLIC_URL }, (runtime, smtp) => {
  let t: TestApp
  let admin: string
  let dpo: string
  let sales: string
  let ip = 1

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@answers.test', 'admin')
    dpo = await t.signIn('dpo@answers.test', 'dpo')
    sales = await t.signIn('sales@answers.test', 'sales')
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const api = (cookie: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
  const step = (id: string, body: Record<string, unknown>, cookie = dpo) =>
    api(cookie, 'POST', `/requests/${id}/steps`, body)
  const record = async (subjectId: string, body: Record<string, unknown>): Promise<RequestJson> => {
    const res = await api(dpo, 'POST', `/subjects/${subjectId}/requests`, body)
    expect(res.statusCode).toBe(201)
    return res.json() as RequestJson
  }
  const signIn = async (email: string): Promise<{ cookie: string; csrf: string }> => {
    const asked = await t.app.inject({
      method: 'POST',
      url: '/p/portal/login?lang=en',
      remoteAddress: `198.51.100.${ip++}`,
      headers: FORM,
      payload: `email=${encodeURIComponent(email)}`,
    })
    expect(asked.statusCode).toBe(200)
    const mail = await smtp().nextMailTo(email)
    const match = LINK.exec(mail.parsed.text ?? '')
    if (!match) throw new Error('no sign-in link in the mail')
    const res = await t.app.inject({
      method: 'POST',
      url: match[0].replace(PUBLIC_URL, ''),
      remoteAddress: `198.51.100.${ip++}`,
      headers: FORM,
      payload: '',
    })
    expect(res.statusCode).toBe(303)
    const cookie = `tresor_portal=${res.cookies.find((c) => c.name === 'tresor_portal')?.value}`
    const page = await t.app.inject({ method: 'GET', url: '/p/portal/me?lang=en', headers: { cookie } })
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    return { cookie, csrf }
  }

  it('portal → verified by the sign-in → DPO answers with the report → the person downloads it, nobody else', async () => {
    const email = 'erika.access@example.com'
    const subject = await createSubject(t.app, admin, { firstName: 'Erika', lastName: 'Auskunft', email })
    expect(
      (await api(admin, 'POST', `/subjects/${subject}/notes`, { text: 'Called about her order' })).statusCode,
    ).toBe(201)
    expect(
      (
        await api(admin, 'POST', `/subjects/${subject}/orders`, {
          orderNumber: 'A-1001',
          orderedAt: '2026-03-01T10:00:00.000Z',
          lines: [{ description: 'Teapot', quantity: 1, unitPriceCents: 2990 }],
        })
      ).statusCode,
    ).toBe(201)
    // A disclosure to a processor in a third country with standard contractual clauses (Art. 15(1)(c), (2)).
    const { recipients, disclosures } = runtime().services
    const processor = await recipients.create(
      {
        name: 'Mailer Inc.',
        role: 'processor',
        country: 'US',
        mechanism: 'scc',
        sccModule: 2,
        sccDate: '2025-01-15',
        contractDate: '2025-01-15',
        purposes: ['contact_management'],
        fieldCategories: ['identity', 'contact'],
      },
      { actor: { type: 'user', id: 'test' } },
    )
    const allowed = await disclosures.authorize({
      actor: { type: 'user', id: 'test' },
      recipientId: processor.id,
      purpose: 'contact_management',
      where: 'body',
    })
    await (await allowed.open({ channel: 'export', fields: ['email'] })).add([subject])
    const person = await signIn(email)
    const filed = await t.app.inject({
      method: 'POST',
      url: '/p/portal/requests?lang=en',
      headers: { ...FORM, cookie: person.cookie },
      payload: new URLSearchParams({ csrf: person.csrf, kind: 'access' }).toString(),
    })
    expect(filed.statusCode).toBe(303)
    const [request] = (await api(dpo, 'GET', `/subjects/${subject}/requests`)).json() as RequestJson[]
    if (!request) throw new Error('no request filed')
    // Art. 12(6): the mailed sign-in verified the person.
    expect(request).toMatchObject({ status: 'identity_verified', verification: { method: 'portal_sign_in' } })

    // The inbox shows it with its state; sales may not take steps.
    const inbox = (await api(dpo, 'GET', '/requests?limit=500')).json() as { items: RequestJson[] }
    expect(inbox.items.find((r) => r.id === request.id)).toMatchObject({
      status: 'identity_verified',
      assigneeId: null,
    })
    expect((await step(request.id, { step: 'start' }, sales)).statusCode).toBe(403)

    const me = (await api(dpo, 'GET', '/auth/me')).json() as { id?: string; user?: { id: string } }
    const dpoId = me.user?.id ?? me.id
    expect((await step(request.id, { step: 'assign', assigneeId: dpoId })).json()).toMatchObject({
      assigneeId: dpoId,
    })
    expect((await step(request.id, { step: 'start' })).json()).toMatchObject({ status: 'in_progress' })

    // The preview: every registered section, the data itself, the rights; the note withheld on request.
    const preview = await api(
      dpo,
      'GET',
      `/requests/${request.id}/report?format=json&lang=en&withheldNotes=all`,
    )
    expect(preview.statusCode).toBe(200)
    const report = preview.json() as AccessReport
    const sectioned = RECORD_KINDS.filter((k) => 'title' in k.report && k.table !== 'subject').map(
      (k) => k.table,
    )
    expect(report.sections.map((s) => s.table).sort()).toEqual([...sectioned].sort())
    expect(report.subject.identifiers).toMatchObject({ firstName: 'Erika', lastName: 'Auskunft', email })
    expect(report.sections.find((s) => s.table === 'customer_order')?.rows[0]).toMatchObject({
      order_number: 'A-1001',
      lines: [expect.objectContaining({ description: 'Teapot', quantity: 1 })],
    })
    expect(report.sections.find((s) => s.table === 'subject_note')).toMatchObject({
      rows: [],
      withheld: { count: 1 },
    })
    expect(report.recipients.statement.en).toMatch(/disclosed to the following recipients/)
    expect(report.recipients.disclosures).toEqual([
      expect.objectContaining({
        recipient: expect.objectContaining({ name: 'Mailer Inc.', country: 'US', safeguard: 'scc' }),
        purpose: 'contact_management',
        fields: ['email'],
      }),
    ])
    expect(report.profiling.statement.en).toMatch(/no profiling/)
    expect(report.rights.map((r) => r.article)).toContain('Art. 77')
    expect(report.sections.find((s) => s.table === 'touchpoint')?.providedByYou).toBe(true)
    expect(report.sections.find((s) => s.table === 'subject_note')?.providedByYou).toBe(false)
    const html = await api(dpo, 'GET', `/requests/${request.id}/report?format=html&lang=de`)
    expect(html.headers['content-type']).toContain('text/html')
    expect(html.body).toContain('Auskunft über Ihre personenbezogenen Daten')
    expect(html.body).toContain('Called about her order')
    const pdf = await t.app.inject({
      method: 'GET',
      url: `/api/v1/requests/${request.id}/report`,
      headers: { cookie: dpo, accept: 'application/pdf' },
    })
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')

    // Answering attaches the report (the note withheld) and tells the person there is news.
    const answered = await step(request.id, { step: 'answer', lang: 'en', withheldNotes: 'all' })
    expect(answered.statusCode).toBe(200)
    expect(answered.json()).toMatchObject({ status: 'answered' })
    const news = await smtp().nextMailTo(email)
    expect(news.parsed.subject).toContain('Your data protection request')
    expect(news.parsed.text).toContain(`${PUBLIC_URL}/p/portal`)
    expect(news.parsed.text).not.toContain('Erika')
    expect(news.parsed.text).not.toContain('Teapot')

    // The portal shows the answer and its downloads; the person opens them.
    const page = await t.app.inject({
      method: 'GET',
      url: '/p/portal/me?lang=en',
      headers: { cookie: person.cookie },
    })
    expect(page.body).toContain('Answered')
    expect(page.body).toContain(`/p/portal/answers/${request.id}/pdf`)
    const mine = await t.app.inject({
      method: 'GET',
      url: `/p/portal/answers/${request.id}/json`,
      headers: { cookie: person.cookie },
    })
    expect(mine.statusCode).toBe(200)
    const given = mine.json() as AccessReport
    expect(given.lang).toBe('en')
    expect(given.subject.identifiers.email).toBe(email)
    expect(given.sections.find((s) => s.table === 'subject_note')?.rows).toEqual([])
    const csv = await t.app.inject({
      method: 'GET',
      url: `/p/portal/answers/${request.id}/csv`,
      headers: { cookie: person.cookie },
    })
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.body.split('\r\n')[0]).toBe('section,table,row,field,value,provided_by_you')
    expect(csv.body).toContain(`Master data,subject,1,email,${email},true`)
    expect(csv.body).toContain('Orders,customer_order,1,order_number,A-1001,true')
    for (const format of ['html', 'pdf'])
      expect(
        (
          await t.app.inject({
            method: 'GET',
            url: `/p/portal/answers/${request.id}/${format}`,
            headers: { cookie: person.cookie },
          })
        ).statusCode,
      ).toBe(200)

    // Another person's session, and no session, get nothing.
    const otherEmail = 'max.other@example.com'
    await createSubject(t.app, admin, { firstName: 'Max', email: otherEmail })
    const other = await signIn(otherEmail)
    const theirs = await t.app.inject({
      method: 'GET',
      url: `/p/portal/answers/${request.id}/json`,
      headers: { cookie: other.cookie },
    })
    expect(theirs.statusCode).toBe(404)
    expect(theirs.body).not.toContain(email)
    expect(
      (await t.app.inject({ method: 'GET', url: `/p/portal/answers/${request.id}/json` })).statusCode,
    ).toBe(401)

    // Staff see the report given; the download and every read are audited under the purpose.
    const history = (await api(dpo, 'GET', `/subjects/${subject}/history?limit=200`)).json() as {
      items: { action: string; purpose: string | null; reason: string | null; actor: { type: string } }[]
    }
    expect(history.items.some((h) => h.purpose === 'dsr_fulfilment' && h.action === 'read')).toBe(true)
    expect(history.items.some((h) => h.actor.type === 'subject' && h.reason?.includes('downloaded'))).toBe(
      true,
    )
    expect(history.items.some((h) => h.reason?.includes('answered; now answered'))).toBe(true)
  })

  it('nothing personal before verification; staff record how they verified; an extension once, within the first month', async () => {
    const subject = await createSubject(t.app, admin, {
      firstName: 'Letter',
      email: 'letter.writer@example.com',
    })
    const request = await record(subject, { kind: 'access', channel: 'letter', reference: 'scan 17' })
    expect(request.status).toBe('received')
    const early = await api(dpo, 'GET', `/requests/${request.id}/report?format=json`)
    expect(early.statusCode).toBe(409)
    expect(problemOf(early).detail).toContain('Art. 12(6)')
    expect((await step(request.id, { step: 'answer' })).statusCode).toBe(409)
    expect((await step(request.id, { step: 'start' })).statusCode).toBe(409)
    // portal_sign_in is only for portal requests; a bad method is named.
    expect((await step(request.id, { step: 'verify', method: 'portal_sign_in' })).statusCode).toBe(409)
    expect((await step(request.id, { step: 'verify', method: 'fingerprint' })).statusCode).toBe(400)

    const verified = await step(request.id, {
      step: 'verify',
      method: 'known_contact_details',
      note: 'called back on the number on file',
    })
    expect(verified.json()).toMatchObject({
      status: 'identity_verified',
      verification: { method: 'known_contact_details', note: 'called back on the number on file' },
    })
    expect((await step(request.id, { step: 'verify', method: 'id_document' })).statusCode).toBe(409)

    const extended = await step(request.id, {
      step: 'extend',
      months: 2,
      reason: 'Many requests this month.',
    })
    expect(extended.statusCode).toBe(200)
    const body = extended.json() as RequestJson
    expect(body.status).toBe('extended')
    expect(body.extension?.firstDueAt).toBe(request.dueAt)
    expect(new Date(body.dueAt).getTime()).toBeGreaterThan(
      new Date(request.dueAt).getTime() + 55 * 86_400_000,
    )
    const again = await step(request.id, { step: 'extend', months: 1, reason: 'Once more.' })
    expect(again.statusCode).toBe(409)
    expect(problemOf(again).detail).toContain('Art. 12(3)')
    // An extended request is still worked on and answered.
    expect((await step(request.id, { step: 'start' })).statusCode).toBe(200)
    expect((await step(request.id, { step: 'answer' })).json()).toMatchObject({ status: 'answered' })
    expect((await step(request.id, { step: 'refuse', ground: 'other', reason: 'late' })).statusCode).toBe(409)

    // Art. 18(2): a restricted person keeps the right of access — the report is read under the
    // purpose's Art. 18(2) ground, and shows the restriction.
    const restricted = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/subjects/${subject}/restriction`,
      headers: { cookie: dpo },
      payload: { ground: 'accuracy-contested' },
    })
    expect(restricted.statusCode).toBeLessThan(300)
    const second = await record(subject, { kind: 'access', channel: 'letter' })
    await step(second.id, { step: 'verify', method: 'signature' })
    const ofRestricted = await api(dpo, 'GET', `/requests/${second.id}/report?format=json`)
    expect(ofRestricted.statusCode).toBe(200)
    expect(
      (ofRestricted.json() as AccessReport).sections.find((s) => s.table === 'restriction_state')?.rows,
    ).toEqual([expect.objectContaining({ ground: 'accuracy-contested' })])

    // Received 40 days ago: the first month is over, the extension is refused naming the rule.
    const late = await record(subject, {
      kind: 'copy',
      channel: 'email',
      receivedAt: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    })
    const refused = await step(late.id, { step: 'extend', months: 1, reason: 'Too late.' })
    expect(refused.statusCode).toBe(409)
    expect(refused.headers['content-type']).toContain('application/problem+json')
    expect(problemOf(refused).detail).toMatch(
      /Art\. 12\(3\) GDPR: an extension must be told .* within one month of receipt/,
    )
  })

  it('a refusal carries ground and reasons to the person; other kinds are closed with a note of what was done', async () => {
    const email = 'refused.person@example.com'
    const subject = await createSubject(t.app, admin, { firstName: 'Ref', email })
    const request = await record(subject, { kind: 'erasure', channel: 'phone' })
    const bad = await step(request.id, { step: 'refuse', ground: 'manifestly_unfounded' })
    expect(bad.statusCode).toBe(400)
    const refused = await step(request.id, {
      step: 'refuse',
      ground: 'identity_not_verified',
      reason: 'The caller could not confirm the address on file.',
    })
    expect(refused.json()).toMatchObject({
      status: 'refused',
      refusal: {
        ground: 'identity_not_verified',
        reason: 'The caller could not confirm the address on file.',
      },
    })
    const news = await smtp().nextMailTo(email)
    expect(news.parsed.text).not.toContain('caller')
    const person = await signIn(email)
    const page = await t.app.inject({
      method: 'GET',
      url: '/p/portal/me?lang=en',
      headers: { cookie: person.cookie },
    })
    expect(page.body).toContain('Refused')
    expect(page.body).toContain('The caller could not confirm the address on file.')
    expect(page.body).toContain('Art. 77 GDPR')

    const rectify = await record(subject, {
      kind: 'rectification',
      channel: 'letter',
      details: 'Wrong house number.',
    })
    await step(rectify.id, { step: 'verify', method: 'signature' })
    const noNote = await step(rectify.id, { step: 'answer' })
    expect(noNote.statusCode).toBe(400)
    // The answer part of the kind is named (docs/adr/0021); a note alone closes it as done by hand.
    expect(problemOf(noNote).errors?.[0]?.field).toBe('rectification')
    expect(
      (await step(rectify.id, { step: 'answer', note: 'Address corrected on the contact page.' })).json(),
    ).toMatchObject({
      status: 'answered',
    })
  })

  it('the daily job mails the DPO the requests due within 7 days, ids and dates only', async () => {
    await runtime().services.settings.updateDpo(
      { email: 'dpo.inbox@example.com' },
      { actor: { type: 'user', id: 'test' } },
    )
    const subject = await createSubject(t.app, admin, { firstName: 'Soon', email: 'due.soon@example.com' })
    const soon = await record(subject, {
      kind: 'access',
      channel: 'letter',
      receivedAt: new Date(Date.now() - 26 * 86_400_000).toISOString(),
    })
    const result = await requestDeadlinesJob(runtime().services.requestWorkflow)
    expect(result.mailed).toBe(true)
    expect(result.due).toBeGreaterThanOrEqual(1)
    const warning = await smtp().nextMailTo('dpo.inbox@example.com')
    expect(warning.parsed.text).toContain(`dsr:${soon.id}`)
    expect(warning.parsed.text).not.toContain('due.soon@example.com')
    expect(warning.parsed.text).not.toContain('Soon')
  })
})
