import { useTranslation } from 'react-i18next'
import type { CampaignChannel, CampaignStatus, MergeField } from './api'

/**
 * Why someone of the segment is not (or no longer) reached: the gate's denial rules, the campaign's
 * own checks (suppression, frequency cap, no address) and the ledger's outcomes. Each has a label in
 * `campaigns.reasons`; a rule the UI does not know yet is shown as "other reason", never as a key.
 */
export const REASONS = [
  'no-consent',
  'consent-withdrawn',
  'consent-expired',
  'consent-pending-confirmation',
  'objected',
  'restricted',
  'erased',
  'subject-kind-not-covered',
  'record-not-held',
  'not-existing-customer',
  'channel-not-covered',
  'segment-purpose',
  'special-category-without-explicit-consent',
  'suppressed',
  'hard-bounce',
  'complaint',
  'manual',
  'bounced',
  'capped',
  'frequency-cap',
  'cap',
  'no-address',
  'unsubscribed',
  'cancelled',
  'not-permitted',
] as const
export type Reason = (typeof REASONS)[number]

const isReason = (value: string): value is Reason => (REASONS as readonly string[]).includes(value)

export const STATUS_COLORS: Record<CampaignStatus, string> = {
  draft: 'gray',
  scheduled: 'blue',
  sending: 'orange',
  paused: 'yellow',
  sent: 'teal',
  cancelled: 'red',
}

/** The campaign texts that depend on a value: status, channel, reason, merge field. */
export function useCampaignLabels() {
  const { t } = useTranslation()
  return {
    status: (status: CampaignStatus) => t(`campaigns.status.${status}`),
    channel: (channel: CampaignChannel | string) =>
      channel === 'email' || channel === 'sms' || channel === 'post' || channel === 'phone'
        ? t(`campaigns.channels.${channel}`)
        : t('campaigns.channels.other'),
    reason: (reason: string) => {
      if (isReason(reason)) return t(`campaigns.reasons.${reason}`)
      const code = /^(?:smtp-)?([245]\d\d)(?:[ -]|$)/.exec(reason)?.[1]
      if (code) return t('campaigns.reasons.serverReply', { code })
      return t('campaigns.reasons.other')
    },
    mergeField: (field: MergeField) => t(`campaigns.mergeFields.${field}`),
  }
}
