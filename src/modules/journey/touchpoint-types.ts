/**
 * The touchpoint types Tresor knows (the customer journey), each with the purpose a touchpoint of
 * that type is collected under by default and the channels it happens on. Reviewable seed data,
 * not scattered `if`s: a sender may name another registered purpose per event; the gate checks
 * that purpose's legal basis for the subject either way. Plain data: the web UI reads it too.
 */
export const TOUCHPOINT_CHANNELS = [
  'web',
  'app',
  'email',
  'phone',
  'sms',
  'post',
  'store',
  'event',
  'social',
  'other',
] as const
export type TouchpointChannel = (typeof TOUCHPOINT_CHANNELS)[number]

export interface TouchpointType {
  /** Purpose key (the purpose registry) the touchpoint is collected under unless the event names one. */
  purpose: string
  /**
   * The purpose's channel the legal basis is checked on, where the purpose has several (consent
   * is given per channel, LEGAL.md); absent: the purpose's only channel.
   */
  purposeChannel?: string
  channels: readonly TouchpointChannel[]
  description: string
}

export const TOUCHPOINT_TYPES = {
  // § 25 TTDSG / Art. 6(1)(a): tracking a visitor's pages needs consent for web tracking.
  page_view: {
    purpose: 'web_tracking',
    purposeChannel: 'web',
    channels: ['web', 'app'],
    description: 'A page or screen viewed (only with tracking consent).',
  },
  form_submit: {
    purpose: 'contact_management',
    channels: ['web', 'app'],
    description: 'A form sent (contact request, registration).',
  },
  newsletter_signup: {
    purpose: 'contact_management',
    channels: ['web', 'app', 'event', 'store'],
    description: 'A newsletter sign-up; the consent itself is recorded as a consent event.',
  },
  gated_download: {
    purpose: 'contact_management',
    channels: ['web'],
    description: 'Content downloaded in exchange for contact data (whitepaper, e-book).',
  },
  sweepstake_entry: {
    purpose: 'contact_management',
    channels: ['web', 'app', 'store', 'event', 'post'],
    description: 'An entry into a sweepstake.',
  },
  store_purchase: {
    purpose: 'order_processing',
    purposeChannel: 'none',
    channels: ['store'],
    description: 'A purchase in a store, identified by the loyalty card.',
  },
  service_call: {
    purpose: 'customer_service',
    purposeChannel: 'phone',
    channels: ['phone'],
    description: 'A call to or from customer service.',
  },
  service_request: {
    purpose: 'customer_service',
    purposeChannel: 'email',
    channels: ['email', 'web', 'app', 'post'],
    description: 'A service request in writing.',
  },
  trade_fair_conversation: {
    purpose: 'contact_management',
    channels: ['event'],
    description: 'A conversation at a trade fair or event.',
  },
  review: {
    purpose: 'contact_management',
    channels: ['web', 'app', 'social'],
    description: 'A product or service review.',
  },
  social_interaction: {
    purpose: 'contact_management',
    channels: ['social'],
    description: 'A comment, message or mention on a social network.',
  },
  // § 7a UWG: a marketing call made on the phone consent is a use of it (the proof is kept five
  // years from each use); recorded by the phone campaigns' calls (src/modules/campaigns/channels).
  marketing_call: {
    purpose: 'phone_marketing',
    purposeChannel: 'phone',
    channels: ['phone'],
    description: 'A marketing call made on the phone consent (a use of the § 7a UWG consent).',
  },
  // Opening and clicking a newsletter is measured only under the newsletter consent (LEGAL.md).
  email_open: {
    purpose: 'newsletter_email',
    purposeChannel: 'email',
    channels: ['email'],
    description: 'A marketing e-mail opened.',
  },
  email_click: {
    purpose: 'newsletter_email',
    purposeChannel: 'email',
    channels: ['email'],
    description: 'A link in a marketing e-mail clicked.',
  },
} as const satisfies Record<string, TouchpointType>

export type TouchpointTypeKey = keyof typeof TOUCHPOINT_TYPES

export const isTouchpointType = (value: string): value is TouchpointTypeKey =>
  Object.hasOwn(TOUCHPOINT_TYPES, value)
