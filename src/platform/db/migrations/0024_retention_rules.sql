-- The deletion concept (Löschkonzept; DIN 66398, ISO/IEC 27555) as data: one row per deletion
-- class — which records, the standard period, the event that starts it, the legal minimum and a
-- transition where the law changed. Configuration, not personal data (on Citus a reference table).
-- The vocabularies (record kinds, start events, conditions) are closed sets of the code
-- (src/privacy/retention/retention-rule.ts), checked on every write by the service.
create table retention_rule (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{1,62}$'),
  name_de text not null,
  name_en text not null,
  -- a table of the registry of record kinds; null: a category Tresor stores no record of (books)
  record_kind text,
  -- narrowing: rows collected under this purpose, of subjects of only this kind, or a condition
  purpose_key text references purpose (key),
  subject_kind text,
  condition text,
  -- the standard period, ISO 8601 duration
  period text not null check (period ~ '^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$' and period <> 'P'),
  start_event text not null,
  -- the law's minimum (seeded, not editable through the API): both or neither
  legal_minimum_period text,
  legal_minimum_law text,
  -- a change of the law's period (BEG IV: 10 to 8 years for vouchers): all or nothing
  transition_previous_period text,
  transition_cutover date,
  transition_rule_de text,
  transition_rule_en text,
  rule_de text not null,
  rule_en text not null,
  -- seeded from LEGAL.md: its legal minimum and transition follow the product's knowledge
  builtin boolean not null default false,
  -- bumped by every change; a sweep's approval names the version it applies
  version integer not null default 1 check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((legal_minimum_period is null) = (legal_minimum_law is null)),
  check (
    (transition_previous_period is null) = (transition_cutover is null)
    and (transition_cutover is null) = (transition_rule_de is null)
    and (transition_rule_de is null) = (transition_rule_en is null)
  )
);

-- Every version of every rule, kept: what it said, who made it, which properties changed.
create table retention_rule_version (
  rule_key text not null references retention_rule (key),
  version integer not null check (version > 0),
  -- the whole definition as the registry held it (RetentionRuleDefinition)
  definition jsonb not null,
  changed text[] not null,
  actor_type text not null,
  actor_id text not null,
  created_at timestamptz not null default now(),
  primary key (rule_key, version)
);
