import type { RecipientWithVerdict } from '../../privacy/recipients/recipient.ts'
import type { RecipientsSource, RecordRecipient } from './recipients-source.ts'

/**
 * The recipients registry (`src/privacy/recipients/`) as the record's source (Art. 30(1)(d), (e)):
 * every recipient that still receives data (retired ones are left out), with where it is and the
 * safeguard its transfer rests on today — the registry's own verdict, so the record never claims a
 * safeguard the disclosure gate would not accept. A transfer without a valid ground is listed with
 * what is missing.
 */
export function recipientsFromRegistry(list: () => Promise<RecipientWithVerdict[]>): RecipientsSource {
  return {
    async list(): Promise<RecordRecipient[]> {
      return (await list())
        .filter((r) => r.retiredAt === null)
        .map((r) => ({
          key: r.id,
          name: r.name,
          kind: r.role,
          country: r.country,
          inEea: !r.verdict.thirdCountry,
          safeguard: r.verdict.thirdCountry
            ? r.verdict.lawful
              ? r.verdict.basis
              : `none valid (${r.verdict.missing.map((m) => m.reason).join('; ')}): transfers refused`
            : null,
          purposes: [...r.purposes],
          fieldCategories: [...r.fieldCategories],
        }))
    },
  }
}
