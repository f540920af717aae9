import type { ColumnType, Generated, Selectable } from 'kysely'

/** Columns the database fills in (defaults) but that may be set explicitly. */
type Defaulted<T> = ColumnType<T, T | undefined, T>
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface AppUserTable {
  id: Generated<string>
  email: string
  email_normalized: string
  display_name: string | null
  password_hash: string
  role: string
  disabled_at: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
  /** Sealed TOTP secret (migration 0005); pending until totp_enabled_at is set. */
  totp_secret: Uint8Array | null
  totp_enabled_at: Timestamp | null
  totp_last_step: number | null
}

export interface UserSessionTable {
  token_hash: string
  user_id: string
  created_at: Timestamp
  last_seen_at: Timestamp
  expires_at: Timestamp
}

export interface ApiTokenTable {
  id: Generated<string>
  user_id: string
  name: string
  token_hash: string
  prefix: string
  created_at: Timestamp
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
  /** The role the token acts in (migration 0005). */
  role: string
  /** When the token stops working by itself (migration 0027); null: until revoked. */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>
}

export interface SubjectTable {
  id: Generated<string>
  kinds: string[]
  source: string
  attributes: Defaulted<Record<string, unknown>>
  created_at: Timestamp
  updated_at: Timestamp
  /** Art. 17: set when the subject was erased (migration 0002); the row stays as a tombstone. */
  erased_at: Timestamp | null
  /** Merged into this subject (migration 0012): a tombstone of a duplicate. */
  merged_into: Generated<string | null>
  /**
   * Art. 17(3): erasure asked for while legal holds kept parts (migration 0025); the subject is
   * restricted until the last hold ends and the erasure finishes (`erased_at`).
   */
  erasure_requested_at: Timestamp | null
}

/** Vault (migration 0002): which master key new wraps use; one row. */
export interface VaultKeyringTable {
  id: Defaulted<number>
  active_key_id: string
  updated_at: Timestamp
}

/** Vault: long-lived secrets (blind-index key, audit signing key), wrapped by the master key. */
export interface VaultSecretTable {
  name: string
  wrapped: Uint8Array
  master_key_id: string
  created_at: Timestamp
  updated_at: Timestamp
}

/** Vault: one data key per subject, wrapped by the master key; deleting it shreds the subject. */
export interface SubjectKeyTable {
  subject_id: string
  wrapped_key: Uint8Array
  master_key_id: string
  created_at: Timestamp
  /** The subject's identifiers, one sealed JSON record under the data key (migration 0014). */
  identity: Uint8Array | null
}

/** Vault, before migration 0014: one identifier per row; converted into `subject_key.identity` at start. */
export interface SubjectIdentifierTable {
  subject_id: string
  field: string
  ciphertext: Uint8Array
  updated_at: Timestamp
}

/** Vault: keyed HMAC of a normalised e-mail address or phone number, for lookup. */
export interface BlindIndexTable {
  kind: 'email' | 'phone'
  digest: Uint8Array
  subject_id: string
}

/** Claims of blind-index keys while a transaction stores people (migration 0022); never committed. */
export interface BlindIndexClaimTable {
  key: string
}

export interface RoleTable {
  name: string
  description: Defaulted<string>
  permissions: Defaulted<string[]>
  field_categories: Defaulted<string[]>
  builtin: Defaulted<boolean>
  seeded_permissions: string[] | null
  seeded_field_categories: string[] | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface LoginChallengeTable {
  token_hash: string
  user_id: string
  attempts: Defaulted<number>
  created_at: Timestamp
  expires_at: Timestamp
}

/** Audit trail (migration 0003): append-only, hash-chained; see docs/adr/0005-audit-chain.md. */
export interface AuditEventTable {
  seq: number
  at: Timestamp
  actor_type: string
  actor_id: string
  actor_role: string | null
  action: string
  subject_ids: string[] | null
  subject_set_id: string | null
  subject_set_size: number | null
  subject_set_digest: Uint8Array | null
  purpose: string | null
  legal_basis: string | null
  fields: string[] | null
  request_id: string | null
  reason: string | null
  sealed_subject_id: string | null
  sealed_values: Uint8Array | null
  prev_hash: Uint8Array
  hash: Uint8Array
}

export interface AuditSubjectSetTable {
  set_id: string
  subject_id: string
}

export interface AuditHeadTable {
  id: Defaulted<boolean>
  seq: number
  hash: Uint8Array
}

export interface AuditCheckpointTable {
  seq: number
  hash: Uint8Array
  at: Timestamp
  signature: Uint8Array
  public_key: Uint8Array
}

/** Purpose registry (migration 0004): not personal data; the DPO edits it. */
export interface PurposeTable {
  key: string
  name_de: string
  name_en: string
  description_de: string
  description_en: string
  legal_basis: string
  art9_basis: string | null
  channels: string[]
  double_opt_in: boolean
  profiling: boolean
  direct_marketing: boolean
  /** § 7(3) UWG: e-mail/SMS only to own customers (migration 0020). */
  existing_customers: Defaulted<boolean>
  /** What the purpose covers (migration 0021); null roles: not declared yet (filled at start-up). */
  scope_roles: string[] | null
  scope_subject_kinds: Defaulted<string[]>
  scope_requires_record: string | null
  scope_field_categories: Defaulted<string[]>
  scope_restriction_exception: string | null
  retention_period: string | null
  retention_rule_de: string
  retention_rule_en: string
  consent_validity: string | null
  dpv_purpose: string
  dpv_legal_basis: string
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Consent events (migration 0004): append-only, with proof (Art. 7(1)). */
export interface ConsentEventTable {
  subject_id: string
  seq: Generated<number>
  purpose_key: string
  purpose_version: number
  channel: string
  kind: string
  proof: Defaulted<Record<string, unknown>>
  actor_type: string
  actor_id: string
  occurred_at: Timestamp
}

/** The current consent per subject × purpose × channel, derived from consent_event. */
export interface PermissionStateTable {
  subject_id: string
  purpose_key: string
  channel: string
  status: string
  requested_at: Timestamp | null
  granted_at: Timestamp | null
  confirmed_at: Timestamp | null
  withdrawn_at: Timestamp | null
  expired_at: Timestamp | null
  expires_at: Timestamp | null
  updated_at: Timestamp
}

/** Objections raised and lifted (Art. 21), append-only. */
export interface ObjectionEventTable {
  subject_id: string
  seq: Generated<number>
  scope: string
  purpose_key: string | null
  channel: string | null
  action: string
  source: string
  /** Where the evidence is kept (the scanned letter, the call note); optional. */
  reference: string | null
  actor_type: string
  actor_id: string
  occurred_at: Timestamp
}

/** Objections in force; target is the channel, the purpose key or '*' (all marketing). */
export interface ObjectionStateTable {
  subject_id: string
  scope: string
  target: string
  source: string
  raised_at: Timestamp
}

/** Restriction set and lifted (Art. 18), append-only. */
export interface RestrictionEventTable {
  subject_id: string
  seq: Generated<number>
  action: string
  ground: string | null
  note: string | null
  actor_type: string
  actor_id: string
  occurred_at: Timestamp
}

/** Restrictions in force: one row per restricted subject. */
export interface RestrictionStateTable {
  subject_id: string
  ground: string
  note: string | null
  since: Timestamp
  /** Art. 18(3): when and how the person was told before a lift (migration 0043). */
  lift_notice_at: ColumnType<Date | null, Date | null | undefined, Date | null>
  lift_notice_channel: ColumnType<string | null, string | null | undefined, string | null>
}

/** A legal entity (migration 0008): not personal data. */
export interface OrganisationTable {
  id: Generated<string>
  name: string
  legal_form: string | null
  vat_id: string | null
  street: string | null
  postal_code: string | null
  city: string | null
  country_code: string | null
  email: string | null
  phone: string | null
  website: string | null
  external_ref: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** A person's role in an organisation (B2B contact). */
export interface SubjectOrganisationTable {
  subject_id: string
  organisation_id: string
  job_title: string | null
  department: string | null
  created_at: Timestamp
}

/** A touchpoint of the customer journey, with the purpose and basis it was collected under. */
export interface TouchpointTable {
  subject_id: string
  id: Generated<string>
  type: string
  channel: string
  occurred_at: Timestamp
  received_at: Timestamp
  purpose_key: string
  legal_basis: string
  properties: Defaulted<Record<string, unknown>>
  source: string
  external_id: string | null
}

/** The product catalogue: not personal data. */
export interface ProductTable {
  id: Generated<string>
  sku: string
  name: string
  category: string | null
  unit_price_cents: number | null
  currency: Defaulted<string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CustomerOrderTable {
  subject_id: string
  id: Generated<string>
  order_number: string
  ordered_at: Timestamp
  status: string
  currency: string
  total_cents: number
  item_count: number
  payment_method: string | null
  source: string
  created_at: Timestamp
}

/** Personas (migration 0036): k-means clusters of the customers' scores; no subject id. */
export interface PersonaModelTable {
  version: Generated<number>
  fitted_at: Timestamp
  k: number
  customers: number
  sample: number
  scaling: JsonColumn<Record<string, unknown>>
  personas: JsonColumn<unknown[]>
}

/** "Bought this, also bought" (migration 0035): product pairs, no subject. */
export interface ProductAssociationTable {
  product_id: string
  other_product_id: string
  customers: number
  confidence: number
  lift: number
  rank: number
}

/** The last co-occurrence run (migration 0035); one row. */
export interface ProductAssociationRunTable {
  id: Defaulted<boolean>
  computed_at: Timestamp
  customers: number
  products: number
  pairs: number
  min_customers: number
  top: number
}

export interface OrderLineTable {
  subject_id: string
  order_id: string
  line_no: number
  product_id: string | null
  description: string | null
  quantity: number
  unit_price_cents: number
}

export interface InvoiceTable {
  subject_id: string
  id: Generated<string>
  invoice_number: string
  order_id: string | null
  issued_at: Timestamp
  /** ISO date (`YYYY-MM-DD`). */
  due_on: string
  amount_cents: number
  currency: string
  paid_at: Timestamp | null
  created_at: Timestamp
}

export interface PipelineStageTable {
  key: string
  name_de: string
  name_en: string
  position: number
  probability: number
  outcome: string | null
}

export interface DealTable {
  subject_id: string
  id: Generated<string>
  title: string
  stage_key: string
  amount_cents: number | null
  currency: Defaulted<string>
  organisation_id: string | null
  owner_user_id: string | null
  /** ISO date. */
  expected_close_on: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** A staff note or task; the text is sealed under the subject's data key. */
export interface SubjectNoteTable {
  subject_id: string
  id: Generated<string>
  kind: string
  sealed_text: Uint8Array
  author_type: string
  author_id: string
  /** ISO date. */
  due_on: string | null
  done_at: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** An import run and its report (migration 0009); names no subject. */
export interface ImportBatchTable {
  id: string
  kind: string
  status: string
  actor_type: string
  actor_id: string
  source: string | null
  purpose_key: string | null
  consent_reference: string | null
  format: Defaulted<Record<string, unknown>>
  rows: Defaulted<number>
  imported: Defaulted<number>
  skipped: Defaulted<number>
  rejected: Defaulted<number>
  problems: Defaulted<unknown[]>
  problems_truncated: Defaulted<boolean>
  error: string | null
  started_at: Timestamp
  finished_at: Timestamp | null
}

/** The field catalog (migration 0010): identifiers and attributes, not personal data. */
export interface FieldDefinitionTable {
  key: string
  label_de: string
  label_en: string
  category: string
  identifier: Defaulted<boolean>
  special_category: string | null
  data_type: string
  options: Defaulted<string[]>
  purposes: Defaulted<string[]>
  retention_period: string | null
  retention_rule_de: string | null
  retention_rule_en: string | null
  builtin: Defaulted<boolean>
  position: number
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Consent texts (migration 0015): the wording of a purpose's checkbox per version; never changed. */
export interface ConsentTextTable {
  purpose_key: string
  version: number
  text_de: string
  text_en: string
  created_at: Defaulted<Date>
}

/** A jsonb column: read as the value, written as its JSON text. */
type JsonColumn<T> = ColumnType<T, string, string>

/** Forms per touchpoint (migration 0015): fields, offered purposes, notice parts; not personal data. */
export interface FormTable {
  key: string
  type: string
  title_de: string
  title_en: string
  fields: JsonColumn<{ field: string; required: boolean }[]>
  purposes: JsonColumn<{ purposeKey: string; textVersion: number }[]>
  notice: JsonColumn<Record<string, { de: string; en: string }>>
  active: Defaulted<boolean>
  builtin: Defaulted<boolean>
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Double opt-in requests (migration 0015): personal, keyed by subject. */
export interface DoiRequestTable {
  subject_id: string
  id: string
  form_key: string
  purposes: JsonColumn<{ purposeKey: string; channel: string; textVersion: string }[]>
  requested_at: Timestamp
  expires_at: Timestamp
  mailed_at: Timestamp | null
  status: Defaulted<string>
  closed_at: Timestamp | null
}

/** The confirmation link's digest → its request (migration 0015). */
export interface DoiTokenTable {
  token_hash: Uint8Array
  subject_id: string
  request_id: string
}

export interface SchemaMigrationTable {
  version: number
  name: string
  checksum: string
  applied_at: Timestamp
}

/**
 * Counts of the events POST /api/v1/track took and dropped, per day, site and outcome (migration
 * 0016): counts only, not personal data.
 */
export interface TrackingCountTable {
  /** UTC day, `YYYY-MM-DD`. */
  day: string
  source: string
  /** `accepted`, `duplicate`, or the reason the events were dropped. */
  outcome: string
  count: number
}

/**
 * An unsubscribe link's digest → the subject, purpose and channel it unsubscribes from (migration
 * 0018): personal, keyed by the digest; no expiry, deleted with the subject on erasure.
 */
export interface UnsubscribeTokenTable {
  token_hash: Uint8Array
  subject_id: string
  purpose_key: string
  channel: string
  created_at: Timestamp
  used_at: Timestamp | null
}

/** A privacy portal sign-in link (migration 0017): single use, short-lived; its token only as a digest. */
export interface PortalLinkTable {
  subject_id: string
  id: string
  created_at: Timestamp
  expires_at: Timestamp
  used_at: Timestamp | null
}

/** A signed-in privacy portal session (migration 0017). */
export interface PortalSessionTable {
  subject_id: string
  id: string
  link_id: string
  /** When the link that opened the session was mailed (proof of a consent given in the portal). */
  link_sent_at: Timestamp
  created_at: Timestamp
  expires_at: Timestamp
}

/** A portal link's or session's token digest → what it opens (migration 0017). */
export interface PortalTokenTable {
  token_hash: Uint8Array
  kind: 'link' | 'session'
  subject_id: string
  ref_id: string
}

/** A data subject request as received (migration 0017); details sealed under the subject's key. */
export interface DsrRequestTable {
  subject_id: string
  id: string
  kind: string
  channel: string
  received_at: Timestamp
  due_at: Timestamp
  status: Defaulted<string>
  details_sealed: Uint8Array | null
  reference: string | null
  recorded_by_type: string
  recorded_by_id: string
  recorded_at: Timestamp
  // The workflow (migration 0033, Art. 12): assignee, identity verification, extension, closing.
  assignee_id: string | null
  verified_at: Timestamp | null
  verification_method: string | null
  verification_note: string | null
  started_at: Timestamp | null
  extended_at: Timestamp | null
  extension_reason: string | null
  first_due_at: Timestamp | null
  closed_at: Timestamp | null
  refusal_reason: string | null
  refusal_ground: string | null
  answer_note: string | null
  updated_at: Timestamp | null
  /** The answer generated per kind (migration 0043, docs/adr/0021): no personal values. */
  answer: JsonColumn<unknown> | null
}

/** Art. 19: a recipient to tell of a change by hand (migration 0043): keyed by the request. */
export interface DsrLetterTaskTable {
  id: string
  request_id: string
  recipient_id: string
  event: string
  fields: string[]
  message: string
  status: Defaulted<string>
  created_at: Timestamp
  done_at: Timestamp | null
  done_by_type: string | null
  done_by_id: string | null
  done_note: string | null
}

/** The answer given to a data subject request (migration 0033): the report, sealed under the subject's key. */
export interface DsrAnswerTable {
  subject_id: string
  request_id: string
  lang: string
  report_sealed: Uint8Array
  created_at: Timestamp
  expires_at: Timestamp
  created_by_type: string
  created_by_id: string
  downloaded_at: Timestamp | null
}

/** Retention rules (migration 0024): the deletion concept as data; not personal data. */
export interface RetentionRuleTable {
  key: string
  name_de: string
  name_en: string
  record_kind: string | null
  purpose_key: string | null
  subject_kind: string | null
  condition: string | null
  period: string
  start_event: string
  legal_minimum_period: string | null
  legal_minimum_law: string | null
  transition_previous_period: string | null
  /** ISO date (`YYYY-MM-DD`). */
  transition_cutover: ColumnType<string | null, string | null | undefined, string | null>
  transition_rule_de: string | null
  transition_rule_en: string | null
  rule_de: string
  rule_en: string
  builtin: Defaulted<boolean>
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Every version of every retention rule (migration 0024): a sweep's approval names one. */
export interface RetentionRuleVersionTable {
  rule_key: string
  version: number
  definition: JsonColumn<Record<string, unknown>>
  changed: string[]
  actor_type: string
  actor_id: string
  created_at: Timestamp
}

/** A retention plan (migration 0028): a dry run of the sweeper, and its approval; not personal data. */
export interface RetentionPlanTable {
  id: string
  created_at: Timestamp
  as_of: Timestamp
  created_by_type: string
  created_by_id: string
  trigger: string
  rules: JsonColumn<unknown[]>
  approved_at: Timestamp | null
  approved_by_type: string | null
  approved_by_id: string | null
  approval: string | null
}

/** A run of an approved retention plan (migration 0028). */
export interface RetentionRunTable {
  id: string
  plan_id: string
  trigger: string
  actor_type: string
  actor_id: string
  status: Defaulted<string>
  started_at: Timestamp
  finished_at: Timestamp | null
}

/** A run's progress per rule (migration 0028): the cursor a stopped run goes on after. */
export interface RetentionRunRuleTable {
  run_id: string
  rule_key: string
  rule_version: number
  record_kind: string | null
  status: string
  skip_reason: string | null
  cutoff: Timestamp | null
  planned_subjects: Defaulted<number>
  planned_records: Defaulted<number>
  cursor: string | null
  subjects_done: Defaulted<number>
  records_deleted: Defaulted<number>
  erased: Defaulted<number>
  held: Defaulted<number>
  failed: Defaulted<number>
  failures: JsonColumn<{ subject: string; reason: string }[]>
  position: number
  updated_at: Timestamp
}

/** A milestone of a relationship that starts retention clocks (migration 0044): a decision on an application, a contract's end. */
export interface SubjectMilestoneTable {
  subject_id: string
  id: Generated<string>
  kind: 'application_rejected' | 'application_accepted' | 'application_withdrawn' | 'contract_ended'
  occurred_at: Timestamp
  recorded_at: Timestamp
  actor_type: string
  actor_id: string
}

/** A legal hold entered by the DPO (migration 0025): what it keeps of a subject, why, until when. */
export interface LegalHoldTable {
  subject_id: string
  id: string
  ground: string
  reason: string
  field_categories: Defaulted<string[]>
  record_kinds: Defaulted<string[]>
  /** Null: until lifted. */
  until: Timestamp | null
  set_by_type: string
  set_by_id: string
  created_at: Timestamp
  lifted_at: Timestamp | null
  lifted_by_type: string | null
  lifted_by_id: string | null
}

/** Every erasure (migration 0025), replayed after a restore; no personal data beyond the id. */
export interface ErasureLedgerTable {
  subject_id: string
  seq: Generated<number>
  erased_at: Timestamp
  kind: string
  /** The holds a held erasure kept for (hold ids, no values). */
  holds: Defaulted<string[]>
}

/** A fitted analytics model (migration 0026): parameters, settings and explanation texts; not personal. */
export interface ScoreModelTable {
  version: Generated<number>
  model: string
  fitted_at: Timestamp
  /** ISO date (`YYYY-MM-DD`): the end of the observation. */
  as_of: string
  parameters: JsonColumn<Record<string, unknown>>
  settings: JsonColumn<Record<string, unknown>>
  explanation: JsonColumn<Record<string, unknown>>
  calibration: JsonColumn<Record<string, unknown>>
  actor_type: string
  actor_id: string
}

/** A subject's score of one kind (migration 0026): outputs, inputs, model version. */
export interface SubjectScoreTable {
  subject_id: string
  kind: string
  value: number | null
  band: string | null
  outputs: JsonColumn<Record<string, unknown>>
  inputs: JsonColumn<Record<string, unknown>>
  model: string
  model_version: number
  computed_at: Timestamp
}

/** A segment (migration 0032): a named, versioned rule tree; pseudonymous, not personal data. */
export interface SegmentTable {
  id: Generated<string>
  name: string
  description: Defaulted<string>
  purpose_key: string
  rules: JsonColumn<Record<string, unknown>>
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** Every saved version of a segment (migration 0032), with who saved it. */
export interface SegmentVersionTable {
  segment_id: string
  version: number
  name: string
  description: string
  purpose_key: string
  rules: JsonColumn<Record<string, unknown>>
  saved_at: Timestamp
  actor_type: string
  actor_id: string
}

/** An event a score recomputation raised (migration 0026): the campaigns' outbox. */
export interface ScoreEventTable {
  subject_id: string
  id: Generated<string>
  kind: string
  occurred_at: Timestamp
  model_version: number
  details: JsonColumn<Record<string, unknown>>
}

/** A Commission adequacy decision (migration 0029, Art. 45(3)): seeded, reviewed by the DPO; not personal. */
export interface AdequacyDecisionTable {
  country: string
  name_de: string
  name_en: string
  decision: string
  /** ISO date. */
  adopted_on: string
  scope: string
  note_de: string
  note_en: string
  /** ISO date; null: in force. */
  valid_until: string | null
  updated_at: Defaulted<Date>
}

/** A recipient of personal data (migration 0029, Art. 4(9)): configuration, not personal data. */
export interface RecipientTable {
  id: Generated<string>
  name: string
  role: string
  country: string
  /** ISO dates (`YYYY-MM-DD`). */
  contract_date: string | null
  mechanism: string
  dpf_certified_on: string | null
  scc_module: number | null
  scc_date: string | null
  bcr_reference: string | null
  derogation_point: string | null
  derogation_reason: string | null
  purposes: Defaulted<string[]>
  field_categories: Defaulted<string[]>
  note: string | null
  retired_at: Timestamp | null
  version: Defaulted<number>
  created_at: Defaulted<Date>
  updated_at: Defaulted<Date>
}

/** One disclosure to a recipient (migration 0029): an export or a webhook delivery; its subjects in disclosure_subject. */
export interface DisclosureTable {
  id: string
  recipient_id: string
  at: Timestamp
  channel: string
  purpose_key: string
  fields: string[]
  actor_type: string
  actor_id: string
  request_id: string | null
  reference: string | null
}

/** A subject of a disclosure (migration 0029): personal, the pseudonymous id only. */
export interface DisclosureSubjectTable {
  subject_id: string
  disclosure_id: string
}

/** A recipient's webhook subscription (migration 0030); its secret is derived, never stored. */
export interface WebhookSubscriptionTable {
  id: Generated<string>
  recipient_id: string
  url: string
  events: string[]
  purpose_key: string
  /** Bumped to rotate the signing secret. */
  secret_version: Defaulted<number>
  active: Defaulted<boolean>
  created_at: Defaulted<Date>
  updated_at: Defaulted<Date>
}

/** One event to deliver to one subscription (migration 0030): personal (the subject's id), no values. */
export interface WebhookDeliveryTable {
  subject_id: string
  /** The `webhook-id` header: the receiver's idempotency key, the same on every attempt. */
  id: string
  subscription_id: string
  event: string
  occurred_at: Timestamp
  status: Defaulted<string>
  attempts: Defaulted<number>
  next_attempt_at: Timestamp
  last_attempt_at: Timestamp | null
  last_status: number | null
  last_error: string | null
  delivered_at: Timestamp | null
  disclosure_id: string | null
}

/** The installation's settings (migration 0027): one row; controller, DPO contact, branding. */
export interface InstallationSettingTable {
  id: Defaulted<boolean>
  controller_name: string | null
  controller_address: string | null
  controller_email: string | null
  dpo_name: string | null
  dpo_email: string | null
  dpo_address: string | null
  primary_color: string | null
  logo: Uint8Array | null
  logo_media_type: string | null
  logo_sha256: string | null
  /** IANA time zone of mails and the portal (migration 0034). */
  time_zone: Defaulted<string>
  version: Defaulted<number>
  updated_at: Timestamp
}

/** A version of the record of processing activities the DPO adopted (migration 0031); not personal. */
export interface ProcessingRecordVersionTable {
  version: number
  content: string
  sha256: string
  adopted_by_type: string
  adopted_by_id: string
  adopted_at: Timestamp
}

/** A personal data breach of the register (migration 0031, Art. 33(5)); the people are in breach_subject. */
export interface BreachTable {
  id: string
  number: Generated<number>
  aware_at: Timestamp
  occurred_from: Timestamp | null
  occurred_until: Timestamp | null
  title: string
  description: string
  nature: Defaulted<string[]>
  subject_categories: Defaulted<string[]>
  data_categories: Defaulted<string[]>
  approx_subjects: number | null
  approx_records: number | null
  consequences: Defaulted<string>
  measures: Defaulted<string>
  risk: string
  status: Defaulted<string>
  authority_notified_at: Timestamp | null
  authority_reference: string | null
  delay_reasons: string | null
  affected_queries: Defaulted<unknown>
  reminders_sent: Defaulted<number>
  recorded_by_type: string
  recorded_by_id: string
  created_at: Timestamp
  updated_at: Timestamp
}

/** A person a breach concerns, computed from the audit trail, and their Art. 34 letter (migration 0031). */
export interface BreachSubjectTable {
  subject_id: string
  breach_id: string
  records: number
  added_at: Timestamp
  letter_status: string | null
  letter_note: string | null
  letter_at: Timestamp | null
}

/** Every table Kysely sees. Add a table here in the same change as its migration. */
/** A campaign (migration 0038, issue #17): configuration, not personal data. */
export interface CampaignTable {
  id: Generated<string>
  name: string
  description: Defaulted<string>
  segment_id: string | null
  segment_version: number | null
  status: Defaulted<'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled'>
  scheduled_at: Timestamp | null
  started_at: Timestamp | null
  finished_at: Timestamp | null
  default_lang: Defaulted<'de' | 'en'>
  cap_messages: number | null
  cap_days: number | null
  audience: JsonColumn<Record<string, unknown>> | null
  version: Defaulted<number>
  created_at: Timestamp
  updated_at: Timestamp
  created_by_type: string
  created_by_id: string
  /** Migration 0039: record opens and clicks (with a tracking consent); off by default. */
  track_opens: Defaulted<boolean>
  /** Migration 0039: the process sending the campaign now, and until when its lease holds. */
  send_lease_owner: string | null
  send_lease_until: Timestamp | null
}

/** A channel of a campaign under its direct-marketing purpose (migration 0038). */
export interface CampaignChannelTable {
  campaign_id: string
  channel: 'email' | 'sms' | 'post' | 'phone'
  purpose_key: string
  recipient_id: string | null
}

/** A campaign's content per channel and language (migration 0038). */
export interface CampaignContentTable {
  campaign_id: string
  channel: 'email' | 'sms' | 'post' | 'phone'
  lang: 'de' | 'en'
  subject: Defaulted<string>
  body_text: string
  body_html: string | null
}

/** The send ledger (migration 0038): one row per campaign × subject × channel. Personal data. */
export interface CampaignDeliveryTable {
  campaign_id: string
  subject_id: string
  channel: 'email' | 'sms' | 'post' | 'phone'
  status: Defaulted<'queued' | 'sending' | 'sent' | 'delivered' | 'bounced' | 'failed' | 'skipped'>
  reason: string | null
  attempts: Defaulted<number>
  message_id: string | null
  retry_at: Timestamp | null
  queued_at: Timestamp
  sent_at: Timestamp | null
  updated_at: Timestamp
  opened_at: Timestamp | null
  clicked_at: Timestamp | null
}

/** A send's audience decided at its start, as chunks of subject ids (migration 0045). Pseudonymous. */
export interface CampaignAudienceChunkTable {
  campaign_id: string
  channel: 'email' | 'sms' | 'post' | 'phone'
  chunk: number
  subject_ids: string[]
  cancelled: Defaulted<boolean>
}

/** A channel no campaign reaches a person on any more (migration 0038): hard bounce, complaint. */
export interface CampaignSuppressionTable {
  subject_id: string
  channel: 'email' | 'sms' | 'post' | 'phone'
  reason: 'hard-bounce' | 'complaint' | 'manual'
  detail: Defaulted<string>
  created_at: Timestamp
}

/** A call from a phone campaign's call list and its outcome (migration 0040). Personal data. */
export interface CampaignCallTable {
  subject_id: string
  id: Generated<string>
  campaign_id: string
  outcome: 'reached' | 'no-answer' | 'wrong-number' | 'callback' | 'objected' | 'withdrawn'
  note_sealed: Uint8Array | null
  agent_type: string
  agent_id: string
  occurred_at: Timestamp
}

/** A print list handed to a post campaign's letter shop, as a disclosure (migration 0040). */
export interface CampaignPrintListTable {
  id: string
  campaign_id: string
  disclosure_id: string
  format: 'csv' | 'xlsx'
  row_count: number
  left_out: number
  left_out_by: JsonColumn<Record<string, number>>
  actor_type: string
  actor_id: string
  created_at: Timestamp
}

/** A journey (migration 0042, issue #17 "Triggers"): trigger, steps, status; configuration, not personal data. */
export interface JourneyTable {
  id: Generated<string>
  name: string
  description: Defaulted<string>
  trigger_kind: 'doi-confirmed' | 'p-alive-below' | 'order-abandoned'
  trigger: JsonColumn<Record<string, unknown>>
  steps: JsonColumn<unknown[]>
  segment_id: string | null
  default_lang: Defaulted<'de' | 'en'>
  status: Defaulted<'draft' | 'active' | 'paused'>
  version: Defaulted<number>
  activated_at: Timestamp | null
  scanned_until: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
  created_by_type: string
  created_by_id: string
}

/** Every saved version of a journey (migration 0042). */
export interface JourneyVersionTable {
  journey_id: string
  version: number
  name: string
  trigger_kind: string
  trigger: JsonColumn<Record<string, unknown>>
  steps: JsonColumn<unknown[]>
  segment_id: string | null
  default_lang: string
  saved_at: Timestamp
  actor_type: string
  actor_id: string
}

/** A person in a journey (migration 0042): the step they are at, when it is due. Personal data. */
export interface JourneyEnrolmentTable {
  subject_id: string
  journey_id: string
  trigger_ref: string
  journey_version: number
  step: Defaulted<number>
  next_at: Timestamp | null
  status: Defaulted<'active' | 'completed' | 'stopped'>
  reason: string | null
  attempts: Defaulted<number>
  entered_at: Timestamp
  updated_at: Timestamp
  ended_at: Timestamp | null
}

/** The journeys' send ledger (migration 0042): one row per enrolment × step. Personal data. */
export interface JourneySendTable {
  subject_id: string
  journey_id: string
  trigger_ref: string
  step: number
  channel: 'email' | 'sms'
  purpose_key: string
  status: 'sending' | 'sent' | 'refused' | 'failed'
  reason: string | null
  message_id: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface Schema {
  app_user: AppUserTable
  user_session: UserSessionTable
  api_token: ApiTokenTable
  installation_setting: InstallationSettingTable
  subject: SubjectTable
  schema_migration: SchemaMigrationTable
  vault_keyring: VaultKeyringTable
  vault_secret: VaultSecretTable
  subject_key: SubjectKeyTable
  subject_identifier: SubjectIdentifierTable
  blind_index: BlindIndexTable
  blind_index_claim: BlindIndexClaimTable
  audit_event: AuditEventTable
  audit_subject_set: AuditSubjectSetTable
  audit_head: AuditHeadTable
  audit_checkpoint: AuditCheckpointTable
  role: RoleTable
  login_challenge: LoginChallengeTable
  purpose: PurposeTable
  consent_event: ConsentEventTable
  permission_state: PermissionStateTable
  objection_event: ObjectionEventTable
  objection_state: ObjectionStateTable
  restriction_event: RestrictionEventTable
  restriction_state: RestrictionStateTable
  organisation: OrganisationTable
  subject_organisation: SubjectOrganisationTable
  touchpoint: TouchpointTable
  product: ProductTable
  customer_order: CustomerOrderTable
  order_line: OrderLineTable
  invoice: InvoiceTable
  pipeline_stage: PipelineStageTable
  deal: DealTable
  subject_note: SubjectNoteTable
  import_batch: ImportBatchTable
  field_definition: FieldDefinitionTable
  consent_text: ConsentTextTable
  form: FormTable
  doi_request: DoiRequestTable
  doi_token: DoiTokenTable
  tracking_count: TrackingCountTable
  portal_link: PortalLinkTable
  portal_session: PortalSessionTable
  portal_token: PortalTokenTable
  dsr_request: DsrRequestTable
  dsr_answer: DsrAnswerTable
  dsr_letter_task: DsrLetterTaskTable
  unsubscribe_token: UnsubscribeTokenTable
  legal_hold: LegalHoldTable
  subject_milestone: SubjectMilestoneTable
  erasure_ledger: ErasureLedgerTable
  retention_rule: RetentionRuleTable
  retention_rule_version: RetentionRuleVersionTable
  retention_plan: RetentionPlanTable
  retention_run: RetentionRunTable
  retention_run_rule: RetentionRunRuleTable
  score_model: ScoreModelTable
  subject_score: SubjectScoreTable
  product_association: ProductAssociationTable
  product_association_run: ProductAssociationRunTable
  persona_model: PersonaModelTable
  score_event: ScoreEventTable
  segment: SegmentTable
  segment_version: SegmentVersionTable
  campaign: CampaignTable
  campaign_channel: CampaignChannelTable
  campaign_content: CampaignContentTable
  campaign_delivery: CampaignDeliveryTable
  campaign_audience_chunk: CampaignAudienceChunkTable
  campaign_suppression: CampaignSuppressionTable
  journey: JourneyTable
  journey_version: JourneyVersionTable
  journey_enrolment: JourneyEnrolmentTable
  journey_send: JourneySendTable
  campaign_call: CampaignCallTable
  campaign_print_list: CampaignPrintListTable
  adequacy_decision: AdequacyDecisionTable
  recipient: RecipientTable
  disclosure: DisclosureTable
  disclosure_subject: DisclosureSubjectTable
  webhook_subscription: WebhookSubscriptionTable
  webhook_delivery: WebhookDeliveryTable
  processing_record_version: ProcessingRecordVersionTable
  breach: BreachTable
  breach_subject: BreachSubjectTable
}

export type AppUserRow = Selectable<AppUserTable>
export type RoleRow = Selectable<RoleTable>
export type SubjectRow = Selectable<SubjectTable>
export type PurposeRow = Selectable<PurposeTable>
export type PermissionStateRow = Selectable<PermissionStateTable>
