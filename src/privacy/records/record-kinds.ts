import type { Schema } from '../../platform/db/schema.ts'
import type { RecordField } from '../fields/field-catalog.ts'
import { dsrAnswerAad, dsrDetailsAad } from '../requests/dsr.ts'

/**
 * The registry of personal record kinds: every table that holds data about a subject, and what
 * the kernel does with it. Erasure (`Gate.erase`), merge (`Gate.combine`) and the architecture test
 * read it; the retention sweep and the access report (Art. 15) will. A table of the schema with a
 * `subject_id` column that isn't registered here fails the build (`tsc` below, and the
 * architecture test against the migrated database).
 *
 * Plain data. The order is the deletion order: children before parents (an order's lines and
 * invoices before the order, the subject last, since every table references it); a merge brings
 * rows over in the reverse order.
 */

/** What a note's text is sealed as (the vault binds it to the subject too). */
export const NOTE_AAD = 'record:note'
/** What the note of a campaign call is sealed as (migration 0040). */
export const CAMPAIGN_CALL_NOTE_AAD = 'record:campaign-call-note'
/** What the old/new values of a rectification are sealed as, in the audit trail. */
export const RECTIFICATION_AAD = 'audit:rectification'
/** What a merged duplicate's identifiers and attributes are kept as, under the survivor's key. */
export const COMBINE_AAD = 'audit:combine'

/** Tables of the schema that name a subject in a `subject_id` column. */
type SubjectKeyedTable = {
  [T in keyof Schema]: 'subject_id' extends keyof Schema[T] ? T : never
}[keyof Schema]

/** Every personal table: those keyed by subject, the subject itself, and the audit trail (`subject_ids`). */
export type PersonalTable = SubjectKeyedTable | 'subject' | 'audit_event'

type Column<T extends PersonalTable> = keyof Schema[T] & string

/**
 * Which field of the catalog a role needs to see the kind: a record field (its category decides);
 * `subject`: the subject row and the vault, per identifier and attribute of the field catalog;
 * `kernel`: the kernel's own state (permissions, links, requests, audit), which has its routes'
 * permissions rather than a field category.
 */
export type RecordKindField = RecordField | 'subject' | 'kernel'

/** What an Art. 17 erasure does with a kind's rows. */
export type ErasureAction =
  /** The row stays as a tombstone (attributes cleared, `erased_at` set), so the audit trail's references hold: `VaultService.shred`. */
  | 'tombstone'
  /** Destroyed with the data key, the crypto-shredding itself: `VaultService.shred`. */
  | 'shred'
  /** Deleted in the erasure's transaction: `RecordRepository.deleteAll`. */
  | 'delete'
  /** Kept as proof the law asks for (the comment names the article); what is sealed in it is shredded with the key. */
  | 'keep'
  /**
   * A legal hold: kept by an erasure while it is in force (it is why the erasure keeps anything),
   * deleted when the erasure completes (no hold left): `RecordRepository.deleteAll`.
   */
  | 'keep-until-ended'

/** What a merge of a duplicate into a survivor (Art. 5(1)(d)) does with the duplicate's rows. */
export type MergeAction =
  /** The duplicate's row stays as a tombstone pointing at the survivor (`merged_into`). */
  | 'tombstone'
  /** Destroyed with the duplicate's key; what the survivor lacked was copied to it first. */
  | 'shred'
  /** Stays with the duplicate: the survivor's history follows `merged_into`. */
  | 'keep'
  /** Moves to the survivor as it is. */
  | 'move'
  /** Moves unless the survivor has the same already (the key named at the kind), which wins; the duplicate's is deleted. */
  | 'move-distinct'
  /** Moves; a number the survivor has too gets the duplicate's short id appended. */
  | 'move-renumbered'
  /** Per key, the later state of the two wins (its events moved with their proof). */
  | 'latest-wins'
  /** Moves, its sealed columns opened under the duplicate's key and sealed again under the survivor's. */
  | 'reseal'
  /** Deleted: it can't be carried over (a sign-in of the duplicate ends). */
  | 'drop'

/** A column sealed with `VaultService.seal` under a subject's data key, and what it is sealed as. */
export type SealedColumn<T extends PersonalTable> = {
  [C in Column<T>]: {
    column: C
    /** The AAD `open` needs: fixed, or derived from a column of the row. */
    aad: string | { of: Column<T>; aad: (value: string) => string }
    /** Whether the column may be null (a value that no longer opens is then moved as null). */
    nullable: null extends Schema[T][C] ? true : false
  }
}[Column<T>]

/** How a kind appears in the access report (Art. 15(1), (3)). */
export type ReportSection<T extends PersonalTable> =
  /** A section of its own: its title and the columns shown (sealed ones opened). */
  | { title: { de: string; en: string }; columns: readonly Column<T>[] }
  /** Shown within another kind's section (an order's lines within the order). */
  | { within: PersonalTable }
  /** Not shown, and why (digests of links, lookup keys): nothing in it the person could read. */
  | { omitted: string }

interface RecordKindOf<T extends PersonalTable> {
  table: T
  field: RecordKindField
  /** Columns sealed under the subject's key (shredded with it); merge re-seals them where it moves them. */
  sealed: readonly SealedColumn<T>[]
  erasure: ErasureAction
  merge: MergeAction
  /** The date the retention clock starts from, or the kind whose clock it follows. */
  retention: Column<T> | { with: PersonalTable }
  report: ReportSection<T>
}

/** One personal record kind: its table and what erasure, merge, retention and the access report do with it. */
export type RecordKind = { [T in PersonalTable]: RecordKindOf<T> }[PersonalTable]

export const RECORD_KINDS = [
  // Sales and orders (the CRM core, migration 0008; docs/adr/0008).
  {
    table: 'invoice',
    field: 'invoices',
    sealed: [],
    // Art. 17(3)(b): an invoice under its retention duty (§ 147 AO, § 257 HGB) holds itself, its
    // order and the billing identity (privacy/holds): a held erasure keeps those rows, the others go.
    erasure: 'delete',
    merge: 'move-renumbered',
    // § 147(4) AO: the retention period runs from the end of the year the invoice was issued in.
    retention: 'issued_at',
    report: {
      title: { de: 'Rechnungen', en: 'Invoices' },
      columns: ['invoice_number', 'issued_at', 'due_on', 'amount_cents', 'currency', 'paid_at'],
    },
  },
  {
    table: 'order_line',
    field: 'orders',
    sealed: [],
    erasure: 'delete',
    merge: 'move',
    retention: { with: 'customer_order' },
    report: { within: 'customer_order' },
  },
  {
    table: 'customer_order',
    field: 'orders',
    sealed: [],
    erasure: 'delete',
    merge: 'move-renumbered',
    // § 257(4) HGB: commercial letters from the end of the year they were sent or received.
    retention: 'ordered_at',
    report: {
      title: { de: 'Bestellungen', en: 'Orders' },
      columns: [
        'order_number',
        'ordered_at',
        'status',
        'currency',
        'total_cents',
        'item_count',
        'payment_method',
      ],
    },
  },
  {
    table: 'touchpoint',
    field: 'touchpoints',
    sealed: [],
    erasure: 'delete',
    // The same sender's id at both is one touchpoint (key: external_id).
    merge: 'move-distinct',
    retention: 'occurred_at',
    report: {
      title: { de: 'Kontaktpunkte', en: 'Touchpoints' },
      columns: ['type', 'channel', 'occurred_at', 'purpose_key', 'legal_basis', 'properties', 'source'],
    },
  },
  {
    table: 'deal',
    field: 'deals',
    sealed: [],
    erasure: 'delete',
    merge: 'move',
    retention: 'updated_at',
    report: {
      title: { de: 'Verkaufschancen', en: 'Deals' },
      columns: ['title', 'stage_key', 'amount_cents', 'currency', 'expected_close_on', 'created_at'],
    },
  },
  {
    table: 'subject_note',
    field: 'staffNotes',
    sealed: [{ column: 'sealed_text', aad: NOTE_AAD, nullable: false }],
    erasure: 'delete',
    merge: 'reseal',
    retention: 'created_at',
    report: {
      title: { de: 'Notizen und Aufgaben', en: 'Notes and tasks' },
      columns: ['kind', 'sealed_text', 'due_on', 'done_at', 'created_at'],
    },
  },
  {
    table: 'subject_organisation',
    field: 'organisations',
    sealed: [],
    erasure: 'delete',
    // Memberships of both (key: organisation_id); where both are members, the survivor's job title stays.
    merge: 'move-distinct',
    retention: 'created_at',
    report: {
      title: { de: 'Organisationen', en: 'Organisations' },
      columns: ['organisation_id', 'job_title', 'department', 'created_at'],
    },
  },

  // Scores (migration 0026; issue #16): computed only while the profiling purpose holds. The
  // explanation of a row (what each output means, the model and its parameters) is its model
  // version's `score_model.explanation` and `parameters` with the row's inputs: `ScoreStore.explain`.
  {
    table: 'score_event',
    field: 'scores',
    sealed: [],
    erasure: 'delete',
    // Raised about the duplicate's scores, which are dropped too.
    merge: 'drop',
    retention: 'occurred_at',
    report: {
      title: { de: 'Ereignisse aus Bewertungen', en: 'Score events' },
      columns: ['kind', 'details', 'occurred_at'],
    },
  },
  {
    table: 'subject_score',
    field: 'scores',
    sealed: [],
    // Art. 17(1); and at once on a withdrawal of the consent or an objection (Art. 7(3), 21(3)).
    erasure: 'delete',
    // Recomputed for the survivor from the merged orders at the next run.
    merge: 'drop',
    // Replaced at every run; a subject the purpose no longer reaches loses it then.
    retention: 'computed_at',
    report: {
      // Art. 15(1)(h): with the logic involved, its significance and envisaged consequences.
      title: { de: 'Bewertungen und Profilbildung', en: 'Scores and profiling' },
      columns: ['kind', 'value', 'band', 'outputs', 'inputs', 'model', 'model_version', 'computed_at'],
    },
  },

  // Double opt-in (migration 0015): the pending confirmations. The consent events keep the proof.
  {
    table: 'doi_token',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    merge: 'move',
    retention: { with: 'doi_request' },
    report: { omitted: "the digest of a confirmation link; the link's request is shown" },
  },
  {
    table: 'doi_request',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    // A link mailed to the duplicate confirms the moved `requested` consents of the survivor.
    merge: 'move',
    // The expiry job closes it at expires_at.
    retention: 'requested_at',
    report: {
      title: { de: 'Bestätigungsanfragen (Double-Opt-in)', en: 'Double opt-in confirmations' },
      columns: ['form_key', 'purposes', 'requested_at', 'mailed_at', 'status', 'closed_at'],
    },
  },

  // Privacy portal (migration 0017): sign-in links and sessions; the duplicate's sign-ins end.
  {
    table: 'portal_token',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    merge: 'drop',
    retention: { with: 'portal_link' },
    report: { omitted: 'the digest of a sign-in link or session; the links and sessions are shown' },
  },
  {
    table: 'portal_session',
    field: 'kernel',
    sealed: [],
    // A signed-in browser is signed out.
    erasure: 'delete',
    merge: 'drop',
    // The purge job `portal.purge` deletes it after expires_at.
    retention: 'created_at',
    report: {
      title: { de: 'Sitzungen im Datenschutzportal', en: 'Privacy portal sessions' },
      columns: ['created_at', 'expires_at'],
    },
  },
  {
    table: 'portal_link',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    merge: 'drop',
    retention: 'created_at',
    report: {
      title: { de: 'Anmeldelinks zum Datenschutzportal', en: 'Privacy portal sign-in links' },
      columns: ['created_at', 'expires_at', 'used_at'],
    },
  },

  // Unsubscribe links (migration 0018).
  {
    table: 'unsubscribe_token',
    field: 'kernel',
    sealed: [],
    // After an erasure a link finds nothing; the consent and objection events keep the proof of the withdrawal.
    erasure: 'delete',
    // The duplicate's links (in mails already sent) now unsubscribe the survivor.
    merge: 'move',
    // No expiry: a link in a sent mail must work as long as the subject is kept (Art. 21(2), § 7(3) No. 4 UWG).
    retention: 'created_at',
    report: {
      title: { de: 'Abmeldelinks', en: 'Unsubscribe links' },
      columns: ['purpose_key', 'channel', 'created_at', 'used_at'],
    },
  },

  // Data subject requests (migration 0017) and the answers given (migration 0033).
  {
    table: 'dsr_answer',
    field: 'kernel',
    sealed: [{ column: 'report_sealed', aad: { of: 'request_id', aad: dsrAnswerAad }, nullable: false }],
    // The generated report is a copy of the data: it goes with them. The request row stays as proof
    // of the answer (closed_at, status).
    erasure: 'delete',
    // A report about the duplicate as it was; the survivor may ask again (Art. 15(3): further copies).
    merge: 'drop',
    retention: 'created_at',
    report: { omitted: 'a sealed copy of an answer given: its content is an earlier edition of this report' },
  },
  {
    table: 'dsr_request',
    field: 'kernel',
    sealed: [{ column: 'details_sealed', aad: { of: 'id', aad: dsrDetailsAad }, nullable: true }],
    // Art. 5(2), Art. 12(3): the request stays as proof of receipt and of its deadline; what the
    // person wrote is shredded with the key.
    erasure: 'keep',
    // Its deadline runs on: it was received when it was received.
    merge: 'reseal',
    retention: 'received_at',
    report: {
      title: { de: 'Ihre Anfragen', en: 'Your requests' },
      columns: [
        'kind',
        'channel',
        'received_at',
        'due_at',
        'status',
        'details_sealed',
        'reference',
        'verified_at',
        'verification_method',
        'extended_at',
        'extension_reason',
        'closed_at',
        'refusal_ground',
        'refusal_reason',
      ],
    },
  },

  // Consents, objections, restriction (migration 0004): events append-only, state derived.
  {
    table: 'consent_event',
    field: 'kernel',
    sealed: [],
    // Art. 7(1): the controller must be able to show the consent (and its withdrawal); Art. 17(3)(e).
    erasure: 'keep',
    merge: 'move',
    retention: 'occurred_at',
    report: {
      title: { de: 'Einwilligungen: Verlauf', en: 'Consents: history' },
      columns: ['purpose_key', 'channel', 'kind', 'proof', 'occurred_at'],
    },
  },
  {
    table: 'permission_state',
    field: 'kernel',
    sealed: [],
    // The state the kept events add up to (Art. 7(1), (3)): the withdrawal stays in force.
    erasure: 'keep',
    // Per purpose and channel.
    merge: 'latest-wins',
    retention: 'updated_at',
    report: {
      title: { de: 'Einwilligungen', en: 'Consents' },
      columns: [
        'purpose_key',
        'channel',
        'status',
        'granted_at',
        'confirmed_at',
        'withdrawn_at',
        'expires_at',
      ],
    },
  },
  {
    table: 'objection_event',
    field: 'kernel',
    sealed: [],
    // Art. 21(3): the objection is kept so that the person is not addressed again; Art. 17(3)(e).
    erasure: 'keep',
    merge: 'move',
    retention: 'occurred_at',
    report: {
      title: { de: 'Widersprüche: Verlauf', en: 'Objections: history' },
      columns: ['scope', 'purpose_key', 'channel', 'action', 'source', 'reference', 'occurred_at'],
    },
  },
  {
    table: 'objection_state',
    field: 'kernel',
    sealed: [],
    // Art. 21(3): the objection in force, so the address is never used for direct marketing again.
    erasure: 'keep',
    // Any objection of either counts (key: scope, target).
    merge: 'move-distinct',
    retention: 'raised_at',
    report: {
      title: { de: 'Widersprüche', en: 'Objections' },
      columns: ['scope', 'target', 'source', 'raised_at'],
    },
  },
  {
    table: 'restriction_event',
    field: 'kernel',
    sealed: [],
    // Art. 18(1), (3): the restriction and its lifting are kept as proof.
    erasure: 'keep',
    merge: 'move',
    retention: 'occurred_at',
    report: {
      title: { de: 'Einschränkung der Verarbeitung: Verlauf', en: 'Restriction of processing: history' },
      columns: ['action', 'ground', 'note', 'occurred_at'],
    },
  },
  {
    table: 'restriction_state',
    field: 'kernel',
    sealed: [],
    // Art. 18(1): the restriction in force, with its ground.
    erasure: 'keep',
    // A restriction of either holds; where both are restricted, the survivor's ground stays.
    merge: 'move-distinct',
    retention: 'since',
    report: {
      title: { de: 'Einschränkung der Verarbeitung', en: 'Restriction of processing' },
      columns: ['ground', 'note', 'since'],
    },
  },

  // Disclosures to recipients and webhook deliveries (migrations 0029, 0030; src/privacy/recipients).
  {
    table: 'webhook_delivery',
    field: 'kernel',
    sealed: [],
    // Art. 19: an erasure is itself an event the recipients are told of, so the outbox row (the
    // event's name and the pseudonymous id, no values) outlives it; Art. 5(2): when it went where.
    erasure: 'keep',
    // Delivered about the duplicate as it was: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: 'occurred_at',
    report: {
      title: {
        de: 'Benachrichtigungen an Empfänger (Webhooks)',
        en: 'Notifications to recipients (webhooks)',
      },
      columns: ['event', 'occurred_at', 'status', 'delivered_at'],
    },
  },
  {
    table: 'disclosure_subject',
    field: 'kernel',
    sealed: [],
    // Art. 15(1)(c), Art. 19: to whom the data was disclosed is what the person may ask and whom an
    // erasure, rectification or restriction is communicated to; the pseudonymous id only.
    erasure: 'keep',
    // Disclosed as the duplicate: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: { with: 'audit_event' },
    report: {
      // The recipients, when, which fields and purpose: GET /subjects/{id}/disclosures joins them.
      title: { de: 'Offenlegungen an Empfänger', en: 'Disclosures to recipients' },
      columns: ['disclosure_id'],
    },
  },

  // Campaigns (migration 0038; issue #17, docs/adr/0020): who was sent which campaign on which
  // channel, and the channels no campaign may reach a person on any more.
  {
    table: 'campaign_delivery',
    field: 'kernel',
    sealed: [],
    // Art. 17(1): the person is gone, so is the record of having advertised to them.
    erasure: 'delete',
    // Sent to the duplicate as it was: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: 'queued_at',
    report: {
      title: { de: 'Werbesendungen', en: 'Marketing messages' },
      columns: ['campaign_id', 'channel', 'status', 'sent_at', 'opened_at', 'clicked_at'],
    },
  },
  {
    table: 'campaign_suppression',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    // Stays with the duplicate's address; a survivor's own bounce suppresses it again.
    merge: 'keep',
    retention: 'created_at',
    report: {
      title: { de: 'Sperren für Werbekanäle', en: 'Suppressed marketing channels' },
      columns: ['channel', 'reason', 'created_at'],
    },
  },
  {
    // Migration 0040: the calls of phone campaigns and their outcomes (src/privacy/campaign-channels).
    table: 'campaign_call',
    field: 'kernel',
    sealed: [{ column: 'note_sealed', aad: CAMPAIGN_CALL_NOTE_AAD, nullable: true }],
    // Art. 17(1): the call's record goes with the person; the § 7a UWG proof of the consent's use is
    // the touchpoint written with it, which the legal hold keeps while the proof must be kept.
    erasure: 'delete',
    // Called as the duplicate: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: 'occurred_at',
    report: {
      title: { de: 'Werbeanrufe', en: 'Marketing calls' },
      columns: ['campaign_id', 'outcome', 'note_sealed', 'occurred_at'],
    },
  },

  // Journeys (migration 0042; src/privacy/journeys): who is in an automated journey and which of its
  // messages went out (the ledger before the enrolment: children first).
  {
    table: 'journey_send',
    field: 'kernel',
    sealed: [],
    // Art. 17(1): the person is gone, so is the record of having advertised to them.
    erasure: 'delete',
    // Sent to the duplicate as it was: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: 'created_at',
    report: {
      title: { de: 'Automatische Werbenachrichten', en: 'Automated marketing messages' },
      columns: ['journey_id', 'step', 'channel', 'purpose_key', 'status', 'reason', 'created_at'],
    },
  },
  {
    table: 'journey_enrolment',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    // Stays with the duplicate (its next send is refused: a merged subject is no one to mail).
    merge: 'keep',
    retention: 'entered_at',
    report: {
      title: { de: 'Automatische Werbestrecken', en: 'Automated marketing journeys' },
      columns: ['journey_id', 'status', 'step', 'reason', 'entered_at', 'ended_at'],
    },
  },

  // Legal holds and the erasure ledger (migration 0025; docs/adr/0010).
  // Milestones that start retention clocks (migration 0044): an application's decision, a contract's end.
  {
    table: 'subject_milestone',
    field: 'kernel',
    sealed: [],
    erasure: 'delete',
    // The duplicate's decisions and contract ends are the survivor's relationship too.
    merge: 'move',
    retention: { with: 'subject' },
    report: {
      title: { de: 'Entscheidungen und Vertragsende', en: 'Decisions and contract ends' },
      columns: ['kind', 'occurred_at', 'recorded_at'],
    },
  },
  {
    table: 'legal_hold',
    field: 'kernel',
    sealed: [],
    // Art. 17(3)(b), (e): a hold in force is why an erasure keeps what it names; when the erasure
    // completes (every hold ended) it goes with the rest.
    erasure: 'keep-until-ended',
    // The duplicate's holds keep the survivor's records (which the duplicate's moved into).
    merge: 'move',
    retention: 'created_at',
    report: {
      title: { de: 'Aufbewahrung wegen rechtlicher Pflichten', en: 'Kept because of legal duties' },
      columns: ['ground', 'reason', 'field_categories', 'record_kinds', 'until', 'created_at', 'lifted_at'],
    },
  },
  {
    table: 'erasure_ledger',
    field: 'kernel',
    sealed: [],
    // Art. 17(1), Art. 5(2): the record that the subject was erased (id and time, no values), so an
    // erasure reaches a database restored from an earlier backup (`tresor erasures replay`).
    erasure: 'keep',
    merge: 'keep',
    retention: 'erased_at',
    report: {
      title: { de: 'Löschungen', en: 'Erasures' },
      columns: ['erased_at', 'kind'],
    },
  },

  // The breach register (migration 0031; src/privacy/breaches): who a breach concerns, computed
  // from the audit trail, and the Art. 34 letter to each.
  {
    table: 'breach_subject',
    field: 'kernel',
    sealed: [],
    // Art. 33(5), Art. 5(2): the documentation of a breach names whom it concerned (by id only) and
    // whether they were told (Art. 34); the address it was sent to is not kept.
    erasure: 'keep',
    // The breach concerned the duplicate as it was: the survivor's history follows `merged_into`.
    merge: 'keep',
    retention: 'added_at',
    report: {
      // Art. 15(1): that the person's data was concerned by a breach, and whether they were told.
      title: { de: 'Verletzungen des Schutzes Ihrer Daten', en: 'Personal data breaches concerning you' },
      columns: ['breach_id', 'added_at', 'letter_status', 'letter_at'],
    },
  },

  // The audit trail (migration 0003; docs/adr/0005): append-only by trigger and privileges.
  {
    table: 'audit_subject_set',
    field: 'kernel',
    sealed: [],
    erasure: 'keep',
    merge: 'keep',
    retention: { with: 'audit_event' },
    report: { within: 'audit_event' },
  },
  {
    table: 'audit_event',
    field: 'kernel',
    // Sealed under the key of `sealed_subject_id` (the survivor's, for a merge).
    sealed: [
      {
        column: 'sealed_values',
        aad: { of: 'action', aad: (action) => (action === 'combine' ? COMBINE_AAD : RECTIFICATION_AAD) },
        nullable: true,
      },
    ],
    // Art. 5(2) accountability: records name fields, never values; sealed values are shredded with the key.
    erasure: 'keep',
    merge: 'keep',
    retention: 'at',
    report: {
      // Art. 15(1)(a), (c): the purposes and who processed the data.
      title: { de: 'Protokoll der Verarbeitung', en: 'Processing log' },
      columns: ['at', 'action', 'purpose', 'legal_basis', 'fields', 'actor_type'],
    },
  },

  // The vault (migrations 0002, 0014; docs/adr/0004, 0009).
  {
    table: 'blind_index',
    field: 'subject',
    sealed: [],
    erasure: 'shred',
    merge: 'shred',
    retention: { with: 'subject' },
    report: {
      omitted: 'keyed digests of the e-mail address and phone number, for lookup; the values are shown',
    },
  },
  {
    table: 'subject_identifier',
    field: 'subject',
    // Before migration 0014, one row per field, sealed by the vault itself; converted at start.
    sealed: [],
    erasure: 'shred',
    merge: 'shred',
    retention: { with: 'subject' },
    report: { within: 'subject' },
  },
  {
    table: 'subject_key',
    field: 'subject',
    // `identity`: the identifiers as one record, sealed by the vault itself (docs/adr/0009).
    sealed: [],
    erasure: 'shred',
    merge: 'shred',
    retention: { with: 'subject' },
    report: { within: 'subject' },
  },
  {
    table: 'subject',
    field: 'subject',
    sealed: [],
    // The audit trail keeps referring to the subject; `erased_at` keeps it from being used again.
    erasure: 'tombstone',
    merge: 'tombstone',
    retention: 'updated_at',
    report: {
      // With the identifiers opened from the vault (subject_key).
      title: { de: 'Stammdaten', en: 'Master data' },
      columns: ['kinds', 'source', 'attributes', 'created_at', 'updated_at'],
    },
  },
] as const satisfies readonly RecordKind[]

/** A registered kind, as its literal entry (so `merge` and `erasure` narrow its table). */
export type RegisteredKind = (typeof RECORD_KINDS)[number]

/** The tables registered with a merge action. */
export type TableMerged<A extends MergeAction> = Extract<RegisteredKind, { merge: A }>['table']

/** The tables registered with an erasure action. */
export type TableErased<A extends ErasureAction> = Extract<RegisteredKind, { erasure: A }>['table']

/** Every personal table, in the registry's order. */
export const PERSONAL_TABLES: readonly PersonalTable[] = RECORD_KINDS.map((k) => k.table)

type Unregistered = Exclude<PersonalTable, RegisteredKind['table']>
/** Fails to compile, naming the table, when a table of the schema with a subject_id column isn't registered. */
export const EVERY_PERSONAL_TABLE_REGISTERED: [Unregistered] extends [never] ? true : Unregistered = true

/** The kinds with these merge actions, in the registry's order (children before parents). */
export function kindsMerged<A extends MergeAction>(...actions: A[]): Extract<RegisteredKind, { merge: A }>[] {
  return RECORD_KINDS.filter((k): k is Extract<RegisteredKind, { merge: A }> =>
    (actions as readonly MergeAction[]).includes(k.merge),
  )
}

/** The kinds with an erasure action, in the registry's order (children before parents). */
export function kindsErased<A extends ErasureAction>(action: A): Extract<RegisteredKind, { erasure: A }>[] {
  return RECORD_KINDS.filter((k): k is Extract<RegisteredKind, { erasure: A }> => k.erasure === action)
}
