import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'

/** pdftotext (poppler-utils), where the machine has it. */
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p))
const H = 3_600_000

interface BreachBody {
  id: string
  reference: string
  risk: string
  status: string
  clock: {
    deadline: string
    notificationRequired: boolean
    remainingSeconds: number | null
    overdue: boolean
    late: boolean
  }
  affected: { subjects: number; records: number; letters: Record<string, number> }
  affectedQueries: unknown[]
}

/**
 * The breach register end to end (Art. 33, 34): recorded through the API, its affected people
 * computed from the audit trail of what a user read, its clock, the refused late notification, the
 * draft notification, and the Art. 34 letters and the DPO's reminder through a real SMTP server.
 */
describeEachEngineWithMail(
  'breach register API (Art. 33, 34)',
  { publicUrl: 'https://tresor.example' },
  (runtime, smtp) => {
    let t: TestApp
    let dpo: string
    let sales: string
    let salesUserId: string
    const people: { id: string; email: string }[] = []
    let from: string
    let until: string

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      cookie: string,
      payload?: object,
    ) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie },
        ...(payload === undefined ? {} : { payload }),
      })

    beforeAll(async () => {
      t = await buildTestApp(runtime())
      dpo = await t.signIn('dpo@example.com', 'dpo')
      sales = await t.signIn('sales@example.com', 'sales')
      salesUserId = (await runtime().services.access.findUserByEmail('sales@example.com'))?.id as string
      expect(
        (await call('PATCH', '/settings/dpo', dpo, { name: 'Dana Schutz', email: 'dpo-office@example.com' }))
          .statusCode,
      ).toBe(200)
      for (let i = 0; i < 4; i++) {
        const email = `affected${i}@example.com`
        people.push({
          id: await createSubject(t.app, dpo, { firstName: `Eva${i}`, lastName: 'Muster', email }),
          email,
        })
      }
      from = new Date(Date.now() - 60_000).toISOString()
      // The sales user opens three of the contacts: what a stolen session would have seen.
      for (const p of people.slice(0, 3))
        expect((await call('GET', `/subjects/${p.id}`, sales)).statusCode).toBe(200)
      until = new Date(Date.now() + 60_000).toISOString()
    })
    afterAll(async () => {
      await t.app.close()
    })

    it('records a breach with its 72-hour clock, only for breaches:manage', async () => {
      const body = {
        awareAt: new Date(Date.now() - 2 * H).toISOString(),
        title: 'Stolen session of a sales user',
        description:
          'A session cookie of a sales user was stolen through a phishing page and used from abroad.',
        nature: ['confidentiality'],
        subjectCategories: ['customer'],
        dataCategories: ['identity', 'contact'],
        approxSubjects: 3,
        approxRecords: 3,
        consequences: 'Phishing mails to the people concerned.',
        measures: 'All sessions ended, password reset, MFA enforced.',
        risk: 'high',
      }
      expect((await call('POST', '/breaches', sales, body)).statusCode).toBe(403)
      const res = await call('POST', '/breaches', dpo, body)
      expect(res.statusCode).toBe(201)
      const b = res.json() as BreachBody
      expect(b.reference).toMatch(/^B-\d+$/)
      expect(b.status).toBe('open')
      expect(b.clock.notificationRequired).toBe(true)
      expect(b.clock.overdue).toBe(false)
      expect(b.clock.remainingSeconds).toBeGreaterThan(69 * 3600)
      expect(b.clock.remainingSeconds).toBeLessThanOrEqual(70 * 3600)
      expect(new Date(b.clock.deadline).getTime()).toBe(new Date(body.awareAt).getTime() + 72 * H)
      const future = await call('POST', '/breaches', dpo, {
        ...body,
        awareAt: new Date(Date.now() + 2 * H).toISOString(),
      })
      expect(future.statusCode).toBe(400)
      expect(problemOf(future).errors?.[0]?.field).toBe('awareAt')
    })

    it('computes the affected people from the audit trail of what the user read, and pages through them', async () => {
      const [b] = ((await call('GET', '/breaches', dpo)).json() as { items: BreachBody[] }).items
      const res = await call('POST', `/breaches/${b?.id}/affected`, dpo, {
        actor: { type: 'user', id: salesUserId },
        from,
        until,
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ added: 3, affected: { subjects: 3, letters: { pending: 3 } } })
      const page = await call('GET', `/breaches/${b?.id}/affected?limit=2`, dpo)
      const first = page.json() as { items: { subjectId: string }[]; next: string | null }
      expect(first.items).toHaveLength(2)
      const rest = (
        await call('GET', `/breaches/${b?.id}/affected?limit=2&after=${first.next}`, dpo)
      ).json() as {
        items: { subjectId: string }[]
      }
      const ids = [...first.items, ...rest.items].map((i) => i.subjectId).sort()
      expect(ids).toEqual(
        people
          .slice(0, 3)
          .map((p) => p.id)
          .sort(),
      )
      const shown = (await call('GET', `/breaches/${b?.id}`, dpo)).json() as BreachBody
      expect(shown.affectedQueries).toHaveLength(1)
    })

    it('drafts the Art. 33(3) notification as HTML, text and PDF', async () => {
      const [b] = ((await call('GET', '/breaches', dpo)).json() as { items: BreachBody[] }).items
      const text = await call('GET', `/breaches/${b?.id}/notice?lang=en&format=text`, dpo)
      expect(text.statusCode).toBe(200)
      expect(text.body).toContain('Notification of a personal data breach (Art. 33 GDPR)')
      expect(text.body).toContain('Dana Schutz, dpo-office@example.com')
      expect(text.body).toContain('computed from the audit trail: 3 people')
      expect(text.body).toContain('All sessions ended, password reset, MFA enforced.')
      const html = await call('GET', `/breaches/${b?.id}/notice?lang=de&format=html`, dpo)
      expect(html.body).toContain('Meldung einer Verletzung des Schutzes personenbezogener Daten')
      const pdf = await call('GET', `/breaches/${b?.id}/notice?lang=de&format=pdf`, dpo)
      expect(pdf.headers['content-type']).toBe('application/pdf')
      if (PDFTOTEXT) {
        const content = execFileSync(PDFTOTEXT, ['-', '-'], { input: pdf.rawPayload }).toString('utf8')
        expect(content).toContain('Wahrscheinliche Folgen')
      }
    })

    it('sends the Art. 34 letters through the gate and the mailer, recording each; an erased person is refused', async () => {
      const [b] = ((await call('GET', '/breaches', dpo)).json() as { items: BreachBody[] }).items
      // One of the three is erased before the letters go out: the gate refuses, the register says why.
      expect((await call('DELETE', `/subjects/${people[2]?.id}`, dpo)).statusCode).toBe(200)
      const res = await call('POST', `/breaches/${b?.id}/letters`, dpo, { lang: 'en' })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ sent: 2, refused: 1, noAddress: 0, failed: 0 })
      const mail = await smtp().nextMailTo('affected0@example.com')
      expect(mail.parsed.subject).toContain('Important information about the protection of your data')
      expect(mail.parsed.text).toContain('Dear Eva0 Muster')
      expect(mail.parsed.text).toContain('Stolen session of a sales user')
      expect(mail.parsed.text).toContain('dpo-office@example.com')
      expect(await smtp().nextMailTo('affected1@example.com')).toBeDefined()
      expect(await smtp().settledMailsTo('affected3@example.com')).toHaveLength(0)
      const page = (await call('GET', `/breaches/${b?.id}/affected`, dpo)).json() as {
        items: { subjectId: string; letter: { status: string; note: string | null } | null }[]
      }
      expect(page.items.find((i) => i.subjectId === people[2]?.id)?.letter).toMatchObject({
        status: 'refused',
      })
      expect(page.items.find((i) => i.subjectId === people[0]?.id)?.letter?.status).toBe('sent')
      // Sent once: a second call sends nothing new.
      expect((await call('POST', `/breaches/${b?.id}/letters`, dpo, {})).json()).toEqual({
        sent: 0,
        refused: 0,
        noAddress: 0,
        failed: 0,
      })
      // Every address was read under the breach_notification purpose, audited in the person's history.
      const history = (await call('GET', `/subjects/${people[0]?.id}/history`, dpo)).json() as {
        items: { purpose: string | null; reason: string | null }[]
      }
      expect(history.items.some((h) => h.purpose === 'breach_notification')).toBe(true)
    })

    it('refuses letters where the risk is not high, and a late notification without reasons', async () => {
      const res = await call('POST', '/breaches', dpo, {
        awareAt: new Date(Date.now() - 80 * H).toISOString(),
        title: 'Misdirected export',
        description: 'An export file was mailed to the wrong customer.',
        risk: 'risk',
      })
      const b = res.json() as BreachBody
      expect(b.clock.overdue).toBe(true)
      const letters = await call('POST', `/breaches/${b.id}/letters`, dpo, {})
      expect(letters.statusCode).toBe(409)
      const late = await call('POST', `/breaches/${b.id}/notification`, dpo, { at: new Date().toISOString() })
      expect(late.statusCode).toBe(400)
      expect(problemOf(late).errors?.[0]?.field).toBe('delayReasons')
      const ok = await call('POST', `/breaches/${b.id}/notification`, dpo, {
        at: new Date().toISOString(),
        reference: 'LDA-2026-123',
        delayReasons: 'The recipient told us only on the third day after the mailing.',
      })
      expect(ok.statusCode).toBe(200)
      expect(ok.json()).toMatchObject({ status: 'notified', clock: { late: true, remainingSeconds: null } })
    })

    it('changes what is known and closes a breach; moving awareness so that a notification becomes late is refused', async () => {
      const created = (
        await call('POST', '/breaches', dpo, {
          awareAt: new Date(Date.now() - 10 * H).toISOString(),
          title: 'Wrong attachment',
          description: 'A customer list was attached to a newsletter draft sent to a test group.',
          risk: 'risk',
        })
      ).json() as BreachBody
      const notified = await call('POST', `/breaches/${created.id}/notification`, dpo, {
        at: new Date().toISOString(),
      })
      expect(notified.json()).toMatchObject({ status: 'notified', clock: { late: false } })
      const moved = await call('PATCH', `/breaches/${created.id}`, dpo, {
        awareAt: new Date(Date.now() - 100 * H).toISOString(),
      })
      expect(moved.statusCode).toBe(400)
      expect(problemOf(moved).errors?.[0]?.field).toBe('awareAt')
      const closed = await call('PATCH', `/breaches/${created.id}`, dpo, {
        status: 'closed',
        measures: 'The test group deleted the mail; the draft tool now strips attachments.',
      })
      expect(closed.statusCode).toBe(200)
      expect(closed.json()).toMatchObject({
        status: 'closed',
        measures: expect.stringContaining('strips attachments'),
      })
      expect((await call('GET', `/breaches/${created.id}/affected`, sales)).statusCode).toBe(403)
    })

    it('reminds the DPO by mail when 24 hours are left, once', async () => {
      const res = await call('POST', '/breaches', dpo, {
        awareAt: new Date(Date.now() - 50 * H).toISOString(),
        title: 'Lost USB stick',
        description: 'A USB stick with an unencrypted export was lost on a train.',
        risk: 'risk',
      })
      const b = res.json() as BreachBody
      const first = await runtime().services.breachNotices.remind()
      expect(first.reminded).toBeGreaterThanOrEqual(1)
      const mail = await smtp().nextMailTo('dpo-office@example.com')
      expect(mail.parsed.subject).toContain(b.reference)
      expect(mail.parsed.text).toContain('Art. 33(1) GDPR')
      expect((await runtime().services.breachNotices.remind()).reminded).toBe(0)
    })
  },
)
