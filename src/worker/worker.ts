import { fromPglite, PgBoss } from 'pg-boss'
import { purgeSessionsJob } from '../modules/access/access.jobs.ts'
import { recomputeScoresJob } from '../modules/analytics/analytics.jobs.ts'
import { remindBreachesJob } from '../modules/breaches/breaches.jobs.ts'
import { sendCampaignJob, startDueCampaignsJob } from '../modules/campaigns/campaign.jobs.ts'
import { journeysTickJob } from '../modules/journeys/journeys.jobs.ts'
import { requestDeadlinesJob } from '../modules/requests/requests.jobs.ts'
import { auditCheckpointJob } from '../privacy/audit/audit.jobs.ts'
import { expireDoiRequestsJob } from '../privacy/double-opt-in/double-opt-in.jobs.ts'
import { finishHeldErasuresJob } from '../privacy/holds/erasure.jobs.ts'
import { purgePortalAccessJob } from '../privacy/portal-access/portal-access.jobs.ts'
import { deliverWebhooksJob } from '../privacy/recipients/webhook.jobs.ts'
import { sweepRetentionJob } from '../privacy/retention/retention-sweep.jobs.ts'
import type { Runtime } from '../runtime.ts'
import { type JobName, type JobPayloads, SCHEDULES } from './jobs.ts'

/** What a handler may do with the job queue: enqueue follow-up jobs. */
interface JobQueue {
  send<K extends JobName>(name: K, payload: JobPayloads[K]): Promise<string | null>
}

type Handlers = {
  [K in JobName]: (payload: JobPayloads[K], runtime: Runtime, jobs: JobQueue) => Promise<unknown>
}

/** Job name → handler. Handlers are entry points; the logic lives in the services. */
const HANDLERS: Handlers = {
  'access.purge-sessions': (_payload, runtime) => purgeSessionsJob(runtime.services.access),
  'audit.checkpoint': (_payload, runtime) => auditCheckpointJob(runtime.services.audit),
  'doi.expire': (_payload, runtime) => expireDoiRequestsJob(runtime.services.doubleOptIn),
  'portal.purge': (_payload, runtime) => purgePortalAccessJob(runtime.services.portalAccess),
  'analytics.scores': (_payload, runtime) =>
    recomputeScoresJob(runtime.services.scores, runtime.services.recommendations),
  'breaches.remind': (_payload, runtime) => remindBreachesJob(runtime.services.breachNotices),
  'requests.deadlines': (_payload, runtime) => requestDeadlinesJob(runtime.services.requestWorkflow),
  'erasures.finish': (_payload, runtime) => finishHeldErasuresJob(runtime.services.erasures),
  'webhooks.deliver': (_payload, runtime) => deliverWebhooksJob(runtime.services.webhooks),
  'retention.sweep': (_payload, runtime) => sweepRetentionJob(runtime.services.sweeper),
  'journeys.tick': (_payload, runtime) => journeysTickJob(runtime.services.journeys),
  'campaigns.start-due': (_payload, runtime, jobs) =>
    startDueCampaignsJob(runtime.services.campaigns, (campaignId) =>
      jobs.send('campaigns.send', { campaignId }),
    ),
  'campaigns.send': (payload, runtime) => sendCampaignJob(runtime.services.campaignSend, payload),
}

export interface Worker {
  /** Enqueues a job now. */
  send<K extends JobName>(name: K, payload: JobPayloads[K]): Promise<string | null>
  stop(): Promise<void>
}

/**
 * Starts pg-boss on the runtime's database (its tables live in the `pgboss` schema, next to
 * ours), registers every handler and the schedule table.
 */
export async function startWorker(
  runtime: Runtime,
  options: { pollingIntervalSeconds?: number } = {},
): Promise<Worker> {
  const log = runtime.logger.child({ component: 'worker' })
  const store = runtime.database.jobStore()
  const boss = new PgBoss({
    ...('pglite' in store ? { db: fromPglite(store.pglite) } : store),
    schedule: true,
    supervise: true,
  })
  boss.on('error', (error: Error) =>
    log.error({ err: { type: error.name, message: error.message } }, 'job runner error'),
  )
  await boss.start()
  const queue: JobQueue = { send: (name, payload) => boss.send(name, payload as object) }

  for (const name of Object.keys(HANDLERS) as JobName[]) {
    await boss.createQueue(name)
    await boss.work<JobPayloads[typeof name]>(
      name,
      { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
      async (jobs) => {
        for (const job of jobs) {
          const handler = HANDLERS[name] as (
            payload: JobPayloads[JobName],
            runtime: Runtime,
            jobs: JobQueue,
          ) => Promise<unknown>
          const result = await handler(job.data, runtime, queue)
          log.info({ job: name, id: job.id, result }, 'job done')
        }
      },
    )
  }
  for (const schedule of SCHEDULES)
    await boss.schedule(schedule.name, schedule.cron, schedule.payload, { tz: 'UTC' })

  return {
    send: queue.send,
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 })
    },
  }
}
