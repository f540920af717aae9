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
export const DSR_KINDS = ['access', 'copy', 'rectification', 'erasure', 'restriction', 'objection'] as const
export type DsrKind = (typeof DSR_KINDS)[number]

/** How a request reached us: the portal, or staff recording what came by e-mail, letter, phone or in person. */
export const DSR_CHANNELS = ['portal', 'email', 'letter', 'phone', 'in-person'] as const
export type DsrChannel = (typeof DSR_CHANNELS)[number]

/** Where a request stands. Only `received` so far: handling requests comes with a later issue. */
export const DSR_STATUSES = ['received'] as const
export type DsrStatus = (typeof DSR_STATUSES)[number]

/** What the details of a request are sealed as (the vault binds them to the subject too). */
export const dsrDetailsAad = (requestId: string): string => `dsr:${requestId}`

export const isDsrKind = (value: string): value is DsrKind => (DSR_KINDS as readonly string[]).includes(value)
