import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import { sql } from 'kysely'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'
import { settle } from '../support/steady-state.ts'
import { prepareInstance } from '../support/tresor.ts'

const ACTOR = { actor: { type: 'system' as const, id: 'bench', role: 'admin' } }

/** Asks the sink process and waits for its answer. */
function ask<T>(child: ChildProcess, message: unknown = {}): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T))
    child.send(message as object)
  })
}

/**
 * An e-mail campaign end to end (issue #17): `scale` demo subjects, then (in SQL, untimed) a
 * confirmed newsletter consent for everyone the demo left without any newsletter state (withdrawals
 * stay withdrawn; objections and restrictions stay) — so about 70 % of the demo subjects are
 * permitted recipients and 1,000,000 of them need `--scale 1500000`; a segment of the customers, leads and business contacts, a
 * campaign on newsletter_email; the send run in this process as `tresor campaigns send` runs it —
 * the audience decided (one statement per channel: the counts and the snapshot in chunks of ids,
 * docs/adr/0022), then batches of 500 claimed (chunks moved into the send ledger as the queue runs
 * low), re-checked through the gate (decrypting the addresses, audited), mailed over a pool of 8
 * SMTP connections to a local sink in its own process, and the outcomes written.
 */
export const campaignSend: Scenario = {
  name: 'campaign-send',
  description:
    'in-process, as `tresor campaigns send` runs it, against a local SMTP sink (its own process): the audience of a ' +
    'newsletter campaign over `scale` demo subjects (newsletter consent topped up in SQL: ~70 % permitted) decided ' +
    'at the start, then every permitted recipient mailed in batches re-checked through the gate. Figures: the ' +
    'audience decision (ms), end-to-end and sending throughput (mails/s).',
  defaultScale: 100_000,
  async run(ctx) {
    const sink = fork(path.join(import.meta.dirname, '..', 'support', 'smtp-sink.ts'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    ctx.defer(() => {
      sink.kill('SIGTERM')
    })
    const { port } = await new Promise<{ port: number }>((resolve) =>
      sink.once('message', (m) => resolve(m as never)),
    )

    const instance = await ctx.instance('campaign-send')
    ctx.log(
      `preparing ${ctx.scale.toLocaleString('en')} demo subjects with their permission state (tresor demo)`,
    )
    await prepareInstance(instance, ctx.scale)
    const runtime = await openRuntime(
      loadConfig(
        {
          ...instance.env,
          TRESOR_SMTP_URL: `smtp://127.0.0.1:${port}`,
          TRESOR_MAIL_FROM: 'Tresor <news@bench.example>',
          TRESOR_PUBLIC_URL: 'https://crm.bench.example',
          TRESOR_SMTP_POOL_SIZE: process.env.TRESOR_SMTP_POOL_SIZE ?? '8',
          TRESOR_CAMPAIGN_BATCH_SIZE: process.env.TRESOR_CAMPAIGN_BATCH_SIZE ?? '500',
        },
        { dataDir: instance.dataDir },
      ),
      { logger: createLogger('warn') },
    )
    ctx.defer(() => runtime.close())
    // Most demo subjects become newsletter recipients: a confirmed consent for everyone without any
    // newsletter state (the permission state the gate decides on; untimed).
    const db = runtime.database.db
    const topped = await sql`
      insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at, confirmed_at, updated_at)
      select s.id, 'newsletter_email', 'email', 'confirmed', now() - interval '100 days', now() - interval '100 days',
        now() - interval '100 days', now()
      from subject s
      where s.erased_at is null and not exists (
        select 1 from permission_state p where p.subject_id = s.id and p.purpose_key = 'newsletter_email' and p.channel = 'email')
    `.execute(db)
    ctx.log(
      `newsletter consent confirmed for ${Number(topped.numAffectedRows ?? 0).toLocaleString('en')} more subjects`,
    )
    await settle(ctx, runtime.database.db, [
      'subject',
      'permission_state',
      'objection_state',
      'restriction_state',
    ])
    const { segments, campaigns, campaignSend } = runtime.services
    const segment = await segments.create(ACTOR, {
      name: 'Customers, leads and business contacts',
      purpose: 'newsletter_email',
      rules: {
        type: 'group',
        combine: 'and',
        conditions: [{ type: 'kind', kinds: ['customer', 'lead', 'b2b_contact'] }],
      },
    })

    return measure(
      ctx,
      'send',
      { warmups: 0, runs: ctx.scale >= 500_000 ? 1 : 2 },
      {
        audience_decision_ms: 'ms',
        end_to_end_mails_per_s: 'mails/s',
        sending_mails_per_s: 'mails/s',
        recipients: 'mails',
      },
      async ({ index }) => {
        const campaign = await campaigns.create(ACTOR, {
          name: `Bench ${index} ${Date.now()}`,
          segmentId: segment.id,
          defaultLang: 'de',
          channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
          content: [
            {
              channel: 'email',
              lang: 'de',
              subject: 'Neu für {{firstName}}',
              bodyText: '{{salutation}},\n\nunsere Angebote der Woche.\n',
              bodyHtml: '<html><body><p>{{salutation}},</p><p>unsere Angebote der Woche.</p></body></html>',
            },
          ],
        })
        await campaigns.schedule(ACTOR, campaign.id)
        const before = await ask<{ count: number; distinct: number }>(sink)
        let decisionMs = 0
        let audience = 0
        let lastLog = Date.now()
        const started = performance.now()
        const run = await campaignSend.run(campaign.id, {
          onAudience: (counts, ms) => {
            decisionMs = ms
            audience = counts.channels.reduce((n, c) => n + c.audience, 0)
            ctx.log(`audience ${audience.toLocaleString('en')} decided in ${ms.toFixed(0)} ms`)
          },
          onProgress: (done, total) => {
            if (Date.now() - lastLog > 10_000) {
              lastLog = Date.now()
              const s = (performance.now() - started) / 1000
              ctx.log(`${done.toLocaleString('en')}/${total.toLocaleString('en')} after ${s.toFixed(0)} s`)
            }
          },
        })
        const totalMs = performance.now() - started
        if (run.state !== 'done') throw new Error(`the send ended ${run.state}`)
        const after = await ask<{ count: number; distinct: number }>(sink)
        const received = after.count - before.count
        if (received !== run.sent || after.distinct - before.distinct !== run.sent)
          throw new Error(`the sink got ${received} mails for ${run.sent} sent`)
        if (run.sent < audience * 0.95) throw new Error(`only ${run.sent} of ${audience} sent`)
        return {
          audience_decision_ms: decisionMs,
          end_to_end_mails_per_s: run.sent / (totalMs / 1000),
          sending_mails_per_s: run.sent / ((totalMs - decisionMs) / 1000),
          recipients: run.sent,
        }
      },
    )
  },
}
