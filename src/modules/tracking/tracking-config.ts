import { TOUCHPOINT_TYPES, type TouchpointTypeKey } from '../journey/touchpoint-types.ts'

/**
 * What web tracking means in Tresor, as reviewable configuration (LEGAL.md, "Website tracking"):
 * the purpose the events are stored under, the consent signals honoured for it and how a TCF v2
 * string maps onto it. The DPO reads this file; the service holds no purpose numbers of its own.
 */

/** § 25 TDDDG, Art. 6(1)(a) GDPR: the purpose (and its channel) every tracked event is stored under. */
export const TRACKING_PURPOSE = { key: 'web_tracking', channel: 'web' } as const

/**
 * The event types a website may send to POST /api/v1/track: the touchpoint types collected under
 * the tracking purpose (today `page_view`). Derived from the journey's registry, so a tracking type
 * added there is accepted here, and a type collected under another purpose (a form sent, a
 * sign-up) never slips in through the tracking endpoint.
 */
export const TRACKED_TYPES: readonly TouchpointTypeKey[] = (
  Object.keys(TOUCHPOINT_TYPES) as TouchpointTypeKey[]
).filter((key) => TOUCHPOINT_TYPES[key].purpose === TRACKING_PURPOSE.key)

/** How a Tresor purpose is read from an IAB TCF v2 consent string. */
export interface TcfPurposeMapping {
  /**
   * TCF purposes (1-11 in TCF v2.2) that must all carry the visitor's consent. Legitimate-interest
   * signals are never read: the Tresor purpose rests on consent.
   */
  purposes: readonly number[]
  /**
   * Tresor works for the site operator (the publisher, the controller), so where the string's
   * publisher segment declares the publisher's own purposes (any consent or legitimate-interest bit
   * set) the purposes must be consented there as well as in the general purpose consents: any "no"
   * in the string is a no. A publisher segment with no bit set (service-specific strings always
   * carry one) declares nothing; then the general purpose consents decide.
   */
  publisherConsentsWhenDeclared: boolean
}

/**
 * Tresor purpose → the TCF purposes whose consent it needs. A TC string that grants all of them is
 * a consent to the purpose; one that lacks any of them refuses it (the events are dropped as
 * `tcf-refused`).
 */
export const TCF_PURPOSE_MAP: Readonly<Record<string, TcfPurposeMapping>> = {
  web_tracking: {
    purposes: [
      // 1 "Store and/or access information on a device": § 25(1) TDDDG, the device access itself.
      1,
      // 8 "Measure content performance": which pages were seen, how often.
      8,
      // 9 "Understand audiences through statistics or combinations of data from different
      // sources": Tresor joins the page views to a known contact's CRM record.
      9,
    ],
    publisherConsentsWhenDeclared: true,
  },
}

/** The most events one request may carry: a page's worth, sent by a browser. */
export const TRACK_BATCH_MAX = 100

/** What the proof of a consent recorded from a request names as its form (Art. 7(1)). */
export const CONSENT_FORM_KEYS = { banner: 'tracking-banner', tcf: 'tcf-cmp' } as const
