import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AccessReport } from '../../src/modules/requests/access-report.ts'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

const PUBLIC_URL = 'https://crm.example.test'
const LINK = /https:\/\/crm\.example\.test\/p\/portal\/login\/([A-Za-z0-9_-]{43})\?lang=(de|en)/
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

interface RequestJson {
  id: string
  status: string
  answer: {
    text: { de: string; en: string }
    recipients?: { name: string; how: string; event: string; fields: string[]; letterTaskId?: string }[]
    rectification?: { fields: string[] }
    erasure?: { outcome: string; kept: { law: string; until: string | null }[] }
    restriction?: { ground: string }
    objection?: { decision: string; reasons: string | null }
    humanReview?: { outcome: string; decision: string | null }
  } | null
}

interface LetterTask {
  id: string
  recipientId: string
  event: string
  fields: string[]
  status: string
  done: { note: string | null } | null
}

/** A real HTTP receiver of webhooks: records every delivery, answers 200. */
async function startReceiver() {
  const received: { type: string; subject: { id: string; fields: Record<string, unknown> } }[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      res.writeHead(200).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Issue #15, the answers per kind (docs/adr/0021): the copy as a zip with what the person
 * provided marked; a rectification applied and told to each recipient (a real webhook receiver, a
 * letter task for the one without); an erasure answering what was kept and until when; the Art.
 * 18(3) notice before a lift; the Art. 21(1) decision; the Art. 22(3) review.
 */
describeEachEngineWithMail(
  'data subject requests answered per kind',
  { publicUrl: PUBLIC_URL, env: { TRESOR_WEBHOOKS_ALLOW_PRIVATE: 'true' } },
  (runtime, smtp) => {
    let t: TestApp
    let admin: string
    let dpo: string
    let accounting: string
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    let ip = 1

    beforeAll(async () => {
      t = await buildTestApp(runtime())
      admin = await t.signIn('admin@answers-kind.test', 'admin')
      dpo = await t.signIn('dpo@answers-kind.test', 'dpo')
      accounting = await t.signIn('accounting@answers-kind.test', 'accounting')
      receiver = await startReceiver()
    }, 60_000)
    afterAll(async () => {
      await t?.app.close()
      await receiver?.close()
    })

    const api = (cookie: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      })
    const step = (id: string, body: Record<string, unknown>) =>
      api(dpo, 'POST', `/requests/${id}/steps`, body)
    /** A request recorded from a letter, its identity verified. */
    const verified = async (subjectId: string, kind: string, details?: string): Promise<RequestJson> => {
      const res = await api(dpo, 'POST', `/subjects/${subjectId}/requests`, {
        kind,
        channel: 'letter',
        ...(details ? { details } : {}),
      })
      expect(res.statusCode, res.body).toBe(201)
      const { id } = res.json() as RequestJson
      const v = await step(id, { step: 'verify', method: 'signature' })
      expect(v.statusCode, v.body).toBe(200)
      return v.json() as RequestJson
    }
    const signIn = async (email: string): Promise<string> => {
      await t.app.inject({
        method: 'POST',
        url: '/p/portal/login?lang=en',
        remoteAddress: `198.51.100.${ip++}`,
        headers: FORM,
        payload: `email=${encodeURIComponent(email)}`,
      })
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
      return `tresor_portal=${res.cookies.find((c) => c.name === 'tresor_portal')?.value}`
    }
    const recipient = async (name: string) => {
      const res = await api(dpo, 'POST', '/recipients', {
        name,
        role: 'controller',
        country: 'DE',
        mechanism: 'eea',
        purposes: ['contact_management'],
        fieldCategories: ['contact', 'identity'],
      })
      expect(res.statusCode, res.body).toBe(201)
      return (res.json() as { id: string }).id
    }
    const disclose = async (recipientId: string, subjectId: string) => {
      const allowed = await runtime().services.disclosures.authorize({
        actor: { type: 'user', id: 'test' },
        recipientId,
        purpose: 'contact_management',
        where: 'body',
      })
      await (await allowed.open({ channel: 'export', fields: ['email', 'lastName'] })).add([subjectId])
    }

    it('answers a copy request with a zip: data.json, XLSX, CSV per table, README, what the person provided marked', async () => {
      const email = 'kopie.person@example.com'
      const subject = await createSubject(t.app, admin, { firstName: 'Karla', lastName: 'Kopie', email })
      expect(
        (await api(admin, 'POST', `/subjects/${subject}/notes`, { text: 'Staff remark' })).statusCode,
      ).toBe(201)
      const request = await verified(subject, 'copy')
      const answered = await step(request.id, { step: 'answer', lang: 'de' })
      expect(answered.statusCode, answered.body).toBe(200)
      await smtp().nextMailTo(email) // "there is news about your request"
      const res = await api(dpo, 'GET', `/requests/${request.id}/report?format=zip`)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/zip')
      const zip = await JSZip.loadAsync(res.rawPayload)
      const names = Object.keys(zip.files)
      expect(names).toEqual(
        expect.arrayContaining([
          'README.txt',
          'data.json',
          'data.xlsx',
          'csv/subject.csv',
          'csv/subject_note.csv',
        ]),
      )
      const readme = await zip.file('README.txt')?.async('string')
      expect(readme).toContain('Art. 20 DSGVO')
      expect(readme).toContain('provided_by_you')
      const data = JSON.parse((await zip.file('data.json')?.async('string')) ?? '{}') as AccessReport
      expect(data.subject.identifiers).toMatchObject({ lastName: 'Kopie', email })
      expect(data.subject.providedByYou).toBe(true)
      expect(data.sections.find((s) => s.table === 'subject_note')?.providedByYou).toBe(false)
      const master = (await zip.file('csv/subject.csv')?.async('string')) ?? ''
      expect(master.split('\r\n')[0]).toContain('field;value;provided_by_you')
      expect(master).toContain(`email;${email};true`)
      const notes = (await zip.file('csv/subject_note.csv')?.async('string')) ?? ''
      expect(notes).toContain('Staff remark')
      expect(notes.split('\r\n')[1]).toMatch(/;false$/)
      const requests = (await zip.file('csv/dsr_request.csv')?.async('string')) ?? ''
      expect(requests.split('\r\n')[1]).toMatch(/;true$/)
      const book = new ExcelJS.Workbook()
      await book.xlsx.load((await zip.file('data.xlsx')?.async('nodebuffer')) as unknown as ArrayBuffer)
      const sheet = book.getWorksheet('subject')
      expect(sheet?.getRow(1).values).toEqual([undefined, 'field', 'value', 'provided_by_you'])
      const rows = sheet?.getSheetValues().slice(2) as unknown[][]
      expect(rows.some((r) => r[1] === 'email' && r[2] === email && r[3] === true)).toBe(true)
      expect(
        book
          .getWorksheet('subject_note')
          ?.getRow(2)
          .getCell(book.getWorksheet('subject_note')?.columnCount ?? 0).value,
      ).toBe(false)

      // The person downloads the same zip in the portal; nobody else's session does.
      const person = await signIn(email)
      const page = await t.app.inject({
        method: 'GET',
        url: '/p/portal/me?lang=de',
        headers: { cookie: person },
      })
      expect(page.body).toContain(`/p/portal/answers/${request.id}/zip`)
      const own = await t.app.inject({
        method: 'GET',
        url: `/p/portal/answers/${request.id}/zip`,
        headers: { cookie: person },
      })
      expect(own.statusCode).toBe(200)
      expect(own.headers['content-type']).toBe('application/zip')
      expect(Object.keys((await JSZip.loadAsync(own.rawPayload)).files)).toContain('data.xlsx')
    }, 60_000)

    it('rectifies, tells the webhook recipient the new value and makes a letter task for the other (Art. 16, 19)', async () => {
      const subject = await createSubject(t.app, admin, {
        firstName: 'Rita',
        lastName: 'Falsch',
        email: 'rita.alt@example.com',
      })
      const hooked = await recipient('Hook GmbH')
      const paper = await recipient('Papier AG')
      const sub = await api(dpo, 'POST', `/recipients/${hooked}/webhooks`, {
        url: receiver.url,
        events: ['subject.changed', 'subject.erased', 'subject.restricted'],
        purpose: 'contact_management',
      })
      expect(sub.statusCode, sub.body).toBe(201)
      await disclose(hooked, subject)
      await disclose(paper, subject)
      const request = await verified(subject, 'rectification', 'My name is spelled wrong')

      // A part of another kind is refused, naming it; no correction: the field named.
      expect(problemOf(await step(request.id, { step: 'answer', erasure: {} })).errors?.[0]?.field).toBe(
        'erasure',
      )
      expect(
        problemOf(await step(request.id, { step: 'answer', rectification: { reason: 'typo' } })).errors?.[0]
          ?.field,
      ).toBe('rectification.identifiers')

      const res = await step(request.id, {
        step: 'answer',
        lang: 'en',
        rectification: { identifiers: { lastName: 'Richtig' }, reason: 'the name was misspelled' },
      })
      expect(res.statusCode, res.body).toBe(200)
      const done = res.json() as RequestJson
      expect(done.status).toBe('answered')
      expect(done.answer?.rectification?.fields).toEqual(['lastName'])
      expect(done.answer?.recipients).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            name: 'Hook GmbH',
            how: 'webhook',
            event: 'subject.changed',
            fields: ['lastName'],
          }),
          expect.objectContaining({ name: 'Papier AG', how: 'letter', event: 'subject.changed' }),
        ]),
      )
      expect(done.answer?.text.en).toContain('Hook GmbH')
      expect(done.answer?.text.en).toContain('Papier AG (DE, by letter)')
      expect(done.answer?.text.en).not.toContain('Richtig')

      // The correction went through the gate.
      const now = (await api(admin, 'GET', `/subjects/${subject}`)).json() as {
        identifiers: Record<string, string>
      }
      expect(now.identifiers.lastName).toBe('Richtig')

      // The webhook recipient gets subject.changed with the new value (a real HTTP receiver).
      await runtime().services.webhooks.deliverDue({ now: new Date(Date.now() + 60_000) })
      const changed = receiver.received.find((r) => r.type === 'subject.changed' && r.subject.id === subject)
      expect(changed?.subject.fields.lastName).toBe('Richtig')

      // The other gets a letter task; the DPO marks it done.
      const tasks = (await api(dpo, 'GET', `/requests/${request.id}/letter-tasks`)).json() as LetterTask[]
      expect(tasks).toEqual([
        expect.objectContaining({
          recipientId: paper,
          event: 'subject.changed',
          fields: ['lastName'],
          status: 'open',
        }),
      ])
      const open = (await api(dpo, 'GET', '/letter-tasks')).json() as LetterTask[]
      expect(open.map((x) => x.id)).toContain(tasks[0]?.id)
      const completed = await api(dpo, 'POST', `/letter-tasks/${tasks[0]?.id}/done`, { note: 'sent by post' })
      expect(completed.statusCode, completed.body).toBe(200)
      expect(completed.json()).toMatchObject({ status: 'done', done: { note: 'sent by post' } })
      expect((await api(dpo, 'POST', `/letter-tasks/${tasks[0]?.id}/done`, {})).statusCode).toBe(409)
    }, 60_000)

    it('erases and answers what was kept, why and until when: the invoice (Art. 17(3)), mailed to the person', async () => {
      const email = 'erich.loesch@example.com'
      const subject = await createSubject(t.app, admin, { firstName: 'Erich', lastName: 'Lösch', email })
      const paper = await recipient('Brief KG')
      await disclose(paper, subject)
      const invoice = await api(accounting, 'POST', `/subjects/${subject}/invoices`, {
        invoiceNumber: 'R-2026-17',
        issuedAt: '2026-02-02T08:00:00Z',
        dueOn: '2026-03-01',
        amountCents: 4200,
      })
      expect(invoice.statusCode, invoice.body).toBe(201)
      const { id: invoiceId } = invoice.json() as { id: string }
      expect(
        (
          await api(accounting, 'POST', `/subjects/${subject}/invoices/${invoiceId}/payment`, {
            paidAt: '2026-02-20T00:00:00Z',
          })
        ).statusCode,
      ).toBe(200)
      const request = await verified(subject, 'erasure')
      const res = await step(request.id, {
        step: 'answer',
        lang: 'de',
        erasure: { reason: 'letter of 1 Dec' },
      })
      expect(res.statusCode, res.body).toBe(200)
      const done = res.json() as RequestJson
      expect(done.answer?.erasure?.outcome).toBe('held')
      const kept = done.answer?.erasure?.kept ?? []
      expect(kept.length).toBeGreaterThan(0)
      const until = kept.find((k) => k.until !== null)?.until ?? ''
      expect(until).toMatch(/^20\d\d-/)
      expect(done.answer?.text.de).toContain(`bis ${until.slice(0, 10)}`)
      expect(done.answer?.text.de).toContain('Brief KG (DE, per Brief)')
      const tasks = (await api(dpo, 'GET', `/requests/${request.id}/letter-tasks`)).json() as LetterTask[]
      expect(tasks).toEqual([expect.objectContaining({ recipientId: paper, event: 'subject.erased' })])
      const mail = await smtp().nextMailTo(email)
      expect(mail.parsed.subject).toBe('Antwort auf Ihre Datenschutzanfrage')
      expect(mail.parsed.text).toContain(`bis ${until.slice(0, 10)}`)
      // The subject is erased (held): its name is gone.
      const after = (await api(admin, 'GET', `/subjects/${subject}/holds`)).statusCode
      expect([200, 404]).toContain(after)
    }, 60_000)

    it('restricts (Art. 18); lifting is refused until the Art. 18(3) notice was sent, which is mailed', async () => {
      const email = 'rosa.sperre@example.com'
      const subject = await createSubject(t.app, admin, { firstName: 'Rosa', lastName: 'Sperre', email })
      const request = await verified(subject, 'restriction', 'While you check my address')
      const res = await step(request.id, {
        step: 'answer',
        lang: 'en',
        restriction: { ground: 'accuracy-contested' },
      })
      expect(res.statusCode, res.body).toBe(200)
      const done = res.json() as RequestJson
      expect(done.answer?.restriction?.ground).toBe('accuracy-contested')
      expect(done.answer?.text.en).toContain('Art. 18(3)')
      const state = (await api(dpo, 'GET', `/subjects/${subject}/permissions`)).json() as {
        restriction: { ground: string } | null
      }
      expect(state.restriction?.ground).toBe('accuracy-contested')
      await smtp().nextMailTo(email) // the news mail of the answer
      // The person reads the answer in the portal, in the page's language.
      const person = await signIn(email)
      const page = await t.app.inject({
        method: 'GET',
        url: '/p/portal/me?lang=en',
        headers: { cookie: person },
      })
      expect(page.body).toContain('data-testid="answer-text"')
      expect(page.body).toContain('We will tell you before we lift the restriction (Art. 18(3) GDPR).')

      const early = await api(dpo, 'DELETE', `/subjects/${subject}/restriction`)
      expect(early.statusCode).toBe(409)
      expect(problemOf(early).detail).toContain('Art. 18(3)')
      const notice = await api(dpo, 'POST', `/subjects/${subject}/restriction/notice`, {
        channel: 'email',
        lang: 'en',
      })
      expect(notice.statusCode, notice.body).toBe(200)
      const mail = await smtp().nextMailTo(email)
      expect(mail.parsed.text).toContain('Art. 18(3) GDPR')
      const lifted = await api(dpo, 'DELETE', `/subjects/${subject}/restriction`)
      expect(lifted.statusCode, lifted.body).toBe(200)
    }, 60_000)

    it('decides an objection (Art. 21(1)): rejecting needs the reasons and is refused for direct marketing', async () => {
      const subject = await createSubject(t.app, admin, {
        firstName: 'Otto',
        lastName: 'Widerspruch',
        email: 'otto.w@example.com',
      })
      const { items: purposes } = (await api(dpo, 'GET', '/purposes')).json() as {
        items: { key: string; directMarketing: boolean; legalBasis: string }[]
      }
      const marketing = purposes.find((p) => p.directMarketing && p.legalBasis === 'legitimate_interest')
      const legitimate = purposes.find((p) => !p.directMarketing && p.legalBasis === 'legitimate_interest')
      if (!marketing || !legitimate) throw new Error('the seed has no such purposes')
      const request = await verified(subject, 'objection', 'Stop it')
      const noReasons = await step(request.id, {
        step: 'answer',
        objection: { purposeKey: legitimate.key, decision: 'rejected' },
      })
      expect(noReasons.statusCode).toBe(422)
      expect(problemOf(noReasons).errors?.[0]?.field).toBe('objection.reasons')
      const direct = await step(request.id, {
        step: 'answer',
        objection: { purposeKey: marketing.key, decision: 'rejected', reasons: 'we like mailing' },
      })
      expect(direct.statusCode).toBe(422)
      expect(problemOf(direct).detail).toContain('Art. 21(3)')
      const rejected = await step(request.id, {
        step: 'answer',
        lang: 'en',
        objection: {
          purposeKey: legitimate.key,
          decision: 'rejected',
          reasons: 'We must keep the customer file to handle the open warranty claims.',
        },
      })
      expect(rejected.statusCode, rejected.body).toBe(200)
      const answer = (rejected.json() as RequestJson).answer
      expect(answer?.objection).toMatchObject({ decision: 'rejected' })
      expect(answer?.text.en).toContain('open warranty claims')
      expect(answer?.text.en).toContain('Art. 77')

      // Upheld: the objection is recorded and the purpose stops.
      const second = await verified(subject, 'objection')
      const upheld = await step(second.id, {
        step: 'answer',
        objection: { purposeKey: legitimate.key, decision: 'upheld' },
      })
      expect(upheld.statusCode, upheld.body).toBe(200)
      const perms = (await api(dpo, 'GET', `/subjects/${subject}/permissions`)).json() as {
        objections: { scope: string; purposeKey: string | null }[]
      }
      expect(perms.objections).toEqual(
        expect.arrayContaining([expect.objectContaining({ scope: 'purpose', purposeKey: legitimate.key })]),
      )
    }, 60_000)

    it('records the outcome of a human review (Art. 22(3))', async () => {
      const subject = await createSubject(t.app, admin, {
        firstName: 'Hanna',
        lastName: 'Mensch',
        email: 'hanna.m@example.com',
      })
      const request = await verified(subject, 'human_review', 'The credit decision')
      // Nothing to write to the person yet (Art. 12: the answer comes first).
      expect((await api(dpo, 'GET', `/requests/${request.id}/letter`)).statusCode).toBe(409)
      const missing = await step(request.id, {
        step: 'answer',
        humanReview: { outcome: 'changed', reasons: 'the score missed the new order' },
      })
      expect(problemOf(missing).errors?.[0]?.field).toBe('humanReview.decision')
      const res = await step(request.id, {
        step: 'answer',
        lang: 'de',
        humanReview: {
          outcome: 'changed',
          decision: 'Kauf auf Rechnung möglich',
          reasons: 'Die Bewertung übersah die neue Bestellung.',
        },
      })
      expect(res.statusCode, res.body).toBe(200)
      const answer = (res.json() as RequestJson).answer
      expect(answer?.humanReview).toMatchObject({ outcome: 'changed', decision: 'Kauf auf Rechnung möglich' })
      expect(answer?.text.de).toContain('Art. 22 Abs. 3 DSGVO')
      // The request came by letter: the answer as a letter to print.
      const letter = await api(dpo, 'GET', `/requests/${request.id}/letter?lang=de`)
      expect(letter.statusCode).toBe(200)
      expect(letter.headers['content-type']).toBe('application/pdf')
      expect(letter.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    }, 60_000)
  },
)
