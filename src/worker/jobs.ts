/**
 * Every job Tresor runs: its name and its payload type, in one map, so a job can't be sent with
 * the wrong payload or handled under a misspelt name.
 */
export interface JobPayloads {
  /** Deletes sessions past their idle or absolute timeout. */
  'access.purge-sessions': Record<string, never>
  /** Signs the audit chain's head (a checkpoint), if it moved since the last one. */
  'audit.checkpoint': Record<string, never>
  /** Closes double opt-in requests whose link ran out and records their consents `expired`. */
  'doi.expire': Record<string, never>
  /** Deletes privacy portal sessions that ran out, and sign-in links a week after they ran out. */
  'portal.purge': Record<string, never>
  /** Completes held erasures whose legal holds have all ended (Art. 17(1) after 17(3)); narrows the others. */
  'erasures.finish': Record<string, never>
  /** Delivers the webhook events that are due (signed, through the disclosure gate), retrying with backoff. */
  'webhooks.deliver': Record<string, never>
  /** Applies the deletion concept: plans and runs the rules at the versions the DPO approved last (issue #13). */
  'retention.sweep': Record<string, never>
  /** Fits the analytics models, recomputes every score under the profiling purpose and counts the products bought together (issue #16). */
  'analytics.scores': Record<string, never>
  /** Mails the DPO about breaches whose 72 hours (Art. 33(1)) are nearly or fully up, once per stage. */
  'breaches.remind': Record<string, never>
  /** Mails the DPO the data subject requests due within 7 days (Art. 12(3)); drops answers past their download window. */
  'requests.deadlines': Record<string, never>
  /** Enrols whom the active journeys' triggers found and moves due enrolments on: waits, sends (permission re-checked), stops (issue #17). */
  'journeys.tick': Record<string, never>
  /** Enqueues a `campaigns.send` for each campaign due: scheduled and its time come, or sending without a live process (issue #17). */
  'campaigns.start-due': Record<string, never>
  /** Sends one campaign: decides its audience into the send ledger, then batches re-checked through the gate (docs/adr/0020). */
  'campaigns.send': { campaignId: string }
}

export type JobName = keyof JobPayloads

/** Recurring jobs: cron in UTC. The worker keeps pg-boss's schedule table equal to this list. */
export const SCHEDULES: readonly { name: JobName; cron: string; payload: JobPayloads[JobName] }[] = [
  { name: 'access.purge-sessions', cron: '*/15 * * * *', payload: {} },
  { name: 'audit.checkpoint', cron: '7 * * * *', payload: {} },
  { name: 'doi.expire', cron: '*/15 * * * *', payload: {} },
  { name: 'portal.purge', cron: '*/15 * * * *', payload: {} },
  // Every minute: a new event waits at most a minute; retries are due by their own backoff.
  { name: 'webhooks.deliver', cron: '* * * * *', payload: {} },
  // Every minute: a welcome follows its confirmation within a minute; waits end to the minute.
  { name: 'journeys.tick', cron: '* * * * *', payload: {} },
  // Every minute: a campaign scheduled for now starts within a minute; a crashed send resumes.
  { name: 'campaigns.start-due', cron: '* * * * *', payload: {} },
  // Every quarter hour: the reminder goes out within 15 minutes of the 24-hours-left mark.
  { name: 'breaches.remind', cron: '*/15 * * * *', payload: {} },
  // Nightly: scores follow the day's orders; withdrawals and objections remove them at once anyway.
  { name: 'analytics.scores', cron: '41 2 * * *', payload: {} },
  // Daily, in the morning (UTC): the DPO reads the warning at the start of the day.
  { name: 'requests.deadlines', cron: '5 6 * * *', payload: {} },
  // Daily: a hold's end is a date (or a payment or a lift, seen the next night).
  { name: 'erasures.finish', cron: '23 3 * * *', payload: {} },
  // Daily, after the held erasures: off until the DPO approved a first plan (docs/adr/0015).
  { name: 'retention.sweep', cron: '47 3 * * *', payload: {} },
]
