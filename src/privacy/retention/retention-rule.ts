/**
 * What a retention rule is: a deletion class of the deletion concept (Löschkonzept, DIN 66398,
 * ISO/IEC 27555) — which records, how long (the standard period), from which event (the start
 * event), the legal minimum a law sets, and a transition where a law changed. Plain data and
 * closed vocabularies with type-only imports, so the kernel, the routes, the CLI and the web UI
 * share one definition. LEGAL.md, "Retention duties that block erasure" and "Deletion concept".
 */

import type { Schema } from '../../platform/db/schema.ts'
import type { Texts } from '../purposes/purpose.ts'
import type { PersonalTable } from '../records/record-kinds.ts'
import type { SubjectKind } from '../subjects/subject-kinds.ts'

export type { Texts }

/**
 * The record kinds a rule can cover: the kinds of the registry (`privacy/records/record-kinds.ts`)
 * with a retention clock of their own. Kinds whose clock follows another (an order's lines, a
 * confirmation link's digest) go with it, and the kernel's state derived from kept events
 * (permission and objection state) goes with its events.
 */
export const RETENTION_RECORD_KINDS = [
  'invoice',
  'customer_order',
  'deal',
  'touchpoint',
  'subject_note',
  'consent_event',
  'doi_request',
  'dsr_request',
  'subject',
] as const satisfies readonly PersonalTable[]
export type RetentionRecordKind = (typeof RETENTION_RECORD_KINDS)[number]

/**
 * The dates a retention clock can start from. A record that lacks the date (an application not
 * decided, a request not closed) has no clock running and never falls due.
 */
export const CLOCK_DATES = [
  /** when the record came to be: issued, ordered, occurred, requested, received */
  'created',
  /** the latest interaction with the subject */
  'lastInteraction',
  /** the end of the contract the record belongs to */
  'contractEnd',
  /** the decision (on an application) */
  'decision',
  /** the grant of a consent or its latest use, whichever is later */
  'lastUse',
  /** when the matter was closed (a deal won or lost, a request answered) */
  'closure',
  /** the last entry in a book */
  'lastEntry',
] as const
export type ClockDate = (typeof CLOCK_DATES)[number]

/**
 * The event that starts a rule's clock (DIN 66398 "Startzeitpunkt"). `end_of_year_of_…`: the
 * period runs from the end of the calendar year the date falls in (§ 257(5) HGB, § 147(4) AO).
 */
export const START_EVENTS = [
  'creation',
  'end_of_year_of_creation',
  'last_interaction',
  'end_of_contract',
  'decision',
  'grant_and_each_use',
  'closure',
  'end_of_year_of_closure',
  'end_of_year_of_last_entry',
] as const
export type StartEvent = (typeof START_EVENTS)[number]

/** Per start event: the date it reads, and whether the period runs from the end of that date's year. */
export const START_EVENT_CLOCKS: Readonly<Record<StartEvent, { date: ClockDate; endOfYear: boolean }>> = {
  creation: { date: 'created', endOfYear: false },
  end_of_year_of_creation: { date: 'created', endOfYear: true },
  last_interaction: { date: 'lastInteraction', endOfYear: false },
  end_of_contract: { date: 'contractEnd', endOfYear: false },
  decision: { date: 'decision', endOfYear: false },
  // § 7a UWG: five years from the grant *and* from each use: the later one decides.
  grant_and_each_use: { date: 'lastUse', endOfYear: false },
  closure: { date: 'closure', endOfYear: false },
  end_of_year_of_closure: { date: 'closure', endOfYear: true },
  end_of_year_of_last_entry: { date: 'lastEntry', endOfYear: true },
}

/** A column of a personal table, as `table.column` (checked against the schema by the compiler). */
export type DateColumn = {
  [T in PersonalTable]: `${T}.${keyof Schema[T] & string}`
}[PersonalTable]

/**
 * Where a kind's date is read: the latest of these columns — the row's own, or those of the same
 * subject's rows in other kinds (`note` says which) — or nowhere yet (`notRecorded`: Tresor keeps
 * no such date today, so a rule reading it lets nothing fall due).
 */
export type DateSource = { latestOf: readonly DateColumn[]; note?: string } | { notRecorded: string }

/**
 * Per record kind, where each date a clock can start from is read: what a sweeper queries to
 * decide which rows of a kind fall due. A start event whose date a kind doesn't have is refused
 * for rules covering that kind.
 */
export const RECORD_DATES: {
  readonly [K in RetentionRecordKind]: Readonly<Partial<Record<ClockDate, DateSource>>>
} = {
  // § 147(4) AO, § 257(5) HGB: from the end of the year the voucher was issued.
  invoice: { created: { latestOf: ['invoice.issued_at'] } },
  // § 257(5) HGB: a commercial letter from the end of the year it was sent or received.
  customer_order: { created: { latestOf: ['customer_order.ordered_at'] } },
  deal: {
    created: { latestOf: ['deal.created_at'] },
    // The deal's last change: when it reached its final stage, or later (which only keeps it longer).
    closure: { latestOf: ['deal.updated_at'] },
  },
  touchpoint: { created: { latestOf: ['touchpoint.occurred_at'] } },
  subject_note: { created: { latestOf: ['subject_note.created_at'] } },
  consent_event: {
    created: { latestOf: ['consent_event.occurred_at'] },
    lastUse: {
      latestOf: ['consent_event.occurred_at', 'touchpoint.occurred_at'],
      note: "a use is a touchpoint of the same subject under the consent's purpose on its channel",
    },
  },
  doi_request: {
    created: { latestOf: ['doi_request.requested_at'] },
    closure: { latestOf: ['doi_request.closed_at'] },
  },
  dsr_request: {
    created: { latestOf: ['dsr_request.received_at'] },
    // Answered or refused (the workflow sets it, migration 0033); open requests have none.
    closure: { latestOf: ['dsr_request.closed_at'] },
  },
  subject: {
    created: { latestOf: ['subject.created_at'] },
    lastInteraction: {
      latestOf: [
        'subject.updated_at',
        'touchpoint.occurred_at',
        'customer_order.ordered_at',
        'deal.updated_at',
        'subject_note.created_at',
        'consent_event.occurred_at',
        'dsr_request.received_at',
      ],
      note: "the subject's own last change and the latest of its touchpoints, orders, deals, notes, consent events and requests",
    },
    contractEnd: {
      latestOf: ['subject_milestone.occurred_at'],
      note: 'the latest `contract_ended` milestone of the subject (recorded by staff; a subject without one has no clock running)',
    },
    decision: {
      latestOf: ['subject_milestone.occurred_at'],
      note: "the latest decision on the subject's application (`application_rejected`, `…_accepted` or `…_withdrawn` milestones; none recorded: no clock running)",
    },
  },
}

/**
 * Conditions that narrow a rule to some rows of its kind (a closed set: each one is a query the
 * sweeper knows). Per condition: the kind it applies to.
 */
export const RETENTION_CONDITIONS = {
  /** Offers that led to a deal (§ 257(1) No. 2 HGB): deals in a stage whose outcome is `won`. */
  deal_won: 'deal',
  /** § 7a UWG: consent events on the phone channel. */
  consent_channel_phone: 'consent_event',
  /** Double opt-in requests that were never confirmed (pending, expired or superseded). */
  doi_unconfirmed: 'doi_request',
  /** Data subject requests that were answered and closed. */
  request_closed: 'dsr_request',
  /** Subjects whose latest decision on their application is a rejection (a milestone, migration 0044). */
  application_rejected: 'subject',
} as const satisfies Record<string, RetentionRecordKind>
export type RetentionCondition = keyof typeof RETENTION_CONDITIONS
export const RETENTION_CONDITION_KEYS = Object.keys(RETENTION_CONDITIONS) as RetentionCondition[]

/** The kinds whose rows name the purpose they were collected under (a `purpose_key` column). */
export const PURPOSE_NARROWED_KINDS: readonly RetentionRecordKind[] = ['touchpoint', 'consent_event']

/**
 * Which rows a rule covers. `recordKind` null: a category Tresor stores no record of (the company's
 * books are kept in its accounting system); the rule is part of the deletion concept all the same.
 * The narrowing adds up (all of them must hold):
 * - `purposeKey`: rows collected under that purpose (touchpoints, consent events);
 * - `subjectKind`: rows of subjects whose only kind is this one (a lead that became a customer is
 *   no longer only a lead, and falls under the customer's rules);
 * - `condition`: one of {@link RETENTION_CONDITIONS}.
 */
export interface RetentionCoverage {
  recordKind: RetentionRecordKind | null
  purposeKey: string | null
  subjectKind: SubjectKind | null
  condition: RetentionCondition | null
}

/**
 * The shortest period a law allows (seeded, never editable through the API or the CLI): a change
 * below it is refused naming `law`.
 */
export interface LegalMinimum {
  /** ISO 8601 duration. */
  period: string
  /** The law, e.g. `§ 147(3) AO, § 257(4) HGB`. */
  law: string
}

/**
 * A change of the law's period (BEG IV cut § 147(3) AO and § 257(4) HGB from 10 to 8 years for
 * accounting vouchers): records whose period under the previous law had run out before the
 * cut-over keep the previous period; every other record takes the rule's period.
 */
export interface RetentionTransition {
  /** ISO 8601 duration of the previous law. */
  previousPeriod: string
  /** `YYYY-MM-DD`: the day the new period took effect (Art. 97 § 19a EGAO: 2025-01-01). */
  cutover: string
  rule: Texts
}

/** A rule as the registry holds it; the DPO edits name, coverage, period, start event and text. */
export interface RetentionRuleDefinition {
  /** Stable identifier, `snake_case`; a sweep's approval names it with its version. */
  key: string
  name: Texts
  covers: RetentionCoverage
  /** The standard period (DIN 66398 "Regellöschfrist"), ISO 8601 duration. */
  period: string
  startEvent: StartEvent
  /** Null: no law sets a minimum (storage limitation, Art. 5(1)(e): the period is the controller's). */
  legalMinimum: LegalMinimum | null
  transition: RetentionTransition | null
  /** The rule in words, naming the law. */
  rule: Texts
}

/** A registry entry: the definition plus its version, bumped by every change. */
export interface RetentionRule extends RetentionRuleDefinition {
  /** Seeded from LEGAL.md (its legal minimum and transition follow the product's knowledge). */
  builtin: boolean
  version: number
  createdAt: Date
  updatedAt: Date
}

/** One kept version of a rule: what it said, who made it, which properties changed. */
export interface RetentionRuleVersion {
  key: string
  version: number
  definition: RetentionRuleDefinition
  /** The properties that differ from the previous version (all of them for version 1). */
  changed: string[]
  actor: { type: string; id: string }
  createdAt: Date
}

/** The properties a DPO may change (legal minimum and transition are the law's). */
export const EDITABLE_PROPERTIES = ['name', 'covers', 'period', 'startEvent', 'rule'] as const
export type EditableProperty = (typeof EDITABLE_PROPERTIES)[number]

export const isStartEvent = (value: string): value is StartEvent =>
  (START_EVENTS as readonly string[]).includes(value)
export const isRetentionRecordKind = (value: string): value is RetentionRecordKind =>
  (RETENTION_RECORD_KINDS as readonly string[]).includes(value)
export const isRetentionCondition = (value: string): value is RetentionCondition =>
  Object.hasOwn(RETENTION_CONDITIONS, value)

/** What a DPO gives for a rule of their own (no legal minimum, no transition: those are the law's). */
export type NewRetentionRule = Pick<
  RetentionRuleDefinition,
  'key' | 'name' | 'period' | 'startEvent' | 'rule'
> & {
  covers: RetentionCoverageInput
}

/** A change: the properties given are replaced whole (the coverage too: its omitted narrowing is none). */
export type RetentionRuleChanges = Partial<
  Pick<RetentionRuleDefinition, 'name' | 'period' | 'startEvent' | 'rule'>
> & {
  covers?: RetentionCoverageInput
}

/** A coverage as input: the narrowing may be left out (none). */
export type RetentionCoverageInput = Pick<RetentionCoverage, 'recordKind'> &
  Partial<Omit<RetentionCoverage, 'recordKind'>>

/** The coverage with every omitted narrowing as none. */
export const coverage = (input: RetentionCoverageInput): RetentionCoverage => ({
  recordKind: input.recordKind,
  purposeKey: input.purposeKey ?? null,
  subjectKind: input.subjectKind ?? null,
  condition: input.condition ?? null,
})
