import type { CampaignChannel, ChannelSender } from './channel-sender.ts'

/**
 * The channel senders by channel: the campaign core looks a channel's sender up here when a batch
 * of that channel is due. `src/runtime.ts` registers them, one line each:
 *
 *     services.campaignChannels.register(createSmsSender({ ... }))
 *
 * A channel without a sender can't be scheduled (422 naming `channels.N.channel`) and a send that
 * meets one leaves its rows `queued` (the send resumes once a sender is registered).
 */
export class ChannelRegistry {
  readonly #senders = new Map<CampaignChannel, ChannelSender>()

  /** Adds (or replaces) the sender of its channel. */
  register(sender: ChannelSender): this {
    this.#senders.set(sender.channel, sender)
    return this
  }

  get(channel: CampaignChannel): ChannelSender | undefined {
    return this.#senders.get(channel)
  }

  has(channel: string): boolean {
    return this.#senders.has(channel as CampaignChannel)
  }

  channels(): CampaignChannel[] {
    return [...this.#senders.keys()]
  }

  /** Closes what the senders hold open (SMTP pools). */
  close(): void {
    for (const sender of this.#senders.values()) (sender as { close?: () => void }).close?.()
  }
}
