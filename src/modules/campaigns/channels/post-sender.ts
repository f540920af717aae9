import type { PersonalField } from '../../../privacy/fields/field-catalog.ts'
import type { ChannelBatch, ChannelSender, DeliveryOutcome } from './channel-sender.ts'

/** The fields a letter needs: the name and the postal address (read by the core through the gate). */
export const POST_FIELDS = [
  'firstName',
  'lastName',
  'street',
  'postalCode',
  'city',
  'countryCode',
] as const satisfies readonly PersonalField[]

/**
 * The post channel of campaigns: a letter goes out through the campaign's letter shop, a processor
 * of the recipients registry. Sending a batch puts the permitted people with a postal address on the
 * print list — their ledger rows become `sent` ("on the print list"); a person without street,
 * postal code and city is `skipped` with `no-address`. Nothing leaves Tresor here: the list is
 * handed over when it is downloaded (`GET /campaigns/{id}/print-list`), as a disclosure to the
 * letter shop through the transfer check, re-checked through the gate at that moment.
 */
export class PostSender implements ChannelSender {
  readonly channel = 'post' as const
  readonly fields = POST_FIELDS
  readonly maxAttempts = 1

  async deliver(batch: ChannelBatch): Promise<DeliveryOutcome[]> {
    return batch.recipients.map(({ subject }) => {
      const id = subject.identifiers
      const addressed = Boolean(
        id.street?.trim() && id.postalCode?.trim() && id.city?.trim() && id.lastName?.trim(),
      )
      return addressed
        ? { subjectId: subject.id, status: 'sent' as const }
        : { subjectId: subject.id, status: 'skipped' as const, reason: 'no-address' }
    })
  }
}

/** The post channel's sender, for the core's channel registry. */
export const createPostSender = (): PostSender => new PostSender()
