import type { AuditActor } from '../../privacy/audit/audit-record.ts'
import type { DoubleOptInService } from '../../privacy/double-opt-in/double-opt-in.service.ts'
import type { GateActor } from '../../privacy/gate/gate.service.ts'
import type { MilestoneService } from '../../privacy/milestones/milestone.service.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import type { RecordGate, TouchpointInput } from '../../privacy/records/record-gate.ts'
import { DAY_MS, type DemoSubject, demoBucket, HOUR_MS } from './demo-bucket.ts'
import { demoConsentGiven } from './demo-permissions.ts'

/**
 * Demo data the deletion concept lets go, so the sweeper's plan has something to show (issue #13):
 * newsletter sign-ups never confirmed (unconfirmed double opt-in requests, 30 days) and page views
 * of returning visitors from more than 13 months ago (web tracking). Leads with no interaction for
 * two years come with the generator's people already. Written through the kernel's entry points
 * like everything of the demo; running it again adds nothing.
 */

/** Out of 1,000 customers: sign-ups to the newsletter never confirmed. */
const UNCONFIRMED_PER_MILLE = 40
/** Out of 1,000 people with the web-tracking consent: visitors who came back and consented again last month. */
const RETURNING_PER_MILLE = 300
const PATHS = ['/', '/preise', '/produkte', '/blog']

/** What the demo's retention data is written through. */
export interface DemoRetentionPorts {
  doubleOptIn: Pick<DoubleOptInService, 'askAsOf'>
  milestones: Pick<MilestoneService, 'addMany'>
}

type Ports = DemoRetentionPorts & {
  permissions: Pick<PermissionService, 'stateOf' | 'recordConsent'>
  records: Pick<RecordGate, 'ingestTouchpoints'>
}

/**
 * Newsletter sign-ups that were never confirmed, an hour after the customer came in: a double
 * opt-in request each (its `requested` consent event with proof, the request, no mail), through the
 * double opt-in service like a form's. Only customers without a newsletter consent state get one;
 * leads none (a sign-up is an interaction).
 */
export async function seedDemoDoiRequests(
  ports: Ports,
  subjects: readonly DemoSubject[],
  options: { seed: number; actor: AuditActor },
): Promise<number> {
  const chosen = subjects.filter(
    (s) =>
      s.kinds.includes('customer') &&
      demoBucket('doi-unconfirmed', options.seed, s.index) < UNCONFIRMED_PER_MILLE,
  )
  if (chosen.length === 0) return 0
  const states = new Map(
    (await ports.permissions.stateOf(chosen.map((s) => s.id))).map((s) => [s.subjectId, s]),
  )
  let asked = 0
  for (const subject of chosen) {
    const state = states.get(subject.id)
    if (!state || state.erased || state.consents.some((c) => c.purposeKey === 'newsletter_email')) continue
    const result = await ports.doubleOptIn.askAsOf(
      {
        subjectId: subject.id,
        formKey: 'newsletter',
        purposes: [{ purposeKey: 'newsletter_email', channel: 'email', textVersion: 'newsletter-v1' }],
        client: {},
        actor: options.actor,
      },
      new Date(subject.createdAt.getTime() + HOUR_MS),
    )
    if (result.kind === 'mail') asked++
  }
  return asked
}

/**
 * Returning visitors: people who consented to web tracking when they came in more than 13 months
 * ago (their consent has lapsed since: 12 months' validity), visited then, and consented again in
 * the cookie banner a month ago. Their page views of back then are stored through the record gate
 * (which checks the consent in force) and are past the 13 months of the web-tracking rule.
 */
export async function seedDemoReturningVisitors(
  ports: Ports,
  subjects: readonly DemoSubject[],
  options: { seed: number; actor: GateActor; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date()
  const chosen = subjects.filter(
    (s) =>
      !s.kinds.includes('lead') &&
      s.createdAt.getTime() < now.getTime() - 540 * DAY_MS &&
      demoConsentGiven('web_tracking', options.seed, s.index) &&
      demoBucket('returning-visitor', options.seed, s.index) < RETURNING_PER_MILLE,
  )
  if (chosen.length === 0) return 0
  const states = new Map(
    (await ports.permissions.stateOf(chosen.map((s) => s.id))).map((s) => [s.subjectId, s]),
  )
  const renewedAt = new Date(now.getTime() - 30 * DAY_MS)
  const lapsed = chosen.filter((s) => {
    const state = states.get(s.id)
    const consent = state?.consents.find((c) => c.purposeKey === 'web_tracking' && c.channel === 'web')
    return (
      state !== undefined &&
      !state.erased &&
      consent !== undefined &&
      (consent.status === 'granted' || consent.status === 'confirmed' || consent.status === 'expired') &&
      consent.expiresAt !== null &&
      consent.expiresAt.getTime() <= now.getTime()
    )
  })
  await ports.permissions.recordConsent(
    lapsed.map((s) => ({
      actor: options.actor,
      subjectId: s.id,
      purposeKey: 'web_tracking',
      channel: 'web' as const,
      kind: 'granted' as const,
      proof: { source: 'form', formKey: 'cookie-banner', textVersion: 'cookie-banner-v1' },
      at: renewedAt,
    })),
  )
  const events: TouchpointInput[] = chosen.flatMap((s) =>
    [1, 2, 3].map((k) => ({
      subjectId: s.id,
      type: 'page_view',
      channel: 'web',
      occurredAt: new Date(s.createdAt.getTime() + k * 37 * DAY_MS),
      purposeKey: 'web_tracking',
      properties: { path: PATHS[(s.index + k) % PATHS.length] },
      externalId: `demo-${options.seed}-${s.index}-r${k}`,
    })),
  )
  const outcomes = await ports.records.ingestTouchpoints({ actor: options.actor, source: 'demo', events })
  return outcomes.filter((o) => o.status === 'accepted').length
}

/** Out of 1,000 applicants: decided, and of those rejected (the rest accepted). */
const DECIDED_PER_MILLE = 850
const REJECTED_PER_MILLE = 800

/**
 * Decisions on the applicants' applications, 2 to 8 weeks after they applied (never in the future):
 * most rejected, some accepted, a few still open — so the rule "rejected applicants, 6 months after
 * the decision" has people to let go and people to keep.
 */
export async function seedDemoApplicationDecisions(
  ports: DemoRetentionPorts,
  subjects: readonly DemoSubject[],
  options: { seed: number; actor: AuditActor },
): Promise<number> {
  const now = Date.now()
  const entries = subjects
    .filter(
      (s) =>
        s.kinds.includes('applicant') && demoBucket('decided', options.seed, s.index) < DECIDED_PER_MILLE,
    )
    .map((s) => ({
      subjectId: s.id,
      kind:
        demoBucket('rejected', options.seed, s.index) < REJECTED_PER_MILLE
          ? ('application_rejected' as const)
          : ('application_accepted' as const),
      occurredAt: new Date(
        Math.min(
          now - HOUR_MS,
          s.createdAt.getTime() + (14 + (demoBucket('decided-after', options.seed, s.index) % 43)) * DAY_MS,
        ),
      ),
    }))
  return ports.milestones.addMany(entries, { actor: options.actor })
}
