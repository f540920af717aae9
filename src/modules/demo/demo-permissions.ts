import type { AuditActor } from '../../privacy/audit/audit-record.ts'
import type {
  ConsentEventInput,
  ObjectionInput,
  PermissionService,
  RestrictionInput,
} from '../../privacy/permissions/permission.service.ts'
import type { Channel, Purpose } from '../../privacy/purposes/purpose.ts'
import { DAY_MS, type DemoSubject, demoBucket, notAfter } from './demo-bucket.ts'

/** A consent purpose's demo shares, in ‰ of the subjects. */
interface ConsentShare {
  purposeKey: string
  channel: Channel
  /** Consent given (confirmed where double opt-in applies). */
  given: number
  /** Asked for, not confirmed yet (double opt-in) or not given yet. */
  pending: number
  /** Given once, withdrawn since. */
  withdrawn: number
  formKey: string
}

const CONSENT_SHARES: readonly ConsentShare[] = [
  {
    purposeKey: 'newsletter_email',
    channel: 'email',
    given: 400,
    pending: 60,
    withdrawn: 80,
    formKey: 'newsletter-signup',
  },
  {
    purposeKey: 'sms_marketing',
    channel: 'sms',
    given: 50,
    pending: 20,
    withdrawn: 10,
    formKey: 'sms-signup',
  },
  {
    purposeKey: 'phone_marketing',
    channel: 'phone',
    given: 100,
    pending: 0,
    withdrawn: 20,
    formKey: 'phone-consent',
  },
  {
    purposeKey: 'profiling_offers',
    channel: 'none',
    given: 200,
    pending: 0,
    withdrawn: 30,
    formKey: 'account-settings',
  },
  {
    purposeKey: 'web_tracking',
    channel: 'web',
    given: 300,
    pending: 0,
    withdrawn: 50,
    formKey: 'cookie-banner',
  },
]

/** Whether the demo gives the person a consent to the purpose that counts (given, not withdrawn). */
export const demoConsentGiven = (purposeKey: string, seed: number, index: number): boolean => {
  const share = CONSENT_SHARES.find((s) => s.purposeKey === purposeKey)
  return share !== undefined && demoBucket(share.purposeKey, seed, index) < share.given
}

/** What the demo permissions need: the purposes (double opt-in, basis) and the permission service. */
export interface DemoPermissionPorts {
  purposes: { find(key: string): Promise<Purpose | undefined> }
  permissions: Pick<PermissionService, 'stateOf' | 'recordConsent' | 'recordObjection' | 'setRestriction'>
}

/**
 * Consents, objections and restrictions for demo subjects, recorded through the permission
 * service like any others (events with their proof, the state derived, audited as the demo job):
 * each person's share is a pure function of the seed and their index. Subjects that already have
 * a state for a purpose (or the objection, or a restriction) keep it: running it again adds nothing.
 */
export async function seedDemoPermissions(
  ports: DemoPermissionPorts,
  subjects: readonly DemoSubject[],
  options: { seed: number; actor: AuditActor; now?: Date },
): Promise<{ consents: number; objections: number; restrictions: number }> {
  const now = options.now ?? new Date()
  const at = (subject: DemoSubject, ms: number) => notAfter(subject.createdAt.getTime() + ms, now)
  const states = new Map(
    (await ports.permissions.stateOf(subjects.map((s) => s.id))).map((s) => [s.subjectId, s]),
  )
  const living = subjects.filter((s) => states.get(s.id)?.erased === false)

  const consents: ConsentEventInput[] = []
  let given = 0
  for (const share of CONSENT_SHARES) {
    const purpose = await ports.purposes.find(share.purposeKey)
    if (!purpose || (purpose.legalBasis !== 'consent' && purpose.art9Basis !== 'explicit_consent')) continue
    const doi = purpose.doubleOptIn
    const proof = { source: 'form', formKey: share.formKey, textVersion: `${share.formKey}-v1` } as const
    for (const subject of living) {
      const b = demoBucket(share.purposeKey, options.seed, subject.index)
      if (b >= share.given + share.pending + share.withdrawn) continue
      const state = states.get(subject.id)
      if (state?.consents.some((c) => c.purposeKey === share.purposeKey && c.channel === share.channel))
        continue
      const event = (kind: ConsentEventInput['kind'], when: Date): ConsentEventInput => ({
        actor: options.actor,
        subjectId: subject.id,
        purposeKey: share.purposeKey,
        channel: share.channel,
        kind,
        proof,
        at: when,
      })
      given++
      const pending = b >= share.given && b < share.given + share.pending
      // Double opt-in: asked for at sign-up, confirmed ten minutes later; else given at once.
      if (doi || pending) consents.push(event('requested', at(subject, 0)))
      if (pending) continue
      consents.push(doi ? event('confirmed', at(subject, 10 * 60_000)) : event('granted', at(subject, 0)))
      if (b >= share.given) consents.push(event('withdrawn', at(subject, ((b % 365) + 1) * DAY_MS)))
    }
  }
  await ports.permissions.recordConsent(consents)

  // Art. 21 objections: 3 % to all marketing, 2 % to post, 2 % to postal advertising.
  const objections: ObjectionInput[] = []
  for (const subject of living) {
    const b = demoBucket('objection', options.seed, subject.index)
    if (b >= 70) continue
    const objection: Omit<ObjectionInput, 'subjectId' | 'actor' | 'action' | 'source'> =
      b < 30
        ? { scope: 'all_marketing' }
        : b < 50
          ? { scope: 'channel', channel: 'post' }
          : { scope: 'purpose', purposeKey: 'postal_advertising' }
    const inForce = states.get(subject.id)?.objections ?? []
    if (
      inForce.some(
        (o) =>
          o.scope === objection.scope &&
          (o.purposeKey ?? undefined) === objection.purposeKey &&
          (o.channel ?? undefined) === objection.channel,
      )
    )
      continue
    objections.push({
      ...objection,
      subjectId: subject.id,
      action: 'raised',
      source: 'letter',
      actor: options.actor,
      at: at(subject, 30 * DAY_MS),
    })
  }
  await ports.permissions.recordObjection(objections)

  // Art. 18: 0.5 % restricted while the accuracy of their data is checked.
  const restrictions: RestrictionInput[] = living
    .filter((s) => demoBucket('restriction', options.seed, s.index) < 5 && !states.get(s.id)?.restriction)
    .map((s) => ({
      subjectId: s.id,
      ground: 'accuracy-contested',
      note: 'demo',
      actor: options.actor,
      at: at(s, 60 * DAY_MS),
    }))
  await ports.permissions.setRestriction(restrictions)

  return { consents: given, objections: objections.length, restrictions: restrictions.length }
}
