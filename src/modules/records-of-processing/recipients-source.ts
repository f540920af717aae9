/**
 * What the record of processing activities needs to know about recipients (Art. 30(1)(d), (e)):
 * whom data is disclosed to, where they are, and on which safeguard data leaves the EEA. The
 * recipients registry (issue #14, `src/privacy/recipients/`) answers it; until that is wired, an
 * empty source makes the record say that no recipients are registered.
 */

/** Art. 4(9), 26, 28: the kinds of recipient. */
export type RecipientKind = 'processor' | 'controller' | 'joint_controller' | 'authority' | string

/** One recipient as the record lists it. */
export interface RecordRecipient {
  key: string
  name: string
  kind: RecipientKind
  /** ISO 3166-1 alpha-2. */
  country: string
  /** Whether the country is in the EEA (no transfer safeguard needed, Art. 44). */
  inEea: boolean
  /**
   * Art. 45-49: what the transfer to a third country rests on (adequacy decision, standard
   * contractual clauses with module and date, binding corporate rules, an Art. 49 derogation with
   * its reason); null inside the EEA.
   */
  safeguard: string | null
  /** The purposes under which it receives data. */
  purposes: string[]
  /** The field categories it receives. */
  fieldCategories: string[]
}

/** Where the record reads the recipients from. */
export interface RecipientsSource {
  list(): Promise<RecordRecipient[]>
}

/** No registry: the record says that no recipients are registered. */
export const NO_RECIPIENTS: RecipientsSource = { list: async () => [] }
