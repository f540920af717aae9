import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildTestApp, createSubject, problemOf, type TestApp } from '../support/http.ts'
import { describeEachEngineWithMail } from '../support/mail-app.ts'
import type { ReceivedMail } from '../support/smtp.ts'

const PUBLIC_URL = 'https://crm.example.test'
const OFFER = 'https://shop.example.test/offer?a=1&b=2'
const GUIDE = 'https://shop.example.test/guide'

/**
 * Issue #17, the two hooks of the campaign core: opens and clicks in real mails (a campaign with
 * `trackOpens`: only the mails of people whose `web_tracking` consent holds at send time get the
 * pixel and the click redirects, received by a real SMTP server, then opened and clicked through
 * the public URLs into the report), and SMS content longer than TRESOR_SMS_MAX_SEGMENTS refused
 * when the campaign is saved.
 */
describeEachEngineWithMail(
  'campaigns: opens and clicks in real mails, SMS length on save',
  { publicUrl: PUBLIC_URL, env: { TRESOR_SMS_MAX_SEGMENTS: '3' } },
  (runtime, smtp) => {
    let t: TestApp
    let admin: string
    let marketing: string
    let people = 0

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, cookie: string, payload?: unknown) =>
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
    /** A newsletter reader (confirmed consent); `tracking`: their consent to web tracking. */
    const reader = async (tracking: 'none' | 'granted' | 'withdrawn') => {
      const email = `hook-reader${++people}@hooks.test`
      const id = await createSubject(t.app, admin, { firstName: `Reader${people}`, lastName: 'Hook', email })
      await consent(id, 'newsletter_email', 'email', ['requested', 'confirmed'])
      if (tracking === 'granted') await consent(id, 'web_tracking', 'web', ['granted'])
      if (tracking === 'withdrawn') await consent(id, 'web_tracking', 'web', ['granted', 'withdrawn'])
      return { id, email }
    }
    const segmentFor = async (name: string, purpose: string) =>
      ok<{ id: string }>(
        await call('POST', '/segments', marketing, {
          name,
          purpose,
          rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer'] }] },
        }),
        201,
      ).id
    const emailCampaign = (name: string, segmentId: string, trackOpens: boolean) => ({
      name,
      segmentId,
      defaultLang: 'de',
      trackOpens,
      channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
      content: [
        {
          channel: 'email',
          lang: 'de',
          subject: 'Angebot',
          bodyText: `{{salutation}}, unser Angebot: ${OFFER}`,
          bodyHtml: `<html><body><p>{{salutation}}, <a href="https://shop.example.test/offer?a=1&amp;b=2">unser Angebot</a> und <a href='${GUIDE}'>der Ratgeber</a>. <a href="mailto:info@shop.example.test">Fragen?</a></p></body></html>`,
        },
      ],
    })
    /** Creates, schedules and sends a campaign in the foreground; its id. */
    const send = async (input: Record<string, unknown>) => {
      const campaign = ok<{ id: string }>(await call('POST', '/campaigns', marketing, input), 201)
      ok(await call('POST', `/campaigns/${campaign.id}/schedule`, marketing, {}))
      const run = await runtime().services.campaignSend.run(campaign.id)
      expect(run.state).toBe('done')
      return campaign.id
    }
    const report = async (campaignId: string) =>
      ok<{ channels: { sent: number; opened?: number; clicked?: number }[] }>(
        await call('GET', `/campaigns/${campaignId}/report`, marketing),
      ).channels[0]
    const htmlOf = (mail: ReceivedMail) => (typeof mail.parsed.html === 'string' ? mail.parsed.html : '')
    const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"')
    const pixelOf = (html: string) =>
      /<img src="(https:\/\/crm\.example\.test\/t\/o\/[^"]+\.gif)"/.exec(html)?.[1]
    const clickLinksOf = (html: string) =>
      [...html.matchAll(/href="(https:\/\/crm\.example\.test\/t\/c\/[^"]+)"/g)].map((m) =>
        decode(m[1] as string),
      )
    const pathOf = (url: string) => url.replace(PUBLIC_URL, '')

    let segmentId: string
    beforeAll(async () => {
      t = await buildTestApp(runtime())
      admin = await t.signIn('admin@hooks.test', 'admin')
      marketing = await t.signIn('marketing@hooks.test', 'marketing')
      segmentId = await segmentFor('Customers (hooks)', 'newsletter_email')
    }, 120_000)
    afterAll(async () => {
      await t?.app.close()
    })

    it('tracks only the mails of people whose tracking consent holds at send time; opens and clicks reach the report', async () => {
      const tracked = await reader('granted')
      const untracked = await reader('none')
      const withdrawn = await reader('withdrawn')
      const campaignId = await send(emailCampaign('Tracked', segmentId, true))

      const mine = await smtp().nextMailTo(tracked.email, 30_000)
      const html = htmlOf(mine)
      const pixel = pixelOf(html)
      expect(pixel).toBeDefined()
      const clicks = clickLinksOf(html)
      // Both http(s) links of the content go through the redirect; mailto and the unsubscribe link don't.
      expect(clicks).toHaveLength(2)
      expect(clicks.map((u) => new URL(u).searchParams.get('u')).sort()).toEqual([GUIDE, OFFER].sort())
      expect(html).not.toContain('href="https://shop.example.test/offer')
      expect(html).toContain('href="mailto:info@shop.example.test"')
      expect(html).toMatch(/href="https:\/\/crm\.example\.test\/p\/unsubscribe\/[A-Za-z0-9_-]+/)
      // The plain-text part is untouched: the original link, no tracking URL.
      expect(mine.parsed.text).toContain(OFFER)
      expect(mine.parsed.text).not.toContain('/t/')
      // No personal data in the tracking URLs.
      for (const url of [pixel as string, ...clicks]) {
        expect(url).not.toContain(tracked.id)
        expect(url).not.toContain('hooks.test')
      }

      // The others' mails: neither pixel nor rewritten links.
      for (const other of [untracked, withdrawn]) {
        const theirs = htmlOf(await smtp().nextMailTo(other.email, 30_000))
        expect(theirs).toContain('href="https://shop.example.test/offer?a=1&amp;b=2"')
        expect(theirs).toContain(`href='${GUIDE}'`)
        expect(theirs).not.toContain('/t/o/')
        expect(theirs).not.toContain('/t/c/')
      }

      expect(await report(campaignId)).toMatchObject({ sent: 3, opened: 0, clicked: 0 })
      // The pixel records the open.
      const opened = await t.app.inject({ method: 'GET', url: pathOf(pixel as string) })
      expect(opened.statusCode).toBe(200)
      expect(opened.headers['content-type']).toBe('image/gif')
      expect(await report(campaignId)).toMatchObject({ opened: 1, clicked: 0 })
      // The click redirects to the original link and records the click.
      const offerClick = clicks.find((u) => new URL(u).searchParams.get('u') === OFFER) as string
      const clicked = await t.app.inject({ method: 'GET', url: pathOf(offerClick) })
      expect(clicked.statusCode).toBe(302)
      expect(clicked.headers.location).toBe(OFFER)
      expect(await report(campaignId)).toMatchObject({ opened: 1, clicked: 1 })
      // Once per delivery: a second open or click counts nothing more.
      await t.app.inject({ method: 'GET', url: pathOf(pixel as string) })
      const guideClick = clicks.find((u) => new URL(u).searchParams.get('u') === GUIDE) as string
      const again = await t.app.inject({ method: 'GET', url: pathOf(guideClick) })
      expect(again.headers.location).toBe(GUIDE)
      expect(await report(campaignId)).toMatchObject({ opened: 1, clicked: 1 })
    })

    it("puts no pixel into anyone's mail of a campaign without trackOpens", async () => {
      const consenting = await reader('granted')
      const campaignId = await send(emailCampaign('Untracked', segmentId, false))
      const html = htmlOf(await smtp().nextMailTo(consenting.email, 30_000))
      expect(html).toContain('href="https://shop.example.test/offer?a=1&amp;b=2"')
      expect(html).not.toContain('/t/o/')
      expect(html).not.toContain('/t/c/')
      const counts = await report(campaignId)
      expect(counts?.sent).toBeGreaterThanOrEqual(1)
      expect(counts).not.toHaveProperty('opened')
      expect(counts).not.toHaveProperty('clicked')
    })

    it('refuses SMS content over TRESOR_SMS_MAX_SEGMENTS when created or patched, naming the field and the segments', async () => {
      const smsSegment = await segmentFor('Customers (sms hooks)', 'sms_marketing')
      const smsCampaign = (bodyText: string) => ({
        name: 'Flash sale',
        segmentId: smsSegment,
        defaultLang: 'de',
        channels: [{ channel: 'sms', purposeKey: 'sms_marketing' }],
        content: [
          { channel: 'sms', lang: 'de', subject: '', bodyText: 'Hallo {{firstName}}, heute -20 %!' },
          { channel: 'sms', lang: 'en', subject: '', bodyText },
        ],
      })
      // 400 GSM-7 characters and the opt-out line: 4 segments of 153.
      let res = await call('POST', '/campaigns', marketing, smsCampaign('x'.repeat(400)))
      expect(res.statusCode).toBe(422)
      let problem = problemOf(res)
      expect(problem.errors).toEqual([
        expect.objectContaining({
          field: 'content.1.bodyText',
          reason: expect.stringMatching(/is 4 SMS segments/),
        }),
      ])
      expect(problem.errors?.[0]?.reason).toContain('at most 3')
      // 150 characters fit in GSM-7 (2 segments), not with one emoji (UCS-2: 67 per segment).
      ok(await call('POST', '/campaigns', marketing, smsCampaign('y'.repeat(150))), 201)
      res = await call('POST', '/campaigns', marketing, smsCampaign(`${'y'.repeat(149)}🎉`))
      expect(res.statusCode).toBe(422)
      expect(problemOf(res).errors?.[0]?.field).toBe('content.1.bodyText')
      expect(problemOf(res).errors?.[0]?.reason).toMatch(/is 4 SMS segments .*UCS-2/)

      // PATCH is checked the same way; the stored version stays.
      const created = ok<{ id: string; version: number }>(
        await call('POST', '/campaigns', marketing, smsCampaign('Short and sweet.')),
        201,
      )
      res = await call('PATCH', `/campaigns/${created.id}`, marketing, {
        version: created.version,
        content: smsCampaign(`Hi {{firstName}}! ${'z'.repeat(480)}`).content,
      })
      expect(res.statusCode).toBe(422)
      problem = problemOf(res)
      expect(problem.errors?.[0]?.field).toBe('content.1.bodyText')
      expect(problem.detail).toContain('content.1.bodyText')
      expect(problem.detail).toMatch(/SMS segments/)
      const stored = ok<{ version: number; content: { bodyText: string }[] }>(
        await call('GET', `/campaigns/${created.id}`, marketing),
      )
      expect(stored.version).toBe(created.version)
      expect(stored.content.map((c) => c.bodyText)).toContain('Short and sweet.')
    })
  },
)
