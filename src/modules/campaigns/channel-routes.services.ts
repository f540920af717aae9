import type { CampaignChannelSettings } from '../../platform/config.ts'
import {
  type CampaignChannelKernelDeps,
  createCampaignChannelKernel,
} from '../../privacy/campaign-channels/campaign-channels.service.ts'
import { CampaignTracking } from '../../privacy/campaign-channels/campaign-tracking.ts'
import type { UnsubscribeService } from '../../privacy/unsubscribe/unsubscribe.service.ts'
import { BounceService } from './bounces.service.ts'
import { PhoneCallService } from './channels/phone-calls.service.ts'
import { createPhoneSender, type PhoneSender } from './channels/phone-sender.ts'
import { PrintListService } from './channels/post-print-list.ts'
import { createPostSender, type PostSender } from './channels/post-sender.ts'
import { HttpSmsProvider, type SmsProvider } from './channels/sms-provider.ts'
import { SmsSender } from './channels/sms-sender.ts'
import { SmsStatusService } from './channels/sms-status.service.ts'
import { CampaignTrackingLinks } from './tracking.ts'

/** The services of the campaign channels (SMS, post, phone, bounces): `Services.campaignChannelOps`. */
export interface CampaignChannelServices {
  printLists: PrintListService
  calls: PhoneCallService
  bounces: BounceService
  smsStatus: SmsStatusService
  /** Opens and clicks of e-mails of campaigns with `trackOpens` (only with the tracking consent). */
  tracking: CampaignTrackingLinks
  /** The channel senders for the core's registry (`ChannelRegistry.register`). */
  senders: { sms: SmsSender; post: PostSender; phone: PhoneSender }
  settings: CampaignChannelSettings
}

/** Wires the campaign channels from the kernel's parts (`src/runtime.ts` calls it once). */
export function createCampaignChannelServices(
  deps: CampaignChannelKernelDeps & {
    unsubscribe: Pick<UnsubscribeService, 'linkFor'>
    /** The vault's secrets (the tracking tokens' key). */
    secrets: { get(name: string, create: () => Buffer): Promise<Buffer> }
    settings: CampaignChannelSettings
    publicUrl: string
    /** Another SMS provider adapter (tests, a provider with its own API); default the HTTP adapter of TRESOR_SMS_URL. */
    smsProvider?: SmsProvider | undefined
  },
): CampaignChannelServices {
  const kernel = createCampaignChannelKernel(deps)
  const provider =
    deps.smsProvider ??
    (deps.settings.smsUrl
      ? new HttpSmsProvider({
          url: deps.settings.smsUrl,
          token: deps.settings.smsToken,
          statusUrl: `${deps.publicUrl.replace(/\/$/, '')}/api/v1/campaigns/sms-status`,
        })
      : undefined)
  return {
    printLists: new PrintListService(kernel),
    calls: new PhoneCallService(kernel),
    bounces: new BounceService(kernel),
    smsStatus: new SmsStatusService(kernel),
    tracking: new CampaignTrackingLinks(
      new CampaignTracking({
        db: deps.db,
        permissions: deps.permissions,
        secrets: deps.secrets,
        audit: deps.audit,
      }),
      deps.publicUrl,
    ),
    senders: {
      sms: new SmsSender({
        provider,
        sender: deps.settings.smsSender,
        maxSegments: deps.settings.smsMaxSegments,
        linkFor: (subjectId, purposeKey, channel, options) =>
          deps.unsubscribe.linkFor(subjectId, purposeKey, channel, options),
      }),
      post: createPostSender(),
      phone: createPhoneSender(),
    },
    settings: deps.settings,
  }
}
