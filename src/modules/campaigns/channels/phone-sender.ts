import type { ChannelBatch, ChannelSender, DeliveryOutcome } from './channel-sender.ts'

/**
 * The phone channel of campaigns: sending a batch puts the permitted people with a phone number on
 * the agents' call list — their ledger rows become `sent` ("on the call list"); a person without a
 * number is `skipped` with `no-phone`. The calls themselves are made by agents from
 * `GET /campaigns/{id}/call-list` (names and numbers read through the gate again at that moment) and
 * recorded with `POST /campaigns/{id}/calls`, each as a use of the § 7a UWG consent.
 */
export class PhoneSender implements ChannelSender {
  readonly channel = 'phone' as const
  readonly fields = ['phone'] as const
  readonly maxAttempts = 1

  async deliver(batch: ChannelBatch): Promise<DeliveryOutcome[]> {
    return batch.recipients.map(({ subject }) =>
      subject.identifiers.phone?.trim()
        ? { subjectId: subject.id, status: 'sent' as const }
        : { subjectId: subject.id, status: 'skipped' as const, reason: 'no-phone' },
    )
  }
}

/** The phone channel's sender, for the core's channel registry. */
export const createPhoneSender = (): PhoneSender => new PhoneSender()
