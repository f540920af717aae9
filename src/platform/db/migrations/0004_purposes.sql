-- Purposes and legal bases (the registry the DPO maintains), and the permission state per subject:
-- consent events with their proof, objections (Art. 21), restriction (Art. 18). Events are
-- append-only; the *_state tables are the current state derived from them, written in the same
-- transaction as the event, so the gate can decide over a million subjects in one query.
-- Personal tables lead their primary key with subject_id (DESIGN.md, "Beyond one machine").

-- Not personal data: one row per purpose (on Citus a reference table).
create table purpose (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{1,62}$'),
  name_de text not null,
  name_en text not null,
  description_de text not null,
  description_en text not null,
  -- Art. 6(1): exactly one basis per purpose
  legal_basis text not null check (
    legal_basis in ('consent', 'contract', 'legal_obligation', 'vital_interest', 'public_task', 'legitimate_interest')
  ),
  -- Art. 9(2): only where special categories are processed
  art9_basis text check (
    art9_basis in (
      'explicit_consent', 'employment_law', 'vital_interest', 'not_for_profit', 'made_public',
      'legal_claims', 'substantial_public_interest', 'health_care', 'public_health', 'research'
    )
  ),
  channels text[] not null check (
    cardinality(channels) > 0 and channels <@ array['email', 'sms', 'phone', 'post', 'web', 'none']::text[]
  ),
  double_opt_in boolean not null,
  profiling boolean not null,
  direct_marketing boolean not null,
  -- ISO 8601 duration, or null when the period is an event ("until withdrawn")
  retention_period text,
  retention_rule_de text not null,
  retention_rule_en text not null,
  -- ISO 8601 duration after which a consent lapses; null: it doesn't
  consent_validity text,
  -- W3C DPV concepts as CURIEs (dpv:, eu-gdpr:)
  dpv_purpose text not null,
  dpv_legal_basis text not null,
  -- bumped by every change; consent events record the version the subject agreed to
  version integer not null default 1 check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Art. 7(1): the controller must be able to demonstrate consent. One row per event, never changed.
create table consent_event (
  subject_id uuid not null references subject (id) on delete cascade,
  seq bigint generated always as identity,
  purpose_key text not null references purpose (key),
  purpose_version integer not null,
  channel text not null check (channel in ('email', 'sms', 'phone', 'post', 'web', 'none')),
  kind text not null check (kind in ('requested', 'granted', 'confirmed', 'withdrawn', 'expired')),
  -- source/form, text version shown, reference, DOI confirmation data
  proof jsonb not null default '{}'::jsonb,
  -- the collecting actor (audit actor type and id)
  actor_type text not null,
  actor_id text not null,
  occurred_at timestamptz not null,
  primary key (subject_id, seq)
);

-- The current consent per subject × purpose × channel.
create table permission_state (
  subject_id uuid not null references subject (id) on delete cascade,
  purpose_key text not null references purpose (key),
  channel text not null check (channel in ('email', 'sms', 'phone', 'post', 'web', 'none')),
  status text not null check (status in ('requested', 'granted', 'confirmed', 'withdrawn', 'expired')),
  requested_at timestamptz,
  granted_at timestamptz,
  confirmed_at timestamptz,
  withdrawn_at timestamptz,
  expired_at timestamptz,
  -- when a granted/confirmed consent lapses (the purpose's consent validity at the time)
  expires_at timestamptz,
  updated_at timestamptz not null,
  primary key (subject_id, purpose_key, channel)
);
-- The audience of a consent purpose: one range of this index, in subject order (keyset pages),
-- answered from the index alone.
create index permission_state_audience_idx
  on permission_state (purpose_key, channel, subject_id) include (status, expires_at);

-- Art. 21: objections raised and lifted, never changed.
create table objection_event (
  subject_id uuid not null references subject (id) on delete cascade,
  seq bigint generated always as identity,
  scope text not null check (scope in ('channel', 'purpose', 'all_marketing')),
  purpose_key text references purpose (key),
  channel text check (channel in ('email', 'sms', 'phone', 'post', 'web')),
  action text not null check (action in ('raised', 'lifted')),
  -- where the objection came from: portal, email, letter, phone, unsubscribe link, api, ...
  source text not null,
  actor_type text not null,
  actor_id text not null,
  occurred_at timestamptz not null,
  primary key (subject_id, seq),
  check ((scope = 'channel') = (channel is not null)),
  check ((scope = 'purpose') = (purpose_key is not null))
);

-- The objections in force: a row per raised and not lifted objection. target is the channel, the
-- purpose key, or '*' for all marketing, so the key has no nulls.
create table objection_state (
  subject_id uuid not null references subject (id) on delete cascade,
  scope text not null check (scope in ('channel', 'purpose', 'all_marketing')),
  target text not null,
  source text not null,
  raised_at timestamptz not null,
  primary key (subject_id, scope, target)
);

-- Art. 18: restriction set and lifted, never changed.
create table restriction_event (
  subject_id uuid not null references subject (id) on delete cascade,
  seq bigint generated always as identity,
  action text not null check (action in ('set', 'lifted')),
  -- Art. 18(1)(a)-(d); null when lifted
  ground text check (ground in ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending')),
  note text,
  actor_type text not null,
  actor_id text not null,
  occurred_at timestamptz not null,
  primary key (subject_id, seq)
);

-- The restrictions in force: a row per restricted subject.
create table restriction_state (
  subject_id uuid primary key references subject (id) on delete cascade,
  ground text not null check (ground in ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending')),
  note text,
  since timestamptz not null
);

-- The few erased subjects (Art. 17 tombstones, column from 0002): the audience excludes them with
-- an anti-join on this small index instead of reading every subject row.
create index subject_erased_idx on subject (id) where erased_at is not null;
