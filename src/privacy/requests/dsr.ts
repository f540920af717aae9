/**
 * The words of data subject requests (LEGAL.md, "Data subject rights"): closed vocabularies with
 * no imports, shared by the kernel's storage, the requests module, the portal and the web UI. The
 * database checks the same sets (migration 0017).
 */

/**
 * What a person asks for. `access`: Art. 15(1)-(2), what is processed and how. `copy`: a copy of
 * the data, Art. 15(3) and Art. 20 (portability) answered together with one machine-readable
 * export. `rectification`: Art. 16. `erasure`: Art. 17. `restriction`: Art. 18. `objection`:
 * Art. 21(1), on grounds relating to the person's situation, to processing that is not direct
 * marketing (an objection to direct marketing is no request: it is recorded and in force at once).
 */
/**
 * The kinds of data subject requests (Art. 15-22); `human_review`: Art. 22(3), a person asks that a
 * human reviews a decision that rested on a score (the DPO sees the score's explanation).
 */
export const DSR_KINDS = [
  'access',
  'copy',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'human_review',
] as const
export type DsrKind = (typeof DSR_KINDS)[number]

/** How a request reached us: the portal, or staff recording what came by e-mail, letter, phone or in person. */
export const DSR_CHANNELS = ['portal', 'email', 'letter', 'phone', 'in-person'] as const
export type DsrChannel = (typeof DSR_CHANNELS)[number]

/**
 * Where a request stands (Art. 12): `received`; `identity_verified` (Art. 12(6): a portal request
 * is verified by the mailed sign-in, staff record how they verified one by letter, phone or in
 * person); `in_progress`; `extended` (Art. 12(3): by up to two further months, told with the
 * reason within the first month); closed as `answered` or `refused` (Art. 12(4)-(5): with the
 * reasons and the right to complain). The database checks the same set (migration 0033).
 */
export const DSR_STATUSES = [
  'received',
  'identity_verified',
  'in_progress',
  'extended',
  'answered',
  'refused',
] as const
export type DsrStatus = (typeof DSR_STATUSES)[number]

/** The statuses of a request not yet closed: the DPO's inbox. */
export const DSR_OPEN_STATUSES = ['received', 'identity_verified', 'in_progress', 'extended'] as const
export const isOpenStatus = (status: DsrStatus): boolean =>
  (DSR_OPEN_STATUSES as readonly string[]).includes(status)

/**
 * How the identity of the person was verified (Art. 12(6)). `portal_sign_in`: the request was
 * filed in the portal after signing in through the link mailed to the address on file.
 * `known_contact_details`: answered from, or called back on, contact details already on file.
 * `id_document`: an identity document was shown (its number is never recorded). `in_person`: known
 * to staff in person. `signature`: a signature compared with one on file. `other`: the note says how.
 */
export const VERIFICATION_METHODS = [
  'portal_sign_in',
  'known_contact_details',
  'id_document',
  'in_person',
  'signature',
  'other',
] as const
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number]

/**
 * Why a request is refused (Art. 12(5), 11(2), 15(4)): the identity could not be verified, the
 * request is manifestly unfounded or excessive (the controller bears the burden of showing it), the
 * rights of others forbid it, or another reason the text names.
 */
export const REFUSAL_GROUNDS = [
  'identity_not_verified',
  'manifestly_unfounded',
  'excessive',
  'rights_of_others',
  'other',
] as const
export type RefusalGround = (typeof REFUSAL_GROUNDS)[number]

/** What a generated answer (the access report) is sealed as, under the subject's key. */
export const dsrAnswerAad = (requestId: string): string => `dsr-answer:${requestId}`

/** What the details of a request are sealed as (the vault binds them to the subject too). */
export const dsrDetailsAad = (requestId: string): string => `dsr:${requestId}`

export const isDsrKind = (value: string): value is DsrKind => (DSR_KINDS as readonly string[]).includes(value)
