import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, openTestRuntime, type TestRuntime } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'
import { type SmsPeer, startSmsPeer } from '../support/sms-peer.ts'

const PUBLIC_URL = 'https://crm.example.test'
const BOUNCE_SECRET = 'bounce-secret-for-tests'
const SMS_STATUS_SECRET = 'sms-status-secret-for-tests'

/**
 * Issue #17, the campaign channels (src/modules/campaigns/channels/README.md), end to end through
 * the API and the core's send: post (the letter shop's print list as a disclosure, CSV and XLSX read
 * back, a third-country shop refused), phone (the call list re-checked through the gate, a call as a
 * use of the § 7a UWG consent, an objection on the call), bounces (a DSN's hard bounce suppresses, the
 * next campaign skips the person) and SMS (a real HTTP provider peer: only consenting people, 429
 * retried, a delivery report). On both engines.
 */
for (const engine of ENGINES) {
  describe(`campaign channels [${engine}]`, () => {
    let runtime: TestRuntime
    let sms: SmsPeer
    let t: TestApp
    let admin: string
    let marketing: string
    let dpo: string
    let agent: string

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      cookie: string,
      payload?: unknown,
    ) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie },
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
    const ok = <T = unknown>(res: LightMyRequestResponse, status = 200): T => {
      expect(res.statusCode, res.body).toBe(status)
      return res.json() as T
    }

    /** A person of the given kind (the segments below select by kind). */
    const person = async (kind: string, identifiers: Record<string, string>) => {
      const res = await call('POST', '/subjects', admin, { kinds: [kind], identifiers })
      return ok<{ id: string }>(res, 201).id
    }
    const consent = async (id: string, purposeKey: string, channel: string, kinds: string[]) => {
      for (const kind of kinds)
        ok(
          await call('POST', `/subjects/${id}/consents`, admin, {
            purposeKey,
            channel,
            kind,
            proof: { source: 'form', formKey: 'test', textVersion: 'v1' },
          }),
          201,
        )
    }
    const segment = async (name: string, purpose: string, kind: string) =>
      ok<{ id: string }>(
        await call('POST', '/segments', marketing, {
          name,
          purpose,
          rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: [kind] }] },
        }),
        201,
      ).id
    /** Creates, schedules and sends a campaign (the core's send, in the foreground); its id. */
    const sendCampaign = async (input: Record<string, unknown>) => {
      const campaign = ok<{ id: string }>(await call('POST', '/campaigns', marketing, input), 201)
      ok(await call('POST', `/campaigns/${campaign.id}/schedule`, marketing, {}))
      for (let i = 0; i < 5; i++) {
        const run = await runtime.services.campaignSend.run(campaign.id)
        if (run.state === 'done' || run.state === 'stopped') break
      }
      return campaign.id
    }
    const deliveries = async (campaignId: string) =>
      ok<{ items: { subjectId: string; channel: string; status: string; reason: string | null }[] }>(
        await call('GET', `/campaigns/${campaignId}/deliveries?limit=1000`, marketing),
      ).items
    const statusOf = async (campaignId: string, subjectId: string) =>
      (await deliveries(campaignId)).find((d) => d.subjectId === subjectId)

    beforeAll(async () => {
      sms = await startSmsPeer()
      runtime = await openTestRuntime(engine, {
        TRESOR_PUBLIC_URL: PUBLIC_URL,
        TRESOR_SMS_URL: sms.url,
        TRESOR_SMS_TOKEN: 'provider-token',
        TRESOR_SMS_SENDER: 'Tresor',
        TRESOR_SMS_STATUS_SECRET: SMS_STATUS_SECRET,
        TRESOR_BOUNCE_SECRET: BOUNCE_SECRET,
        TRESOR_CAMPAIGN_RETRY_SECONDS: '0',
      })
      t = await buildTestApp(runtime)
      admin = await t.signIn('admin@channels.test', 'admin')
      marketing = await t.signIn('marketing@channels.test', 'marketing')
      dpo = await t.signIn('dpo@channels.test', 'dpo')
      agent = await t.signIn('agent@channels.test', 'sales')
    }, 120_000)
    afterAll(async () => {
      await t?.app.close()
      await runtime?.dispose()
      await sms?.close()
    })

    describe('post: the print list for the letter shop', () => {
      let campaignId: string
      let shopId: string
      const addressed: string[] = []
      let noAddress: string
      let objector: string

      beforeAll(async () => {
        shopId = ok<{ id: string }>(
          await call('POST', '/recipients', dpo, {
            name: 'Lettershop Nord GmbH',
            role: 'processor',
            country: 'DE',
            mechanism: 'eea',
            contractDate: '2025-02-01',
            purposes: ['postal_advertising'],
            fieldCategories: ['identity', 'address'],
          }),
          201,
        ).id
        for (const [first, street] of [
          ['Erika', 'Hauptstraße 1'],
          ['Max', '=HYPERLINK("x")'],
          ['Jürgen', 'Lindenallee 7'],
        ] as const)
          addressed.push(
            await person('customer', {
              firstName: first,
              lastName: 'Post',
              street,
              postalCode: '20095',
              city: 'Hamburg',
              countryCode: 'DE',
            }),
          )
        noAddress = await person('customer', { firstName: 'Ohne', lastName: 'Adresse' })
        const segmentId = await segment('Customers (post)', 'postal_advertising', 'customer')
        campaignId = await sendCampaign({
          name: 'Spring catalogue',
          segmentId,
          defaultLang: 'de',
          channels: [{ channel: 'post', purposeKey: 'postal_advertising', recipientId: shopId }],
          content: [
            { channel: 'post', lang: 'de', subject: 'Frühjahrskatalog', bodyText: 'Hallo {{firstName}}' },
          ],
        })
        objector = addressed[2] as string
      }, 120_000)

      it('puts the postal-permitted people with an address on the list; those without are skipped', async () => {
        for (const id of addressed) expect((await statusOf(campaignId, id))?.status).toBe('sent')
        expect(await statusOf(campaignId, noAddress)).toMatchObject({
          status: 'skipped',
          reason: 'no-address',
        })
      })

      it('hands out the CSV as a disclosure, leaving out who objected since, and counting them', async () => {
        // Objects to postal advertising after the send: not on the list any more.
        ok(
          await call('POST', `/subjects/${objector}/objections`, admin, {
            scope: 'channel',
            channel: 'post',
            source: 'letter',
          }),
          201,
        )
        const res = await call('GET', `/campaigns/${campaignId}/print-list?format=csv`, marketing)
        expect(res.statusCode, res.body).toBe(200)
        expect(res.headers['content-type']).toMatch(/text\/csv/)
        expect(res.headers['x-tresor-recipient']).toBe(shopId)
        const rows = parse(res.body.replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][]
        expect(rows[0]).toEqual([
          'reference',
          'firstName',
          'lastName',
          'street',
          'postalCode',
          'city',
          'countryCode',
        ])
        const listed = rows.slice(1)
        expect(listed.map((r) => r[0]).sort()).toEqual([addressed[0], addressed[1]].sort())
        expect(listed.find((r) => r[0] === addressed[0])).toEqual([
          addressed[0],
          'Erika',
          'Post',
          'Hauptstraße 1',
          '20095',
          'Hamburg',
          'DE',
        ])
        // A cell a spreadsheet would run is neutralised.
        expect(listed.find((r) => r[0] === addressed[1])?.[3]).toBe('\'=HYPERLINK("x")')
        expect((await statusOf(campaignId, objector))?.status).toBe('skipped')

        const lists = ok<{
          items: { rows: number; leftOut: number; leftOutBy: Record<string, number>; disclosureId: string }[]
        }>(await call('GET', `/campaigns/${campaignId}/print-lists`, marketing)).items
        expect(lists[0]).toMatchObject({ rows: 2, leftOut: 1, leftOutBy: { objected: 1 } })

        // Art. 15(1)(c): the person sees to whom their address went.
        const disclosures = ok<{ items: { recipient: { id: string }; purpose: string; fields: string[] }[] }>(
          await call('GET', `/subjects/${addressed[0]}/disclosures`, dpo),
        ).items
        expect(disclosures).toContainEqual(
          expect.objectContaining({
            recipient: expect.objectContaining({ id: shopId }),
            purpose: 'postal_advertising',
            fields: expect.arrayContaining(['lastName', 'street', 'postalCode', 'city']),
          }),
        )
        const objectorsDisclosures = ok<{ items: unknown[] }>(
          await call('GET', `/subjects/${objector}/disclosures`, dpo),
        ).items
        expect(objectorsDisclosures).toEqual([])
      })

      it('hands out the same list as XLSX that a spreadsheet reads back', async () => {
        const res = await call('GET', `/campaigns/${campaignId}/print-list?format=xlsx`, marketing)
        expect(res.statusCode, res.body).toBe(200)
        const workbook = new ExcelJS.Workbook()
        await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
        const values =
          workbook.worksheets[0]
            ?.getSheetValues()
            .slice(1)
            .map((row) => (row as unknown[]).slice(1)) ?? []
        expect(values[0]).toEqual([
          'reference',
          'firstName',
          'lastName',
          'street',
          'postalCode',
          'city',
          'countryCode',
        ])
        expect(
          values
            .slice(1)
            .map((v) => v[0])
            .sort(),
        ).toEqual([addressed[0], addressed[1]].sort())
      })

      it('refuses the list for a third-country shop without a transfer mechanism, before any byte', async () => {
        // The shop moves its printing to the US, without DPF certification or SCC.
        ok(await call('PATCH', `/recipients/${shopId}`, dpo, { country: 'US', mechanism: 'adequacy' }))
        const res = await call('GET', `/campaigns/${campaignId}/print-list?format=csv`, marketing)
        expect(res.statusCode).toBe(403)
        const problem = problemOf(res)
        expect(problem.errors?.[0]?.field).toBe('recipient')
        expect(problem.errors?.map((e) => e.reason).join(' ')).toMatch(
          /dpfCertifiedOn|Data Privacy Framework/,
        )
        const lists = ok<{ items: unknown[] }>(
          await call('GET', `/campaigns/${campaignId}/print-lists`, marketing),
        ).items
        expect(lists).toHaveLength(2)
        ok(await call('PATCH', `/recipients/${shopId}`, dpo, { country: 'DE', mechanism: 'eea' }))
      })

      it('answers 404 for an unknown campaign and 409 for a campaign without post', async () => {
        const res = await call('GET', '/campaigns/00000000-0000-4000-8000-000000000000/print-list', marketing)
        expect(res.statusCode).toBe(404)
        expect((await call('GET', `/campaigns/${campaignId}/call-list`, agent)).statusCode).toBe(409)
      })
    })

    describe('phone: the call list and calls as uses of the § 7a UWG consent', () => {
      let campaignId: string
      const callees: string[] = []
      let withoutConsent: string

      beforeAll(async () => {
        for (const [first, phone] of [
          ['Anna', '+49 151 11111111'],
          ['Bernd', '+49 151 22222222'],
          ['Clara', '+49 151 33333333'],
        ] as const) {
          const id = await person('lead', { firstName: first, lastName: 'Telefon', phone })
          await consent(id, 'phone_marketing', 'phone', ['granted'])
          callees.push(id)
        }
        withoutConsent = await person('lead', {
          firstName: 'Dora',
          lastName: 'Telefon',
          phone: '+49 151 44444444',
        })
        const segmentId = await segment('Leads (phone)', 'phone_marketing', 'lead')
        campaignId = await sendCampaign({
          name: 'Autumn calls',
          segmentId,
          defaultLang: 'de',
          channels: [{ channel: 'phone', purposeKey: 'phone_marketing' }],
          content: [
            {
              channel: 'phone',
              lang: 'de',
              subject: 'Herbstangebot',
              bodyText: 'Guten Tag {{firstName}}, …',
            },
          ],
        })
      }, 120_000)

      it('lists only those with a consent, with names and numbers, and drops a withdrawal at once', async () => {
        let list = ok<{
          items: { subjectId: string; firstName: string; phone: string }[]
          droppedBy: Record<string, number>
          scripts: { lang: string; title: string }[]
        }>(await call('GET', `/campaigns/${campaignId}/call-list`, agent))
        expect(list.items.map((i) => i.subjectId).sort()).toEqual([...callees].sort())
        expect(list.items.map((i) => i.subjectId)).not.toContain(withoutConsent)
        expect(list.items.find((i) => i.subjectId === callees[0])).toMatchObject({
          firstName: 'Anna',
          phone: '+4915111111111',
        })
        expect(list.scripts).toEqual([
          { lang: 'de', title: 'Herbstangebot', text: 'Guten Tag {{firstName}}, …' },
        ])

        await consent(callees[2] as string, 'phone_marketing', 'phone', ['withdrawn'])
        list = ok(await call('GET', `/campaigns/${campaignId}/call-list`, agent))
        expect(list.items.map((i) => i.subjectId)).not.toContain(callees[2])
        expect(list.droppedBy).toEqual({ 'consent-withdrawn': 1 })
        expect((await statusOf(campaignId, callees[2] as string))?.status).toBe('skipped')
      })

      it("records a call as a use of the consent: the proof's keep-until moves to five years from the call", async () => {
        const id = callees[0] as string
        type Proof = {
          proofRetention: { purposeKey: string; lastUsedAt: string | null; keepUntil: string }[]
        }
        const before = ok<Proof>(await call('GET', `/subjects/${id}/consents`, dpo)).proofRetention.find(
          (p) => p.purposeKey === 'phone_marketing',
        )
        expect(before?.lastUsedAt).toBeNull()
        const recorded = ok<{ outcome: string; deliveryStatus: string; consentProofKeptUntil: string }>(
          await call('POST', `/campaigns/${campaignId}/calls`, agent, {
            subjectId: id,
            outcome: 'reached',
            note: 'Interested in the winter offer',
          }),
          201,
        )
        expect(recorded).toMatchObject({
          outcome: 'reached',
          deliveryStatus: 'delivered',
          permissionChange: null,
        })
        const after = ok<Proof>(await call('GET', `/subjects/${id}/consents`, dpo)).proofRetention.find(
          (p) => p.purposeKey === 'phone_marketing',
        )
        expect(after?.lastUsedAt).not.toBeNull()
        expect(Date.parse(after?.keepUntil as string)).toBeGreaterThan(
          Date.parse(before?.keepUntil as string),
        )
        const fiveYears = new Date(after?.lastUsedAt as string)
        fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + 5)
        // Five years from the call (a leap day may move it by one).
        expect(Math.abs(Date.parse(after?.keepUntil as string) - fiveYears.getTime())).toBeLessThanOrEqual(
          86_400_000,
        )
        expect(recorded.consentProofKeptUntil).toBe(after?.keepUntil)
        expect((await statusOf(campaignId, id))?.status).toBe('delivered')
        // Reached: off the list; a second call is refused.
        const again = await call('POST', `/campaigns/${campaignId}/calls`, agent, {
          subjectId: id,
          outcome: 'reached',
        })
        expect(again.statusCode).toBe(409)
        expect(problemOf(again).errors?.[0]?.field).toBe('subjectId')
      })

      it('records an objection said on the call at once: the person is not called for the purpose again', async () => {
        const id = callees[1] as string
        const recorded = ok<{ permissionChange: string; deliveryStatus: string }>(
          await call('POST', `/campaigns/${campaignId}/calls`, agent, { subjectId: id, outcome: 'objected' }),
          201,
        )
        expect(recorded).toMatchObject({ permissionChange: 'objection', deliveryStatus: 'delivered' })
        const permissions = ok<{
          decisions: { purposeKey: string; channel: string; allowed: boolean; rule?: string }[]
        }>(await call('GET', `/subjects/${id}/permissions`, dpo))
        expect(permissions.decisions).toContainEqual(
          expect.objectContaining({
            purposeKey: 'phone_marketing',
            channel: 'phone',
            allowed: false,
            rule: 'objected',
          }),
        )
        const proof = ok<{
          objectionEvents: { source: string; reference: string | null; purposeKey: string | null }[]
        }>(await call('GET', `/subjects/${id}/consents`, dpo))
        expect(proof.objectionEvents).toContainEqual(
          expect.objectContaining({
            source: 'phone',
            purposeKey: 'phone_marketing',
            reference: expect.stringMatching(/^campaign-call:/),
          }),
        )
      })

      it('refuses calls for people not on the list, and roles that may not', async () => {
        const res = await call('POST', `/campaigns/${campaignId}/calls`, agent, {
          subjectId: withoutConsent,
          outcome: 'reached',
        })
        expect(res.statusCode).toBe(409)
        expect(problemOf(res).errors?.[0]?.field).toBe('subjectId')
        const bad = await call('POST', `/campaigns/${campaignId}/calls`, agent, {
          subjectId: callees[0],
          outcome: 'maybe',
        })
        expect(bad.statusCode).toBe(400)
        expect(problemOf(bad).errors?.[0]?.field).toBe('outcome')
        expect((await call('GET', `/campaigns/${campaignId}/call-list`, dpo)).statusCode).toBe(403)
      })
    })

    describe('bounces: a DSN hard bounce suppresses, the next campaign skips the address', () => {
      let segmentId: string
      let campaignId: string
      let bounced: string
      let fine: string
      let messageIdOf: (subjectId: string) => Promise<string>
      let secondMailing: () => Promise<string>

      const dsn = (messageId: string, status: string, action = 'failed') =>
        [
          'From: Mail Delivery System <MAILER-DAEMON@mx.example.test>',
          'To: campaigns@crm.example.test',
          'Subject: Undelivered Mail Returned to Sender',
          'MIME-Version: 1.0',
          'Content-Type: multipart/report; report-type=delivery-status;',
          '\tboundary="BOUNDARY-1"',
          '',
          'This is a MIME-encapsulated message.',
          '',
          '--BOUNDARY-1',
          'Content-Type: text/plain; charset=us-ascii',
          '',
          'Your message could not be delivered.',
          '',
          '--BOUNDARY-1',
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.test',
          'Arrival-Date: Mon, 7 Dec 2026 06:00:00 +0000',
          '',
          'Final-Recipient: rfc822; nobody@bounce.test',
          `Action: ${action}`,
          `Status: ${status}`,
          `Diagnostic-Code: smtp; ${status.startsWith('5') ? '550' : '450'} ${status} user unknown nobody@bounce.test`,
          '',
          '--BOUNDARY-1',
          'Content-Type: text/rfc822-headers',
          '',
          'From: Tresor <campaigns@crm.example.test>',
          'To: nobody@bounce.test',
          `Message-ID: ${messageId}`,
          'Subject: Neu',
          '',
          '--BOUNDARY-1--',
          '',
        ].join('\r\n')

      beforeAll(async () => {
        bounced = await person('employee', {
          firstName: 'Nobody',
          lastName: 'Bounce',
          email: 'nobody@bounce.test',
        })
        fine = await person('employee', {
          firstName: 'Some',
          lastName: 'Body',
          email: 'somebody@bounce.test',
        })
        for (const id of [bounced, fine])
          await consent(id, 'newsletter_email', 'email', ['requested', 'confirmed'])
        segmentId = await segment('Employees (mail)', 'newsletter_email', 'employee')
        const input = (name: string) => ({
          name,
          segmentId,
          defaultLang: 'de',
          channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
          content: [{ channel: 'email', lang: 'de', subject: 'Neu', bodyText: 'Hallo {{firstName}}' }],
        })
        campaignId = await sendCampaign(input('First mailing'))
        messageIdOf = async (subjectId) =>
          (
            await runtime.database.db
              .selectFrom('campaign_delivery')
              .select('message_id')
              .where('campaign_id', '=', campaignId)
              .where('subject_id', '=', subjectId)
              .executeTakeFirstOrThrow()
          ).message_id as string
        secondMailing = () => sendCampaign(input('Second mailing'))
      }, 120_000)

      it('refuses a report without the shared secret, before reading it', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { 'content-type': 'message/rfc822' },
          payload: dsn('<x@y>', '5.1.1'),
        })
        expect(res.statusCode).toBe(401)
        const wrong = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { 'content-type': 'message/rfc822', authorization: 'Bearer wrong' },
          payload: dsn('<x@y>', '5.1.1'),
        })
        expect(wrong.statusCode).toBe(401)
        // A session is no way in either.
        const session = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { 'content-type': 'message/rfc822', cookie: admin },
          payload: dsn('<x@y>', '5.1.1'),
        })
        expect(session.statusCode).toBe(401)
      })

      it('records a soft bounce without suppressing', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { authorization: `Bearer ${BOUNCE_SECRET}` },
          payload: { messageId: await messageIdOf(fine), type: 'soft', status: '4.2.2' },
        })
        expect(res.json()).toMatchObject({
          matched: true,
          kind: 'soft',
          statusCode: '4.2.2',
          suppressed: false,
        })
        expect(await statusOf(campaignId, fine)).toMatchObject({
          status: 'sent',
          reason: 'soft-bounce 4.2.2',
        })
      })

      it('marks a hard bounce bounced and suppresses the address; no address in the answer', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${BOUNCE_SECRET}` },
          payload: dsn(await messageIdOf(bounced), '5.1.1'),
        })
        expect(res.statusCode, res.body).toBe(200)
        expect(res.json()).toEqual({
          matched: true,
          campaignId,
          channel: 'email',
          status: 'bounced',
          suppressed: true,
          kind: 'hard',
          statusCode: '5.1.1',
        })
        expect(res.body).not.toContain('bounce.test')
        expect(await statusOf(campaignId, bounced)).toMatchObject({ status: 'bounced', reason: '5.1.1' })
        const suppression = await runtime.database.db
          .selectFrom('campaign_suppression')
          .selectAll()
          .where('subject_id', '=', bounced)
          .executeTakeFirstOrThrow()
        expect(suppression).toMatchObject({ channel: 'email', reason: 'hard-bounce', detail: '5.1.1' })

        // A DSN of some other mail, and one that is no DSN.
        const other = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { authorization: `Bearer ${BOUNCE_SECRET}` },
          payload: { raw: dsn('<unknown@elsewhere>', '5.1.1') },
        })
        expect(other.json()).toMatchObject({ matched: false })
        const junk = await t.app.inject({
          method: 'POST',
          url: '/api/v1/campaigns/bounces',
          headers: { authorization: `Bearer ${BOUNCE_SECRET}` },
          payload: { raw: 'Subject: hello\r\n\r\nnot a report' },
        })
        expect(junk.statusCode).toBe(400)
        expect(problemOf(junk).errors?.[0]?.field).toBe('raw')
      })

      it("skips the suppressed address in the next campaign as 'suppressed'", async () => {
        const second = await secondMailing()
        const rows = await deliveries(second)
        expect(rows.find((d) => d.subjectId === fine)?.status).toBe('sent')
        const skipped = rows.find((d) => d.subjectId === bounced)
        // Left out when the audience was decided, or skipped at its batch: never sent.
        if (skipped) expect(skipped).toMatchObject({ status: 'skipped', reason: 'suppressed' })
        const report = ok<{
          channels: { excludedBy: Record<string, number>; skippedBy: Record<string, number> }[]
        }>(await call('GET', `/campaigns/${second}/report`, marketing))
        const email = report.channels[0]
        expect((email?.excludedBy.suppressed ?? 0) + (email?.skippedBy.suppressed ?? 0)).toBe(1)
      })
    })

    describe('opens and clicks: only with trackOpens and the tracking consent', () => {
      let campaignId: string
      let tracked: string
      let untracked: string
      const OFFER = 'https://shop.example.test/offer?a=1&b=2'
      const pathOf = (url: string) => url.replace(PUBLIC_URL, '')
      const messageIdOf = async (subjectId: string) =>
        (
          await runtime.database.db
            .selectFrom('campaign_delivery')
            .select('message_id')
            .where('campaign_id', '=', campaignId)
            .where('subject_id', '=', subjectId)
            .executeTakeFirstOrThrow()
        ).message_id as string
      const rowOf = (subjectId: string) =>
        runtime.database.db
          .selectFrom('campaign_delivery')
          .select(['opened_at', 'clicked_at'])
          .where('campaign_id', '=', campaignId)
          .where('subject_id', '=', subjectId)
          .executeTakeFirstOrThrow()

      beforeAll(async () => {
        tracked = await person('supplier_contact', {
          firstName: 'Tina',
          lastName: 'Track',
          email: 'tina@track.test',
        })
        untracked = await person('supplier_contact', {
          firstName: 'Ulf',
          lastName: 'Track',
          email: 'ulf@track.test',
        })
        for (const id of [tracked, untracked])
          await consent(id, 'newsletter_email', 'email', ['requested', 'confirmed'])
        await consent(tracked, 'web_tracking', 'web', ['granted'])
        campaignId = await sendCampaign({
          name: 'Tracked mailing',
          segmentId: await segment('Suppliers (mail)', 'newsletter_email', 'supplier_contact'),
          defaultLang: 'de',
          trackOpens: true,
          channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
          content: [
            {
              channel: 'email',
              lang: 'de',
              subject: 'Angebot',
              bodyText: `Hallo {{firstName}}, ${OFFER}`,
              bodyHtml:
                '<html><body><p><a href="https://shop.example.test/offer?a=1&amp;b=2">Angebot</a></p></body></html>',
            },
          ],
        })
      }, 120_000)

      it('tracks the HTML: every link through the click URL, the pixel at the end, no personal data in them', async () => {
        const links = runtime.services.campaignChannelOps.tracking
        const html = await links.html(
          '<html><body><a href="https://shop.example.test/offer?a=1&amp;b=2">x</a><a href="mailto:a@b">m</a></body></html>',
          await messageIdOf(tracked),
        )
        expect(html).toMatch(
          /href="https:\/\/crm\.example\.test\/t\/c\/[A-Za-z0-9_.-]+\?u=https%3A%2F%2Fshop\.example\.test%2Foffer%3Fa%3D1%26b%3D2"/,
        )
        expect(html).toContain('href="mailto:a@b"')
        expect(html).toMatch(
          /<img src="https:\/\/crm\.example\.test\/t\/o\/[A-Za-z0-9_.-]+\.gif"[^>]*><\/body>/,
        )
        expect(html).not.toContain(tracked)
      })

      it('records an open only with the tracking consent, answering the pixel either way', async () => {
        const links = runtime.services.campaignChannelOps.tracking
        for (const id of [tracked, untracked]) {
          const { pixel } = await links.urls(await messageIdOf(id))
          const res = await t.app.inject({ method: 'GET', url: pathOf(pixel) })
          expect(res.statusCode).toBe(200)
          expect(res.headers['content-type']).toBe('image/gif')
          expect(res.headers['cache-control']).toContain('no-store')
        }
        expect((await rowOf(tracked)).opened_at).not.toBeNull()
        expect((await rowOf(untracked)).opened_at).toBeNull()
        // A forged token: the same pixel, nothing recorded.
        const forged = await t.app.inject({ method: 'GET', url: '/t/o/AAAA.AAAAAAAAAAAAAAAAAAAAAA.gif' })
        expect(forged.statusCode).toBe(200)
        const report = ok<{ channels: { opened?: number; clicked?: number }[] }>(
          await call('GET', `/campaigns/${campaignId}/report`, marketing),
        )
        expect(report.channels[0]?.opened).toBe(1)
      })

      it('redirects only to links of the campaign, recording the click only with the consent', async () => {
        const links = runtime.services.campaignChannelOps.tracking
        const mine = await links.urls(await messageIdOf(tracked))
        const res = await t.app.inject({ method: 'GET', url: pathOf(mine.click(OFFER)) })
        expect(res.statusCode).toBe(302)
        expect(res.headers.location).toBe(OFFER)
        expect((await rowOf(tracked)).clicked_at).not.toBeNull()
        const theirs = await links.urls(await messageIdOf(untracked))
        const other = await t.app.inject({ method: 'GET', url: pathOf(theirs.click(OFFER)) })
        expect(other.statusCode).toBe(302)
        expect((await rowOf(untracked)).clicked_at).toBeNull()
        // No open redirect.
        const evil = await t.app.inject({
          method: 'GET',
          url: pathOf(mine.click('https://evil.example.test/')),
        })
        expect(evil.statusCode).toBe(404)
        const forged = await t.app.inject({
          method: 'GET',
          url: `/t/c/AAAA.AAAAAAAAAAAAAAAAAAAAAA?u=${encodeURIComponent(OFFER)}`,
        })
        expect(forged.statusCode).toBe(404)
      })
    })

    describe('SMS: a real provider peer, consent only', () => {
      let campaignId: string
      const consenting: string[] = []
      let unconsented: string

      beforeAll(async () => {
        for (const [first, phone] of [
          ['Sina', '+49 160 1000001'],
          ['Timo', '+49 160 1000002'],
        ] as const) {
          const id = await person('b2b_contact', { firstName: first, lastName: 'Sms', phone })
          await consent(id, 'sms_marketing', 'sms', ['requested', 'confirmed'])
          consenting.push(id)
        }
        unconsented = await person('b2b_contact', {
          firstName: 'Uwe',
          lastName: 'Sms',
          phone: '+49 160 1000003',
        })
        const segmentId = await segment('Contacts (sms)', 'sms_marketing', 'b2b_contact')
        // The provider is busy at first: the first message is retried.
        sms.failNext(429)
        campaignId = await sendCampaign({
          name: 'Flash sale',
          segmentId,
          defaultLang: 'de',
          channels: [{ channel: 'sms', purposeKey: 'sms_marketing' }],
          content: [
            { channel: 'sms', lang: 'de', subject: '', bodyText: 'Hallo {{firstName}}, heute -20 %!' },
          ],
        })
      }, 120_000)

      it('sends only to the consenting numbers, with the opt-out link, retrying a 429', async () => {
        expect(sms.received[0]?.status).toBe(429)
        const accepted = sms.accepted()
        expect(accepted.map((r) => r.body.to).sort()).toEqual(['+491601000001', '+491601000002'])
        expect(sms.received.map((r) => r.body.to)).not.toContain('+491601000003')
        for (const r of accepted) {
          expect(r.authorization).toBe('Bearer provider-token')
          expect(r.body.from).toBe('Tresor')
          expect(r.body.text).toMatch(
            /^Hallo (Sina|Timo), heute -20 %!\nAbmelden: https:\/\/crm\.example\.test\/p\/unsubscribe\/[A-Za-z0-9_-]{43}\?lang=de$/,
          )
          expect(r.body.statusUrl).toBe(`${PUBLIC_URL}/api/v1/campaigns/sms-status`)
        }
        // The retried message kept its reference (the provider's idempotency key).
        const first = sms.received[0]?.body.reference
        expect(accepted.map((r) => r.body.reference)).toContain(first)
        for (const id of consenting) expect((await statusOf(campaignId, id))?.status).toBe('sent')
        expect(await statusOf(campaignId, unconsented)).toBeUndefined()
      })

      it("takes the provider's delivery reports into the ledger", async () => {
        const [a, b] = sms.accepted()
        const report = (payload: unknown, secret = SMS_STATUS_SECRET) =>
          t.app.inject({
            method: 'POST',
            url: '/api/v1/campaigns/sms-status',
            headers: { authorization: `Bearer ${secret}` },
            payload: payload as object,
          })
        expect((await report({ messageId: a?.providerId, status: 'delivered' }, 'wrong')).statusCode).toBe(
          401,
        )
        expect((await report({ messageId: a?.providerId, status: 'DELIVRD' })).json()).toMatchObject({
          matched: true,
          status: 'delivered',
          final: true,
        })
        expect(
          (await report({ messageId: b?.providerId, status: 'undelivered', errorCode: 'EC_21' })).json(),
        ).toMatchObject({
          matched: true,
          status: 'failed',
        })
        expect((await report({ messageId: 'sms-unknown', status: 'delivered' })).json()).toMatchObject({
          matched: false,
        })
        const statuses = (await deliveries(campaignId)).map((d) => d.status).sort()
        expect(statuses).toEqual(['delivered', 'failed'])
        const missing = await report({ status: 'delivered' })
        expect(missing.statusCode).toBe(400)
      })
    })
  })
}
