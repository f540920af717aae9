import type { SubjectDisclosure } from './recipient.repository.ts'
import type { WebhookEvent } from './recipient.ts'

/** The events that tell a recipient of a rectification, an erasure or a restriction (Art. 19). */
export const ART19_EVENTS = [
  'subject.changed',
  'subject.erased',
  'subject.restricted',
] as const satisfies readonly WebhookEvent[]

/** A recipient the subject's data was disclosed to, and how an Art. 19 notification reaches it. */
export interface Art19Recipient {
  recipient: SubjectDisclosure['recipient']
  /** The last disclosure of the subject's data to it. */
  lastDisclosedAt: Date
  /** The Art. 19 events its active webhook subscriptions deliver by themselves. */
  notifiedBy: (typeof ART19_EVENTS)[number][]
  /** The Art. 19 events nobody delivers to it: the DPO tells it by other means. */
  notifyByHand: (typeof ART19_EVENTS)[number][]
}

/**
 * Art. 19: every rectification, erasure or restriction is communicated to each recipient the data
 * was disclosed to. From a subject's disclosures (newest first) and the active subscriptions: each
 * recipient once, with what its webhooks tell it and what is left to the DPO. Pure.
 */
export function art19Recipients(
  disclosures: readonly SubjectDisclosure[],
  subscriptions: readonly { recipientId: string; events: readonly string[]; active: boolean }[],
): Art19Recipient[] {
  const byRecipient = new Map<string, Art19Recipient>()
  for (const d of disclosures) {
    if (byRecipient.has(d.recipient.id)) continue
    const subscribed = new Set(
      subscriptions.filter((s) => s.active && s.recipientId === d.recipient.id).flatMap((s) => s.events),
    )
    byRecipient.set(d.recipient.id, {
      recipient: d.recipient,
      lastDisclosedAt: d.at,
      notifiedBy: ART19_EVENTS.filter((e) => subscribed.has(e)),
      notifyByHand: ART19_EVENTS.filter((e) => !subscribed.has(e)),
    })
  }
  return [...byRecipient.values()]
}
